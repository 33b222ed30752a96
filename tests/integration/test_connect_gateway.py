"""Stripe Connect in StripeGateway, against a local HTTP server that speaks Stripe's wire format:
the connected account, the onboarding link and the Express dashboard's login link (issue 13).

The real stripe-python client talks HTTP to pytest-httpserver; the tests assert on the exact
form parameters and headers Stripe would receive and answer with bodies shaped like the
objects and errors of Stripe's API reference.
"""
from __future__ import annotations

import pytest
import stripe
from flask_babel import force_locale

from billing.gateway import ConnectedAccountRequest, DemoGateway, GatewayError, StripeGateway, UnavailableGateway

from sqlalchemy import select

from marketplace import create_app
from marketplace.market import freelancers
from marketplace.market.models import Freelancer
from tests.factories import build_world

from .test_stripe_gateway import NOW, SECRET_KEY, sent_form, stripe_client, stripe_error

ACCOUNT_ID = "acct_1QzZorgmarktZZP1"


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


def account_object(account_id: str = ACCOUNT_ID) -> dict:
    """A freshly created connected account as Stripe's API reference shows it."""
    return {
        "id": account_id, "object": "account", "business_profile": {"mcc": None, "name": None, "url": None},
        "business_type": None, "capabilities": {"card_payments": "inactive", "transfers": "inactive"},
        "charges_enabled": False, "controller": {"fees": {"payer": "application"}, "is_controller": True,
                                                 "losses": {"payments": "application"},
                                                 "requirement_collection": "stripe",
                                                 "stripe_dashboard": {"type": "express"}, "type": "application"},
        "country": "NL", "created": NOW, "default_currency": "eur", "details_submitted": False,
        "email": "zzp1@example.nl", "external_accounts": {"object": "list", "data": [], "has_more": False,
                                                            "url": f"/v1/accounts/{account_id}/external_accounts"},
        "metadata": {"freelancer_id": "7", "organisation_id": "1"}, "payouts_enabled": False,
        "requirements": {"alternatives": [], "current_deadline": None,
                         "currently_due": ["business_type", "external_account", "tos_acceptance.date"],
                         "disabled_reason": "requirements.past_due", "errors": [], "eventually_due": [],
                         "past_due": ["external_account"], "pending_verification": []},
        "settings": {}, "tos_acceptance": {"date": None}, "type": "none",
    }


def request_(**overrides) -> ConnectedAccountRequest:
    values = dict(reference="freelancer-7", email="zzp1@example.nl",
                  metadata={"freelancer_id": "7", "organisation_id": "1"})
    values.update(overrides)
    return ConnectedAccountRequest(**values)


def test_create_connected_account_sends_the_controller_properties_of_a_platform_paid_express_account(
        httpserver, ctx):
    httpserver.expect_oneshot_request("/v1/accounts", method="POST").respond_with_json(account_object())

    account_id = StripeGateway(stripe_client(httpserver)).create_connected_account(request_())

    assert account_id == ACCOUNT_ID
    httpserver.check_assertions()
    (request, _response), = httpserver.log
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.headers["Authorization"] == f"Bearer {SECRET_KEY}"
    assert request.headers["Idempotency-Key"] == "account-freelancer-7"
    assert sent_form(request) == {
        "country": "NL",
        "email": "zzp1@example.nl",
        "controller[stripe_dashboard][type]": "express",
        "controller[fees][payer]": "application",
        "controller[losses][payments]": "application",
        "capabilities[card_payments][requested]": "true",
        "capabilities[transfers][requested]": "true",
        "metadata[freelancer_id]": "7",
        "metadata[organisation_id]": "1",
    }
    assert "type" not in sent_form(request)  # the legacy account types are not used


def test_a_retried_account_creation_carries_the_same_idempotency_key(httpserver, ctx):
    httpserver.expect_request("/v1/accounts", method="POST").respond_with_json(account_object())
    gw = StripeGateway(stripe_client(httpserver))

    gw.create_connected_account(request_())
    gw.create_connected_account(request_())
    gw.create_connected_account(request_(reference="freelancer-8"))

    assert [request.headers["Idempotency-Key"] for request, _ in httpserver.log] == [
        "account-freelancer-7", "account-freelancer-7", "account-freelancer-8"]


