"""Ratings at the same moment (both backends): never two current ratings of one resident for one
team, and a team replies once, however many replies arrive together."""
from __future__ import annotations

from sqlalchemy import func, select

from care.models import Client
from marketplace.accounts.models import User
from marketplace.core.errors import Conflict
from marketplace.core.extensions import db
from marketplace.market import ratings
from marketplace.market.models import TeamRating
from teams.models import Team

from ..conftest import together

GOOD = {"care": 9, "attention": 8, "communication": 7, "reliability": 8, "atmosphere": 7}


def _rate(app, family_id: int, team_id: int, client_id: int, care: int):
    with app.test_request_context():
        return ratings.give_rating(db.session.get(User, family_id), db.session.get(Team, team_id),
                                   db.session.get(Client, client_id), scores={**GOOD, "care": care},
                                   recommend=True).id


def test_six_ratings_of_one_resident_at_once_leave_one_current_rating(app, world):
    family_id, team_id, client_id = world.users["family"].id, world.team.id, world.own.id
    _rate(app, family_id, team_id, client_id, 5)  # a previous rating, which they all replace

    results = together(app, 6, lambda i: _rate(app, family_id, team_id, client_id, i + 1))
    saved = [r for r in results if isinstance(r, int)]
    assert saved and all(isinstance(r, Conflict) for r in results if not isinstance(r, int)), results
    db.session.expire_all()
    current = db.session.scalars(select(TeamRating).where(TeamRating.status == "current")).all()
    assert len(current) == 1 and current[0].id in saved
    assert db.session.scalar(select(func.count()).select_from(TeamRating).where(
        TeamRating.status == "earlier")) == 0


def test_six_replies_at_once_are_one_reply(app, world):
    rating_id = _rate(app, world.users["family"].id, world.team.id, world.own.id, 8)
    lead_id = world.users["team_lead"].id

    def reply(i):
        with app.test_request_context():
            lead = db.session.get(User, lead_id)
            return ratings.reply_to_rating(lead, ratings.load_rating(lead, rating_id), f"Reactie {i}").reply

    results = together(app, 6, reply)
    replies = [r for r in results if isinstance(r, str)]
    assert len(replies) == 1 and all(isinstance(r, Conflict) for r in results if not isinstance(r, str)), results
    db.session.expire_all()
    assert db.session.get(TeamRating, rating_id).reply == replies[0]
