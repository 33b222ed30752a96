"""Co-payment invoices: a month's co-payments of one client, paid online through billing's payments.

The invoice is a payment purpose (``copay_invoice``) in the fulfilment registry: it says what
is due, locks the invoice while a payment is reserved, and follows its payments.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from care.models import Client
from marketplace.core import audit
from marketplace.core.audit import Action
from marketplace.core.calendar import Month, month_start, next_month

from marketplace.core.db_types import utcnow
from marketplace.core.errors import Conflict, NotInScope
from marketplace.core.extensions import db
from marketplace.core.policy import Perm, authorize, can, load

from . import payments
from .domain import AccountKind, LineKind, Transfer, account_key, payment_transfers
from .fulfilment import Order
from .models import CopayInvoice, CopayInvoiceLine, InvoiceStatus, JournalEntry, LedgerLine, Payment

COPAY_INVOICE = "copay_invoice"


class InvoiceNotPayable(Conflict):
    """The invoice is paid already."""

    code = "already_paid"


def parse_month(text: str) -> date:
    """``"2026-11"`` → 1 November 2026. :raises InvalidMonth:"""
    return Month.parse(text).first


@dataclass(frozen=True)
class WeekCopay:
    week: str
    booked_on: date
    amount_cents: int


def copay_weeks(client_id: int, month: date) -> list[WeekCopay]:
    """The co-payment of each settled week whose Monday lies in ``month`` (from the ledger)."""
    month = month_start(month)
    rows = db.session.execute(
        select(JournalEntry.memo, JournalEntry.booked_on, func.sum(LedgerLine.amount_cents))
        .join(LedgerLine, LedgerLine.entry_id == JournalEntry.id)
        .where(JournalEntry.client_id == client_id, JournalEntry.kind == "settlement",
               LedgerLine.kind == LineKind.COPAY.value, JournalEntry.booked_on >= month,
               JournalEntry.booked_on < next_month(month))
        .group_by(JournalEntry.memo, JournalEntry.booked_on).order_by(JournalEntry.booked_on)
    ).all()
    return [WeekCopay(memo.removeprefix("week "), booked_on, int(total)) for memo, booked_on, total in rows]


def create_invoices(month: date, actor=None, organisation_id: int | None = None,
                    _attempt: int = 1) -> list[CopayInvoice]:
    """Invoice every settled co-payment week up to the end of ``month`` that is on no invoice yet.

    An invoice is a fixed document: its weeks are stored as lines when it is made and never
    change. A week settled after its month was invoiced goes on a supplementary invoice of that
    month (the next ``sequence``), so every co-paid week is invoiced exactly once. Running it
    again makes nothing new (idempotent); two runs at once make each invoice once.
    """
    month = month_start(month)
    query = (select(JournalEntry.id, JournalEntry.organisation_id, JournalEntry.client_id, JournalEntry.memo,
                    JournalEntry.booked_on, func.sum(LedgerLine.amount_cents))
             .join(LedgerLine, LedgerLine.entry_id == JournalEntry.id)
             .where(JournalEntry.kind == "settlement", LedgerLine.kind == LineKind.COPAY.value,
                    JournalEntry.booked_on < next_month(month),
                    ~select(CopayInvoiceLine.id).where(CopayInvoiceLine.entry_id == JournalEntry.id).exists())
             .group_by(JournalEntry.id, JournalEntry.organisation_id, JournalEntry.client_id, JournalEntry.memo,
                       JournalEntry.booked_on)
             .order_by(JournalEntry.client_id, JournalEntry.booked_on))
    if organisation_id is not None:
        query = query.where(JournalEntry.organisation_id == organisation_id)
    weeks: dict[tuple[int, int, date], list[CopayInvoiceLine]] = {}
    for entry_id, org_id, client_id, memo, booked_on, total in db.session.execute(query).all():
        if total:
            weeks.setdefault((org_id, client_id, month_start(booked_on)), []).append(CopayInvoiceLine(
                entry_id=entry_id, week=memo.removeprefix("week ")[:8], booked_on=booked_on, amount_cents=int(total)))
    sequences: dict[tuple[int, date], int] = {}
    if weeks:
        sequences = {(client_id, first): sequence for client_id, first, sequence in db.session.execute(
            select(CopayInvoice.client_id, CopayInvoice.month, func.max(CopayInvoice.sequence))
            .where(CopayInvoice.client_id.in_({client_id for _, client_id, _ in weeks}))
            .group_by(CopayInvoice.client_id, CopayInvoice.month)).all()}
    created = []
    now = utcnow()
    for (org_id, client_id, first), lines in weeks.items():
        invoice = CopayInvoice(organisation_id=org_id, client_id=client_id, month=first,
                               sequence=sequences.get((client_id, first), 0) + 1,
                               amount_cents=sum(line.amount_cents for line in lines), created_at=now, lines=lines)
        db.session.add(invoice)
        created.append(invoice)
    if actor is not None:
        audit.record(Action.CREATE, actor=actor, object_type="copay_invoices", object_id=month.isoformat(),
                     detail=f"{len(created)} invoices")
    try:
        db.session.commit()
    except IntegrityError:
        # Another run invoiced the same weeks at the same moment: start again, it skips them.
        db.session.rollback()
        if _attempt >= 3:
            raise
        return create_invoices(month, actor, organisation_id, _attempt + 1)
    return created


def invoice_weeks(invoice: CopayInvoice) -> list[WeekCopay]:
    """The weeks on ``invoice``, as they were when it was made."""
    return [WeekCopay(line.week, line.booked_on, line.amount_cents) for line in invoice.lines]


def invoice_of(actor, client: Client, invoice_id: int) -> CopayInvoice:
    """One invoice of ``client``.

    :raises AccessDenied: the actor may not see the client's payments.
    :raises NotInScope: no such invoice of this client (another client's invoice is a 404 too).
    """
    authorize(actor, Perm.PAYMENT_VIEW, client)
    invoice = load(CopayInvoice, invoice_id)
    if invoice is None or invoice.client_id != client.id:
        raise NotInScope()
    return invoice


def invoices_of(actor, client: Client) -> list[CopayInvoice]:
    authorize(actor, Perm.PAYMENT_VIEW, client)
    return list(db.session.scalars(select(CopayInvoice).where(CopayInvoice.client_id == client.id)
                                   .options(selectinload(CopayInvoice.payments))
                                   .order_by(CopayInvoice.month.desc(), CopayInvoice.sequence.desc())))


def _lock(invoice_id: int) -> None:
    """Lock the invoice until the commit: a row lock on PostgreSQL, the write lock on SQLite
    (a conditional UPDATE works on both; ``FOR UPDATE`` is ignored by SQLite)."""
    db.session.execute(update(CopayInvoice).where(CopayInvoice.id == invoice_id).values(status=CopayInvoice.status))


class CopayInvoicePurpose:
    """Paying a co-payment invoice: what is still due, into the client's co-payment receivable."""

    name = COPAY_INVOICE

    def order(self, actor, reference_id: int) -> Order:
        """:raises NotInScope, AccessDenied, InvoiceNotPayable:"""
        invoice = load(CopayInvoice, reference_id)
        if invoice is None:
            raise NotInScope()
        client = db.session.get(Client, invoice.client_id)
        authorize(actor, Perm.PAYMENT_MAKE, client)
        _lock(invoice.id)  # two clicks at once wait for each other; the second finds the first
        invoice = db.session.get(CopayInvoice, invoice.id, populate_existing=True)
        db.session.expire(invoice, ["payments"])
        if invoice.status != InvoiceStatus.OPEN.value or invoice.due_cents <= 0:
            raise InvoiceNotPayable()
        return Order(organisation_id=invoice.organisation_id, client_id=invoice.client_id, reference_id=invoice.id,
                     invoice_id=invoice.id, amount_cents=invoice.due_cents,
                     description=_("Own contribution %(month)s, %(name)s", month=invoice.month.strftime("%m-%Y"),
                                   name=client.name),
                     metadata={"invoice_id": str(invoice.id)})

    def due_cents(self, payment: Payment) -> int:
        _lock(payment.invoice_id)
        invoice = db.session.get(CopayInvoice, payment.invoice_id, populate_existing=True)
        db.session.expire(invoice, ["payments"])
        return max(invoice.amount_cents - sum(p.kept_cents for p in invoice.payments if p.id != payment.id), 0)

    def paid_transfers(self, payment: Payment, amount_cents: int) -> list[Transfer]:
        return payment_transfers(payment.client_id, amount_cents)

    def refund_transfers(self, payment: Payment, amount_cents: int) -> list[Transfer]:
        return [Transfer(account_key(AccountKind.COPAY_RECEIVABLE, payment.client_id),
                         account_key(AccountKind.PAYMENT_CLEARING), amount_cents, LineKind.REFUND)]

    def changed(self, payment: Payment) -> None:
        """Paid when what came in (less refunds) covers it; open again when a refund leaves some due."""
        invoice = payment.invoice
        if invoice is None:
            return
        if invoice.due_cents == 0:
            invoice.status, invoice.paid_at = InvoiceStatus.PAID.value, invoice.paid_at or payment.paid_at or utcnow()
        else:
            invoice.status, invoice.paid_at = InvoiceStatus.OPEN.value, None


def pay_invoice(actor, invoice: CopayInvoice) -> Payment:
    """Start paying what is still due on ``invoice`` (see :func:`payments.start_payment`).

    :raises AccessDenied: the actor may not pay for this client.
    :raises InvoiceNotPayable: already paid.
    :raises GatewayError: the provider refused; nothing is kept.
    """
    return payments.start_payment(actor, COPAY_INVOICE, invoice.id)


@dataclass(frozen=True)
class Unpaid:
    count: int
    due_cents: int


def unpaid_of(actor, clients: list[Client]) -> dict[int, Unpaid]:
    """The open invoices of those ``clients`` whose payments the actor may see, in two queries."""
    ids = [c.id for c in clients if can(actor, Perm.PAYMENT_VIEW, c)]
    if not ids:
        return {}
    result: dict[int, Unpaid] = {}
    for invoice in db.session.scalars(select(CopayInvoice).where(
            CopayInvoice.client_id.in_(ids), CopayInvoice.status == InvoiceStatus.OPEN.value)
            .options(selectinload(CopayInvoice.payments))):
        before = result.get(invoice.client_id, Unpaid(0, 0))
        result[invoice.client_id] = Unpaid(before.count + 1, before.due_cents + invoice.due_cents)
    return result
