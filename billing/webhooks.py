"""Stripe webhook handling: verify the signature on the raw body, store each event once,
dispatch by type to the payment services. Demo checkouts come through here as well."""
from __future__ import annotations

import json
from dataclasses import dataclass

import stripe
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from marketplace.db_types import utcnow
from marketplace.extensions import db

from . import payments
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


def _on_refund(obj: dict) -> bool:
    payment = db.session.scalar(select(Payment).where(Payment.provider_payment_id == obj.get("payment_intent")))
    if payment is None or payment.status not in ("paid", "partially_refunded"):
        return False  # the payment's completion has not arrived yet: keep it for later
    payments.apply_refund(payment, obj["id"], int(obj.get("amount") or 0))
    return True


HANDLERS = {
    "checkout.session.completed": _on_checkout_completed,
    "checkout.session.async_payment_succeeded": _on_checkout_completed,
    "checkout.session.expired": _on_checkout_expired,
    "refund.created": _on_refund,
}


def _apply_pending_refunds(payment: Payment) -> None:
    """Refund events that arrived before the payment's completion are applied now."""
    waiting = db.session.scalars(select(WebhookEvent).where(
        WebhookEvent.type == "refund.created", WebhookEvent.processed_at.is_(None)).order_by(WebhookEvent.id))
    for event in waiting:
        obj = json.loads(event.payload)["data"]["object"]
        if obj.get("payment_intent") == payment.provider_payment_id and _on_refund(obj):
            event.processed_at = utcnow()


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
    data = event.to_dict()
    event_type = data.get("type")
    obj = (data.get("data") or {}).get("object") or {}
    if event_type not in HANDLERS or not isinstance(obj, dict) or not obj.get("id"):
        raise UnknownEvent(str(event_type))
    row = WebhookEvent(event_id=data["id"], type=event_type, object_id=str(obj["id"]),
                       payload=payload.decode("utf-8"), received_at=utcnow())
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:
        # The same event, or another event for the same object and type: booked already.
        db.session.rollback()
        return Outcome("duplicate")
    try:
        done = HANDLERS[event_type](obj)
    except Exception:
        db.session.rollback()
        raise
    if done:
        row.processed_at = utcnow()
    db.session.commit()
    return Outcome("processed" if done else "pending")
