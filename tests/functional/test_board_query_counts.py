"""The board's dashboard and its API run a fixed number of SQL queries, however many teams,
members, residents, ratings and ledger lines the organisation has (issue 14)."""
from __future__ import annotations

from datetime import date

from care.domain import settle
from marketplace.board import competition as comp
from marketplace.core.extensions import db
from marketplace.core.roles import Role

from ..board_basis import build_market, settle_week, team_extra
from ..factories import add_member, make_client, make_team, make_user

PAGE = "/board/?date_from=2026-11-01&date_to=2026-11-30"
API = "/api/v1/board/competition?date_from=2026-11-01&date_to=2026-11-30"


def add_teams(world, count: int) -> None:
    """``count`` more teams, each with two members, two residents (one of them settled) and an extra."""
    org = world.org
    location = world.team.locations[0]
    for _i in range(count):
        team = make_team(org, location, "Extra team")
        for level in ("N2", "N4"):
            add_member(team, make_user(org, Role.CARER), "carer", level, 32)
        resident = make_client(org, location, team, "Meer Bewoner")
        make_client(org, location, team, "Nog Bewoner", group="pg")
        settle_week(org, resident, team, date(2026, 11, 2), settle(22890, 51380, 88560))
        team_extra(org, f"extra-{team.id}", team, 4080, 408, date(2026, 11, 3))
    db.session.commit()


def counted(client, count_queries, path: str) -> int:
    """Statements of a cold request: the remembered ledger rows are forgotten first."""
    comp.forget_ledger_figures()
    with count_queries() as counter:
        response = client.get(path)
    assert response.status_code == 200
    return counter.count


def test_the_dashboard_query_count_does_not_grow_with_the_teams(health_world, client, auth, count_queries):
    world = build_market(health_world)
    auth.login(world.email("board"))
    client.get(PAGE)  # warm up: the first request loads what every request shares
    few_page, few_api = counted(client, count_queries, PAGE), counted(client, count_queries, API)
    add_teams(world, 6)
    many_page, many_api = counted(client, count_queries, PAGE), counted(client, count_queries, API)
    assert many_page == few_page, (few_page, many_page)
    assert many_api == few_api, (few_api, many_api)
    assert few_page < 40, few_page  # 26 when written


def test_an_unchanged_ledger_is_not_summed_again_and_a_new_entry_is_seen(health_world, client, auth,
                                                                           count_queries):
    world = build_market(health_world)
    auth.login(world.email("board"))
    cold = counted(client, count_queries, API)
    with count_queries() as counter:
        before = client.get(API).get_json()
    assert counter.count == cold - 2  # the settlements and the extras are remembered
    team_extra(world.org, "late-extra", world.team, 4080, 408, date(2026, 11, 27))
    db.session.commit()
    after = client.get(API).get_json()
    t1 = {t["name"]: t for t in before["teams"]}[world.team.name]
    t1_after = {t["name"]: t for t in after["teams"]}[world.team.name]
    assert t1_after["extras_own_cents"] == t1["extras_own_cents"] + 3672
