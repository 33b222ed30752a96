"""Choosing a resident's team (DOMAIN.md §6): the options side by side, the choice that takes
effect on the next Monday, withdrawing it before then, and the history.

A choice waits as *pending* until its Monday. Nothing scheduled has to run for it to take
effect: :func:`apply_due_choices` applies every pending choice whose Monday has come (through
``teams.assignments.move_to_team``, the one writer of a resident's team and its history), and
it runs whenever a resident's options, choice or history are read or changed, before a week is
settled (billing's ``before_settlement`` hook) and in ``flask market expire-offers``. Applying
is idempotent: the choice's status moves from pending to applied by a conditional update, so
two readers at the same moment apply it once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import format_date, lazy_gettext as _l
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload, selectinload

from care.models import Client
from marketplace.accounts.models import User
from marketplace.accounts.notifications import notify, register_kind
from marketplace.core import audit
from marketplace.core.audit import Action
from marketplace.core.db_types import LOCAL_ZONE, utcnow
from marketplace.core.errors import Conflict, InvalidInput
from marketplace.core.extensions import db
from marketplace.core.policy import Perm, authorize, load
from teams.assignments import TeamInactive, move_to_team
from teams.models import Team, TeamAssignment, TeamTargetGroup, team_locations

from .access_choice import on_behalf
from .capacity import lock_team, open_places, waiting_lengths, waiting_without_offer
from .domain import effective_monday, free_for_newcomers
from .models import ChoiceStatus, EntryStatus, TeamChoice, WaitingEntry
from .offers import OfferSummary, published_offers
from .place_offers import refresh_teams
from .rating_rules import RatingSummary
from .ratings import rating_summaries
from .recipients import deciders, options_link, team_leads

register_kind("team_choice_incoming", _l("%(client)s moves to your team %(team)s from %(day)s."))
register_kind("team_choice_outgoing", _l("%(client)s moves from your team %(team)s to team %(new_team)s "
                                         "from %(day)s."))
register_kind("team_choice_family", _l("%(who)s chose team %(team)s for %(client)s, from %(day)s."))
register_kind("team_choice_on_behalf", _l("Client supporter %(who)s chose team %(team)s for %(client)s on the "
                                          "family's behalf, from %(day)s."))
register_kind("team_choice_lapsed", _l("Team %(team)s takes no new residents any more: the choice of it for "
                                       "%(client)s has lapsed. Please choose again."))
register_kind("team_choice_withdrawn", _l("The choice of team %(team)s for %(client)s (from %(day)s) was "
                                          "withdrawn by %(who)s."))


class NotServing(InvalidInput):
    """The team does not serve the resident's location and target group (or does not exist)."""

    def __init__(self):
        super().__init__("team_id", _l("This team does not serve the resident's location and target group."),
                         code="team_not_serving")


class AlreadyInTeam(InvalidInput):
    """The resident's current team was chosen."""

    def __init__(self, team: Team):
        super().__init__("team_id", _l("%(team)s is already the resident's team.", team=team.name),
                         code="current_team")


class TeamFull(Conflict):
    """No open place on the effective Monday: the family may join the waiting list."""

    code = "team_full"

    def __init__(self, team: Team, monday: date):
        super().__init__(_l("%(team)s has no open place on %(day)s. You can join its waiting list.",
                            team=team.name, day=format_date(monday, "long")), code="team_full")
        self.team = team


class NothingToWithdraw(Conflict):
    code = "nothing_to_withdraw"

    def __init__(self):
        super().__init__(_l("There is no choice waiting to take effect: nothing to withdraw."),
                         code="nothing_to_withdraw")


class ChosenAtTheSameMoment(Conflict):
    code = "chosen_at_the_same_moment"

    def __init__(self):
        super().__init__(_l("Someone else chose a team for this resident at the same moment. Reload and look again."),
                         code="chosen_at_the_same_moment")


