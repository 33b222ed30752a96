"""Holes found by attacking issues 12 (extras booked and paid) and 13 (freelancers with Stripe
Connect), each shown by a test that failed before its fix.

* a payment of a freelancer's booking that arrives after the hold lapsed and after the freelancer
  was suspended confirmed the booking (the money went to the suspended freelancer's account): it is
  given back in full, as a late payment whose seat is gone;
* ``ledger verify`` saw only bookings that a paid payment names: a booking confirmed (or delivered)
  without any payment, or marked paid by another booking's payment, was a seat given for nothing;
* a freelancer's share of the home team was taken from their home team *now*: after a (permitted)
  change of home team, a refund of an earlier booking came out of the new team's budget and
  ``ledger verify`` reported every earlier booking as broken;
* a hold could outlast the start (booked 10 minutes before it: a payment after the start confirmed it);
* a part refund (late_refund_pct) asked by two runs of ``retry-refunds`` at once was asked twice;
* ``ledger verify`` did not see a booking "refunded" whose payment was not;
* the provider's day and an extra's slots for 9999-12-31 / 0001-01-01 were a 500 (OverflowError);
* a NUL character in notes, reasons, a freelancer's profile, an extra's title or a rating was a 500
  on PostgreSQL (and stored on SQLite).
"""
from __future__ import annotations

import dataclasses
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from billing.domain import AccountKind, account_key
from billing.gateway import DemoGateway, GatewayError, event_payload
from billing.ledger import balance_of, verify
from billing.models import Payment
from marketplace.core.errors import InvalidInput
from marketplace.core.extensions import db
from marketplace.market import bookings, extras, freelancers, provider
from marketplace.market.extras_domain import BookingStatus
from marketplace.market.models import Booking, Freelancer, MarketSettings
from tests.conftest import together
from tests.factories import build_world
from tests.functional.test_webhooks import deliver
from tests.integration.test_booking_money import lapse, rules
from tests.integration.test_extra_bookings_core import make_extra, pay_by_event, slot
from tests.integration.test_freelancer_ledger import book_and_pay, freelancer_extra


@pytest.fixture
def world(db):
    return build_world()


def _payment_of(booking_id: int) -> Payment:
    db.session.expire_all()
    return db.session.scalar(select(Payment).where(Payment.purpose == "extra_booking",
                                                   Payment.reference_id == booking_id).order_by(Payment.id.desc()))


# -- a late payment to a suspended freelancer ---------------------------------------------------------

def test_a_late_payment_for_a_suspended_freelancer_is_given_back_not_confirmed(app, client, world):
    extra = freelancer_extra(world, price=4080)
    with app.test_request_context():
        booking = bookings.book(world.users["family"], extra_id=extra.id, client_id=world.own.id, start=slot(3))
    lapse(booking.id)  # the hold lapsed; Stripe's checkout lives on a little (at least 30 minutes)
    with app.test_request_context():
        suspension = freelancers.suspend(world.users["admin"], extra.provider.freelancer_id, "Geen VOG")
    assert suspension.cancelled == []  # a lapsed hold has nothing to cancel
    pay_by_event(client, booking.id)   # the family pays the checkout still open
    db.session.expire_all()
    booking = db.session.get(Booking, booking.id)
    assert booking.status != BookingStatus.CONFIRMED.value and booking.payment_id is None
    payment = _payment_of(booking.id)
    assert payment.overpaid_cents == payment.refunded_cents == 4080  # all of it back
    freelancer_id = extra.provider.freelancer_id
    assert balance_of(world.org.id, account_key(AccountKind.FREELANCER, freelancer_id)) == 0
    assert verify() == []


def test_a_payment_within_the_hold_of_a_freelancer_suspended_meanwhile_is_given_back(app, client, world):
    """The suspension's cancellation missed a hold made at the same moment (its list was read
    before the hold's commit): the payment of that hold must not confirm it."""
    extra = freelancer_extra(world, price=4080)
    with app.test_request_context():
        booking = bookings.book(world.users["family"], extra_id=extra.id, client_id=world.own.id, start=slot(3))
    db.session.execute(update(Freelancer).where(Freelancer.id == extra.provider.freelancer_id)
                       .values(status="suspended", status_reason="Geen VOG"))
    db.session.commit()
    pay_by_event(client, booking.id)
    db.session.expire_all()
    booking = db.session.get(Booking, booking.id)
    assert booking.status != BookingStatus.CONFIRMED.value and booking.payment_id is None
    assert _payment_of(booking.id).refunded_cents == 4080
    assert verify() == []


# -- ledger verify: bookings that no paid payment names ---------------------------------------------

def test_verify_catches_a_booking_confirmed_without_any_payment(app, world):
    extra = make_extra(world)
    with app.test_request_context():
        booking = bookings.book(world.users["family"], extra_id=extra.id, client_id=world.own.id, start=slot(3))
    db.session.execute(update(Booking).where(Booking.id == booking.id)
                       .values(status=BookingStatus.DELIVERED.value, confirmed_at=datetime.now(timezone.utc)))
    db.session.commit()
    assert "extra booking served without a payment" in rules()


