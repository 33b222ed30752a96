"""Stripe webhook handling: verify the signature on the raw body, store each event once,
dispatch by type to the payment services. Demo checkouts come through here as well."""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import stripe
from flask import Flask, current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from marketplace.core.db_types import utcnow
from marketplace.core.extensions import db

from . import payments
from .gateway import event_payload, is_demo, sign
from .models import Payment, WebhookEvent

TOLERANCE_SECONDS = 300


class BadSignature(Exception):
    """The signature is missing, forged or older than the tolerance."""


class UnknownEvent(Exception):
    """An event type we do not handle (or a malformed event)."""


@dataclass(frozen=True)
class Outcome:
    status: str  # "processed", "duplicate", "pending" (kept until what it refers to arrives)


def _on_checkout_completed(obj: dict) -> bool:
    payment = payments.payment_for_session(obj["id"])
    if payment is None:
        return False
    if obj.get("payment_status") != "paid":
        # A delayed method (e.g. a bank debit): the money is not there yet. Stripe sends
        # checkout.session.async_payment_succeeded when it is.
        return True
    payments.confirm_payment(payment, obj.get("payment_intent"), int(obj.get("amount_total") or 0),
                             str(obj.get("currency") or ""))
    db.session.flush()
    _apply_pending_refunds(payment)
    return True


def _on_checkout_expired(obj: dict) -> bool:
    payment = payments.payment_for_session(obj["id"])
    if payment is not None:
        payments.cancel_payment(payment)
    return True


def _payment_intent(obj: dict) -> str:
    """The provider's payment id an event names. :raises UnknownEvent: none, or not a text."""
    intent = obj.get("payment_intent")
    if not isinstance(intent, str) or not intent.strip():
        raise UnknownEvent("an event without a payment intent")
    return intent


def _on_refund(obj: dict) -> bool:
    # Matched by the provider's ids only: an event that names no payment is refused, never
    # kept to be applied to whichever payment comes next.
    payment = db.session.scalar(select(Payment).where(Payment.provider_payment_id == _payment_intent(obj)))
    if payment is None:
        return False  # the payment's completion has not arrived yet: kept, matched by its intent
    # Found by its intent, so confirmed before: a refund of a fully refunded payment is too large.
    payments.apply_refund(payment, obj["id"], int(obj.get("amount") or 0))
    return True


Handler = Callable[[dict], bool]


@dataclass(frozen=True)
class Subscription:
    handler: Handler  # the event's object -> True when handled, False to keep it pending
    # True where a second event of this type about the same object can only be a replay (a
    # payment completed twice): deduplicated by (type, object) as well as by event id. False
    # where such events legitimately repeat (Connect's account.updated arrives many times for
    # one account): deduplicated by event id only.
    replayed: bool


def subscribe(app: Flask, event_type: str, handler: Handler, *, replayed: bool) -> None:
    """Handle ``event_type`` with ``handler`` (at start-up; the market adds Connect's events here).

    :raises ValueError: the type has a handler already.
    """
    subscriptions = app.extensions.setdefault("webhook_subscriptions", {})
    if event_type in subscriptions:
        raise ValueError(f"webhook event {event_type!r} has a handler already")
    subscriptions[event_type] = Subscription(handler, replayed)


def init_app(app: Flask) -> None:
    """Billing's own events: checkouts and refunds, each a replay when it repeats."""
    for event_type, handler in (("checkout.session.completed", _on_checkout_completed),
                                ("checkout.session.async_payment_succeeded", _on_checkout_completed),
                                ("checkout.session.expired", _on_checkout_expired),
                                ("refund.created", _on_refund)):
        subscribe(app, event_type, handler, replayed=True)


def _subscriptions() -> dict[str, Subscription]:
    return current_app.extensions.get("webhook_subscriptions", {})


def replay_key(event_type: str, object_id: str) -> str | None:
    subscription = _subscriptions().get(event_type)
    return f"{event_type}:{object_id}" if subscription is not None and subscription.replayed else None


