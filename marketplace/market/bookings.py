"""Booking extras: holding a seat, paying through billing's gateway (purpose ``extra_booking``),
confirming by the verified payment event only, cancelling with the policy's refund, the
provider's answers and deliveries.

A provider's bookings are taken one after the other: ``lock_provider`` holds its row (a row
lock on PostgreSQL, the write lock on SQLite) before the seats are counted, so the last seat
goes to exactly one family whatever arrives at the same moment. Seats are counted from
confirmed bookings and holds that have not lapsed: a lapsed hold frees its seat with no job.
Nothing here calls the payment provider while a lock or a transaction is held.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app, url_for
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import selectinload

from billing import payments, webhooks
from billing.domain import AccountKind, LineKind, Transfer, account_key
from billing.fulfilment import Order
from billing.gateway import GatewayError
from billing.models import Payment, PaymentStatus
from care.models import Client
from marketplace.core import audit
from marketplace.core.audit import Action
from marketplace.core.db_types import LOCAL_ZONE, utcnow
from marketplace.core.errors import Conflict, InvalidInput, NotInScope
from marketplace.core.extensions import db
from marketplace.core.policy import Perm, authorize, load

from . import booking_notices as notices
from .extras_domain import (SEATED, BookingStatus, CancellationPolicy, Canceller, Exception_, ExtraKind, Pattern,
                            effective_status, fits, refund_on_cancel, refund_shares, slot_starts, split)
from .models import Booking, Extra, MarketSettings, Provider, ProviderKind

EXTRA_BOOKING = "extra_booking"
# How far ahead a slot can be booked: further is a typo or a probe.
HORIZON_DAYS = 366
# A moment the provider confirmed on request is held this long for the family to pay.
REQUEST_HOLD = timedelta(hours=24)
STRIPE_MIN_CHECKOUT = timedelta(minutes=30)
STRIPE_MAX_CHECKOUT = timedelta(hours=24)


class SlotTaken(Conflict):
    code = "slot_taken"

    def __init__(self):
        super().__init__(_l("This moment was just taken by someone else. Choose another moment."), code="slot_taken")


class SlotPast(Conflict):
    code = "slot_past"

    def __init__(self):
        super().__init__(_l("This moment has passed. Choose a moment in the future."), code="slot_past")


class BookingClosed(Conflict):
    """The booking is not in a state that allows this (paid, cancelled, lapsed...)."""

    code = "booking_closed"

    def __init__(self, message=None):
        super().__init__(message or _l("This booking cannot be changed this way any more. Reload to see its state."),
                         code="booking_closed")


class AlreadyCancelled(Conflict):
    code = "already_cancelled"

    def __init__(self):
        super().__init__(_l("This booking is cancelled already."), code="already_cancelled")


# -- settings ---------------------------------------------------------------------------------

def settings_of(organisation_id: int) -> MarketSettings:
    """The organisation's market settings (DOMAIN.md §7 defaults when it set none). One query."""
    row = db.session.get(MarketSettings, organisation_id)
    if row is None:
        row = MarketSettings(organisation_id=organisation_id, team_org_share_pct=10, freelancer_org_share_pct=5,
                             home_team_share_pct=15, min_price_cents=50, hold_minutes=30, free_cancel_hours=24,
                             late_refund_pct=0)
    return row


def policy_of(settings: MarketSettings) -> CancellationPolicy:
    return CancellationPolicy(settings.free_cancel_hours, settings.late_refund_pct)


# -- providers and seats ------------------------------------------------------------------------

def provider_for_team(team) -> Provider:
    """The team's provider row, made on first use (flushes)."""
    provider = db.session.scalar(select(Provider).where(Provider.team_id == team.id))
    if provider is None:
        provider = Provider(organisation_id=team.organisation_id, kind=ProviderKind.TEAM.value, team_id=team.id)
        db.session.add(provider)
        db.session.flush()
    return provider


