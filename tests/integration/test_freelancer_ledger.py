"""A freelancer's extra in the ledger (DOMAIN.md §7, issue 13 item 3): organisation 5 %, the
home team 15 %, each rounded down, the freelancer the rest; refunds reverse all three in proportion;
the payment is a destination charge to the freelancer's connected account."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import pytest
from sqlalchemy import select

from billing.domain import AccountKind, account_key
from billing.gateway import event_payload
from billing.ledger import balance_of, verify
from billing.models import Payment
from marketplace.core.extensions import db
from marketplace.core.roles import Role
from marketplace.market import bookings, earnings
from marketplace.market.extras_domain import BookingStatus, Canceller
from marketplace.market.models import AvailabilityPattern, Booking, Extra, Freelancer, Provider
from tests.factories import build_world, make_user
from tests.functional.test_webhooks import deliver
from tests.integration.test_extra_bookings_core import pay_by_event, slot

ACCOUNT = "acct_demo_zzp1"


@pytest.fixture
def world(db):
    return build_world()


def freelancer_extra(world, *, price: int, approved=True, charges=True) -> Extra:
    user = make_user(world.org, Role.FREELANCER, email="zzp@a.test", name="Sanne Zzp")
    freelancer = Freelancer(organisation_id=world.org.id, user_id=user.id, name="Sanne Zzp", kvk_number="12345678",
                            home_team_id=world.team.id, status="approved" if approved else "pending",
                            stripe_account_id=ACCOUNT, charges_enabled=charges, payouts_enabled=charges)
    db.session.add(freelancer)
    db.session.flush()
    provider = Provider(organisation_id=world.org.id, kind="freelancer", freelancer_id=freelancer.id)
    db.session.add(provider)
    db.session.flush()
    extra = Extra(organisation_id=world.org.id, provider_id=provider.id, code="X03", category="pamper",
                  title="Verwenmoment", price_cents=price, duration_minutes=45, kind="timed", seats=1)
    extra.patterns = [AvailabilityPattern(weekday=d, starts_at=time(10), ends_at=time(17)) for d in range(7)]
    db.session.add(extra)
    db.session.commit()
    return extra


def book_and_pay(app, client, world, extra) -> Booking:
    with app.test_request_context():
        booking = bookings.book(world.users["family"], extra_id=extra.id, client_id=world.own.id, start=slot(3))
    pay_by_event(client, booking.id)
    return db.session.get(Booking, booking.id, populate_existing=True)


def balances(world, freelancer_id: int) -> tuple[int, int, int]:
    return (balance_of(world.org.id, account_key(AccountKind.FEES)),
            balance_of(world.org.id, account_key(AccountKind.TEAM_BUDGET, world.team.id)),
            balance_of(world.org.id, account_key(AccountKind.FREELANCER, freelancer_id)))


@pytest.mark.parametrize("price, shares", [(4080, (204, 612, 3264)), (12345, (617, 1851, 9877))])
def test_a_freelancers_extra_splits_into_fee_home_team_and_freelancer(app, client, world, price, shares):
    extra = freelancer_extra(world, price=price)
    booking = book_and_pay(app, client, world, extra)
    assert booking.status == BookingStatus.CONFIRMED.value
    assert balances(world, extra.provider.freelancer_id) == shares
    payment = db.session.get(Payment, booking.payment_id)
    assert payment.destination_account == ACCOUNT
    assert payment.application_fee_cents == shares[0] + shares[1]
    assert verify() == []


def test_a_full_refund_reverses_all_three_shares(app, client, world):
    extra = freelancer_extra(world, price=4080)
    booking = book_and_pay(app, client, world, extra)
    with app.test_request_context():
        result = bookings.cancel(world.users["family"], booking.id, now=booking.starts_at - timedelta(days=2))
    assert result.refund_cents == 4080
    assert balances(world, extra.provider.freelancer_id) == (0, 0, 0)
    assert db.session.get(Booking, booking.id, populate_existing=True).status == BookingStatus.REFUNDED.value
    assert verify() == []


def test_a_partial_refund_reverses_each_share_in_proportion(app, client, world):
    extra = freelancer_extra(world, price=4080)
    booking = book_and_pay(app, client, world, extra)
    payment = db.session.get(Payment, booking.payment_id)
    body = event_payload("refund.created", {"id": "re_part_1", "object": "refund", "amount": 1000, "currency": "eur",
                                            "payment_intent": payment.provider_payment_id, "status": "succeeded"})
    assert deliver(client, body).status_code == 200
    # 1000 of 4080: 204·1000/4080 → 50, 612·1000/4080 → 150, the freelancer the rest (800).
    assert balances(world, extra.provider.freelancer_id) == (204 - 50, 612 - 150, 3264 - 800)
    body = event_payload("refund.created", {"id": "re_part_2", "object": "refund", "amount": 3080, "currency": "eur",
                                            "payment_intent": payment.provider_payment_id, "status": "succeeded"})
    assert deliver(client, body).status_code == 200
    assert balances(world, extra.provider.freelancer_id) == (0, 0, 0)  # in any number of parts: exactly all
    db.session.expire_all()
    assert verify() == []


@pytest.mark.parametrize("approved, charges", [(False, True), (True, False)])
def test_a_freelancer_not_approved_or_without_charges_cannot_be_booked(app, world, approved, charges):
    extra = freelancer_extra(world, price=4080, approved=approved, charges=charges)
    with app.test_request_context(), pytest.raises(bookings.ProviderUnavailable):
        bookings.book(world.users["family"], extra_id=extra.id, client_id=world.own.id, start=slot(3))
    assert db.session.scalar(select(Booking.id)) is None


def test_a_provider_cancellation_of_a_freelancer_extra_refunds_everything(app, client, world):
    extra = freelancer_extra(world, price=12345)
    booking = book_and_pay(app, client, world, extra)
    with app.test_request_context():
        freelancer_user = db.session.get(Freelancer, extra.provider.freelancer_id).user
        result = bookings.cancel(freelancer_user, booking.id, reason="Ziek", by=Canceller.PROVIDER,
                                 now=datetime.now(timezone.utc))
    assert result.refund_cents == 12345
    assert balances(world, extra.provider.freelancer_id) == (0, 0, 0)
    assert verify() == []


def test_earnings_per_month_statement_and_home_team_view_come_from_the_same_ledger(app, client, world):
    extra = freelancer_extra(world, price=4080)
    booking = book_and_pay(app, client, world, extra)
    payment = db.session.get(Payment, booking.payment_id)
    body = event_payload("refund.created", {"id": "re_part_9", "object": "refund", "amount": 1000, "currency": "eur",
                                            "payment_intent": payment.provider_payment_id, "status": "succeeded"})
    assert deliver(client, body).status_code == 200
    freelancer = db.session.get(Freelancer, extra.provider.freelancer_id)
    month = datetime.now(timezone.utc).date().replace(day=1)
    (shares,) = earnings.monthly_shares([freelancer.id])[freelancer.id]
    assert (shares.month, shares.gross, shares.fee, shares.home_team, shares.earnings) == (
        month, 3080, 154, 462, 2464)
    statement = earnings.statement(freelancer, month)
    assert [(line.kind, line.gross, line.fee, line.home_team, line.earnings) for line in statement.lines] == [
        ("payment", 4080, 204, 612, 3264), ("refund", -1000, -50, -150, -800)]
    assert statement.total("earnings") == 2464
    csv_text = earnings.statement_csv(statement)
    assert csv_text.splitlines()[-1] == "total;;;;3080;154;462;2464"
    (home,) = earnings.home_team_view(world.team.id)
    assert home.freelancer.id == freelancer.id and [e.id for e in home.extras] == [extra.id]
    assert home.months[0].home_team == 462
    assert earnings.home_team_view(world.other_team.id) == []
