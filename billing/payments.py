"""Online payments for any purpose: start (reserve, then call the provider), confirm (from the
webhook only), cancel, refund.

Never is a row lock or an open transaction held across a call to the payment provider: the
payment is reserved and committed first, the provider is called with an idempotency key
derived from our own payment id, and its answer is recorded in a second, short transaction.
"""
from __future__ import annotations

from datetime import timedelta

from flask import url_for
from sqlalchemy import case, delete, select, update
from sqlalchemy.orm import selectinload

from marketplace.core import audit
from marketplace.core.audit import Action
from marketplace.core.db_types import utcnow
from marketplace.core.errors import Conflict
from marketplace.core.extensions import db
from marketplace.core.money import InvalidAmount
from marketplace.core.policy import Perm, authorize

from .domain import AccountKind, LineKind, Transfer, account_key
from .fulfilment import purpose_of
from .gateway import CheckoutRequest, GatewayError, gateway
from .ledger import book, entry_exists
from .models import Payment, PaymentStatus



class RefundTooLarge(Conflict):
    """More than what was paid and not yet refunded."""


class PaymentMismatch(Conflict):
    """The event's amount or currency does not match the payment."""


class PaymentInProgress(Conflict):
    """A checkout for the same thing is being opened at this moment; try again shortly."""

    code = "payment_in_progress"


# A reservation whose checkout was never recorded (the process stopped between the two
# transactions) is given up after this long.
RESERVATION_TIMEOUT = timedelta(minutes=2)


def start_payment(actor, purpose: str, reference_id: int) -> Payment:
    """Pay for ``reference_id`` of ``purpose`` (e.g. an invoice): a checkout at the gateway.

    Reserves the payment and commits, calls the provider outside any transaction, then records
    the checkout in a second transaction. The webhook confirms the payment later. A pending
    payment of the same order is reused, so two tabs or two clicks open one checkout.

    :raises UnknownPurpose: no such payment purpose is registered.
    :raises AccessDenied / NotInScope: the actor may not pay this.
    :raises the purpose's own errors: e.g. ``InvoiceNotPayable``.
    :raises PaymentInProgress: a checkout for the same thing is being opened right now.
    :raises GatewayError: the provider refused; nothing is kept.
    """
    order = purpose_of(purpose).order(actor, reference_id)  # locks what is paid for
    pending = list(db.session.scalars(select(Payment).where(
        Payment.purpose == purpose, Payment.reference_id == order.reference_id,
        Payment.status == PaymentStatus.PENDING.value).order_by(Payment.id)))
    for earlier in pending:
        if earlier.checkout_url and earlier.amount_cents == order.amount_cents:
            db.session.commit()
            return earlier  # two tabs or two clicks: one checkout
    now = utcnow()
    opening = [earlier for earlier in pending if not earlier.checkout_url]
    if any(now - earlier.created_at < RESERVATION_TIMEOUT for earlier in opening):
        db.session.rollback()
        raise PaymentInProgress()
    for abandoned in opening:
        abandoned.status = PaymentStatus.CANCELLED.value
    payment = Payment(organisation_id=order.organisation_id, client_id=order.client_id, purpose=purpose,
                      reference_id=order.reference_id, invoice_id=order.invoice_id, payer_id=actor.id,
                      amount_cents=order.amount_cents, currency="eur", status=PaymentStatus.PENDING.value,
                      created_at=now, destination_account=order.destination,
                      application_fee_cents=order.application_fee_cents if order.destination else None)
    db.session.add(payment)
    db.session.flush()
    request = CheckoutRequest(
        reference=f"payment-{payment.id}", amount_cents=payment.amount_cents, description=order.description,
        success_url=url_for("billing.payment_return", payment_id=payment.id, _external=True),
        cancel_url=url_for("billing.payment_return", payment_id=payment.id, _external=True),
        metadata={"payment_id": str(payment.id), **order.metadata, "client_id": str(order.client_id),
                  "organisation_id": str(order.organisation_id)},
        customer_email=actor.email,
        expires_at=order.expires_at,
        destination=order.destination,
        application_fee_cents=order.application_fee_cents,
    )
    payment_id = payment.id
    db.session.commit()  # the reservation; from here on no lock and no transaction is held
    try:
        session = gateway().create_checkout(request)
    except GatewayError:
        # The provider refused: nothing is kept of this attempt.
        db.session.execute(delete(Payment).where(
            Payment.id == payment_id, Payment.status == PaymentStatus.PENDING.value,
            Payment.provider_session_id.is_(None)))
        db.session.commit()
        raise
    db.session.execute(update(Payment).where(Payment.id == payment_id, Payment.provider_session_id.is_(None))
                       .values(provider_session_id=session.id, checkout_url=session.url))
    payment = db.session.get(Payment, payment_id, populate_existing=True)
    audit.record(Action.CREATE, actor=actor, client_id=payment.client_id, obj=payment,
                 detail=f"checkout {payment.provider_session_id} for {payment.amount_cents} cents ({purpose})")
    db.session.commit()
    return payment