def provider_for_freelancer(freelancer) -> Provider:
    """The freelancer's provider row, made on first use (flushes)."""
    provider = db.session.scalar(select(Provider).where(Provider.freelancer_id == freelancer.id))
    if provider is None:
        provider = Provider(organisation_id=freelancer.organisation_id, kind=ProviderKind.FREELANCER.value,
                            freelancer_id=freelancer.id)
        db.session.add(provider)
        db.session.flush()
    return provider


def lock_provider(provider_id: int) -> None:
    """Hold the provider's row until the commit: whoever books it waits here (take it before
    reading the seats; on SQLite it must be the transaction's first write)."""
    db.session.execute(update(Provider).where(Provider.id == provider_id)
                       .values(bookings_version=Provider.bookings_version + 1)
                       .execution_options(synchronize_session=False))


def holding(now: datetime):
    """The SQL condition of a booking that takes its seat at ``now``."""
    return or_(Booking.status.in_(SEATED),
               and_(Booking.status == BookingStatus.PENDING_PAYMENT.value, Booking.hold_expires_at > now))


def seated(provider_ids: Iterable[int], start: datetime, end: datetime, now: datetime,
           exclude_id: int | None = None) -> list[tuple[int, int, datetime, datetime]]:
    """``(provider_id, extra_id, starts_at, ends_at)`` of every booking holding a seat of these
    providers between ``start`` and ``end``. One query."""
    query = select(Booking.provider_id, Booking.extra_id, Booking.starts_at, Booking.ends_at).where(
        Booking.provider_id.in_(list(provider_ids)), Booking.starts_at < end, Booking.ends_at > start, holding(now))
    if exclude_id is not None:
        query = query.where(Booking.id != exclude_id)
    return [tuple(row) for row in db.session.execute(query).all()]


def seats_left_at(extra: Extra, start: datetime, bookings: Iterable[tuple]) -> int:
    """Seats of ``extra`` left at ``start`` given the provider's holding bookings: a booking of
    another extra, or of this one at another moment, that overlaps takes the provider (0)."""
    end = start + timedelta(minutes=extra.duration_minutes)
    same = 0
    for provider_id, extra_id, starts_at, ends_at in bookings:
        if provider_id != extra.provider_id or not (starts_at < end and ends_at > start):
            continue
        if extra_id == extra.id and starts_at == start:
            same += 1
        else:
            return 0
    return max(extra.seats - same, 0)


@dataclass(frozen=True)
class Slot:
    start: datetime  # aware, UTC
    end: datetime
    seats_left: int


def _patterns(extra: Extra) -> tuple[list[Pattern], list[Exception_]]:
    return ([Pattern(p.weekday, p.starts_at, p.ends_at) for p in extra.patterns],
            [Exception_(e.day, e.closed, e.starts_at, e.ends_at) for e in extra.exceptions])


def slots_of(extras: list[Extra], date_from: date, date_to: date, now: datetime | None = None,
             *, free_only: bool = False) -> dict[int, list[Slot]]:
    """Per extra, its slots from ``date_from`` to ``date_to`` (local dates, inclusive) that have
    not started, with the seats left. The extras' patterns and exceptions must be loaded (see
    :func:`with_availability`); the seats cost one query for all of them. On-request extras
    have no slots."""
    now = now or utcnow()
    timed = [e for e in extras if e.kind == ExtraKind.TIMED.value]
    result: dict[int, list[Slot]] = {e.id: [] for e in extras}
    if not timed or date_to < date_from:
        return result
    days = [date_from + timedelta(days=n) for n in range((date_to - date_from).days + 1)]
    window_start = datetime.combine(date_from, datetime.min.time(), tzinfo=LOCAL_ZONE)
    window_end = datetime.combine(date_to + timedelta(days=1), datetime.min.time(), tzinfo=LOCAL_ZONE)
    bookings = seated({e.provider_id for e in timed}, window_start, window_end, now)
    for extra in timed:
        patterns, exceptions = _patterns(extra)
        step = timedelta(minutes=extra.duration_minutes)
        for day in days:
            for start in slot_starts(day, extra.duration_minutes, patterns, exceptions):
                if start <= now:
                    continue
                left = seats_left_at(extra, start, bookings)
                if left or not free_only:
                    result[extra.id].append(Slot(start, start + step, left))
    return result


