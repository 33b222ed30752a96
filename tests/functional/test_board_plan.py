"""The board's staffing, budget and scenarios through the pages and the API (issue 14, items 2–5),
against DOMAIN.md's worked examples computed by hand."""
from __future__ import annotations

import re
import time
from datetime import date

import pytest
from sqlalchemy import func, select

from billing.domain import LineKind, Transfer, settlement_transfers
from billing.ledger import book
from care.domain import settle
from care.meter import reading_of
from care.models import PackageLine, PackageVersion, Service, StaffLevelRate
from care.models.packages import Status
from marketplace.board.models import BoardScenario
from marketplace.core.extensions import db
from marketplace.core.roles import Role
from marketplace.demo import DEMO_PASSWORD, load_demo
from teams.models import TeamAssignment
from tests.factories import add_member, make_client, make_location, make_team, make_user

HEALTH = {"H01": 21, "H04": 14, "H10": 14}
PACKAGES = (
    {"C01": 7, "C02": 2, "C03": 7, "C07": 8, "C08": 3},
    {"C01": 7, "C02": 2, "C03": 7, "C04": 7, "C07": 8, "C08": 5},
    {"C01": 7, "C02": 2, "C03": 7, "C04": 7, "C07": 10, "C08": 5},
)


@pytest.fixture
def plan_world(priced_world):
    """A team 'Team Plan' (psychogeriatric) with the three 5VV packages of DOMAIN.md §4 and three members."""
    world = priced_world
    location = make_location(world.org, "Plan")
    team = make_team(world.org, location, "Team Plan")
    team.target_groups = ["pg"]
    services = {s.code: s for s in db.session.scalars(select(Service).where(Service.organisation_id == world.org.id))}
    nurse = world.users["nurse"]
    clients = []
    for i, core in enumerate(PACKAGES):
        client = make_client(world.org, location, team, f"Geheime Naam{i}", profile="5VV", group="pg")
        db.session.add(PackageVersion(client_id=client.id, number=1, status=Status.ACTIVE.value, created_by=nurse,
                                      signed_by=nurse, active_from=date(2026, 1, 5), lines=[
                                          PackageLine(service_id=services[code].id, per_week=n)
                                          for code, n in {**HEALTH, **core}.items()]))
        clients.append(client)
    for level, hours in (("N2", 36), ("N3", 24), ("W", 18)):
        add_member(team, make_user(world.org, Role.CARER), "carer", level, hours)
    db.session.commit()
    world.plan_team, world.plan_location, world.plan_clients = team, location, clients
    return world


def team_of(body: dict, team_id: int) -> dict:
    return next(t for t in body["teams"] if t["team_id"] == team_id)


def test_staffing_of_three_5vv_packages_is_the_hand_computed_minutes_and_fte(auth, plan_world):
    auth.login(plan_world.email("board"))
    response = auth.client.get("/api/v1/board/staffing?week=2026-W49")
    assert response.status_code == 200
    team = team_of(response.get_json(), plan_world.plan_team.id)
    levels = {row["level"]: row for row in team["levels"]}
    # N2 2200 min = 36.7 h → 1.358 FTE; N3 315 min → 0.194; W 910 min → 0.562 (hours / 27).
    assert {k: v["required_minutes"] for k, v in levels.items()} == {"N2": 2200, "N3": 315, "W": 910}
    assert {k: v["required_fte_milli"] for k, v in levels.items()} == {"N2": 1358, "N3": 194, "W": 562}
    # Members: N2 36 h = 1.000 FTE, N3 24 h = 0.667, W 18 h = 0.500 (contract hours / 36).
    assert {k: v["actual_fte_milli"] for k, v in levels.items()} == {"N2": 1000, "N3": 667, "W": 500}
    assert levels["N2"]["gap_fte_milli"] == -358
    assert team["required_fte_milli"] == 2114
    norms = {n["norm"]: n for n in team["presence_norms"]}
    assert not norms["presence"]["met"] and norms["presence"]["available_minutes"] == 78 * 45


