"""The team-options page and its API keep a constant number of SQL statements for 4 or 400 teams
(each with residents, a family waiting and a pending choice)."""
from __future__ import annotations

import pytest

from marketplace.core.db_types import local_today
from marketplace.core.extensions import db
from marketplace.market.domain import next_monday
from marketplace.market.models import TeamChoice, WaitingEntry
from tests.factories import make_client, make_team


def grow(world, teams: int) -> None:
    """Add full teams serving the own resident's location, each with a resident, a pending choice of
    another resident for the next Monday and a family on its list."""
    location = world.own.location
    admin = world.users["admin"]
    for _ in range(teams):
        team = make_team(world.org, location, "Team", capacity=2)
        make_client(world.org, location, team)  # one resident; with the pending choice the team is full
        waiting = make_client(world.org, location, world.other_team)
        chooser = make_client(world.org, location, world.other_team)
        db.session.add(WaitingEntry(organisation_id=world.org.id, client_id=waiting.id, team_id=team.id,
                                    joined_by_id=admin.id))
        db.session.add(TeamChoice(organisation_id=world.org.id, client_id=chooser.id, team_id=team.id,
                                  previous_team_id=world.other_team.id, chosen_by_id=admin.id,
                                  effective_from=next_monday(local_today())))
    db.session.commit()


@pytest.mark.parametrize("path", ["/clients/{id}/teams", "/api/v1/clients/{id}/team-options"])
def test_the_team_options_keep_a_constant_query_count_for_4_or_400_teams(world, client, auth, count_queries, path):
    url = path.format(id=world.own.id)
    auth.login(world.email("family"))
    grow(world, 2)  # with T1 and T2: 4 teams
    client.get(url)  # warm up
    with count_queries() as small:
        response = client.get(url)
    assert response.status_code == 200
    grow(world, 396)
    with count_queries() as large:
        response = client.get(url)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.count("Team ") >= 400
    assert large.count == small.count, f"{path}: {small.count} statements for 4 teams, {large.count} for 400"
