"""StripeGateway against a local HTTP server that speaks Stripe's wire format.

The real stripe-python client (``stripe.StripeClient``) talks HTTP to pytest-httpserver; the
tests assert on the exact form parameters and headers Stripe would receive, and answer with
bodies shaped like the objects and errors in Stripe's API reference. Nothing is mocked inside
our code or inside stripe-python.
"""
from __future__ import annotations

import json
import socket
from urllib.parse import parse_qsl

import pytest
import stripe
from flask_babel import force_locale
from sqlalchemy import func, select
from werkzeug import Response

from billing import invoices
from billing.gateway import CheckoutRequest, CheckoutSession, DemoGateway, GatewayError, StripeGateway, gateway
from billing.models import CopayInvoice, Payment
from marketplace import create_app

SECRET_KEY = "sk_test_51ZorgmarktLocalServerOnly"
NOW = 1_795_000_000


def api_base(httpserver) -> str:
    return httpserver.url_for("/").rstrip("/")


def stripe_client(httpserver, **options) -> stripe.StripeClient:
    # No retries unless a test asks for them: stripe-python retries 409, 429 and 5xx by itself.
    options.setdefault("max_network_retries", 0)
    return stripe.StripeClient(SECRET_KEY, base_addresses={"api": api_base(httpserver)}, **options)


@pytest.fixture(scope="module")
def gateway_app():
    """An app for translations and url building only; these tests never touch its database."""
    return create_app({"ZORGMARKT_MODE": "test", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                       "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
                       "STRIPE_SECRET_KEY": "", "STRIPE_API_BASE": ""})


@pytest.fixture
def ctx(gateway_app):
    with gateway_app.app_context():
        yield gateway_app


def checkout_request(**overrides) -> CheckoutRequest:
    values = dict(
        reference="payment-12", amount_cents=1790, description="Eigen bijdrage 11-2026, Eigen Bewoner",
        success_url="https://zorgmarkt.example/billing/payments/12",
        cancel_url="https://zorgmarkt.example/billing/payments/12?cancelled=1",
        metadata={"payment_id": "12", "invoice_id": "7", "client_id": "3", "organisation_id": "1"},
        customer_email="dochter@example.nl",
    )
    values.update(overrides)
    return CheckoutRequest(**values)


def checkout_session_object(session_id: str = "cs_test_a1B2c3D4e5F6g7H8", *, amount: int = 1790,
                            reference: str = "payment-12", metadata: dict | None = None,
                            email: str | None = "dochter@example.nl") -> dict:
    """A Checkout Session as Stripe's API reference shows it, just after creation."""
    metadata = metadata if metadata is not None else {"payment_id": "12", "invoice_id": "7", "client_id": "3",
                                                      "organisation_id": "1"}
    return {
        "id": session_id, "object": "checkout.session", "adaptive_pricing": {"enabled": False},
        "after_expiration": None, "allow_promotion_codes": None, "amount_subtotal": amount, "amount_total": amount,
        "automatic_tax": {"enabled": False, "liability": None, "status": None}, "billing_address_collection": None,
        "cancel_url": "https://zorgmarkt.example/billing/payments/12?cancelled=1",
        "client_reference_id": reference, "client_secret": None, "consent": None, "consent_collection": None,
        "created": NOW, "currency": "eur", "currency_conversion": None, "custom_fields": [],
        "custom_text": {"after_submit": None, "shipping_address": None, "submit": None,
                        "terms_of_service_acceptance": None},
        "customer": None, "customer_creation": "if_required", "customer_details": None,
        "customer_email": email, "expires_at": NOW + 86400, "invoice": None, "invoice_creation": None,
        "livemode": False, "locale": None, "metadata": metadata, "mode": "payment", "payment_intent": None,
        "payment_link": None, "payment_method_collection": "if_required",
        "payment_method_options": {}, "payment_method_types": ["card", "ideal"], "payment_status": "unpaid",
        "phone_number_collection": {"enabled": False}, "recovered_from": None, "saved_payment_method_options": None,
        "setup_intent": None, "shipping_address_collection": None, "shipping_cost": None, "shipping_details": None,
        "shipping_options": [], "status": "open", "submit_type": None, "subscription": None,
        "success_url": "https://zorgmarkt.example/billing/payments/12",
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0}, "ui_mode": "hosted",
        "url": f"https://checkout.stripe.com/c/pay/{session_id}#fidkdWxOYHwnPyd1blpxYHZxWjA0",
    }