def payment_for_session(session_id: str) -> Payment | None:
    return db.session.scalar(select(Payment).where(Payment.provider_session_id == session_id))


# -- confirmation and refunds: called by the webhook handling only ----------------------------

PAID_STATES = (PaymentStatus.PAID.value, PaymentStatus.PARTIALLY_REFUNDED.value)


def confirm_payment(payment: Payment, payment_intent: str | None, amount_cents: int, currency: str) -> bool:
    """Book a paid payment once. :returns: False when it was booked before (a no-op).

    What the payment pays beyond what is still due (a second checkout of one invoice paid after
    all, a cancelled checkout paid late) is booked as an overpayment, never a second time into
    the receivable; ``overpayments_to_refund`` then gives it back through the provider.

    :raises PaymentMismatch: another amount or currency than the payment's.
    :raises UnknownPurpose: the payment's purpose is not registered (nothing is booked).
    """
    if currency != "eur" or amount_cents != payment.amount_cents:
        raise PaymentMismatch(f"payment {payment.id}: {amount_cents} {currency}")
    handler = purpose_of(payment.purpose)
    # Claim the confirmation with a conditional update: of two deliveries at once, one books.
    claimed = db.session.execute(
        update(Payment).where(Payment.id == payment.id,
                              Payment.status.in_([PaymentStatus.PENDING.value, PaymentStatus.CANCELLED.value]))
        .values(status=PaymentStatus.PAID.value, paid_at=utcnow(),
                provider_payment_id=payment_intent or payment.provider_payment_id)).rowcount
    if claimed != 1:
        return False
    db.session.refresh(payment)
    due = handler.due_cents(payment)  # locks what is paid for; this payment not counted
    kept = min(payment.amount_cents, due)
    transfers = handler.paid_transfers(payment, kept) if kept else []
    if payment.amount_cents > kept:
        transfers.append(Transfer(account_key(AccountKind.PAYMENT_CLEARING),
                                  account_key(AccountKind.OVERPAYMENT, payment.client_id),
                                  payment.amount_cents - kept, LineKind.OVERPAYMENT))
    book(payment.organisation_id, f"payment:{payment.id}", "payment", transfers, memo=f"payment {payment.id}",
         client_id=payment.client_id)
    payment.overpaid_cents = payment.amount_cents - kept
    handler.changed(payment)
    return True


def cancel_payment(payment: Payment) -> None:
    """A checkout that expired: only a payment still pending is cancelled (a conditional update,
    so an expiry racing the completion never turns a booked payment into a cancelled one)."""
    cancelled = db.session.execute(
        update(Payment).where(Payment.id == payment.id, Payment.status == PaymentStatus.PENDING.value)
        .values(status=PaymentStatus.CANCELLED.value)).rowcount
    if cancelled == 1:
        db.session.refresh(payment)
        purpose_of(payment.purpose).changed(payment)


