"""Demo data of the market's offers and ratings: every team has a published offer (one with an
earlier version); families rated so that the first two teams of an organisation show an average
and the others "too few" (issue 11, item 7). Called by ``marketplace.demo`` for a new organisation."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from care.models import Client, FamilyContact
from marketplace.accounts.models import Organisation, User
from marketplace.core.db_types import LOCAL_ZONE, local_today
from marketplace.core.extensions import db
from teams.models import Team, TeamMembership

from .models import RatingStatus, TeamOffer, TeamRating

# Per team (in the order of its name in the demo): who they are, how they work, languages, known for.
OFFERS = {
    "Team Lindehof": ("Wij zijn twaalf vaste collega's die de bewoners en hun familie goed kennen.",
                      "Kleinschalig wonen: elke dag dezelfde gezichten in de huiskamer, samen koken en eten.",
                      ["Nederlands", "Engels"], ["C07", "C09", "C04"]),
    "Team Zonnebloem": ("Een team met veel energie en oog voor wat iemand nog wel kan.",
                        "Elke dag naar buiten als het weer het toelaat; bewegen hoort bij de dag.",
                        ["Nederlands", "Duits"], ["C10", "C08"]),
    "Team Vlinder": ("Wij werken met muziek, geuren en rust voor mensen met dementie.",
                     "Belevingsgericht: we volgen het ritme van de bewoner, niet de klok.",
                     ["Nederlands", "Turks", "Arabisch"], ["C09", "C07"]),
    "Team Kastanje": ("Verpleegkundig sterk, met een persoonlijke aanpak.",
                      "Eén vaste contactpersoon per bewoner; we bellen de familie na elke bespreking.",
                      ["Nederlands", "Fries"], ["C01", "C13"]),
}
DEFAULT_OFFER = ("Een vast team dat de bewoners kent.", "Rustig en met vaste gezichten.", ["Nederlands"], ["C09"])
# How many residents' families rated each team, in team order: two averages, two "too few".
RATINGS_PER_TEAM = (6, 5, 3, 1)
MARKS = ((9, 8, 8, 9, 8), (8, 7, 8, 8, 9), (7, 8, 7, 7, 8), (9, 9, 8, 9, 9), (8, 8, 7, 8, 7), (8, 9, 8, 8, 8))
COMMENTS = ("Vaste gezichten, dat geeft mijn moeder rust.", "Altijd tijd voor een praatje.",
            "Goede communicatie met de familie.", "", "De huiskamer is gezellig.", "")


def _at(days_ago: int) -> datetime:
    return datetime.combine(local_today() - timedelta(days=days_ago), time(14), tzinfo=LOCAL_ZONE)


def load_offers_and_ratings(org: Organisation) -> None:
    """Offers and ratings for the organisation's teams (flushes; the demo loader commits)."""
    today = local_today()
    teams = list(db.session.scalars(select(Team).where(Team.organisation_id == org.id).order_by(Team.id)))
    leads = dict(db.session.execute(select(TeamMembership.team_id, TeamMembership.user_id).where(
        TeamMembership.team_id.in_([t.id for t in teams]), TeamMembership.role == "team_lead")).all())
    for number, team in enumerate(teams):
        text, way, languages, known_for = OFFERS.get(team.name, DEFAULT_OFFER)
        if number == 0:  # an earlier version, for the history
            db.session.add(TeamOffer(organisation_id=org.id, team_id=team.id, version=1,
                                     published_on=today - timedelta(days=60), published_at=_at(60),
                                     published_by_id=leads.get(team.id), text=text, way_of_working="Kleinschalig wonen.",
                                     languages=["Nederlands"], known_for=known_for[:1], capacity=team.capacity))
        db.session.add(TeamOffer(organisation_id=org.id, team_id=team.id, version=2 if number == 0 else 1,
                                 published_on=today - timedelta(days=7 + number), published_at=_at(7 + number),
                                 published_by_id=leads.get(team.id), text=text, way_of_working=way,
                                 languages=languages, known_for=known_for, capacity=team.capacity,
                                 member_languages={str(leads[team.id]): languages} if team.id in leads else {}))
    db.session.flush()
    for number, team in enumerate(teams):
        wanted = RATINGS_PER_TEAM[number] if number < len(RATINGS_PER_TEAM) else 0
        # Families of the team's residents, leaving out the first resident's (familie1 tries it out).
        rows = db.session.execute(
            select(Client.id, User.id).join(FamilyContact, FamilyContact.client_id == Client.id)
            .join(User, User.id == FamilyContact.user_id)
            .where(Client.team_id == team.id).order_by(Client.id)).all()[1:1 + wanted]
        for index, (client_id, user_id) in enumerate(rows):
            marks = dict(zip(("care", "attention", "communication", "reliability", "atmosphere"),
                             MARKS[index % len(MARKS)]))
            created = _at(5 + 9 * index)
            rating = TeamRating(organisation_id=org.id, team_id=team.id, client_id=client_id, author_id=user_id,
                                status=RatingStatus.CURRENT.value, recommend=index != 2,
                                comment=COMMENTS[index % len(COMMENTS)], created_at=created, **marks)
            if index == 0 and leads.get(team.id):
                rating.reply, rating.replied_at, rating.replied_by_id = (
                    "Dank u wel voor uw mooie woorden, we geven ze door aan het hele team.", created + timedelta(days=1),
                    leads[team.id])
            db.session.add(rating)
    db.session.flush()