def test_verify_catches_a_booking_paid_by_another_booking_s_payment(app, client, world):
    extra = make_extra(world, seats=2)
    with app.test_request_context():
        paid = bookings.book(world.users["family"], extra_id=extra.id, client_id=world.own.id, start=slot(3))
        other = bookings.book(world.users["family"], extra_id=extra.id, client_id=world.own.id, start=slot(3))
    pay_by_event(client, paid.id)
    db.session.expire_all()
    payment_id = db.session.get(Booking, paid.id).payment_id
    # The unique payment_id: first the paid booking lets go, then the other takes it.
    db.session.execute(update(Booking).where(Booking.id == paid.id).values(payment_id=None))
    db.session.execute(update(Booking).where(Booking.id == other.id)
                       .values(payment_id=payment_id, status=BookingStatus.CONFIRMED.value))
    db.session.commit()
    assert "extra booking served without a payment" in rules()


# -- a freelancer's home team changes after a booking was paid ----------------------------------------

def test_a_refund_after_the_home_team_changed_comes_out_of_the_team_that_was_paid(app, client, world):
    extra = freelancer_extra(world, price=4080)
    booking = book_and_pay(app, client, world, extra)
    freelancer = db.session.get(Freelancer, extra.provider.freelancer_id)
    with app.test_request_context():
        bookings.mark(freelancer.user, booking.id, delivered=True, now=booking.starts_at + timedelta(hours=1))
        # No open booking any more: the home team may change (the delivered one is done).
        freelancers.save_profile(freelancer.user, freelancers.ProfileInput(
            name=freelancer.name, kvk_number=freelancer.kvk_number, big_number="", home_team_id=world.other_team.id))
    assert db.session.get(Freelancer, freelancer.id, populate_existing=True).home_team_id == world.other_team.id
    assert verify() == []  # the earlier booking's shares went to the team of that moment, rightly
    # A refund from Stripe's dashboard of the delivered booking (a complaint): 1000 of 4080.
    payment = _payment_of(booking.id)
    body = event_payload("refund.created", {"id": "re_after_move", "object": "refund", "amount": 1000,
                                            "currency": "eur", "payment_intent": payment.provider_payment_id,
                                            "status": "succeeded"})
    assert deliver(client, body).status_code == 200
    db.session.expire_all()
    old_team = account_key(AccountKind.TEAM_BUDGET, world.team.id)
    new_team = account_key(AccountKind.TEAM_BUDGET, world.other_team.id)
    assert balance_of(world.org.id, old_team) == 612 - 150  # the team that had the share gives it back
    assert balance_of(world.org.id, new_team) == 0
    assert verify() == []


# -- a hold that outlasts the start -------------------------------------------------------------------

def test_a_hold_never_outlasts_the_start_of_the_extra(app, world):
    """Booked ten minutes before the start: a hold of 30 minutes let a payment 20 minutes after the
    start confirm an extra that had begun (and could no longer be cancelled by the family)."""
    extra = make_extra(world)
    start = slot(3)
    with app.test_request_context():
        booking = bookings.book(world.users["family"], extra_id=extra.id, client_id=world.own.id, start=start,
                                now=start - timedelta(minutes=10))
    assert booking.hold_expires_at <= booking.starts_at


# -- asking for a part refund twice at the same moment ------------------------------------------------

def test_retrying_a_part_refund_at_the_same_moment_asks_for_it_once(app, client, world, monkeypatch):
    """Half back for a late cancellation (late_refund_pct 50), refused by the provider at first; two
    runs of ``flask market retry-refunds`` at once (cron overlapping a manual run) each read 2040 as
    missing and each reserved it: 2040 + 2040 fit in the payment's 4080, so 4080 went back."""
    db.session.add(MarketSettings(organisation_id=world.org.id, team_org_share_pct=10, freelancer_org_share_pct=5,
                                  home_team_share_pct=15, min_price_cents=50, hold_minutes=30, free_cancel_hours=24,
                                  late_refund_pct=50))
    db.session.commit()
    extra = make_extra(world)
    with app.test_request_context():
        booking = bookings.book(world.users["family"], extra_id=extra.id, client_id=world.own.id, start=slot(3))
    pay_by_event(client, booking.id)
    refund = DemoGateway.refund

    def refused(*args, **kwargs):
        raise GatewayError("Stripe is down", "gateway_error")

    monkeypatch.setattr(DemoGateway, "refund", refused)
    with app.test_request_context():
        result = bookings.cancel(world.users["family"], booking.id, now=slot(3) - timedelta(hours=23))
    assert (result.refund_cents, result.refund_id) == (2040, None)

    def slow(self, *args, **kwargs):
        time.sleep(0.3)  # the provider takes its time: the other run reads meanwhile
        return refund(self, *args, **kwargs)

    monkeypatch.setattr(DemoGateway, "refund", slow)

    def work(_i):
        with app.test_request_context():
            return bookings.retry_refunds()
    results = together(app, 4, work)
    assert not [r for r in results if isinstance(r, Exception)], results
    payment = _payment_of(booking.id)
    assert (payment.refund_requested_cents, payment.refunded_cents) == (2040, 2040), results
    assert verify() == []


