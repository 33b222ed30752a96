"""Comparing and choosing a team, withdrawing, the history, and the waiting list with its offers
(issue 11, items 2 to 4 and 6), through the JSON API that the pages share their services with."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from care.models import Client
from marketplace.accounts.notifications import Notification
from marketplace.core.extensions import db
from marketplace.core.audit import AuditEvent
from marketplace.core.roles import Role
from marketplace.market import waiting_list
from marketplace.market.models import PlaceOffer, TeamChoice, WaitingEntry
from teams.models import TeamAssignment
from tests.conftest import csrf_from
from tests.factories import add_contact, add_member, make_client, make_location, make_team, make_user

# Thursday 3 December 2026, noon in Amsterdam: a choice takes effect on Monday 7 December.
THURSDAY = datetime(2026, 12, 3, 11, 0, tzinfo=timezone.utc)
MONDAY = date(2026, 12, 7)


@pytest.fixture
def at_thursday():
    with time_machine.travel(THURSDAY, tick=True) as traveller:
        yield traveller


@pytest.fixture
def market(world, db, at_thursday):
    """The world with team leads for T1 and T2, a second decider of ``own``, and a team that serves
    another location only. T2 (``other_team``) has 12 places and one resident."""
    w = world
    w.lead_t2 = make_user(w.org, Role.TEAM_LEAD, email="lead-t2@a.test", name="Leider T2")
    add_member(w.other_team, w.lead_t2, "team_lead", "N4")
    w.second = make_user(w.org, Role.FAMILY, email="zoon@a.test", name="Zoon")
    add_contact(w.own, w.second, view=True, decide=True)
    elsewhere = make_location(w.org, "Elders")
    w.elsewhere_team = make_team(w.org, elsewhere, "Team Elders")
    db.session.commit()
    return w


def post(client, auth, path, body=None):
    return client.post(path, json=body if body is not None else {}, headers={"X-CSRFToken": auth.csrf})


def test_the_options_are_the_teams_serving_the_resident_with_the_current_one_marked(market, client, auth):
    auth.login(market.email("family"))
    body = client.get(f"/api/v1/clients/{market.own.id}/team-options").get_json()
    teams = {row["team_id"]: row for row in body["teams"]}
    assert set(teams) == {market.team.id, market.other_team.id}  # not another location's team, not B's
    assert teams[market.team.id]["current"] is True and teams[market.other_team.id]["current"] is False
    assert teams[market.other_team.id]["open_places"] == 11
    assert teams[market.other_team.id]["waiting_list_length"] == 0
    assert set(teams[market.team.id]) >= {"team_id", "name", "open_places", "rating", "waiting_list_length",
                                          "current"}
    assert teams[market.other_team.id]["rating"] == {"average": None, "count": 0}  # too few ratings
    assert teams[market.other_team.id]["offer"] is None  # none published
    assert body["effective_from"] == MONDAY.isoformat()


def test_choosing_takes_effect_on_the_next_monday_and_tells_both_leads_and_the_other_decider(market, client, auth,
                                                                                           db):
    auth.login(market.email("family"))
    response = post(client, auth, f"/api/v1/clients/{market.own.id}/team-choice", {"team_id": market.other_team.id})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["team_id"] == market.other_team.id
    assert response.get_json()["effective_from"] == "2026-12-07"
    db.session.expire_all()
    assert market.own.team_id == market.team.id  # not before the Monday
    told = dict(db.session.execute(select(Notification.user_id, Notification.kind)).all())
    assert told == {market.lead_t2.id: "team_choice_incoming", market.users["team_lead"].id: "team_choice_outgoing",
                    market.second.id: "team_choice_family", market.users["resident"].id: "team_choice_family"}
    options = client.get(f"/api/v1/clients/{market.own.id}/team-options").get_json()
    assert {row["team_id"]: row["open_places"] for row in options["teams"]}[market.other_team.id] == 10
    assert options["pending_choice"]["team_id"] == market.other_team.id

    # The same choice again changes nothing.
    again = post(client, auth, f"/api/v1/clients/{market.own.id}/team-choice", {"team_id": market.other_team.id})
    assert again.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(TeamChoice)) == 1


def test_the_choice_is_applied_on_its_monday_without_anything_scheduled(market, client, auth, db, at_thursday):
    auth.login(market.email("family"))
    post(client, auth, f"/api/v1/clients/{market.own.id}/team-choice", {"team_id": market.other_team.id})
    at_thursday.move_to(datetime(2026, 12, 6, 22, 59, tzinfo=timezone.utc))  # Sunday 23:59 in Amsterdam
    auth.login(market.email("family"))  # a login lasts 8 hours
    history = client.get(f"/api/v1/clients/{market.own.id}/team-history").get_json()
    assert history["current_team_id"] == market.team.id and history["choices"][0]["status"] == "pending"
    at_thursday.move_to(datetime(2026, 12, 6, 23, 1, tzinfo=timezone.utc))  # Monday 00:01
    auth.login(market.email("family"))
    history = client.get(f"/api/v1/clients/{market.own.id}/team-history").get_json()
    assert history["current_team_id"] == market.other_team.id
    assert history["choices"][0]["status"] == "applied"
    assert [(row["team_id"], row["starts_on"], row["ends_on"]) for row in history["teams"]] == [
        (market.other_team.id, "2026-12-07", None), (market.team.id, "2026-01-05", "2026-12-07")]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(TeamAssignment)) == 2
    # Too late to withdraw: it has taken effect.
    late = client.delete(f"/api/v1/clients/{market.own.id}/team-choice", headers={"X-CSRFToken": auth.csrf})
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "nothing_to_withdraw"


def test_a_choice_can_be_withdrawn_until_it_takes_effect(market, client, auth, db):
    auth.login(market.email("family"))
    post(client, auth, f"/api/v1/clients/{market.own.id}/team-choice", {"team_id": market.other_team.id})
    response = client.delete(f"/api/v1/clients/{market.own.id}/team-choice", headers={"X-CSRFToken": auth.csrf})
    assert response.status_code == 200 and response.get_json()["status"] == "withdrawn"
    again = client.delete(f"/api/v1/clients/{market.own.id}/team-choice", headers={"X-CSRFToken": auth.csrf})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "nothing_to_withdraw"
    options = client.get(f"/api/v1/clients/{market.own.id}/team-options").get_json()
    assert options["pending_choice"] is None
    assert {row["team_id"]: row["open_places"] for row in options["teams"]}[market.other_team.id] == 11


def test_the_client_supporter_chooses_on_the_familys_behalf_recorded_as_such(market, client, auth, db):
    auth.login(market.email("client_supporter"))
    response = post(client, auth, f"/api/v1/clients/{market.own.id}/team-choice", {"team_id": market.other_team.id})
    assert response.status_code == 201 and response.get_json()["on_behalf"] is True
    kinds = set(db.session.scalars(select(Notification.kind).where(Notification.user_id == market.users["family"].id)))
    assert kinds == {"team_choice_on_behalf"}
    detail = db.session.scalar(select(AuditEvent.detail).where(AuditEvent.object_type == "team_choices"))
    assert "on the family's behalf" in detail


@pytest.mark.parametrize("who, team, status, code", [
    ("family", "current", 422, "current_team"),
    ("family", "elsewhere", 422, "team_not_serving"),
    ("family", "foreign", 422, "team_not_serving"),
    ("family", "missing", 422, "team_not_serving"),
    ("viewonly", "other", 403, "forbidden"),
    ("carer", "other", 403, "forbidden"),
])
def test_bad_choices_are_refused_and_change_nothing(market, client, auth, db, who, team, status, code):
    team_id = {"current": market.team.id, "elsewhere": market.elsewhere_team.id, "foreign": market.foreign_team.id,
               "missing": 10**9, "other": market.other_team.id}[team]
    auth.login("viewonly@a.test" if who == "viewonly" else market.email(who))
    response = post(client, auth, f"/api/v1/clients/{market.own.id}/team-choice", {"team_id": team_id})
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code
    assert db.session.scalar(select(func.count()).select_from(TeamChoice)) == 0
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0


@pytest.mark.parametrize("body", [{}, {"team_id": "2"}, {"team_id": True}, {"team_id": None}, {"team_id": 1, "x": 1},
                                  {"team_id": -1}, {"team_id": 2**70}, [1]])
def test_a_malformed_choice_is_a_422(market, client, auth, db, body):
    auth.login(market.email("family"))
    response = post(client, auth, f"/api/v1/clients/{market.own.id}/team-choice", body)
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(TeamChoice)) == 0


def fill(world, team, free: int = 0):
    """Give ``team`` residents until ``free`` places are left."""
    residents = db.session.scalar(select(func.count()).select_from(Client).where(Client.team_id == team.id))
    for _ in range(team.capacity - residents - free):
        make_client(world.org, team.locations[0], team)
    db.session.commit()


def family_of_new_resident(world, db, email: str):
    resident = make_client(world.org, world.team.locations[0], world.team, "Nieuwe Bewoner")
    user = make_user(world.org, Role.FAMILY, email=email)
    add_contact(resident, user, view=True, decide=True)
    db.session.commit()
    return resident, user


def test_a_full_team_is_refused_with_team_full_and_the_waiting_list_offered(market, client, auth, db):
    fill(market, market.other_team)
    auth.login(market.email("family"))
    response = post(client, auth, f"/api/v1/clients/{market.own.id}/team-choice", {"team_id": market.other_team.id})
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "team_full" and "wachtlijst" in error["message"]  # Dutch by default
    assert db.session.scalar(select(func.count()).select_from(TeamChoice)) == 0

    joined = post(client, auth, f"/api/v1/clients/{market.own.id}/waiting-list", {"team_id": market.other_team.id})
    assert joined.status_code == 201
    assert joined.get_json()["position"] == 1 and joined.get_json()["ahead"] == 0
    assert joined.get_json()["offer"] is None
    assert post(client, auth, f"/api/v1/clients/{market.own.id}/waiting-list",
                {"team_id": market.other_team.id}).status_code == 200  # on it already: nothing changes
    assert db.session.scalar(select(func.count()).select_from(WaitingEntry)) == 1


def test_the_waiting_list_offers_an_opened_place_first_come_first_served_for_48_hours(market, client, auth, db,
                                                                                   at_thursday):
    team = market.other_team
    fill(market, team)
    first, first_user = family_of_new_resident(market, db, "eerste@a.test")
    second, second_user = family_of_new_resident(market, db, "tweede@a.test")
    for resident, user in ((first, first_user), (second, second_user)):
        auth.login(user.email)
        assert post(client, auth, f"/api/v1/clients/{resident.id}/waiting-list", {"team_id": team.id}).status_code == 201
    assert client.get(f"/api/v1/clients/{second.id}/waiting-list").get_json()["entries"][0]["position"] == 2

    # Someone from outside the list cannot take a place that opens: the list goes first.
    team.capacity += 1
    db.session.commit()
    auth.login(market.email("family"))
    response = post(client, auth, f"/api/v1/clients/{market.own.id}/team-choice", {"team_id": team.id})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "team_full"

    auth.login(first_user.email)
    entries = client.get(f"/api/v1/clients/{first.id}/waiting-list").get_json()["entries"]
    offer = entries[0]["offer"]
    assert offer is not None and offer["status"] == "open"
    assert offer["expires_at"].startswith("2026-12-05T11:00")
    assert db.session.scalar(select(Notification.kind).where(Notification.user_id == first_user.id)) \
        == "place_offered"
    client.get(f"/api/v1/clients/{first.id}/waiting-list")  # read again: still one offer
    assert db.session.scalar(select(func.count()).select_from(PlaceOffer)) == 1

    # The second family may not accept the first family's offer.
    auth.login(second_user.email)
    assert post(client, auth, f"/api/v1/waiting-list/offers/{offer['id']}/accept").status_code == 403

    # 48 hours pass: the offer expires on the next read and passes to the second family.
    at_thursday.move_to(THURSDAY + timedelta(hours=48, minutes=1))  # the offer was made seconds after THURSDAY
    auth.login(second_user.email)
    entries = client.get(f"/api/v1/clients/{second.id}/waiting-list").get_json()["entries"]
    assert entries[0]["position"] == 1 and entries[0]["offer"]["status"] == "open"
    auth.login(first_user.email)
    late = post(client, auth, f"/api/v1/waiting-list/offers/{offer['id']}/accept")
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "offer_closed"
    assert client.get(f"/api/v1/clients/{first.id}/waiting-list").get_json()["entries"] == []

    auth.login(second_user.email)
    accepted = post(client, auth, f"/api/v1/waiting-list/offers/{entries[0]['offer']['id']}/accept")
    assert accepted.status_code == 200, accepted.get_json()
    assert accepted.get_json()["choice"]["team_id"] == team.id
    assert accepted.get_json()["choice"]["effective_from"] == "2026-12-07"
    twice = post(client, auth, f"/api/v1/waiting-list/offers/{entries[0]['offer']['id']}/accept")
    assert twice.status_code == 409 and twice.get_json()["error"]["code"] == "offer_closed"
    statuses = dict(db.session.execute(select(PlaceOffer.client_id, PlaceOffer.status)).all())
    assert statuses == {first.id: "expired", second.id: "accepted"}
    # Every offer, expiry and acceptance is logged.
    logged = db.session.execute(select(AuditEvent.action, AuditEvent.detail).where(
        AuditEvent.object_type == "place_offers").order_by(AuditEvent.id)).all()
    assert [(action, detail.rsplit(" ", 1)[-1] if action == "update" else "offered") for action, detail in logged] \
        == [("create", "offered"), ("update", "expired"), ("create", "offered"), ("update", "accepted")]


def test_declining_passes_the_place_and_leaving_takes_the_family_off(market, client, auth, db):
    team = market.other_team
    fill(market, team, free=1)
    first, first_user = family_of_new_resident(market, db, "eerste@a.test")
    second, second_user = family_of_new_resident(market, db, "tweede@a.test")
    auth.login(first_user.email)
    entry = post(client, auth, f"/api/v1/clients/{first.id}/waiting-list", {"team_id": team.id}).get_json()
    assert entry["offer"] is not None  # a place was open and nobody was before: offered at once
    auth.login(second_user.email)
    assert post(client, auth, f"/api/v1/clients/{second.id}/waiting-list",
                {"team_id": team.id}).get_json()["offer"] is None
    auth.login(first_user.email)
    assert post(client, auth, f"/api/v1/waiting-list/offers/{entry['offer']['id']}/decline").status_code == 200
    auth.login(second_user.email)
    mine = client.get(f"/api/v1/clients/{second.id}/waiting-list").get_json()["entries"]
    assert mine[0]["position"] == 1 and mine[0]["offer"]["status"] == "open"
    left = client.delete(f"/api/v1/clients/{second.id}/waiting-list/{team.id}", headers={"X-CSRFToken": auth.csrf})
    assert left.status_code == 200
    assert client.get(f"/api/v1/clients/{second.id}/waiting-list").get_json()["entries"] == []
    assert set(db.session.scalars(select(PlaceOffer.status))) == {"declined"}


def test_expire_offers_is_idempotent(market, app, at_thursday):
    team = market.other_team
    fill(market, team, free=1)
    first, first_user = family_of_new_resident(market, db, "eerste@a.test")
    waiting_list.join_waiting_list(first_user, first, team.id)
    at_thursday.move_to(THURSDAY + timedelta(hours=49))
    runner = app.test_cli_runner()
    assert "offers expired: 1" in runner.invoke(args=["market", "expire-offers"]).output
    assert "offers expired: 0, offers made: 0" in runner.invoke(args=["market", "expire-offers"]).output


def test_the_pages_refuse_bad_choices_with_a_clear_message_and_never_a_500(market, client, auth, db):
    auth.login(market.email("family"))
    page = client.get(f"/clients/{market.own.id}/teams")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert market.other_team.name in html and market.elsewhere_team.name not in html
    assert client.get(f"/clients/{market.own.id}/teams/{market.team.id}/choose").status_code == 422  # current team
    assert client.get(f"/clients/{market.own.id}/teams/{market.elsewhere_team.id}/choose").status_code == 422
    assert client.get(f"/clients/{market.own.id}/teams/{market.foreign_team.id}/choose").status_code == 422
    confirm = client.get(f"/clients/{market.own.id}/teams/{market.other_team.id}/choose")
    assert confirm.status_code == 200 and 'id="effective-from"' in confirm.get_data(as_text=True)

    fill(market, market.other_team)
    token = csrf_from(confirm.get_data(as_text=True))
    full = client.post(f"/clients/{market.own.id}/teams/{market.other_team.id}/choose", data={"csrf_token": token})
    assert full.status_code == 409
    assert f"/clients/{market.own.id}/teams/{market.other_team.id}/waiting-list" in full.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(TeamChoice)) == 0


def test_a_withdrawn_choice_gives_its_place_to_the_waiting_list_at_once(market, client, auth, db):
    team = market.other_team
    fill(market, team, free=1)
    auth.login(market.email("family"))
    assert post(client, auth, f"/api/v1/clients/{market.own.id}/team-choice", {"team_id": team.id}).status_code == 201
    waiting, waiting_user = family_of_new_resident(market, db, "wachtend@a.test")
    auth.login(waiting_user.email)
    assert post(client, auth, f"/api/v1/clients/{waiting.id}/waiting-list",
                {"team_id": team.id}).get_json()["offer"] is None  # full: the last place is promised
    auth.login(market.email("family"))
    assert client.delete(f"/api/v1/clients/{market.own.id}/team-choice",
                         headers={"X-CSRFToken": auth.csrf}).status_code == 200
    db.session.expire_all()
    assert db.session.scalar(select(PlaceOffer.client_id).where(PlaceOffer.status == "open")) == waiting.id
    assert db.session.scalar(select(Notification.kind).where(Notification.user_id == waiting_user.id)) \
        == "place_offered"


def test_a_deactivated_team_is_no_option_and_a_choice_of_it_lapses_on_its_monday(market, client, auth, db,
                                                                                   at_thursday):
    auth.login(market.email("family"))
    assert post(client, auth, f"/api/v1/clients/{market.own.id}/team-choice",
                {"team_id": market.other_team.id}).status_code == 201
    market.other_team.active = False  # the administrator deactivates it (issue 10)
    db.session.commit()
    options = client.get(f"/api/v1/clients/{market.own.id}/team-options").get_json()
    assert [row["team_id"] for row in options["teams"]] == [market.team.id]
    refused = post(client, auth, f"/api/v1/clients/{market.own.id}/team-choice", {"team_id": market.other_team.id})
    assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "team_not_serving"

    at_thursday.move_to(datetime(2026, 12, 7, 8, 0, tzinfo=timezone.utc))  # its Monday
    auth.login(market.email("family"))
    history = client.get(f"/api/v1/clients/{market.own.id}/team-history")
    assert history.status_code == 200
    assert history.get_json()["current_team_id"] == market.team.id
    assert history.get_json()["choices"][0]["status"] == "withdrawn"
    assert "team_choice_lapsed" in set(db.session.scalars(select(Notification.kind).where(
        Notification.user_id == market.users["family"].id)))
