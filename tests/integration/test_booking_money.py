"""The money of booking extras (issue 12, "What must be shown"), on SQLite and PostgreSQL:

* the last seat under 50 bookings at once goes to exactly one; 6 seats under 20 at once to exactly 6;
* no call to the payment provider while a row lock or a transaction is held (checkout and refund);
* the ledger with DOMAIN.md §7's numbers: 4080 → 408 / 3672; a cancellation 25 hours before reverses
  both, 23 hours before books nothing back, the provider's always refunds; a partial refund of 1000
  (a ``refund.created`` event) reverses 100 / 900; a late payment confirms when the seat is free and
  is refunded in full when it is taken;
* ``ledger verify`` per booking: each hole written directly into the database is caught.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, func, select, text, update

from billing.domain import AccountKind, LineKind, Transfer, account_key
from billing.gateway import CheckoutSession, event_payload
from billing.ledger import balance_of, book, verify
from billing.models import Payment
from marketplace.accounts.models import User
from marketplace.core.extensions import db
from marketplace.market import bookings
from marketplace.market.booking_ledger import check_bookings
from marketplace.market.extras_domain import BookingStatus, Canceller
from marketplace.market.models import Booking
from tests.conftest import together
from tests.functional.test_webhooks import deliver
from tests.integration.test_extra_bookings_core import make_extra, pay_by_event, slot

FEES = account_key(AccountKind.FEES)


def team_budget(world) -> str:
    return account_key(AccountKind.TEAM_BUDGET, world.team.id)


def balances(world) -> tuple[int, int]:
    db.session.expire_all()
    return balance_of(world.org.id, FEES), balance_of(world.org.id, team_budget(world))


def payment_of(booking_id: int) -> Payment:
    db.session.expire_all()
    return db.session.scalar(select(Payment).where(Payment.purpose == "extra_booking",
                                                   Payment.reference_id == booking_id).order_by(Payment.id.desc()))


def rules() -> set[str]:
    return {breach.rule for breach in verify()}


@pytest.fixture
def family(world):
    return world.users["family"]


def paid_booking(app, client, world, extra, *, days: int = 3, hour: int = 10) -> Booking:
    with app.test_request_context():
        booking = bookings.book(world.users["family"], extra_id=extra.id, client_id=world.own.id,
                                start=slot(days, hour))
    pay_by_event(client, booking.id)
    db.session.expire_all()
    return db.session.get(Booking, booking.id)


# -- concurrency ----------------------------------------------------------------------------------

def _book_at_once(app, world, extra, count: int) -> list:
    family_id, client_id, start = world.users["family"].id, world.own.id, slot(3)

    def work(_i):
        with app.test_request_context():
            return bookings.book(db.session.get(User, family_id), extra_id=extra.id, client_id=client_id,
                                 start=start).status
    return together(app, count, work)


def test_fifty_bookings_of_the_last_seat_at_once_hold_it_once(app, world):
    extra = make_extra(world, seats=1)
    results = _book_at_once(app, world, extra, 50)
    assert results.count(BookingStatus.PENDING_PAYMENT.value) == 1, results
    assert sum(isinstance(r, bookings.SlotTaken) for r in results) == 49, results
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Booking)) == 1
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 1  # one checkout, for the hold


def test_twenty_bookings_of_six_seats_at_once_hold_exactly_six(app, world):
    extra = make_extra(world, seats=6)
    results = _book_at_once(app, world, extra, 20)
    assert results.count(BookingStatus.PENDING_PAYMENT.value) == 6, results
    assert sum(isinstance(r, bookings.SlotTaken) for r in results) == 14, results
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Booking)) == 6


# -- no provider call under a lock -------------------------------------------------------------------

class BookingNoLockGateway:
    """At the moment the provider is called: no transaction of ours is open, and no other connection
    sees a lock on the providers, bookings or payments tables (PostgreSQL) or SQLite's write lock."""

    def __init__(self, database_url: str):
        self.database_url = database_url
        self.checkouts = self.refunds = 0

    def _no_lock(self):
        assert not db.session().in_transaction(), "the provider is called inside a transaction"
        probe = create_engine(self.database_url)
        try:
            with probe.connect() as conn:
                if conn.dialect.name == "postgresql":
                    held = conn.execute(text(
                        "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                        "WHERE c.relname IN ('providers', 'bookings', 'payments') AND l.granted "
                        "AND l.mode IN ('RowExclusiveLock', 'RowShareLock', 'ExclusiveLock') "
                        "AND l.pid <> pg_backend_pid()")).scalar()
                    assert held == 0, "a row lock is held while the provider is called"
                else:
                    conn.exec_driver_sql("PRAGMA busy_timeout = 0")
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
                    conn.exec_driver_sql("ROLLBACK")
        finally:
            probe.dispose()

    def create_checkout(self, request):
        self._no_lock()
        self.checkouts += 1
        return CheckoutSession(f"cs_nolock_{request.reference}", f"https://checkout.test/{request.reference}")

    def refund(self, payment_intent_id, amount_cents, reference, **_connect):
        self._no_lock()
        self.refunds += 1
        return f"re_nolock_{reference}"