@dataclass(frozen=True)
class TeamOption:
    team: Team
    open_places: int
    waiting: int
    current: bool
    chosen: bool  # the pending choice
    offer: OfferSummary | None  # the published offer (None: not published yet)
    rating: RatingSummary
    on_list: bool  # the resident is on this team's waiting list


@dataclass(frozen=True)
class Options:
    client: Client
    teams: list[TeamOption]
    pending: TeamChoice | None
    effective_from: date  # of a choice made now


def local_day(now: datetime) -> date:
    return now.astimezone(LOCAL_ZONE).date()


def serving_teams_query(client: Client):
    """Teams of the resident's organisation serving its location and target group, by name."""
    return (select(Team)
            .join(team_locations, team_locations.c.team_id == Team.id)
            .join(TeamTargetGroup, TeamTargetGroup.team_id == Team.id)
            .where(Team.organisation_id == client.organisation_id, team_locations.c.location_id == client.location_id,
                   TeamTargetGroup.target_group == client.target_group,
                   # A deactivated team takes no new residents; the resident's own is still shown.
                   or_(Team.active.is_(True), Team.id == client.team_id))
            .order_by(Team.name, Team.id))


def serving_team(client: Client, team_id: object) -> Team:
    """:raises NotServing: no such team, another organisation's, or one not serving the resident."""
    team = load(Team, team_id)
    if team is None or team.organisation_id != client.organisation_id or db.session.scalar(
            serving_teams_query(client).where(Team.id == team.id).with_only_columns(Team.id)) is None:
        raise NotServing()
    return team


def pending_choice(client: Client) -> TeamChoice | None:
    return db.session.scalar(select(TeamChoice).where(
        TeamChoice.client_id == client.id, TeamChoice.status == ChoiceStatus.PENDING.value))


def apply_due_choices(today: date, client_ids: list[int] | None = None, now: datetime | None = None) -> list[TeamChoice]:
    """Apply every pending choice whose Monday is ``today`` or earlier (of these residents, or all). Flushes.

    A choice of a team deactivated since lapses (withdrawn; the family is told). :returns: the
    choices settled either way.

    Each is claimed by a conditional update (pending → applied), so a choice is applied once
    even when two requests do this at the same moment.
    """
    query = select(TeamChoice).where(TeamChoice.status == ChoiceStatus.PENDING.value,
                                     TeamChoice.effective_from <= today)
    if client_ids is not None:
        if not client_ids:
            return []
        query = query.where(TeamChoice.client_id.in_(client_ids))
    applied = []
    for choice in db.session.scalars(query.order_by(TeamChoice.effective_from, TeamChoice.id)).all():
        claimed = db.session.execute(
            update(TeamChoice).where(TeamChoice.id == choice.id, TeamChoice.status == ChoiceStatus.PENDING.value)
            .values(status=ChoiceStatus.APPLIED.value, ended_at=now or utcnow())
            .execution_options(synchronize_session=False)).rowcount
        if claimed != 1:
            continue
        db.session.refresh(choice)
        client = db.session.get(Client, choice.client_id)
        try:
            move_to_team(client, choice.team, choice.effective_from)
        except TeamInactive:
            # Deactivated after it was chosen: the choice lapses (move_to_team wrote nothing).
            choice.status = ChoiceStatus.WITHDRAWN.value
            audit.record(Action.UPDATE, organisation_id=choice.organisation_id, client_id=client.id, obj=choice,
                         detail=f"team choice lapsed: team {choice.team_id} takes no new residents")
            notify(deciders(client), "team_choice_lapsed", link=options_link(client.id),
                   params={"client": client.name, "team": choice.team.name})
            applied.append(choice)
            continue
        audit.record(Action.UPDATE, organisation_id=choice.organisation_id, client_id=client.id, obj=choice,
                     detail=f"team choice applied: team {choice.team_id} from {choice.effective_from}")
        applied.append(choice)
    # The places these residents left go to the waiting lists when those are next read (the
    # options pages read every serving team's list) or by `flask market expire-offers`; not here,
    # where a second team lock could cross another request's.
    return applied


