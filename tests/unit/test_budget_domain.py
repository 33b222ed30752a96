"""The rules of DOMAIN.md §4–5 with its worked examples, without app or database."""
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from care.domain import (FIRST_REVIEW_DAYS, MONTHS_BETWEEN_REVIEWS, Colour, NoBudget, add_months, colour_for,
                         cost_price, integral_hourly, measure, next_review, review_date, review_due,
                         round_half_up, settle, weekly_budget)

BASE = {"N1": 3000, "N2": 3400, "N3": 4100, "N4": 4600, "N5": 5250, "W": 4100, "HH": 3000}
# code: (minutes, level) from shared/data/catalogue.csv, the lines the worked examples use
SERVICES = {
    "C01": (30, "N2"), "C02": (40, "N2"), "C03": (20, "N2"), "C04": (20, "N2"), "C07": (30, "W"),
    "C08": (10, "W"), "C09": (15, "N3"), "C10": (30, "N1"),
    "H01": (5, "N3"), "H02": (20, "N4"), "H03": (10, "N2"), "H04": (10, "N2"), "H05": (15, "N2"),
    "H10": (5, "N2"), "H12": (20, "N2"), "H13": (15, "N4"), "X06": (180, "N2"),
}


def weekly(lines: dict[str, int]) -> int:
    return sum(n * cost_price(SERVICES[code][0], BASE[SERVICES[code][1]], 20) for code, n in lines.items())


@pytest.mark.parametrize("level, expected", [("N1", 3600), ("N2", 4080), ("N3", 4920), ("N4", 5520),
                                             ("N5", 6300), ("W", 4920), ("HH", 3600)])
def test_integral_hourly_rate_adds_twenty_percent_overhead(level, expected):
    assert integral_hourly(BASE[level], 20) == expected


@pytest.mark.parametrize("code, expected", [("C01", 2040), ("C02", 2720), ("H01", 410), ("X06", 12240)])
def test_cost_price_of_one_occurrence(code, expected):
    minutes, level = SERVICES[code]
    assert cost_price(minutes, BASE[level], 20) == expected


@pytest.mark.parametrize("hours_centi, expected", [(1250, 61500), (1800, 88560), (1850, 91020), (2200, 108240),
                                                   (2600, 127920), (1900, 93480), (2900, 142680)])
def test_weekly_budget_is_hours_times_integral_n3_rate(hours_centi, expected):
    assert weekly_budget(hours_centi, BASE["N3"], 20) == expected


def test_rounding_is_half_up_only_at_the_end():
    assert round_half_up(5, 2) == 3
    assert round_half_up(7, 3) == 2
    # 7 minutes of N1 at 20 %: 7 × 3000 × 120 / 6000 = 420 exactly; 1 minute of N3: 82
    assert cost_price(1, BASE["N3"], 20) == 82
    assert cost_price(1, 3333, 17) == 65  # 389.961 / 6 = 64.9935 → 65


B_5VV = 88560
HEALTH_5VV = {"H01": 21, "H04": 14, "H10": 14}

WORKED_EXAMPLES = [
    # core lines, savings balance, use savings, C, load, colour, from savings, co-pay, to savings
    ({"C01": 7, "C02": 2, "C03": 7, "C07": 8, "C08": 3}, 0, False, 51380, "83.9", Colour.GREEN, 0, 0, 14290),
    ({"C01": 7, "C02": 2, "C03": 7, "C04": 7, "C07": 8, "C08": 5}, 0, False, 62540, "96.5", Colour.ORANGE, 0, 0, 3130),
    ({"C01": 7, "C02": 2, "C03": 7, "C04": 7, "C07": 10, "C08": 5}, 0, False, 67460, "102.0", Colour.RED, 0, 1790, 0),
    ({"C01": 7, "C02": 3, "C03": 7, "C04": 7, "C07": 10, "C08": 5, "C09": 3, "C10": 2}, 5000, True, 77470, "113.3",
     Colour.RED, 5000, 6800, 0),
    ({"C01": 7, "C02": 3, "C03": 7, "C04": 7, "C07": 10, "C08": 5, "C09": 3, "C10": 2}, 5000, False, 77470, "113.3",
     Colour.RED, 0, 11800, 0),
]


def test_health_lines_of_the_worked_examples_cost_22890():
    assert weekly(HEALTH_5VV) == 22890


@pytest.mark.parametrize("core, balance, use, c, load, colour, from_savings, copay, to_savings", WORKED_EXAMPLES)
def test_worked_examples_5vv(core, balance, use, c, load, colour, from_savings, copay, to_savings):
    h = weekly(HEALTH_5VV)
    assert weekly(core) == c
    meter = measure(h, c, B_5VV)
    assert (meter.load_pct, meter.colour) == (load, colour)
    week = settle(h, c, B_5VV, balance, use)
    assert (week.from_savings, week.copay_cents, week.to_savings) == (from_savings, copay, to_savings)
    assert week.reserve_cents == 0 and not week.reindication_needed