def test_the_staffing_page_shows_the_figures_and_the_reasons(auth, plan_world):
    auth.login(plan_world.email("board"))
    html = auth.client.get("/board/staffing?week=2026-W49").get_data(as_text=True)
    assert "Team Plan" in html
    assert "1,36" in html and "36,7" in html  # FTE and hours of N2, Dutch decimals
    assert "niet gehaald" in html or "not met" in html
    assert "contracturen" in html.lower() or "contract hours" in html.lower()


def test_budget_week_settles_the_worked_examples(auth, plan_world):
    auth.login(plan_world.email("board"))
    body = auth.client.get("/api/v1/board/budget?year=2026&week=2026-W49").get_json()
    week = team_of(body, plan_world.plan_team.id)["week"]
    assert week["budget_cents"] == 3 * 88560
    assert week["health_cents"] == 3 * 22890
    assert week["copay_cents"] == 1790
    assert week["to_savings_cents"] == 14290 + 3130
    assert week["package_cost_cents"] == 3 * 22890 + 51380 + 62540 + 67460
    assert week["staffing_cost_cents"] == 36 * 4080 + 24 * 4920 + 18 * 4920
    assert team_of(body, plan_world.plan_team.id)["profile_mix"] == {"5VV": 3}


def test_todays_package_cost_is_the_meters_no_second_formula(auth, plan_world):
    """The board's figures for each resident equal what the composer's meter shows."""
    day = date(2026, 12, 7)
    meters = []
    for client in plan_world.plan_clients:
        version = db.session.scalar(select(PackageVersion).where(PackageVersion.client_id == client.id))
        meters.append(reading_of(client, version, day))
    auth.login(plan_world.email("board"))
    week = team_of(auth.client.get("/api/v1/board/budget?year=2026&week=2026-W50").get_json(),
                   plan_world.plan_team.id)["week"]
    assert week["health_cents"] + week["reserve_cents"] == sum(m.meter.health_cents for m in meters)
    assert week["package_cost_cents"] == sum(m.meter.total_cents for m in meters)
    assert week["copay_cents"] == sum(m.settlement.copay_cents for m in meters)


def test_wages_plus_five_percent_change_the_staffing_cost_by_exactly_five_percent(auth, plan_world):
    auth.login(plan_world.email("board"))
    response = auth.client.post("/api/v1/board/scenarios", json={"name": "Lonen +5", "wage_pct": 5},
                                headers={"X-CSRFToken": auth.csrf})
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    today = team_of(body["today"], plan_world.plan_team.id)["staffing_cost_cents"]
    scenario = team_of(body["scenario"], plan_world.plan_team.id)["staffing_cost_cents"]
    assert today == 353520 and scenario == 371196
    assert scenario * 100 == today * 105
    assert body["scenario"]["total"]["staffing_cost_cents"] * 100 == body["today"]["total"]["staffing_cost_cents"] * 105
    # Opened again, it is computed anew and the same.
    again = auth.client.get(f"/api/v1/board/scenarios/{body['id']}").get_json()
    assert team_of(again["scenario"], plan_world.plan_team.id)["staffing_cost_cents"] == 371196


def test_a_scenario_never_changes_live_data(auth, plan_world):
    rates_before = db.session.execute(select(StaffLevelRate.id, StaffLevelRate.base_hourly_cents)).all()
    lines_before = db.session.execute(select(PackageLine.id, PackageLine.per_week)).all()
    auth.login(plan_world.email("board"))
    team = plan_world.plan_team.id
    response = auth.client.post("/api/v1/board/scenarios", headers={"X-CSRFToken": auth.csrf}, json={
        "name": "Alles anders", "wage_pct": "12,5", "budget_pct": -3, "overhead_points": 5,
        "residents": [{"team_id": team, "profile": "5VV", "count": 6}],
        "frequencies": [{"service": "C02", "per_week": 3}]})
    assert response.status_code == 201
    scenario = team_of(response.get_json()["scenario"], team)
    assert scenario["residents"] == 6
    db.session.expire_all()
    assert db.session.execute(select(StaffLevelRate.id, StaffLevelRate.base_hourly_cents)).all() == rates_before
    assert db.session.execute(select(PackageLine.id, PackageLine.per_week)).all() == lines_before


