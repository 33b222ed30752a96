"""Capacity that holds under concurrency (issue 11, item 3), on SQLite and on PostgreSQL:
20 families choosing a team with one open place at the same moment get exactly one place and
19 clear refusals; an offer of a place accepted twice at the same moment is accepted once."""
from __future__ import annotations

from sqlalchemy import func, select

from care.models import Client
from marketplace.accounts.models import User
from marketplace.core.extensions import db
from marketplace.core.roles import Role
from marketplace.market import choice, waiting_list
from marketplace.market.choice import TeamFull
from marketplace.market.models import ChoiceStatus, OfferStatus, PlaceOffer, TeamChoice
from marketplace.market.waiting_list import OfferClosed
from tests.conftest import together
from tests.factories import add_contact, make_client, make_user

FAMILIES = 20


def families(world, count: int) -> list[tuple[int, int]]:
    """``count`` residents of T1, each with a family contact who may decide: (client id, user id)."""
    pairs = []
    for n in range(count):
        resident = make_client(world.org, world.team.locations[0], world.team, "Kiezer")
        user = make_user(world.org, Role.FAMILY, email=f"kiezer{n}@a.test")
        add_contact(resident, user, view=True, decide=True)
        pairs.append((resident.id, user.id))
    db.session.commit()
    return pairs


def test_twenty_families_choosing_the_last_place_at_once_get_it_once(app, world):
    team = world.other_team
    residents = db.session.scalar(select(func.count()).select_from(Client).where(Client.team_id == team.id))
    team.capacity = residents + 1
    db.session.commit()
    pairs = families(world, FAMILIES)
    team_id = team.id

    def choose(i):
        client_id, user_id = pairs[i]
        made, created = choice.choose_team(db.session.get(User, user_id), db.session.get(Client, client_id), team_id)
        return made.id

    results = together(app, FAMILIES, choose)
    won = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, TeamFull)]
    assert len(won) == 1, results
    assert len(refused) == FAMILIES - 1, [r for r in results if not isinstance(r, (int, TeamFull))]
    assert all(r.code == "team_full" for r in refused)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(TeamChoice).where(
        TeamChoice.team_id == team_id, TeamChoice.status == ChoiceStatus.PENDING.value)) == 1


def test_an_offer_accepted_twice_at_the_same_moment_is_accepted_once(app, world):
    team = world.other_team
    residents = db.session.scalar(select(func.count()).select_from(Client).where(Client.team_id == team.id))
    team.capacity = residents + 1
    db.session.commit()
    (client_id, user_id), = families(world, 1)
    user, resident = db.session.get(User, user_id), db.session.get(Client, client_id)
    waiting_list.join_waiting_list(user, resident, team.id)
    offer_id = db.session.scalar(select(PlaceOffer.id).where(PlaceOffer.client_id == client_id))
    assert offer_id is not None

    def accept(_i):
        offer, made = waiting_list.accept_offer(db.session.get(User, user_id), offer_id)
        return made.id

    results = together(app, 2, accept)
    assert sorted(type(r).__name__ for r in results) == ["OfferClosed", "int"], results
    assert next(r for r in results if isinstance(r, OfferClosed)).status == OfferStatus.ACCEPTED.value
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(TeamChoice).where(
        TeamChoice.client_id == client_id)) == 1
