"""The demo of extras (issue 12, item 10): each De Linde team offers 3–5 extras, timed and on
request; bookings made and paid through the real flow, some delivered and rated, one refunded,
one waiting for an answer; the ledger holds; loading twice duplicates nothing."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from billing.ledger import verify
from marketplace.accounts.models import Organisation
from marketplace.demo import load_demo
from marketplace.market import extras
from marketplace.accounts.models import User
from marketplace.market.models import Booking, Extra, ExtraRating, Freelancer, Provider
from teams.models import Team


def test_every_de_linde_team_offers_extras_booked_paid_delivered_rated_and_one_refunded(db, app):
    with app.test_request_context():
        load_demo()
        linde = db.session.scalar(select(Organisation).where(Organisation.slug == "de-linde"))
        teams = list(db.session.scalars(select(Team).where(Team.organisation_id == linde.id)))
        offered = db.session.execute(select(Provider.team_id, Extra.kind).join(Extra, Extra.provider_id == Provider.id)
                                     .where(Provider.organisation_id == linde.id, Provider.kind == "team")).all()
        per_team = Counter(team_id for team_id, _kind in offered)
        assert {team.id for team in teams} == set(per_team)
        assert all(3 <= n <= 5 for n in per_team.values())
        for team in teams:
            kinds = {kind for team_id, kind in offered if team_id == team.id}
            assert kinds == {"timed", "on_request"}, team.name
        assert db.session.scalar(select(func.max(Extra.seats)).where(Extra.organisation_id == linde.id)) == 6
        statuses = Counter(db.session.scalars(select(Booking.status).where(Booking.organisation_id == linde.id)))
        assert statuses["delivered"] >= 4 and statuses["confirmed"] >= 4
        assert statuses["refunded"] == 1 and statuses["requested"] >= 1
        refunded = db.session.scalar(select(Booking).where(Booking.organisation_id == linde.id,
                                                           Booking.status == "refunded"))
        assert refunded.refund_cents == refunded.price_cents
        rated = extras.extra_rating_summaries(db.session.scalars(select(Extra.id).where(
            Extra.organisation_id == linde.id)))
        assert sum(summary.count for summary in rated.values()) == statuses["delivered"]
        assert verify() == []
        # The onboarded freelancer (zzp1) offers two extras, each booked and paid once (issue 13, item 7).
        zzp1 = db.session.scalar(select(Provider).join(Freelancer, Freelancer.id == Provider.freelancer_id)
                                 .join(User, User.id == Freelancer.user_id).where(User.email.like("zzp1@%"),
                                                                                  User.organisation_id == linde.id))
        assert db.session.scalar(select(func.count(Extra.id)).where(Extra.provider_id == zzp1.id)) == 2
        assert Counter(db.session.scalars(select(Booking.status).where(Booking.provider_id == zzp1.id))) == {
            "confirmed": 2}

        before = [db.session.scalar(select(func.count()).select_from(model)) for model in (Extra, Booking, ExtraRating)]
        load_demo()
        assert [db.session.scalar(select(func.count()).select_from(model))
                for model in (Extra, Booking, ExtraRating)] == before
