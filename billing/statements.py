"""Statements from the ledger: a client's month, a team's period. Sums of transfers, one query each."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import func, select

from marketplace.core import audit
from marketplace.core.calendar import next_month
from marketplace.core.db_types import LOCAL_ZONE
from marketplace.core.extensions import db
from marketplace.core.policy import Perm, authorize

from .domain import AccountKind, LineKind, account_key
from .fulfilment import purpose_of
from .models import Account, JournalEntry, LedgerLine, Payment, PaymentStatus

COPAY = "copay_invoice"
PAID_STATES = (PaymentStatus.PAID.value, PaymentStatus.PARTIALLY_REFUNDED.value, PaymentStatus.REFUNDED.value)


def _by_kind(query) -> dict[str, int]:
    return {kind: int(total) for kind, total in db.session.execute(query).all()}


@dataclass(frozen=True)
class OtherPayment:
    """A payment for something beside the package (an extra), paid in the statement's month, with
    what of it was refunded so far."""

    payment_id: int
    purpose: str
    paid_at: datetime
    description: str
    paid_cents: int
    refunded_cents: int

    @property
    def net_cents(self) -> int:
        return self.paid_cents - self.refunded_cents


@dataclass(frozen=True)
class ClientStatement:
    client_id: int
    month: date
    budget: int
    health: int
    core: int
    reserve: int
    copay: int
    savings_in: int
    savings_out: int
    extras: int
    other_payments: tuple[OtherPayment, ...] = ()

    @property
    def package_cost(self) -> int:
        return self.health + self.reserve + self.core + self.savings_out + self.copay

    @property
    def extras_paid(self) -> int:
        return sum(p.paid_cents for p in self.other_payments)

    @property
    def extras_refunded(self) -> int:
        return sum(p.refunded_cents for p in self.other_payments)


def other_payments(client_id: int, month: date) -> tuple[OtherPayment, ...]:
    """The client's payments of the month for purposes other than co-payments (extras), each
    described by its purpose's optional ``describe(payments) -> {payment_id: text}`` hook, so
    billing never needs to know the market. One query, plus one per purpose that describes."""
    start = datetime.combine(month, time(0), tzinfo=LOCAL_ZONE)
    end = datetime.combine(next_month(month), time(0), tzinfo=LOCAL_ZONE)
    payments = list(db.session.scalars(select(Payment).where(
        Payment.client_id == client_id, Payment.purpose != COPAY, Payment.status.in_(PAID_STATES),
        Payment.paid_at >= start, Payment.paid_at < end).order_by(Payment.paid_at, Payment.id)))
    texts: dict[int, str] = {}
    for purpose in {p.purpose for p in payments}:
        describe = getattr(purpose_of(purpose), "describe", None)
        if describe is not None:
            texts.update(describe([p for p in payments if p.purpose == purpose]))
    return tuple(OtherPayment(p.id, p.purpose, p.paid_at, texts.get(p.id, p.purpose), p.amount_cents,
                              p.refunded_cents) for p in payments)


def client_month(actor, client, month: date) -> ClientStatement:
    """:raises AccessDenied: no relation to the client."""
    authorize(actor, Perm.STATEMENT_VIEW, client)
    totals = _by_kind(
        select(LedgerLine.kind, func.sum(LedgerLine.amount_cents))
        .join(JournalEntry, JournalEntry.id == LedgerLine.entry_id)
        .where(JournalEntry.client_id == client.id, JournalEntry.kind == "settlement",
               JournalEntry.booked_on >= month, JournalEntry.booked_on < next_month(month))
        .group_by(LedgerLine.kind))
    get = lambda kind: totals.get(kind.value, 0)  # noqa: E731
    return ClientStatement(client.id, month, get(LineKind.ALLOCATION), get(LineKind.HEALTH), get(LineKind.CORE),
                           get(LineKind.RESERVE), get(LineKind.COPAY), get(LineKind.TO_SAVINGS),
                           get(LineKind.SAVINGS_DRAW), get(LineKind.EXTRA), other_payments(client.id, month))


def statement_months(actor, client) -> list[date]:
    """The months with a settled week of ``client``, newest first (one query).

    :raises AccessDenied: no relation to the client.
    """
    authorize(actor, Perm.STATEMENT_VIEW, client)
    days = db.session.scalars(select(JournalEntry.booked_on).where(
        JournalEntry.client_id == client.id, JournalEntry.kind == "settlement").distinct())
    return sorted({day.replace(day=1) for day in days}, reverse=True)


def client_csv(s: ClientStatement) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["client_id", "month", "budget_cents", "package_cost_cents", "health_cents",
                     "paid_by_organisation_cents", "core_from_budget_cents", "copay_cents", "to_savings_cents",
                     "from_savings_cents", "extras_cents", "extras_paid_cents", "extras_refunded_cents"])
    writer.writerow([s.client_id, s.month.isoformat()[:7], s.budget, s.package_cost, s.health, s.reserve, s.core,
                     s.copay, s.savings_in, s.savings_out, s.extras, s.extras_paid, s.extras_refunded])
    return out.getvalue()


@dataclass(frozen=True)
class TeamStatement:
    team_id: int
    start: date
    end: date
    health: int
    core: int
    reserve: int
    savings: int
    copay: int
    extras: int  # the team's share of extras paid
    extras_refunded: int = 0  # what refunds of extras took back out of the team budget

    @property
    def packages(self) -> int:
        """Income from packages paid out of the clients' budgets."""
        return self.health + self.core

    @property
    def extras_net(self) -> int:
        return self.extras - self.extras_refunded

    @property
    def total(self) -> int:
        return self.health + self.core + self.reserve + self.savings + self.copay + self.extras_net


