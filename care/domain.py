"""The pure rules of the person-following budget (DOMAIN.md §4–5).

Plain functions over plain values: no Flask, no database. Amounts are integer cents;
rounding is half up to whole cents, and only at the end of each formula.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Iterable

from marketplace.core.calendar import add_months



class NoBudget(ValueError):
    """The client has no care profile, so there is no weekly budget to measure against."""


def round_half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half up (away from zero for halves) to an int."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    sign = -1 if numerator < 0 else 1
    quotient, remainder = divmod(abs(numerator), denominator)
    if remainder * 2 >= denominator:
        quotient += 1
    return sign * quotient


def integral_hourly(base_hourly_cents: int, overhead_pct: int, wage_change_tenths: int = 0) -> int:
    """Hourly rate including overhead: N3 4100 at 20 % → 4920.

    ``wage_change_tenths`` (the board's scenarios) changes the base wage by tenths of a percent
    inside the one rounding: 4920 with +5 % (50) → 5166, exactly 5 % more.
    """
    return round_half_up(base_hourly_cents * (100 + overhead_pct) * (1000 + wage_change_tenths), 100 * 1000)


def cost_price(minutes: int, base_hourly_cents: int, overhead_pct: int, material_cents: int = 0,
               wage_change_tenths: int = 0) -> int:
    """Integral cost price of one occurrence: C01 (30 min, N2 3400, 20 %) → 2040.

    ``wage_change_tenths`` as in :func:`integral_hourly` (material does not change with wages).
    """
    return round_half_up(minutes * base_hourly_cents * (100 + overhead_pct) * (1000 + wage_change_tenths),
                         6000 * 1000) + material_cents


def weekly_budget(hours_per_week_centi: int, n3_base_hourly_cents: int, overhead_pct: int) -> int:
    """Indicated hours per week (in hundredths of an hour) × the integral N3 rate.

    5VV: 18 h → ``weekly_budget(1800, 4100, 20)`` = 88560.
    """
    return round_half_up(hours_per_week_centi * n3_base_hourly_cents * (100 + overhead_pct), 100 * 100)


class Category(StrEnum):
    CORE = "core"
    HEALTH = "health"
    LUXURY = "luxury"


class Colour(StrEnum):
    GREEN = "green"
    ORANGE = "orange"
    RED = "red"


@dataclass(frozen=True)
class Thresholds:
    """Meter thresholds, in percent of the budget (organisation settings)."""

    orange_from_pct: int = 90
    red_above_pct: int = 100


@dataclass(frozen=True)
class PricedLine:
    service_code: str
    per_week: int
    unit_cents: int
    is_health: bool

    @property
    def weekly_cents(self) -> int:
        return self.per_week * self.unit_cents


@dataclass(frozen=True)
class Meter:
    budget_cents: int
    health_cents: int
    core_cents: int
    load_tenths: int  # the load in tenths of a percent: 839 means 83.9 %
    colour: Colour

    @property
    def total_cents(self) -> int:
        return self.health_cents + self.core_cents

    @property
    def load_pct(self) -> str:
        """One decimal, as text so it never becomes a float: ``"83.9"``."""
        whole, tenth = divmod(self.load_tenths, 10)
        return f"{whole}.{tenth}"


def colour_for(total_cents: int, budget_cents: int, thresholds: Thresholds = Thresholds()) -> Colour:
    """Green below the orange threshold; orange up to and including the red threshold; red above."""
    if total_cents * 100 < thresholds.orange_from_pct * budget_cents:
        return Colour.GREEN
    if total_cents * 100 <= thresholds.red_above_pct * budget_cents:
        return Colour.ORANGE
    return Colour.RED


def measure(health_cents: int, core_cents: int, budget_cents: int,
            thresholds: Thresholds = Thresholds()) -> Meter:
    """The meter for a week's package cost against the budget.

    :raises NoBudget: when the budget is not positive.
    """
    if budget_cents <= 0:
        raise NoBudget()
    if health_cents < 0 or core_cents < 0:
        raise ValueError("costs cannot be negative")
    total = health_cents + core_cents
    return Meter(
        budget_cents=budget_cents,
        health_cents=health_cents,
        core_cents=core_cents,
        load_tenths=round_half_up(total * 1000, budget_cents),
        colour=colour_for(total, budget_cents, thresholds),
    )


def measure_lines(lines: Iterable[PricedLine], budget_cents: int, thresholds: Thresholds = Thresholds()) -> Meter:
    health = core = 0
    for line in lines:
        if line.is_health:
            health += line.weekly_cents
        else:
            core += line.weekly_cents
    return measure(health, core, budget_cents, thresholds)


@dataclass(frozen=True)
class Settlement:
    """How one week's package is paid (DOMAIN.md §4, 'Settling a week')."""

    budget_cents: int
    health_cents: int
    core_cents: int
    health_from_budget: int
    reserve_cents: int  # health care the budget could not pay: the organisation's reserve pays
    core_from_budget: int
    from_savings: int
    copay_cents: int
    to_savings: int

    @property
    def reindication_needed(self) -> bool:
        return self.reserve_cents > 0


def settle(health_cents: int, core_cents: int, budget_cents: int, savings_balance_cents: int = 0,
           use_savings: bool = False) -> Settlement:
    """Split a week's cost over budget, reserve, savings and co-payment, in the order of §4.

    Health care never produces a co-payment; savings pay core lines only.
    """
    if min(health_cents, core_cents, budget_cents, savings_balance_cents) < 0:
        raise ValueError("amounts cannot be negative")
    health_from_budget = min(health_cents, budget_cents)
    reserve = health_cents - health_from_budget
    core_from_budget = min(core_cents, budget_cents - health_from_budget)
    excess = core_cents - core_from_budget
    from_savings = min(excess, savings_balance_cents) if use_savings else 0
    return Settlement(
        budget_cents=budget_cents,
        health_cents=health_cents,
        core_cents=core_cents,
        health_from_budget=health_from_budget,
        reserve_cents=reserve,
        core_from_budget=core_from_budget,
        from_savings=from_savings,
        copay_cents=excess - from_savings,
        to_savings=budget_cents - health_from_budget - core_from_budget,
    )


# -- reviews (DOMAIN.md §5) -----------------------------------------------------------------

FIRST_REVIEW_DAYS = 42
MONTHS_BETWEEN_REVIEWS = {"somatic": 1, "pg": 3, "structured_living": 3}


def review_date(package_start: date, target_group: str, number: int) -> date:
    """The date of review ``number`` (1 = the first, 42 days after the start)."""
    if number < 1:
        raise ValueError("reviews are numbered from 1")
    first = package_start + timedelta(days=FIRST_REVIEW_DAYS)
    return add_months(first, (number - 1) * MONTHS_BETWEEN_REVIEWS[target_group])


# A review may be held from two weeks before its date (the team worklist shows it from then);
# earlier, it is an extra review, which needs a reason and leaves the schedule as it is.
DUE_WITHIN_DAYS = 14


def next_review(package_start: date, target_group: str, regular_held: Iterable[date]) -> date:
    """The next regular review, given the days the regular reviews were held, in order.

    The cycle continues from the last regular review held: one interval after it. While reviews
    are held on their date, the dates keep the day of the month of the first review (the last
    day of a shorter month, DOMAIN.md §5); a review held on another day starts the count anew
    from that day. Extra reviews are not passed in: they never shift the cycle.
    """
    months = MONTHS_BETWEEN_REVIEWS[target_group]
    anchor, steps = package_start + timedelta(days=FIRST_REVIEW_DAYS), 0
    for held_on in regular_held:
        if held_on == add_months(anchor, steps * months):
            steps += 1
        else:
            anchor, steps = held_on, 1
    return add_months(anchor, steps * months)


def review_due(next_on: date, day: date) -> bool:
    """Whether a regular review may be held on ``day``: from two weeks before its date on."""
    return day >= next_on - timedelta(days=DUE_WITHIN_DAYS)


# -- health risks (DOMAIN.md §1, §4) --------------------------------------------------------

@dataclass(frozen=True)
class RiskRuleSpec:
    omaha: str
    modifier: str
    service: str
    min_per_week: int


@dataclass(frozen=True)
class Requirement:
    """A health line the package must hold: at least ``min_per_week``, because of ``omaha``.

    ``rule_min`` is what the rules alone would require; a nurse's prescription may set the
    minimum above it or, with a reason, below it (``lowered``).
    """

    service: str
    min_per_week: int
    omaha: tuple[str, ...]  # the problems that require it, sorted
    rule_min: int = 0

    @property
    def lowered(self) -> bool:
        return self.min_per_week < self.rule_min


@dataclass(frozen=True)
class Gap:
    service: str
    required: int
    planned: int
    omaha: tuple[str, ...]


def required_care(risks: Iterable[tuple[str, str]], rules: Iterable[RiskRuleSpec],
                  prescriptions: dict[tuple[str, str], int] | None = None) -> dict[str, Requirement]:
    """The health lines that the active risks require, by service code.

    ``risks`` are (omaha, modifier) pairs; ``prescriptions`` maps (omaha, service) to a
    client's own minimum, set by the nurse with a reason: it takes the place of the rule's
    minimum for that risk, higher or lower. When several risks need one service, the highest
    minimum holds.
    """
    prescriptions = prescriptions or {}
    by_rule: dict[tuple[str, str], list[RiskRuleSpec]] = {}
    for rule in rules:
        by_rule.setdefault((rule.omaha, rule.modifier), []).append(rule)
    minimum: dict[str, int] = {}
    by_rules: dict[str, int] = {}
    reasons: dict[str, set[str]] = {}
    for omaha, modifier in risks:
        for rule in by_rule.get((omaha, modifier), []):
            needed = prescriptions.get((omaha, rule.service), rule.min_per_week)
            minimum[rule.service] = max(minimum.get(rule.service, 0), needed)
            by_rules[rule.service] = max(by_rules.get(rule.service, 0), rule.min_per_week)
            reasons.setdefault(rule.service, set()).add(omaha)
    return {code: Requirement(code, minimum[code], tuple(sorted(reasons[code])), by_rules[code])
            for code in sorted(minimum)}


def unfounded_health_lines(planned: dict[str, int], health_codes: Iterable[str],
                           required: dict[str, Requirement]) -> list[str]:
    """Health lines of a package that no active risk requires: not a documented basis for care
    that is never charged, so the package cannot be signed off with them."""
    return sorted(code for code in health_codes if planned.get(code, 0) > 0 and code not in required)


def coverage_gaps(required: dict[str, Requirement], planned: dict[str, int]) -> list[Gap]:
    """Required lines that the package holds less often than their minimum."""
    return [Gap(code, req.min_per_week, planned.get(code, 0), req.omaha)
            for code, req in required.items() if planned.get(code, 0) < req.min_per_week]


def with_required(planned: dict[str, int], required: dict[str, Requirement]) -> dict[str, int]:
    """The package with every required line raised to at least its minimum."""
    result = dict(planned)
    for code, req in required.items():
        result[code] = max(result.get(code, 0), req.min_per_week)
    return result
