"""The provider's side of extras (issue 12, items 5–7): the day's bookings, the open requests,
the lead's revenue per extra and per month, rating a delivered booking, and the day-before
reminder. Cancelling, answering and marking go through :mod:`.bookings`."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from billing.models import Payment, PaymentStatus
from care.models import Client
from marketplace.core import audit
from marketplace.core.audit import Action
from marketplace.core.calendar import add_months, month_start
from marketplace.core.db_types import LOCAL_ZONE, local_today, utcnow
from marketplace.core.errors import Conflict, InvalidInput, NotInScope
from marketplace.core.extensions import db
from marketplace.core.policy import Perm, authorize, can, load
from teams.models import Team

from . import booking_notices as notices
from .bookings import get_booking
from .extras_domain import BookingStatus, effective_status, in_proportion, split
from .models import Booking, Extra, ExtraRating, Provider, ProviderKind

MAX_COMMENT = 1000
PAID_STATES = (PaymentStatus.PAID.value, PaymentStatus.PARTIALLY_REFUNDED.value, PaymentStatus.REFUNDED.value)


class NotDelivered(Conflict):
    code = "not_delivered"

    def __init__(self):
        super().__init__(_l("An extra can be rated once it has been delivered."), code="not_delivered")


class AlreadyRated(Conflict):
    code = "already_rated"

    def __init__(self):
        super().__init__(_l("This booking has been rated already: one rating per booking."), code="already_rated")


# -- the provider and its day ---------------------------------------------------------------------

def provider_of_team(actor, team_id: int, perm: Perm) -> Provider:
    """The team's provider, authorized for ``perm``. A team that never offered an extra has no
    provider row yet: an unsaved one (with no bookings) stands in for it.

    :raises NotInScope: no such team in the actor's organisation. :raises AccessDenied:
    """
    team = load(Team, team_id)
    if team is None:
        raise NotInScope()
    provider = db.session.scalar(select(Provider).where(Provider.team_id == team.id))
    if provider is None:
        provider = Provider(organisation_id=team.organisation_id, kind=ProviderKind.TEAM.value, team_id=team.id,
                            team=team)
    authorize(actor, perm, provider)
    return provider


def get_provider(actor, provider_id: int, perm: Perm = Perm.BOOKING_PROVIDE) -> Provider:
    provider = load(Provider, provider_id)
    if provider is None:
        raise NotInScope()
    authorize(actor, perm, provider)
    return provider


@dataclass(frozen=True)
class DayLine:
    booking_id: int
    starts_at: datetime
    ends_at: datetime
    first_name: str
    room: str
    extra_title: str
    notes: str
    status: str  # effective: a lapsed hold reads as expired
    price_cents: int
    cancel_reason: str

    @property
    def markable(self) -> bool:
        return self.status == BookingStatus.CONFIRMED.value

    @property
    def cancellable(self) -> bool:
        return self.status in (BookingStatus.REQUESTED.value, BookingStatus.PENDING_PAYMENT.value,
                               BookingStatus.CONFIRMED.value)


def local_bounds(day: date) -> tuple[datetime, datetime]:
    """The local day as aware datetimes (23 or 25 hours on the clock changes)."""
    return (datetime.combine(day, time(0), tzinfo=LOCAL_ZONE),
            datetime.combine(day + timedelta(days=1), time(0), tzinfo=LOCAL_ZONE))


def _line(booking: Booking, extra_title: str, client_name: str, room: str, now: datetime) -> DayLine:
    return DayLine(booking.id, booking.starts_at, booking.ends_at, (client_name or "").split(" ")[0], room or "",
                   extra_title, booking.notes, effective_status(booking.status, booking.hold_expires_at, now),
                   booking.price_cents, booking.cancel_reason)


def _lines(query, now: datetime) -> list[DayLine]:
    rows = db.session.execute(query.add_columns(Extra.title, Client.name, Client.room)
                              .join(Extra, Extra.id == Booking.extra_id).join(Client, Client.id == Booking.client_id)
                              .order_by(Booking.starts_at, Booking.id)).all()
    return [_line(booking, title, name, room, now) for booking, title, name, room in rows]


def day_list(actor, provider: Provider, day: date, now: datetime | None = None) -> list[DayLine]:
    """The provider's bookings starting on the local ``day``, unpaid lapsed holds left out. One
    query, whatever the number of bookings. The caller authorized ``BOOKING_PROVIDE``."""
    now = now or utcnow()
    if provider.id is None:
        return []
    start, end = local_bounds(day)
    lines = _lines(select(Booking).where(Booking.provider_id == provider.id, Booking.starts_at >= start,
                                         Booking.starts_at < end), now)
    audit.record_read(actor=actor, obj=provider, detail=f"bookings of {day.isoformat()}")
    return [line for line in lines if line.status != BookingStatus.EXPIRED.value]


def open_requests(provider: Provider, now: datetime | None = None) -> list[DayLine]:
    """Bookings on request still waiting for the provider's answer, soonest first (one query)."""
    now = now or utcnow()
    if provider.id is None:
        return []
    return _lines(select(Booking).where(Booking.provider_id == provider.id,
                                        Booking.status == BookingStatus.REQUESTED.value, Booking.starts_at > now), now)


# -- revenue ---------------------------------------------------------------------------------------

@dataclass
class RevenueRow:
    """Money of paid bookings: what families paid, what went back, and the team's share of the rest."""

    label: str
    bookings: int = 0
    paid_cents: int = 0
    refunded_cents: int = 0
    share_cents: int = 0

    @property
    def net_cents(self) -> int:
        return self.paid_cents - self.refunded_cents


