"""Issue 9: ASCII digits only in every number, and bad input is a 4xx naming the field, never a
500 and never a half-saved change (lone surrogates, numbers no column holds, deep nesting)."""
from __future__ import annotations

from html import unescape

import pytest
from sqlalchemy import func, select

from care.models import Service, ServiceVersion, StaffLevel, StaffLevelRate
from marketplace.accounts.models import ApiToken, Invitation
from marketplace.core.extensions import db
from tests.conftest import csrf_from

ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
TOO_BIG = str(2**63)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _english(world, role: str) -> None:
    world.users[role].locale = "en"
    db.session.commit()


# -- ids in paths and numbers in query strings ---------------------------------------------------

@pytest.mark.parametrize("digits", [ARABIC, FULL_WIDTH])
def test_an_id_in_other_digits_is_not_found(world, client, auth, digits):
    auth.login(world.email("admin"))
    assert client.get(f"/api/v1/clients/{world.own.id}").status_code == 200
    assert client.get(f"/api/v1/clients/{str(world.own.id).translate(digits)}").status_code == 404


@pytest.mark.parametrize("method, path", [
    ("post", "/api/v1/clients/{own}/package/versions/" + TOO_BIG + "/sign"),
    ("delete", "/api/v1/tokens/" + TOO_BIG),
    ("delete", "/api/v1/clients/{own}/health/risks/" + TOO_BIG),
    ("get", "/api/v1/clients/" + "9" * 5000),
])
def test_an_id_no_column_can_hold_is_not_found(world, client, auth, method, path):
    auth.login(world.email("admin"))
    response = getattr(client, method)(path.format(own=world.own.id), headers={"X-CSRFToken": auth.csrf})
    assert response.status_code == 404


@pytest.mark.parametrize("query", ["page=" + TOO_BIG, "user=" + TOO_BIG, "client=" + TOO_BIG, "page=٢",
                                   "user=１", "page=0", "page=-1", "page=1e3"])
def test_an_audit_query_number_out_of_reach_is_a_422_naming_it(world, client, auth, query):
    auth.login(world.email("admin"))
    response = client.get(f"/api/v1/audit?{query}")
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {query.split("=")[0]}


def test_the_audit_page_refuses_a_page_number_no_column_holds(world, client, auth):
    auth.login(world.email("admin"))
    assert client.get("/admin/audit?page=2").status_code == 200
    assert client.get(f"/admin/audit?page={TOO_BIG}").status_code == 422


@pytest.mark.parametrize("query", [f"a=1&b={TOO_BIG}", "a=١&b=2"])
def test_comparing_versions_by_numbers_out_of_reach_is_a_422(priced_world, client, auth, query):
    auth.login(priced_world.email("admin"))
    response = client.get(f"/clients/{priced_world.own.id}/package/compare?{query}")
    assert response.status_code == 422


# -- forms: ASCII digits only -------------------------------------------------------------------------

def _service_form(world, client, **changes):
    service = db.session.scalar(select(Service).where(Service.organisation_id == world.org.id, Service.code == "C01"))
    page = client.get(f"/admin/catalogue/services/{service.id}")
    form = {"csrf_token": csrf_from(page.get_data(as_text=True)), "minutes": "30", "level": "N3",
            "material": "0", "valid_from": "2027-01-04", "active": "y", **changes}
    return client.post(f"/admin/catalogue/services/{service.id}", data=form)


@pytest.mark.parametrize("changes", [
    {"minutes": "٣٠"}, {"minutes": "３０"}, {"minutes": "30.0"}, {"minutes": TOO_BIG},
    {"valid_from": "٢٠٢٧-01-04"}, {"valid_from": "2027-1-4"}, {"material": "١٢"},
])
def test_other_digits_in_a_service_change_are_a_form_error_and_save_nothing(priced_world, client, auth, changes):
    auth.login(priced_world.email("admin"))
    versions = _count(ServiceVersion)
    response = _service_form(priced_world, client, **changes)
    assert response.status_code == 422
    assert _count(ServiceVersion) == versions
    assert _service_form(priced_world, client).status_code == 302  # the same form in ASCII digits is saved


@pytest.mark.parametrize("rate", ["٤١,٠٠", "４１,００", "41,0٠"])
def test_an_hourly_cost_in_other_digits_is_a_form_error(priced_world, client, auth, rate):
    auth.login(priced_world.email("admin"))
    level = db.session.scalar(select(StaffLevel).where(StaffLevel.organisation_id == priced_world.org.id))
    token = csrf_from(client.get("/admin/catalogue").get_data(as_text=True))
    rates = _count(StaffLevelRate)
    response = client.post(f"/admin/catalogue/levels/{level.id}",
                           data={"csrf_token": token, "rate": rate, "valid_from": "2027-01-04"})
    assert response.status_code == 422 and _count(StaffLevelRate) == rates


