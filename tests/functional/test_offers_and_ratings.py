"""Issue 11, items 1 and 5: the team's offer (preview, publish, history, capacity) and families'
ratings (eligibility, replacing, the minimum, the one reply, hiding), through pages and the API."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from marketplace.accounts.notifications import Notification
from marketplace.core.audit import AuditEvent
from marketplace.core.extensions import db
from marketplace.core.roles import Role
from marketplace.market import offers, publishing, ratings, waiting_list
from marketplace.market.models import PlaceOffer, TeamOffer, TeamRating
from teams.models import Team, TeamAssignment

from ..conftest import csrf_from
from ..factories import add_contact, add_member, make_client, make_team, make_user

GOOD = {"care": 9, "attention": 8, "communication": 7, "reliability": 8, "atmosphere": 7}
OFFER = {"text": "Wij zijn een klein team.", "way_of_working": "Vaste gezichten.", "languages": ["Nederlands", "Fries"],
         "known_for": ["C01"], "capacity": 12}


def test_member_languages_through_the_api(priced_world, client, auth):
    world = priced_world
    nurse = world.users["nurse"]
    auth.login(world.email("team_lead"))
    response = api(client, auth, "PUT", f"/api/v1/teams/{world.team.id}/offer",
                   {**OFFER, "member_languages": {str(nurse.id): ["Nederlands", "Arabisch"]}})
    assert response.status_code == 200, response.get_data(as_text=True)
    members = {m["user_id"]: m["languages"] for m in response.get_json()["members"]}
    assert members[nurse.id] == ["Nederlands", "Arabisch"] and members[world.users["carer"].id] == []


def api(client, auth, method: str, path: str, body=None):
    return client.open(path, method=method, json=body, headers={"X-CSRFToken": auth.csrf})


def rate(client, auth, team_id: int, client_id: int, scores=None, **more):
    return api(client, auth, "POST", f"/api/v1/teams/{team_id}/ratings",
               {"client_id": client_id, "scores": scores or GOOD, "recommend": True, **more})


def counted(team_id: int) -> list[TeamRating]:
    db.session.expire_all()
    return list(db.session.scalars(select(TeamRating).where(TeamRating.team_id == team_id,
                                                           TeamRating.status != "replaced")))


# -- the offer ---------------------------------------------------------------------------------

def test_the_lead_previews_without_publishing_then_publishes_a_version_with_a_date(priced_world, client, auth):
    world = priced_world
    auth.login(world.email("team_lead"))
    page = client.get(f"/teams/{world.team.id}/offer/edit")
    assert page.status_code == 200
    form = {"csrf_token": csrf_from(page.get_data(as_text=True)), "text": "Wij zijn Team Eik.",
            "way_of_working": "Vaste gezichten in de huiskamer.", "languages": "Nederlands, Turks",
            "known_for": ["C01", "C03"], "capacity": "14",
            f"member_{world.users['nurse'].id}": "Nederlands, Pools"}

    preview = client.post(f"/teams/{world.team.id}/offer/edit", data={**form, "action": "preview"})
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "Vaste gezichten in de huiskamer." in html and "Turks" in html
    assert db.session.scalar(select(func.count()).select_from(TeamOffer)) == 0, "a preview publishes nothing"

    published = client.post(f"/teams/{world.team.id}/offer/edit", data={**form, "action": "publish"})
    assert published.status_code == 302
    db.session.expire_all()
    offer = offers.published_offers([world.team.id])[world.team.id]
    assert (offer.version, offer.languages, offer.known_for_codes) == (1, ["Nederlands", "Turks"], ["C01", "C03"])
    assert offer.member_languages == {world.users["nurse"].id: ["Nederlands", "Pools"]}
    assert offer.published_on == date.today() or abs((offer.published_on - date.today()).days) <= 1
    assert db.session.get(Team, world.team.id).capacity == 14

    client.post(f"/teams/{world.team.id}/offer/edit", data={**form, "way_of_working": "Anders.", "action": "publish"})
    db.session.expire_all()
    assert offers.published_offers([world.team.id])[world.team.id].way_of_working == "Anders."
    history = client.get(f"/teams/{world.team.id}/offer/history").get_data(as_text=True)
    assert "Vaste gezichten in de huiskamer." in history and "Anders." in history


@pytest.mark.parametrize("capacity, message", [("-1", "0"), ("0", "1 bewoner"), ("abc", "geheel getal")])
def test_an_offer_with_a_negative_capacity_or_below_the_residents_is_refused_on_the_page(
        priced_world, client, auth, capacity, message):
    world = priced_world
    auth.login(world.email("team_lead"))
    page = client.get(f"/teams/{world.team.id}/offer/edit")
    response = client.post(f"/teams/{world.team.id}/offer/edit", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "text": "", "way_of_working": "", "languages": "",
        "capacity": capacity, "action": "publish"})
    assert response.status_code == 422
    assert 'class="error"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(TeamOffer)) == 0
    assert db.session.get(Team, world.team.id).capacity == 12


@pytest.mark.parametrize("change, field", [
    ({"capacity": -1}, "capacity"),
    ({"capacity": 0}, "capacity"),          # the team has one resident
    ({"capacity": "12"}, "capacity"),
    ({"known_for": ["X99"]}, "known_for"),
    ({"languages": "Nederlands"}, "languages"),
    ({"text": "x" * 2001}, "text"),
    ({"colour": "red"}, "colour"),
    ({"member_languages": {"999999": ["Nederlands"]}}, "member_languages"),   # no member of the team
    ({"member_languages": {"x": ["Nederlands"]}}, "member_languages"),
    ({"member_languages": ["Nederlands"]}, "member_languages"),
])
def test_bad_offers_through_the_api_change_nothing(priced_world, client, auth, change, field):
    world = priced_world
    auth.login(world.email("team_lead"))
    response = api(client, auth, "PUT", f"/api/v1/teams/{world.team.id}/offer", {**OFFER, **change})
    assert response.status_code == 422, response.get_data(as_text=True)
    assert field in response.get_json()["error"]["fields"]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(TeamOffer)) == 0
    assert db.session.get(Team, world.team.id).capacity == 12


def test_the_api_publishes_and_reads_the_offer(priced_world, client, auth):
    world = priced_world
    auth.login(world.email("team_lead"))
    response = api(client, auth, "PUT", f"/api/v1/teams/{world.team.id}/offer", OFFER)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["offer"]["version"] == 1 and body["capacity"] == 12 and body["residents"] == 1
    assert body["open_places"] == 11 and body["waiting_list_length"] == 0
    assert body["offer"]["known_for"][0]["code"] == "C01"
    auth.login(world.email("family"))
    read = client.get(f"/api/v1/teams/{world.team.id}/offer").get_json()
    assert read["offer"]["languages"] == ["Nederlands", "Fries"]
    assert read["rating"] == {"average": None, "count": 0, "families": 0}


def test_a_team_lead_cannot_edit_another_teams_offer(priced_world, client, auth):
    world = priced_world
    auth.login(world.email("team_lead"))
    assert api(client, auth, "PUT", f"/api/v1/teams/{world.other_team.id}/offer", OFFER).status_code == 403
    assert client.get(f"/teams/{world.other_team.id}/offer/edit").status_code == 403
    assert api(client, auth, "PUT", f"/api/v1/teams/{world.foreign_team.id}/offer", OFFER).status_code == 404


def test_published_offers_reads_any_number_of_teams_in_two_queries(priced_world, count_queries, app):
    world = priced_world
    lead = world.users["team_lead"]
    with app.test_request_context():
        publishing.publish_offer(lead, world.team, offers.OfferDraft("a", "b", ["Nederlands"], ["C01"], 12))
        publishing.publish_offer(lead, world.team, offers.OfferDraft("a", "c", ["Nederlands"], ["C01", "C02"], 12))
        ids = [world.team.id, world.other_team.id]
        with count_queries() as counter:
            found = offers.published_offers(ids)
    assert counter.count == 2, counter.statements
    assert set(found) == {world.team.id}
    assert (found[world.team.id].version, found[world.team.id].way_of_working) == (2, "c")
    assert len(found[world.team.id].known_for) == 2


# -- ratings -----------------------------------------------------------------------------------

def test_a_family_rates_its_team_and_a_second_rating_within_6_months_replaces_the_first(world, client, auth):
    auth.login(world.email("family"))
    first = rate(client, auth, world.team.id, world.own.id)
    assert first.status_code == 201, first.get_data(as_text=True)
    assert first.get_json()["rating"]["mark"] == 7.8
    second = rate(client, auth, world.team.id, world.own.id, {**GOOD, "care": 10}, comment="Nog beter")
    assert second.status_code == 201
    rows = counted(world.team.id)
    assert [(r.care, r.status) for r in rows] == [(10, "current")], "replaces, never duplicates"
    assert db.session.scalar(select(func.count()).select_from(TeamRating)) == 2  # the old one kept, not counted
    listed = client.get(f"/api/v1/teams/{world.team.id}/ratings").get_json()
    assert [r["comment"] for r in listed["ratings"]] == ["Nog beter"] and listed["ratings"][0]["mine"]
    assert listed["summary"] == {"average": None, "count": 1, "families": 1}
    # The team lead is told, without the resident's name.
    texts = [n.params for n in db.session.scalars(select(Notification).where(
        Notification.user_id == world.users["team_lead"].id, Notification.kind == "rating_received"))]
    assert texts and all(world.own.name not in str(params) for params in texts)


def test_a_rating_after_6_months_stands_beside_the_earlier_one(world, client, auth):
    with time_machine.travel(datetime(2026, 2, 2, 10, tzinfo=timezone.utc)):
        auth.login(world.email("family"))
        assert rate(client, auth, world.team.id, world.own.id).status_code == 201
    with time_machine.travel(datetime(2026, 9, 1, 10, tzinfo=timezone.utc)):
        auth.login(world.email("family"))
        assert rate(client, auth, world.team.id, world.own.id).status_code == 201
        assert sorted(r.status for r in counted(world.team.id)) == ["current", "earlier"]


@pytest.mark.parametrize("scores", [
    {**GOOD, "care": 0}, {**GOOD, "care": 11}, {**GOOD, "atmosphere": 7.5}, {**GOOD, "care": "8"},
    {k: v for k, v in GOOD.items() if k != "care"}, {**GOOD, "smell": 5}, [8, 8, 8, 8, 8],
])
def test_a_rating_out_of_1_to_10_is_refused_and_nothing_is_saved(world, client, auth, scores):
    auth.login(world.email("family"))
    response = rate(client, auth, world.team.id, world.own.id, scores)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.get_json()["error"]["fields"]
    assert db.session.scalar(select(func.count()).select_from(TeamRating)) == 0


@pytest.mark.parametrize("role", ["carer", "nurse", "team_lead", "admin", "board", "client_supporter", "resident"])
def test_staff_and_the_resident_never_rate(world, client, auth, role):
    auth.login(world.email(role))
    assert rate(client, auth, world.team.id, world.own.id).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(TeamRating)) == 0


def test_a_staff_member_who_is_also_family_does_not_rate(world, client, auth):
    carer = world.users["carer"]
    add_contact(world.own, carer, view=True)
    db.session.commit()
    auth.login(carer.email)
    assert rate(client, auth, world.team.id, world.own.id).status_code == 403


def test_a_family_the_team_never_served_is_refused_with_a_clear_message(world, client, auth):
    auth.login(world.email("family"))
    response = rate(client, auth, world.other_team.id, world.own.id)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "not_served"
    assert db.session.scalar(select(func.count()).select_from(TeamRating)) == 0


def test_a_family_cannot_rate_for_another_familys_resident(world, client, auth):
    auth.login(world.email("family"))
    assert rate(client, auth, world.other_team.id, world.other.id).status_code == 403
    assert rate(client, auth, world.foreign_team.id, world.foreign.id).status_code == 404


def test_a_team_that_served_the_resident_until_3_months_ago_may_be_rated_7_months_not(world, client, auth):
    today = date.today()
    db.session.add_all([
        TeamAssignment(client_id=world.own.id, team_id=world.other_team.id, starts_on=date(2024, 1, 1),
                       ends_on=today - timedelta(days=90)),
        TeamAssignment(client_id=world.own.id, team_id=world.team.id, starts_on=today - timedelta(days=90)),
    ])
    db.session.commit()
    auth.login(world.email("family"))
    assert rate(client, auth, world.other_team.id, world.own.id).status_code == 201
    db.session.execute(TeamAssignment.__table__.update().where(TeamAssignment.team_id == world.other_team.id)
                       .values(ends_on=today - timedelta(days=215)))
    db.session.execute(TeamAssignment.__table__.update().where(TeamAssignment.team_id == world.team.id)
                       .values(starts_on=today - timedelta(days=215)))
    db.session.commit()
    assert rate(client, auth, world.other_team.id, world.own.id).get_json()["error"]["code"] == "not_served"


def _families(world, n: int, team: Team):
    """``n`` residents of ``team`` with a family contact each; their family users."""
    users = []
    for _ in range(n):
        resident = make_client(world.org, team.locations[0], team)
        family = make_user(world.org, Role.FAMILY)
        add_contact(resident, family, view=True)
        users.append((family, resident))
    db.session.commit()
    return users


def test_an_average_needs_5_ratings_from_5_families_and_hidden_ones_do_not_count(world, app):
    families = _families(world, 5, world.team)
    with app.test_request_context():
        for i, (family, resident) in enumerate(families[:4]):
            ratings.give_rating(family, world.team, resident, scores={**GOOD, "care": 5 + i}, recommend=True)
        assert ratings.rating_summaries([world.team.id])[world.team.id].average is None
        family, resident = families[4]
        last = ratings.give_rating(family, world.team, resident, scores=GOOD, recommend=False)
        summary = ratings.rating_summaries([world.team.id, world.other_team.id])
        # marks 7.0, 7.2, 7.4, 7.6 and 7.8: 7.4
        assert (str(summary[world.team.id].average), summary[world.team.id].count) == ("7.4", 5)
        assert summary[world.other_team.id].count == 0
        ratings.hide_rating(world.users["admin"], last, "Noemt een medewerker bij naam")
        assert ratings.rating_summaries([world.team.id])[world.team.id].average is None


def test_ratings_older_than_24_months_do_not_count(world, app):
    families = _families(world, 5, world.team)
    with app.test_request_context():
        for family, resident in families:
            ratings.give_rating(family, world.team, resident, scores=GOOD, recommend=True)
        db.session.execute(TeamRating.__table__.update().where(TeamRating.client_id == families[0][1].id)
                           .values(created_at=datetime.now(timezone.utc) - timedelta(days=740)))
        db.session.commit()
        assert ratings.rating_summaries([world.team.id])[world.team.id].count == 4


def test_the_team_lead_replies_once_and_another_lead_cannot(world, client, auth):
    other_lead = make_user(world.org, Role.TEAM_LEAD)
    add_member(world.other_team, other_lead, "team_lead", "N4")
    db.session.commit()
    auth.login(world.email("family"))
    rating_id = rate(client, auth, world.team.id, world.own.id).get_json()["rating"]["id"]

    auth.login(other_lead.email)
    assert api(client, auth, "POST", f"/api/v1/ratings/{rating_id}/reply", {"text": "Nee"}).status_code == 403
    auth.login(world.email("team_lead"))
    assert api(client, auth, "POST", f"/api/v1/ratings/{rating_id}/reply", {"text": " "}).status_code == 422
    first = api(client, auth, "POST", f"/api/v1/ratings/{rating_id}/reply", {"text": "Dank u wel!"})
    assert first.status_code == 200 and first.get_json()["rating"]["reply"]["text"] == "Dank u wel!"
    second = api(client, auth, "POST", f"/api/v1/ratings/{rating_id}/reply", {"text": "Nogmaals"})
    assert second.status_code == 409
    db.session.expire_all()
    assert db.session.get(TeamRating, rating_id).reply == "Dank u wel!"
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == world.users["family"].id, Notification.kind == "rating_replied")) == 1


def test_an_administrator_hides_a_rating_with_a_reason_logged_and_the_family_told(world, client, auth):
    auth.login(world.email("family"))
    rating_id = rate(client, auth, world.team.id, world.own.id, comment="Zuster Anna is onaardig").get_json()["rating"]["id"]
    auth.login(world.email("admin"))
    assert api(client, auth, "POST", f"/api/v1/ratings/{rating_id}/hide", {"reason": ""}).status_code == 422
    hidden = api(client, auth, "POST", f"/api/v1/ratings/{rating_id}/hide", {"reason": "Noemt een medewerker"})
    assert hidden.status_code == 200
    assert api(client, auth, "POST", f"/api/v1/ratings/{rating_id}/hide", {"reason": "Weer"}).status_code == 409
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.object_type == "team_ratings", AuditEvent.object_id == str(rating_id))) == 1
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == world.users["family"].id, Notification.kind == "rating_hidden")) == 1
    # Other families no longer see it; its author sees it with the reason.
    auth.login(world.view_only_family.email)
    assert client.get(f"/api/v1/teams/{world.team.id}/ratings").get_json()["ratings"] == []
    auth.login(world.email("family"))
    page = client.get(f"/teams/{world.team.id}/offer").get_data(as_text=True)
    assert "Noemt een medewerker" in page
    auth.login(world.email("team_lead"))
    assert api(client, auth, "POST", f"/api/v1/ratings/{rating_id}/hide", {"reason": "x"}).status_code == 403


def test_the_rating_page_rates_and_refuses_marks_out_of_range(world, client, auth):
    auth.login(world.email("family"))
    page = client.get(f"/teams/{world.team.id}/ratings/new")
    assert page.status_code == 200
    form = {"csrf_token": csrf_from(page.get_data(as_text=True)), "client_id": str(world.own.id),
            **{aspect: str(mark) for aspect, mark in GOOD.items()}, "recommend": "yes", "comment": ""}
    assert client.post(f"/teams/{world.team.id}/ratings/new", data={**form, "care": "11"}).status_code == 422
    assert db.session.scalar(select(func.count()).select_from(TeamRating)) == 0
    assert client.post(f"/teams/{world.team.id}/ratings/new", data=form).status_code == 302
    assert len(counted(world.team.id)) == 1
    # A team that never served the resident offers no rating form at all.
    assert client.get(f"/teams/{world.other_team.id}/ratings/new").status_code == 403


def test_the_board_sees_offers_and_counts_but_never_a_residents_name(world, client, auth):
    auth.login(world.email("family"))
    rate(client, auth, world.team.id, world.own.id, comment="Fijn team")
    auth.login(world.email("board"))
    for path in ("/offers", f"/teams/{world.team.id}/offer", f"/api/v1/teams/{world.team.id}/ratings"):
        response = client.get(path)
        assert response.status_code == 200, path
        body = response.get_data(as_text=True)
        assert world.own.name not in body and world.users["family"].name not in body, path
    assert "Fijn team" in client.get(f"/teams/{world.team.id}/offer").get_data(as_text=True)


def test_a_deactivated_team_is_no_offer(world, client, auth):
    world.other_team.active = False
    db.session.commit()
    auth.login(world.email("family"))
    page = client.get("/offers").get_data(as_text=True)
    assert world.team.name in page and world.other_team.name not in page


def test_a_freelancer_and_another_organisation_see_no_offers(world, client, auth):
    auth.login(world.email("freelancer"))
    assert client.get("/offers").status_code == 403
    auth.login(world.foreign_admin.email)
    assert client.get(f"/teams/{world.team.id}/offer").status_code == 404
    assert client.get(f"/api/v1/teams/{world.team.id}/ratings").status_code == 404


# -- the offers page keeps a constant number of queries -----------------------------------------

def _grow_teams(world, n: int) -> None:
    lead = world.users["team_lead"]
    location = world.team.locations[0]
    for _ in range(n):
        team = make_team(world.org, location)
        db.session.add(TeamOffer(organisation_id=world.org.id, team_id=team.id, version=1, published_on=date.today(),
                                 text="Wij", way_of_working="Zo", languages=["Nederlands"], known_for=["C01"],
                                 capacity=12, published_by_id=lead.id))
        resident = make_client(world.org, location, team)
        family = make_user(world.org, Role.FAMILY)
        add_contact(resident, family)
        add_member(team, make_user(world.org, Role.CARER), "carer")
        db.session.add(TeamRating(organisation_id=world.org.id, team_id=team.id, client_id=resident.id,
                                  author_id=family.id, recommend=True, **GOOD))
    db.session.commit()


@pytest.mark.parametrize("path", ["/offers"])
def test_the_offers_page_keeps_a_constant_query_count_for_4_or_400_teams(priced_world, client, auth, count_queries,
                                                                         path):
    world = priced_world
    auth.login(world.email("family"))
    _grow_teams(world, 1)  # 4 teams in organisation A... with T1, T2 and one more: see below
    _grow_teams(world, 1)
    client.get(path)
    with count_queries() as small:
        response = client.get(path)
    assert response.status_code == 200 and response.get_data(as_text=True).count('class="card offer-card"') == 4
    _grow_teams(world, 396)
    with count_queries() as large:
        response = client.get(path)
    assert response.get_data(as_text=True).count('class="card offer-card"') == 400
    assert large.count == small.count, f"{small.count} statements for 4 teams, {large.count} for 400"


def test_a_capacity_that_grows_offers_the_place_to_the_first_family_on_the_waiting_list(world, app):
    other_lead = make_user(world.org, Role.TEAM_LEAD)
    add_member(world.other_team, other_lead, "team_lead", "N4")
    world.other_team.capacity = 1  # full: its one resident
    db.session.commit()
    with app.test_request_context():
        waiting_list.join_waiting_list(world.users["family"], world.own, world.other_team.id)
        assert db.session.scalar(select(func.count()).select_from(PlaceOffer)) == 0
        publishing.publish_offer(other_lead, world.other_team, offers.OfferDraft("", "", [], [], 2))
        offer = db.session.scalar(select(PlaceOffer))
    assert (offer.client_id, offer.team_id, offer.status) == (world.own.id, world.other_team.id, "open")


def _grow_ratings(world, n: int) -> None:
    """``n`` more residents of T1, each with a family that rated it (and a reply of the lead)."""
    for _ in range(n):
        resident = make_client(world.org, world.team.locations[0], world.team)
        family = make_user(world.org, Role.FAMILY)
        add_contact(resident, family)
        db.session.add(TeamRating(organisation_id=world.org.id, team_id=world.team.id, client_id=resident.id,
                                  author_id=family.id, recommend=True, reply="Dank u",
                                  replied_at=datetime.now(timezone.utc), **GOOD))
    db.session.commit()


@pytest.mark.parametrize("path", ["/teams/{team}/offer", "/api/v1/teams/{team}/ratings", "/api/v1/teams/{team}/offer"])
def test_a_teams_page_keeps_a_constant_query_count_however_many_ratings(world, client, auth, count_queries, path):
    url = path.format(team=world.team.id)
    auth.login(world.email("family"))
    _grow_ratings(world, 2)
    client.get(url)
    with count_queries() as small:
        assert client.get(url).status_code == 200
    _grow_ratings(world, 20)
    with count_queries() as large:
        assert client.get(url).status_code == 200
    assert large.count == small.count, f"{url}: {small.count} statements for 2 ratings, {large.count} for 22"
