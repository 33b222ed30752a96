"""The board's staffing and budget pages as use cases: read a snapshot (and the ledger), compute
through the pure functions, return plain figures. Aggregates only; read-only."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _

from marketplace.core import audit
from marketplace.core.calendar import FIRST_YEAR, LAST_YEAR, Month, Week, monday_of
from marketplace.core.db_types import local_today
from marketplace.core.errors import InvalidInput
from marketplace.core.policy import Perm, authorize

from .reading import Booked, booked_by_team, take_snapshot
from .scenarios import Changes, Figures, Outcome, compute
from .staffing import LevelStaffing, NormCheck, level_rows, presence_norms


@dataclass(frozen=True)
class TeamStaffing:
    team_id: int
    name: str
    levels: list[LevelStaffing]
    figures: Figures
    norms: list[NormCheck] | None  # None: not a psychogeriatric team


@dataclass(frozen=True)
class StaffingReport:
    week: Week
    teams: list[TeamStaffing]
    total: Figures
    total_levels: list[LevelStaffing]
    overhead_pct: int


def staffing_of(actor, week: Week | None = None) -> StaffingReport:
    """Required FTE from the packages active in ``week`` against the members' contract hours.

    :raises AccessDenied: not the board or an administrator.
    """
    authorize(actor, Perm.ORG_AGGREGATES)
    week = week or Week.of(local_today())
    snapshot = take_snapshot(actor.organisation, week.monday)
    outcome = compute(snapshot)
    groups = {t.id: t.target_groups for t in snapshot.teams}
    teams = []
    for team in outcome.teams:
        members = [m for m in snapshot.members if m.team_id == team.team_id]
        teams.append(TeamStaffing(team.team_id, team.name,
                                  level_rows(team.figures.required_minutes, team.figures.actual_hours), team.figures,
                                  presence_norms(members) if "pg" in groups[team.team_id] else None))
    audit.record_read(actor=actor, object_type="board_staffing", detail=str(week))
    return StaffingReport(week, teams, outcome.total,
                          level_rows(outcome.total.required_minutes, outcome.total.actual_hours), outcome.overhead_pct)


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # exclusive
    booked: dict[int, Booked]

    @property
    def weeks(self) -> int:
        """The weeks that start in the period (the ledger books a week on its Monday)."""
        first = monday_of(self.start) + (timedelta(days=7) if self.start.weekday() else timedelta())
        return max(0, (self.end - first + timedelta(days=6)).days // 7)

    def total(self) -> Booked:
        sums: dict[str, int] = {}
        for booked in self.booked.values():
            for name, value in booked.__dict__.items():
                sums[name] = sums.get(name, 0) + value
        return Booked(**sums)


@dataclass(frozen=True)
class BudgetReport:
    year: int
    week: Week
    outcome: Outcome  # the week, from the packages active in it
    month: Period     # the week's month up to the end of the week, from the ledger
    to_date: Period   # the year up to the end of the week, from the ledger

    def staffing_cost(self, team_id: int | None, period: Period) -> int:
        """Staffing cost of a period: the week's members' cost × the weeks that start in it."""
        if team_id is None:
            return self.outcome.total.staffing_cost * period.weeks
        return next(t.figures.staffing_cost for t in self.outcome.teams if t.team_id == team_id) * period.weeks


def check_year(year: int | None, today: date) -> int:
    """:raises InvalidInput: a year outside 2000–2100."""
    if year is None:
        return today.year
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidInput("year", _("Enter a year from %(min)d to %(max)d.", min=FIRST_YEAR, max=LAST_YEAR))
    return year


def budget_of(actor, year: int | None = None, week: Week | None = None) -> BudgetReport:
    """The organisation's budget: a week computed from the active packages (budgets, package costs,
    co-payments, the reserve's shortfall, staffing cost, extras, profile mix), and the month and the
    year to date as booked in the ledger.

    :raises InvalidInput: a year outside 2000–2100, or a week of another year.
    :raises AccessDenied: not the board or an administrator.
    """
    authorize(actor, Perm.ORG_AGGREGATES)
    today = local_today()
    year = check_year(year, today)
    if week is None:
        week = Week.of(today) if today.year == year else Week.of(date(year, 12, 28))
    elif week.monday.year != year and (week.monday + timedelta(days=6)).year != year:
        raise InvalidInput("week", _("Choose a week of %(year)d.", year=year))
    outcome = compute(take_snapshot(actor.organisation, week.monday), Changes())
    end = week.monday + timedelta(days=7)
    month_start = Month.of(week.monday).first
    year_start = date(year, 1, 1)
    org_id = actor.organisation_id
    audit.record_read(actor=actor, object_type="board_budget", detail=f"{year} {week}")
    return BudgetReport(year, week, outcome, Period(month_start, end, booked_by_team(org_id, month_start, end)),
                        Period(year_start, end, booked_by_team(org_id, year_start, end)))
