"""The lead's extras revenue (issue 12, item 5) and the statements (item 8): per extra and per month,
net of refunds, equal to what the ledger booked into the team budget; the resident's month lists
the extras paid and refunded."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from billing.domain import AccountKind, account_key
from billing.ledger import balance_of
from billing.models import CopayInvoice, Payment
from billing.statements import client_month, team_period
from marketplace.core.db_types import local_today, utcnow
from marketplace.core.extensions import db
from marketplace.core.roles import Role
from marketplace.market import bookings
from marketplace.market.extras_domain import Canceller
from tests.factories import add_member, make_user
from tests.integration.test_extra_bookings_core import make_extra
from tests.integration.test_provider_day import api, confirmed, local_start


@pytest.fixture
def sold(app, client, world):
    """Two outings of 40,80 paid this month and a massage of 25,00; the provider cancelled one outing
    (refunded in full: 40,80, of which 36,72 out of the team budget)."""
    outing = make_extra(world, price=4080, seats=5)
    massage = make_extra(world, price=2500, seats=5)
    massage.title = "Handmassage"
    db.session.commit()
    day = local_today() + timedelta(days=4)
    kept = confirmed(app, client, world, outing, local_start(day, 10))
    cancelled = confirmed(app, client, world, outing, local_start(day + timedelta(days=1), 10))
    rubbed = confirmed(app, client, world, massage, local_start(day, 13))
    with app.test_request_context():
        bookings.cancel(world.users["team_lead"], cancelled, reason="Ziek", by=Canceller.PROVIDER)
    return outing, massage, kept, cancelled, rubbed


def test_revenue_per_extra_and_month_is_net_of_refunds_and_equals_the_team_budget(client, auth, world, sold):
    auth.login(world.email("team_lead"))
    body = api(client, auth, "GET", f"/api/v1/teams/{world.team.id}/extras/revenue").get_json()
    assert body["total"] == {"bookings": 3, "paid_cents": 4080 * 2 + 2500, "refunded_cents": 4080,
                             "net_cents": 4080 + 2500, "team_share_cents": 3672 + 2250}
    assert {row["extra"]: (row["bookings"], row["net_cents"], row["team_share_cents"]) for row in body["per_extra"]} \
        == {"Begeleid uitje": (2, 4080, 3672), "Handmassage": (1, 2500, 2250)}
    this_month = local_today().isoformat()[:7]
    assert len(body["per_month"]) == 12 and body["per_month"][-1]["month"] == this_month
    assert body["per_month"][-1]["net_cents"] == 6580
    assert sum(row["net_cents"] for row in body["per_month"][:-1]) == 0
    # The team's share is exactly what the ledger holds in the team budget.
    assert balance_of(world.org.id, account_key(AccountKind.TEAM_BUDGET, world.team.id)) == 3672 + 2250
    page = client.get(f"/teams/{world.team.id}/extras/revenue")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<svg" in html and 'role="img"' in html
    assert "€ 65,80" in html and "€ 59,22" in html and "€ 40,80" in html and "Handmassage" in html


def test_only_the_teams_own_lead_sees_its_revenue(client, auth, world, sold):
    other_lead = make_user(world.org, Role.TEAM_LEAD, email="lead-t2@a.test")
    add_member(world.other_team, other_lead, "team_lead", "N4")
    db.session.commit()
    for email, status in ((world.email("carer"), 403), (world.email("family"), 403), (world.email("admin"), 403),
                          ("lead-t2@a.test", 403), (world.foreign_admin.email, 404)):
        auth.login(email)
        assert client.get(f"/teams/{world.team.id}/extras/revenue").status_code == status, email
        assert api(client, auth, "GET", f"/api/v1/teams/{world.team.id}/extras/revenue").status_code == status
        auth.logout()
    auth.login("lead-t2@a.test")  # its own team never sold anything: an empty page, not an error
    body = api(client, auth, "GET", f"/api/v1/teams/{world.other_team.id}/extras/revenue").get_json()
    assert body["total"]["bookings"] == 0 and body["per_extra"] == []
    assert client.get(f"/teams/{world.other_team.id}/extras/revenue").status_code == 200


def test_the_team_statement_shows_extras_net_of_refunds_beside_package_income(world, sold):
    today = local_today()
    s = team_period(world.users["admin"], world.team, today.replace(day=1), today)
    assert (s.extras, s.extras_refunded, s.extras_net) == (3672 * 2 + 2250, 3672, 3672 + 2250)
    assert s.total == s.health + s.core + s.reserve + s.savings + s.copay + 3672 + 2250
    assert s.extras_net == balance_of(world.org.id, account_key(AccountKind.TEAM_BUDGET, world.team.id))


def test_the_team_statement_page_and_csv(client, auth, world, sold):
    auth.login(world.email("team_lead"))
    today = local_today()
    query = f"from={today.replace(day=1).isoformat()}&to={today.isoformat()}"
    html = client.get(f"/teams/{world.team.id}/statement?{query}").get_data(as_text=True)
    assert "€ 95,94" in html and "€ 59,22" in html  # sold 73,44 + 22,50; net after 36,72 back
    header, row = list(csv.reader(io.StringIO(client.get(f"/teams/{world.team.id}/statement?{query}&format=csv")
                                              .get_data(as_text=True)), delimiter=";"))
    figures = dict(zip(header, row))
    assert (figures["extras_cents"], figures["extras_refunded_cents"], figures["extras_net_cents"]) == (
        "9594", "3672", "5922")


def test_the_residents_month_lists_extras_paid_and_refunded(client, auth, world, sold):
    outing, massage, kept, cancelled, rubbed = sold
    month = local_today().replace(day=1)
    s = client_month(world.users["family"], world.own, month)
    by_booking = {db.session.get(Payment, p.payment_id).reference_id: p for p in s.other_payments}
    assert set(by_booking) == {kept, cancelled, rubbed}
    assert (by_booking[cancelled].paid_cents, by_booking[cancelled].refunded_cents) == (4080, 4080)
    assert (by_booking[rubbed].paid_cents, by_booking[rubbed].refunded_cents) == (2500, 0)
    assert by_booking[rubbed].description.startswith("Handmassage, ")
    assert (s.extras_paid, s.extras_refunded) == (10660, 4080)
    # Another month lists none of them.
    assert client_month(world.users["family"], world.own, month.replace(year=month.year - 1)).other_payments == ()
    auth.login(world.email("family"))
    body = client.get(f"/api/v1/clients/{world.own.id}/statements/{month.isoformat()[:7]}").get_json()
    assert (body["extras_paid_cents"], body["extras_refunded_cents"]) == (10660, 4080)
    assert sorted(p["paid_cents"] for p in body["extra_payments"]) == [2500, 4080, 4080]
    html = client.get(f"/clients/{world.own.id}/statements/{month.isoformat()[:7]}").get_data(as_text=True)
    assert "Handmassage" in html and "€ 106,60" in html and "€ 65,80" in html


def test_a_copayment_is_no_extra_on_the_statement(world, sold):
    invoice = CopayInvoice(organisation_id=world.org.id, client_id=world.own.id, month=date(2026, 1, 1),
                           amount_cents=1790)
    db.session.add(Payment(organisation_id=world.org.id, client_id=world.own.id, invoice=invoice,
                           payer_id=world.users["family"].id, amount_cents=1790, status="paid", paid_at=utcnow()))
    db.session.commit()
    s = client_month(world.users["admin"], world.own, local_today().replace(day=1))
    assert sorted(p.paid_cents for p in s.other_payments) == [2500, 4080, 4080]
    assert {p.purpose for p in s.other_payments} == {"extra_booking"}


def test_the_revenue_page_takes_the_same_number_of_queries_for_3_or_9_paid_bookings(
        app, client, auth, world, sold, count_queries):
    outing = sold[0]
    auth.login(world.email("team_lead"))
    path = f"/teams/{world.team.id}/extras/revenue"
    client.get(path)
    with count_queries() as few:
        assert client.get(path).status_code == 200
    for n in range(6):
        confirmed(app, client, world, outing, local_start(local_today() + timedelta(days=10 + n), 11))
    with count_queries() as many:
        assert "€ 285,60" in client.get(path).get_data(as_text=True)  # 7 outings kept: 7 × 40,80
    assert many.count == few.count
