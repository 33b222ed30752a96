"""Destination charges (issue 13, item 3) through the real stripe-python client against a local
server speaking Stripe's wire format: the Checkout Session of a freelancer's extra carries the
transfer to the connected account and our application fee; its refund reverses the transfer
and gives the fee back."""
from __future__ import annotations

from billing.gateway import StripeGateway
from tests.integration.test_stripe_gateway import (checkout_request, checkout_session_object, ctx,  # noqa: F401
                                                   gateway_app, refund_object, sent_form, stripe_client)

ACCOUNT = "acct_1QzZorgmarktZzp1"


def test_a_freelancers_checkout_is_a_destination_charge_with_the_fee_and_the_home_teams_share(httpserver, ctx):
    metadata = {"payment_id": "31", "booking_id": "9", "purpose": "extra_booking", "client_id": "3",
                "organisation_id": "1"}
    httpserver.expect_oneshot_request("/v1/checkout/sessions", method="POST").respond_with_json(
        checkout_session_object(amount=4080, reference="payment-31", metadata=metadata))

    StripeGateway(stripe_client(httpserver)).create_checkout(checkout_request(
        reference="payment-31", amount_cents=4080, description="Begeleid uitje, 7 dec 2026 10:00",
        metadata=metadata, expires_at=1_795_001_860, destination=ACCOUNT, application_fee_cents=204 + 612))

    (request, _), = httpserver.log
    form = sent_form(request)
    assert form["payment_intent_data[transfer_data][destination]"] == ACCOUNT
    assert form["payment_intent_data[application_fee_amount]"] == "816"
    assert form["line_items[0][price_data][unit_amount]"] == "4080"
    assert form["expires_at"] == "1795001860"
    assert form["payment_intent_data[metadata][booking_id]"] == "9"
    assert form["metadata[purpose]"] == "extra_booking"
    assert "on_behalf_of" not in form and "payment_intent_data[on_behalf_of]" not in form
    assert request.headers["Idempotency-Key"] == "checkout-payment-31"


def test_a_team_checkout_has_no_transfer_and_no_fee(httpserver, ctx):
    httpserver.expect_oneshot_request("/v1/checkout/sessions", method="POST").respond_with_json(
        checkout_session_object())

    StripeGateway(stripe_client(httpserver)).create_checkout(checkout_request())

    (request, _), = httpserver.log
    assert not [key for key in sent_form(request) if "transfer_data" in key or "application_fee" in key]


def test_a_refund_of_a_destination_charge_reverses_the_transfer_and_refunds_the_fee(httpserver, ctx):
    httpserver.expect_oneshot_request("/v1/refunds", method="POST").respond_with_json(
        refund_object(amount=1000, reference="payment-31-refund-0-1000"))

    StripeGateway(stripe_client(httpserver)).refund("pi_3QzZorgmarkt0001", 1000, "payment-31-refund-0-1000",
                                                    connect=True)

    (request, _), = httpserver.log
    assert sent_form(request) == {"payment_intent": "pi_3QzZorgmarkt0001", "amount": "1000",
                                  "metadata[reference]": "payment-31-refund-0-1000",
                                  "reverse_transfer": "true", "refund_application_fee": "true"}
    assert request.headers["Idempotency-Key"] == "refund-payment-31-refund-0-1000"
