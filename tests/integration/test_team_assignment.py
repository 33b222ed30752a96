"""Client.team_id and the team history are written together, by ``move_to_team`` only."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from billing.ledger import verify
from billing.settlement import settle_week
from marketplace.core.errors import NotInScope
from teams.assignments import move_to_team
from teams.models import TeamAssignment
from tests.integration.test_settlement import (  # noqa: F401  (after_the_weeks: a fixture)
    HEALTH_5VV, MONDAY, RED, WEEK, after_the_weeks, give_package, settlement_of)


def history(db, client) -> list[tuple[int, date, date | None]]:
    return [(a.team_id, a.starts_on, a.ends_on) for a in db.session.scalars(
        select(TeamAssignment).where(TeamAssignment.client_id == client.id).order_by(TeamAssignment.starts_on))]


def test_a_move_ends_the_old_team_and_starts_the_new_one_on_the_same_day(world, db):
    own, switch = world.own, date(2026, 12, 7)
    move_to_team(own, world.other_team, switch)
    db.session.commit()
    assert own.team_id == world.other_team.id
    # The client had no history yet: the first team's stretch is written from the start date.
    assert history(db, own) == [(world.team.id, own.start_date, switch), (world.other_team.id, switch, None)]

    move_to_team(own, world.team, date(2027, 1, 4))
    db.session.commit()
    assert own.team_id == world.team.id
    assert history(db, own)[-2:] == [(world.other_team.id, switch, date(2027, 1, 4)),
                                     (world.team.id, date(2027, 1, 4), None)]


def test_moving_to_the_current_team_or_twice_on_one_day_writes_no_extra_history(world, db):
    own, day = world.own, date(2026, 12, 7)
    move_to_team(own, world.team, day)
    assert history(db, own) == [(world.team.id, own.start_date, None)]
    move_to_team(own, world.other_team, day)
    move_to_team(own, world.team, day + timedelta(days=0))
    db.session.commit()
    assert own.team_id == world.team.id
    assert history(db, own) == [(world.team.id, own.start_date, day), (world.team.id, day, None)]


def test_a_team_of_another_organisation_is_out_of_scope(world, db):
    with pytest.raises(NotInScope):
        move_to_team(world.own, world.foreign_team, date(2026, 12, 7))
    assert world.own.team_id == world.team.id


def test_settlement_follows_the_history_that_move_to_team_wrote(priced_world, db):
    world, own = priced_world, priced_world.own
    give_package(world, own, {**HEALTH_5VV, **RED})
    move_to_team(own, world.other_team, MONDAY + timedelta(days=7))
    db.session.commit()
    settle_week(WEEK)
    settle_week("2026-W49")
    assert settlement_of(own, WEEK).team_id == world.team.id
    assert settlement_of(own, "2026-W49").team_id == world.other_team.id
    assert verify() == []
