"""Reading the organisation into a snapshot, and the booked figures of a period, for the board.

Read-only over the other packages' tables, in a fixed number of queries whatever the number of
teams or residents. Nothing here names a resident.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import String, and_, cast, func, or_, select
from sqlalchemy.orm import aliased

from billing.domain import AccountKind, LineKind
from billing.ledger import balances
from billing.models import Account, JournalEntry, LedgerLine
from care.catalogue import budget_table
from care.domain import round_half_up
from care.models import CareProfile, Client, PackageLine, PackageVersion, Service, ServiceVersion, StaffLevel, \
    StaffLevelRate
from care.models.packages import Status
from marketplace.accounts.models import Organisation
from marketplace.accounts.org_settings import settings_on
from marketplace.core.extensions import db
from teams.models import Team, TeamAssignment, TeamMembership, TeamTargetGroup, team_locations

from .snapshot import Member, Resident, ServiceCost, Snapshot, TeamInfo

EXTRAS_WEEKS = 12  # a scenario's extras: the average week of the last twelve


def take_snapshot(organisation: Organisation, day: date) -> Snapshot:
    """The organisation on ``day``: active teams, members, rates, services, budgets, active packages."""
    org_id = organisation.id
    teams = db.session.execute(select(Team.id, Team.name).where(Team.organisation_id == org_id, Team.active)
                               .order_by(Team.name)).all()
    team_ids = [t.id for t in teams]
    locations: dict[int, list[int]] = {}
    for team_id, location_id in db.session.execute(select(team_locations.c.team_id, team_locations.c.location_id)
                                                   .where(team_locations.c.team_id.in_(team_ids))):
        locations.setdefault(team_id, []).append(location_id)
    groups: dict[int, list[str]] = {}
    for team_id, group in db.session.execute(select(TeamTargetGroup.team_id, TeamTargetGroup.target_group)
                                             .where(TeamTargetGroup.team_id.in_(team_ids))):
        groups.setdefault(team_id, []).append(group)
    members = tuple(Member(row.team_id, row.staff_level, row.contract_hours) for row in db.session.execute(
        select(TeamMembership.team_id, TeamMembership.staff_level, TeamMembership.contract_hours)
        .where(TeamMembership.team_id.in_(team_ids),
               or_(TeamMembership.starts_on.is_(None), TeamMembership.starts_on <= day),
               or_(TeamMembership.ends_on.is_(None), TeamMembership.ends_on >= day))
        .order_by(TeamMembership.id)))
    rates = {}
    for code, cents in db.session.execute(
            select(StaffLevel.code, StaffLevelRate.base_hourly_cents).join(StaffLevelRate)
            .where(StaffLevel.organisation_id == org_id, StaffLevelRate.valid_from <= day)
            .order_by(StaffLevelRate.valid_from)):
        rates[code] = cents  # ordered: the latest wins
    services = {}
    for row in db.session.execute(
            select(Service.code, Service.category, ServiceVersion.minutes, StaffLevel.code.label("level"),
                   ServiceVersion.material_cents)
            .join(ServiceVersion, ServiceVersion.service_id == Service.id)
            .join(StaffLevel, StaffLevel.id == ServiceVersion.staff_level_id)
            .where(Service.organisation_id == org_id, ServiceVersion.valid_from <= day)
            .order_by(Service.code, ServiceVersion.valid_from)):
        services[row.code] = ServiceCost(row.code, row.category, row.minutes, row.level, row.material_cents)
    return Snapshot(
        day=day, overhead_pct=settings_on(organisation, day).overhead_pct, rates=rates, services=services,
        budgets=budget_table(organisation, day),
        teams=tuple(TeamInfo(t.id, t.name, tuple(sorted(locations.get(t.id, []))), tuple(sorted(groups.get(t.id, []))))
                    for t in teams),
        members=members, residents=_residents(org_id, team_ids, day), extras_per_week=_extras_per_week(org_id, day),
        profiles=tuple(db.session.scalars(select(CareProfile.code).order_by(CareProfile.code))))


def _residents(organisation_id: int, team_ids: list[int], day: date) -> tuple[Resident, ...]:
    """The package in effect on ``day`` of every resident the teams serve on ``day``, residents
    with the same package counted together (most packages repeat). The rules are billing's
    settlement's (billing/settlement.py): the version in effect is the latest active or superseded
    one from on or before the day; the team is the assignment history's, else the current team.
    One query groups the packages by their lines in the database, two more read the savings of
    those who have any: a fixed number, whatever the residents."""
    in_effect = (
        select(PackageVersion.id, PackageVersion.client_id, func.row_number().over(
            partition_by=PackageVersion.client_id,
            order_by=(PackageVersion.active_from.desc(), PackageVersion.number.desc())).label("rank"))
        .join(Client, Client.id == PackageVersion.client_id)
        .where(Client.organisation_id == organisation_id,
               PackageVersion.status.in_((Status.ACTIVE.value, Status.SUPERSEDED.value)),
               PackageVersion.active_from <= day)
        .subquery())
    assignment = (select(TeamAssignment.client_id, TeamAssignment.team_id)
                  .join(Client, Client.id == TeamAssignment.client_id)
                  .where(Client.organisation_id == organisation_id, TeamAssignment.starts_on <= day,
                         or_(TeamAssignment.ends_on.is_(None), TeamAssignment.ends_on > day))
                  .subquery())
    team_id = func.coalesce(assignment.c.team_id, Client.team_id)
    signature = func.aggregate_strings(Service.code + ":" + cast(PackageLine.per_week, String), ",")
    packages = (
        select(PackageVersion.id.label("version_id"), team_id.label("team_id"), Client.care_profile,
               PackageVersion.use_savings, Client.id.label("client_id"), signature.label("lines"))
        .join(in_effect, and_(in_effect.c.id == PackageVersion.id, in_effect.c.rank == 1))
        .join(Client, Client.id == PackageVersion.client_id)
        .outerjoin(assignment, assignment.c.client_id == Client.id)
        .outerjoin(PackageLine, and_(PackageLine.version_id == PackageVersion.id, PackageLine.per_week > 0))
        .outerjoin(Service, Service.id == PackageLine.service_id)
        .where(team_id.in_(team_ids))
        .group_by(PackageVersion.id, team_id, Client.care_profile, PackageVersion.use_savings, Client.id)
        .subquery())
    # A resident with savings is counted alone (the savings are theirs); the others by package.
    savings_account = aliased(Account)
    groups = db.session.connection().execute(
        select(packages.c.team_id, packages.c.care_profile, packages.c.use_savings, packages.c.lines,
               savings_account.id.label("account_id"), func.count().label("count"))
        .select_from(packages)
        .outerjoin(savings_account, and_(savings_account.kind == "client_savings",
                                         savings_account.client_id == packages.c.client_id))
        .group_by(packages.c.team_id, packages.c.care_profile, packages.c.use_savings, packages.c.lines,
                  savings_account.id)
        .order_by(packages.c.team_id, packages.c.care_profile, packages.c.lines)).all()
    savings = balances([row.account_id for row in groups if row.account_id is not None])
    return tuple(Resident(row.team_id, row.care_profile, _lines(row.lines), row.use_savings,
                          savings.get(row.account_id, 0) if row.account_id is not None else 0, row.count)
                 for row in groups)


def _lines(text: str | None) -> tuple[tuple[str, int], ...]:
    """``"C01:7,H01:21"`` → ``(("C01", 7), ("H01", 21))``, sorted by code."""
    if not text:
        return ()
    pairs = (item.rsplit(":", 1) for item in text.split(","))
    return tuple(sorted((code, int(per_week)) for code, per_week in pairs))


def extras_lines(org_id: int, first: date, last: date) -> list[tuple[int, date, bool, int]]:
    """Per line: (team, day, a freelancer's extra, signed amount) of extras into team budgets,
    net of refunds. One query over the lines of the period's payments and refunds.

    An extra pays the team budget by a line of kind ``extra`` in a ``payment`` entry; its refund
    takes it back by a line of kind ``refund`` in a ``refund`` entry. A freelancer's extra books
    the home team's share in the same entry as the freelancer's, so an entry that touches a
    ``freelancer:`` account is the freelancers' share.
    """
    source, target = aliased(Account), aliased(Account)
    lines = db.session.execute(
        select(JournalEntry.id, JournalEntry.kind, JournalEntry.booked_on, LedgerLine.kind, source.kind,
               source.team_id, target.kind, target.team_id, LedgerLine.amount_cents)
        .select_from(JournalEntry)
        .join(LedgerLine, LedgerLine.entry_id == JournalEntry.id)
        .join(source, source.id == LedgerLine.source_account_id)
        .join(target, target.id == LedgerLine.target_account_id)
        .where(JournalEntry.organisation_id == org_id, JournalEntry.kind.in_(["payment", "refund"]),
               JournalEntry.booked_on >= first, JournalEntry.booked_on <= last)).all()
    freelancers = {entry_id for entry_id, *_rest, source_kind, _s, target_kind, _t, _a in lines
                   if AccountKind.FREELANCER.value in (source_kind, target_kind)}
    team_kind = AccountKind.TEAM_BUDGET.value
    result = []
    for entry_id, entry_kind, day, kind, source_kind, source_team, target_kind, target_team, amount in lines:
        if entry_kind == "payment" and kind == LineKind.EXTRA.value and target_kind == team_kind:
            result.append((target_team, day, entry_id in freelancers, amount))
        elif entry_kind == "refund" and kind == LineKind.REFUND.value and source_kind == team_kind:
            result.append((source_team, day, entry_id in freelancers, -amount))
    return result


def extras_by_team(organisation_id: int, start: date, end: date) -> dict[int, int]:
    """Each team's extras from ``start`` to ``end`` (exclusive), net of refunds: its own extras and
    its freelancers' share alike (see :func:`extras_lines`)."""
    totals: dict[int, int] = {}
    for team_id, _day, _freelancer, amount in extras_lines(organisation_id, start, end - timedelta(days=1)):
        totals[team_id] = totals.get(team_id, 0) + amount
    return totals


def _extras_per_week(organisation_id: int, day: date) -> dict[int, int]:
    start = day - timedelta(weeks=EXTRAS_WEEKS)
    return {team: round_half_up(cents, EXTRAS_WEEKS) for team, cents in
            extras_by_team(organisation_id, start, day).items()}


@dataclass(frozen=True)
class Booked:
    """A team's settled weeks in a period, from the ledger. Amounts in cents."""

    weeks: int = 0  # settled resident-weeks
    budget: int = 0
    health: int = 0
    core: int = 0
    reserve: int = 0
    from_savings: int = 0
    copay: int = 0
    to_savings: int = 0
    extras: int = 0

    @property
    def package_cost(self) -> int:
        return self.health + self.reserve + self.core + self.from_savings + self.copay


KIND_FIELDS = {"allocation": "budget", "health": "health", "core": "core", "reserve": "reserve",
               "savings_draw": "from_savings", "copay": "copay", "to_savings": "to_savings"}


def booked_by_team(organisation_id: int, start: date, end: date) -> dict[int, Booked]:
    """The settlements booked from ``start`` to ``end`` (exclusive) per team, by kind, and the extras."""
    values: dict[int, dict[str, int]] = {}
    for team_id, kind, total in db.session.execute(
            select(JournalEntry.team_id, LedgerLine.kind, func.sum(LedgerLine.amount_cents))
            .join(LedgerLine, LedgerLine.entry_id == JournalEntry.id)
            .where(JournalEntry.organisation_id == organisation_id, JournalEntry.kind == "settlement",
                   JournalEntry.booked_on >= start, JournalEntry.booked_on < end)
            .group_by(JournalEntry.team_id, LedgerLine.kind)):
        if team_id is not None and kind in KIND_FIELDS:
            values.setdefault(team_id, {})[KIND_FIELDS[kind]] = int(total)
    for team_id, count in db.session.execute(
            select(JournalEntry.team_id, func.count(JournalEntry.id))
            .where(JournalEntry.organisation_id == organisation_id, JournalEntry.kind == "settlement",
                   JournalEntry.booked_on >= start, JournalEntry.booked_on < end)
            .group_by(JournalEntry.team_id)):
        if team_id is not None:
            values.setdefault(team_id, {})["weeks"] = int(count)
    for team_id, cents in extras_by_team(organisation_id, start, end).items():
        values.setdefault(team_id, {})["extras"] = cents
    return {team_id: Booked(**fields) for team_id, fields in values.items()}
