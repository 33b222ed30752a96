"""Extras by freelancers in the same market as the teams' (issue 13, item 3): published only once
approved and Stripe takes payments for them, off the market when suspended (page and API)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from marketplace.core.extensions import db
from marketplace.core.roles import Role
from marketplace.market.models import Extra, Freelancer
from tests.factories import build_world, make_user

EXTRA = {"code": "X03", "title": "Verwenmoment bij u op de kamer", "price_cents": 3500, "duration_minutes": 45,
         "patterns": [{"weekday": d, "start": "10:00", "end": "16:00"} for d in range(7)]}


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def freelancer(world) -> Freelancer:
    user = make_user(world.org, Role.FREELANCER, email="zzp@a.test", name="Sanne Zzp")
    row = Freelancer(organisation_id=world.org.id, user_id=user.id, name="Sanne Zzp", kvk_number="12345678",
                     home_team_id=world.team.id, status="pending")
    db.session.add(row)
    db.session.commit()
    return row


def set_state(freelancer: Freelancer, **values) -> None:
    row = db.session.get(Freelancer, freelancer.id)
    for name, value in values.items():
        setattr(row, name, value)
    db.session.commit()


def extras_count() -> int:
    return db.session.scalar(select(func.count(Extra.id)))


def test_a_freelancer_publishes_only_when_approved_and_stripe_takes_payments(client, auth, freelancer):
    auth.login("zzp@a.test")
    headers = {"X-CSRFToken": auth.csrf, "Accept-Language": "nl"}
    for state in ({}, {"status": "approved"}, {"status": "approved", "stripe_account_id": "acct_z"}):
        set_state(freelancer, **state)
        refused = client.post("/api/v1/freelancers/me/extras", json=EXTRA, headers=headers)
        assert refused.status_code == 409, state
        assert refused.get_json()["error"]["code"] == "account_not_ready"
        assert "Stripe" in refused.get_json()["error"]["message"]
    assert extras_count() == 0
    page = client.get("/freelancers/me/extras", headers=headers).get_data(as_text=True)
    assert "Stripe" in page and "/freelancers/me/extras/new" not in page
    set_state(freelancer, charges_enabled=True)
    created = client.post("/api/v1/freelancers/me/extras", json=EXTRA, headers=headers)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["provider"]["kind"] == "freelancer"
    assert [e["title"] for e in client.get("/api/v1/freelancers/me/extras").get_json()["extras"]] == [EXTRA["title"]]


def test_bad_input_and_a_price_below_the_minimum_save_nothing(client, auth, freelancer):
    set_state(freelancer, status="approved", stripe_account_id="acct_z", charges_enabled=True)
    auth.login("zzp@a.test")
    for bad in ({**EXTRA, "price_cents": 10}, {**EXTRA, "price_cents": 0}, {**EXTRA, "duration_minutes": 0},
                {**EXTRA, "patterns": [{"weekday": 0, "start": "16:00", "end": "10:00"}]}):
        response = client.post("/api/v1/freelancers/me/extras", json=bad, headers={"X-CSRFToken": auth.csrf})
        assert response.status_code == 422, bad
    assert extras_count() == 0


def test_the_family_finds_the_freelancers_extra_until_the_freelancer_is_suspended(client, auth, world, freelancer):
    set_state(freelancer, status="approved", stripe_account_id="acct_z", charges_enabled=True)
    auth.login("zzp@a.test")
    extra_id = client.post("/api/v1/freelancers/me/extras", json=EXTRA,
                           headers={"X-CSRFToken": auth.csrf}).get_json()["id"]
    auth.logout()
    auth.login("family@a.test")
    assert extra_id in [e["id"] for e in client.get("/api/v1/extras").get_json()["extras"]]
    assert client.get(f"/extras/{extra_id}").status_code == 200
    set_state(freelancer, status="suspended", status_reason="KvK-inschrijving verlopen")
    assert extra_id not in [e["id"] for e in client.get("/api/v1/extras").get_json()["extras"]]
    assert "Verwenmoment" not in client.get("/extras").get_data(as_text=True)
    assert client.get(f"/extras/{extra_id}").status_code == 404
    assert client.get(f"/api/v1/extras/{extra_id}/slots").status_code == 404
    booking = client.post("/api/v1/bookings", json={"extra_id": extra_id, "client_id": world.own.id,
                                                    "start": "2027-01-04T10:00:00+01:00"},
                          headers={"X-CSRFToken": auth.csrf})
    assert booking.status_code == 409, booking.get_json()
    assert booking.get_json()["error"]["code"] == "provider_unavailable"


def test_staff_and_families_cannot_use_the_freelancer_routes(client, auth, world, freelancer):
    auth.login("team_lead@a.test")
    assert client.get("/freelancers/me/extras").status_code == 403
    assert client.post("/api/v1/freelancers/me/extras", json=EXTRA,
                       headers={"X-CSRFToken": auth.csrf}).status_code == 403
    assert extras_count() == 0
