"""The board's competition dashboard (issue 14, item 1) against a hand-computed fixture.

November 2026 (Mondays 2, 9, 16, 23 and 30) in organisation A:

* T1 (Team Eik) serves ``own`` until the family's choice moves it to T2 on Monday 9 November,
  c3, c4 and c6 (who moves to T3 on 7 December, after the period), and c5 from Monday 16
  November, when c5 moves over from T2.  Residents served: own, c3, c4, c5, c6 = 5.
* T2 (Team Beuk) serves ``other``, ``own`` from 9 November and c5 until 16 November = 3.
* T3 serves nobody in November = 0.  Total 8: market shares 62.5 %, 37.5 %, 0.0 %.
* Switches in November: T1 in 1 (c5), out 1 (own); T2 in 1 (own), out 1 (c5); T3 none.
* Package income (ledger, DOMAIN.md §4 worked examples): c3's 5VV week (H 22890, C 51380,
  B 88560) settled on 2 and 9 November pays T1 2 × 74270 = 148540; a week of 26 October is
  outside the period. ``other``'s 4VV re-indication week (H 90650, C 3690, B 61500) on
  16 November pays T2 61500 + 29150 (reserve) + 3690 (co-payment) = 94340: one re-indication.
* Extras into T1: a team extra of 4080 (T1 3672, fee 408) with a refund of 2040 (T1 back
  1836): own extras 1836; a freelancer's extra of 4080 (fee 204, T1 612, freelancer 3264):
  freelancers' share 612.  T2 sells a team extra of 100000: T2 90000.
* Staffing cost of T1: carer N3 24 h, nurse N4 24 h, team lead N4 24 h, freelancer 0 h, at the
  integral rates with 20 % overhead (N3 4920, N4 5520): 24 × 4920 + 2 × 24 × 5520 = 383040 a
  week, × 5 Mondays = 1915200. T2 and T3 have no members: 0.
* Health: c3 has risk 42 (H01 21×/week) covered by its active package; ``other`` has the
  same risk and a package without H01: T2 covers 0 of 1 risk. T2 is red and ranks last, below
  T3 with no residents at all, whatever T2's revenue.
"""
from __future__ import annotations

from datetime import date

import pytest

from marketplace.board import competition as comp
from marketplace.core.errors import AccessDenied, InvalidInput

from ..board_basis import NOVEMBER, build_market

@pytest.fixture
def market(health_world):
    return build_market(health_world)


def by_name(data: comp.Competition) -> dict[str, comp.TeamFigures]:
    return {row.name: row for row in data.teams}


def test_market_share_and_switches_over_november(market):
    data = comp.competition(market.users["board"], NOVEMBER)
    rows = by_name(data)
    t1, t2, t3 = rows[market.team.name], rows[market.other_team.name], rows[market.third_team.name]
    assert (t1.residents, t2.residents, t3.residents) == (5, 3, 0)
    assert (t1.share_tenths, t2.share_tenths, t3.share_tenths) == (625, 375, 0)
    assert (t1.switches_in, t1.switches_out) == (1, 1)
    assert (t2.switches_in, t2.switches_out) == (1, 1)
    assert (t3.switches_in, t3.switches_out) == (0, 0)


def test_switches_of_december_are_not_novembers(market):
    december = comp.competition(market.users["board"], comp.Period(date(2026, 12, 1), date(2026, 12, 31)))
    rows = by_name(december)
    assert rows[market.third_team.name].switches_in == 1
    assert rows[market.team.name].switches_out == 1
    assert rows[market.other_team.name].switches_in == 0


def test_package_income_and_reindications_from_the_settlements(market):
    rows = by_name(comp.competition(market.users["board"], NOVEMBER))
    t1, t2 = rows[market.team.name], rows[market.other_team.name]
    assert t1.package_income == 2 * 74270
    assert t2.package_income == 61500 + 29150 + 3690
    assert (t1.reindications, t2.reindications) == (0, 1)
    assert t2.reserve_cents == 29150


def test_extras_revenue_net_of_a_refund_split_into_own_and_freelancers(market):
    rows = by_name(comp.competition(market.users["board"], NOVEMBER))
    t1, t2 = rows[market.team.name], rows[market.other_team.name]
    assert t1.extras_own == 3672 - 1836
    assert t1.extras_freelancers == 612
    assert t1.extras == 2448
    assert (t2.extras_own, t2.extras_freelancers) == (90000, 0)


def test_staffing_cost_and_result_at_integral_rates(market):
    data = comp.competition(market.users["board"], NOVEMBER)
    rows = by_name(data)
    t1, t2 = rows[market.team.name], rows[market.other_team.name]
    assert t1.staffing_cost == 5 * (24 * 4920 + 2 * 24 * 5520) == 1915200
    assert t1.result == 148540 + 2448 - 1915200
    assert t2.staffing_cost == 0
    assert t2.result == 94340 + 90000
    assert data.overhead_pct == 20


