"""Budget over time (issue 10, item 6): the chart's numbers against a worked scenario.

A 5VV resident (budget 885,60 a week, health care 228,90) has the green package of DOMAIN.md
from Monday 2 November 2026, and from 16 November the big package (chosen care 774,70) with
"use savings". Settled weeks 45 to 49:

| week of | cost     | from savings | co-pay | savings after |
| 2 Nov   | 742,70   | 0            | 0      | 142,90        |
| 9 Nov   | 742,70   | 0            | 0      | 285,80        |
| 16 Nov  | 1003,60  | 118,00       | 0      | 167,80        |
| 23 Nov  | 1003,60  | 118,00       | 0      | 49,80         |
| 30 Nov  | 1003,60  | 49,80        | 68,20  | 0             |
"""
from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest
import time_machine

from billing.history import WeekRow, budget_history, history_chart
from billing.settlement import settle_week
from marketplace.core.charts import nice_step
from tests.integration.test_settlement import BIG, GREEN, give_package
from tests.unit.test_budget_domain import HEALTH_5VV

NOW = datetime(2026, 12, 8, 9, 0, tzinfo=timezone.utc)
B = 88560

EXPECTED = [
    WeekRow(date(2026, 11, 2), B, 74270, 0, 0, 14290, 14290, (1,)),
    WeekRow(date(2026, 11, 9), B, 74270, 0, 0, 14290, 28580, ()),
    WeekRow(date(2026, 11, 16), B, 100360, 0, 11800, 0, 16780, (2,)),
    WeekRow(date(2026, 11, 23), B, 100360, 0, 11800, 0, 4980, ()),
    WeekRow(date(2026, 11, 30), B, 100360, 6820, 4980, 0, 0, ()),
]


@pytest.fixture
def scenario(priced_world):
    w = priced_world
    with time_machine.travel(NOW, tick=False):
        give_package(w, w.own, {**HEALTH_5VV, **GREEN}, active_from=date(2026, 11, 2))
        give_package(w, w.own, {**HEALTH_5VV, **BIG}, use_savings=True, active_from=date(2026, 11, 16))
        for week in ("2026-W45", "2026-W46", "2026-W47", "2026-W48", "2026-W49"):
            settle_week(week)
        yield w


def test_history_follows_the_worked_scenario(scenario):
    rows = budget_history(scenario.users["family"], scenario.own, today=date(2026, 12, 8))
    assert rows == EXPECTED


def test_history_keeps_only_the_last_weeks(scenario):
    rows = budget_history(scenario.users["family"], scenario.own, today=date(2026, 12, 8), weeks=2)
    assert [r.monday for r in rows] == [date(2026, 11, 23), date(2026, 11, 30)]
    assert rows[0].savings_balance == 4980  # the balance counts the weeks before the window too


def test_chart_draws_three_series_told_apart_without_colour(scenario, app):
    rows = budget_history(scenario.users["family"], scenario.own, today=date(2026, 12, 8))
    with app.test_request_context():
        svg = str(history_chart(scenario.own, rows))
    assert 'role="img"' in svg and "<title id=\"budget-chart-title\">" in svg and "<desc" in svg
    groups = re.findall(r'<g class="series" data-series="([^"]+)">(.*?)</g>', svg)
    assert len(groups) == 3
    dashes = {re.search(r'stroke-dasharray="([^"]*)"', body).group(1) if "stroke-dasharray" in body else ""
              for _, body in groups}
    assert len(dashes) == 3  # solid, dashed, dotted
    shapes = [("circle" in body, "rect" in body, "polygon" in body) for _, body in groups]
    assert sorted(shapes) == sorted([(True, False, False), (False, True, False), (False, False, True)])
    # The package-cost line: 742,70 twice, then 1003,60 three times → two heights, the second higher.
    cost = dict(groups)[next(name for name, _ in groups if "ost" in name)]
    ys = [float(y) for y in re.findall(r'<circle cx="[0-9.]+" cy="([0-9.]+)"', cost)]
    assert len(ys) == 5 and ys[0] == ys[1] > ys[2] == ys[3] == ys[4]
    # The y axis runs from 0 to a round value above 1003,60 (step 250,00 → top 1250,00).
    labels = re.findall(r'text-anchor="end" fill="#1b1f24">([^<]+)<', svg)
    assert labels == ["€ 0", "€ 250", "€ 500", "€ 750", "€ 1.000", "€ 1.250"]


def test_history_page_shows_the_chart_and_the_table(scenario, client, auth):
    with time_machine.travel(NOW, tick=False):
        auth.login(scenario.email("family"))
        html = client.get(f"/clients/{scenario.own.id}/budget/history").get_data(as_text=True)
    assert "<svg" in html and "week of 16 November" in html or "16 november" in html
    for amount in ("€ 742,70", "€ 1.003,60", "€ 68,20", "€ 167,80", "€ 49,80"):
        assert amount in html
    assert "2026-W4" not in html


def test_without_settled_weeks_the_page_says_so(priced_world, client, auth):
    auth.login(priced_world.email("family"))
    response = client.get(f"/clients/{priced_world.own.id}/budget/history")
    assert response.status_code == 200 and "<svg class=\"chart\"" not in response.get_data(as_text=True)


@pytest.mark.parametrize("maximum, step", [(100360, 25000), (1, 1), (0, 1), (400, 100), (401, 100),
                                           (88560, 20000), (1000, 200), (1001, 250)])
def test_nice_step_is_one_two_or_five_times_a_power_of_ten(maximum, step):
    assert nice_step(maximum) == step


def test_the_api_gives_the_same_weeks(scenario, client, auth):
    with time_machine.travel(NOW, tick=False):
        auth.login(scenario.email("family"))
        weeks = client.get(f"/api/v1/clients/{scenario.own.id}/budget/history").get_json()["weeks"]
    assert [(w["monday"], w["package_cost_cents"], w["copay_cents"], w["savings_balance_cents"]) for w in weeks] == \
        [(r.monday.isoformat(), r.package_cost, r.copay, r.savings_balance) for r in EXPECTED]
    assert weeks[2]["versions_started"] == [2]
