"""Ratings of teams by the families of the residents they served: giving one (a new one within 6
months replaces the old), the team lead's one reply, an administrator hiding one with a reason.

:func:`rating_summaries` is what the other market pages read (the contract with the choice): one
query for any number of teams. No rating carries the resident's name or anything of their health.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from care.models import Client, FamilyContact
from marketplace.accounts.models import User
from marketplace.accounts.notifications import notify, register_kind
from marketplace.core import audit
from marketplace.core.audit import Action
from marketplace.core.db_types import LOCAL_ZONE, local_today, utcnow
from marketplace.core.errors import Conflict, InvalidInput, NotInScope
from marketplace.core.extensions import db
from marketplace.core.policy import Perm, authorize, load
from marketplace.core.roles import Role
from teams.models import Team, TeamAssignment

from . import rating_rules
from .access_offers import STAFF
from .models import RatingStatus, TeamRating
from .recipients import team_leads
from .rating_rules import ASPECTS, Given, Period, RatingSummary, ScoreOutOfRange

MAX_COMMENT = 2000
MAX_REASON = 500
COUNTED = (RatingStatus.CURRENT.value, RatingStatus.EARLIER.value)

register_kind("rating_received", _l("%(team)s received a new rating from a family."))
register_kind("rating_replied", _l("The team lead of %(team)s replied to your rating."))
register_kind("rating_hidden", _l("Your rating of %(team)s was hidden by an administrator. See why on the "
                                  "team's page."))


def offer_path(team_id: int) -> str:
    """The team's offer page (where its ratings are), for notifications; works outside a request."""
    return f"/teams/{team_id}/offer"


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LOCAL_ZONE)


def _local_date(moment: datetime) -> date:
    return moment.astimezone(LOCAL_ZONE).date()


def rating_summaries(team_ids: Sequence[int], today: date | None = None) -> dict[int, RatingSummary]:
    """Per team: the average (or None below the minimum), the count and the number of families, over
    the counted ratings (not replaced, not hidden) of the last 24 months. One query."""
    ids = list(dict.fromkeys(team_ids))
    if not ids:
        return {}
    since = _start_of(rating_rules.counted_since(today or local_today()))
    given: dict[int, list[Given]] = defaultdict(list)
    rows = db.session.execute(select(TeamRating.team_id, TeamRating.client_id, *(getattr(TeamRating, a) for a in ASPECTS))
                              .where(TeamRating.team_id.in_(ids), TeamRating.status.in_(COUNTED),
                                     TeamRating.hidden_at.is_(None), TeamRating.created_at >= since))
    for team_id, client_id, *scores in rows:
        given[team_id].append(Given(client_id, rating_rules.mark_of(dict(zip(ASPECTS, scores)))))
    return {team_id: rating_rules.summarise(given.get(team_id, ())) for team_id in ids}


def mark(rating: TeamRating) -> Decimal:
    return rating_rules.mark_of(rating.scores).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def periods_of(client: Client) -> list[Period]:
    """The teams that delivered the client's care and when: the assignment history, or, for a
    client without history, its current team since its start."""
    periods = [Period(a.team_id, a.starts_on, a.ends_on) for a in db.session.scalars(
        select(TeamAssignment).where(TeamAssignment.client_id == client.id))]
    if not periods and client.team_id is not None:
        periods.append(Period(client.team_id, client.start_date, None))
    return periods


def rateable_clients(actor: User, team: Team, today: date | None = None) -> list[Client]:
    """The residents on whose behalf ``actor`` may rate ``team``: they are the actor's family and the
    team served them in the last 6 months."""
    if actor.has_role(*STAFF) or not actor.has_role(Role.FAMILY):
        return []
    today = today or local_today()
    clients = list(db.session.scalars(select(Client).join(FamilyContact).where(
        FamilyContact.user_id == actor.id, Client.organisation_id == team.organisation_id).order_by(Client.name)))
    return [client for client in clients if rating_rules.served_within(periods_of(client), team.id, today)]


