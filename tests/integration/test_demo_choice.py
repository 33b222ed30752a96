"""The demo of the team choice (issue 11, item 7): one De Linde team full with two families waiting,
a pending choice for the next Monday, switches over the last months in the history; the ledger
of the settled demo weeks holds."""
from __future__ import annotations

from sqlalchemy import func, select

from billing.ledger import verify
from marketplace.accounts.models import Organisation
from marketplace.core.db_types import local_today
from marketplace.demo import load_demo
from marketplace.market.capacity import open_places, waiting_lengths
from marketplace.market.domain import next_monday
from marketplace.market.models import ChoiceStatus, TeamChoice, WaitingEntry
from teams.models import Team, TeamAssignment


def test_a_full_team_with_two_waiting_a_pending_choice_and_switches_over_months(db, app):
    with app.test_request_context():
        load_demo()
        linde = db.session.scalar(select(Organisation).where(Organisation.slug == "de-linde"))
        teams = {team.name: team.id for team in db.session.scalars(select(Team).where(Team.organisation_id == linde.id))}
        monday = next_monday(local_today())
        places = open_places(list(teams.values()), monday)
        assert places[teams["Team Zonnebloem"]] == 0
        assert waiting_lengths([teams["Team Zonnebloem"]]) == {teams["Team Zonnebloem"]: 2}
        assert all(places[teams[name]] > 0 for name in ("Team Lindehof", "Team Vlinder", "Team Kastanje"))
        pending = list(db.session.scalars(select(TeamChoice).where(TeamChoice.status == ChoiceStatus.PENDING.value,
                                                                   TeamChoice.organisation_id == linde.id)))
        assert [(choice.team_id, choice.effective_from) for choice in pending] == [(teams["Team Vlinder"], monday)]
        applied = list(db.session.scalars(select(TeamChoice.effective_from).where(
            TeamChoice.status == ChoiceStatus.APPLIED.value, TeamChoice.organisation_id == linde.id)))
        assert len(applied) == 4 and len({(day.year, day.month) for day in applied}) >= 2  # over the months
        assert db.session.scalar(select(func.count()).select_from(TeamAssignment)) == 8  # before and after each
        assert verify() == []

        before = (db.session.scalar(select(func.count()).select_from(TeamChoice)),
                  db.session.scalar(select(func.count()).select_from(WaitingEntry)))
        load_demo()
        assert (db.session.scalar(select(func.count()).select_from(TeamChoice)),
                db.session.scalar(select(func.count()).select_from(WaitingEntry))) == before