def test_verify_catches_a_booking_refunded_whose_payment_was_not(app, client, world):
    """The family reads "refunded" while nothing went back: money kept that is owed."""
    extra = make_extra(world)
    with app.test_request_context():
        booking = bookings.book(world.users["family"], extra_id=extra.id, client_id=world.own.id, start=slot(3))
    pay_by_event(client, booking.id)
    db.session.execute(update(Booking).where(Booking.id == booking.id)
                       .values(status=BookingStatus.REFUNDED.value, refund_cents=4080))
    db.session.commit()
    assert "extra booking refunded but its payment not" in rules()


# -- the first and the last day a date can name -------------------------------------------------------

@pytest.mark.parametrize("path", ["/providers/{provider_id}/day?date={day}", "/api/v1/teams/{team_id}/bookings?date={day}"])
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_the_provider_s_day_at_the_ends_of_the_calendar_is_a_4xx_not_a_500(app, client, auth, world, path, day):
    extra = make_extra(world)
    auth.login(world.users["team_lead"].email)
    response = client.get(path.format(provider_id=extra.provider_id, team_id=world.team.id, day=day))
    assert response.status_code in (200, 422), response.status_code


@pytest.mark.parametrize("query", ["date_from=9999-12-31", "date_to=0001-01-01", "date_from=9999-12-31&date_to=9999-12-31",
                                   "date_from=0001-01-01&date_to=0001-01-01"])
@pytest.mark.parametrize("path", ["/api/v1/extras/{extra_id}/slots?{query}", "/api/v1/extras?{query}",
                                  "/extras?{query}", "/extras/{extra_id}?{query}"])
def test_extras_and_slots_at_the_ends_of_the_calendar_are_a_4xx_not_a_500(app, client, auth, world, path, query):
    extra = make_extra(world)
    auth.login(world.users["family"].email)
    response = client.get(path.format(extra_id=extra.id, query=query))
    assert response.status_code in (200, 422), response.status_code


# -- a NUL character in what the family or the provider writes ----------------------------------------

def test_a_nul_character_in_notes_or_a_reason_is_a_4xx_and_changes_nothing(app, client, auth, world):
    """PostgreSQL cannot store a NUL in text: it must be refused by name, not end in a 500."""
    extra = make_extra(world)
    auth.login(world.users["family"].email)
    headers = {"X-CSRFToken": auth.csrf}
    response = client.post("/api/v1/bookings", headers=headers, json={
        "extra_id": extra.id, "client_id": world.own.id, "start": slot(3).isoformat(), "notes": "rolstoel\x00"})
    assert response.status_code == 422, response.status_code
    assert db.session.scalar(select(Booking.id)) is None
    response = client.post("/api/v1/bookings", headers=headers, json={
        "extra_id": extra.id, "client_id": world.own.id, "start": slot(3).isoformat()})
    assert response.status_code == 201
    booking_id = response.get_json()["id"]
    response = client.post(f"/api/v1/bookings/{booking_id}/cancel", headers=headers, json={"reason": "ziek\x00"})
    assert response.status_code == 422, response.status_code
    db.session.expire_all()
    assert db.session.get(Booking, booking_id).status == BookingStatus.PENDING_PAYMENT.value


def test_a_nul_character_in_a_freelancer_s_profile_or_suspension_reason_is_refused(app, world):
    extra = freelancer_extra(world, price=4080)
    freelancer = db.session.get(Freelancer, extra.provider.freelancer_id)
    with app.test_request_context():
        with pytest.raises(InvalidInput):
            freelancers.save_profile(freelancer.user, freelancers.ProfileInput(
                name="Sanne\x00", kvk_number="12345678", big_number="", home_team_id=world.team.id, bio="hoi\x00"))
        with pytest.raises(InvalidInput):
            freelancers.suspend(world.users["admin"], freelancer.id, "Geen VOG\x00")
    db.session.rollback()
    assert db.session.get(Freelancer, freelancer.id, populate_existing=True).status == "approved"


def test_a_nul_character_in_an_extra_s_title_or_a_rating_is_refused(app, client, world):
    extra = make_extra(world)
    draft = dataclasses.replace(extras.draft_of(extra), title="Uitje\x00", description="mooi\x00")
    with pytest.raises(InvalidInput) as refused:
        extras.check_draft(draft, bookings.settings_of(world.org.id), slot(0).date())
    assert {"title", "description"} <= set(refused.value.fields)
    with app.test_request_context():
        booking = bookings.book(world.users["family"], extra_id=extra.id, client_id=world.own.id, start=slot(3))
    pay_by_event(client, booking.id)
    with app.test_request_context():
        bookings.mark(world.users["team_lead"], booking.id, delivered=True, now=slot(3) + timedelta(hours=1))
        with pytest.raises(InvalidInput):
            provider.rate(world.users["family"], booking.id, stars=5, comment="top\x00")