def refund_object(refund_id: str = "re_3QzZorgmarkt0001", *, amount: int = 500,
                  payment_intent: str = "pi_3QzZorgmarkt0001", reference: str = "payment-12-refund-0-500") -> dict:
    """A Refund as Stripe's API reference shows it."""
    return {
        "id": refund_id, "object": "refund", "amount": amount, "balance_transaction": "txn_3QzZorgmarkt0001",
        "charge": "ch_3QzZorgmarkt0001", "created": NOW, "currency": "eur", "destination_details": None,
        "metadata": {"reference": reference}, "payment_intent": payment_intent, "reason": None,
        "receipt_number": None, "source_transfer_reversal": None, "status": "succeeded", "transfer_reversal": None,
    }


def stripe_error(status: int, error: dict, request_id: str = "req_Zm8xLocal") -> Response:
    """An error response as Stripe sends it: ``{"error": {...}}`` with a Request-Id header."""
    return Response(json.dumps({"error": error}), status=status, content_type="application/json",
                    headers={"Request-Id": request_id})


def sent_form(request) -> dict[str, str]:
    pairs = parse_qsl(request.get_data(as_text=True), keep_blank_values=True, strict_parsing=True)
    form = dict(pairs)
    assert len(form) == len(pairs), f"a parameter was sent twice: {pairs}"
    return form


# -- creating a checkout -------------------------------------------------------------------

def test_create_checkout_sends_exactly_stripes_form_parameters(httpserver, ctx):
    httpserver.expect_oneshot_request("/v1/checkout/sessions", method="POST").respond_with_json(
        checkout_session_object())

    session = StripeGateway(stripe_client(httpserver)).create_checkout(checkout_request())

    assert session == CheckoutSession("cs_test_a1B2c3D4e5F6g7H8",
                                      "https://checkout.stripe.com/c/pay/cs_test_a1B2c3D4e5F6g7H8"
                                      "#fidkdWxOYHwnPyd1blpxYHZxWjA0")
    httpserver.check_assertions()
    (request, _response), = httpserver.log
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert sent_form(request) == {
        "mode": "payment",
        "payment_method_types[0]": "card",
        "payment_method_types[1]": "ideal",
        "line_items[0][quantity]": "1",
        "line_items[0][price_data][currency]": "eur",
        "line_items[0][price_data][unit_amount]": "1790",
        "line_items[0][price_data][product_data][name]": "Eigen bijdrage 11-2026, Eigen Bewoner",
        "success_url": "https://zorgmarkt.example/billing/payments/12",
        "cancel_url": "https://zorgmarkt.example/billing/payments/12?cancelled=1",
        "client_reference_id": "payment-12",
        "metadata[payment_id]": "12",
        "metadata[invoice_id]": "7",
        "metadata[client_id]": "3",
        "metadata[organisation_id]": "1",
        "payment_intent_data[metadata][payment_id]": "12",
        "payment_intent_data[metadata][invoice_id]": "7",
        "payment_intent_data[metadata][client_id]": "3",
        "payment_intent_data[metadata][organisation_id]": "1",
        "customer_email": "dochter@example.nl",
    }


def test_create_checkout_authenticates_and_carries_an_idempotency_key_from_our_reference(httpserver, ctx):
    httpserver.expect_request("/v1/checkout/sessions", method="POST").respond_with_json(
        checkout_session_object())
    gw = StripeGateway(stripe_client(httpserver))

    gw.create_checkout(checkout_request(reference="payment-12"))
    gw.create_checkout(checkout_request(reference="payment-12"))  # a retry of ours: the same key
    gw.create_checkout(checkout_request(reference="payment-13"))

    headers = [request.headers for request, _ in httpserver.log]
    assert [h["Authorization"] for h in headers] == [f"Bearer {SECRET_KEY}"] * 3
    assert [h["Idempotency-Key"] for h in headers] == [
        "checkout-payment-12", "checkout-payment-12", "checkout-payment-13"]
    assert all(h.get("Stripe-Version") for h in headers)


