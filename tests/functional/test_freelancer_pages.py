"""Freelancers' pages and API (issue 13): the profile with its bad input (KvK, BIG), the
administrator's approval and suspension, a team's freelancers, onboarding links and what
happens when Stripe cannot be reached."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from billing.gateway import UnavailableGateway
from marketplace.core.extensions import db
from marketplace.core.roles import Role
from marketplace.market.models import Freelancer

from ..conftest import csrf_from
from ..factories import build_world, make_location, make_team, make_user


@pytest.fixture
def world(db):
    return build_world()


def login_page(client, email: str) -> str:
    page = client.get("/login")
    response = client.post("/login", data={"email": email, "password": "secret-password",
                                           "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code in (302, 303)
    return csrf_from(client.get("/freelancers/me").get_data(as_text=True)) if "freelancer" in email else ""


def good_form(world, **overrides) -> dict:
    values = {"name": "Fenna de Vries", "kvk_number": "12345678", "big_number": "",
              "home_team_id": str(world.team.id), "skills": "wandelen, koken", "languages": "Nederlands",
              "bio": "Ik kom graag."}
    values.update(overrides)
    return values


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Freelancer))


@pytest.mark.parametrize(("field", "value", "message"), [
    ("kvk_number", "1234567", "Een KvK-nummer bestaat uit 8 cijfers"),
    ("kvk_number", "١٢٣٤٥٦٧٨", "Een KvK-nummer bestaat uit 8 cijfers"),
    ("kvk_number", "1234 5678", "Een KvK-nummer bestaat uit 8 cijfers"),
    ("big_number", "123456789012", "Een BIG-nummer bestaat uit 11 cijfers"),
    ("big_number", "１２３４５６７８９０１", "Een BIG-nummer bestaat uit 11 cijfers"),
    ("home_team_id", "abc", "Kies je thuisteam."),
])
def test_the_profile_page_shows_bad_input_next_to_the_field_and_saves_nothing(client, world, field, value,
                                                                             message):
    csrf = login_page(client, world.users["freelancer"].email)
    response = client.post("/freelancers/me", data={**good_form(world, **{field: value}), "csrf_token": csrf})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert f'id="{field}-error"' in html
    assert 'value="Fenna de Vries"' in html  # what was typed is kept
    assert count() == 0


def test_a_freelancer_makes_a_profile_on_the_page(client, world):
    csrf = login_page(client, world.users["freelancer"].email)
    response = client.post("/freelancers/me", data={**good_form(world, big_number=" 12345678901 "),
                                                    "csrf_token": csrf})
    assert response.status_code == 303
    freelancer = db.session.scalar(select(Freelancer))
    assert (freelancer.status, freelancer.big_number, freelancer.skills) == ("pending", "12345678901",
                                                                             ["wandelen", "koken"])
    page = client.get("/freelancers/me").get_data(as_text=True)
    assert "wacht op goedkeuring door de organisatie" in page
    assert "Families kunnen je extra" in page and "nog niet boeken" in page


def api_login(client, email: str) -> dict:
    response = client.post("/api/v1/auth/login", json={"email": email, "password": "secret-password"})
    assert response.status_code == 200
    return {"X-CSRFToken": response.get_json()["csrf_token"]}


def test_the_api_refuses_bad_numbers_with_every_field_and_saves_nothing(client, world):
    headers = api_login(client, world.users["freelancer"].email)
    response = client.put("/api/v1/freelancers/me", headers=headers, json={
        "name": "Fenna", "kvk_number": "1234567", "big_number": "٠١٢٣٤٥٦٧٨٩٠", "home_team_id": world.foreign_team.id})
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"kvk_number", "big_number", "home_team_id"}
    for bad in ({"home_team_id": "1"}, {"skills": "wandelen"}, {"kvk_number": 12345678}, {"colour": "red"}):
        body = {"name": "Fenna", "kvk_number": "12345678", "home_team_id": world.team.id, **bad}
        assert client.put("/api/v1/freelancers/me", headers=headers, json=body).status_code == 422, bad
    assert client.get("/api/v1/freelancers/me").status_code == 404
    assert count() == 0


def test_profile_approval_onboarding_and_suspension_through_the_api(client, world, app):
    headers = api_login(client, world.users["freelancer"].email)
    body = {"name": "Fenna de Vries", "kvk_number": "12345678", "home_team_id": world.team.id,
            "skills": ["wandelen"], "languages": ["Nederlands"], "bio": ""}
    made = client.put("/api/v1/freelancers/me", headers=headers, json=body)
    assert made.status_code == 201
    me = made.get_json()
    assert (me["status"], me["can_take_bookings"], me["stripe"]["onboarded"]) == ("pending", False, False)
    assert client.put("/api/v1/freelancers/me", headers=headers, json={**body, "bio": "Hallo"}).status_code == 200
    link = client.post("/api/v1/freelancers/me/onboarding", headers=headers)
    assert link.status_code == 200 and link.get_json()["url"].endswith("/freelancers/me/demo-onboarding")
    assert client.get("/api/v1/freelancers/me").get_json()["stripe"]["onboarded"] is True
    client.post("/api/v1/auth/logout", headers=headers)

    headers = api_login(client, world.users["admin"].email)
    freelancer_id = me["id"]
    approved = client.post(f"/api/v1/freelancers/{freelancer_id}/approve", headers=headers)
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    for bad in ({}, {"reason": ""}, {"reason": "  "}, {"reason": 5}, {"reason": "x" * 501}):
        refused = client.post(f"/api/v1/freelancers/{freelancer_id}/suspend", headers=headers, json=bad)
        assert refused.status_code == 422, bad
    assert db.session.get(Freelancer, freelancer_id, populate_existing=True).status == "approved"
    suspended = client.post(f"/api/v1/freelancers/{freelancer_id}/suspend", headers=headers,
                            json={"reason": "KvK-inschrijving verlopen"})
    assert suspended.status_code == 200
    assert suspended.get_json()["freelancer"]["status"] == "suspended"
    assert suspended.get_json()["cancelled_bookings"] == []
    listed = client.get(f"/api/v1/teams/{world.team.id}/freelancers").get_json()["freelancers"]
    assert [(f["id"], f["status"]) for f in listed] == [(freelancer_id, "suspended")]
    assert client.get(f"/api/v1/teams/{world.other_team.id}/freelancers").get_json() == {"freelancers": []}


def test_when_stripe_cannot_be_reached_the_freelancer_reads_why_and_nothing_is_kept(client, world, app,
                                                                                   monkeypatch):
    headers = api_login(client, world.users["freelancer"].email)
    client.put("/api/v1/freelancers/me", headers=headers, json={"name": "Fenna", "kvk_number": "12345678",
                                                                "home_team_id": world.team.id})
    monkeypatch.setitem(app.extensions, "gateway", UnavailableGateway())
    response = client.post("/api/v1/freelancers/me/onboarding", headers=headers)
    assert response.status_code == 502
    assert response.get_json()["error"]["code"] == "payments_unavailable"
    assert response.get_json()["error"]["message"] == "Online betalen is nog niet mogelijk. Neem contact op met de administratie."
    assert db.session.scalar(select(Freelancer.stripe_account_id)) is None
    page = client.post("/freelancers/me/onboarding", data={"csrf_token": headers["X-CSRFToken"]})
    assert page.status_code == 303 and page.headers["Location"].endswith("/freelancers/me")


def test_onboarding_before_a_profile_is_a_clear_conflict(client, world):
    headers = api_login(client, world.users["freelancer"].email)
    response = client.post("/api/v1/freelancers/me/onboarding", headers=headers)
    assert response.status_code == 409
    assert response.get_json()["error"]["message"] == "Maak eerst je profiel."


def test_the_administrator_sees_pending_profiles_first_and_suspends_with_a_reason_on_the_page(client, world):
    for n, status in enumerate(("approved", "pending")):
        user = world.users["freelancer"] if n == 0 else world.users["carer"]
        db.session.add(Freelancer(organisation_id=world.org.id, user_id=user.id, name=f"ZZP {'AB'[n]}",
                                  kvk_number="12345678", home_team_id=world.team.id, status=status))
    db.session.commit()
    login_page(client, world.users["admin"].email)
    listing = client.get("/admin/freelancers").get_data(as_text=True)
    assert listing.index("ZZP B") < listing.index("ZZP A")
    assert "1 profiel wacht op je goedkeuring." in listing
    approved_id = db.session.scalar(select(Freelancer.id).where(Freelancer.name == "ZZP A"))
    page = client.get(f"/freelancers/{approved_id}")
    csrf = csrf_from(page.get_data(as_text=True))
    refused = client.post(f"/freelancers/{approved_id}/suspend", data={"reason": "", "csrf_token": csrf})
    assert refused.status_code == 422 and 'id="reason-error"' in refused.get_data(as_text=True)
    assert db.session.get(Freelancer, approved_id, populate_existing=True).status == "approved"
    done = client.post(f"/freelancers/{approved_id}/suspend", data={"reason": "Geen VOG", "csrf_token": csrf})
    assert done.status_code == 303
    assert db.session.get(Freelancer, approved_id, populate_existing=True).status_reason == "Geen VOG"


def _grow_freelancers(world, n: int) -> None:
    start = count()
    location = make_location(world.org, f"Groei {start}")
    for i in range(start, start + n):
        user = make_user(world.org, Role.FREELANCER, email=f"zzp-grow{i}@a.test", name=f"ZZP {i}")
        # Half at home in the lead's team, half each in a team of its own (a lazy load per team would show).
        team = world.team if i % 2 else make_team(world.org, location, f"Team Groei {i}")
        db.session.add(Freelancer(organisation_id=world.org.id, user_id=user.id, name=f"ZZP {i}",
                                  kvk_number="12345678", home_team_id=team.id, status=("pending", "approved")[i % 2]))
    db.session.commit()


@pytest.mark.parametrize("role, path", [("admin", "/admin/freelancers"),
                                        ("admin", "/api/v1/teams/{team}/freelancers"),
                                        ("team_lead", "/api/v1/teams/{team}/freelancers")])
def test_freelancer_lists_keep_a_constant_query_count(client, world, auth, count_queries, role, path):
    url = path.format(team=world.team.id)
    auth.login(world.email(role))
    _grow_freelancers(world, 2)
    client.get(url)  # warm up
    with count_queries() as small:
        assert client.get(url).status_code == 200
    _grow_freelancers(world, 20)
    with count_queries() as large:
        assert client.get(url).status_code == 200
    assert large.count == small.count, f"{path}: {small.count} statements for 2, {large.count} for 22"


def test_stripes_refresh_url_makes_a_new_link_and_the_dashboard_link_needs_an_account(client, world, auth):
    db.session.add(Freelancer(organisation_id=world.org.id, user_id=world.users["freelancer"].id, name="Fenna",
                              kvk_number="12345678", home_team_id=world.team.id, status="approved"))
    db.session.commit()
    auth.login(world.email("freelancer"))
    dashboard = client.post("/freelancers/me/stripe-dashboard", data={"csrf_token": auth.csrf})
    assert dashboard.status_code == 303 and dashboard.headers["Location"].endswith("/freelancers/me")
    assert "Stel eerst je betalingen in bij Stripe." in client.get("/freelancers/me").get_data(as_text=True)
    refreshed = client.get("/freelancers/me/onboarding/refresh")
    assert refreshed.status_code == 303 and refreshed.headers["Location"].endswith("/freelancers/me/demo-onboarding")
    assert db.session.scalar(select(Freelancer.stripe_account_id)).startswith("acct_demo_")
