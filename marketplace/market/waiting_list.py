"""The waiting list of a team (DOMAIN.md §6): first come, first served; when a place opens the first
family is offered it, and has 48 hours (``WAITING_OFFER_HOURS``) to accept.

No scheduled job has to run: :func:`refresh_teams` expires the offers whose time is up and offers
the places that are open to the next families, and it runs whenever a list is read or changed,
and in the idempotent ``flask market expire-offers`` (for cron). Every offer, acceptance,
decline and expiry is a row of ``place_offers`` and an audit row. Deciding on an offer is a
conditional update (open → accepted), so an offer accepted twice at the same moment is accepted once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from care.models import Client
from marketplace.accounts.models import User
from marketplace.core import audit
from marketplace.core.audit import Action
from marketplace.core.db_types import utcnow
from marketplace.core.errors import Conflict, NotInScope
from marketplace.core.extensions import db
from marketplace.core.policy import Perm, authorize, load
from teams.models import Team

from .access_choice import on_behalf
from .capacity import waiting_lengths
from .choice import AlreadyInTeam, apply_due_choices, local_day, place_choice, serving_team
from .domain import Waiting, effective_monday, in_order, position
from .models import EntryStatus, OfferStatus, PlaceOffer, WaitingEntry
from .place_offers import refresh_teams

__all__ = ["waiting_lengths", "refresh_teams", "join_waiting_list", "leave_waiting_list", "accept_offer",
           "decline_offer", "entries_of", "expire_offers"]


class OfferClosed(Conflict):
    """The offer is no longer open: accepted or declined already, or expired."""

    code = "offer_closed"

    def __init__(self, status: str):
        message = {
            OfferStatus.EXPIRED.value: _l("This offer has expired: the place has passed to the next family."),
            OfferStatus.ACCEPTED.value: _l("This offer has been accepted already."),
            OfferStatus.DECLINED.value: _l("This offer has been declined."),
        }.get(status, _l("This offer is no longer open."))
        super().__init__(message, code="offer_closed")
        self.status = status


class NotOnTheList(Conflict):
    code = "not_on_the_list"

    def __init__(self):
        super().__init__(_l("The resident is not on this team's waiting list."), code="not_on_the_list")


def join_waiting_list(actor: User, client: Client, team_id: object, *,
                      now: datetime | None = None) -> tuple[WaitingEntry, bool]:
    """Put the resident on the team's list (again: nothing changes). Commits once.

    When the team has an open place and nobody is before the resident, the place is offered at once.
    :raises NotServing: the team does not serve the resident. :raises AlreadyInTeam:
    """
    authorize(actor, Perm.WAITING_LIST_JOIN, client)
    now = now or utcnow()
    team = serving_team(client, team_id)
    if team.id == client.team_id:
        raise AlreadyInTeam(team)
    existing = _entry(client.id, team.id)
    if existing is not None:
        return existing, False
    entry = WaitingEntry(organisation_id=client.organisation_id, client_id=client.id, team_id=team.id,
                         joined_by_id=actor.id, on_behalf=on_behalf(actor, client), joined_at=now,
                         status=EntryStatus.WAITING.value)
    try:
        db.session.add(entry)
        db.session.flush()
    except IntegrityError:  # joined by someone else at the same moment: that entry counts
        db.session.rollback()
        return _entry(client.id, team.id), False
    audit.record(Action.CREATE, actor=actor, client_id=client.id, obj=entry,
                 detail=f"joined the waiting list of team {team.id}" + (" on the family's behalf"
                                                                        if entry.on_behalf else ""))
    refresh_teams([team.id], now)
    db.session.commit()
    return entry, True


def _entry(client_id: int, team_id: int) -> WaitingEntry | None:
    return db.session.scalar(select(WaitingEntry).where(
        WaitingEntry.client_id == client_id, WaitingEntry.team_id == team_id,
        WaitingEntry.status == EntryStatus.WAITING.value))


def leave_waiting_list(actor: User, client: Client, team_id: object, *, now: datetime | None = None) -> WaitingEntry:
    """Take the resident off the team's list (an open offer is declined with it). Commits once.

    :raises NotOnTheList:
    """
    authorize(actor, Perm.WAITING_LIST_JOIN, client)
    now = now or utcnow()
    team = load(Team, team_id)
    entry = _entry(client.id, team.id) if team is not None and team.organisation_id == client.organisation_id else None
    if entry is None or db.session.execute(
            update(WaitingEntry).where(WaitingEntry.id == entry.id, WaitingEntry.status == EntryStatus.WAITING.value)
            .values(status=EntryStatus.LEFT.value, ended_at=now).execution_options(synchronize_session=False)
    ).rowcount != 1:
        raise NotOnTheList()
    db.session.execute(update(PlaceOffer).where(PlaceOffer.entry_id == entry.id,
                                                PlaceOffer.status == OfferStatus.OPEN.value)
                       .values(status=OfferStatus.DECLINED.value, decided_at=now, decided_by_id=actor.id)
                       .execution_options(synchronize_session=False))
    db.session.refresh(entry)
    audit.record(Action.DELETE, actor=actor, client_id=client.id, obj=entry,
                 detail=f"left the waiting list of team {team.id}")
    refresh_teams([team.id], now)
    db.session.commit()
    return entry


def offer_in_scope(actor: User, offer_id: object) -> PlaceOffer:
    """The offer, when the actor may decide on it. :raises NotInScope: :raises AccessDenied:"""
    return _offer_for(actor, offer_id)[0]


def _offer_for(actor: User, offer_id: object) -> tuple[PlaceOffer, Client]:
    """:raises NotInScope: no such offer in the actor's organisation. :raises AccessDenied: someone else's."""
    offer = load(PlaceOffer, offer_id)
    if offer is None:
        raise NotInScope()
    client = db.session.get(Client, offer.client_id)
    authorize(actor, Perm.TEAM_CHOOSE, client)
    return offer, client


def _decide(actor: User, offer: PlaceOffer, status: OfferStatus, now: datetime) -> None:
    """Close the open offer (once, whoever else tries at the same moment). :raises OfferClosed:"""
    refresh_teams([offer.team_id], now)  # an offer whose time is up expires (and passes on) first
    db.session.commit()
    decided = db.session.execute(
        update(PlaceOffer).where(PlaceOffer.id == offer.id, PlaceOffer.status == OfferStatus.OPEN.value,
                                 PlaceOffer.expires_at > now)
        .values(status=status.value, decided_at=now, decided_by_id=actor.id)
        .execution_options(synchronize_session=False)).rowcount
    db.session.refresh(offer)
    if decided != 1:
        db.session.rollback()
        raise OfferClosed(offer.status)


def accept_offer(actor: User, offer_id: object, *, now: datetime | None = None):
    """Accept the offered place: the team is chosen from the next Monday (the offer held the place). Commits once.

    :raises OfferClosed: expired, declined or accepted already (an offer is accepted once).
    """
    now = now or utcnow()
    offer, client = _offer_for(actor, offer_id)
    _decide(actor, offer, OfferStatus.ACCEPTED, now)
    entry = offer.entry
    entry.status, entry.ended_at = EntryStatus.ACCEPTED.value, now
    audit.record(Action.UPDATE, actor=actor, client_id=client.id, obj=offer,
                 detail=f"offer of a place in team {offer.team_id} accepted")
    apply_due_choices(local_day(now), [client.id], now)
    choice = None
    if client.team_id != offer.team_id:
        choice = place_choice(actor, client, offer.team, effective_monday(now), now, offer_id=offer.id)
    db.session.commit()
    return offer, choice


def decline_offer(actor: User, offer_id: object, *, now: datetime | None = None) -> PlaceOffer:
    """Decline the offered place: the resident leaves the list, the place goes to the next family. Commits once.

    :raises OfferClosed:
    """
    now = now or utcnow()
    offer, client = _offer_for(actor, offer_id)
    _decide(actor, offer, OfferStatus.DECLINED, now)
    entry = offer.entry
    entry.status, entry.ended_at = EntryStatus.DECLINED.value, now
    audit.record(Action.UPDATE, actor=actor, client_id=client.id, obj=offer,
                 detail=f"offer of a place in team {offer.team_id} declined")
    db.session.flush()
    refresh_teams([offer.team_id], now)
    db.session.commit()
    return offer


@dataclass(frozen=True)
class EntryView:
    entry: WaitingEntry
    team: Team
    position: int
    ahead: int
    offer: PlaceOffer | None


def entries_of(actor: User, client: Client, *, now: datetime | None = None) -> list[EntryView]:
    """The resident's places on waiting lists, with position, the number ahead and any open offer.

    Reading a list settles it first (expired offers pass on, open places are offered).
    """
    authorize(actor, Perm.CLIENT_VIEW, client)
    now = now or utcnow()
    mine = list(db.session.scalars(select(WaitingEntry).where(
        WaitingEntry.client_id == client.id, WaitingEntry.status == EntryStatus.WAITING.value)))
    team_ids = sorted({entry.team_id for entry in mine})
    if refresh_teams(team_ids, now) != (0, 0):
        db.session.commit()
        mine = [entry for entry in mine if entry.status == EntryStatus.WAITING.value]
    if not mine:
        return []
    everyone = db.session.execute(select(WaitingEntry.team_id, WaitingEntry.id, WaitingEntry.joined_at).where(
        WaitingEntry.team_id.in_(team_ids), WaitingEntry.status == EntryStatus.WAITING.value)).all()
    offers = {offer.entry_id: offer for offer in db.session.scalars(select(PlaceOffer).where(
        PlaceOffer.entry_id.in_([entry.id for entry in mine]), PlaceOffer.status == OfferStatus.OPEN.value))}
    teams = {team.id: team for team in db.session.scalars(select(Team).where(Team.id.in_(team_ids)))}
    views = []
    for entry in mine:
        line = [Waiting(entry_id, joined_at) for team_id, entry_id, joined_at in everyone if team_id == entry.team_id]
        number = position(line, entry.id)
        views.append(EntryView(entry, teams[entry.team_id], number, number - 1, offers.get(entry.id)))
    return sorted(views, key=lambda view: (view.team.name, view.team.id))


def list_order(team_id: int) -> list[WaitingEntry]:
    """The team's list in order (first come, first served)."""
    entries = list(db.session.scalars(select(WaitingEntry).where(
        WaitingEntry.team_id == team_id, WaitingEntry.status == EntryStatus.WAITING.value)))
    order = [w.entry_id for w in in_order(Waiting(e.id, e.joined_at) for e in entries)]
    by_id = {entry.id: entry for entry in entries}
    return [by_id[entry_id] for entry_id in order]


def expire_offers(now: datetime | None = None) -> tuple[int, int, int]:
    """For cron (``flask market expire-offers``): apply the choices whose Monday has come, expire the
    offers whose time is up and offer open places. Idempotent. Commits.

    :returns: (choices applied, offers expired, offers made).
    """
    now = now or utcnow()
    applied = len(apply_due_choices(local_day(now), None, now))
    db.session.flush()
    expired, offered = refresh_teams(None, now)
    db.session.commit()
    return applied, expired, offered