def apply_refund(payment: Payment, refund_id: str, amount_cents: int) -> bool:
    """Book a refund once, as transfers back: first from the overpaid part, then from what the
    payment settled. Refunds never exceed the payment, whatever arrives at the same moment.

    :raises RefundTooLarge: more than paid and not yet refunded. :returns: False if booked before.
    """
    if entry_exists(f"refund:{refund_id}"):
        return False
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or amount_cents <= 0:
        raise RefundTooLarge(f"refund of {amount_cents!r}")
    after = Payment.refunded_cents + amount_cents
    claimed = db.session.execute(
        update(Payment).where(Payment.id == payment.id, Payment.status.in_(PAID_STATES),
                              after <= Payment.amount_cents)
        .values(refunded_cents=after,
                refund_requested_cents=case((Payment.refund_requested_cents < after, after),
                                            else_=Payment.refund_requested_cents))).rowcount
    if claimed != 1:
        raise RefundTooLarge(f"refund of {amount_cents} for payment {payment.id}")
    db.session.refresh(payment)
    before = payment.refunded_cents - amount_cents
    from_overpaid = min(amount_cents, max(payment.overpaid_cents - before, 0))
    transfers = []
    if from_overpaid:
        transfers.append(Transfer(account_key(AccountKind.OVERPAYMENT, payment.client_id),
                                  account_key(AccountKind.PAYMENT_CLEARING), from_overpaid, LineKind.REFUND))
    if amount_cents > from_overpaid:
        transfers += purpose_of(payment.purpose).refund_transfers(payment, amount_cents - from_overpaid)
    book(payment.organisation_id, f"refund:{refund_id}", "refund", transfers,
         memo=f"refund {refund_id} of payment {payment.id}", client_id=payment.client_id)
    payment.status = (PaymentStatus.REFUNDED if payment.refunded_cents == payment.amount_cents
                      else PaymentStatus.PARTIALLY_REFUNDED).value
    purpose_of(payment.purpose).changed(payment)
    return True


def _reserve_refund(payment_id: int, amount_cents: int, *, overpaid_only: bool = False) -> int | None:
    """Reserve ``amount_cents`` of a payment for a refund request, or None when it would exceed
    the payment (or, for giving an overpayment back, the overpaid part).
    :returns: what was requested before (it names the request at the provider)."""
    cap = Payment.overpaid_cents if overpaid_only else Payment.amount_cents
    claimed = db.session.execute(
        update(Payment).where(Payment.id == payment_id, Payment.status.in_(PAID_STATES),
                              Payment.refund_requested_cents + amount_cents <= cap)
        .values(refund_requested_cents=Payment.refund_requested_cents + amount_cents)).rowcount
    if claimed != 1:
        return None
    return db.session.scalar(select(Payment.refund_requested_cents).where(Payment.id == payment_id)) - amount_cents


def _ask_provider_for_refund(payment_id: int, intent: str | None, amount_cents: int, requested_before: int) -> str:
    """Commit the reservation, then call the provider outside any transaction; give the
    reservation back when the provider refuses. :raises GatewayError:"""
    connect = db.session.scalar(select(Payment.destination_account).where(Payment.id == payment_id)) is not None
    db.session.commit()
    try:
        reference = f"payment-{payment_id}-refund-{requested_before}-{amount_cents}"
        if connect:
            return gateway().refund(intent, amount_cents, reference, connect=True)
        return gateway().refund(intent, amount_cents, reference)
    except GatewayError:
        db.session.execute(update(Payment).where(Payment.id == payment_id)
                           .values(refund_requested_cents=Payment.refund_requested_cents - amount_cents))
        db.session.commit()
        raise