def test_create_checkout_without_email_leaves_customer_email_out(httpserver, ctx):
    httpserver.expect_oneshot_request("/v1/checkout/sessions", method="POST").respond_with_json(
        checkout_session_object(email=None))

    StripeGateway(stripe_client(httpserver)).create_checkout(checkout_request(customer_email=None))

    (request, _), = httpserver.log
    assert "customer_email" not in sent_form(request)


def test_a_server_error_is_retried_with_the_same_idempotency_key(httpserver, ctx):
    """stripe-python retries a 500 by itself; the retry must be the same request to Stripe."""
    httpserver.expect_ordered_request("/v1/checkout/sessions", method="POST").respond_with_response(
        stripe_error(500, {"type": "api_error", "message": "An unknown error occurred"}))
    httpserver.expect_ordered_request("/v1/checkout/sessions", method="POST").respond_with_json(
        checkout_session_object())

    session = StripeGateway(stripe_client(httpserver, max_network_retries=1)).create_checkout(checkout_request())

    assert session.id == "cs_test_a1B2c3D4e5F6g7H8"
    httpserver.check_assertions()
    first, second = (request for request, _ in httpserver.log)
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"] == "checkout-payment-12"
    assert first.get_data() == second.get_data()


# -- Stripe's error responses ----------------------------------------------------------------

CARD_DECLINED = (402, {"type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds",
                       "message": "Your card has insufficient funds.", "param": "",
                       "doc_url": "https://stripe.com/docs/error-codes/card-declined"})
INVALID_REQUEST = (400, {"type": "invalid_request_error", "code": "parameter_invalid_integer",
                         "message": "Invalid integer: 17.9", "param": "line_items[0][price_data][unit_amount]",
                         "doc_url": "https://stripe.com/docs/error-codes/parameter-invalid-integer"})
RATE_LIMITED = (429, {"type": "invalid_request_error", "code": "rate_limit",
                      "message": "Too many requests hit the API too quickly. We recommend an exponential backoff "
                                 "of your requests."})
API_ERROR = (500, {"type": "api_error", "message": "Sorry, something went wrong on our end."})

# (status and error body, stripe-python's exception, our GatewayError.code, the English message)
ERRORS = {
    "card_error": (CARD_DECLINED, stripe.CardError, "card_declined",
                   "The payment was refused: Your card has insufficient funds."),
    "invalid_request_error": (INVALID_REQUEST, stripe.InvalidRequestError, "parameter_invalid_integer",
                              "The payment service did not accept the request: Invalid integer: 17.9"),
    "rate_limit": (RATE_LIMITED, stripe.RateLimitError, "gateway_error",
                   "The payment service cannot be reached right now. Please try again in a few minutes."),
    "api_error": (API_ERROR, stripe.APIError, "gateway_error",
                  "The payment service reported an error. Nothing was charged. Please try again later."),
}


def call(kind: str, client) -> None:
    gw = StripeGateway(client)
    if kind == "checkout":
        gw.create_checkout(checkout_request())
    else:
        gw.refund("pi_3QzZorgmarkt0001", 500, "payment-12-refund-0-500")


ENDPOINTS = {"checkout": "/v1/checkout/sessions", "refund": "/v1/refunds"}


@pytest.mark.parametrize("kind", ["checkout", "refund"])
@pytest.mark.parametrize("error", list(ERRORS))
def test_stripe_errors_become_a_gateway_error_with_a_message_for_people(httpserver, ctx, kind, error):
    (status, body), stripe_class, code, english = ERRORS[error]
    httpserver.expect_request(ENDPOINTS[kind], method="POST").respond_with_response(stripe_error(status, body))

    with force_locale("en"), pytest.raises(GatewayError) as caught:
        call(kind, stripe_client(httpserver))

    assert isinstance(caught.value.__cause__, stripe_class)
    assert caught.value.__cause__.http_status == status
    assert caught.value.code == code
    assert caught.value.message == english == str(caught.value)
    assert len(httpserver.log) == 1  # max_network_retries=0: one request, no retry


DUTCH = {
    "card_error": "De betaling is geweigerd: Your card has insufficient funds.",
    "invalid_request_error": "De betaaldienst heeft het verzoek niet geaccepteerd: Invalid integer: 17.9",
    "rate_limit": "De betaaldienst is nu niet bereikbaar. Probeer het over een paar minuten opnieuw.",
    "api_error": "De betaaldienst meldde een fout. Er is niets afgeschreven. Probeer het later opnieuw.",
}