@dataclass
class Revenue:
    months: list[date]
    per_month: list[RevenueRow]
    per_extra: list[RevenueRow]
    total: RevenueRow = field(default_factory=lambda: RevenueRow(""))


def _team_share(paid: int, refunded: int, org_pct: int) -> int:
    """The provider's share of what a booking kept: its share of the payment minus its part of the
    refunds, exactly as the ledger books them (bookings.ExtraBookingPurpose)."""
    shares = split(paid, [org_pct])
    return shares[-1] - in_proportion(shares, refunded)[-1]


def revenue(actor, provider: Provider, *, months: int = 12, today: date | None = None) -> Revenue:
    """Revenue of the provider's extras per extra and per month of payment (the last ``months``
    months), net of refunds. The caller authorized ``EXTRA_REVENUE``. One query."""
    today = today or local_today()
    first = add_months(month_start(today), -(months - 1))
    month_list = [add_months(first, n) for n in range(months)]
    result = Revenue(month_list, [RevenueRow(m.isoformat()[:7]) for m in month_list], [])
    if provider.id is None:
        return result
    since = datetime.combine(first, time(0), tzinfo=LOCAL_ZONE)
    rows = db.session.execute(
        select(Booking.extra_id, Extra.title, Booking.org_share_pct, Payment.paid_at, Payment.amount_cents,
               Payment.overpaid_cents, Payment.refunded_cents)
        .join(Payment, Payment.id == Booking.payment_id).join(Extra, Extra.id == Booking.extra_id)
        .where(Booking.provider_id == provider.id, Payment.status.in_(PAID_STATES), Payment.paid_at >= since)
        .order_by(Extra.title, Booking.extra_id)).all()
    per_extra: dict[int, RevenueRow] = {}
    per_month = {m: row for m, row in zip(month_list, result.per_month)}
    for extra_id, title, org_pct, paid_at, amount, overpaid, refunded in rows:
        paid = amount - overpaid
        back = max(refunded - overpaid, 0)
        share = _team_share(paid, back, org_pct)
        month = month_start(paid_at.astimezone(LOCAL_ZONE).date())
        for row in (per_extra.setdefault(extra_id, RevenueRow(title)), per_month.get(month), result.total):
            if row is not None:
                row.bookings += 1
                row.paid_cents += paid
                row.refunded_cents += back
                row.share_cents += share
    result.per_extra = list(per_extra.values())
    audit.record_read(actor=actor, obj=provider, detail="extras revenue")
    return result


# -- rating ----------------------------------------------------------------------------------------

def rating_of(booking_id: int) -> ExtraRating | None:
    return db.session.scalar(select(ExtraRating).where(ExtraRating.booking_id == booking_id))


def may_rate(actor, booking: Booking) -> bool:
    return (booking.status == BookingStatus.DELIVERED.value and can(actor, Perm.BOOKING_RATE, booking)
            and rating_of(booking.id) is None)


def rate(actor, booking_id: int, *, stars: int, comment: str = "") -> ExtraRating:
    """Rate a delivered booking: 1–5 stars and a comment, once.

    :raises InvalidInput: stars outside 1–5, a comment too long.
    :raises NotDelivered: not delivered (yet). :raises AlreadyRated: rated before (also at the same moment).
    """
    booking = get_booking(actor, booking_id, Perm.BOOKING_RATE)
    if isinstance(stars, bool) or not isinstance(stars, int) or not 1 <= stars <= 5:
        raise InvalidInput("stars", _l("Give 1 to 5 stars."))
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidInput("comment", _l("Keep the comment under %(max)d characters.", max=MAX_COMMENT))
    if booking.status != BookingStatus.DELIVERED.value:
        raise NotDelivered()
    if rating_of(booking.id) is not None:
        raise AlreadyRated()
    rating = ExtraRating(organisation_id=booking.organisation_id, booking_id=booking.id, extra_id=booking.extra_id,
                         author_id=actor.id, stars=stars, comment=comment, created_at=utcnow())
    db.session.add(rating)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise AlreadyRated() from None
    audit.record(Action.CREATE, actor=actor, client_id=booking.client_id, obj=rating,
                 detail=f"{stars} stars for booking {booking.id}")
    db.session.commit()
    return rating


# -- the day-before reminder -----------------------------------------------------------------------

def remind_bookings(today: date | None = None) -> int:
    """Remind the family and the provider's people of every confirmed booking of tomorrow (local),
    once: ``reminded_at`` is claimed by a conditional update, so a second run or a run at the
    same moment sends nothing again. Commits once. :returns: the bookings reminded."""
    today = today or local_today()
    start, end = local_bounds(today + timedelta(days=1))
    ids = db.session.scalars(select(Booking.id).where(
        Booking.status == BookingStatus.CONFIRMED.value, Booking.reminded_at.is_(None),
        Booking.starts_at >= start, Booking.starts_at < end).order_by(Booking.starts_at, Booking.id)).all()
    now = utcnow()
    reminded = 0
    for booking_id in ids:
        claimed = db.session.execute(update(Booking).where(
            Booking.id == booking_id, Booking.reminded_at.is_(None), Booking.status == BookingStatus.CONFIRMED.value)
            .values(reminded_at=now).execution_options(synchronize_session=False)).rowcount
        if claimed == 1:
            notices.reminded(db.session.get(Booking, booking_id))
            reminded += 1
    db.session.commit()
    return reminded