def test_a_date_in_other_digits_gets_an_english_message(priced_world, client, auth):
    _english(priced_world, "admin")
    auth.login(priced_world.email("admin"))
    response = _service_form(priced_world, client, valid_from="٢٠٢٧-٠١-٠٤")
    assert "Enter a date like 2026-11-30." in unescape(response.get_data(as_text=True))


# -- JSON: lone surrogates and deep nesting ----------------------------------------------------------

@pytest.mark.parametrize("path, body, field", [
    ("/api/v1/tokens", '{"name": "token \\ud800"}', "name"),
    ("/api/v1/tokens", '{"name": "\\udfff"}', "name"),
    ("/api/v1/clients/{own}/package/draft/submit", '{"x": 1}', None),
    ("/api/v1/clients/{own}/health/observations", '{"text": "drinkt \\ud83d weinig"}', "text"),
    ("/api/v1/clients/{own}/reviews", '{"outcome": "confirmed", "note": "\\ud800"}', "note"),
    ("/api/v1/meter", '{"client_id": {own}, "lines": [{"service": "C01\\ud800", "per_week": 1}]}', "lines"),
])
def test_a_lone_surrogate_in_json_is_a_422_naming_the_field(health_world, client, auth, path, body, field):
    auth.login(health_world.email("nurse"))
    tokens = _count(ApiToken)
    response = client.post(path.format(own=health_world.own.id), data=body.replace("{own}", str(health_world.own.id)),
                           content_type="application/json", headers={"X-CSRFToken": auth.csrf})
    assert response.status_code == 422, response.get_data(as_text=True)
    if field:
        assert field in response.get_json()["error"]["fields"]
    assert _count(ApiToken) == tokens


def test_a_lone_surrogate_in_the_login_is_a_422(world, client):
    response = client.post("/api/v1/auth/login", data='{"email": "a\\ud800@example.nl", "password": "x"}',
                           content_type="application/json")
    assert response.status_code == 422 and "email" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("body", ["[" * 5000 + "]" * 5000, '{"name": ' + "[" * 5000 + "]" * 5000 + "}",
                                  '{"name": ' + "[" * 40 + "]" * 40 + "}"])
def test_a_deeply_nested_body_is_a_4xx(world, client, auth, body):
    auth.login(world.email("admin"))
    response = client.post("/api/v1/tokens", data=body, content_type="application/json",
                           headers={"X-CSRFToken": auth.csrf})
    assert 400 <= response.status_code < 500
    assert _count(ApiToken) == 0


@pytest.mark.parametrize("value", ["2026-13-01", "٢٠٢٧-01-04", "2027-01-04T00:00", 20270104, True])
def test_a_sign_off_date_that_is_not_an_iso_date_is_a_422(priced_world, client, auth, value):
    auth.login(priced_world.email("family"))
    response = client.post(f"/api/v1/clients/{priced_world.own.id}/package/versions/1/sign",
                           json={"active_from": value}, headers={"X-CSRFToken": auth.csrf})
    assert response.status_code == 422 and "active_from" in response.get_json()["error"]["fields"]


# -- found by the fuzz run: an invitation without any right ------------------------------------------

def test_an_invitation_without_any_right_is_a_422_and_invites_nobody(world, client, auth):
    auth.login(world.email("admin"))
    response = client.post(f"/api/v1/clients/{world.own.id}/invitations",
                           json={"email": "neef@example.nl", "name": "Neef", "can_view": False, "can_decide": False,
                                 "can_pay": False}, headers={"X-CSRFToken": auth.csrf})
    assert response.status_code == 422 and "can_view" in response.get_json()["error"]["fields"]
    assert _count(Invitation) == 0
    ok = client.post(f"/api/v1/clients/{world.own.id}/invitations", json={"email": "neef@example.nl", "name": "Neef"},
                     headers={"X-CSRFToken": auth.csrf})
    assert ok.status_code == 201  # may view, by default


def test_the_invitation_form_without_any_right_is_a_form_error(world, client, auth):
    _english(world, "admin")
    auth.login(world.email("admin"))
    page = client.get(f"/clients/{world.own.id}/invite")
    response = client.post(f"/clients/{world.own.id}/invite", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "name": "Neef", "email": "neef@example.nl"})
    assert response.status_code == 422
    assert "Give the contact at least one right." in unescape(response.get_data(as_text=True))
    assert _count(Invitation) == 0
