"""Staffing from the packages (DOMAIN.md §8): pure functions over plain values.

Minutes per week of the active packages per staff level → hours → FTE = hours / 27 (36 contract
hours × 0.75 productive); the team's actual FTE = its members' contract hours / 36; the gap; the
presence norms of psychogeriatric living groups checked against the members' contract hours and
levels (there are no rosters: the check asks whether the hours could cover the norm at all).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from care.domain import integral_hourly, round_half_up

from .snapshot import Member, Resident, ServiceCost

LEVELS = ("N1", "N2", "N3", "N4", "N5", "W", "HH")
LEVEL_3_OR_HIGHER = frozenset({"N3", "N4", "N5"})
CONTRACT_HOURS_PER_FTE = 36
PRODUCTIVE_HOURS_PER_FTE = 27  # 36 × 0.75
DAYS = 7
PRESENCE_HOURS_PER_DAY = 16  # someone present in the living room from 7:00 to 23:00
PEAK_HOURS_PER_DAY = 4       # a second carer at the peaks: 7:00–9:00 (morning care) and 17:00–19:00 (meal)


def minutes_per_level(residents: Iterable[Resident], services: Mapping[str, ServiceCost],
                      frequencies: Mapping[str, int] | None = None) -> dict[str, int]:
    """Direct-care minutes per week per staff level of the residents' packages (each ``count`` times).

    ``frequencies`` (a scenario) sets a service's times per week in every package holding it.
    """
    frequencies = frequencies or {}
    minutes: dict[str, int] = {}
    for resident in residents:
        for code, per_week in resident.lines:
            service = services.get(code)
            if service is None or service.category == "luxury":
                continue
            times = frequencies.get(code, per_week)
            minutes[service.level] = minutes.get(service.level, 0) + resident.count * times * service.minutes
    return minutes


def fte_milli_from_minutes(minutes: int) -> int:
    """Required FTE in thousandths: minutes / 60 / 27. 2200 min (36 h 40) → 1358 (1.358 FTE)."""
    return round_half_up(minutes * 1000, 60 * PRODUCTIVE_HOURS_PER_FTE)


def fte_milli_from_contract_hours(hours: int) -> int:
    """Actual FTE in thousandths: contract hours / 36. 24 h → 667."""
    return round_half_up(hours * 1000, CONTRACT_HOURS_PER_FTE)


def hours_per_level(members: Iterable[Member]) -> dict[str, int]:
    hours: dict[str, int] = {}
    for member in members:
        hours[member.level] = hours.get(member.level, 0) + member.contract_hours
    return hours


@dataclass(frozen=True)
class LevelStaffing:
    level: str
    required_minutes: int
    required_fte_milli: int
    actual_hours: int
    actual_fte_milli: int
    mix_tenths: int  # this level's share of the required minutes, in tenths of a percent

    @property
    def gap_fte_milli(self) -> int:
        """Actual minus required: negative is a shortage."""
        return self.actual_fte_milli - self.required_fte_milli


def level_rows(required_minutes: Mapping[str, int], actual_hours: Mapping[str, int]) -> list[LevelStaffing]:
    """One row per level that is required or staffed, in the order of LEVELS."""
    total = sum(required_minutes.values())
    rows = []
    for level in LEVELS:
        minutes, hours = required_minutes.get(level, 0), actual_hours.get(level, 0)
        if not minutes and not hours:
            continue
        rows.append(LevelStaffing(level, minutes, fte_milli_from_minutes(minutes), hours,
                                  fte_milli_from_contract_hours(hours),
                                  round_half_up(minutes * 1000, total) if total else 0))
    return rows


def weekly_staffing_cost(members: Iterable[Member], rates: Mapping[str, int], overhead_pct: int,
                         wage_change_tenths: int = 0) -> int:
    """Contract hours × the level's integral hourly rate (overhead included, DOMAIN.md §4), per week.

    A member of a level without a rate on the day costs nothing here (the catalogue has every level).
    """
    return sum(member.contract_hours * integral_hourly(rates[member.level], overhead_pct, wage_change_tenths)
               for member in members if member.level in rates)


# -- presence norms (quality framework for nursing homes, 2017; DOMAIN.md §8) -------------------

@dataclass(frozen=True)
class NormCheck:
    """A norm against the productive hours (contract hours × 0.75) the members could give.

    ``needed_minutes`` and ``available_minutes`` are per week; ``people``/``needed_people`` count members.
    """

    norm: str  # presence, peaks, level3
    met: bool
    needed_minutes: int
    available_minutes: int
    needed_people: int
    people: int


def productive_minutes(contract_hours: int) -> int:
    return contract_hours * 60 * PRODUCTIVE_HOURS_PER_FTE // CONTRACT_HOURS_PER_FTE


def presence_norms(members: Iterable[Member]) -> list[NormCheck]:
    """The three norms of a psychogeriatric living group checked against its members.

    - presence: someone familiar present from 7:00 to 23:00 every day (112 h a week);
    - peaks: two carers at the peak moments: two people, and 112 h + 4 h a day (140 h a week);
    - level3: a carer of level 3 or higher available day and evening (7:00–23:00, 112 h a week)
      from the members of level N3, N4 or N5.
    """
    staffed = [m for m in members if m.contract_hours > 0]
    everyone = sum(productive_minutes(m.contract_hours) for m in staffed)
    level3 = [m for m in staffed if m.level in LEVEL_3_OR_HIGHER]
    level3_minutes = sum(productive_minutes(m.contract_hours) for m in level3)
    presence = PRESENCE_HOURS_PER_DAY * DAYS * 60
    peaks = (PRESENCE_HOURS_PER_DAY + PEAK_HOURS_PER_DAY) * DAYS * 60
    return [
        NormCheck("presence", everyone >= presence and len(staffed) >= 1, presence, everyone, 1, len(staffed)),
        NormCheck("peaks", everyone >= peaks and len(staffed) >= 2, peaks, everyone, 2, len(staffed)),
        NormCheck("level3", level3_minutes >= presence and len(level3) >= 1, presence, level3_minutes, 1,
                  len(level3)),
    ]
