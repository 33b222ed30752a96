"""The core of booking extras (issue 12): a hold, confirmation only by the verified payment event,
the split 4080 → 408 / 3672, cancellations with the policy's refund reversing every share."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import pytest
from sqlalchemy import select

from billing.domain import AccountKind, account_key
from billing.gateway import DemoGateway, GatewayError, event_payload
from billing.ledger import balance_of, verify
from billing.models import Payment
from marketplace.core.db_types import LOCAL_ZONE
from marketplace.core.extensions import db
from marketplace.market import bookings
from marketplace.market.extras_domain import BookingStatus, Canceller
from marketplace.market.models import AvailabilityPattern, Booking, Extra
from tests.factories import build_world
from tests.functional.test_webhooks import deliver



@pytest.fixture
def world(db):
    return build_world()


def make_extra(world, *, price=4080, seats=1, kind="timed", duration=60) -> Extra:
    provider = bookings.provider_for_team(world.team)
    extra = Extra(organisation_id=world.org.id, provider_id=provider.id, code="X01", category="outing",
                  title="Begeleid uitje", price_cents=price, duration_minutes=duration, kind=kind, seats=seats)
    extra.patterns = [AvailabilityPattern(weekday=d, starts_at=time(10), ends_at=time(16)) for d in range(7)]
    db.session.add(extra)
    db.session.commit()
    return extra


def slot(days: int, hour: int = 10) -> datetime:
    day = (datetime.now(timezone.utc) + timedelta(days=days)).astimezone(LOCAL_ZONE).date()
    return datetime.combine(day, time(hour), tzinfo=LOCAL_ZONE).astimezone(timezone.utc)


def pay_by_event(client, booking_id: int) -> None:
    payment = db.session.scalar(select(Payment).where(Payment.reference_id == booking_id,
                                                      Payment.purpose == "extra_booking"))
    body = event_payload("checkout.session.completed", {
        "id": payment.provider_session_id, "object": "checkout.session", "amount_total": payment.amount_cents,
        "currency": "eur", "payment_intent": f"pi_test_{payment.id}", "payment_status": "paid"})
    assert deliver(client, body).status_code == 200


def test_team_extra_4080_splits_408_3672_and_an_early_cancellation_reverses_both(app, client, world):
    now = datetime.now(timezone.utc)  # when the test runs, not when the module was loaded
    extra = make_extra(world)
    family = world.users["family"]
    with app.test_request_context():
        booking = bookings.book(family, extra_id=extra.id, client_id=world.own.id, start=slot(3), now=now)
    assert booking.status == BookingStatus.PENDING_PAYMENT.value
    assert booking.hold_expires_at == now + timedelta(minutes=30)
    pay_by_event(client, booking.id)
    booking = db.session.get(Booking, booking.id, populate_existing=True)
    assert booking.status == BookingStatus.CONFIRMED.value
    assert balance_of(world.org.id, account_key(AccountKind.FEES)) == 408
    assert balance_of(world.org.id, account_key(AccountKind.TEAM_BUDGET, world.team.id)) == 3672
    with app.test_request_context():
        result = bookings.cancel(family, booking.id, now=booking.starts_at - timedelta(hours=25))
    assert result.refund_cents == 4080
    booking = db.session.get(Booking, booking.id, populate_existing=True)
    assert booking.status == BookingStatus.REFUNDED.value
    assert balance_of(world.org.id, account_key(AccountKind.FEES)) == 0
    assert balance_of(world.org.id, account_key(AccountKind.TEAM_BUDGET, world.team.id)) == 0
    assert verify() == []


def test_late_family_cancellation_books_nothing_back_and_the_provider_always_refunds(app, client, world):
    now = datetime.now(timezone.utc)  # when the test runs, not when the module was loaded
    extra = make_extra(world, seats=2)
    family = world.users["family"]
    with app.test_request_context():
        late = bookings.book(family, extra_id=extra.id, client_id=world.own.id, start=slot(3), now=now)
        pay_by_event(client, late.id)
        result = bookings.cancel(family, late.id, now=late.starts_at - timedelta(hours=23))
        assert result.refund_cents == 0
        assert balance_of(world.org.id, account_key(AccountKind.TEAM_BUDGET, world.team.id)) == 3672
        other = bookings.book(family, extra_id=extra.id, client_id=world.own.id, start=slot(3), now=now)
        pay_by_event(client, other.id)
        by_provider = bookings.cancel(world.users["team_lead"], other.id, reason="De bus is kapot",
                                      by=Canceller.PROVIDER, now=other.starts_at - timedelta(hours=1))
    assert by_provider.refund_cents == 4080
    assert balance_of(world.org.id, account_key(AccountKind.TEAM_BUDGET, world.team.id)) == 3672
    assert balance_of(world.org.id, account_key(AccountKind.FEES)) == 408
    with app.test_request_context(), pytest.raises(bookings.AlreadyCancelled):
        bookings.cancel(family, late.id, now=late.starts_at - timedelta(hours=23))
    assert verify() == []


def test_the_last_seat_is_held_once_and_a_lapsed_hold_frees_it(app, world):
    now = datetime.now(timezone.utc)  # when the test runs, not when the module was loaded
    extra = make_extra(world)
    family = world.users["family"]
    with app.test_request_context():
        bookings.book(family, extra_id=extra.id, client_id=world.own.id, start=slot(3), now=now)
        with pytest.raises(bookings.SlotTaken):
            bookings.book(family, extra_id=extra.id, client_id=world.own.id, start=slot(3), now=now)
        with pytest.raises(bookings.SlotTaken):  # the provider is busy: another extra at the same time
            other = make_extra(world)
            bookings.book(family, extra_id=other.id, client_id=world.own.id, start=slot(3), now=now)
        later = now + timedelta(minutes=31)
        again = bookings.book(family, extra_id=extra.id, client_id=world.own.id, start=slot(3), now=later)
    assert again.status == BookingStatus.PENDING_PAYMENT.value


def lapse(booking: Booking) -> None:
    """The hold's 30 minutes pass while the family is still in the checkout."""
    db.session.get(Booking, booking.id).hold_expires_at = datetime.now(timezone.utc) - timedelta(seconds=1)
    db.session.commit()


