"""Status at a glance: per resident the meter of the active package, the weekly co-payment,
savings, the next review, and what waits for someone (a proposal, a version to sign off,
uncovered health risks). For any number of residents in a fixed number of queries: one price
list and one budget table for the organisation, the versions with their lines loaded at once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from billing.ledger import savings_balances
from marketplace.core.db_types import local_today
from marketplace.core.extensions import db
from marketplace.core.policy import Perm, can

from .catalogue import budget_table, price_list, thresholds_of
from .domain import Category, coverage_gaps, measure, settle
from .models import Client, PackageVersion
from .models.packages import Status
from .requirements import open_risks, requirements_from, rules_of
from .reviews import ReviewState, review_states

# Sort keys of the staff's resident list (a query parameter, checked against this list).
SORT_KEYS = ("name", "meter", "review", "proposal", "signoff", "uncovered")
_COLOUR_RANK = {"red": 0, "orange": 1, "green": 2}


@dataclass(frozen=True)
class ResidentStatus:
    client: Client
    review: ReviewState
    savings_cents: int
    colour: str | None = None  # None: no active package or no budget
    load_tenths: int | None = None
    copay_cents: int | None = None  # the weekly co-payment of the active package
    proposal: bool = False  # a family's or supporter's proposal waits for the team
    submitted: bool = False  # a version waits for the nurse's sign-off
    uncovered: int | None = None  # required services below their minimum; None: not for this viewer

    @property
    def load_pct(self) -> str | None:
        if self.load_tenths is None:
            return None
        whole, tenth = divmod(self.load_tenths, 10)
        return f"{whole}.{tenth}"


def _meters(clients: list[Client], actives: dict[int, PackageVersion], savings: dict[int, int], day: date):
    """Per client (colour, load in tenths, weekly co-payment) of the active package, priced on ``day``."""
    result: dict[int, tuple[str, int, int]] = {}
    if not actives:
        return result
    org = clients[0].organisation
    prices, budgets, thresholds = price_list(org, day), budget_table(org, day), thresholds_of(org, day)
    for client in clients:
        version, budget = actives.get(client.id), budgets.get(client.care_profile or "")
        if version is None or not budget:
            continue
        health = core = 0
        for line in version.lines:
            priced = prices.get(line.service.code)
            if priced is None:
                continue
            if priced.category == Category.HEALTH:
                health += priced.unit_cents * line.per_week
            else:
                core += priced.unit_cents * line.per_week
        meter = measure(health, core, budget, thresholds)
        week = settle(health, core, budget, savings.get(client.id, 0), version.use_savings)
        result[client.id] = (meter.colour.value, meter.load_tenths, week.copay_cents)
    return result


def _uncovered(clients: list[Client], actives: dict[int, PackageVersion]) -> dict[int, int]:
    """The number of required services the active package lacks, per client (internal: the
    caller shows it only to those who may see health data, and only as a number)."""
    if not clients:
        return {}
    rules = rules_of(clients[0].organisation_id)
    risks = open_risks([c.id for c in clients])
    result = {}
    for client in clients:
        version = actives.get(client.id)
        planned = {line.service.code: line.per_week for line in version.lines} if version else {}
        required = requirements_from(risks[client.id], rules)
        result[client.id] = len(coverage_gaps(required, planned)) if required else 0
    return result


def statuses(actor, clients: list[Client], today: date | None = None) -> list[ResidentStatus]:
    """The status of each of ``clients`` (already in the actor's view), in their order.

    Clients all belong to the actor's organisation (``visible_clients`` scopes them).
    """
    if not clients:
        return []
    today = today or local_today()
    ids = [c.id for c in clients]
    actives = {v.client_id: v for v in db.session.scalars(
        select(PackageVersion).where(PackageVersion.client_id.in_(ids), PackageVersion.status == Status.ACTIVE.value))}
    waiting = set(db.session.execute(
        select(PackageVersion.client_id, PackageVersion.status).where(
            PackageVersion.client_id.in_(ids),
            PackageVersion.status.in_([Status.PROPOSAL.value, Status.SUBMITTED.value])).distinct()).all())
    savings = savings_balances(ids)
    meters = _meters(clients, actives, savings, today)
    reviews = review_states(clients, today)
    health_shown = [c for c in clients if can(actor, Perm.HEALTH_VIEW, c)]
    uncovered = _uncovered(health_shown, actives)
    result = []
    for client in clients:
        colour, load, copay = meters.get(client.id, (None, None, None))
        result.append(ResidentStatus(
            client=client, review=reviews[client.id], savings_cents=savings.get(client.id, 0),
            colour=colour, load_tenths=load, copay_cents=copay,
            proposal=(client.id, Status.PROPOSAL.value) in waiting,
            submitted=(client.id, Status.SUBMITTED.value) in waiting,
            uncovered=uncovered.get(client.id),
        ))
    return result


def sort_key(value: str | None) -> str:
    """The requested sort key if it is one of :data:`SORT_KEYS`, else ``name``."""
    return value if value in SORT_KEYS else "name"


def sorted_statuses(rows: list[ResidentStatus], key: str, descending: bool = False) -> list[ResidentStatus]:
    """Sort the resident list by a key of :data:`SORT_KEYS`; what needs attention first in ascending order."""
    def by(row: ResidentStatus):
        name = row.client.name.casefold()
        if key == "meter":
            return (_COLOUR_RANK.get(row.colour, 3), -(row.load_tenths or 0), name)
        if key == "review":
            days = row.review.days
            return (days is None, days if days is not None else 0, name)
        if key == "proposal":
            return (not row.proposal, name)
        if key == "signoff":
            return (not row.submitted, name)
        if key == "uncovered":
            return (-(row.uncovered or 0), name)
        return (name,)
    return sorted(rows, key=by, reverse=descending)


@dataclass(frozen=True)
class TeamCounts:
    team_id: int
    residents: int
    proposals: int
    to_sign: int
    overdue: int
    due: int
    uncovered: int


def team_counts(team_ids: list[int], rows: list[ResidentStatus]) -> dict[int, TeamCounts]:
    """The team lead's worklist in numbers: per team, what waits for someone."""
    result = {}
    for team_id in team_ids:
        mine = [r for r in rows if r.client.team_id == team_id]
        result[team_id] = TeamCounts(
            team_id, len(mine), sum(r.proposal for r in mine), sum(r.submitted for r in mine),
            sum(r.review.overdue for r in mine), sum(r.review.due for r in mine),
            sum(1 for r in mine if r.uncovered))
    return result