def test_account_link_is_an_onboarding_link_with_our_refresh_and_return_urls(httpserver, ctx):
    httpserver.expect_oneshot_request("/v1/account_links", method="POST").respond_with_json({
        "object": "account_link", "created": NOW, "expires_at": NOW + 300,
        "url": "https://connect.stripe.com/setup/e/acct_1QzZorgmarktZZP1/Xyz123"})

    url = StripeGateway(stripe_client(httpserver)).create_account_link(
        ACCOUNT_ID, refresh_url="https://zorgmarkt.example/freelancers/me/onboarding/refresh",
        return_url="https://zorgmarkt.example/freelancers/me")

    assert url == "https://connect.stripe.com/setup/e/acct_1QzZorgmarktZZP1/Xyz123"
    (request, _), = httpserver.log
    assert sent_form(request) == {
        "account": ACCOUNT_ID,
        "type": "account_onboarding",
        "refresh_url": "https://zorgmarkt.example/freelancers/me/onboarding/refresh",
        "return_url": "https://zorgmarkt.example/freelancers/me",
    }


def test_login_link_is_asked_for_the_connected_account(httpserver, ctx):
    httpserver.expect_oneshot_request(f"/v1/accounts/{ACCOUNT_ID}/login_links", method="POST").respond_with_json({
        "object": "login_link", "created": NOW, "url": "https://connect.stripe.com/express/Ln7Zorgmarkt"})

    url = StripeGateway(stripe_client(httpserver)).create_login_link(ACCOUNT_ID)

    assert url == "https://connect.stripe.com/express/Ln7Zorgmarkt"
    httpserver.check_assertions()
    (request, _), = httpserver.log
    assert sent_form(request) == {}


# -- Stripe's error responses --------------------------------------------------------------

NOT_PLATFORM = (400, {"type": "invalid_request_error", "code": "platform_account_required",
                      "message": "Only Stripe Connect platforms can work with other accounts.",
                      "doc_url": "https://stripe.com/docs/error-codes/platform-account-required"})
BAD_EMAIL = (400, {"type": "invalid_request_error", "code": "email_invalid", "param": "email",
                   "message": "Invalid email address: zzp1@", "doc_url": "https://stripe.com/docs/error-codes/email-invalid"})
NO_SUCH_ACCOUNT = (400, {"type": "invalid_request_error", "code": "account_invalid", "param": "account",
                         "message": "The provided key 'sk_test_***only' does not have access to account "
                                    "'acct_1QzZorgmarktZZP1' (or that account does not exist)."})
RATE_LIMITED = (429, {"type": "invalid_request_error", "code": "rate_limit",
                      "message": "Too many requests hit the API too quickly."})
API_ERROR = (500, {"type": "api_error", "message": "Sorry, something went wrong on our end."})


def _call(kind: str, gw: StripeGateway) -> str:
    if kind == "account":
        return gw.create_connected_account(request_())
    if kind == "link":
        return gw.create_account_link(ACCOUNT_ID, refresh_url="https://z.example/r", return_url="https://z.example/m")
    return gw.create_login_link(ACCOUNT_ID)


PATHS = {"account": "/v1/accounts", "link": "/v1/account_links", "login": f"/v1/accounts/{ACCOUNT_ID}/login_links"}


@pytest.mark.parametrize(("kind", "error", "code", "english"), [
    ("account", NOT_PLATFORM, "platform_account_required",
     "The payment service did not accept the account details: Only Stripe Connect platforms can work with "
     "other accounts."),
    ("account", BAD_EMAIL, "email_invalid",
     "The payment service did not accept the account details: Invalid email address: zzp1@"),
    ("link", NO_SUCH_ACCOUNT, "account_invalid",
     "The payment service did not accept the account details: The provided key 'sk_test_***only' does not have "
     "access to account 'acct_1QzZorgmarktZZP1' (or that account does not exist)."),
    ("login", RATE_LIMITED, "gateway_error",
     "The payment service cannot be reached right now. Please try again in a few minutes."),
    ("account", API_ERROR, "gateway_error", "The payment service reported an error. Please try again later."),
])
def test_stripe_errors_become_a_gateway_error_with_a_message_for_people(httpserver, ctx, kind, error, code,
                                                                        english):
    httpserver.expect_request(PATHS[kind], method="POST").respond_with_response(stripe_error(*error))

    with force_locale("en"), pytest.raises(GatewayError) as caught:
        _call(kind, StripeGateway(stripe_client(httpserver)))

    assert caught.value.code == code
    assert caught.value.message == english
    assert isinstance(caught.value.__cause__, stripe.StripeError)