@pytest.fixture
def no_lock_gateway(app, database_url):
    before = app.extensions["gateway"]
    gateway = BookingNoLockGateway(database_url)
    app.extensions["gateway"] = gateway
    yield gateway
    app.extensions["gateway"] = before


def test_booking_paying_and_cancelling_never_call_the_provider_under_a_lock(app, client, world, family,
                                                                            no_lock_gateway):
    extra = make_extra(world)
    with app.test_request_context():
        booking = bookings.book(family, extra_id=extra.id, client_id=world.own.id, start=slot(3))
        bookings.pay(family, db.session.get(Booking, booking.id))
    assert no_lock_gateway.checkouts == 1  # paying again reuses the checkout
    pay_by_event(client, booking.id)
    with app.test_request_context():
        result = bookings.cancel(family, booking.id)
    assert result.refund_cents == 4080 and result.refund_id.startswith("re_nolock_")
    assert no_lock_gateway.refunds == 1


# -- the ledger with DOMAIN.md's numbers --------------------------------------------------------------

def test_4080_splits_408_3672_and_a_cancellation_25_hours_before_reverses_both(app, client, world, family):
    booking = paid_booking(app, client, world, make_extra(world))
    assert booking.status == BookingStatus.CONFIRMED.value
    assert balances(world) == (408, 3672)
    with app.test_request_context():
        result = bookings.cancel(family, booking.id, now=booking.starts_at - timedelta(hours=25))
    assert result.refund_cents == 4080
    assert balances(world) == (0, 0)
    assert payment_of(booking.id).refunded_cents == 4080 and verify() == []


def test_a_cancellation_23_hours_before_books_nothing_back(app, client, world, family):
    booking = paid_booking(app, client, world, make_extra(world))
    with app.test_request_context():
        result = bookings.cancel(family, booking.id, now=booking.starts_at - timedelta(hours=23))
    assert (result.refund_cents, result.refund_id) == (0, None)
    assert balances(world) == (408, 3672) and payment_of(booking.id).refunded_cents == 0
    assert db.session.get(Booking, booking.id).status == BookingStatus.CANCELLED.value and verify() == []


@pytest.mark.parametrize("hours", [72, 23, 1])
def test_the_provider_s_cancellation_always_refunds_in_full(app, client, world, hours):
    booking = paid_booking(app, client, world, make_extra(world))
    with app.test_request_context():
        result = bookings.cancel(world.users["team_lead"], booking.id, reason="Ziek", by=Canceller.PROVIDER,
                                 now=booking.starts_at - timedelta(hours=hours))
    assert result.refund_cents == 4080 and balances(world) == (0, 0) and verify() == []


def refund_event(client, payment: Payment, refund_id: str, amount: int):
    body = event_payload("refund.created", {"id": refund_id, "object": "refund", "amount": amount, "currency": "eur",
                                            "payment_intent": payment.provider_payment_id, "status": "succeeded"})
    return deliver(client, body)