def with_availability(query):
    return query.options(selectinload(Extra.patterns), selectinload(Extra.exceptions),
                         selectinload(Extra.provider).selectinload(Provider.team))


# -- booking ------------------------------------------------------------------------------------

class ProviderUnavailable(Conflict):
    """The provider cannot take bookings now: a freelancer not approved, suspended, or whose
    payment account cannot take charges yet."""

    code = "provider_unavailable"

    def __init__(self):
        super().__init__(_l("This provider cannot take bookings at the moment. Choose another extra."),
                         code="provider_unavailable")


def can_take_bookings(provider: Provider) -> bool:
    """A team of the organisation always (while active); a freelancer once approved, not
    suspended, and with a Stripe account that can take charges."""
    if provider.kind == ProviderKind.TEAM.value:
        return provider.team is not None and provider.team.active
    freelancer = provider.freelancer
    return (freelancer is not None and freelancer.status == "approved" and freelancer.charges_enabled
            and bool(freelancer.stripe_account_id))


def check_bookable(provider: Provider) -> None:
    """:raises ProviderUnavailable:"""
    if not can_take_bookings(provider):
        raise ProviderUnavailable()

def _bookable_extra(actor, extra_id: int) -> Extra:
    extra = load(Extra, extra_id)
    if extra is None or not extra.active:
        raise NotInScope()
    authorize(actor, Perm.EXTRA_VIEW, extra)
    return extra


def _client(actor, client_id: int) -> Client:
    client = load(Client, client_id)
    if client is None:
        raise NotInScope()
    authorize(actor, Perm.BOOKING_MAKE, client)
    return client


def _check_moment(extra: Extra, start: datetime, now: datetime) -> None:
    """:raises SlotPast, InvalidInput: past, too far ahead, or outside the availability."""
    if start.tzinfo is None:
        raise InvalidInput("start", _l("Give the moment with its time zone, such as 2026-12-07T10:00:00+01:00."))
    if start <= now:
        raise SlotPast()
    if start > now + timedelta(days=HORIZON_DAYS):
        raise InvalidInput("start", _l("Extras can be booked at most a year ahead."))
    patterns, exceptions = _patterns(extra)
    if extra.kind == ExtraKind.TIMED.value:
        day = start.astimezone(LOCAL_ZONE).date()
        if start not in slot_starts(day, extra.duration_minutes, patterns, exceptions):
            raise InvalidInput("start", _l("The provider offers no slot at this moment. Choose one of the free slots."),
                               code="not_a_slot")
    elif not fits(start, extra.duration_minutes, patterns, exceptions):
        raise InvalidInput("start", _l("The provider is not available at this moment. Choose a moment in the "
                                       "times shown."), code="not_available")


def _shares_pct(provider: Provider, settings: MarketSettings) -> tuple[int, int]:
    """(organisation %, home team %) fixed on the booking."""
    if provider.kind == ProviderKind.TEAM.value:
        return settings.team_org_share_pct, 0
    return settings.freelancer_org_share_pct, settings.home_team_share_pct


