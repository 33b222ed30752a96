"""Settlement after a switch of team (issue 11, item 2): the week before the Monday is booked to the
old team, the weeks from it to the new one, through the history the choice writes when its Monday
has come, without anyone having opened a page in between (the settlement applies it first)."""
from __future__ import annotations

from datetime import date, datetime, timezone

import time_machine
from sqlalchemy import select

from billing.ledger import verify
from billing.settlement import settle_week
from marketplace.market import choice
from marketplace.market.models import ChoiceStatus, TeamChoice
from tests.integration.test_settlement import (  # noqa: F401  (after_the_weeks: a fixture)
    HEALTH_5VV, RED, give_package, settlement_of)

# Thursday 19 November 2026 (week 47): the choice takes effect on the next Monday, 23 November (week 48).
CHOSEN_AT = datetime(2026, 11, 19, 10, 0, tzinfo=timezone.utc)


def test_the_week_before_the_monday_goes_to_the_old_team_the_weeks_after_to_the_new(priced_world, db):
    world, own = priced_world, priced_world.own
    give_package(world, own, {**HEALTH_5VV, **RED})
    with time_machine.travel(CHOSEN_AT, tick=False):
        made, _created = choice.choose_team(world.users["family"], own, world.other_team.id)
    assert made.effective_from == date(2026, 11, 23)

    with time_machine.travel(datetime(2026, 12, 8, 9, 0, tzinfo=timezone.utc), tick=True):
        # Nobody read anything since: the choice is still pending when the settlement starts.
        assert db.session.scalar(select(TeamChoice.status)) == ChoiceStatus.PENDING.value
        for week in ("2026-W47", "2026-W48", "2026-W49"):
            settle_week(week)
    assert settlement_of(own, "2026-W47").team_id == world.team.id
    assert settlement_of(own, "2026-W48").team_id == world.other_team.id
    assert settlement_of(own, "2026-W49").team_id == world.other_team.id
    db.session.expire_all()
    assert own.team_id == world.other_team.id
    assert db.session.scalar(select(TeamChoice.status)) == ChoiceStatus.APPLIED.value
    assert verify() == []


def test_settling_an_earlier_week_first_still_books_it_to_the_old_team(priced_world, db):
    world, own = priced_world, priced_world.own
    give_package(world, own, {**HEALTH_5VV, **RED})
    with time_machine.travel(CHOSEN_AT, tick=False):
        choice.choose_team(world.users["family"], own, world.other_team.id)
    with time_machine.travel(datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc), tick=True):
        settle_week("2026-W48")  # applies the choice (its Monday has come), books W48 to the new team
        settle_week("2026-W47")
    assert settlement_of(own, "2026-W47").team_id == world.team.id
    assert settlement_of(own, "2026-W48").team_id == world.other_team.id
    assert verify() == []