def team_period(actor, team, start: date, end: date) -> TeamStatement:
    """What the team earned from ``start`` to ``end`` (inclusive), by source. Aggregates only."""
    authorize(actor, Perm.TEAM_STATEMENT, team)
    account_id = db.session.scalar(select(Account.id).where(
        Account.organisation_id == team.organisation_id, Account.key == account_key(AccountKind.TEAM_BUDGET, team.id)))
    totals = _by_kind(
        select(LedgerLine.kind, func.sum(LedgerLine.amount_cents))
        .join(JournalEntry, JournalEntry.id == LedgerLine.entry_id)
        .where(LedgerLine.target_account_id == account_id, JournalEntry.booked_on >= start,
               JournalEntry.booked_on <= end)
        .group_by(LedgerLine.kind)) if account_id else {}
    # The only money that leaves a team budget back to the payment provider is a refund of an extra.
    refunded = db.session.scalar(
        select(func.coalesce(func.sum(LedgerLine.amount_cents), 0))
        .join(JournalEntry, JournalEntry.id == LedgerLine.entry_id)
        .where(LedgerLine.source_account_id == account_id, LedgerLine.kind == LineKind.REFUND.value,
               JournalEntry.booked_on >= start, JournalEntry.booked_on <= end)) if account_id else 0
    get = lambda kind: totals.get(kind.value, 0)  # noqa: E731
    audit.record_read(actor=actor, obj=team, detail=f"statement {start}..{end}")
    return TeamStatement(team.id, start, end, get(LineKind.HEALTH), get(LineKind.CORE), get(LineKind.RESERVE),
                         get(LineKind.SAVINGS_DRAW), get(LineKind.COPAY), get(LineKind.EXTRA), int(refunded))


def team_csv(s: TeamStatement) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["team_id", "from", "to", "health_cents", "core_cents", "reserve_cents", "savings_cents",
                     "copay_cents", "extras_cents", "extras_refunded_cents", "extras_net_cents", "total_cents"])
    writer.writerow([s.team_id, s.start.isoformat(), s.end.isoformat(), s.health, s.core, s.reserve, s.savings,
                     s.copay, s.extras, s.extras_refunded, s.extras_net, s.total])
    return out.getvalue()