def _apply_pending_refunds(payment: Payment) -> None:
    """Refund events that arrived before the payment's completion are applied now: those that
    name this payment's intent, and no other."""
    if not payment.provider_payment_id:
        return
    waiting = db.session.scalars(select(WebhookEvent).where(
        WebhookEvent.type == "refund.created", WebhookEvent.processed_at.is_(None),
        WebhookEvent.related_id == payment.provider_payment_id).order_by(WebhookEvent.id))
    for event in waiting:
        if _on_refund(json.loads(event.payload)["data"]["object"]):
            event.processed_at = utcnow()


COMPLETIONS = frozenset({"checkout.session.completed", "checkout.session.async_payment_succeeded"})


def _give_back_overpayment(session_id: str) -> None:
    """After the commit: what a completed payment paid beyond what was due goes back through
    the provider. The offline demo provider's refund event comes through this same handling."""
    payment = payments.payment_for_session(session_id)
    if payment is None or payment.overpaid_cents <= payment.refund_requested_cents:
        return
    for payment_id, refund_id, amount in payments.overpayments_to_refund([payment.id]):
        if is_demo():
            intent = db.session.get(Payment, payment_id).provider_payment_id
            body = event_payload("refund.created", {"id": refund_id, "object": "refund", "amount": amount,
                                                    "currency": "eur", "payment_intent": intent,
                                                    "status": "succeeded"})
            handle(body.encode(), sign(body, current_app.config["STRIPE_WEBHOOK_SECRET"]))


def _one_at_a_time(key: str) -> None:
    """Events about one payment are handled one after the other, until the commit.

    Otherwise a refund racing its payment's completion finds no paid payment while the
    completion does not see the refund yet (kept pending for ever), and two refunds both read
    the same ``refunded_cents``. SQLite lets one writer in at a time anyway.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))


def handle(payload: bytes, signature: str | None) -> Outcome:
    """Verify, store once, dispatch and commit.

    :raises BadSignature: forged, stale (more than 5 minutes) or missing signature.
    :raises UnknownEvent: a type we do not handle, or a malformed event.
    :raises payments.RefundTooLarge, payments.PaymentMismatch: the event contradicts what we know.
    """
    secret = current_app.config["STRIPE_WEBHOOK_SECRET"]
    try:
        event = stripe.Webhook.construct_event(payload, signature or "", secret, tolerance=TOLERANCE_SECONDS)
    except (ValueError, stripe.SignatureVerificationError) as exc:
        raise BadSignature(str(exc)) from exc
    except (AttributeError, TypeError) as exc:  # signed, but the JSON is not an object
        raise UnknownEvent("malformed event") from exc
    data = event.to_dict()
    event_type = data.get("type")
    inner = data.get("data")
    obj = inner.get("object") if isinstance(inner, dict) else None
    subscription = _subscriptions().get(event_type)
    if subscription is None or not isinstance(obj, dict) or not obj.get("id") or not data.get("id"):
        raise UnknownEvent(str(event_type))
    _one_at_a_time(str(obj.get("payment_intent") or obj["id"]))
    row = WebhookEvent(event_id=data["id"], type=event_type, object_id=str(obj["id"]),
                       replay_key=replay_key(event_type, str(obj["id"])), payload=payload.decode("utf-8"),
                       related_id=obj["payment_intent"] if isinstance(obj.get("payment_intent"), str) else None,
                       received_at=utcnow())
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:
        # The same event, or a replay of one about the same object: booked already.
        db.session.rollback()
        return Outcome("duplicate")
    try:
        done = subscription.handler(obj)
    except Exception:
        db.session.rollback()
        raise
    if done:
        row.processed_at = utcnow()
    db.session.commit()
    if done and event_type in COMPLETIONS:
        _give_back_overpayment(str(obj["id"]))
    return Outcome("processed" if done else "pending")