@pytest.mark.parametrize("error", list(ERRORS))
def test_gateway_error_messages_are_dutch_by_default(httpserver, ctx, error):
    (status, body), _stripe_class, _code, _english = ERRORS[error]
    httpserver.expect_request("/v1/refunds", method="POST").respond_with_response(stripe_error(status, body))

    with pytest.raises(GatewayError) as caught:  # no locale forced: the app's default, nl
        call("refund", stripe_client(httpserver))

    assert caught.value.message == DUTCH[error]


def test_an_unreachable_stripe_is_a_gateway_error(ctx):
    with socket.socket() as probe:  # a port on which nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = stripe.StripeClient(SECRET_KEY, base_addresses={"api": f"http://127.0.0.1:{port}"},
                                 max_network_retries=0)

    with force_locale("en"), pytest.raises(GatewayError) as caught:
        StripeGateway(client).create_checkout(checkout_request())

    assert isinstance(caught.value.__cause__, stripe.APIConnectionError)
    assert caught.value.message == ("The payment service cannot be reached right now. "
                                    "Please try again in a few minutes.")


def test_a_wrong_secret_key_is_a_gateway_error_not_a_crash(httpserver, ctx):
    httpserver.expect_request("/v1/checkout/sessions", method="POST").respond_with_response(stripe_error(
        401, {"type": "invalid_request_error", "message": "Invalid API Key provided: sk_test_***********only"}))

    with force_locale("en"), pytest.raises(GatewayError) as caught:
        StripeGateway(stripe_client(httpserver)).create_checkout(checkout_request())

    assert isinstance(caught.value.__cause__, stripe.AuthenticationError)
    assert "sk_test" not in caught.value.message  # nothing of the key reaches the payer
    assert caught.value.message == ("The payment service reported an error. Nothing was charged. "
                                    "Please try again later.")


# -- refunds ---------------------------------------------------------------------------------

def test_refund_sends_payment_intent_amount_metadata_and_idempotency_key(httpserver, ctx):
    httpserver.expect_oneshot_request("/v1/refunds", method="POST").respond_with_json(refund_object())

    refund_id = StripeGateway(stripe_client(httpserver)).refund("pi_3QzZorgmarkt0001", 500,
                                                                "payment-12-refund-0-500")

    assert refund_id == "re_3QzZorgmarkt0001"
    httpserver.check_assertions()
    (request, _), = httpserver.log
    assert sent_form(request) == {"payment_intent": "pi_3QzZorgmarkt0001", "amount": "500",
                                  "metadata[reference]": "payment-12-refund-0-500"}
    assert request.headers["Authorization"] == f"Bearer {SECRET_KEY}"
    assert request.headers["Idempotency-Key"] == "refund-payment-12-refund-0-500"


def test_refund_already_refunded_charge_is_a_gateway_error(httpserver, ctx):
    httpserver.expect_request("/v1/refunds", method="POST").respond_with_response(stripe_error(400, {
        "type": "invalid_request_error", "code": "charge_already_refunded",
        "message": "Charge ch_3QzZorgmarkt0001 has already been refunded.",
        "doc_url": "https://stripe.com/docs/error-codes/charge-already-refunded"}))

    with force_locale("en"), pytest.raises(GatewayError) as caught:
        StripeGateway(stripe_client(httpserver)).refund("pi_3QzZorgmarkt0001", 500, "payment-12-refund-0-500")

    assert caught.value.code == "charge_already_refunded"
    assert "has already been refunded" in caught.value.message


# -- the factory's choice ----------------------------------------------------------------------

def make_app(**config):
    return create_app({"ZORGMARKT_MODE": "test", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                       "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789", **config})


def test_the_factory_chooses_stripe_with_a_secret_key_and_the_demo_without(monkeypatch):
    monkeypatch.delenv("STRIPE_SECRET_KEY", raising=False)
    monkeypatch.delenv("STRIPE_API_BASE", raising=False)

    stripe_app = make_app(STRIPE_SECRET_KEY=SECRET_KEY)
    demo_app = make_app()
    empty_key_app = make_app(STRIPE_SECRET_KEY="")

    assert isinstance(stripe_app.extensions["gateway"], StripeGateway)
    assert isinstance(stripe_app.extensions["gateway"].client, stripe.StripeClient)
    assert isinstance(demo_app.extensions["gateway"], DemoGateway)
    assert isinstance(empty_key_app.extensions["gateway"], DemoGateway)
    with stripe_app.app_context():
        assert gateway() is stripe_app.extensions["gateway"]