def test_reindication_example_4vv():
    h = weekly({"H01": 21, "H02": 7, "H03": 28, "H04": 21, "H05": 7, "H12": 14, "H13": 7})
    c = weekly({"C09": 3})
    assert (h, c) == (90650, 3690)
    meter = measure(h, c, 61500)
    assert (meter.load_pct, meter.colour) == ("153.4", Colour.RED)
    week = settle(h, c, 61500)
    assert (week.health_from_budget, week.reserve_cents, week.reindication_needed) == (61500, 29150, True)
    assert (week.core_from_budget, week.copay_cents, week.to_savings) == (0, 3690, 0)
    assert settle(h, c, 61500, savings_balance_cents=10000, use_savings=True).from_savings == 3690


def test_meter_boundaries_follow_the_thresholds():
    assert colour_for(89, 100) == Colour.GREEN
    assert colour_for(90, 100) == Colour.ORANGE
    assert colour_for(100, 100) == Colour.ORANGE
    assert colour_for(101, 100) == Colour.RED


def test_no_budget_means_no_meter():
    with pytest.raises(NoBudget):
        measure(0, 100, 0)


amounts = st.integers(min_value=0, max_value=2_000_000)


@given(h=amounts, c=amounts, b=st.integers(min_value=1, max_value=2_000_000), savings=amounts, use=st.booleans())
def test_settlement_invariants(h, c, b, savings, use):
    week = settle(h, c, b, savings, use)
    values = (week.health_from_budget, week.reserve_cents, week.core_from_budget, week.from_savings,
              week.copay_cents, week.to_savings)
    assert all(v >= 0 for v in values)
    assert week.health_from_budget + week.core_from_budget + week.to_savings == b
    assert week.core_from_budget + week.from_savings + week.copay_cents == c
    assert week.health_from_budget + week.reserve_cents == h
    assert week.from_savings <= savings
    # health never produces a co-payment: the co-payment never exceeds the core cost
    assert week.copay_cents <= c
    meter = measure(h, c, b)
    expected = Colour.GREEN if (h + c) * 100 < 90 * b else Colour.ORANGE if h + c <= b else Colour.RED
    assert meter.colour == expected


@given(h=amounts, b=st.integers(min_value=1, max_value=2_000_000))
def test_health_lines_never_create_a_copay(h, b):
    assert settle(h, 0, b).copay_cents == 0


@pytest.mark.parametrize("start, group, number, expected", [
    (date(2026, 1, 1), "somatic", 1, date(2026, 2, 12)),
    (date(2026, 1, 1), "somatic", 2, date(2026, 3, 12)),
    (date(2026, 1, 1), "pg", 2, date(2026, 5, 12)),
    (date(2026, 1, 1), "structured_living", 3, date(2026, 8, 12)),
    (date(2025, 12, 20), "somatic", 1, date(2026, 1, 31)),
    (date(2025, 12, 20), "somatic", 2, date(2026, 2, 28)),
    (date(2025, 12, 20), "somatic", 3, date(2026, 3, 31)),
    (date(2025, 12, 20), "pg", 2, date(2026, 4, 30)),
])
def test_review_dates(start, group, number, expected):
    assert review_date(start, group, number) == expected


@pytest.mark.parametrize("start, group, number, expected", [
    (date(2026, 1, 1), "somatic", 1, date(2026, 2, 12)),
    (date(2026, 1, 1), "somatic", 2, date(2026, 3, 12)),
    (date(2026, 1, 1), "pg", 2, date(2026, 5, 12)),
    (date(2026, 1, 1), "structured_living", 3, date(2026, 8, 12)),
    (date(2025, 12, 20), "somatic", 1, date(2026, 1, 31)),
    (date(2025, 12, 20), "somatic", 2, date(2026, 2, 28)),
    (date(2025, 12, 20), "somatic", 3, date(2026, 3, 31)),
    (date(2025, 12, 20), "pg", 2, date(2026, 4, 30)),
])
def test_reviews_held_on_their_date_keep_the_worked_examples(start, group, number, expected):
    held = [review_date(start, group, n) for n in range(1, number)]
    assert next_review(start, group, held) == expected


