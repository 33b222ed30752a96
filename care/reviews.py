"""Use cases for package reviews (DOMAIN.md §5): when they are due, the team worklist, recording."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from marketplace.core import audit
from marketplace.core.audit import Action
from marketplace.core.db_types import local_today, utcnow
from marketplace.core.errors import DomainError, InvalidInput
from marketplace.core.extensions import db
from marketplace.core.policy import Perm, authorize

from .domain import next_review
from .models import Client, PackageVersion, Review
from .models.packages import ReviewOutcome, Status

DUE_WITHIN_DAYS = 14


class NoActivePackage(DomainError):
    """There is no active package to review yet."""

    code = "no_active_package"


@dataclass(frozen=True)
class ReviewState:
    client: Client
    next_on: date | None  # None: no package has been active yet
    overdue: bool
    due: bool


def _state(client: Client, start: date | None, done: int, today: date) -> ReviewState:
    if start is None:
        return ReviewState(client, None, False, False)
    next_on = next_review(start, client.target_group, done)
    return ReviewState(client, next_on, next_on < today, today <= next_on <= today + timedelta(days=DUE_WITHIN_DAYS))


def _starts_and_counts(client_ids: list[int]) -> tuple[dict[int, date], dict[int, int]]:
    """First activation date and number of reviews per client, in two queries."""
    if not client_ids:
        return {}, {}
    starts = dict(db.session.execute(
        select(PackageVersion.client_id, func.min(PackageVersion.active_from))
        .where(PackageVersion.client_id.in_(client_ids),
               PackageVersion.status.in_([Status.ACTIVE.value, Status.SUPERSEDED.value]))
        .group_by(PackageVersion.client_id)
    ).all())
    counts = dict(db.session.execute(
        select(Review.client_id, func.count()).where(Review.client_id.in_(client_ids)).group_by(Review.client_id)
    ).all())
    return starts, counts


def review_state(client: Client, today: date | None = None) -> ReviewState:
    starts, counts = _starts_and_counts([client.id])
    return _state(client, starts.get(client.id), counts.get(client.id, 0), today or local_today())


def worklist(actor, team, today: date | None = None) -> list[ReviewState]:
    """The team's clients whose review is overdue or due within two weeks, most urgent first."""
    authorize(actor, Perm.TEAM_WORKLIST, team)
    today = today or local_today()
    clients = list(db.session.scalars(
        select(Client).where(Client.team_id == team.id).options(selectinload(Client.location)).order_by(Client.name)
    ))
    starts, counts = _starts_and_counts([c.id for c in clients])
    states = [_state(c, starts.get(c.id), counts.get(c.id, 0), today) for c in clients]
    return sorted((s for s in states if s.overdue or s.due), key=lambda s: s.next_on)


def record_review(actor, client: Client, *, outcome: str, note: str, held_on: date | None = None) -> Review:
    """Record the review that was due; a changed package is saved as a new version separately.

    :raises NoActivePackage: nothing to review yet.
    :raises InvalidInput: an unknown outcome, a note too long, a date in the future.
    """
    authorize(actor, Perm.REVIEW_RECORD, client)
    if outcome not in {o.value for o in ReviewOutcome}:
        raise InvalidInput("outcome", _("Choose confirmed or changed."))
    if len(note) > 2000:
        raise InvalidInput("note", _("Use at most 2000 characters."))
    today = local_today()
    held_on = held_on or today
    if held_on > today:
        raise InvalidInput("held_on", _("A review cannot be recorded for a future date."))
    active = db.session.scalar(select(PackageVersion).where(
        PackageVersion.client_id == client.id, PackageVersion.status == Status.ACTIVE.value))
    state = review_state(client, today)
    if active is None or state.next_on is None:
        raise NoActivePackage()
    review = Review(client_id=client.id, package_version_id=active.id, due_on=state.next_on, held_on=held_on,
                    outcome=outcome, note=note.strip(), recorded_by_id=actor.id, recorded_at=utcnow())
    db.session.add(review)
    db.session.flush()
    audit.record(Action.CREATE, actor=actor, client_id=client.id, obj=review, detail=f"review {outcome}")
    db.session.commit()
    return review


def reviews_of(client: Client) -> list[Review]:
    return list(db.session.scalars(
        select(Review).where(Review.client_id == client.id).options(selectinload(Review.recorded_by))
        .order_by(Review.held_on.desc(), Review.id.desc())
    ))
