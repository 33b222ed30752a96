"""A team's open places, and the lock under which a place is taken (DOMAIN.md §6: the check holds
when many families choose at the same moment).

Places are taken inside one transaction that first locks the team's row with an ``UPDATE``
that changes nothing: on PostgreSQL that is a row lock held to the commit, on SQLite (which
ignores ``FOR UPDATE``) the database's single write lock. The count that follows sees every
place taken before, so two families can never take the last place together.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import and_, func, literal_column, select, union_all, update

from care.models import Client
from marketplace.core.db_types import utcnow
from marketplace.core.extensions import db
from teams.models import Team

from .domain import places_left
from .models import ChoiceStatus, EntryStatus, OfferStatus, PlaceOffer, TeamChoice, WaitingEntry


def lock_team(team_id: int) -> None:
    """Hold the team's row until the commit: whoever takes a place of this team waits here.

    Call it before reading the counts the decision rests on (on SQLite the write lock must be
    the transaction's first write, or a reader could not become a writer).
    """
    db.session.execute(update(Team).where(Team.id == team_id).values(capacity=Team.capacity)
                       .execution_options(synchronize_session=False))


def promised_places(team_ids: list[int], monday: date, now: datetime):
    """Rows ``(team_id, n)``: choices pending for ``monday`` (or before) plus open, unexpired offers."""
    pending = select(TeamChoice.team_id.label("team_id")).where(
        TeamChoice.team_id.in_(team_ids), TeamChoice.status == ChoiceStatus.PENDING.value,
        TeamChoice.effective_from <= monday)
    offers = select(PlaceOffer.team_id.label("team_id")).where(
        PlaceOffer.team_id.in_(team_ids), PlaceOffer.status == OfferStatus.OPEN.value,
        PlaceOffer.expires_at > now)
    both = union_all(pending, offers).subquery()
    return select(both.c.team_id, func.count()).group_by(both.c.team_id)


def open_places(team_ids: list[int], monday: date, *, now: datetime | None = None) -> dict[int, int]:
    """Per team: capacity − residents − places promised for ``monday``, never below 0. Two queries.

    A deactivated team has none. Residents are the clients whose team it is now; a resident with a pending move away keeps
    the place until the move takes effect (it may still be withdrawn). A choice that is due but
    not yet applied is still pending, so it is counted once either way.
    """
    if not team_ids:
        return {}
    rows = db.session.execute(
        select(Team.id, Team.capacity, Team.active, func.count(Client.id))
        .outerjoin(Client, Client.team_id == Team.id)
        .where(Team.id.in_(team_ids)).group_by(Team.id, Team.capacity, Team.active)).all()
    promised = dict(db.session.execute(promised_places(team_ids, monday, now or utcnow())).all())
    # A deactivated team keeps its residents but takes no new ones: no open place.
    return {team_id: places_left(capacity, residents, promised.get(team_id, 0)) if active else 0
            for team_id, capacity, active, residents in rows}


def waiting_lengths(team_ids: list[int]) -> dict[int, int]:
    """Per team, the families on its waiting list (with or without an open offer). One query; 0 for none."""
    if not team_ids:
        return {}
    counts = dict(db.session.execute(
        select(WaitingEntry.team_id, func.count()).where(
            WaitingEntry.team_id.in_(team_ids), WaitingEntry.status == EntryStatus.WAITING.value)
        .group_by(WaitingEntry.team_id)).all())
    return {team_id: counts.get(team_id, 0) for team_id in team_ids}


def waiting_without_offer(team_id: int, *, now: datetime | None = None) -> int:
    """Families on the list that hold no open offer: they go before anyone who is not on the list."""
    open_offer = select(literal_column("1")).where(and_(
        PlaceOffer.entry_id == WaitingEntry.id, PlaceOffer.status == OfferStatus.OPEN.value,
        PlaceOffer.expires_at > (now or utcnow()))).exists()
    return db.session.scalar(select(func.count()).select_from(WaitingEntry).where(
        WaitingEntry.team_id == team_id, WaitingEntry.status == EntryStatus.WAITING.value, ~open_offer)) or 0