@pytest.mark.parametrize("group, months", [("somatic", 1), ("pg", 3), ("structured_living", 3)])
def test_a_review_held_late_moves_the_cycle_from_the_day_it_was_held(group, months):
    start = date(2026, 1, 1)  # first review due 12 February
    assert next_review(start, group, [date(2026, 2, 20)]) == add_months(date(2026, 2, 20), months)
    # and the cycle goes on from there, on that day of the month
    assert next_review(start, group, [date(2026, 2, 20), add_months(date(2026, 2, 20), months)]) \
        == add_months(date(2026, 2, 20), 2 * months)


def test_a_review_held_early_in_its_window_moves_the_cycle_from_that_day():
    assert next_review(date(2026, 1, 1), "somatic", [date(2026, 2, 5)]) == date(2026, 3, 5)


def test_reviews_held_again_on_one_day_move_the_cycle_one_interval_only():
    start = date(2026, 1, 1)
    assert next_review(start, "somatic", [date(2026, 2, 12)] * 5) == date(2026, 3, 12)


def test_a_review_is_due_from_two_weeks_before_its_date():
    assert not review_due(date(2026, 3, 12), date(2026, 2, 25))
    assert review_due(date(2026, 3, 12), date(2026, 2, 26))
    assert review_due(date(2026, 3, 12), date(2026, 4, 1))


@given(start=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
       group=st.sampled_from(["somatic", "pg", "structured_living"]),
       delays=st.lists(st.integers(min_value=-14, max_value=120), max_size=8))
def test_the_next_review_is_one_interval_after_the_last_review_held(start, group, delays):
    """Whenever each review is held (from its window on), the next is one interval after the last,
    give or take the days a month-end moves it."""
    held = []
    for delay in delays:
        held.append(next_review(start, group, held) + timedelta(days=delay))
    nxt = next_review(start, group, held)
    if not held:
        assert nxt == start + timedelta(days=FIRST_REVIEW_DAYS)
    else:
        one_interval = add_months(held[-1], MONTHS_BETWEEN_REVIEWS[group])
        assert one_interval <= nxt <= one_interval + timedelta(days=3)


def test_add_months_uses_the_last_day_of_a_shorter_month():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)


from care.domain import (  # noqa: E402
    RiskRuleSpec, coverage_gaps, required_care, unfounded_health_lines, with_required)

RULES = [RiskRuleSpec("42", "actual", "H01", 21), RiskRuleSpec("42", "potential", "H01", 7),
         RiskRuleSpec("30", "actual", "H04", 14), RiskRuleSpec("21", "potential", "H10", 14),
         RiskRuleSpec("21", "actual", "H10", 14), RiskRuleSpec("24", "potential", "H03", 14)]


def test_required_care_of_the_worked_example():
    required = required_care([("42", "actual"), ("30", "actual"), ("21", "potential")], RULES)
    assert {code: r.min_per_week for code, r in required.items()} == HEALTH_5VV
    assert required["H01"].omaha == ("42",)


def test_modifier_matters_and_unknown_risks_require_nothing():
    assert required_care([("42", "potential")], RULES)["H01"].min_per_week == 7
    assert required_care([("42", "health_promotion"), ("99", "actual")], RULES) == {}


def test_a_prescription_sets_the_minimum_above_or_below_the_rule():
    raised = required_care([("24", "potential")], RULES, {("24", "H03"): 21})["H03"]
    assert (raised.min_per_week, raised.rule_min, raised.lowered) == (21, 14, False)
    lowered = required_care([("24", "potential")], RULES, {("24", "H03"): 2})["H03"]
    assert (lowered.min_per_week, lowered.rule_min, lowered.lowered) == (2, 14, True)


def test_a_lowering_for_one_risk_leaves_another_risks_minimum_for_the_same_service():
    rules = [*RULES, RiskRuleSpec("30", "actual", "H03", 7)]
    required = required_care([("24", "potential"), ("30", "actual")], rules, {("24", "H03"): 2})
    assert required["H03"].min_per_week == 7 and required["H03"].omaha == ("24", "30")


def test_health_lines_without_a_risk_that_requires_them_are_unfounded():
    required = required_care([("42", "actual")], RULES)
    health = {"H01", "H03", "H04"}
    assert unfounded_health_lines({"H01": 21, "H03": 14, "H04": 0, "C01": 7}, health, required) == ["H03"]
    assert unfounded_health_lines({"H01": 21, "C01": 7}, health, required) == []


def test_coverage_gaps_and_auto_added_lines():
    required = required_care([("42", "actual"), ("24", "potential")], RULES)
    assert coverage_gaps(required, {"H01": 21, "H03": 14}) == []
    gaps = coverage_gaps(required, {"H01": 20})
    assert [(g.service, g.required, g.planned) for g in gaps] == [("H01", 21, 20), ("H03", 14, 0)]
    assert with_required({"H01": 25, "C01": 7}, required) == {"H01": 25, "H03": 14, "C01": 7}