def test_guardrail_a_team_with_an_uncovered_risk_ranks_below_every_team_at_100(market):
    data = comp.competition(market.users["board"], NOVEMBER)
    rows = by_name(data)
    t1, t2, t3 = rows[market.team.name], rows[market.other_team.name], rows[market.third_team.name]
    assert (t1.risks, t1.risks_covered, t1.coverage_tenths, t1.fully_covered) == (1, 1, 1000, True)
    assert (t2.risks, t2.risks_covered, t2.coverage_tenths, t2.fully_covered) == (1, 0, 0, False)
    assert t3.fully_covered and t3.residents == 0
    # T2 earns most and serves more residents than T3, yet ranks below both teams at 100 %.
    assert t2.result > t1.result and t2.residents > t3.residents
    assert [row.name for row in data.teams] == [t1.name, t3.name, t2.name]
    assert [row.rank for row in data.teams] == [1, 2, 3]


def test_the_page_shows_the_red_team_last_and_labelled(market, client, auth):
    auth.login(market.email("board"))
    response = client.get("/board/?date_from=2026-11-01&date_to=2026-11-30")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    red = html.index('class="below-coverage"')
    assert html.index(market.team.name) < html.index(market.third_team.name) < red
    assert html.index(market.other_team.name, red) > red
    assert f"/teams/{market.team.id}/offer" in html and f"/teams/{market.team.id}/statement" in html
    assert html.count("<svg class=\"chart\"") == 2


def test_the_board_lands_on_the_dashboard(market, client, auth):
    auth.login(market.email("board"))
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/board/")


def test_api_gives_the_same_figures(market, client, auth):
    auth.login(market.email("board"))
    response = client.get("/api/v1/board/competition?date_from=2026-11-01&date_to=2026-11-30")
    assert response.status_code == 200
    body = response.get_json()
    teams = {t["name"]: t for t in body["teams"]}
    t1 = teams[market.team.name]
    assert (t1["residents"], t1["market_share_tenths"], t1["extras_own_cents"], t1["extras_freelancers_cents"]) == (
        5, 625, 1836, 612)
    assert teams[market.other_team.name]["below_full_coverage"] is True
    assert [t["rank"] for t in body["teams"]] == [1, 2, 3]
    assert len(body["trends"]) == 12 and body["trends"][-1]["month"] == "2026-11"
    assert body["trends"][-2]["package_income_cents"] == 74270  # October's one week


def test_csv_of_the_ranking_and_of_the_trends(market, client, auth):
    auth.login(market.email("board"))
    teams = client.get("/board/competition.csv?table=teams&date_from=2026-11-01&date_to=2026-11-30")
    assert teams.status_code == 200 and teams.mimetype == "text/csv"
    lines = teams.get_data(as_text=True).splitlines()
    assert lines[0].split(";") == comp.TEAM_COLUMNS
    first = dict(zip(comp.TEAM_COLUMNS, lines[1].split(";")))
    assert (first["team"], first["residents"], first["market_share_pct"]) == (market.team.name, "5", "62.5")
    trends = client.get("/board/competition.csv?table=trends&date_from=2026-11-01&date_to=2026-11-30")
    rows = trends.get_data(as_text=True).splitlines()
    assert rows[0].split(";") == comp.TREND_COLUMNS and len(rows) == 13
    assert rows[-1].startswith("2026-11;")


@pytest.mark.parametrize(("query", "field"), [
    ("date_from=2026-11-30&date_to=2026-11-01", "date_to"),
    ("date_from=2020-01-01&date_to=2025-01-01", "date_to"),
    ("date_from=2026-13-01", "date_from"),
    ("date_from=２０２６-11-01", "date_from"),
    ("location_id=abc", "location_id"),
    ("location_id=999999", "location_id"),
])
def test_bad_periods_and_locations_are_refused_with_a_message(market, client, auth, query, field):
    auth.login(market.email("board"))
    api = client.get(f"/api/v1/board/competition?{query}")
    assert api.status_code == 422
    assert field in api.get_json()["error"]["fields"]
    page = client.get(f"/board/?{query}")
    assert page.status_code == 422
    assert f'id="{field}-error"' in page.get_data(as_text=True)


def test_a_period_of_exactly_five_years_is_accepted():
    assert comp.period_of(date(2021, 1, 1), date(2025, 12, 31)) == comp.Period(date(2021, 1, 1), date(2025, 12, 31))
    with pytest.raises(InvalidInput):
        comp.period_of(date(2021, 1, 1), date(2026, 1, 1))


def test_only_the_board_and_the_administrator_see_the_figures(market):
    for role in ("team_lead", "nurse", "family", "client_supporter"):
        with pytest.raises(AccessDenied):
            comp.competition(market.users[role], NOVEMBER)
    assert comp.competition(market.users["admin"], NOVEMBER).teams


def test_the_location_filter_keeps_the_teams_serving_it(market):
    location = market.team.locations[0]
    assert len(comp.competition(market.users["board"], NOVEMBER, location.id).teams) == 3
