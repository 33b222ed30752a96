"""The payment gateway: Stripe Checkout, or the offline demo checkout, behind one interface.

Both confirm a payment only through a signed ``checkout.session.completed`` event that goes
through the same webhook handling (billing/webhooks.py).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Protocol

import stripe
from flask import Flask, current_app, url_for
from flask_babel import gettext as _


class GatewayError(Exception):
    """The payment provider refused or could not be reached; ``message`` is for people."""

    def __init__(self, message: str, code: str = "gateway_error"):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class CheckoutRequest:
    reference: str          # our own id, e.g. "payment:12": the idempotency key derives from it
    amount_cents: int
    description: str
    success_url: str
    cancel_url: str
    metadata: dict[str, str]
    customer_email: str | None = None
    # When the checkout lapses (Unix seconds; Stripe takes 30 minutes to 24 hours ahead): a
    # booking's checkout lapses with its hold. None: Stripe's default of 24 hours.
    expires_at: int | None = None
    # A destination charge (Stripe Connect): the connected account paid, less our application fee.
    destination: str | None = None
    application_fee_cents: int | None = None


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str


@dataclass(frozen=True)
class ConnectedAccountRequest:
    """A Stripe Connect account for a freelancer: Express dashboard, fees and losses on the platform."""
    reference: str          # our own id, e.g. "freelancer-7": the idempotency key derives from it
    email: str
    metadata: dict[str, str]


class Gateway(Protocol):
    def create_checkout(self, request: CheckoutRequest) -> CheckoutSession: ...

    def refund(self, payment_intent_id: str, amount_cents: int, reference: str, *,
               connect: bool = False) -> str: ...

    def create_connected_account(self, request: ConnectedAccountRequest) -> str: ...

    def create_account_link(self, account_id: str, *, refresh_url: str, return_url: str) -> str: ...

    def create_login_link(self, account_id: str) -> str: ...


class StripeGateway:
    """Stripe Checkout Sessions in payment mode, card and iDEAL, in euro."""

    def __init__(self, client):
        self.client = client  # a stripe.StripeClient, built once in the factory

    def create_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        params = {
            "mode": "payment",
            "payment_method_types": ["card", "ideal"],
            "line_items": [{
                "quantity": 1,
                "price_data": {"currency": "eur", "unit_amount": request.amount_cents,
                               "product_data": {"name": request.description}},
            }],
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "client_reference_id": request.reference,
            "metadata": request.metadata,
            "payment_intent_data": {"metadata": request.metadata},
        }
        if request.destination is not None:
            params["payment_intent_data"]["transfer_data"] = {"destination": request.destination}
            params["payment_intent_data"]["application_fee_amount"] = request.application_fee_cents or 0
        if request.customer_email:
            params["customer_email"] = request.customer_email
        if request.expires_at is not None:
            params["expires_at"] = request.expires_at
        try:
            session = self.client.v1.checkout.sessions.create(
                params, options={"idempotency_key": f"checkout-{request.reference}"})
        except stripe.StripeError as exc:
            raise GatewayError(_stripe_message(exc), getattr(exc, "code", None) or "gateway_error") from exc
        return CheckoutSession(session.id, session.url)

    def refund(self, payment_intent_id: str, amount_cents: int, reference: str, *, connect: bool = False) -> str:
        params = {"payment_intent": payment_intent_id, "amount": amount_cents, "metadata": {"reference": reference}}
        if connect:
            # A destination charge: take the refund back from the connected account and give back
            # our fee, both in proportion for a partial refund.
            params.update(reverse_transfer=True, refund_application_fee=True)
        try:
            refund = self.client.v1.refunds.create(params, options={"idempotency_key": f"refund-{reference}"})
        except stripe.StripeError as exc:
            raise GatewayError(_stripe_message(exc), getattr(exc, "code", None) or "gateway_error") from exc
        return refund.id

    def create_connected_account(self, request: ConnectedAccountRequest) -> str:
        """The v1 ``controller`` properties of a platform-paid Express account (the legacy account
        "types" are not used), in the Netherlands, asking for card payments and transfers."""
        params = {
            "country": "NL",
            "email": request.email,
            "controller": {"stripe_dashboard": {"type": "express"}, "fees": {"payer": "application"},
                           "losses": {"payments": "application"}},
            "capabilities": {"card_payments": {"requested": True}, "transfers": {"requested": True}},
            "metadata": request.metadata,
        }
        try:
            account = self.client.v1.accounts.create(
                params, options={"idempotency_key": f"account-{request.reference}"})
        except stripe.StripeError as exc:
            raise _connect_error(exc) from exc
        return account.id

    def create_account_link(self, account_id: str, *, refresh_url: str, return_url: str) -> str:
        """A single-use onboarding link; it expires, so ``refresh_url`` must make a new one."""
        params = {"account": account_id, "type": "account_onboarding", "refresh_url": refresh_url,
                  "return_url": return_url}
        try:
            link = self.client.v1.account_links.create(params)
        except stripe.StripeError as exc:
            raise _connect_error(exc) from exc
        return link.url

    def create_login_link(self, account_id: str) -> str:
        """A link into the freelancer's Stripe Express dashboard."""
        try:
            link = self.client.v1.accounts.login_links.create(account_id)
        except stripe.StripeError as exc:
            raise _connect_error(exc) from exc
        return link.url