def team_options(actor: User, client: Client, *, now: datetime | None = None) -> Options:
    """The teams serving the resident, side by side. A constant number of queries, however many teams.

    Applies the resident's choice first when its Monday has come (and commits that).
    :raises AccessDenied: the actor may not view the resident.
    """
    authorize(actor, Perm.CLIENT_VIEW, client)
    now = now or utcnow()
    if apply_due_choices(local_day(now), [client.id], now):
        db.session.commit()
    monday = effective_monday(now)
    # The target groups are already in the query's filter: not loaded again for every team.
    teams = list(db.session.scalars(serving_teams_query(client).options(lazyload(Team.target_group_rows))))
    ids = [team.id for team in teams]
    if refresh_teams(ids, now) != (0, 0):  # reading the lists settles them: offers expire and are made
        db.session.commit()
    places = open_places(ids, monday, now=now)
    waiting = waiting_lengths(ids)
    offers = published_offers(ids)
    ratings = rating_summaries(ids, local_day(now))
    pending = pending_choice(client)
    listed = set(db.session.scalars(select(WaitingEntry.team_id).where(
        WaitingEntry.client_id == client.id, WaitingEntry.status == EntryStatus.WAITING.value)))
    return Options(client, [TeamOption(team, places.get(team.id, 0), waiting.get(team.id, 0),
                                       team.id == client.team_id, pending is not None and pending.team_id == team.id,
                                       offers.get(team.id), ratings[team.id], team.id in listed)
                            for team in teams], pending, monday)


def choose_team(actor: User, client: Client, team_id: object, *, now: datetime | None = None) -> tuple[TeamChoice, bool]:
    """Choose ``team_id`` for the resident from the next Monday. Commits once.

    The same choice again changes nothing (``created`` False); another choice before the
    Monday replaces the pending one.

    :returns: the pending choice and whether it was made now.
    :raises AccessDenied: the actor may not choose for this resident (no *decide*).
    :raises NotServing: the team does not serve the resident.
    :raises AlreadyInTeam: it is the resident's team already.
    :raises TeamFull: no open place on the Monday (the waiting list goes first).
    """
    authorize(actor, Perm.TEAM_CHOOSE, client)
    now = now or utcnow()
    apply_due_choices(local_day(now), [client.id], now)
    team = serving_team(client, team_id)
    if team.id == client.team_id:
        raise AlreadyInTeam(team)
    pending = pending_choice(client)
    if pending is not None and pending.team_id == team.id:
        db.session.commit()
        return pending, False
    monday = effective_monday(now)
    lock_team(team.id)  # whoever takes a place of this team waits here until we commit
    places = open_places([team.id], monday, now=now).get(team.id, 0)
    if free_for_newcomers(places, waiting_without_offer(team.id, now=now)) < 1:
        raise TeamFull(team, monday)
    try:
        choice = place_choice(actor, client, team, monday, now)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ChosenAtTheSameMoment() from None
    return choice, True


