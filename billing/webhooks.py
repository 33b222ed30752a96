"""Stripe webhook handling: verify the signature on the raw body, store each event once,
dispatch by type to the payment services. Demo checkouts come through here as well."""
from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

import stripe
from flask import Flask, current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from marketplace.core.db_types import utcnow
from marketplace.core.errors import DomainError
from marketplace.core.extensions import db

from . import payments
from .gateway import event_payload, is_demo, sign
from .models import Payment, WebhookEvent

TOLERANCE_SECONDS = 300
MAX_ID_LENGTH = 255  # WebhookEvent.event_id and object_id


class BadSignature(Exception):
    """The signature is missing, forged or older than the tolerance."""


class MalformedEvent(Exception):
    """Signed, but not shaped like the event it claims to be (nothing of it is kept)."""


@dataclass(frozen=True)
class Outcome:
    # "processed", "duplicate", "pending" (kept until what it refers to arrives), or "ignored":
    # a type we do not handle, answered 200 so that Stripe does not send it again for days.
    status: str


# -- the shape of what a signed event may hold -------------------------------------------------

def _text(obj: dict, name: str, *, optional: bool = False) -> None:
    value = obj.get(name)
    if value is None and optional:
        return
    if not isinstance(value, str) or not 0 < len(value) <= MAX_ID_LENGTH:
        raise MalformedEvent(f"{name} is not a text")


def _cents(obj: dict, name: str, *, optional: bool = False) -> None:
    """Stripe's amounts are integers of cents: ``"abc"``, ``17.9`` (which int() would cut to 17)
    and ``true`` are not."""
    value = obj.get(name)
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 2**63 - 1:
        raise MalformedEvent(f"{name} is not an amount in cents")


def _check_session(obj: dict) -> None:
    _text(obj, "payment_status", optional=True)
    _text(obj, "payment_intent", optional=obj.get("payment_status") != "paid")
    _cents(obj, "amount_total", optional=obj.get("payment_status") != "paid")
    _text(obj, "currency", optional=obj.get("payment_status") != "paid")


# A refund is booked under "refund:<id>" (JournalEntry.idempotency_key holds 120 characters).
MAX_REFUND_ID_LENGTH = 100


def _check_refund(obj: dict) -> None:
    _text(obj, "payment_intent")
    _cents(obj, "amount")
    if obj["amount"] <= 0 or len(obj["id"]) > MAX_REFUND_ID_LENGTH:
        raise MalformedEvent("a refund of nothing, or an id too long")


def _on_checkout_completed(obj: dict) -> bool:
    _check_session(obj)
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


def _on_refund(obj: dict) -> bool:
    # Matched by the provider's ids only: an event that names no payment is refused (a 400),
    # never kept to be applied to whichever payment comes next.
    _check_refund(obj)
    payment = db.session.scalar(select(Payment).where(Payment.provider_payment_id == obj["payment_intent"]))
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
    # True: the handler gets the whole event (its ``created`` time, the connected ``account``
    # it is about), not only its object.
    whole_event: bool = False


# The two endpoints Stripe sends to, each with its own signing secret: the platform's own
# events (checkouts, refunds), and the events of connected accounts (account.updated, payouts).
PLATFORM, CONNECT = "platform", "connect"
SECRETS = {PLATFORM: "STRIPE_WEBHOOK_SECRET", CONNECT: "STRIPE_CONNECT_WEBHOOK_SECRET"}
_REGISTRY = {PLATFORM: "webhook_subscriptions", CONNECT: "connect_webhook_subscriptions"}


def subscribe(app: Flask, event_type: str, handler: Handler, *, replayed: bool, endpoint: str = PLATFORM,
              whole_event: bool = False) -> None:
    """Handle ``event_type`` arriving at ``endpoint`` with ``handler`` (at start-up; the market
    adds Connect's events here).

    :raises ValueError: the type has a handler at that endpoint already.
    """
    subscriptions = app.extensions.setdefault(_REGISTRY[endpoint], {})
    if event_type in subscriptions:
        raise ValueError(f"webhook event {event_type!r} has a handler already")
    subscriptions[event_type] = Subscription(handler, replayed, whole_event)


def init_app(app: Flask) -> None:
    """Billing's own events: checkouts and refunds, each a replay when it repeats."""
    for event_type, handler in (("checkout.session.completed", _on_checkout_completed),
                                ("checkout.session.async_payment_succeeded", _on_checkout_completed),
                                ("checkout.session.expired", _on_checkout_expired),
                                ("refund.created", _on_refund)):
        subscribe(app, event_type, handler, replayed=True)


def _subscriptions(endpoint: str = PLATFORM) -> dict[str, Subscription]:
    return current_app.extensions.get(_REGISTRY[endpoint], {})


def replay_key(event_type: str, object_id: str, endpoint: str = PLATFORM) -> str | None:
    subscription = _subscriptions(endpoint).get(event_type)
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
        try:
            # A savepoint: a parked refund that cannot be applied (more than was paid) is
            # refused on its own and never blocks the payment it waited for.
            with db.session.begin_nested():
                applied = _on_refund(json.loads(event.payload)["data"]["object"])
        except (DomainError, MalformedEvent) as exc:
            current_app.logger.warning("parked refund %s refused: %s", event.event_id, exc)
            event.processed_at = utcnow()
            continue
        if applied:
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
            deliver_demo_refund(refund_id, amount, db.session.get(Payment, payment_id).provider_payment_id)