def test_a_partial_refund_of_1000_on_4080_reverses_100_and_900(app, client, world):
    booking = paid_booking(app, client, world, make_extra(world))
    payment = payment_of(booking.id)
    assert refund_event(client, payment, "re_partial_1000", 1000).status_code == 200
    assert balances(world) == (408 - 100, 3672 - 900)
    assert payment_of(booking.id).refunded_cents == 1000
    assert db.session.get(Booking, booking.id).status == BookingStatus.CONFIRMED.value  # still on
    # The rest later, in a part that does not divide evenly: every share ends at exactly 0.
    assert refund_event(client, payment, "re_partial_3", 3).status_code == 200
    assert refund_event(client, payment, "re_partial_rest", 3077).status_code == 200
    assert balances(world) == (0, 0) and verify() == []


def lapse(booking_id: int) -> None:
    db.session.execute(update(Booking).where(Booking.id == booking_id)
                       .values(hold_expires_at=datetime.now(timezone.utc) - timedelta(seconds=1)))
    db.session.commit()


def test_a_late_payment_is_confirmed_when_the_seat_is_still_free(app, client, world, family):
    extra = make_extra(world)
    with app.test_request_context():
        booking = bookings.book(family, extra_id=extra.id, client_id=world.own.id, start=slot(3))
    lapse(booking.id)
    pay_by_event(client, booking.id)
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).status == BookingStatus.CONFIRMED.value
    assert balances(world) == (408, 3672) and verify() == []


def test_a_late_payment_is_refunded_in_full_when_the_seat_was_taken(app, client, world, family):
    extra = make_extra(world)
    with app.test_request_context():
        late = bookings.book(family, extra_id=extra.id, client_id=world.own.id, start=slot(3))
        lapse(late.id)
        taker = bookings.book(family, extra_id=extra.id, client_id=world.own.id, start=slot(3))
    pay_by_event(client, taker.id)
    pay_by_event(client, late.id)
    db.session.expire_all()
    late = db.session.get(Booking, late.id)
    assert (late.status, late.refund_reason, late.payment_id) == (BookingStatus.EXPIRED.value, "slot_taken", None)
    payment = payment_of(late.id)
    assert payment.refunded_cents == payment.overpaid_cents == 4080
    assert balances(world) == (408, 3672)  # only the booking that kept the seat
    assert verify() == []


# -- ledger verify per booking: each hole, written directly, is caught ------------------------------

def rogue_payment(world, booking: Booking, *, amount: int = 4080, key_suffix: str = "") -> Payment:
    """A paid payment of the booking written directly, as a bug elsewhere could leave it."""
    payment = Payment(organisation_id=world.org.id, client_id=booking.client_id, purpose="extra_booking",
                      reference_id=booking.id, payer_id=world.users["family"].id, amount_cents=amount,
                      currency="eur", status="paid", paid_at=datetime.now(timezone.utc),
                      provider_session_id=f"cs_rogue_{booking.id}{key_suffix}",
                      provider_payment_id=f"pi_rogue_{booking.id}{key_suffix}")
    db.session.add(payment)
    db.session.flush()
    return payment


def held(app, world, extra, days: int = 3) -> Booking:
    with app.test_request_context():
        return bookings.book(world.users["family"], extra_id=extra.id, client_id=world.own.id, start=slot(days))


def clearing_to(world, *shares: tuple[str, int]) -> list[Transfer]:
    clearing = account_key(AccountKind.PAYMENT_CLEARING)
    return [Transfer(clearing, account, cents, LineKind.EXTRA) for account, cents in shares]


def test_a_clean_ledger_of_bookings_has_no_breach(app, client, world):
    paid_booking(app, client, world, make_extra(world))
    assert check_bookings(None) == [] and check_bookings(world.org.id) == []


