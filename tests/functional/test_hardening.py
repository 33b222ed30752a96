"""Edges found in review: odd input never gives a 500, production never fakes payments,
ended memberships end access, every list of health costs is a logged read."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from billing.gateway import UnavailableGateway
from billing.settlement import settle_week
from care.models import BudgetOverride, PackageLine, PackageVersion, Service
from marketplace import create_app
from marketplace.core.audit import AuditEvent
from marketplace.core.db_types import local_today
from teams.models import TeamMembership
from tests.conftest import csrf_from


def test_production_without_stripe_never_fakes_a_payment(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/p.sqlite")
    monkeypatch.delenv("STRIPE_SECRET_KEY", raising=False)
    monkeypatch.delenv("STRIPE_WEBHOOK_SECRET", raising=False)
    app = create_app({"ZORGMARKT_MODE": "production"})
    assert isinstance(app.extensions["gateway"], UnavailableGateway)
    assert app.config["STRIPE_WEBHOOK_SECRET"] != "whsec_demo"  # the public demo secret signs nothing here


@pytest.mark.parametrize("value", ["²", "٣", "1e2", " 7 7"])
def test_odd_digits_in_the_composer_are_a_form_error(priced_world, client, auth, value):
    auth.login(priced_world.email("carer"))
    page = client.get(f"/clients/{priced_world.own.id}/package")
    response = client.post(f"/clients/{priced_world.own.id}/package",
                           data={"csrf_token": csrf_from(page.get_data(as_text=True)), "action": "save",
                                 "n_C01": value})
    assert response.status_code == 422


@pytest.mark.parametrize("path", ["/clients/99999999999999999999999", "/api/v1/clients/99999999999999999999999",
                                  "/clients/{own}/statements/9999-12", "/clients/{own}/statements/2026-1%0A",
                                  "/clients/{own}/statements/2026-13", "/api/v1/clients/{own}/statements/0001-01"])
def test_out_of_range_ids_and_months_are_not_found(world, client, auth, path):
    auth.login(world.email("admin"))
    response = client.get(path.format(own=world.own.id))
    assert response.status_code in (404, 422)


def test_an_omaha_code_is_never_cut_down_to_another_problem(health_world, client, auth):
    auth.login(health_world.email("nurse"))
    for code in ("123", "2a", "-1"):
        response = client.post(f"/api/v1/clients/{health_world.own.id}/health/risks",
                               json={"omaha": code, "modifier": "actual"}, headers={"X-CSRFToken": auth.csrf})
        assert response.status_code == 422, code
    ok = client.post(f"/api/v1/clients/{health_world.own.id}/health/risks", json={"omaha": "2", "modifier": "actual"},
                     headers={"X-CSRFToken": auth.csrf})
    assert ok.status_code == 201 and ok.get_json()["risk"]["omaha"] == "02"


def test_a_line_without_a_price_on_the_monday_skips_the_resident_not_the_week(priced_world, db):
    c01 = db.session.scalar(select(Service.id).where(Service.organisation_id == priced_world.org.id,
                                                     Service.code == "C01"))
    db.session.add(PackageVersion(client_id=priced_world.own.id, number=1, status="active",
                                  created_by_id=priced_world.users["nurse"].id, active_from=date(2024, 6, 3),
                                  lines=[PackageLine(service_id=c01, per_week=7)]))
    db.session.add(BudgetOverride(organisation_id=priced_world.org.id, care_profile="5VV", weekly_cents=88560,
                                  valid_from=date(2024, 1, 1)))
    db.session.commit()
    run = settle_week("2024-W30")  # the catalogue's prices start in 2025
    assert run.settled == 0 and run.skipped and "no price" in run.skipped[0]


def test_an_ended_membership_ends_the_teams_access(health_world, client, auth, db):
    membership = db.session.scalar(select(TeamMembership).where(
        TeamMembership.user_id == health_world.users["carer"].id))
    membership.ends_on = local_today() - timedelta(days=1)
    db.session.commit()
    auth.login(health_world.email("carer"))
    assert client.get(f"/api/v1/clients/{health_world.own.id}").status_code == 403
    assert client.get(f"/clients/{health_world.own.id}/health").status_code == 403


def test_the_reindication_list_is_a_logged_read_of_health_costs(health_world, client, auth, db):
    health_world.own.care_profile = "4VV"
    h02 = db.session.scalar(select(Service.id).where(Service.organisation_id == health_world.org.id,
                                                     Service.code == "H02"))
    db.session.add(PackageVersion(client_id=health_world.own.id, number=1, status="active",
                                  created_by_id=health_world.users["nurse"].id, active_from=date(2026, 1, 5),
                                  lines=[PackageLine(service_id=h02, per_week=40)]))
    db.session.commit()
    auth.login(health_world.email("admin"))
    assert health_world.own.name in client.get("/reindications").get_data(as_text=True)
    rows = db.session.scalars(select(AuditEvent).where(AuditEvent.health.is_(True))).all()
    assert [(r.client_id, r.action) for r in rows] == [(health_world.own.id, "read")]
