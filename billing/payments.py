"""Co-payment invoices and online payments: start, confirm (from the webhook only), refund."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from care.models import Client
from marketplace import audit
from marketplace.audit import Action
from marketplace.db_types import utcnow
from marketplace.extensions import db
from marketplace.policy import Perm, authorize

from .domain import AccountKind, LineKind, Transfer, account_key, payment_transfers
from .gateway import CheckoutRequest, GatewayError, gateway
from .ledger import DuplicateEntry, book
from .models import CopayInvoice, InvoiceStatus, JournalEntry, LedgerLine, Payment, PaymentStatus


class InvoiceNotPayable(ValueError):
    """The invoice is paid already."""


class RefundTooLarge(ValueError):
    """More than what was paid and not yet refunded."""


class InvalidAmount(ValueError):
    """Zero, negative or not a whole number of cents."""


class InvalidMonth(ValueError):
    """Not a month like 2026-11 (years 2000 to 2100)."""


def parse_month(text: str) -> date:
    """``"2026-11"`` → 1 November 2026. :raises InvalidMonth:"""
    import re

    match = re.fullmatch(r"(\d{4})-(\d{2})", text or "")
    if not match or not 2000 <= int(match[1]) <= 2100 or not 1 <= int(match[2]) <= 12:
        raise InvalidMonth(text)
    return date(int(match[1]), int(match[2]), 1)


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


@dataclass(frozen=True)
class WeekCopay:
    week: str
    booked_on: date
    amount_cents: int


def copay_weeks(client_id: int, month: date) -> list[WeekCopay]:
    """The co-payment of each settled week whose Monday lies in ``month``."""
    return copay_weeks_by_month(client_id, [month])[month]


def copay_weeks_by_month(client_id: int, months: list[date]) -> dict[date, list[WeekCopay]]:
    """:func:`copay_weeks` for several months of one resident, in one query."""
    if not months:
        return {}
    rows = db.session.execute(
        select(JournalEntry.memo, JournalEntry.booked_on, func.sum(LedgerLine.amount_cents))
        .join(LedgerLine, LedgerLine.entry_id == JournalEntry.id)
        .where(JournalEntry.client_id == client_id, JournalEntry.kind == "settlement",
               LedgerLine.kind == LineKind.COPAY.value, JournalEntry.booked_on >= min(months),
               JournalEntry.booked_on < next_month(max(months)))
        .group_by(JournalEntry.memo, JournalEntry.booked_on).order_by(JournalEntry.booked_on)
    ).all()
    result: dict[date, list[WeekCopay]] = {month: [] for month in months}
    for memo, booked_on, total in rows:
        if month_start(booked_on) in result:
            result[month_start(booked_on)].append(WeekCopay(memo.removeprefix("week "), booked_on, int(total)))
    return result


def create_invoices(month: date, actor=None, organisation_id: int | None = None) -> list[CopayInvoice]:
    """One invoice per resident with co-payments in ``month`` that has none yet (idempotent)."""
    month = month_start(month)
    query = (select(JournalEntry.organisation_id, JournalEntry.client_id, func.sum(LedgerLine.amount_cents))
             .join(LedgerLine, LedgerLine.entry_id == JournalEntry.id)
             .where(JournalEntry.kind == "settlement", LedgerLine.kind == LineKind.COPAY.value,
                    JournalEntry.booked_on >= month, JournalEntry.booked_on < next_month(month))
             .group_by(JournalEntry.organisation_id, JournalEntry.client_id))
    if organisation_id is not None:
        query = query.where(JournalEntry.organisation_id == organisation_id)
    existing = set(db.session.scalars(select(CopayInvoice.client_id).where(CopayInvoice.month == month)))
    created = []
    for org_id, client_id, total in db.session.execute(query).all():
        if client_id in existing or not total:
            continue
        invoice = CopayInvoice(organisation_id=org_id, client_id=client_id, month=month, amount_cents=int(total),
                               created_at=utcnow())
        db.session.add(invoice)
        created.append(invoice)
    if actor is not None:
        audit.record(Action.CREATE, actor=actor, object_type="copay_invoices", object_id=month.isoformat(),
                     detail=f"{len(created)} invoices")
    db.session.commit()
    return created


def invoices_of(actor, client: Client) -> list[CopayInvoice]:
    authorize(actor, Perm.PAYMENT_VIEW, client)
    return list(db.session.scalars(select(CopayInvoice).where(CopayInvoice.client_id == client.id)
                                   .order_by(CopayInvoice.month.desc())))


def start_payment(actor, invoice: CopayInvoice) -> Payment:
    """Create the payment and its checkout at the gateway; the webhook confirms it later.

    :raises AccessDenied: the actor may not pay for this resident.
    :raises InvoiceNotPayable: already paid.
    :raises GatewayError: the provider refused; nothing is kept.
    """
    client = db.session.get(Client, invoice.client_id)
    authorize(actor, Perm.PAYMENT_MAKE, client)
    # Lock the invoice: two clicks at once must not open two checkouts.
    invoice = db.session.scalar(select(CopayInvoice).where(CopayInvoice.id == invoice.id)
                                .with_for_update().execution_options(populate_existing=True))
    if invoice.status != InvoiceStatus.OPEN.value or invoice.due_cents <= 0:
        raise InvoiceNotPayable()
    # A checkout already open for this amount is reused, so two tabs cannot pay twice.
    for earlier in invoice.payments:
        if earlier.status == PaymentStatus.PENDING.value and earlier.amount_cents == invoice.due_cents \
                and earlier.checkout_url:
            return earlier
    payment = Payment(organisation_id=invoice.organisation_id, client_id=invoice.client_id, invoice_id=invoice.id,
                      payer_id=actor.id, amount_cents=invoice.due_cents, currency="eur",
                      status=PaymentStatus.PENDING.value, created_at=utcnow())
    db.session.add(payment)
    db.session.flush()
    try:
        session = gateway().create_checkout(CheckoutRequest(
            reference=f"payment-{payment.id}", amount_cents=payment.amount_cents,
            description=_("Own contribution %(month)s, %(name)s", month=invoice.month.strftime("%m-%Y"),
                          name=client.name),
            success_url=url_for("billing.payment_return", payment_id=payment.id, _external=True),
            cancel_url=url_for("billing.payment_return", payment_id=payment.id, _external=True),
            metadata={"payment_id": str(payment.id), "invoice_id": str(invoice.id), "client_id": str(client.id),
                      "organisation_id": str(invoice.organisation_id)},
            customer_email=actor.email,
        ))
    except GatewayError:
        db.session.rollback()
        raise
    payment.provider_session_id, payment.checkout_url = session.id, session.url
    audit.record(Action.CREATE, actor=actor, client_id=client.id, obj=payment,
                 detail=f"checkout {session.id} for {payment.amount_cents} cents")
    db.session.commit()
    return payment


def payment_for_session(session_id: str) -> Payment | None:
    return db.session.scalar(select(Payment).where(Payment.provider_session_id == session_id))


# -- confirmation and refunds: called by the webhook handling only ----------------------------

class PaymentMismatch(ValueError):
    """The event's amount or currency does not match the payment."""


