"""Competition between teams (issue 14, item 1): per team and period the residents served and
market share, switches, the waiting list, package income, extras revenue, the budget result,
ratings, reviews on time, health coverage and re-indications; the ranking with the health
guardrail; twelve months of trends.

Read-only and aggregates only: every figure is a count or a sum per team; no resident's name,
room or health detail leaves this module. Health coverage counts risks and covered risks per
team, as the team worklist's ``care.requirements.uncovered_in_team`` does, without naming a
client or a problem, so no per-resident read is logged.

The figures reuse the other packages' rules: ``care.domain.required_care`` and
``coverage_gaps`` with ``care.requirements.rules_of`` (coverage, as the team worklist's
``uncovered_in_team``), ``care.domain.next_review`` (overdue reviews, as ``care.reviews``),
``care.domain.integral_hourly`` (staffing cost), ``market.ratings.rating_summaries`` (the
minimum count rule), and the ledger's lines as ``billing.domain.settlement_transfers`` and the
extras' payments book them. They read plain rows, not objects. The number of queries does not
depend on the number of teams: every query covers all teams and all periods at once (the
period asked for and the twelve trend months), and the periods are filled in Python.
"""
from __future__ import annotations

import csv
import io
import threading
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from statistics import median

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from billing.domain import LineKind
from billing.models import JournalEntry, LedgerLine
from care.catalogue import valid_on
from care.domain import coverage_gaps, integral_hourly, next_review, required_care, round_half_up
from care.models import (Client, HealthRisk, PackageLine, PackageVersion, Prescription, Review, Service, StaffLevel,
                         StaffLevelRate)
from care.models.packages import ReviewKind, Status
from care.requirements import rules_of
from marketplace.accounts.models import Location, Organisation, OrganisationSetting
from marketplace.core.calendar import add_months, monday_of
from marketplace.core.db_types import LOCAL_ZONE, local_today
from marketplace.core.errors import InvalidInput
from marketplace.core.extensions import db
from marketplace.core.policy import Perm, authorize
from marketplace.market.models import EntryStatus, WaitingEntry
from marketplace.market.rating_rules import RatingSummary
from marketplace.market.ratings import rating_summaries
from teams.models import Team, TeamAssignment, TeamMembership, team_locations

from .reading import extras_lines

MAX_YEARS = 5
TREND_MONTHS = 12
# The settlement lines that pay a team for its packages (billing.domain.settlement_transfers).
PACKAGE_INCOME_KINDS = (LineKind.HEALTH.value, LineKind.CORE.value, LineKind.RESERVE.value,
                        LineKind.SAVINGS_DRAW.value, LineKind.COPAY.value)