def test_gateway_errors_are_dutch_by_default(httpserver, ctx):
    httpserver.expect_request("/v1/accounts", method="POST").respond_with_response(stripe_error(*API_ERROR))
    with pytest.raises(GatewayError) as caught:
        _call("account", StripeGateway(stripe_client(httpserver)))
    assert caught.value.message == "De betaaldienst meldde een fout. Probeer het later opnieuw."


def test_an_unreachable_stripe_is_a_gateway_error(ctx):
    client = stripe.StripeClient(SECRET_KEY, base_addresses={"api": "http://127.0.0.1:9"}, max_network_retries=0)
    with force_locale("en"), pytest.raises(GatewayError) as caught:
        StripeGateway(client).create_connected_account(request_())
    assert caught.value.message == "The payment service cannot be reached right now. Please try again in a few minutes."


def test_production_without_a_key_never_fakes_an_account(ctx):
    with pytest.raises(GatewayError) as caught:
        UnavailableGateway().create_connected_account(request_())
    assert caught.value.code == "payments_unavailable"


def test_the_demo_gateway_links_to_the_local_onboarding_page(gateway_app):
    with gateway_app.test_request_context():
        account = DemoGateway().create_connected_account(request_())
        link = DemoGateway().create_account_link(account, refresh_url="x", return_url="y")
    assert account.startswith("acct_demo_")
    assert link == "/freelancers/me/demo-onboarding"


# -- onboarding through the real Stripe adapter --------------------------------------------------

@pytest.fixture
def stripe_in_app(app, httpserver):
    before = app.extensions["gateway"]
    app.extensions["gateway"] = StripeGateway(stripe_client(httpserver))
    yield
    app.extensions["gateway"] = before


def test_onboarding_makes_the_account_from_our_ids_once_and_links_back_to_us(app, db, httpserver, stripe_in_app):
    world = build_world()
    user = world.users["freelancer"]
    freelancer = Freelancer(organisation_id=world.org.id, user_id=user.id, name="Fenna", kvk_number="12345678",
                            home_team_id=world.team.id, status="approved")
    db.session.add(freelancer)
    db.session.commit()
    httpserver.expect_request("/v1/accounts", method="POST").respond_with_json(account_object())
    httpserver.expect_request("/v1/account_links", method="POST").respond_with_json({
        "object": "account_link", "created": NOW, "expires_at": NOW + 300,
        "url": "https://connect.stripe.com/setup/e/acct_1QzZorgmarktZZP1/Xyz123"})

    with app.test_request_context(base_url="https://zorgmarkt.example"):
        first = freelancers.onboarding_link(user)
        second = freelancers.onboarding_link(user)  # a new link for the same account

    assert first == second == "https://connect.stripe.com/setup/e/acct_1QzZorgmarktZZP1/Xyz123"
    assert db.session.get(Freelancer, freelancer.id, populate_existing=True).stripe_account_id == ACCOUNT_ID
    paths = [request.path for request, _ in httpserver.log]
    assert paths == ["/v1/accounts", "/v1/account_links", "/v1/account_links"]  # the account once
    account_form = sent_form(httpserver.log[0][0])
    assert httpserver.log[0][0].headers["Idempotency-Key"] == f"account-freelancer-{freelancer.id}"
    assert (account_form["email"], account_form["metadata[freelancer_id]"],
            account_form["metadata[organisation_id]"]) == (user.email, str(freelancer.id), str(world.org.id))
    assert sent_form(httpserver.log[1][0]) == {
        "account": ACCOUNT_ID, "type": "account_onboarding",
        "refresh_url": "https://zorgmarkt.example/freelancers/me/onboarding/refresh",
        "return_url": "https://zorgmarkt.example/freelancers/me"}


def test_a_refused_account_keeps_nothing(app, db, httpserver, stripe_in_app):
    world = build_world()
    user = world.users["freelancer"]
    db.session.add(Freelancer(organisation_id=world.org.id, user_id=user.id, name="Fenna", kvk_number="12345678",
                              home_team_id=world.team.id, status="pending"))
    db.session.commit()
    httpserver.expect_request("/v1/accounts", method="POST").respond_with_response(stripe_error(*NOT_PLATFORM))
    with app.test_request_context(), pytest.raises(GatewayError):
        freelancers.onboarding_link(user)
    assert db.session.scalar(select(Freelancer.stripe_account_id)) is None
