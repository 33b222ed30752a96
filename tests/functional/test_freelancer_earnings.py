"""The freelancer's dashboard, statement and API, and the home team's view (issue 13, items 4-5):
the figures of the ledger, each freelancer only their own."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from billing.gateway import event_payload
from billing.models import Payment
from marketplace.core.extensions import db
from marketplace.core.roles import Role
from tests.factories import build_world, make_user
from tests.functional.test_webhooks import deliver
from tests.integration.test_freelancer_ledger import book_and_pay, freelancer_extra


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def paid(app, client, world):
    """A freelancer's 40,80 extra paid, then 10,00 of it refunded."""
    extra = freelancer_extra(world, price=4080)
    booking = book_and_pay(app, client, world, extra)
    intent = db.session.get(Payment, booking.payment_id).provider_payment_id
    body = event_payload("refund.created", {"id": "re_dash_1", "object": "refund", "amount": 1000, "currency": "eur",
                                            "payment_intent": intent, "status": "succeeded"})
    assert deliver(client, body).status_code == 200
    return extra


def this_month() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m")


def test_the_dashboard_shows_earnings_per_month_net_of_refunds_with_a_chart_and_a_table(client, auth, paid):
    auth.login("zzp@a.test")
    page = client.get("/freelancer/dashboard", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert 'id="earnings-chart-title"' in page
    # Paid 30,80 net; fee 1,54; home team 4,62; earnings 24,64.
    for amount in ("€ 30,80", "€ 1,54", "€ 4,62", "€ 24,64"):
        assert amount in page
    statement = client.get(f"/freelancer/statements/{this_month()}").get_data(as_text=True)
    assert "€ 40,80" in statement and "-€ 10,00" in statement.replace("€ -", "-€ ")
    csv_text = client.get(f"/freelancer/statements/{this_month()}?format=csv").get_data(as_text=True)
    assert csv_text.splitlines()[-1] == "total;;;;3080;154;462;2464"


def test_the_api_gives_the_own_months_figures_and_refuses_bad_months(client, auth, paid):
    auth.login("zzp@a.test")
    body = client.get(f"/api/v1/freelancers/me/earnings?month={this_month()}").get_json()
    assert (body["gross_cents"], body["organisation_fee_cents"], body["home_team_cents"], body["earnings_cents"]) == (
        3080, 154, 462, 2464)
    assert [line["kind"] for line in body["lines"]] == ["payment", "refund"]
    for bad in ("2026-13", "２０２６-01", "2026-1", "x"):
        response = client.get(f"/api/v1/freelancers/me/earnings?month={bad}")
        assert response.status_code == 422, bad
    assert client.get("/api/v1/freelancers/me/payouts").get_json() == {"payouts": []}


def test_another_freelancer_sees_only_their_own_nothing(client, auth, world, paid):
    make_user(world.org, Role.FREELANCER, email="zzp2@a.test")
    db.session.commit()
    auth.login("zzp2@a.test")
    body = client.get(f"/api/v1/freelancers/me/earnings?month={this_month()}").get_json()
    assert body["gross_cents"] == 0 and body["lines"] == []
    page = client.get("/freelancer/dashboard").get_data(as_text=True)
    assert "24,64" not in page


def test_family_gets_403_on_the_dashboard(client, auth, paid):
    auth.login("family@a.test")
    assert client.get("/freelancer/dashboard").status_code == 403
    assert client.get("/api/v1/freelancers/me/earnings").status_code == 403


def test_the_home_teams_lead_sees_the_share_the_freelancer_brought_in(client, auth, world, paid):
    auth.login("team_lead@a.test")
    page = client.get(f"/teams/{world.team.id}/freelancers", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert "Sanne Zzp" in page and "Verwenmoment" in page and "€ 4,62" in page
    assert client.get(f"/teams/{world.other_team.id}/freelancers").status_code == 403
