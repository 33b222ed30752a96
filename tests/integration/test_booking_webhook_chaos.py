"""The webhook chaos test for booking payments and refunds (issue 12): the provider's events about
bookings delivered in a random order, each one to three times, the same object resent under a new
event id, and forged events (a wrong signature, an altered body) in between. The final ledger,
bookings and payments equal those of one clean delivery of each event in order.

The bookings of each run: A paid then refunded in two parts (1000, then the rest), B paid, C paid
after its hold lapsed while D took its seat (refunded in full by itself), D paid, E's checkout
expired. Runs on SQLite and on PostgreSQL, for several seeds.
"""
from __future__ import annotations

import random
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from billing.domain import AccountKind, account_key
from billing.gateway import event_payload
from billing.ledger import balance_of, verify
from billing.models import Payment
from marketplace.core.extensions import db, limiter
from marketplace.market import bookings
from marketplace.market.models import Booking
from tests.conftest import _empty_all_tables
from tests.factories import build_world
from tests.functional.test_webhooks import deliver, stripe_signature
from tests.integration.test_extra_bookings_core import make_extra, slot

LABELS = "ABCDE"


def setup(app):
    """A fresh world and the five bookings with their checkouts; (world, {label: payment})."""
    _empty_all_tables()
    limiter.reset()
    world = build_world()
    extra = make_extra(world, seats=1)
    family = world.users["family"]
    made = {}
    with app.test_request_context():
        for label, days in (("A", 3), ("B", 4), ("C", 5), ("E", 6)):
            made[label] = bookings.book(family, extra_id=extra.id, client_id=world.own.id, start=slot(days)).id
        db.session.execute(update(Booking).where(Booking.id == made["C"])
                           .values(hold_expires_at=datetime.now(timezone.utc) - timedelta(seconds=1)))
        db.session.commit()
        made["D"] = bookings.book(family, extra_id=extra.id, client_id=world.own.id, start=slot(5)).id
    payments = {label: db.session.scalar(select(Payment).where(Payment.purpose == "extra_booking",
                                                               Payment.reference_id == booking_id))
                for label, booking_id in made.items()}
    return world, made, payments


def events(payments: dict[str, Payment]) -> list[tuple[str, str]]:
    """(label, signed body) of every event, in the clean order."""
    def completed(label, kind="checkout.session.completed"):
        payment = payments[label]
        return event_payload(kind, {
            "id": payment.provider_session_id, "object": "checkout.session", "amount_total": payment.amount_cents,
            "currency": "eur", "payment_intent": f"pi_chaos_{label}", "payment_status": "paid",
            "metadata": {"payment_id": str(payment.id), "purpose": "extra_booking"}})

    def refund(label, refund_id, amount):
        return event_payload("refund.created", {"id": refund_id, "object": "refund", "amount": amount,
                                                "currency": "eur", "payment_intent": f"pi_chaos_{label}",
                                                "status": "succeeded"})
    return [
        ("A", completed("A")), ("B", completed("B")), ("D", completed("D")), ("C", completed("C")),
        ("A", refund("A", "re_chaos_A1", 1000)), ("A", refund("A", "re_chaos_A2", 3080)),
        ("E", event_payload("checkout.session.expired", {"id": payments["E"].provider_session_id,
                                                         "object": "checkout.session"})),
        # Stripe's other success event for the same session: never a second booking.
        ("B", completed("B", "checkout.session.async_payment_succeeded")),
        # The same refund object resent under a new event id.
        ("A", refund("A", "re_chaos_A1", 1000)),
    ]


def snapshot(world, made) -> dict:
    db.session.expire_all()
    keys = {"fees": account_key(AccountKind.FEES), "team": account_key(AccountKind.TEAM_BUDGET, world.team.id),
            "clearing": account_key(AccountKind.PAYMENT_CLEARING),
            "overpaid": account_key(AccountKind.OVERPAYMENT, world.own.id)}
    state = {name: balance_of(world.org.id, key) for name, key in keys.items()}
    for label, booking_id in made.items():
        booking = db.session.get(Booking, booking_id)
        payment = db.session.scalar(select(Payment).where(Payment.purpose == "extra_booking",
                                                          Payment.reference_id == booking_id))
        state[label] = (booking.status, booking.payment_id == payment.id, booking.refund_reason,
                        payment.status, payment.refunded_cents, payment.overpaid_cents)
    return state


def forged(body: str, rng: random.Random, secret: str) -> tuple[str, str]:
    """A body with a signature that does not fit it: signed with another secret, or an amount
    altered after signing."""
    if rng.random() < 0.5:
        return body, stripe_signature(body, "whsec_not_ours_0123456789", int(time.time()))
    altered = body.replace('"amount_total": ', '"amount_total": 1', 1).replace('"amount": ', '"amount": 1', 1)
    return altered, stripe_signature(body, secret, int(time.time()))


@pytest.mark.parametrize("seed", range(4))
def test_booking_events_in_chaos_book_what_one_clean_delivery_books(app, db, seed):
    world, made, payments = setup(app)
    client = app.test_client()
    for _label, body in events(payments):
        assert deliver(client, body).status_code == 200
    clean = snapshot(world, made)
    assert verify() == []
    assert clean["fees"] == 408 * 2 and clean["team"] == 3672 * 2  # B and D kept; A refunded; C given back
    assert clean["A"][0] == "refunded" and clean["C"][:3] == ("expired", False, "slot_taken")
    assert clean["E"][0] == "expired"

    rng = random.Random(seed)
    world, made, payments = setup(app)
    client = app.test_client()
    deliveries = []
    for _label, body in events(payments):
        deliveries += [body] * rng.randint(1, 3)
    rng.shuffle(deliveries)
    for body in list(deliveries):
        if rng.random() < 0.3:
            deliveries.insert(rng.randrange(len(deliveries) + 1),
                              forged(body, rng, app.config["STRIPE_WEBHOOK_SECRET"]))
    for delivery in deliveries:
        if isinstance(delivery, tuple):
            text, signature = delivery
            response = client.post("/billing/webhooks/stripe", data=text, headers={"Stripe-Signature": signature},
                                   content_type="application/json")
            assert response.status_code == 400, response.get_data(as_text=True)
        else:
            assert deliver(client, delivery).status_code == 200, delivery
    # Whatever was parked waiting for its payment is applied once the payment arrived.
    assert snapshot(world, made) == clean
    assert verify() == []