def book(actor, *, extra_id: int, client_id: int, start: datetime, notes: str = "",
         now: datetime | None = None) -> Booking:
    """Book ``extra_id`` for a resident at ``start``.

    A timed extra: the seat is held (``pending_payment``) for the organisation's hold minutes
    and the checkout opened at once (``booking.payment.checkout_url``). An extra on request:
    the moment is proposed (``requested``) for the provider to confirm or decline.

    :raises NotInScope / AccessDenied: the extra or the resident is not the actor's to book.
    :raises SlotPast, SlotTaken, InvalidInput: the moment cannot be booked.
    :raises GatewayError: the checkout could not be opened (the hold is given up).
    """
    now = now or utcnow()
    extra = _bookable_extra(actor, extra_id)
    client = _client(actor, client_id)
    notes = (notes or "").strip()
    if len(notes) > 500:
        raise InvalidInput("notes", _l("Keep the note under 500 characters."))
    check_bookable(extra.provider)
    _check_moment(extra, start, now)
    settings = settings_of(extra.organisation_id)
    org_pct, home_pct = _shares_pct(extra.provider, settings)
    end = start + timedelta(minutes=extra.duration_minutes)
    provider_id = extra.provider_id
    lock_provider(provider_id)
    requested = extra.kind == ExtraKind.ON_REQUEST.value
    if seats_left_at(extra, start, seated([provider_id], start, end, now)) <= 0:
        raise SlotTaken()
    booking = Booking(organisation_id=extra.organisation_id, extra_id=extra.id, provider_id=provider_id,
                      client_id=client.id, booked_by_id=actor.id, starts_at=start, ends_at=end,
                      status=(BookingStatus.REQUESTED if requested else BookingStatus.PENDING_PAYMENT).value,
                      price_cents=extra.price_cents, org_share_pct=org_pct, home_team_share_pct=home_pct,
                      hold_expires_at=None if requested else now + timedelta(minutes=settings.hold_minutes),
                      notes=notes, created_at=now)
    db.session.add(booking)
    db.session.flush()
    audit.record(Action.CREATE, actor=actor, client_id=client.id, obj=booking,
                 detail=f"booking of extra {extra.id} at {start.isoformat()} ({booking.status})")
    if requested:
        notices.requested(booking)
    db.session.commit()  # the hold: from here on no lock is held
    if not requested:
        pay(actor, booking)
    return booking


def pay(actor, booking: Booking) -> Payment:
    """Open (or reuse) the checkout of a held booking.

    :raises BookingClosed: not waiting for payment, or its hold lapsed.
    :raises GatewayError: the provider refused; a first attempt gives the hold up.
    """
    booking_id = booking.id
    try:
        return payments.start_payment(actor, EXTRA_BOOKING, booking_id)
    except GatewayError:
        # Nothing can be paid: the seat is not kept from others.
        db.session.execute(update(Booking).where(Booking.id == booking_id,
                                                 Booking.status == BookingStatus.PENDING_PAYMENT.value,
                                                 Booking.payment_id.is_(None))
                           .values(status=BookingStatus.EXPIRED.value))
        db.session.commit()
        raise


def payment_of(booking: Booking) -> Payment | None:
    """The payment that paid the booking, else its newest checkout."""
    if booking.payment_id is not None:
        return db.session.get(Payment, booking.payment_id)
    return db.session.scalar(select(Payment).where(Payment.purpose == EXTRA_BOOKING,
                                                   Payment.reference_id == booking.id).order_by(Payment.id.desc())
                             .limit(1))


def _lock_booking(booking_id: int) -> Booking:
    db.session.execute(update(Booking).where(Booking.id == booking_id).values(status=Booking.status)
                       .execution_options(synchronize_session=False))
    return db.session.get(Booking, booking_id, populate_existing=True)


