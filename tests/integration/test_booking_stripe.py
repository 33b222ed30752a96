"""A booking's checkout and refund through the real stripe-python client against the local server that
speaks Stripe's wire format (see test_stripe_gateway.py): the exact Checkout Session parameters of
a booking (line item, amount, currency, ``expires_at`` with the hold, metadata, idempotency key),
then its refund; the ledger follows the signed events only."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from billing.domain import AccountKind, account_key
from billing.gateway import StripeGateway, event_payload
from billing.ledger import balance_of, verify
from billing.models import Payment
from marketplace.core.extensions import db
from marketplace.market import bookings
from marketplace.market.extras_domain import BookingStatus
from marketplace.market.models import Booking
from tests.functional.test_webhooks import deliver
from tests.integration.test_extra_bookings_core import make_extra, slot
from tests.integration.test_stripe_gateway import (SECRET_KEY, checkout_session_object, refund_object, sent_form,
                                                   stripe_client)


@pytest.fixture
def stripe_app(app, httpserver):
    before = app.extensions["gateway"]
    app.extensions["gateway"] = StripeGateway(stripe_client(httpserver))
    yield app
    app.extensions["gateway"] = before


def test_a_booking_opens_exactly_this_checkout_session_and_its_refund_goes_to_stripe(stripe_app, client, world,
                                                                                      httpserver):
    extra = make_extra(world)
    httpserver.expect_oneshot_request("/v1/checkout/sessions", method="POST").respond_with_json(
        checkout_session_object("cs_test_bookingA1", amount=4080))
    asked = int(time.time())
    with stripe_app.test_request_context():
        booking = bookings.book(world.users["family"], extra_id=extra.id, client_id=world.own.id, start=slot(3),
                                notes="Rolstoel mee")
    httpserver.check_assertions()
    payment = db.session.scalar(select(Payment).where(Payment.reference_id == booking.id))
    assert payment.provider_session_id == "cs_test_bookingA1"
    (request, _), = httpserver.log
    form = sent_form(request)
    expires_at = int(form.pop("expires_at"))
    # The checkout lapses with the hold, at the soonest Stripe allows (30 minutes after creation).
    assert booking.hold_expires_at.timestamp() <= expires_at
    assert asked + 30 * 60 < expires_at <= int(time.time()) + 31 * 60
    name = form.pop("line_items[0][price_data][product_data][name]")
    assert name.startswith("Begeleid uitje, ") and "10:00" in name
    ids = {"payment_id": str(payment.id), "booking_id": str(booking.id), "purpose": "extra_booking",
           "extra_id": str(extra.id), "provider_id": str(booking.provider_id), "client_id": str(world.own.id),
           "organisation_id": str(world.org.id)}
    assert form == {
        "mode": "payment",
        "payment_method_types[0]": "card",
        "payment_method_types[1]": "ideal",
        "line_items[0][quantity]": "1",
        "line_items[0][price_data][currency]": "eur",
        "line_items[0][price_data][unit_amount]": "4080",
        "success_url": f"http://localhost/billing/payments/{payment.id}",
        "cancel_url": f"http://localhost/billing/payments/{payment.id}",
        "client_reference_id": f"payment-{payment.id}",
        **{f"metadata[{key}]": value for key, value in ids.items()},
        **{f"payment_intent_data[metadata][{key}]": value for key, value in ids.items()},
        "customer_email": world.users["family"].email,
    }
    assert request.headers["Idempotency-Key"] == f"checkout-payment-{payment.id}"
    assert request.headers["Authorization"] == f"Bearer {SECRET_KEY}"
    assert db.session.get(Booking, booking.id).status == BookingStatus.PENDING_PAYMENT.value  # not by the browser

    intent = "pi_3QzBooking0001"
    completed = event_payload("checkout.session.completed", {
        "id": "cs_test_bookingA1", "object": "checkout.session", "amount_total": 4080, "currency": "eur",
        "payment_intent": intent, "payment_status": "paid", "metadata": ids})
    assert deliver(client, completed).status_code == 200
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).status == BookingStatus.CONFIRMED.value

    httpserver.expect_oneshot_request("/v1/refunds", method="POST").respond_with_json(
        refund_object("re_3QzBooking0001", amount=4080, payment_intent=intent,
                      reference=f"payment-{payment.id}-refund-0-4080"))
    with stripe_app.test_request_context():
        result = bookings.cancel(world.users["family"], booking.id, now=booking.starts_at - timedelta(hours=25))
    assert (result.refund_cents, result.refund_id) == (4080, "re_3QzBooking0001")
    (request, _) = httpserver.log[-1]
    assert sent_form(request) == {"payment_intent": intent, "amount": "4080",
                                  "metadata[reference]": f"payment-{payment.id}-refund-0-4080"}
    assert request.headers["Idempotency-Key"] == f"refund-payment-{payment.id}-refund-0-4080"
    # Nothing is booked back until Stripe's event says the refund was made.
    db.session.expire_all()
    assert balance_of(world.org.id, account_key(AccountKind.TEAM_BUDGET, world.team.id)) == 3672
    refunded = event_payload("refund.created", {"id": "re_3QzBooking0001", "object": "refund", "amount": 4080,
                                                "currency": "eur", "payment_intent": intent, "status": "succeeded"})
    assert deliver(client, refunded).status_code == 200
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).status == BookingStatus.REFUNDED.value
    assert balance_of(world.org.id, account_key(AccountKind.TEAM_BUDGET, world.team.id)) == 0
    assert balance_of(world.org.id, account_key(AccountKind.FEES)) == 0
    assert verify() == []