def test_the_factory_reads_the_key_from_the_environment(monkeypatch):
    monkeypatch.setenv("STRIPE_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", "whsec_from_environment")

    app = create_app({"ZORGMARKT_MODE": "test", "SQLALCHEMY_DATABASE_URI": "sqlite://"})

    assert isinstance(app.extensions["gateway"], StripeGateway)


def test_the_factorys_stripe_client_talks_to_the_configured_api_base(httpserver, monkeypatch):
    monkeypatch.delenv("STRIPE_SECRET_KEY", raising=False)
    httpserver.expect_oneshot_request("/v1/checkout/sessions", method="POST").respond_with_json(
        checkout_session_object())
    app = make_app(STRIPE_SECRET_KEY=SECRET_KEY, STRIPE_API_BASE=api_base(httpserver))

    with app.app_context():
        session = gateway().create_checkout(checkout_request())

    assert session.id == "cs_test_a1B2c3D4e5F6g7H8"
    httpserver.check_assertions()
    (request, _), = httpserver.log
    assert request.headers["Authorization"] == f"Bearer {SECRET_KEY}"
    assert request.headers["Idempotency-Key"] == "checkout-payment-12"


# -- start_payment through the real Stripe adapter ------------------------------------------------

@pytest.fixture
def stripe_gateway_in_app(app, httpserver):
    """The session app's gateway slot holds a StripeGateway pointed at the local server for one test."""
    before = app.extensions["gateway"]
    app.extensions["gateway"] = StripeGateway(stripe_client(httpserver))
    yield
    app.extensions["gateway"] = before


def open_invoice(world, amount_cents: int = 1790) -> CopayInvoice:
    from datetime import date

    from marketplace.core.extensions import db

    invoice = CopayInvoice(organisation_id=world.org.id, client_id=world.own.id, month=date(2026, 11, 1),
                           amount_cents=amount_cents)
    db.session.add(invoice)
    db.session.commit()
    return invoice


def test_start_payment_sends_our_ids_and_keeps_stripes_session(world, db, httpserver, stripe_gateway_in_app, app):
    invoice = open_invoice(world)

    def answer(request):
        form = sent_form(request)
        return Response(json.dumps(checkout_session_object(
            "cs_test_fromStripe01", reference=form["client_reference_id"],
            metadata={k[len("metadata["):-1]: v for k, v in form.items() if k.startswith("metadata[")})),
            content_type="application/json")

    httpserver.expect_oneshot_request("/v1/checkout/sessions", method="POST").respond_with_handler(answer)

    with app.test_request_context():
        payment = invoices.pay_invoice(world.users["family"], invoice)

    (request, _), = httpserver.log
    form = sent_form(request)
    assert request.headers["Idempotency-Key"] == f"checkout-payment-{payment.id}"
    assert form["client_reference_id"] == f"payment-{payment.id}"
    assert form["line_items[0][price_data][unit_amount]"] == "1790"
    assert form["customer_email"] == world.users["family"].email
    ids = {"payment_id": str(payment.id), "invoice_id": str(invoice.id), "client_id": str(world.own.id),
           "organisation_id": str(world.org.id)}
    assert {k: form[f"metadata[{k}]"] for k in ids} == ids
    assert {k: form[f"payment_intent_data[metadata][{k}]"] for k in ids} == ids
    db.session.expire_all()
    stored = db.session.get(Payment, payment.id)
    assert stored.provider_session_id == "cs_test_fromStripe01"
    assert stored.checkout_url.startswith("https://checkout.stripe.com/c/pay/cs_test_fromStripe01")
    assert stored.status == "pending" and stored.paid_at is None


def test_start_payment_keeps_nothing_when_stripe_refuses(world, db, httpserver, stripe_gateway_in_app, app):
    invoice = open_invoice(world)
    httpserver.expect_request("/v1/checkout/sessions", method="POST").respond_with_response(
        stripe_error(*INVALID_REQUEST))

    with app.test_request_context(), pytest.raises(GatewayError):
        invoices.pay_invoice(world.users["family"], invoice)

    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 0
    assert db.session.get(CopayInvoice, invoice.id).status == "open"
