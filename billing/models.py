"""The ledger (accounts, append-only entries of balanced transfers), payments, webhook events,
co-payment invoices."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from marketplace.core.db_types import LOCAL_ZONE, UTCDateTime, sql_in, utcnow
from marketplace.core.extensions import db

from .domain import AccountKind, LineKind


class Account(db.Model):
    __tablename__ = "accounts"
    __table_args__ = (
        UniqueConstraint("organisation_id", "key"),
        CheckConstraint(f"kind IN ({sql_in(AccountKind)})", name="known_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    key: Mapped[str] = mapped_column(String(60))  # "<kind>:<owner id or empty>"
    kind: Mapped[str] = mapped_column(String(30))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)


class JournalEntry(db.Model):
    """Written once, never changed; a correction is a new entry that ``reverses`` this one."""

    __tablename__ = "journal_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    memo: Mapped[str] = mapped_column(String(300), default="")
    booked_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    # An entry is reversed at most once.
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"), unique=True)

    lines: Mapped[list[LedgerLine]] = relationship(back_populates="entry", lazy="selectin",
                                                   order_by="LedgerLine.id")


class LedgerLine(db.Model):
    """One transfer of a positive amount from a source account to another, target account."""

    __tablename__ = "ledger_lines"
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint("source_account_id <> target_account_id", name="two_accounts"),
        CheckConstraint(f"kind IN ({sql_in(LineKind)})", name="known_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"), index=True)
    source_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    target_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(20))

    entry: Mapped[JournalEntry] = relationship(back_populates="lines")
    source: Mapped[Account] = relationship(foreign_keys=[source_account_id], lazy="joined")
    target: Mapped[Account] = relationship(foreign_keys=[target_account_id], lazy="joined")


class LedgerIsAppendOnly(RuntimeError):
    """A journal entry or ledger line was changed or deleted."""


@event.listens_for(Session, "before_flush")
def _refuse_ledger_changes(session, flush_context, instances):
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, (JournalEntry, LedgerLine)) and (obj in session.deleted or session.is_modified(obj)):
            raise LedgerIsAppendOnly("journal entries are never changed or deleted; book a reversal")


class PaymentStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"


class Payment(db.Model):
    """One online payment through the gateway, for a ``purpose`` (billing.fulfilment) and the
    ``reference_id`` of what it pays; confirmed only by a verified webhook event."""

    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint("purpose <> ''", name="purpose_named"),
        # A co-payment names its invoice by foreign key; every payment names what it pays.
        CheckConstraint("purpose <> 'copay_invoice' OR invoice_id IS NOT NULL", name="copay_has_invoice"),
        CheckConstraint("reference_id IS NOT NULL OR invoice_id IS NOT NULL", name="has_reference"),
        CheckConstraint("refunded_cents >= 0 AND refunded_cents <= amount_cents", name="refund_within_amount"),
        CheckConstraint("refund_requested_cents >= 0 AND refund_requested_cents <= amount_cents",
                        name="refund_request_within_amount"),
        CheckConstraint("overpaid_cents >= 0 AND overpaid_cents <= amount_cents", name="overpaid_within_amount"),
        CheckConstraint("currency = 'eur'", name="euro_only"),
        CheckConstraint(f"status IN ({sql_in(PaymentStatus)})", name="known_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(30), default="copay_invoice", server_default="copay_invoice")
    reference_id: Mapped[int | None] = mapped_column(BigInteger)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("copay_invoices.id"), index=True)
    payer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="eur")
    status: Mapped[str] = mapped_column(String(20), default=PaymentStatus.PENDING.value)
    provider_session_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    provider_payment_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    checkout_url: Mapped[str | None] = mapped_column(String(1000))
    refunded_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    # Refunds asked of the provider (they are booked as refunded_cents when its event arrives);
    # never more than the payment, even when asked for at the same moment.
    refund_requested_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # What came in beyond what was due when the payment was confirmed: booked apart, refunded.
    overpaid_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A destination charge (Stripe Connect): the connected account that receives the payment
    # less our application fee; its refunds reverse the transfer and refund the fee.
    destination_account: Mapped[str | None] = mapped_column(String(255))
    application_fee_cents: Mapped[int | None] = mapped_column(BigInteger)

    invoice = relationship("CopayInvoice", back_populates="payments")
    client = relationship("Client")

    @property
    def kept_cents(self) -> int:
        """What this payment settles: refunds take the overpaid part first."""
        if self.status not in (PaymentStatus.PAID.value, PaymentStatus.PARTIALLY_REFUNDED.value,
                               PaymentStatus.REFUNDED.value):
            return 0
        return self.amount_cents - max(self.refunded_cents, self.overpaid_cents)

    def __init__(self, **fields):
        # A co-payment's reference is its invoice.
        if fields.get("reference_id") is None and fields.get("invoice_id") is not None:
            fields["reference_id"] = fields["invoice_id"]
        super().__init__(**fields)


# Days a family has to pay a co-payment invoice.
PAYMENT_TERM_DAYS = 14


class InvoiceStatus(StrEnum):
    OPEN = "open"
    PAID = "paid"


class CopayInvoice(db.Model):
    """A month's co-payments of one client: a fixed document. Its weeks (lines) are stored when
    it is made and never change; weeks settled later go on a supplementary invoice (``sequence``
    2, 3, ...) of the same month."""

    __tablename__ = "copay_invoices"
    __table_args__ = (
        UniqueConstraint("client_id", "month", "sequence"),
        CheckConstraint("sequence >= 1", name="sequence_positive"),
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint(f"status IN ({sql_in(InvoiceStatus)})", name="known_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    month: Mapped[date]  # the first day of the month
    sequence: Mapped[int] = mapped_column(default=1, server_default="1")
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(10), default=InvoiceStatus.OPEN.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    client = relationship("Client")
    payments: Mapped[list[Payment]] = relationship(back_populates="invoice", order_by="Payment.id")
    lines: Mapped[list[CopayInvoiceLine]] = relationship(back_populates="invoice", order_by="CopayInvoiceLine.booked_on",
                                                         lazy="selectin")

    @property
    def number(self) -> str:
        """The invoice number people quote: the month and the invoice's own id (``202611-000042``)."""
        return f"{self.month:%Y%m}-{self.id:06d}"

    @property
    def issued_on(self) -> date:
        return self.created_at.astimezone(LOCAL_ZONE).date()

    @property
    def due_on(self) -> date:
        return self.issued_on + timedelta(days=PAYMENT_TERM_DAYS)

    def overdue(self, today: date) -> bool:
        return self.status == InvoiceStatus.OPEN.value and today > self.due_on

    @property
    def paid_cents(self) -> int:
        """What has come in for this invoice and was not refunded (an overpayment does not count)."""
        return sum(p.kept_cents for p in self.payments)

    @property
    def due_cents(self) -> int:
        return max(self.amount_cents - self.paid_cents, 0)


class CopayInvoiceLine(db.Model):
    """One settled week's co-payment on an invoice. A settlement entry is on one invoice at most
    (the unique entry), so every co-paid week is invoiced exactly once."""

    __tablename__ = "copay_invoice_lines"
    __table_args__ = (CheckConstraint("amount_cents > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("copay_invoices.id"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"), unique=True)
    week: Mapped[str] = mapped_column(String(8))
    booked_on: Mapped[date]
    amount_cents: Mapped[int] = mapped_column(BigInteger)

    invoice: Mapped[CopayInvoice] = relationship(back_populates="lines")


class WebhookEvent(db.Model):
    """Each provider event once (by id), kept for replays. Where a second event of the same type
    about the same object can only be a replay (a payment completed twice), ``replay_key`` holds
    the pair under a unique constraint; events that legitimately repeat (an account updated many
    times) leave it empty."""

    __tablename__ = "webhook_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(100))
    object_id: Mapped[str] = mapped_column(String(255))
    replay_key: Mapped[str | None] = mapped_column(String(400), unique=True)
    # The provider's id of the payment an event is about (a refund's payment intent): events
    # that wait for their payment are matched by this id only.
    related_id: Mapped[str | None] = mapped_column(String(255), index=True)
    payload: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
