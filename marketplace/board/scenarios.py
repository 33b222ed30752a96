"""Scenarios: what the organisation's week would look like with other tariffs, wages, overhead,
residents or frequencies. Pure computation over a snapshot; today is the scenario without changes.

Every figure goes through the live system's own functions: cost prices and integral rates
(care.domain.cost_price / integral_hourly), the weekly settlement (care.domain.settle), the
staffing (board/staffing.py). A scenario changes the inputs, never the formulas.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, fields, replace
from typing import Iterable, Mapping

from care.domain import cost_price, round_half_up, settle

from .snapshot import Resident, Snapshot
from .staffing import (LEVELS, fte_milli_from_contract_hours, fte_milli_from_minutes, hours_per_level,
                       minutes_per_level, weekly_staffing_cost)

MIN_PCT_TENTHS, MAX_PCT_TENTHS = -1000, 10000  # −100 % to 1000 %
MAX_OVERHEAD_PCT = 100  # as the organisation's settings
MAX_RESIDENTS = 1000
MAX_PER_WEEK = 99


@dataclass(frozen=True)
class Changes:
    """What a scenario changes. Percentages in tenths: 50 is +5 %."""

    budget_tenths: int = 0      # budgets (tariffs) per profile
    wage_tenths: int = 0        # base wages of every level
    overhead_points: int = 0    # percentage points added to the overhead: 20 % + 2 is 22 %
    residents: tuple[tuple[int, str, int], ...] = ()  # (team id, profile, number of residents)
    frequencies: tuple[tuple[str, int], ...] = ()     # (core service code, times per week in every package)
    location_id: int | None = None                     # only the teams serving this location

    @property
    def is_today(self) -> bool:
        return self == Changes(location_id=self.location_id)

    def as_json(self) -> dict:
        return {"budget_tenths": self.budget_tenths, "wage_tenths": self.wage_tenths,
                "overhead_points": self.overhead_points,
                "residents": [{"team_id": t, "profile": p, "count": n} for t, p, n in self.residents],
                "frequencies": [{"service": s, "per_week": n} for s, n in self.frequencies],
                "location_id": self.location_id}

    @classmethod
    def from_json(cls, data: Mapping) -> Changes:
        """From what :meth:`as_json` stored (trusted: it was checked when saved)."""
        return cls(int(data.get("budget_tenths", 0)), int(data.get("wage_tenths", 0)),
                   int(data.get("overhead_points", 0)),
                   tuple((int(r["team_id"]), str(r["profile"]), int(r["count"])) for r in data.get("residents", [])),
                   tuple((str(f["service"]), int(f["per_week"])) for f in data.get("frequencies", [])),
                   data.get("location_id"))


def scaled(cents: int, change_tenths: int) -> int:
    """``cents`` changed by tenths of a percent, rounded half up: 88560 +5 % → 92988."""
    return round_half_up(cents * (1000 + change_tenths), 1000)


@dataclass(frozen=True)
class Figures:
    """A team's (or the total's) week. Amounts in cents per week."""

    residents: int = 0
    budget: int = 0
    health: int = 0           # health care paid from the budgets
    core: int = 0             # core care paid from the budgets
    reserve: int = 0          # health care beyond the budget: the organisation's reserve (re-indications)
    from_savings: int = 0
    copay: int = 0
    to_savings: int = 0
    reindications: int = 0    # residents whose health care costs more than their budget
    staffing_cost: int = 0
    extras: int = 0
    required_minutes: Mapping[str, int] = field(default_factory=dict)
    actual_hours: Mapping[str, int] = field(default_factory=dict)

    @property
    def package_cost(self) -> int:
        """What the packages cost: health and core, however paid."""
        return self.health + self.reserve + self.core + self.from_savings + self.copay

    @property
    def income(self) -> int:
        """What the team budget receives: the package cost plus the extras."""
        return self.package_cost + self.extras

    @property
    def result(self) -> int:
        """The team budget result: income minus staffing cost."""
        return self.income - self.staffing_cost

    def required_fte_milli(self, level: str) -> int:
        return fte_milli_from_minutes(self.required_minutes.get(level, 0))

    def actual_fte_milli(self, level: str) -> int:
        return fte_milli_from_contract_hours(self.actual_hours.get(level, 0))

    @property
    def required_fte_total_milli(self) -> int:
        return fte_milli_from_minutes(sum(self.required_minutes.values()))

    @property
    def actual_fte_total_milli(self) -> int:
        return fte_milli_from_contract_hours(sum(self.actual_hours.values()))

    def __add__(self, other: Figures) -> Figures:
        sums = {f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)
                if f.name not in ("required_minutes", "actual_hours")}
        return Figures(**sums, required_minutes=_add(self.required_minutes, other.required_minutes),
                       actual_hours=_add(self.actual_hours, other.actual_hours))


def _add(a: Mapping[str, int], b: Mapping[str, int]) -> dict[str, int]:
    return {level: a.get(level, 0) + b.get(level, 0) for level in LEVELS if level in a or level in b}


@dataclass(frozen=True)
class TeamOutcome:
    team_id: int
    name: str
    figures: Figures
    profile_mix: Mapping[str, int]  # profile → residents


@dataclass(frozen=True)
class Outcome:
    teams: list[TeamOutcome]
    total: Figures
    overhead_pct: int


def unit_prices(snapshot: Snapshot, overhead_pct: int, changes: Changes) -> dict[str, int]:
    """Every service's cost price under the scenario: care.domain.cost_price, once per service."""
    return {code: cost_price(s.minutes, snapshot.rates[s.level], overhead_pct, s.material_cents, changes.wage_tenths)
            for code, s in snapshot.services.items() if s.category != "luxury" and s.level in snapshot.rates}


