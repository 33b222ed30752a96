"""Statements from the ledger: a client's month, a team's period. Sums of transfers, one query each."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from marketplace.core import audit
from marketplace.core.calendar import next_month
from marketplace.core.extensions import db
from marketplace.core.policy import Perm, authorize

from .domain import AccountKind, LineKind, account_key
from .models import Account, JournalEntry, LedgerLine


def _by_kind(query) -> dict[str, int]:
    return {kind: int(total) for kind, total in db.session.execute(query).all()}


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

    @property
    def package_cost(self) -> int:
        return self.health + self.reserve + self.core + self.savings_out + self.copay


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
                           get(LineKind.SAVINGS_DRAW), get(LineKind.EXTRA))


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
                     "from_savings_cents", "extras_cents"])
    writer.writerow([s.client_id, s.month.isoformat()[:7], s.budget, s.package_cost, s.health, s.reserve, s.core,
                     s.copay, s.savings_in, s.savings_out, s.extras])
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
    extras: int

    @property
    def packages(self) -> int:
        """Income from packages paid out of the clients' budgets."""
        return self.health + self.core

    @property
    def total(self) -> int:
        return self.health + self.core + self.reserve + self.savings + self.copay + self.extras


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
    get = lambda kind: totals.get(kind.value, 0)  # noqa: E731
    audit.record_read(actor=actor, obj=team, detail=f"statement {start}..{end}")
    return TeamStatement(team.id, start, end, get(LineKind.HEALTH), get(LineKind.CORE), get(LineKind.RESERVE),
                         get(LineKind.SAVINGS_DRAW), get(LineKind.COPAY), get(LineKind.EXTRA))


def team_csv(s: TeamStatement) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["team_id", "from", "to", "health_cents", "core_cents", "reserve_cents", "savings_cents",
                     "copay_cents", "extras_cents", "total_cents"])
    writer.writerow([s.team_id, s.start.isoformat(), s.end.isoformat(), s.health, s.core, s.reserve, s.savings,
                     s.copay, s.extras, s.total])
    return out.getvalue()