def place_choice(actor: User, client: Client, team: Team, monday: date, now: datetime, *,
                 offer_id: int | None = None) -> TeamChoice:
    """Record the choice (replacing a pending one), log it and tell who must know. Flushes; the caller
    has made sure of the place (under the team's lock, or by an accepted offer)."""
    pending = pending_choice(client)
    if pending is not None:
        pending.status = ChoiceStatus.REPLACED.value
        pending.ended_at = now
        pending.ended_by_id = actor.id
        db.session.flush()
        notify(team_leads(pending.team_id, local_day(now)), "team_choice_withdrawn",
               params={"client": client.name, "team": pending.team.name, "day": pending.effective_from.isoformat(),
                       "who": actor.name})
    for_family = on_behalf(actor, client)
    choice = TeamChoice(organisation_id=client.organisation_id, client_id=client.id, team_id=team.id,
                        previous_team_id=client.team_id, chosen_by_id=actor.id, on_behalf=for_family,
                        offer_id=offer_id, effective_from=monday, status=ChoiceStatus.PENDING.value, created_at=now)
    db.session.add(choice)
    db.session.flush()
    audit.record(Action.CREATE, actor=actor, client_id=client.id, obj=choice,
                 detail=f"team {team.id} chosen from {monday.isoformat()}" + (" on the family's behalf" if for_family
                                                                              else ""))
    today = local_day(now)
    params = {"client": client.name, "team": team.name, "day": monday.isoformat()}
    notify(team_leads(team.id, today), "team_choice_incoming", params=params)
    if client.team_id is not None:
        notify(team_leads(client.team_id, today), "team_choice_outgoing", link=f"/clients/{client.id}",
               params={**params, "team": client.team.name, "new_team": team.name})
    family = [user for user in deciders(client) if user.id != actor.id]
    notify(family, "team_choice_on_behalf" if for_family else "team_choice_family", link=options_link(client.id),
           params={**params, "who": actor.name})
    return choice


def withdraw_choice(actor: User, client: Client, *, now: datetime | None = None) -> TeamChoice:
    """Take back the pending choice before its Monday. Commits once.

    :raises NothingToWithdraw: no choice pending (or it has taken effect already).
    """
    authorize(actor, Perm.TEAM_CHOOSE, client)
    now = now or utcnow()
    today = local_day(now)
    apply_due_choices(today, [client.id], now)
    pending = pending_choice(client)
    if pending is None:
        db.session.commit()
        raise NothingToWithdraw()
    withdrawn = db.session.execute(
        update(TeamChoice).where(TeamChoice.id == pending.id, TeamChoice.status == ChoiceStatus.PENDING.value,
                                 TeamChoice.effective_from > today)
        .values(status=ChoiceStatus.WITHDRAWN.value, ended_at=now, ended_by_id=actor.id)
        .execution_options(synchronize_session=False)).rowcount
    if withdrawn != 1:
        db.session.rollback()
        raise NothingToWithdraw()
    db.session.refresh(pending)
    audit.record(Action.DELETE, actor=actor, client_id=client.id, obj=pending, detail="team choice withdrawn")
    params = {"client": client.name, "team": pending.team.name, "day": pending.effective_from.isoformat(),
              "who": actor.name}
    notify(team_leads(pending.team_id, today), "team_choice_withdrawn", params=params)
    notify([user for user in deciders(client) if user.id != actor.id], "team_choice_withdrawn",
           link=options_link(client.id), params=params)
    refresh_teams([pending.team_id], now)  # the place it held is open again: the waiting list first
    db.session.commit()
    return pending


@dataclass(frozen=True)
class History:
    assignments: list[TeamAssignment]
    choices: list[TeamChoice]
    team_names: dict[int, str]


def team_history(actor: User, client: Client, *, now: datetime | None = None) -> History:
    """The resident's teams over time (newest first) and every choice made, with who made it."""
    authorize(actor, Perm.CLIENT_VIEW, client)
    now = now or utcnow()
    if apply_due_choices(local_day(now), [client.id], now):
        db.session.commit()
    assignments = list(db.session.scalars(select(TeamAssignment).where(TeamAssignment.client_id == client.id)
                                          .order_by(TeamAssignment.starts_on.desc())))
    choices = list(db.session.scalars(select(TeamChoice).where(TeamChoice.client_id == client.id)
                                      .options(selectinload(TeamChoice.chosen_by))
                                      .order_by(TeamChoice.created_at.desc(), TeamChoice.id.desc())))
    ids = {a.team_id for a in assignments} | {c.team_id for c in choices} | {
        c.previous_team_id for c in choices if c.previous_team_id} | ({client.team_id} if client.team_id else set())
    names = dict(db.session.execute(select(Team.id, Team.name).where(Team.id.in_(ids))).all()) if ids else {}
    return History(assignments, choices, names)