@dataclass(frozen=True)
class Period:
    """Days ``start`` to ``end``, both included."""

    start: date
    end: date

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def mondays(self) -> list[date]:
        """The Mondays in the period: the weeks that count (settlements are booked on their Monday)."""
        first = monday_of(self.start)
        if first < self.start:
            first += timedelta(days=7)
        return [first + timedelta(days=7 * i) for i in range(max(0, (self.end - first).days // 7 + 1))]

    @property
    def end_moment(self) -> datetime:
        """The first moment after the period, in the organisation's time zone."""
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=LOCAL_ZONE)

    @property
    def start_moment(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=LOCAL_ZONE)


def month_period(day: date) -> Period:
    first = day.replace(day=1)
    return Period(first, add_months(first, 1) - timedelta(days=1))


def quarter_period(day: date) -> Period:
    first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return Period(first, add_months(first, 3) - timedelta(days=1))


def year_period(day: date) -> Period:
    return Period(date(day.year, 1, 1), date(day.year, 12, 31))


def period_of(date_from: date | None, date_to: date | None, today: date | None = None) -> Period:
    """The period asked for; this month when neither end is given, and a missing end is the
    month's own.

    :raises InvalidInput: the end before the start, or a period longer than five years.
    """
    today = today or local_today()
    if date_from is None and date_to is None:
        return month_period(today)
    start = date_from or (date_to.replace(day=1) if date_to else today)
    end = date_to or month_period(start).end
    if end < start:
        raise InvalidInput("date_to", _l("The end of the period lies before its start."))
    if end >= add_months(start, 12 * MAX_YEARS):
        raise InvalidInput("date_to", _l("A period can be at most %(years)d years long.", years=MAX_YEARS))
    return Period(start, end)


def trend_months(end: date) -> list[Period]:
    """The twelve calendar months up to and including the month of ``end``."""
    last = end.replace(day=1)
    return [month_period(add_months(last, -i)) for i in reversed(range(TREND_MONTHS))]


def pct_tenths(part: int, whole: int) -> int | None:
    """``part / whole`` as tenths of a percent, rounded half up; None when there is no whole."""
    return round_half_up(part * 1000, whole) if whole else None


@dataclass
class TeamFigures:
    team_id: int
    name: str
    residents: int = 0
    share_tenths: int | None = None
    switches_in: int = 0
    switches_out: int = 0
    waiting: int = 0
    median_wait_days: int | None = None
    package_income: int = 0
    extras_own: int = 0
    extras_freelancers: int = 0
    staffing_cost: int = 0
    reindications: int = 0
    reserve_cents: int = 0
    rating: RatingSummary | None = None
    reviews_due: int = 0
    reviews_on_time: int = 0
    risks: int = 0
    risks_covered: int = 0
    rank: int = 0

    @property
    def extras(self) -> int:
        return self.extras_own + self.extras_freelancers

    @property
    def income(self) -> int:
        return self.package_income + self.extras

    @property
    def result(self) -> int:
        return self.income - self.staffing_cost

    @property
    def reviews_on_time_tenths(self) -> int | None:
        return pct_tenths(self.reviews_on_time, self.reviews_due)

    @property
    def coverage_tenths(self) -> int:
        """Covered risks as tenths of a percent; a team without open risks covers everything."""
        return pct_tenths(self.risks_covered, self.risks) if self.risks else 1000

    @property
    def fully_covered(self) -> bool:
        return self.risks_covered == self.risks


def ranking_key(row: TeamFigures):
    """The guardrail first: a team below 100 % health coverage never ranks above a team at 100 %,
    whatever its revenue; then market share, then the budget result."""
    return (not row.fully_covered, -row.residents, -row.result, row.name)


@dataclass
class MonthTotals:
    period: Period
    residents: int = 0
    switches: int = 0
    waiting: int = 0
    package_income: int = 0
    extras: int = 0
    staffing_cost: int = 0

    @property
    def result(self) -> int:
        return self.package_income + self.extras - self.staffing_cost


@dataclass
class Competition:
    period: Period
    location: Location | None
    teams: list[TeamFigures]          # ranked
    trends: list[MonthTotals] = field(default_factory=list)
    overhead_pct: int = 0             # the organisation's overhead at the end of the period

    @property
    def total_residents(self) -> int:
        return sum(row.residents for row in self.teams)


# -- loading -----------------------------------------------------------------------------------

def _teams(org: Organisation, location_id: int | None) -> tuple[list[Team], Location | None]:
    """:raises InvalidInput: a location that is not the organisation's."""
    location = None
    query = select(Team).where(Team.organisation_id == org.id).order_by(Team.name)
    if location_id is not None:
        location = db.session.scalar(select(Location).where(Location.id == location_id,
                                                            Location.organisation_id == org.id))
        if location is None:
            raise InvalidInput("location_id", _l("This location is not one of the organisation's."))
        query = query.join(team_locations, team_locations.c.team_id == Team.id).where(
            team_locations.c.location_id == location_id)
    return list(db.session.scalars(query)), location


def _spans(org_id: int) -> tuple[dict[int, list[tuple[int, date, date | None]]], dict[int, int | None]]:
    """Per client, the teams it had: (team, from, until exclusive or None), oldest first; and its
    current team. A client without history had its current team from its start. Two queries."""
    current = {}
    start = {}
    for client_id, team_id, start_date in db.session.execute(
            select(Client.id, Client.team_id, Client.start_date).where(Client.organisation_id == org_id)):
        current[client_id], start[client_id] = team_id, start_date
    spans: dict[int, list[tuple[int, date, date | None]]] = defaultdict(list)
    for client_id, team_id, starts_on, ends_on in db.session.execute(
            select(TeamAssignment.client_id, TeamAssignment.team_id, TeamAssignment.starts_on, TeamAssignment.ends_on)
            .join(Client, Client.id == TeamAssignment.client_id).where(Client.organisation_id == org_id)
            .order_by(TeamAssignment.client_id, TeamAssignment.starts_on)):
        spans[client_id].append((team_id, starts_on, ends_on))
    for client_id, team_id in current.items():
        if client_id not in spans and team_id is not None:
            spans[client_id].append((team_id, start[client_id], None))
    return spans, current


def _team_on(spans: list[tuple[int, date, date | None]], day: date) -> int | None:
    for team_id, starts_on, ends_on in spans:
        if starts_on <= day and (ends_on is None or ends_on > day):
            return team_id
    return None


def _ledger_rows(org_id: int, first: date, last: date):
    """Settlement income per (team, Monday, line kind), with the client on the reserve's lines
    (a re-indication): one grouped query. Every line of these kinds in a settlement entry goes
    into the entry's team budget (``billing.domain.settlement_transfers``)."""
    reserve_client = case((LedgerLine.kind == LineKind.RESERVE.value, JournalEntry.client_id), else_=None)
    return db.session.execute(
        select(JournalEntry.team_id, JournalEntry.booked_on, LedgerLine.kind, reserve_client,
               func.sum(LedgerLine.amount_cents))
        .select_from(JournalEntry)
        .join(LedgerLine, LedgerLine.entry_id == JournalEntry.id)
        .where(JournalEntry.organisation_id == org_id, JournalEntry.kind == "settlement",
               JournalEntry.booked_on >= first, JournalEntry.booked_on <= last,
               LedgerLine.kind.in_(PACKAGE_INCOME_KINDS))
        .group_by(JournalEntry.team_id, JournalEntry.booked_on, LedgerLine.kind, reserve_client)).all()


_CACHE: OrderedDict = OrderedDict()
_CACHE_LOCK = threading.Lock()
CACHE_SIZE = 32


def _ledger_stamp(org_id: int) -> tuple[int, int | None]:
    return tuple(db.session.execute(select(func.count(JournalEntry.id), func.max(JournalEntry.id))
                                    .where(JournalEntry.organisation_id == org_id)).one())


def ledger_figures(org: Organisation, first: date, last: date) -> tuple[list, list]:
    """The settlement and extras rows of ``first`` to ``last``, remembered while the ledger is
    unchanged.

    The ledger is append-only (billing.models refuses to change or delete an entry), so the set
    of an organisation's entries only grows: the same number of entries with the same highest id
    is the same set (an entry committed late with a lower id changes the count). Checking that
    is one count over the entries instead of a sum over a year of lines. The stamp is read
    before the rows, so rows newer than their stamp are at worst recomputed, never stale.
    """
    key = (org.id, org.created_at, first, last)
    stamp = _ledger_stamp(org.id)
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
        if hit is not None and hit[0] == stamp:
            _CACHE.move_to_end(key)
            return hit[1], hit[2]
    rows = (_ledger_rows(org.id, first, last), extras_lines(org.id, first, last))
    with _CACHE_LOCK:
        _CACHE[key] = (stamp, *rows)
        _CACHE.move_to_end(key)
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return rows


def forget_ledger_figures() -> None:
    """Empty the remembered rows (tests that count queries of a cold dashboard)."""
    with _CACHE_LOCK:
        _CACHE.clear()


class _Rates:
    """The integral hourly rate of a level on a day: the rate valid then plus the overhead
    valid then (two queries for the whole organisation)."""

    def __init__(self, org: Organisation):
        self.org = org
        self.rates: dict[str, list[StaffLevelRate]] = defaultdict(list)
        for code, rate in db.session.execute(
                select(StaffLevel.code, StaffLevelRate).select_from(StaffLevelRate)
                .join(StaffLevel, StaffLevel.id == StaffLevelRate.staff_level_id)
                .where(StaffLevel.organisation_id == org.id).order_by(StaffLevelRate.valid_from)):
            self.rates[code].append(rate)
        self.settings = list(db.session.scalars(
            select(OrganisationSetting).where(OrganisationSetting.organisation_id == org.id)
            .order_by(OrganisationSetting.valid_from)))
        self.cache: dict[tuple[str, date], int] = {}

    def overhead_on(self, day: date) -> int:
        # The rule of accounts.org_settings.settings_on, over rows loaded once.
        row = valid_on(self.settings, day)
        return row.overhead_pct if row is not None else self.org.overhead_pct

    def hourly(self, level: str, day: date) -> int:
        key = (level, day)
        if key not in self.cache:
            rate = valid_on(self.rates.get(level, []), day)
            self.cache[key] = integral_hourly(rate.base_hourly_cents, self.overhead_on(day)) if rate else 0
        return self.cache[key]


# -- the figures -------------------------------------------------------------------------------

def _fill(org: Organisation, teams: list[Team], buckets: list[Period], spans, rates: _Rates
          ) -> list[dict[int, TeamFigures]]:
    """The figures of every team for every period in ``buckets``, from one set of queries."""
    first, last = min(b.start for b in buckets), max(b.end for b in buckets)
    team_ids = {t.id for t in teams}
    result = [{t.id: TeamFigures(t.id, t.name) for t in teams} for _b in buckets]

    bounds = [(b.start, b.end) for b in buckets]
    for client_spans in spans.values():
        served = set()  # (bucket, team): a client counts once per team and period
        for team_id, starts_on, ends_on in client_spans:
            if team_id in team_ids:
                served.update((i, team_id) for i, (first_day, last_day) in enumerate(bounds)
                              if starts_on <= last_day and (ends_on is None or ends_on > first_day))
        for i, team_id in served:
            result[i][team_id].residents += 1
        for before, after in zip(client_spans, client_spans[1:]):
            if before[0] == after[0]:
                continue
            for i, bucket in enumerate(buckets):
                if bucket.contains(after[1]):
                    if after[0] in team_ids:
                        result[i][after[0]].switches_in += 1
                    if before[0] in team_ids:
                        result[i][before[0]].switches_out += 1

    waits = [defaultdict(list) for _b in buckets]
    for team_id, joined_at, ended_at, status in db.session.execute(
            select(WaitingEntry.team_id, WaitingEntry.joined_at, WaitingEntry.ended_at, WaitingEntry.status)
            .where(WaitingEntry.organisation_id == org.id, WaitingEntry.team_id.in_(team_ids),
                   WaitingEntry.joined_at < datetime.combine(last + timedelta(days=1), time.min, tzinfo=LOCAL_ZONE),
                   (WaitingEntry.ended_at.is_(None))
                   | (WaitingEntry.ended_at >= datetime.combine(first, time.min, tzinfo=LOCAL_ZONE)))):
        for i, bucket in enumerate(buckets):
            if joined_at < bucket.end_moment and (ended_at is None or ended_at >= bucket.end_moment):
                result[i][team_id].waiting += 1
            if (status == EntryStatus.ACCEPTED.value and ended_at is not None
                    and bucket.start_moment <= ended_at < bucket.end_moment):
                waits[i][team_id].append((ended_at.astimezone(LOCAL_ZONE).date()
                                          - joined_at.astimezone(LOCAL_ZONE).date()).days)
    for i, by_team in enumerate(waits):
        for team_id, days in by_team.items():
            result[i][team_id].median_wait_days = round_half_up(int(median(days) * 2), 2)

    settlements, extras = ledger_figures(org, first, last)
    reindicated = [defaultdict(set) for _b in buckets]
    for team_id, booked_on, kind, client_id, amount in settlements:
        if team_id not in team_ids:
            continue
        for i, bucket in enumerate(buckets):
            if bucket.contains(booked_on):
                result[i][team_id].package_income += int(amount)
                if kind == LineKind.RESERVE.value:
                    reindicated[i][team_id].add(client_id)
                    result[i][team_id].reserve_cents += int(amount)
    for i, by_team in enumerate(reindicated):
        for team_id, clients in by_team.items():
            result[i][team_id].reindications = len(clients)

    for team_id, booked_on, freelancer, amount in extras:
        if team_id not in team_ids:
            continue
        for i, bucket in enumerate(buckets):
            if bucket.contains(booked_on):
                if freelancer:
                    result[i][team_id].extras_freelancers += amount
                else:
                    result[i][team_id].extras_own += amount

    members = db.session.execute(
        select(TeamMembership.team_id, TeamMembership.staff_level, TeamMembership.contract_hours,
               TeamMembership.starts_on, TeamMembership.ends_on).where(TeamMembership.team_id.in_(team_ids))).all()
    for i, bucket in enumerate(buckets):
        for monday in bucket.mondays():
            for team_id, level, hours, starts_on, ends_on in members:
                if (starts_on is None or starts_on <= monday) and (ends_on is None or ends_on > monday):
                    result[i][team_id].staffing_cost += hours * rates.hourly(level, monday)
    return result


def _reviews(org: Organisation, rows: dict[int, TeamFigures], period: Period, spans,
             current: dict[int, int | None]) -> None:
    """Regular reviews due in the period, per team of the resident on the due day: on time when
    held on or before the due day. A review due in the period and not held (overdue at the
    period's end, or today if that is earlier) counts as not on time: its date is
    ``care.domain.next_review`` from the package's start and the regular reviews held, as on the
    team's worklist (care/reviews.py). Three queries, plain rows."""
    held: dict[int, list[date]] = defaultdict(list)
    for client_id, due_on, held_on in db.session.execute(
            select(Review.client_id, Review.due_on, Review.held_on)
            .join(Client, Client.id == Review.client_id)
            .where(Client.organisation_id == org.id, Review.kind == ReviewKind.REGULAR.value)
            .order_by(Review.held_on, Review.id)):
        held[client_id].append(held_on)
        if due_on is not None and period.contains(due_on):
            team_id = _team_on(spans.get(client_id, []), due_on)
            if team_id in rows:
                rows[team_id].reviews_due += 1
                rows[team_id].reviews_on_time += held_on <= due_on
    day = min(period.end, local_today())
    groups = dict(db.session.execute(select(Client.id, Client.target_group).where(
        Client.organisation_id == org.id, Client.team_id.in_(list(rows)))).all())
    for client_id, start in db.session.execute(
            select(PackageVersion.client_id, func.min(PackageVersion.active_from))
            .join(Client, Client.id == PackageVersion.client_id)
            .where(Client.organisation_id == org.id, Client.team_id.in_(list(rows)),
                   PackageVersion.status.in_([Status.ACTIVE.value, Status.SUPERSEDED.value]))
            .group_by(PackageVersion.client_id)):
        if start is None:
            continue
        next_on = next_review(start, groups[client_id], held.get(client_id, []))
        if next_on < day and period.contains(next_on):
            rows[current[client_id]].reviews_due += 1


def _coverage(org: Organisation, rows: dict[int, TeamFigures]) -> None:
    """Today's open risks of the teams' current residents and how many the active packages cover:
    ``care.domain.required_care`` (with the nurses' prescriptions) and ``coverage_gaps``, as
    ``care.requirements.uncovered_in_team`` does, over plain rows (four queries)."""
    clients = dict(db.session.execute(select(Client.id, Client.team_id).where(
        Client.organisation_id == org.id, Client.team_id.in_(list(rows)))).all())
    if not clients:
        return
    in_teams = select(Client.id).where(Client.organisation_id == org.id, Client.team_id.in_(list(rows)))
    planned: dict[int, dict[str, int]] = defaultdict(dict)
    for client_id, code, per_week in db.session.execute(
            select(PackageVersion.client_id, Service.code, PackageLine.per_week)
            .join(PackageLine, PackageLine.version_id == PackageVersion.id)
            .join(Service, Service.id == PackageLine.service_id)
            .where(PackageVersion.client_id.in_(in_teams), PackageVersion.status == Status.ACTIVE.value)):
        planned[client_id][code] = planned[client_id].get(code, 0) + per_week
    risks: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for client_id, omaha, modifier in db.session.execute(
            select(HealthRisk.client_id, HealthRisk.omaha, HealthRisk.modifier)
            .where(HealthRisk.client_id.in_(in_teams), HealthRisk.ended_at.is_(None))):
        risks[client_id].append((omaha, modifier))
    prescriptions: dict[int, dict[tuple[str, str], int]] = defaultdict(dict)
    for client_id, omaha, code, minimum in db.session.execute(
            select(HealthRisk.client_id, HealthRisk.omaha, Service.code, Prescription.min_per_week)
            .join(Prescription, Prescription.risk_id == HealthRisk.id)
            .join(Service, Service.id == Prescription.service_id)
            .where(HealthRisk.client_id.in_(in_teams), HealthRisk.ended_at.is_(None))):
        prescriptions[client_id][(omaha, code)] = minimum
    rules = rules_of(org.id)
    for client_id, open_ones in risks.items():
        required = required_care(open_ones, rules, prescriptions.get(client_id))
        uncovered = {omaha for gap in coverage_gaps(required, planned.get(client_id, {})) for omaha in gap.omaha}
        row = rows[clients[client_id]]
        row.risks += len(open_ones)
        row.risks_covered += sum(1 for omaha, _modifier in open_ones if omaha not in uncovered)


def competition(actor, period: Period, location_id: int | None = None, *, trends: bool = True) -> Competition:
    """The dashboard's figures for the actor's organisation.

    :raises AccessDenied: not the board or an administrator.
    :raises InvalidInput: an unknown location.
    """
    authorize(actor, Perm.ORG_AGGREGATES)
    org = actor.organisation
    teams, location = _teams(org, location_id)
    months = trend_months(period.end) if trends else []
    spans, current = _spans(org.id)
    rates = _Rates(org)
    filled = _fill(org, teams, [period, *months], spans, rates)
    rows = filled[0]
    if rows:
        _reviews(org, rows, period, spans, current)
        _coverage(org, rows)
        for team_id, summary in rating_summaries(list(rows), period.end).items():
            rows[team_id].rating = summary
    total = sum(row.residents for row in rows.values())
    ranked = sorted(rows.values(), key=ranking_key)
    for rank, row in enumerate(ranked, start=1):
        row.share_tenths = pct_tenths(row.residents, total)
        row.rank = rank
    trend_rows = []
    for month, by_team in zip(months, filled[1:]):
        totals = MonthTotals(month)
        for row in by_team.values():
            totals.residents += row.residents
            totals.switches += row.switches_in
            totals.waiting += row.waiting
            totals.package_income += row.package_income
            totals.extras += row.extras
            totals.staffing_cost += row.staffing_cost
        trend_rows.append(totals)
    return Competition(period, location, ranked, trend_rows, rates.overhead_on(period.end))


# -- exports -----------------------------------------------------------------------------------

TEAM_COLUMNS = ["rank", "team_id", "team", "residents", "market_share_pct", "switches_in", "switches_out",
                "waiting", "median_wait_days", "package_income_cents", "extras_own_cents",
                "extras_freelancers_cents", "staffing_cost_cents", "result_cents", "rating", "rating_count",
                "reviews_due", "reviews_on_time_pct", "risks", "risks_covered", "health_coverage_pct",
                "reindications", "reserve_cents"]
TREND_COLUMNS = ["month", "residents", "switches", "waiting", "package_income_cents", "extras_cents",
                 "staffing_cost_cents", "result_cents"]


def _pct(tenths: int | None) -> str:
    return "" if tenths is None else f"{tenths // 10}.{tenths % 10}"


def team_record(row: TeamFigures) -> list:
    rating = row.rating
    return [row.rank, row.team_id, row.name, row.residents, _pct(row.share_tenths), row.switches_in,
            row.switches_out, row.waiting, "" if row.median_wait_days is None else row.median_wait_days,
            row.package_income, row.extras_own, row.extras_freelancers, row.staffing_cost, row.result,
            str(rating.average) if rating and rating.shown else "", rating.count if rating else 0,
            row.reviews_due, _pct(row.reviews_on_time_tenths), row.risks, row.risks_covered,
            _pct(row.coverage_tenths), row.reindications, row.reserve_cents]


def trend_record(month: MonthTotals) -> list:
    return [month.period.start.isoformat()[:7], month.residents, month.switches, month.waiting,
            month.package_income, month.extras, month.staffing_cost, month.result]


def to_csv(data: Competition, table: str) -> str:
    """One table as CSV (semicolons, as Dutch spreadsheets expect): ``teams`` or ``trends``."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    if table == "trends":
        writer.writerow(TREND_COLUMNS)
        writer.writerows(trend_record(m) for m in data.trends)
    else:
        writer.writerow(TEAM_COLUMNS)
        writer.writerows(team_record(row) for row in data.teams)
    return out.getvalue()
