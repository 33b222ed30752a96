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
from marketplace.core.i18n import long_date
from marketplace.core.policy import Perm, authorize

from .domain import DUE_WITHIN_DAYS, next_review, review_due
from .models import Client, PackageVersion, Review
from .models.packages import ReviewKind, ReviewOutcome, Status


class NoActivePackage(DomainError):
    """There is no active package to review yet."""

    code = "no_active_package"


@dataclass(frozen=True)
class ReviewState:
    client: Client
    next_on: date | None  # None: no package has been active yet
    overdue: bool
    due: bool
    today: date | None = None

    @property
    def days(self) -> int | None:
        """Days until the review (negative: days overdue); None without a review date."""
        if self.next_on is None or self.today is None:
            return None
        return (self.next_on - self.today).days


def _state(client: Client, start: date | None, held: list[date], today: date) -> ReviewState:
    if start is None:
        return ReviewState(client, None, False, False, today)
    next_on = next_review(start, client.target_group, held)
    return ReviewState(client, next_on, next_on < today, today <= next_on <= today + timedelta(days=DUE_WITHIN_DAYS),
                       today)


def _starts_and_held(client_ids: list[int]) -> tuple[dict[int, date], dict[int, list[date]]]:
    """First activation date and the days the regular reviews were held, per client, in two queries."""
    if not client_ids:
        return {}, {}
    starts = dict(db.session.execute(
        select(PackageVersion.client_id, func.min(PackageVersion.active_from))
        .where(PackageVersion.client_id.in_(client_ids),
               PackageVersion.status.in_([Status.ACTIVE.value, Status.SUPERSEDED.value]))
        .group_by(PackageVersion.client_id)
    ).all())
    held: dict[int, list[date]] = {}
    for client_id, held_on in db.session.execute(
        select(Review.client_id, Review.held_on)
        .where(Review.client_id.in_(client_ids), Review.kind == ReviewKind.REGULAR.value)
        .order_by(Review.held_on, Review.id)
    ):
        held.setdefault(client_id, []).append(held_on)
    return starts, held


def review_states(clients: list[Client], today: date | None = None) -> dict[int, ReviewState]:
    """:func:`review_state` for many clients in two queries."""
    today = today or local_today()
    starts, held = _starts_and_held([c.id for c in clients])
    return {c.id: _state(c, starts.get(c.id), held.get(c.id, []), today) for c in clients}


def review_state(client: Client, today: date | None = None) -> ReviewState:
    starts, held = _starts_and_held([client.id])
    return _state(client, starts.get(client.id), held.get(client.id, []), today or local_today())


def worklist(actor, team, today: date | None = None) -> list[ReviewState]:
    """The team's clients whose review is overdue or due within two weeks, most urgent first."""
    authorize(actor, Perm.TEAM_WORKLIST, team)
    today = today or local_today()
    clients = list(db.session.scalars(
        select(Client).where(Client.team_id == team.id).options(selectinload(Client.location)).order_by(Client.name)
    ))
    starts, held = _starts_and_held([c.id for c in clients])
    states = [_state(c, starts.get(c.id), held.get(c.id, []), today) for c in clients]
    return sorted((s for s in states if s.overdue or s.due), key=lambda s: s.next_on)


def record_review(actor, client: Client, *, outcome: str, note: str, reason: str = "",
                  held_on: date | None = None) -> Review:
    """Record a review held on ``held_on`` (today by default).

    Without a reason it is the regular review, which may be held from two weeks before its
    date on; the next one is then one interval after the day it was held. With a reason it is
    an extra review, at any time, and the schedule stays as it was. A changed package is saved
    as a new version separately.

    :raises NoActivePackage: nothing to review yet.
    :raises InvalidInput: an unknown outcome, a note or reason too long, a date in the future,
        or a regular review that is not due yet (field ``reason``: give one for an extra review).
    """
    authorize(actor, Perm.REVIEW_RECORD, client)
    if outcome not in {o.value for o in ReviewOutcome}:
        raise InvalidInput("outcome", _("Choose confirmed or changed."))
    if not isinstance(note, str) or len(note) > 2000:
        raise InvalidInput("note", _("Use at most 2000 characters."))
    if not isinstance(reason, str) or len(reason.strip()) > 500:
        raise InvalidInput("reason", _("Use at most 500 characters."))
    reason = reason.strip()
    today = local_today()
    held_on = held_on or today
    if held_on > today:
        raise InvalidInput("held_on", _("A review cannot be recorded for a future date."))
    active = db.session.scalar(select(PackageVersion).where(
        PackageVersion.client_id == client.id, PackageVersion.status == Status.ACTIVE.value))
    state = review_state(client, today)
    if active is None or state.next_on is None:
        raise NoActivePackage()
    if not reason and not review_due(state.next_on, held_on):
        raise InvalidInput("reason", _("The next review is due on %(day)s. To hold an extra review now, give a "
                                       "reason.", day=long_date(state.next_on)))
    kind = ReviewKind.EXTRA if reason else ReviewKind.REGULAR
    review = Review(client_id=client.id, package_version_id=active.id, kind=kind.value,
                    due_on=state.next_on if kind is ReviewKind.REGULAR else None, held_on=held_on,
                    outcome=outcome, note=note.strip(), reason=reason, recorded_by_id=actor.id,
                    recorded_at=utcnow())
    db.session.add(review)
    db.session.flush()
    audit.record(Action.CREATE, actor=actor, client_id=client.id, obj=review, detail=f"{kind.value} review {outcome}")
    db.session.commit()
    return review


def reviews_of(client: Client) -> list[Review]:
    return list(db.session.scalars(
        select(Review).where(Review.client_id == client.id).options(selectinload(Review.recorded_by))
        .order_by(Review.held_on.desc(), Review.id.desc())
    ))