def request_refund(actor, payment: Payment, amount_cents: int) -> str:
    """Ask the gateway for a refund; it is booked when the provider's event arrives.

    The amount is reserved first (never more than the payment, also when asked for at the
    same moment), then the provider is called outside any transaction.

    :raises RefundTooLarge: more than paid and not yet refunded or requested.
    :raises InvalidAmount: not a positive whole number of cents.
    :raises GatewayError: the provider refused (the reservation is given back).
    """
    authorize(actor, Perm.PAYMENT_REFUND, payment)
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or amount_cents <= 0:
        raise InvalidAmount(amount_cents)
    payment_id, intent, client_id = payment.id, payment.provider_payment_id, payment.client_id
    requested_before = _reserve_refund(payment_id, amount_cents)
    if requested_before is None:
        db.session.rollback()
        raise RefundTooLarge()
    refund_id = _ask_provider_for_refund(payment_id, intent, amount_cents, requested_before)
    audit.record(Action.UPDATE, actor=actor, client_id=client_id, object_type="payments", object_id=payment_id,
                 detail=f"refund {refund_id} of {amount_cents} cents requested")
    db.session.commit()
    return refund_id


def refund_for_purpose(payment_id: int, amount_cents: int) -> str | None:
    """Give back ``amount_cents`` of a payment because its purpose decided so (a cancelled
    booking), after the caller authorized it and committed its own change: reserve, then ask the
    provider outside any transaction. It is booked when the provider's event arrives.

    :returns: the provider's refund id, or None when nothing more can be refunded.
    :raises GatewayError: the provider refused (the reservation is given back).
    """
    payment = db.session.get(Payment, payment_id, populate_existing=True)
    if payment is None or amount_cents <= 0:
        return None
    intent = payment.provider_payment_id
    requested_before = _reserve_refund(payment_id, amount_cents)
    if requested_before is None:
        db.session.rollback()
        return None
    refund_id = _ask_provider_for_refund(payment_id, intent, amount_cents, requested_before)
    audit.record(Action.UPDATE, organisation_id=payment.organisation_id, client_id=payment.client_id,
                 object_type="payments", object_id=payment_id,
                 detail=f"refund {refund_id} of {amount_cents} cents requested ({payment.purpose})")
    db.session.commit()
    return refund_id


def overpayments_to_refund(payment_ids: list[int]) -> list[tuple[int, str, int]]:
    """Ask the provider to give back what these payments paid beyond what was due (after the
    commit that booked them). :returns: (payment id, refund id, amount) per refund asked.
    A provider that refuses leaves the overpayment flagged by ``ledger verify`` until refunded."""
    asked = []
    for payment_id in payment_ids:
        payment = db.session.get(Payment, payment_id, populate_existing=True)
        open_cents = payment.overpaid_cents - payment.refund_requested_cents if payment else 0
        if open_cents <= 0:
            continue
        intent = payment.provider_payment_id
        requested_before = _reserve_refund(payment_id, open_cents, overpaid_only=True)
        if requested_before is None:  # given back already, by a delivery at the same moment
            db.session.rollback()
            continue
        try:
            refund_id = _ask_provider_for_refund(payment_id, intent, open_cents, requested_before)
        except GatewayError:
            continue
        audit.record(Action.UPDATE, organisation_id=payment.organisation_id, client_id=payment.client_id,
                     object_type="payments", object_id=payment_id,
                     detail=f"overpayment refund {refund_id} of {open_cents} cents requested")
        db.session.commit()
        asked.append((payment_id, refund_id, open_cents))
    return asked


def recent_payments(actor, limit: int = 50) -> list[Payment]:
    """The latest payments with their resident and invoice, in three queries whatever the number."""
    authorize(actor, Perm.BILLING_ADMIN)
    return list(db.session.scalars(select(Payment).where(Payment.organisation_id == actor.organisation_id)
                                   .options(selectinload(Payment.client), selectinload(Payment.invoice))
                                   .order_by(Payment.id.desc()).limit(limit)))