def deliver_demo_refund(refund_id: str, amount_cents: int, payment_intent: str | None) -> None:
    """The offline demo provider's ``refund.created``, signed, through the same webhook handling
    (Stripe sends it by itself)."""
    body = event_payload("refund.created", {"id": refund_id, "object": "refund", "amount": amount_cents,
                                            "currency": "eur", "payment_intent": payment_intent,
                                            "status": "succeeded"})
    handle(body.encode(), sign(body, current_app.config["STRIPE_WEBHOOK_SECRET"]))


def refund_through_provider(payment_id: int, amount_cents: int) -> str | None:
    """Give back ``amount_cents`` of a payment for its purpose (see payments.refund_for_purpose);
    in the demo, the provider's event follows at once. Call it after committing.

    :raises GatewayError: the provider refused.
    """
    refund_id = payments.refund_for_purpose(payment_id, amount_cents)
    if refund_id is not None and is_demo():
        deliver_demo_refund(refund_id, amount_cents, db.session.get(Payment, payment_id).provider_payment_id)
    return refund_id


def _one_at_a_time(key: str) -> None:
    """Events about one payment are handled one after the other, until the commit.

    Otherwise a refund racing its payment's completion finds no paid payment while the
    completion does not see the refund yet (kept pending for ever), and two refunds both read
    the same ``refunded_cents``. SQLite lets one writer in at a time anyway.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))


_TIMESTAMP = re.compile(r"t=([0-9]{1,12})(?:,|$)", re.ASCII)


def _check_timestamp(signature: str | None) -> None:
    """stripe's check refuses a signature older than the tolerance, but not one from the future:
    a ``t=`` far ahead would stay "fresh" for ever. More than the tolerance ahead is refused too.

    :raises BadSignature:
    """
    times = [int(m[1]) for part in (signature or "").split(",") if (m := _TIMESTAMP.fullmatch(part.strip()))]
    if not times:
        raise BadSignature("no timestamp")
    if max(times) > time.time() + TOLERANCE_SECONDS:
        raise BadSignature("timestamp in the future")


def _event_of(payload: bytes, signature: str | None, endpoint: str = PLATFORM) -> dict:
    """The verified event as a dict. :raises BadSignature, MalformedEvent:"""
    secret = current_app.config[SECRETS[endpoint]]
    _check_timestamp(signature)
    try:
        event = stripe.Webhook.construct_event(payload, signature or "", secret, tolerance=TOLERANCE_SECONDS)
    except (ValueError, stripe.SignatureVerificationError) as exc:
        raise BadSignature(str(exc)) from exc
    except (AttributeError, TypeError, RecursionError) as exc:  # signed, but not a JSON object of ours
        raise MalformedEvent("malformed event") from exc
    try:
        data = event.to_dict()
        json.dumps(data, ensure_ascii=False).encode("utf-8")  # a lone surrogate cannot be stored
    except (RecursionError, UnicodeEncodeError, ValueError) as exc:
        raise MalformedEvent("malformed event") from exc
    return data


def handle(payload: bytes, signature: str | None, *, endpoint: str = PLATFORM) -> Outcome:
    """Verify (with the secret of ``endpoint``), store once, dispatch and commit.

    :raises BadSignature: forged, stale or from the future (more than 5 minutes), or missing.
    :raises MalformedEvent: signed, but an id, the object or an amount is not what Stripe sends.
    :raises payments.RefundTooLarge, payments.PaymentMismatch: the event contradicts what we know.
    :returns: ``Outcome("ignored")`` for a type we do not handle (nothing is stored).
    """
    data = _event_of(payload, signature, endpoint)
    event_type = data.get("type")
    if not isinstance(event_type, str):
        raise MalformedEvent("no type")
    _text(data, "id")
    subscription = _subscriptions(endpoint).get(event_type)
    if subscription is None:
        return Outcome("ignored")
    inner = data.get("data")
    obj = inner.get("object") if isinstance(inner, dict) else None
    if not isinstance(obj, dict):
        raise MalformedEvent(event_type)
    _text(obj, "id")
    # Events about one payment one after the other: a checkout's events by its session (an
    # expiry names no intent), and with its refunds by the payment intent.
    _one_at_a_time(obj["id"])
    if isinstance(obj.get("payment_intent"), str) and obj["payment_intent"] != obj["id"]:
        _one_at_a_time(obj["payment_intent"])
    row = WebhookEvent(event_id=data["id"], type=event_type, object_id=obj["id"],
                       replay_key=replay_key(event_type, obj["id"], endpoint), payload=payload.decode("utf-8"),
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
        done = subscription.handler(data if subscription.whole_event else obj)
    except Exception:
        db.session.rollback()
        raise
    if done:
        row.processed_at = utcnow()
    db.session.commit()
    if done and event_type in COMPLETIONS:
        _give_back_overpayment(str(obj["id"]))
    return Outcome("processed" if done else "pending")
