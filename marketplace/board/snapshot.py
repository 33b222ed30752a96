"""The organisation as the board's computations see it on one day: plain, frozen values.

No names, rooms or health detail: a resident is a team, a profile and the package's lines
(service codes and frequencies). Everything the board computes (staffing, the budget, every
scenario) runs over a snapshot through the same pure functions; a scenario changes the
snapshot's inputs, never the live data.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class TeamInfo:
    id: int
    name: str
    location_ids: tuple[int, ...]
    target_groups: tuple[str, ...]


@dataclass(frozen=True)
class Member:
    team_id: int
    level: str
    contract_hours: int  # per week


@dataclass(frozen=True)
class ServiceCost:
    """A service as priced on the day: its minutes and level (the cost price follows from the rates)."""

    code: str
    category: str  # core, health, luxury
    minutes: int
    level: str
    material_cents: int = 0


@dataclass(frozen=True)
class Resident:
    """A resident's active package, anonymous: only what the figures need. ``count`` residents of
    the team have exactly this package, profile and savings (the snapshot counts them together)."""

    team_id: int
    profile: str | None
    lines: tuple[tuple[str, int], ...]  # (service code, per week)
    use_savings: bool = False
    savings_cents: int = 0
    count: int = 1


@dataclass(frozen=True)
class Snapshot:
    day: date
    overhead_pct: int
    rates: dict[str, int]  # staff level → base hourly cents
    services: dict[str, ServiceCost]
    budgets: dict[str, int]  # care profile → weekly budget cents
    teams: tuple[TeamInfo, ...]
    members: tuple[Member, ...] = ()
    residents: tuple[Resident, ...] = ()
    # Each team's extras (its own and its freelancers' share, net of refunds) per week, the average
    # of the weeks before the day: scenarios keep it as it is.
    extras_per_week: dict[int, int] = field(default_factory=dict)
    profiles: tuple[str, ...] = ()  # every known care profile