class ExtraBookingPurpose:
    """Paying a booking: its price, split between the organisation and the provider's budget."""

    name = EXTRA_BOOKING

    def order(self, actor, reference_id: int) -> Order:
        """:raises NotInScope, AccessDenied, BookingClosed:"""
        booking = load(Booking, reference_id)
        if booking is None:
            raise NotInScope()
        authorize(actor, Perm.BOOKING_MAKE, booking.client)
        booking = _lock_booking(booking.id)
        now = utcnow()
        if effective_status(booking.status, booking.hold_expires_at, now) != BookingStatus.PENDING_PAYMENT.value:
            raise BookingClosed(_l("This booking can no longer be paid: its time to pay has passed or it was "
                                   "cancelled. Book again."))
        # Stripe takes a checkout lifetime of 30 minutes to 24 hours: it lapses with the hold, or
        # at the soonest Stripe allows (a payment after the hold is then handled as a late one).
        lapse = min(max(booking.hold_expires_at, now + STRIPE_MIN_CHECKOUT + timedelta(minutes=1)),
                    now + STRIPE_MAX_CHECKOUT - timedelta(minutes=1))
        extra = booking.extra
        provider = booking.provider
        check_bookable(provider)
        destination = fee = None
        if provider.kind == ProviderKind.FREELANCER.value:
            # A destination charge: the freelancer's account is paid, less the organisation's fee
            # and the home team's share, which stay with the platform (DOMAIN.md §7).
            destination = provider.freelancer.stripe_account_id
            fee = sum(split(booking.price_cents, self._percents(booking))[:-1])
        return Order(destination=destination, application_fee_cents=fee,
                     organisation_id=booking.organisation_id, client_id=booking.client_id,
                     reference_id=booking.id, amount_cents=booking.price_cents,
                     description=f"{extra.title}, {format_datetime(booking.starts_at, 'd MMM yyyy HH:mm')}",
                     metadata={"booking_id": str(booking.id), "purpose": EXTRA_BOOKING,
                               "extra_id": str(extra.id), "provider_id": str(booking.provider_id)},
                     expires_at=int(lapse.timestamp()))

    def due_cents(self, payment: Payment) -> int:
        """The price while the booking waits for this payment; after its hold lapsed only when the
        seat is still free (else 0: the payment is given back in full)."""
        booking = _lock_booking(payment.reference_id)
        if booking.payment_id is not None and booking.payment_id != payment.id:
            return 0
        if booking.status not in (BookingStatus.PENDING_PAYMENT.value, BookingStatus.EXPIRED.value):
            return 0
        now = utcnow()
        if booking.status == BookingStatus.PENDING_PAYMENT.value and booking.hold_expires_at > now:
            return booking.price_cents
        lock_provider(booking.provider_id)
        taken = seated([booking.provider_id], booking.starts_at, booking.ends_at, now, exclude_id=booking.id)
        if booking.starts_at <= now or seats_left_at(booking.extra, booking.starts_at, taken) <= 0:
            return 0
        return booking.price_cents

    @staticmethod
    def _accounts(booking: Booking) -> list[str]:
        """The share accounts in the order of the split: the organisation, (the freelancer's home
        team,) then the provider, who takes the rest."""
        provider = booking.provider
        if provider.kind == ProviderKind.TEAM.value:
            return [account_key(AccountKind.FEES), account_key(AccountKind.TEAM_BUDGET, provider.team_id)]
        freelancer = provider.freelancer
        return [account_key(AccountKind.FEES), account_key(AccountKind.TEAM_BUDGET, freelancer.home_team_id),
                account_key(AccountKind.FREELANCER, freelancer.id)]

    @staticmethod
    def _percents(booking: Booking) -> list[int]:
        if booking.provider.kind == ProviderKind.TEAM.value:
            return [booking.org_share_pct]
        return [booking.org_share_pct, booking.home_team_share_pct]

    def shares(self, booking: Booking, settled_cents: int) -> list[tuple[str, int]]:
        return list(zip(self._accounts(booking), split(settled_cents, self._percents(booking))))

    def paid_transfers(self, payment: Payment, amount_cents: int) -> list[Transfer]:
        booking = db.session.get(Booking, payment.reference_id)
        clearing = account_key(AccountKind.PAYMENT_CLEARING)
        kinds = [LineKind.FEE, LineKind.EXTRA, LineKind.EXTRA]
        return [Transfer(clearing, account, cents, kinds[i])
                for i, (account, cents) in enumerate(self.shares(booking, amount_cents)) if cents]

    def refund_transfers(self, payment: Payment, amount_cents: int) -> list[Transfer]:
        """Every share back in proportion to what this refund gives back of what was settled."""
        booking = db.session.get(Booking, payment.reference_id)
        settled = payment.amount_cents - payment.overpaid_cents
        refunded_after = payment.refunded_cents - payment.overpaid_cents
        shares = self.shares(booking, settled)
        back = refund_shares([cents for _, cents in shares], refunded_after - amount_cents, amount_cents)
        clearing = account_key(AccountKind.PAYMENT_CLEARING)
        return [Transfer(account, clearing, cents, LineKind.REFUND)
                for (account, _), cents in zip(shares, back) if cents]

    def changed(self, payment: Payment) -> None:
        booking = _lock_booking(payment.reference_id)
        if payment.status == PaymentStatus.CANCELLED.value:
            if booking.status == BookingStatus.PENDING_PAYMENT.value and booking.payment_id is None:
                booking.status = BookingStatus.EXPIRED.value
            return
        settled = payment.amount_cents - payment.overpaid_cents
        if payment.status == PaymentStatus.PAID.value and payment.refunded_cents == 0:
            if settled > 0 and booking.payment_id is None:
                booking.status, booking.payment_id, booking.confirmed_at = (
                    BookingStatus.CONFIRMED.value, payment.id, utcnow())
                notices.confirmed(booking)
            elif settled == 0:
                # Paid after the hold lapsed and the seat went to someone else, after a
                # cancellation, or a second time: all of it goes back (billing refunds what it
                # booked as overpaid right after the commit).
                if booking.payment_id is None and booking.status in (BookingStatus.PENDING_PAYMENT.value,
                                                                     BookingStatus.EXPIRED.value):
                    booking.status, booking.refund_reason = BookingStatus.EXPIRED.value, "slot_taken"
                notices.late_payment_refunded(booking)
            return
        if booking.payment_id == payment.id and payment.refunded_cents - payment.overpaid_cents > 0:
            if payment.status == PaymentStatus.REFUNDED.value:
                booking.status = BookingStatus.REFUNDED.value
            notices.refunded(booking, payment.refunded_cents - payment.overpaid_cents)

    def describe(self, payments: list[Payment]) -> dict[int, str]:
        """For the resident's statement: the extra and its moment of each payment (one query)."""
        rows = db.session.execute(select(Booking.id, Booking.starts_at, Extra.title).join(Extra, Extra.id == Booking.extra_id)
                                  .where(Booking.id.in_([p.reference_id for p in payments]))).all()
        moments = {booking_id: f"{title}, {format_datetime(starts_at, 'd MMM yyyy HH:mm')}"
                   for booking_id, starts_at, title in rows}
        return {p.id: moments.get(p.reference_id, p.purpose) for p in payments}

    def return_url(self, actor, payment: Payment) -> str:
        return url_for("bookings.booking", booking_id=payment.reference_id)


