"""The board's staffing and scenarios against DOMAIN.md's worked examples, computed by hand."""
from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace.board.scenarios import Changes, compute, scaled
from marketplace.board.snapshot import Member, Resident, ServiceCost, Snapshot, TeamInfo
from marketplace.board.staffing import (fte_milli_from_contract_hours, fte_milli_from_minutes, level_rows,
                                        minutes_per_level, presence_norms, weekly_staffing_cost)

DATA = Path(__file__).resolve().parents[2] / "care" / "data"


def _rows(name: str) -> list[dict]:
    with open(DATA / name, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


RATES = {row["code"]: int(row["base_hourly_cents"]) for row in _rows("staff_levels.csv")}
SERVICES = {row["code"]: ServiceCost(row["code"], row["category"], int(row["minutes"]), row["level"])
            for row in _rows("catalogue.csv")}
HEALTH = (("H01", 21), ("H04", 14), ("H10", 14))
# DOMAIN.md §4, the first three 5VV packages of the worked examples.
PACKAGES = (
    (("C01", 7), ("C02", 2), ("C03", 7), ("C07", 8), ("C08", 3)),
    (("C01", 7), ("C02", 2), ("C03", 7), ("C04", 7), ("C07", 8), ("C08", 5)),
    (("C01", 7), ("C02", 2), ("C03", 7), ("C04", 7), ("C07", 10), ("C08", 5)),
)
MEMBERS = (Member(1, "N2", 36), Member(1, "N3", 24), Member(1, "W", 18))


def residents(team_id: int = 1) -> tuple[Resident, ...]:
    return tuple(Resident(team_id, "5VV", HEALTH + package) for package in PACKAGES)


def snapshot(**kwargs) -> Snapshot:
    values = dict(day=date(2026, 11, 30), overhead_pct=20, rates=RATES, services=SERVICES, budgets={"5VV": 88560},
                  teams=(TeamInfo(1, "Team Eik", (1,), ("pg",)),), members=MEMBERS, residents=residents(),
                  profiles=("4VV", "5VV"))
    values.update(kwargs)
    return Snapshot(**values)


def test_three_5vv_packages_give_the_minutes_per_level_computed_by_hand():
    # Health, each package: H01×21×5 = 105 N3; H04×14×10 + H10×14×5 = 210 N2.
    # N2: (210+210+80+140) + (640+140) + (640+140) = 2200; N3: 3 × 105 = 315;
    # W: (240+30) + (240+50) + (300+50) = 910.
    assert minutes_per_level(residents(), SERVICES) == {"N2": 2200, "N3": 315, "W": 910}


def test_fte_is_hours_over_27_in_thousandths():
    # 2200 min = 36.67 h / 27 = 1.358; 315 min = 5.25 h / 27 = 0.194; 910 min = 15.17 h / 27 = 0.562.
    assert [fte_milli_from_minutes(m) for m in (2200, 315, 910)] == [1358, 194, 562]
    assert fte_milli_from_minutes(27 * 60) == 1000
    assert fte_milli_from_contract_hours(36) == 1000
    assert fte_milli_from_contract_hours(24) == 667


def test_level_rows_show_required_actual_gap_and_skill_mix():
    rows = {row.level: row for row in level_rows({"N2": 2200, "N3": 315, "W": 910}, {"N2": 36, "N3": 24, "W": 18})}
    assert rows["N2"].required_fte_milli == 1358 and rows["N2"].actual_fte_milli == 1000
    assert rows["N2"].gap_fte_milli == -358
    assert rows["N3"].gap_fte_milli == 667 - 194
    # Skill mix: 2200 / 3425 = 64.2 %, 315 / 3425 = 9.2 %, 910 / 3425 = 26.6 %.
    assert [rows[level].mix_tenths for level in ("N2", "N3", "W")] == [642, 92, 266]


def test_today_settles_the_worked_examples_through_settle():
    total = compute(snapshot()).total
    assert total.residents == 3
    assert total.budget == 3 * 88560
    assert total.health == 3 * 22890
    # Core from the budgets: 51380 + 62540 + (88560 − 22890); the third co-pays 1790.
    assert total.core == 51380 + 62540 + 65670
    assert total.copay == 1790
    assert total.to_savings == 14290 + 3130
    assert total.package_cost == 3 * 22890 + 51380 + 62540 + 67460
    assert total.required_minutes == {"N2": 2200, "N3": 315, "W": 910}
    assert total.required_fte_total_milli == 2114  # 3425 min / 60 / 27


def test_staffing_cost_is_contract_hours_times_the_integral_rate():
    # 36 × 4080 + 24 × 4920 + 18 × 4920 (DOMAIN.md §4's integral rates, overhead 20 %).
    assert weekly_staffing_cost(MEMBERS, RATES, 20) == 353520
    assert compute(snapshot()).total.staffing_cost == 353520


def test_wages_plus_five_percent_change_the_staffing_cost_by_exactly_five_percent():
    today = compute(snapshot()).total.staffing_cost
    plus5 = compute(snapshot(), Changes(wage_tenths=50)).total.staffing_cost
    assert plus5 == 371196  # 36 × 4284 + 42 × 5166
    assert plus5 * 100 == today * 105


@pytest.mark.parametrize("level", sorted(RATES))
def test_five_percent_on_every_reference_level_is_exact(level):
    member = [Member(1, level, 1)]
    assert weekly_staffing_cost(member, RATES, 20, 50) * 100 == weekly_staffing_cost(member, RATES, 20) * 105


@given(st.integers(1, 40), st.integers(100, 50_000), st.integers(0, 100), st.integers(-1000, 10_000))
def test_a_wage_change_is_rounded_once_per_rate(hours, base, overhead, change):
    cost = weekly_staffing_cost([Member(1, "N3", hours)], {"N3": base}, overhead, change)
    exact = hours * base * (100 + overhead) * (1000 + change) / 100_000
    assert abs(cost - exact) <= hours / 2


def test_budgets_plus_ten_percent_leave_more_unspent_and_no_copay():
    total = compute(snapshot(), Changes(budget_tenths=100)).total
    assert total.budget == 3 * scaled(88560, 100) == 3 * 97416
    assert total.copay == 0  # 67460 + 22890 = 90350 ≤ 97416


def test_no_change_is_today_and_a_scenario_changes_nothing_in_the_snapshot():
    snap = snapshot()
    before = repr(snap)
    assert compute(snap, Changes()) == compute(snap)
    compute(snap, Changes(wage_tenths=50, budget_tenths=-100, overhead_points=5,
                          residents=((1, "5VV", 6),), frequencies=(("C02", 3),)))
    assert repr(snap) == before


def test_doubling_the_residents_of_a_group_doubles_its_figures():
    today = compute(snapshot()).total
    double = compute(snapshot(), Changes(residents=((1, "5VV", 6),))).total
    assert double.residents == 6
    assert double.budget == 2 * today.budget
    assert double.required_minutes == {level: 2 * m for level, m in today.required_minutes.items()}
    assert double.staffing_cost == today.staffing_cost  # the same members


def test_a_profile_new_to_the_team_takes_the_organisations_average():
    snap = snapshot(teams=(TeamInfo(1, "Team Eik", (1,), ("pg",)), TeamInfo(2, "Team Beuk", (1,), ("pg",))))
    outcome = compute(snap, Changes(residents=((2, "5VV", 3),)))
    beuk = next(t for t in outcome.teams if t.team_id == 2).figures
    assert beuk.residents == 3 and beuk.budget == 3 * 88560
    assert beuk.required_minutes == {"N2": 2200, "N3": 315, "W": 910}


def test_a_service_frequency_across_all_packages():
    # C02 (40 min N2, 2720 per time) from 2 to 3 a week in the three packages: +120 min N2.
    changed = compute(snapshot(), Changes(frequencies=(("C02", 3),))).total
    assert changed.required_minutes["N2"] == 2200 + 3 * 40
    assert changed.package_cost == compute(snapshot()).total.package_cost + 3 * 2720


def test_overhead_points_raise_cost_prices():
    # C01 at 25 %: 30 × 3400 × 125 / 6000 = 2125 (2040 at 20 %).
    one = snapshot(residents=(Resident(1, "5VV", (("C01", 1),)),))
    assert compute(one, Changes(overhead_points=5)).total.core == 2125
    assert compute(one).total.core == 2040


def test_a_location_shows_only_the_teams_serving_it():
    snap = snapshot(teams=(TeamInfo(1, "Team Eik", (1,), ("pg",)), TeamInfo(2, "Team Beuk", (2,), ("pg",))))
    assert [t.team_id for t in compute(snap, Changes(location_id=2)).teams] == [2]


def test_presence_norms_against_the_members_contract_hours():
    # 112 h of presence need 112 / 0.75 = 149.3 contract hours; the three members have 78.
    checks = {c.norm: c for c in presence_norms(MEMBERS)}
    assert not checks["presence"].met
    assert checks["presence"].available_minutes == 78 * 45 and checks["presence"].needed_minutes == 112 * 60
    team = [Member(1, "N3", 36)] * 4 + [Member(1, "N2", 36)] * 2  # 216 h, 144 h of level 3
    checks = {c.norm: c for c in presence_norms(team)}
    assert checks["presence"].met and checks["peaks"].met  # 216 × 0.75 = 162 h ≥ 140 h
    assert not checks["level3"].met  # 4 × 36 h × 0.75 = 108 h of level 3 or higher < 112 h
    assert checks["level3"].available_minutes == 108 * 60
    checks = {c.norm: c for c in presence_norms(team + [Member(1, "N4", 8)])}  # + 6 h
    assert checks["level3"].met


def test_two_at_the_peaks_needs_two_people_whatever_their_hours():
    checks = {c.norm: c for c in presence_norms([Member(1, "N3", 40)])}
    assert not checks["peaks"].met and checks["peaks"].people == 1


def test_residents_counted_together_give_the_figures_of_each_one():
    one_by_one = compute(snapshot(residents=residents() * 4))
    together = compute(snapshot(residents=tuple(Resident(r.team_id, r.profile, r.lines, count=4)
                                                for r in residents())))
    assert together == one_by_one
    assert together.total.residents == 12
    changes = Changes(wage_tenths=50, residents=((1, "5VV", 5),), frequencies=(("C02", 3),))
    assert compute(snapshot(residents=residents() * 4), changes).total == \
        compute(snapshot(residents=tuple(Resident(r.team_id, r.profile, r.lines, count=4) for r in residents())),
                changes).total