def resident_week(resident: Resident, snapshot: Snapshot, prices: Mapping[str, int], changes: Changes,
                  frequencies: Mapping[str, int]) -> Figures:
    """One resident's week through the live formulas (the cost prices, then care.domain.settle)."""
    health = core = 0
    for code, per_week in resident.lines:
        unit = prices.get(code)
        if unit is None:
            continue
        times = frequencies.get(code, per_week)
        if snapshot.services[code].category == "health":
            health += times * unit
        else:
            core += times * unit
    budget = snapshot.budgets.get(resident.profile or "")
    if budget is None:  # no indication: nothing to settle (billing skips them too); the care is still given
        return Figures(residents=1)
    week = settle(health, core, scaled(budget, changes.budget_tenths), resident.savings_cents, resident.use_savings)
    return Figures(residents=1, budget=week.budget_cents, health=week.health_from_budget, core=week.core_from_budget,
                   reserve=week.reserve_cents, from_savings=week.from_savings, copay=week.copay_cents,
                   to_savings=week.to_savings, reindications=int(week.reindication_needed))


SUMMED = tuple(f.name for f in fields(Figures) if f.name not in ("required_minutes", "actual_hours"))


def _scale_figures(figures: Figures, count: int, of: int) -> Figures:
    """A group of ``of`` residents' figures as if it held ``count``: each sum × count / of."""
    def part(value: int) -> int:
        return round_half_up(value * count, of)
    plain = {name: part(getattr(figures, name)) for name in SUMMED if name != "residents"}
    return Figures(**plain, residents=count,
                   required_minutes={k: part(v) for k, v in figures.required_minutes.items()})


def _group(residents: Iterable[Resident], snapshot: Snapshot, prices: Mapping[str, int], changes: Changes,
           frequencies: Mapping[str, int]) -> Figures:
    """The residents' weeks summed. Residents with the same package, profile and savings have the
    same week: each such package is computed once and counted as often as it occurs."""
    sums = dict.fromkeys(SUMMED, 0)
    minutes: dict[str, int] = {}
    for resident, times in Counter(residents).items():
        count = times * resident.count
        week = resident_week(resident, snapshot, prices, changes, frequencies)
        for name in SUMMED:
            sums[name] += count * getattr(week, name)
        for level, value in minutes_per_level([replace(resident, count=1)], snapshot.services, frequencies).items():
            minutes[level] = minutes.get(level, 0) + count * value
    return Figures(**sums, required_minutes=_add(minutes, {}))


def compute(snapshot: Snapshot, changes: Changes = Changes()) -> Outcome:
    """The week of every team (and the total) under ``changes``; ``Changes()`` is today.

    A changed number of residents of a profile in a team scales that group's figures (its
    residents' average); a group that has none takes the average of the organisation's residents
    of that profile, or a resident without a package when there is none.
    """
    overhead_pct = snapshot.overhead_pct + changes.overhead_points
    prices = unit_prices(snapshot, overhead_pct, changes)
    frequencies = dict(changes.frequencies)
    counts = {(team, profile): n for team, profile, n in changes.residents}
    teams = [t for t in snapshot.teams if changes.location_id is None or changes.location_id in t.location_ids]
    by_group: dict[tuple[int, str | None], list[Resident]] = {}
    by_profile: dict[str | None, list[Resident]] = {}
    for resident in snapshot.residents:
        by_group.setdefault((resident.team_id, resident.profile), []).append(resident)
        by_profile.setdefault(resident.profile, []).append(resident)
    outcomes = []
    total = Figures()
    for team in teams:
        figures = Figures()
        mix: dict[str, int] = {}
        profiles = {p for (t, p) in by_group if t == team.id} | {p for (t, p) in counts if t == team.id}
        for profile in sorted(profiles, key=lambda p: p or ""):
            group = by_group.get((team.id, profile), [])
            size = sum(r.count for r in group)
            wanted = counts.get((team.id, profile or ""), size)
            if wanted == size:
                part = _group(group, snapshot, prices, changes, frequencies)
            elif group:
                part = _scale_figures(_group(group, snapshot, prices, changes, frequencies), wanted, size)
            else:
                model = by_profile.get(profile) or [Resident(team.id, profile, ())]
                part = _scale_figures(_group(model, snapshot, prices, changes, frequencies), wanted,
                                      sum(r.count for r in model))
            if wanted:
                mix[profile or ""] = wanted
            figures = figures + part
        members = [m for m in snapshot.members if m.team_id == team.id]
        figures = replace(figures, staffing_cost=weekly_staffing_cost(members, snapshot.rates, overhead_pct,
                                                                      changes.wage_tenths),
                          actual_hours=hours_per_level(members), extras=snapshot.extras_per_week.get(team.id, 0))
        outcomes.append(TeamOutcome(team.id, team.name, figures, dict(sorted(mix.items()))))
        total = total + figures
    return Outcome(outcomes, total, overhead_pct)