BAD = [
    ({"wage_pct": -100.5}, "wage_pct"),
    ({"wage_pct": 1000.1}, "wage_pct"),
    ({"budget_pct": "1001"}, "budget_pct"),
    ({"budget_pct": "vijf"}, "budget_pct"),
    ({"budget_pct": "٥"}, "budget_pct"),  # an Arabic-Indic five
    ({"overhead_points": -21}, "overhead_points"),
    ({"overhead_points": 81}, "overhead_points"),
    ({"location_id": 999999}, "location_id"),
    ({"residents": [{"team_id": 999999, "profile": "5VV", "count": 3}]}, "residents.0.team_id"),
    ({"residents": [{"team_id": "OTHER", "profile": "11VV", "count": 3}]}, "residents.0.profile"),
    ({"residents": [{"team_id": "TEAM", "profile": "5VV", "count": -1}]}, "residents.0.count"),
    ({"frequencies": [{"service": "H01", "per_week": 3}]}, "frequencies.0.service"),
    ({"frequencies": [{"service": "C02", "per_week": 100}]}, "frequencies.0.per_week"),
]


@pytest.mark.parametrize("change,field", BAD)
def test_bad_input_is_a_clear_message_and_nothing_is_saved(auth, plan_world, change, field):
    residents = change.get("residents")
    if residents:
        ids = {"TEAM": plan_world.plan_team.id, "OTHER": plan_world.foreign_team.id}
        change = {**change, "residents": [{**r, "team_id": ids.get(r["team_id"], r["team_id"])} for r in residents]}
    if field == "residents.0.profile":
        field_team = plan_world.foreign_team.id  # another organisation's team is unknown too
        assert change["residents"][0]["team_id"] == field_team
    auth.login(plan_world.email("board"))
    response = auth.client.post("/api/v1/board/scenarios", json={"name": "Fout", **change},
                                headers={"X-CSRFToken": auth.csrf})
    assert response.status_code == 422, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert field in error["fields"] and error["fields"][field]
    assert db.session.scalar(select(func.count(BoardScenario.id))) == 0


def test_a_team_outside_the_chosen_location_is_refused(auth, plan_world):
    auth.login(plan_world.email("board"))
    response = auth.client.post("/api/v1/board/scenarios", headers={"X-CSRFToken": auth.csrf}, json={
        "name": "Elders", "location_id": plan_world.plan_location.id,
        "residents": [{"team_id": plan_world.team.id, "profile": "5VV", "count": 2}]})
    assert response.status_code == 422
    assert "residents.0.team_id" in response.get_json()["error"]["fields"]
    assert db.session.scalar(select(func.count(BoardScenario.id))) == 0


def test_another_organisations_team_is_unknown(auth, plan_world):
    auth.login(plan_world.email("board"))
    response = auth.client.post("/api/v1/board/scenarios", headers={"X-CSRFToken": auth.csrf}, json={
        "name": "Vreemd", "residents": [{"team_id": plan_world.foreign_team.id, "profile": "5VV", "count": 1}]})
    assert response.status_code == 422
    assert "residents.0.team_id" in response.get_json()["error"]["fields"]


def test_a_scenario_name_used_twice_is_refused_and_nothing_saved(auth, plan_world):
    auth.login(plan_world.email("board"))
    first = auth.client.post("/api/v1/board/scenarios", json={"name": "Groei", "budget_pct": 2},
                             headers={"X-CSRFToken": auth.csrf})
    assert first.status_code == 201
    second = auth.client.post("/api/v1/board/scenarios", json={"name": " Groei ", "wage_pct": 3},
                              headers={"X-CSRFToken": auth.csrf})
    assert second.status_code == 409
    assert second.get_json()["error"]["code"] == "name_taken"
    assert db.session.scalar(select(func.count(BoardScenario.id))) == 1