def _connect_error(exc) -> GatewayError:
    if isinstance(exc, (stripe.APIConnectionError, stripe.RateLimitError)):
        message = _("The payment service cannot be reached right now. Please try again in a few minutes.")
    elif isinstance(exc, stripe.InvalidRequestError):
        message = _("The payment service did not accept the account details: %(reason)s",
                    reason=exc.user_message or "")
    else:
        message = _("The payment service reported an error. Please try again later.")
    return GatewayError(message, getattr(exc, "code", None) or "gateway_error")


def _stripe_message(exc) -> str:
    if isinstance(exc, stripe.CardError):
        return _("The payment was refused: %(reason)s", reason=exc.user_message or "")
    if isinstance(exc, (stripe.APIConnectionError, stripe.RateLimitError)):
        return _("The payment service cannot be reached right now. Please try again in a few minutes.")
    if isinstance(exc, stripe.InvalidRequestError):
        return _("The payment service did not accept the request: %(reason)s", reason=exc.user_message or "")
    return _("The payment service reported an error. Nothing was charged. Please try again later.")


# -- the offline demo ----------------------------------------------------------------------

def sign(payload: str, secret: str, timestamp: int | None = None) -> str:
    """A ``Stripe-Signature`` header exactly as Stripe makes it: t=..,v1=HMAC-SHA256(secret, "t.payload")."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def event_payload(event_type: str, obj: dict) -> str:
    return json.dumps({"id": f"evt_demo_{secrets.token_hex(12)}", "object": "event", "type": event_type,
                       "api_version": "2025-01-27", "created": int(time.time()), "livemode": False,
                       "data": {"object": obj}})


class DemoGateway:
    """A local checkout page; paying there produces a signed event for the real webhook code."""

    def create_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        session_id = f"cs_demo_{secrets.token_urlsafe(18)}"
        return CheckoutSession(session_id, url_for("billing.demo_checkout", session_id=session_id))

    def refund(self, payment_intent_id: str, amount_cents: int, reference: str, *, connect: bool = False) -> str:
        return f"re_demo_{secrets.token_hex(10)}"

    def create_connected_account(self, request: ConnectedAccountRequest) -> str:
        return f"acct_demo_{secrets.token_hex(8)}"

    def create_account_link(self, account_id: str, *, refresh_url: str, return_url: str) -> str:
        # The market's local onboarding page: completing it sends a signed account.updated
        # through the real Connect webhook handling.
        return url_for("freelancers.demo_onboarding")

    def create_login_link(self, account_id: str) -> str:
        return url_for("freelancers.me")  # no Express dashboard offline: the freelancer's own page


class UnavailableGateway:
    """Production without a Stripe key: online payment is switched off, never faked."""

    def create_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        raise self._unavailable()

    def refund(self, payment_intent_id: str, amount_cents: int, reference: str, *, connect: bool = False) -> str:
        raise self._unavailable()

    def create_connected_account(self, request: ConnectedAccountRequest) -> str:
        raise self._unavailable()

    def create_account_link(self, account_id: str, *, refresh_url: str, return_url: str) -> str:
        raise self._unavailable()

    def create_login_link(self, account_id: str) -> str:
        raise self._unavailable()

    @staticmethod
    def _unavailable() -> GatewayError:
        return GatewayError(_("Online payment is not available yet. Please contact the administration."),
                            "payments_unavailable")


def init_app(app: Flask) -> None:
    """Choose the gateway once: Stripe with a key; the offline demo only in demo and test mode."""
    key = app.config.get("STRIPE_SECRET_KEY")
    if not key and app.config["ZORGMARKT_MODE"] == "production":
        app.extensions["gateway"] = UnavailableGateway()
        return
    if key:
        options = {}
        if app.config.get("STRIPE_API_BASE"):
            options["base_addresses"] = {"api": app.config["STRIPE_API_BASE"]}
        app.extensions["gateway"] = StripeGateway(stripe.StripeClient(key, **options))
    else:
        app.extensions["gateway"] = DemoGateway()


def gateway() -> Gateway:
    return current_app.extensions["gateway"]


def is_demo() -> bool:
    return isinstance(gateway(), DemoGateway)
