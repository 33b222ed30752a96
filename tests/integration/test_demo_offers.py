"""The demo of the market's offers and ratings (issue 11, item 7): every De Linde team has a
published offer, two teams show an average and two "too few"; loading twice duplicates nothing."""
from __future__ import annotations

from sqlalchemy import func, select

from marketplace.accounts.models import Organisation
from marketplace.demo import load_demo
from marketplace.market import offers, ratings
from marketplace.market.models import TeamOffer, TeamRating
from teams.models import Team


def test_every_de_linde_team_has_an_offer_two_show_an_average_and_two_too_few(db, app):
    with app.test_request_context():
        load_demo()
        linde = db.session.scalar(select(Organisation).where(Organisation.slug == "de-linde"))
        teams = list(db.session.scalars(select(Team).where(Team.organisation_id == linde.id).order_by(Team.name)))
        ids = [team.id for team in teams]
        published = offers.published_offers(ids)
        assert set(published) == set(ids)
        summaries = ratings.rating_summaries(ids)
        shown = sorted(team.name for team in teams if summaries[team.id].average is not None)
        too_few = sorted((team.name, summaries[team.id].count) for team in teams if summaries[team.id].average is None)
        assert shown == ["Team Lindehof", "Team Zonnebloem"]
        assert too_few == [("Team Kastanje", 1), ("Team Vlinder", 3)]
        lindehof = next(team for team in teams if team.name == "Team Lindehof")
        assert [offer.version for offer in offers.offer_history(lindehof)] == [2, 1]

        before = (db.session.scalar(select(func.count()).select_from(TeamOffer)),
                  db.session.scalar(select(func.count()).select_from(TeamRating)))
        load_demo()
        assert (db.session.scalar(select(func.count()).select_from(TeamOffer)),
                db.session.scalar(select(func.count()).select_from(TeamRating))) == before