def test_the_page_shows_a_clear_message_next_to_the_field(auth, plan_world):
    auth.login(plan_world.email("board"))
    page = auth.client.get("/board/scenarios").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    response = auth.client.post("/board/scenarios", data={"csrf_token": token, "wage_pct": "1001", "action": "show"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="wage_pct-error"' in html and 'aria-invalid="true"' in html
    response = auth.client.post("/board/scenarios", data={"csrf_token": token, "wage_pct": "5", "action": "show"})
    assert response.status_code == 200 and "scenario-result" in response.get_data(as_text=True)
    saved = auth.client.post("/board/scenarios", data={"csrf_token": token, "wage_pct": "5", "action": "save",
                                                       "name": "Lonen"})
    assert saved.status_code == 302
    twice = auth.client.post("/board/scenarios", data={"csrf_token": token, "wage_pct": "6", "action": "save",
                                                       "name": "Lonen"})
    assert twice.status_code == 409 and 'id="name-error"' in twice.get_data(as_text=True)
    assert db.session.scalar(select(func.count(BoardScenario.id))) == 1


def test_compare_two_saved_scenarios(auth, plan_world):
    auth.login(plan_world.email("board"))
    ids = []
    for name, change in (("Lonen", {"wage_pct": 5}), ("Tarief", {"budget_pct": 10})):
        ids.append(auth.client.post("/api/v1/board/scenarios", json={"name": name, **change},
                                    headers={"X-CSRFToken": auth.csrf}).get_json()["id"])
    body = auth.client.get(f"/api/v1/board/scenarios/compare?a={ids[0]}&b={ids[1]}").get_json()
    team = plan_world.plan_team.id
    assert team_of(body["a"]["scenario"], team)["staffing_cost_cents"] == 371196
    assert team_of(body["b"]["scenario"], team)["budget_cents"] == 3 * 97416
    assert team_of(body["today"], team)["budget_cents"] == 3 * 88560
    page = auth.client.get(f"/board/scenarios/compare?a={ids[0]}&b={ids[1]}")
    assert page.status_code == 200 and "Tarief" in page.get_data(as_text=True)
    listed = auth.client.get("/api/v1/board/scenarios").get_json()["scenarios"]
    assert [s["name"] for s in listed] == ["Lonen", "Tarief"]


def test_another_organisations_scenario_is_not_found(auth, plan_world):
    scenario = BoardScenario(organisation_id=plan_world.other_org.id, name="Van B", changes={},
                             created_by_id=plan_world.foreign_admin.id)
    db.session.add(scenario)
    db.session.commit()
    auth.login(plan_world.email("board"))
    assert auth.client.get(f"/api/v1/board/scenarios/{scenario.id}").status_code == 404
    assert auth.client.get(f"/board/scenarios/{scenario.id}").status_code == 404


@pytest.mark.parametrize("role", ["carer", "nurse", "team_lead", "family", "client_supporter"])
def test_only_the_board_and_administrators(auth, plan_world, role):
    auth.login(plan_world.email(role))
    for path in ("/board/staffing", "/board/budget", "/board/scenarios", "/api/v1/board/staffing",
                 "/api/v1/board/budget", "/api/v1/board/scenarios"):
        assert auth.client.get(path).status_code == 403, path


def test_bad_periods_are_refused(auth, plan_world):
    auth.login(plan_world.email("board"))
    assert auth.client.get("/api/v1/board/budget?year=1999").status_code == 422
    assert auth.client.get("/api/v1/board/budget?year=2026&week=2025-W10").status_code == 422
    assert auth.client.get("/api/v1/board/staffing?week=2026-W99").status_code == 422
    assert auth.client.get("/board/budget?year=twee").status_code == 422


def test_no_resident_name_room_or_health_code_on_the_boards_pages(auth, plan_world):
    auth.login(plan_world.email("board"))
    ids = auth.client.post("/api/v1/board/scenarios", json={"name": "Scan", "wage_pct": 5},
                           headers={"X-CSRFToken": auth.csrf}).get_json()["id"]
    other = auth.client.post("/api/v1/board/scenarios", json={"name": "Scan 2", "budget_pct": 5},
                             headers={"X-CSRFToken": auth.csrf}).get_json()["id"]
    paths = ["/board/staffing", "/board/budget", "/board/scenarios", f"/board/scenarios/{ids}",
             f"/board/scenarios/compare?a={ids}&b={other}", "/api/v1/board/staffing", "/api/v1/board/budget",
             "/api/v1/board/scenarios", f"/api/v1/board/scenarios/{ids}",
             f"/api/v1/board/scenarios/compare?a={ids}&b={other}"]
    for path in paths:
        response = auth.client.get(path)
        assert response.status_code == 200, path
        text = response.get_data(as_text=True)
        assert "Geheime Naam" not in text and plan_world.own.name not in text, path
        assert not re.search(r"\bH[0-9]{2}\b", text), path


def _grow(world, teams: int) -> None:
    """More teams, each with a member and a resident with a package: the board's SQL must not grow."""
    services = {s.code: s for s in db.session.scalars(select(Service).where(Service.organisation_id == world.org.id))}
    for _ in range(teams):
        team = make_team(world.org, world.plan_location, "Groei")
        add_member(team, make_user(world.org, Role.CARER), "carer", "N3", 32)
        client = make_client(world.org, world.plan_location, team, "Groei", profile="6VV")
        db.session.add(PackageVersion(client_id=client.id, number=1, status=Status.ACTIVE.value,
                                      created_by=world.users["nurse"], active_from=date(2026, 1, 5),
                                      lines=[PackageLine(service_id=services["C01"].id, per_week=7)]))
    db.session.commit()


@pytest.mark.parametrize("path", ["/board/staffing?week=2026-W49", "/board/budget?year=2026",
                                  "/api/v1/board/staffing", "/api/v1/board/budget"])
def test_the_boards_query_count_does_not_grow_with_the_teams(auth, plan_world, count_queries, path):
    auth.login(plan_world.email("board"))
    auth.client.get(path)  # warm: the first request of a session loads what every later one has
    with count_queries() as small:
        assert auth.client.get(path).status_code == 200
    _grow(plan_world, 5)
    with count_queries() as large:
        assert auth.client.get(path).status_code == 200
    assert large.count == small.count, (small.count, large.count)


def test_a_saved_scenarios_query_count_does_not_grow_with_the_teams(auth, plan_world, count_queries):
    auth.login(plan_world.email("board"))
    scenario = auth.client.post("/api/v1/board/scenarios", json={"name": "Tel", "wage_pct": 5},
                                headers={"X-CSRFToken": auth.csrf}).get_json()["id"]
    auth.client.get(f"/api/v1/board/scenarios/{scenario}")
    with count_queries() as small:
        auth.client.get(f"/api/v1/board/scenarios/{scenario}")
    _grow(plan_world, 5)
    with count_queries() as large:
        auth.client.get(f"/api/v1/board/scenarios/{scenario}")
    assert large.count == small.count, (small.count, large.count)


def test_a_scenario_of_the_demo_organisation_recomputes_well_under_a_second(auth, db):
    """The issue's bound for the demo organisation; the generated 40 teams are benchmarks/board_plan.py's."""
    load_demo()
    auth.login("bestuur@delinde.demo", DEMO_PASSWORD)
    created = auth.client.post("/api/v1/board/scenarios", headers={"X-CSRFToken": auth.csrf}, json={
        "name": "Demo", "wage_pct": 5, "budget_pct": 2, "frequencies": [{"service": "C02", "per_week": 3}]})
    assert created.status_code == 201
    path = f"/api/v1/board/scenarios/{created.get_json()['id']}"
    auth.client.get(path)
    started = time.perf_counter()
    for _ in range(5):
        assert auth.client.get(path).status_code == 200
    assert (time.perf_counter() - started) / 5 < 0.5


def test_month_and_year_to_date_come_from_the_ledger_with_extras_net_of_a_refund(auth, plan_world):
    """A settled week of the third worked example, an extra of 4080 (team share 3672) and its refund
    booked into the ledger; the budget's month and year to date show them, the week's staffing cost
    × the weeks started, and the scenario's extras are the average of the last twelve weeks."""
    team, client = plan_world.plan_team, plan_world.plan_clients[2]
    org = plan_world.org.id
    week = settle(22890, 67460, 88560)  # the third worked example: co-pay 1790
    book(org, "test-settlement", "settlement", settlement_transfers(week, client.id, team.id),
         booked_on=date(2026, 11, 30), client_id=client.id, team_id=team.id)
    budget, clearing = f"team_budget:{team.id}", "payment_clearing:"
    book(org, "test-payment", "payment", [Transfer(clearing, budget, 3672, LineKind.EXTRA),
                                          Transfer(clearing, f"fees:{org}", 408, LineKind.FEE)],
         booked_on=date(2026, 11, 24))
    book(org, "test-refund", "refund", [Transfer(budget, clearing, 1836, LineKind.REFUND)],
         booked_on=date(2026, 11, 25))
    db.session.commit()
    auth.login(plan_world.email("board"))
    body = auth.client.get("/api/v1/board/budget?year=2026&week=2026-W49").get_json()
    row = team_of(body, team.id)
    month, ytd = row["month"], row["year_to_date"]
    assert (month["from"], month["to"]) == ("2026-11-01", "2026-12-07")  # W49: 30 November – 6 December
    assert month["budget_cents"] == 88560 and month["copay_cents"] == 1790
    assert month["package_cost_cents"] == 22890 + 67460
    assert month["extras_cents"] == 3672 - 1836
    assert month["weeks"] == 5  # the Mondays 2, 9, 16, 23 and 30 November
    assert month["staffing_cost_cents"] == 5 * 353520
    assert month["result_cents"] == 22890 + 67460 + 1836 - 5 * 353520
    assert ytd["weeks"] == 48 and ytd["extras_cents"] == 1836
    # The week of 7 December: the last twelve weeks' extras, net, per week (1836 / 12 = 153).
    week = team_of(auth.client.get("/api/v1/board/budget?year=2026&week=2026-W50").get_json(), team.id)["week"]
    assert week["extras_cents"] == 153


def test_a_week_uses_the_package_and_team_in_effect_then_as_settlement_does(auth, plan_world):
    """From 7 December the first resident has a second version (no C02) and another team: week 49
    still counts version 1 in Team Plan, week 50 version 2 in the other team."""
    client = plan_world.plan_clients[0]
    services = {s.code: s for s in db.session.scalars(select(Service).where(Service.organisation_id == plan_world.org.id))}
    first = db.session.scalar(select(PackageVersion).where(PackageVersion.client_id == client.id))
    first.status = Status.SUPERSEDED.value
    db.session.add(PackageVersion(client_id=client.id, number=2, status=Status.ACTIVE.value,
                                  created_by=plan_world.users["nurse"], active_from=date(2026, 12, 7), lines=[
                                      PackageLine(service_id=services[code].id, per_week=n)
                                      for code, n in {**HEALTH, **PACKAGES[0], "C02": 0}.items()]))
    other = make_team(plan_world.org, plan_world.plan_location, "Team Anders")
    db.session.add_all([TeamAssignment(client_id=client.id, team_id=plan_world.plan_team.id,
                                       starts_on=date(2026, 1, 5), ends_on=date(2026, 12, 7)),
                        TeamAssignment(client_id=client.id, team_id=other.id, starts_on=date(2026, 12, 7))])
    client.team_id = other.id
    db.session.commit()
    auth.login(plan_world.email("board"))
    w49 = auth.client.get("/api/v1/board/staffing?week=2026-W49").get_json()
    w50 = auth.client.get("/api/v1/board/staffing?week=2026-W50").get_json()
    assert team_of(w49, plan_world.plan_team.id)["residents"] == 3
    assert {r["level"]: r["required_minutes"] for r in team_of(w49, plan_world.plan_team.id)["levels"]}["N2"] == 2200
    assert team_of(w50, plan_world.plan_team.id)["residents"] == 2
    moved = team_of(w50, other.id)
    assert moved["residents"] == 1
    # Version 2: the first package without its two showers (C02, 40 min N2 each): 640 − 80 = 560 N2.
    assert {r["level"]: r["required_minutes"] for r in moved["levels"]}["N2"] == 560