def confirm_payment(payment: Payment, payment_intent: str | None, amount_cents: int, currency: str) -> bool:
    """Book a paid payment once. :returns: False when it was booked before (a no-op)."""
    if currency != "eur" or amount_cents != payment.amount_cents:
        raise PaymentMismatch(f"payment {payment.id}: {amount_cents} {currency}")
    if payment.status != PaymentStatus.PENDING.value and payment.status != PaymentStatus.CANCELLED.value:
        return False
    try:
        book(payment.organisation_id, f"payment:{payment.id}", "payment",
             payment_transfers(payment.client_id, payment.amount_cents), memo=f"payment {payment.id}",
             client_id=payment.client_id)
    except DuplicateEntry:
        return False
    payment.status = PaymentStatus.PAID.value
    payment.provider_payment_id = payment_intent or payment.provider_payment_id
    payment.paid_at = utcnow()
    _update_invoice(payment)
    return True


def _update_invoice(payment: Payment) -> None:
    """Paid when what came in (less refunds) covers it; open again when a refund leaves some due."""
    invoice = payment.invoice
    if invoice is None:
        return
    if invoice.due_cents == 0:
        invoice.status, invoice.paid_at = InvoiceStatus.PAID.value, invoice.paid_at or payment.paid_at or utcnow()
    else:
        invoice.status, invoice.paid_at = InvoiceStatus.OPEN.value, None


def cancel_payment(payment: Payment) -> None:
    if payment.status == PaymentStatus.PENDING.value:
        payment.status = PaymentStatus.CANCELLED.value


def apply_refund(payment: Payment, refund_id: str, amount_cents: int) -> bool:
    """Book a refund as a reversing transfer, once. :raises RefundTooLarge: :returns: False if booked before."""
    if payment.status not in (PaymentStatus.PAID.value, PaymentStatus.PARTIALLY_REFUNDED.value):
        raise RefundTooLarge(f"payment {payment.id} is {payment.status}")
    if amount_cents <= 0 or amount_cents > payment.amount_cents - payment.refunded_cents:
        raise RefundTooLarge(f"{amount_cents} > {payment.amount_cents - payment.refunded_cents}")
    try:
        book(payment.organisation_id, f"refund:{refund_id}", "refund",
             [Transfer(account_key(AccountKind.COPAY_RECEIVABLE, payment.client_id),
                       account_key(AccountKind.PAYMENT_CLEARING), amount_cents, LineKind.REFUND)],
             memo=f"refund {refund_id} of payment {payment.id}", client_id=payment.client_id)
    except DuplicateEntry:
        return False
    payment.refunded_cents += amount_cents
    payment.status = (PaymentStatus.REFUNDED if payment.refunded_cents == payment.amount_cents
                      else PaymentStatus.PARTIALLY_REFUNDED).value
    _update_invoice(payment)
    return True


def request_refund(actor, payment: Payment, amount_cents: int) -> str:
    """Ask the gateway for a refund; it is booked when the provider's event arrives.

    :raises RefundTooLarge: more than paid and not yet refunded.
    :raises InvalidAmount: not a positive whole number of cents.
    :raises GatewayError: the provider refused.
    """
    authorize(actor, Perm.PAYMENT_REFUND, payment)
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or amount_cents <= 0:
        raise InvalidAmount()
    if payment.status not in (PaymentStatus.PAID.value, PaymentStatus.PARTIALLY_REFUNDED.value) \
            or amount_cents > payment.amount_cents - payment.refunded_cents:
        raise RefundTooLarge()
    refund_id = gateway().refund(payment.provider_payment_id, amount_cents,
                                 f"payment-{payment.id}-refund-{payment.refunded_cents}-{amount_cents}")
    audit.record(Action.UPDATE, actor=actor, client_id=payment.client_id, obj=payment,
                 detail=f"refund {refund_id} of {amount_cents} cents requested")
    db.session.commit()
    return refund_id


def recent_payments(actor, limit: int = 50) -> list[Payment]:
    authorize(actor, Perm.BILLING_ADMIN)
    return list(db.session.scalars(select(Payment).where(Payment.organisation_id == actor.organisation_id)
                                   .order_by(Payment.id.desc()).limit(limit)))