def test_verify_catches_a_payment_whose_shares_do_not_add_up_to_what_was_paid(app, world):
    booking = held(app, world, make_extra(world))
    payment = rogue_payment(world, booking)
    db.session.get(Booking, booking.id).payment_id = payment.id
    book(world.org.id, f"payment:{payment.id}", "payment", clearing_to(world, (FEES, 408), (team_budget(world), 3600)))
    db.session.commit()
    assert "extra paid is not the sum of its shares" in rules()


def test_verify_catches_shares_not_split_as_fixed_on_the_booking(app, world):
    booking = held(app, world, make_extra(world))
    payment = rogue_payment(world, booking)
    db.session.get(Booking, booking.id).payment_id = payment.id
    book(world.org.id, f"payment:{payment.id}", "payment", clearing_to(world, (FEES, 800), (team_budget(world), 3280)))
    db.session.commit()
    assert rules() == {"extra shares not split as fixed on the booking"}


def test_verify_catches_a_paid_payment_that_was_never_booked(app, world):
    booking = held(app, world, make_extra(world))
    rogue_payment(world, booking)
    db.session.commit()
    assert "extra payment not booked" in rules()


def test_verify_catches_a_booking_paid_twice(app, client, world):
    booking = paid_booking(app, client, world, make_extra(world))
    second = rogue_payment(world, booking, key_suffix="b")
    book(world.org.id, f"payment:{second.id}", "payment", clearing_to(world, (FEES, 408), (team_budget(world), 3672)))
    db.session.commit()
    assert "extra paid twice" in rules()


def test_verify_catches_refund_entries_beyond_what_the_payment_refunded(app, client, world):
    booking = paid_booking(app, client, world, make_extra(world))
    payment = payment_of(booking.id)
    clearing = account_key(AccountKind.PAYMENT_CLEARING)
    book(world.org.id, "refund:re_lost_1", "refund",
         [Transfer(FEES, clearing, 408, LineKind.REFUND), Transfer(team_budget(world), clearing, 3672, LineKind.REFUND)],
         memo=f"refund re_lost_1 of payment {payment.id}")
    db.session.commit()
    assert "extra refunds not booked as refunded" in rules()


def test_verify_catches_a_refund_that_does_not_reverse_the_shares_in_proportion(app, client, world):
    booking = paid_booking(app, client, world, make_extra(world))
    payment = payment_of(booking.id)
    clearing = account_key(AccountKind.PAYMENT_CLEARING)
    # 1000 back, all of it out of the team's budget (it should be 100 / 900).
    book(world.org.id, "refund:re_skewed", "refund", [Transfer(team_budget(world), clearing, 1000, LineKind.REFUND)],
         memo=f"refund re_skewed of payment {payment.id}")
    db.session.execute(update(Payment).where(Payment.id == payment.id)
                       .values(refunded_cents=1000, status="partially_refunded"))
    db.session.commit()
    assert rules() == {"extra shares not reversed in proportion"}


def test_verify_catches_a_booking_whose_price_is_not_what_its_payment_settled(app, client, world):
    booking = paid_booking(app, client, world, make_extra(world))
    db.session.execute(update(Booking).where(Booking.id == booking.id).values(price_cents=4000))
    db.session.commit()
    assert rules() == {"extra paid is not its price"}


def test_a_cancellation_after_a_partial_refund_asks_only_for_the_rest_at_once(app, client, world, family):
    """1000 given back from the provider's dashboard first; the family then cancels 25 hours ahead:
    the policy gives all 4080, of which 3080 are still to come, and those are asked for at once
    (asking for 4080 again would exceed the payment, and nothing would come back until a retry)."""
    booking = paid_booking(app, client, world, make_extra(world))
    assert refund_event(client, payment_of(booking.id), "re_dashboard_1000", 1000).status_code == 200
    with app.test_request_context():
        result = bookings.cancel(family, booking.id, now=booking.starts_at - timedelta(hours=25))
    assert result.refund_cents == 4080 and result.refund_id is not None
    assert payment_of(booking.id).refunded_cents == 4080
    assert db.session.get(Booking, booking.id).status == BookingStatus.REFUNDED.value
    assert balances(world) == (0, 0) and verify() == []
    assert bookings.retry_refunds() == 0
