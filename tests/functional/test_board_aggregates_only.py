"""Aggregates only (issue 14): every response of the board's routes — pages, JSON, CSV and the
SVG charts inside the pages — is scanned for the residents' names, their rooms and health detail
(health service codes H01…, the names of health services and of the residents' problems):
none may appear.

The routes are taken from the app's URL map (every GET rule of the board's blueprints), so a
route that a later change adds to the board is scanned too; a rule with a path argument needs
a sample value (``samples`` below) or the test fails and says so. Two saved scenarios (one with
wages +5 %, one with a resident more of a profile in a team) give the scenario routes their ids.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from care.models import Client, HealthRisk, OmahaProblem, Service
from marketplace.core.extensions import db

from marketplace.board.scenario_store import save_scenario

from ..board_basis import build_market

BOARD_BLUEPRINTS = ("board", "board_api", "board_plan", "board_plan_api")
# Query strings tried on every route: the default period, November, a year, a location, the trends.
QUERIES = ("", "date_from=2026-11-01&date_to=2026-11-30", "date_from=2026-01-01&date_to=2026-12-31",
           "table=trends&date_from=2026-11-01&date_to=2026-11-30", "week=2026-W47", "year=2026")
HEALTH_CODE = re.compile(r"\bH[0-9]{2}\b")


@pytest.fixture
def market(health_world):
    return build_market(health_world)


def board_paths(app, samples: dict[str, str]) -> list[str]:
    paths = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".", 1)[0] not in BOARD_BLUEPRINTS or "GET" not in rule.methods:
            continue
        missing = [name for name in rule.arguments if name not in samples]
        assert not missing, f"{rule.rule}: add a sample value for {missing} to the scan's samples"
        path = rule.rule
        for name in rule.arguments:
            path = re.sub(rf"<(?:[a-z]+:)?{name}>", samples[name], path)
        paths.append(path)
    return paths


def secrets_of(market) -> list[str]:
    org_id = market.org.id
    clients = list(db.session.scalars(select(Client).where(Client.organisation_id == org_id)))
    omaha = {risk.omaha for risk in db.session.scalars(select(HealthRisk))}
    problems = [p.name_nl for p in db.session.scalars(select(OmahaProblem).where(OmahaProblem.code.in_(omaha)))]
    health_services = db.session.scalars(select(Service).where(Service.organisation_id == org_id,
                                                               Service.category == "health")).all()
    return ([c.name for c in clients] + [c.room for c in clients] + problems
            + [s.name_nl for s in health_services] + [s.name_en for s in health_services])


def test_every_board_response_is_free_of_names_rooms_and_health_detail(app, market, client, auth):
    board = market.users["board"]
    wages = save_scenario(board, "Lonen plus 5", {"wage_pct": "5"})
    more = save_scenario(board, "Een bewoner meer", {"residents": [
        {"team_id": str(market.team.id), "profile": "5VV", "count": "3"}]})
    secrets = secrets_of(market)
    assert len(secrets) > 10 and any("Bewoner" in s for s in secrets)
    paths = board_paths(app, {"scenario_id": str(wages.id)})
    assert {"/board/", "/board/competition.csv", "/api/v1/board/competition"} <= set(paths)
    auth.login(market.email("board"))
    seen = {"html": 0, "json": 0, "csv": 0, "svg": 0}
    for path in paths:
        for query in (*QUERIES, f"a={wages.id}&b={more.id}"):
            response = client.get(f"{path}?{query}" if query else path)
            assert response.status_code in (200, 422), f"{path}?{query}: {response.status_code}"
            body = response.get_data(as_text=True)
            if response.status_code == 200:
                kind = {"text/html": "html", "application/json": "json", "text/csv": "csv"}[response.mimetype]
                seen[kind] += 1
                seen["svg"] += body.count("<svg class=\"chart\"")
            for secret in secrets:
                assert secret not in body, f"{path}?{query} shows {secret!r}"
            assert not HEALTH_CODE.search(body), f"{path}?{query} shows a health service code"
    assert all(seen.values()), seen


def test_the_scan_would_see_a_name(market, client, auth):
    """The scan is not blind: a page that does show a resident (the administrator's home) trips it."""
    auth.login(market.email("admin"))
    body = client.get("/").get_data(as_text=True)
    assert any(secret in body for secret in secrets_of(market))