def test_a_payment_after_the_hold_lapsed_confirms_when_free_and_refunds_in_full_when_taken(app, client, world):
    extra = make_extra(world)
    family = world.users["family"]
    with app.test_request_context():
        first = bookings.book(family, extra_id=extra.id, client_id=world.own.id, start=slot(3))
    lapse(first)
    pay_by_event(client, first.id)  # hold lapsed, seat still free → confirmed
    assert db.session.get(Booking, first.id, populate_existing=True).status == BookingStatus.CONFIRMED.value
    with app.test_request_context():
        lapsed = bookings.book(family, extra_id=extra.id, client_id=world.own.id, start=slot(4))
        lapse(lapsed)
        bookings.book(family, extra_id=extra.id, client_id=world.own.id, start=slot(4))
    pay_by_event(client, lapsed.id)  # the seat went to the second booking → refunded in full
    lapsed = db.session.get(Booking, lapsed.id, populate_existing=True)
    assert lapsed.status == BookingStatus.EXPIRED.value and lapsed.refund_reason == "slot_taken"
    payment = db.session.scalar(select(Payment).where(Payment.reference_id == lapsed.id))
    assert payment.refunded_cents == payment.amount_cents == 4080
    assert balance_of(world.org.id, account_key(AccountKind.TEAM_BUDGET, world.team.id)) == 3672
    assert verify() == []


class RefusingOnceGateway(DemoGateway):
    """The offline gateway, but the provider refuses the first refund (down for a moment)."""

    def __init__(self):
        self.refused = 0

    def refund(self, payment_intent_id, amount_cents, reference, *, connect=False):
        if self.refused == 0:
            self.refused += 1
            raise GatewayError("Stripe is down", "api_connection_error")
        return super().refund(payment_intent_id, amount_cents, reference, connect=connect)


def test_a_refund_the_provider_refused_is_asked_again_by_the_retry_command(app, client, world):
    extra = make_extra(world)
    family = world.users["family"]
    with app.test_request_context():
        booking = bookings.book(family, extra_id=extra.id, client_id=world.own.id, start=slot(3))
    pay_by_event(client, booking.id)
    before = app.extensions["gateway"]
    app.extensions["gateway"] = RefusingOnceGateway()
    try:
        with app.test_request_context():
            result = bookings.cancel(family, booking.id)
        assert result.refund_cents == 4080 and result.refund_id is None
        booking = db.session.get(Booking, booking.id, populate_existing=True)
        assert booking.status == BookingStatus.CANCELLED.value
        assert balance_of(world.org.id, account_key(AccountKind.TEAM_BUDGET, world.team.id)) == 3672
        runner = app.test_cli_runner()
        assert "refunds asked: 1" in runner.invoke(args=["market", "retry-refunds"]).output
        assert "refunds asked: 0" in runner.invoke(args=["market", "retry-refunds"]).output  # idempotent
    finally:
        app.extensions["gateway"] = before
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).status == BookingStatus.REFUNDED.value
    assert balance_of(world.org.id, account_key(AccountKind.TEAM_BUDGET, world.team.id)) == 0
    assert verify() == []