# -- cancelling, answering, delivering -------------------------------------------------------------

def get_booking(actor, booking_id: int, perm: Perm = Perm.BOOKING_VIEW) -> Booking:
    booking = load(Booking, booking_id)
    if booking is None:
        raise NotInScope()
    authorize(actor, perm, booking if perm != Perm.BOOKING_PROVIDE else booking.provider)
    return booking


@dataclass(frozen=True)
class Cancellation:
    booking: Booking
    refund_cents: int
    refund_id: str | None


CANCELLABLE = (BookingStatus.REQUESTED.value, BookingStatus.PENDING_PAYMENT.value, BookingStatus.CONFIRMED.value)


def cancel(actor, booking_id: int, *, reason: str = "", by: Canceller = Canceller.FAMILY,
           now: datetime | None = None, provider_suspended: bool = False) -> Cancellation:
    """Cancel a booking. The family: up to the start, with the policy's refund. The provider:
    until delivered, with a reason, always a full refund. The refund goes through the provider
    after the commit and is booked when its event arrives.

    :raises AlreadyCancelled: cancelled before (also by a request at the same moment).
    :raises BookingClosed: delivered, or (family) started already.
    :raises InvalidInput: the provider gave no reason, or a reason too long.

    When the provider cannot be asked for the refund now, the cancellation stands and
    ``refund_id`` is None: ``flask market retry-refunds`` asks again.

    ``provider_suspended``: the organisation suspends the provider; ``actor`` is the one who may
    (Perm.FREELANCER_APPROVE on the booking), and the booking is cancelled as by the provider.
    """
    now = now or utcnow()
    if provider_suspended:
        # The organisation suspended the provider (freelancers.suspend): cancelled as by the
        # provider, with a full refund, by the one who may suspend.
        if by != Canceller.PROVIDER:
            raise ValueError("a suspension cancels as the provider")
        booking = get_booking(actor, booking_id, Perm.FREELANCER_APPROVE)
    else:
        booking = get_booking(actor, booking_id,
                              Perm.BOOKING_CANCEL if by == Canceller.FAMILY else Perm.BOOKING_PROVIDE)
    reason = (reason or "").strip()
    if len(reason) > 500:
        raise InvalidInput("reason", _l("Keep the reason under 500 characters."))
    if by == Canceller.PROVIDER and not reason:
        raise InvalidInput("reason", _l("Tell the family why: the reason is shown to them."))
    booking = _lock_booking(booking.id)
    status = effective_status(booking.status, booking.hold_expires_at, now)
    if status in (BookingStatus.CANCELLED.value, BookingStatus.REFUNDED.value):
        raise AlreadyCancelled()
    if status not in CANCELLABLE:
        raise BookingClosed()
    if by == Canceller.FAMILY and booking.starts_at <= now:
        raise BookingClosed(_l("This extra has started: it can no longer be cancelled."))
    paid = booking.price_cents if booking.payment_id is not None else 0
    refund = refund_on_cancel(paid, booking.starts_at, now, by, policy_of(settings_of(booking.organisation_id)))
    claimed = db.session.execute(update(Booking).where(Booking.id == booking.id, Booking.status.in_(CANCELLABLE))
                                 .values(status=BookingStatus.CANCELLED.value, cancelled_at=now,
                                         cancelled_by=by.value, cancel_reason=reason, refund_cents=refund)
                                 .execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        raise AlreadyCancelled()
    booking = db.session.get(Booking, booking.id, populate_existing=True)
    audit.record(Action.UPDATE, actor=actor, client_id=booking.client_id, obj=booking,
                 detail=f"cancelled by the {by.value}; refund {refund} cents")
    notices.cancelled(booking)
    payment_id = booking.payment_id
    db.session.commit()
    refund_id = None
    missing = _refund_missing(payment_id, refund) if refund and payment_id else 0
    if missing:
        try:
            refund_id = webhooks.refund_through_provider(payment_id, missing)
        except GatewayError as exc:
            # The cancellation stands; the refund is asked again by `flask market retry-refunds`.
            current_app.logger.warning("refund of booking %s not asked yet: %s", booking_id, exc.message)
    return Cancellation(db.session.get(Booking, booking_id, populate_existing=True), refund, refund_id)


def _refund_missing(payment_id: int, refund_cents: int) -> int:
    """What is still to be asked of ``refund_cents``: a refund given before (from the provider's
    dashboard) counts towards it, so that together they never exceed what the booking gives back."""
    requested, overpaid = db.session.execute(select(Payment.refund_requested_cents, Payment.overpaid_cents)
                                             .where(Payment.id == payment_id)).one()
    return max(refund_cents - max(requested - overpaid, 0), 0)


def retry_refunds() -> int:
    """Ask again for the refunds of cancelled bookings the provider could not be asked for (the
    reservation of a refund is given back when the provider refuses). Idempotent. :returns: asked."""
    asked = 0
    rows = db.session.execute(select(Booking.id, Booking.payment_id, Booking.refund_cents,
                                     Payment.refund_requested_cents, Payment.overpaid_cents)
                              .join(Payment, Payment.id == Booking.payment_id)
                              .where(Booking.status == BookingStatus.CANCELLED.value, Booking.refund_cents > 0)).all()
    for _booking_id, payment_id, refund_cents, requested, overpaid in rows:
        missing = refund_cents - max(requested - overpaid, 0)
        if missing > 0:
            try:
                if webhooks.refund_through_provider(payment_id, missing):
                    asked += 1
            except GatewayError as exc:
                current_app.logger.warning("refund of payment %s refused again: %s", payment_id, exc.message)
    return asked


def answer_request(actor, booking_id: int, *, accept: bool, reason: str = "", now: datetime | None = None) -> Booking:
    """The provider confirms a moment asked on request (the family is then asked to pay, the
    seat held for a day) or declines it with a reason.

    :raises BookingClosed: not waiting for an answer. :raises SlotTaken: the provider is booked then.
    """
    now = now or utcnow()
    booking = get_booking(actor, booking_id, Perm.BOOKING_PROVIDE)
    if not accept:
        reason = (reason or "").strip()
        if not reason:
            raise InvalidInput("reason", _l("Tell the family why: the reason is shown to them."))
        if len(reason) > 500:
            raise InvalidInput("reason", _l("Keep the reason under 500 characters."))
    lock_provider(booking.provider_id)
    booking = db.session.get(Booking, booking.id, populate_existing=True)
    if booking.status != BookingStatus.REQUESTED.value:
        raise BookingClosed()
    if booking.starts_at <= now:
        raise SlotPast()
    if accept:
        taken = seated([booking.provider_id], booking.starts_at, booking.ends_at, now, exclude_id=booking.id)
        if seats_left_at(booking.extra, booking.starts_at, taken) <= 0:
            raise SlotTaken()
        booking.status = BookingStatus.PENDING_PAYMENT.value
        booking.hold_expires_at = min(now + REQUEST_HOLD, booking.starts_at)
    else:
        booking.status, booking.cancelled_at, booking.cancelled_by, booking.cancel_reason = (
            BookingStatus.CANCELLED.value, now, Canceller.PROVIDER.value, reason)
    audit.record(Action.UPDATE, actor=actor, client_id=booking.client_id, obj=booking,
                 detail="request confirmed" if accept else "request declined")
    notices.answered(booking, accept)
    db.session.commit()
    return booking


def mark(actor, booking_id: int, *, delivered: bool, now: datetime | None = None) -> Booking:
    """The provider marks a confirmed booking delivered or a no-show, once it has started.

    :raises BookingClosed: not confirmed (or marked already), or not started yet.
    """
    now = now or utcnow()
    booking = get_booking(actor, booking_id, Perm.BOOKING_PROVIDE)
    if booking.starts_at > now:
        raise BookingClosed(_l("An extra can be marked once it has started."))
    claimed = db.session.execute(update(Booking).where(Booking.id == booking.id,
                                                       Booking.status == BookingStatus.CONFIRMED.value)
                                 .values(status=(BookingStatus.DELIVERED if delivered else BookingStatus.NO_SHOW).value,
                                         delivered_at=now)
                                 .execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        raise BookingClosed()
    booking = db.session.get(Booking, booking.id, populate_existing=True)
    audit.record(Action.UPDATE, actor=actor, client_id=booking.client_id, obj=booking,
                 detail="delivered" if delivered else "no-show")
    db.session.commit()
    return booking