def give_rating(actor: User, team: Team, client: Client, *, scores: Mapping[str, object], recommend: object,
                comment: object = "", today: date | None = None) -> TeamRating:
    """Rate ``team`` for ``client``. A current rating of the last 6 months is replaced; an older one
    stays and counts as an earlier rating. Commits.

    :raises NotInScope: the team and the resident are of different organisations.
    :raises AccessDenied: the actor is no family contact of the resident, or is staff.
    :raises InvalidInput: a mark outside 1-10, ``recommend`` not yes or no, a comment too long
        (``code="not_served"``: the team did not care for the resident in the last 6 months).
    :raises Conflict: another rating for this resident and team was saved at the same moment.
    """
    if team.organisation_id != client.organisation_id:
        raise NotInScope()
    authorize(actor, Perm.RATING_GIVE, client)
    today = today or local_today()
    fields: dict[str, object] = {}
    try:
        marks = rating_rules.check_scores(scores)
    except ScoreOutOfRange as bad:
        fields.update({f"scores.{aspect}": _l("Give a mark from 1 to 10.") for aspect in bad.aspects})
    if not isinstance(recommend, bool):
        fields["recommend"] = _l("Answer yes or no.")
    if not isinstance(comment, str) or len(comment) > MAX_COMMENT:
        fields["comment"] = _l("Use at most %(max)d characters.", max=MAX_COMMENT)
    if fields:
        name = next(iter(fields))
        raise InvalidInput(name, fields[name], fields=fields)
    if not rating_rules.served_within(periods_of(client), team.id, today):
        raise InvalidInput("team_id", _l("Only the family of a resident whom this team cared for in the last "
                                         "6 months can rate it."), code="not_served")
    # One writer per resident at a time: an UPDATE that changes nothing locks the resident's row on
    # PostgreSQL and takes SQLite's write lock as the transaction's first write, so the next
    # writer waits and then sees (and replaces) this rating. The partial unique index backs it.
    db.session.execute(update(Client).where(Client.id == client.id).values(id=Client.id)
                       .execution_options(synchronize_session=False))
    try:
        previous = db.session.scalar(select(TeamRating).where(
            TeamRating.team_id == team.id, TeamRating.client_id == client.id,
            TeamRating.status == RatingStatus.CURRENT.value))
        now = utcnow()
        if previous is not None:
            if rating_rules.replaces(_local_date(previous.created_at), today):
                previous.status, previous.replaced_at = RatingStatus.REPLACED.value, now
            else:
                previous.status = RatingStatus.EARLIER.value
            db.session.flush()  # before the insert: the index allows one current rating
        rating = TeamRating(organisation_id=team.organisation_id, team_id=team.id, client_id=client.id,
                            author_id=actor.id, status=RatingStatus.CURRENT.value, recommend=recommend,
                            comment=comment.strip(), created_at=now, **marks)
        db.session.add(rating)
        notify(team_leads(team.id, today), "rating_received", link=offer_path(team.id), params={"team": team.name})
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_l("A rating for this resident was saved at the same moment. Reload and try again."),
                       code="rating_conflict") from None
    return rating


def visible_ratings(actor: User, team: Team, limit: int = 50) -> list[TeamRating]:
    """The team's counted ratings, newest first; hidden ones only for administrators and their author."""
    query = select(TeamRating).where(TeamRating.team_id == team.id, TeamRating.status.in_(COUNTED))
    if not actor.has_role(Role.ADMIN):
        query = query.where(or_(TeamRating.hidden_at.is_(None), TeamRating.author_id == actor.id))
    return list(db.session.scalars(query.order_by(TeamRating.created_at.desc(), TeamRating.id.desc()).limit(limit)))


def load_rating(actor: User, rating_id: object) -> TeamRating:
    """:raises NotInScope: no such counted rating in the actor's organisation."""
    rating = load(TeamRating, rating_id)
    if rating is None or rating.organisation_id != actor.organisation_id or rating.status not in COUNTED:
        raise NotInScope()
    return rating


def _text(value: object, field: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(field, _l("This field is required."))
    if len(value) > limit:
        raise InvalidInput(field, _l("Use at most %(max)d characters.", max=limit))
    return value.strip()


def reply_to_rating(actor: User, rating: TeamRating, text: object) -> TeamRating:
    """The team lead's one reply. Commits.

    :raises AccessDenied: the actor is not the lead of the rated team.
    :raises InvalidInput: an empty or too long reply.
    :raises Conflict: the rating has a reply already (``code="already_replied"``).
    """
    authorize(actor, Perm.RATING_REPLY, rating.team)
    reply = _text(text, "reply", MAX_COMMENT)
    done = db.session.execute(update(TeamRating).where(TeamRating.id == rating.id, TeamRating.reply.is_(None))
                              .values(reply=reply, replied_at=utcnow(), replied_by_id=actor.id)
                              .execution_options(synchronize_session=False)).rowcount
    if done != 1:
        db.session.rollback()
        raise Conflict(_l("This rating has a reply already; a team replies once."), code="already_replied")
    notify([db.session.get(User, rating.author_id)], "rating_replied",
           link=offer_path(rating.team_id), params={"team": rating.team.name})
    db.session.commit()
    db.session.refresh(rating)
    return rating


def hide_rating(actor: User, rating: TeamRating, reason: object) -> TeamRating:
    """An administrator hides a rating with a reason; logged, and its author is told. Commits.

    :raises AccessDenied: the actor is no administrator.
    :raises InvalidInput: no reason, or one too long.
    :raises Conflict: the rating is hidden already.
    """
    authorize(actor, Perm.RATING_HIDE, rating)
    why = _text(reason, "reason", MAX_REASON)
    done = db.session.execute(update(TeamRating).where(TeamRating.id == rating.id, TeamRating.hidden_at.is_(None))
                              .values(hidden_at=utcnow(), hidden_reason=why, hidden_by_id=actor.id)
                              .execution_options(synchronize_session=False)).rowcount
    if done != 1:
        db.session.rollback()
        raise Conflict(_l("This rating is hidden already."), code="already_hidden")
    audit.record(Action.UPDATE, actor=actor, obj=rating, detail=f"rating hidden: {why}"[:500])
    notify([db.session.get(User, rating.author_id)], "rating_hidden",
           link=offer_path(rating.team_id), params={"team": rating.team.name})
    db.session.commit()
    db.session.refresh(rating)
    return rating

