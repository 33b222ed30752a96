"""A resident's budget over time: per settled week the budget, what the package cost, the
co-payment and the savings balance after the week (from the ledger), and the weeks in which a
new package version started (from the versions). Four queries, however many weeks.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import case, func, select

from care.models import Client, PackageVersion
from care.models.packages import Status
from marketplace.core.charts import DASHED_SQUARE, DOTTED_TRIANGLE, SOLID_CIRCLE, Series, line_chart
from marketplace.core.db_types import local_today
from marketplace.core.extensions import db
from marketplace.core.i18n import locale
from marketplace.core.money import format_euro
from marketplace.core.policy import Perm, authorize

from .domain import AccountKind, LineKind
from .models import Account, JournalEntry, LedgerLine

HISTORY_WEEKS = 26  # about the last six months


@dataclass(frozen=True)
class WeekRow:
    monday: date
    budget: int
    package_cost: int  # everything the week's package cost, whoever paid it
    copay: int
    from_savings: int
    to_savings: int
    savings_balance: int  # at the end of the week
    versions: tuple[int, ...] = ()  # package versions that started in this week


def budget_history(actor, client: Client, today: date | None = None, weeks: int = HISTORY_WEEKS) -> list[WeekRow]:
    """The settled weeks of ``client`` in the last ``weeks`` weeks, oldest first.

    :raises AccessDenied: no relation to the client.
    """
    authorize(actor, Perm.STATEMENT_VIEW, client)
    today = today or local_today()
    start = today - timedelta(days=today.weekday() + 7 * weeks)
    by_week: dict[date, dict[str, int]] = {}
    for monday, kind, total in db.session.execute(
        select(JournalEntry.booked_on, LedgerLine.kind, func.sum(LedgerLine.amount_cents))
        .join(LedgerLine, LedgerLine.entry_id == JournalEntry.id)
        .where(JournalEntry.client_id == client.id, JournalEntry.kind == "settlement", JournalEntry.booked_on >= start)
        .group_by(JournalEntry.booked_on, LedgerLine.kind)
    ):
        by_week.setdefault(monday, {})[kind] = int(total)
    if not by_week:
        return []
    movements = _savings_movements(client)
    started: dict[date, list[int]] = {}
    for number, active_from in db.session.execute(
        select(PackageVersion.number, PackageVersion.active_from).where(
            PackageVersion.client_id == client.id, PackageVersion.active_from >= start,
            PackageVersion.status.in_([Status.ACTIVE.value, Status.SUPERSEDED.value]))
        .order_by(PackageVersion.number)
    ):
        started.setdefault(active_from - timedelta(days=active_from.weekday()), []).append(number)
    rows = []
    for monday in sorted(by_week):
        kinds = by_week[monday]
        get = lambda kind: kinds.get(kind.value, 0)  # noqa: E731
        cost = sum(get(k) for k in (LineKind.HEALTH, LineKind.RESERVE, LineKind.CORE, LineKind.SAVINGS_DRAW,
                                    LineKind.COPAY))
        week_end = monday + timedelta(days=7)
        balance = sum(amount for day, amount in movements if day < week_end)
        rows.append(WeekRow(monday, get(LineKind.ALLOCATION), cost, get(LineKind.COPAY), get(LineKind.SAVINGS_DRAW),
                            get(LineKind.TO_SAVINGS), balance, tuple(started.get(monday, ()))))
    return rows


def _savings_movements(client: Client) -> list[tuple[date, int]]:
    """What went into (+) and out of (−) the client's savings account, per day booked."""
    account_id = db.session.scalar(select(Account.id).where(
        Account.kind == AccountKind.CLIENT_SAVINGS.value, Account.client_id == client.id))
    if account_id is None:
        return []
    signed = case((LedgerLine.target_account_id == account_id, LedgerLine.amount_cents),
                  else_=-LedgerLine.amount_cents)
    return [(day, int(total)) for day, total in db.session.execute(
        select(JournalEntry.booked_on, func.sum(signed))
        .join(LedgerLine, LedgerLine.entry_id == JournalEntry.id)
        .where((LedgerLine.source_account_id == account_id) | (LedgerLine.target_account_id == account_id))
        .group_by(JournalEntry.booked_on))]


def history_chart(client: Client, rows: list[WeekRow]):
    """The chart of ``rows``: package cost and budget per week, and the savings balance."""
    language = locale()

    def euros(cents: int) -> str:
        return format_euro(cents, language).removesuffix(",00").removesuffix(".00")

    first, last = rows[0], rows[-1]
    description = _("Weekly package cost against the weekly budget, and the savings balance at the end of each "
                    "week, from the week of %(first)s to the week of %(last)s. In the last week the package cost "
                    "%(cost)s against a budget of %(budget)s; savings were %(savings)s. The table below the chart "
                    "gives every week.", first=format_date(first.monday, "d MMMM y"),
                    last=format_date(last.monday, "d MMMM y"), cost=euros(last.package_cost),
                    budget=euros(last.budget), savings=euros(last.savings_balance))
    return line_chart(
        _("Budget of %(name)s over time", name=client.name), description,
        [format_date(r.monday, "d MMM") for r in rows],
        [Series(_("Package cost per week"), [r.package_cost for r in rows], SOLID_CIRCLE),
         Series(_("Weekly budget"), [r.budget for r in rows], DASHED_SQUARE),
         Series(_("Savings balance"), [r.savings_balance for r in rows], DOTTED_TRIANGLE)],
        euros, chart_id="budget-chart")
