"""Audit completeness (NEN 7513): every endpoint that returns or changes health data, called once,
adds exactly one health audit row with the right resident and action; the others add none."""
import re

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from care.health_log import HealthEvent
from care.labels import HEALTH_EVENT_LABELS
from marketplace.core.audit import AuditEvent
from tests.conftest import csrf_from
from tests.functional.test_health import _seed_profile

OWN = "{own}"

HEALTH_ENDPOINTS = [
    # role, method, path, JSON body (or form data for pages), expected action
    ("nurse", "GET", "/clients/{own}/health", None, "read"),
    ("carer", "GET", "/api/v1/clients/{own}/health", None, "read"),
    ("family", "GET", "/api/v1/clients/{own}/health", None, "read"),
    ("carer", "GET", "/clients/{own}", None, "read"),
    ("carer", "GET", "/clients/{own}/package", None, "read"),
    ("family", "GET", "/clients/{own}/budget", None, "read"),
    ("carer", "GET", "/clients/{own}/package/versions/3", None, "read"),
    ("carer", "GET", "/clients/{own}/package/compare?a=1&b=3", None, "read"),
    ("carer", "GET", "/api/v1/clients/{own}/budget", None, "read"),
    ("carer", "GET", "/api/v1/clients/{own}/package/draft", None, "read"),
    ("carer", "GET", "/api/v1/clients/{own}/package/versions", None, "read"),
    ("nurse", "POST", "/api/v1/clients/{own}/health/risks", {"omaha": "30", "modifier": "actual"}, "create"),
    ("nurse", "POST", "/api/v1/clients/{own}/health/risks", {"omaha": "24", "modifier": "actual"}, "update"),
    ("nurse", "POST", "/api/v1/clients/{own}/health/risks/{risk}/ratings",
     {"knowledge": 2, "behaviour": 3, "status": 4}, "update"),
    ("nurse", "POST", "/api/v1/clients/{own}/health/risks/{risk}/prescriptions",
     {"service": "H03", "min_per_week": 21, "reason": "drie keer per dag"}, "update"),
    ("nurse", "DELETE", "/api/v1/clients/{own}/health/risks/{risk}", None, "update"),
    ("nurse", "POST", "/api/v1/clients/{own}/health/observations", {"text": "drinkt weinig"}, "create"),
    ("nurse", "FORM", "/clients/{own}/health/risks", {"omaha": "30", "modifier": "actual"}, "create"),
    ("nurse", "FORM", "/clients/{own}/health/observations", {"text": "drinkt weinig"}, "create"),
    ("nurse", "FORM", "/clients/{own}/health/risks/{risk}/rating",
     {"knowledge": "2", "behaviour": "3", "status": "4"}, "update"),
]

PLAIN_ENDPOINTS = [
    ("carer", "GET", "/"),
    ("carer", "GET", "/api/v1/me"),
    ("carer", "GET", "/api/v1/clients"),
    ("carer", "GET", "/api/v1/clients/{own}"),
    ("carer", "GET", "/api/v1/teams"),
    ("carer", "GET", "/api/v1/catalogue"),
    ("team_lead", "GET", "/clients/{own}/package"),
    ("team_lead", "GET", "/clients/{own}/budget"),
    ("view_only", "GET", "/clients/{own}/budget"),
    ("view_only", "GET", "/api/v1/clients/{own}/budget"),
    ("client_supporter", "GET", "/clients/{own}/package/versions/3"),
    ("admin", "GET", "/admin/audit"),
]


def health_rows(db):
    db.session.expire_all()
    return db.session.scalars(select(AuditEvent).where(AuditEvent.health.is_(True)).order_by(AuditEvent.id)).all()


def login(world, auth, role):
    auth.login(world.view_only_family.email if role == "view_only" else world.email(role))


def risk_id(client, world):
    return client.get(f"/api/v1/clients/{world.own.id}/health").get_json()["risks"][0]["id"]


@pytest.mark.parametrize("role, method, path, body, action", HEALTH_ENDPOINTS,
                         ids=[f"{m} {p} {a}" for _, m, p, _, a in HEALTH_ENDPOINTS])
def test_each_health_endpoint_writes_exactly_one_audit_row(health_world, client, auth, db,
                                                           role, method, path, body, action):
    _seed_profile(client, auth, health_world)
    login(health_world, auth, role)
    url = path.format(own=health_world.own.id, risk=risk_id(client, health_world) if "{risk}" in path else "")
    if method == "FORM":
        page = client.get(f"/clients/{health_world.own.id}/health")
        data = {"csrf_token": csrf_from(page.get_data(as_text=True)), **body}
    before = len(health_rows(db))
    if method == "FORM":
        response = client.post(url, data=data)
    else:
        response = client.open(url, method=method, json=body, headers={"X-CSRFToken": auth.csrf})
    assert response.status_code < 400, response.get_data(as_text=True)[:500]
    new = health_rows(db)[before:]
    assert [(row.client_id, row.action) for row in new] == [(health_world.own.id, action)]
    assert new[0].user_id == (health_world.users[role].id)
    assert new[0].role == role


@pytest.mark.parametrize("role, method, path", PLAIN_ENDPOINTS, ids=[f"{r} {p}" for r, _, p in PLAIN_ENDPOINTS])
def test_endpoints_without_health_data_write_no_health_row(health_world, client, auth, db, role, method, path):
    _seed_profile(client, auth, health_world)
    login(health_world, auth, role)
    before = len(health_rows(db))
    response = client.open(path.format(own=health_world.own.id), method=method)
    assert response.status_code == 200
    assert len(health_rows(db)) == before


NURSE_ACTIONS = [row for row in HEALTH_ENDPOINTS if row[0] == "nurse" and row[1] != "GET"]


def _secrets(body: dict | None, omaha: str) -> list[str]:
    """What the action wrote that is health content: the problem, modifier, rating, service, text."""
    body = body or {}
    found = [f"risk {omaha}", f"rating {omaha}", f"for {omaha}", "promotion", "potential", "actual", "/week", "K2", "B3", "S4",
             "rode hielen"]
    found += [str(body[key]) for key in ("service", "text", "reason") if key in body]
    return found


@pytest.mark.parametrize("role, method, path, body, action", NURSE_ACTIONS,
                         ids=[f"{m} {p}" for _, m, p, _, _ in NURSE_ACTIONS])
def test_the_admins_audit_log_shows_what_kind_of_thing_not_the_health_content(
        health_world, client, auth, db, role, method, path, body, action):
    _seed_profile(client, auth, health_world)
    login(health_world, auth, role)
    risk = risk_id(client, health_world)
    url = path.format(own=health_world.own.id, risk=risk if "{risk}" in path else "")
    if method == "FORM":
        page = client.get(f"/clients/{health_world.own.id}/health")
        response = client.post(url, data={"csrf_token": csrf_from(page.get_data(as_text=True)), **body})
    else:
        response = client.open(url, method=method, json=body, headers={"X-CSRFToken": auth.csrf})
    assert response.status_code < 400
    row = health_rows(db)[-1]
    assert row.detail in {e.value for e in HealthEvent} and row.user_id == health_world.users["nurse"].id
    omaha = (body or {}).get("omaha", "24")
    auth.logout()
    auth.login(health_world.email("admin"))
    page = re.sub(r'<input type="hidden"[^>]*>', "", client.get("/admin/audit").get_data(as_text=True))
    events = client.get("/api/v1/audit").get_json()["events"]
    assert any(e["id"] == row.id for e in events)
    details = " | ".join(e["detail"] for e in events)
    for secret in _secrets(body, omaha):
        assert not re.search(rf"\b{re.escape(secret)}\b", page), secret
        assert not re.search(rf"\b{re.escape(secret)}\b", details), secret
    # the resident's overview still says who did what kind of thing, and when
    resident = health_world.users["resident"]
    resident.locale = "en"
    db.session.commit()
    auth.logout()
    auth.login(health_world.email("resident"))
    overview = client.get(f"/api/v1/clients/{health_world.own.id}/access-log").get_json()["events"]
    assert {"user": health_world.users["nurse"].name, "action": action, "kind": row.detail} \
        .items() <= overview[0].items()
    page = client.get(f"/clients/{health_world.own.id}/access-log").get_data(as_text=True)
    with force_locale("en"):  # the resident reads in English
        label = str(HEALTH_EVENT_LABELS[HealthEvent(row.detail)])
    assert label in page.split(health_world.users["nurse"].name, 1)[1]


@pytest.mark.parametrize("action, kind, object_type", [
    ("POST /health/risks", HealthEvent.RISK_RECORDED, "health_risks"),
    ("POST /health/risks again", HealthEvent.RISK_CHANGED, "health_risks"),
    ("POST ratings", HealthEvent.RATING_ADDED, "risk_ratings"),
    ("POST prescriptions", HealthEvent.PRESCRIPTION_CHANGED, "prescriptions"),
    ("DELETE risk", HealthEvent.RISK_ENDED, "health_risks"),
    ("POST observations", HealthEvent.OBSERVATION_ADDED, "observation_points"),
    ("GET health", HealthEvent.PROFILE_READ, "health_record"),
])
def test_health_rows_name_the_object_acted_on(health_world, client, auth, db, action, kind, object_type):
    own = health_world.own.id
    auth.login(health_world.email("nurse"))
    base = f"/api/v1/clients/{own}/health"
    risk = client.post(f"{base}/risks", json={"omaha": "24", "modifier": "potential"},
                       headers={"X-CSRFToken": auth.csrf}).get_json()["risk"]["id"]
    calls = {
        "POST /health/risks": ("POST", f"{base}/risks", {"omaha": "30", "modifier": "actual"}),
        "POST /health/risks again": ("POST", f"{base}/risks", {"omaha": "24", "modifier": "actual"}),
        "POST ratings": ("POST", f"{base}/risks/{risk}/ratings", {"knowledge": 2, "behaviour": 3, "status": 4}),
        "POST prescriptions": ("POST", f"{base}/risks/{risk}/prescriptions",
                               {"service": "H03", "min_per_week": 21, "reason": "drie keer per dag"}),
        "DELETE risk": ("DELETE", f"{base}/risks/{risk}", None),
        "POST observations": ("POST", f"{base}/observations", {"text": "drinkt weinig"}),
        "GET health": ("GET", base, None),
    }
    method, url, body = calls[action]
    response = client.open(url, method=method, json=body, headers={"X-CSRFToken": auth.csrf})
    assert response.status_code < 400
    row = health_rows(db)[-1]
    assert (row.detail, row.object_type) == (kind.value, object_type)
    if object_type == "health_risks" and action != "POST /health/risks":
        assert row.object_id == str(risk)
    if object_type == "health_record":
        assert row.object_id == str(own)


def test_health_rows_stored_before_show_no_detail_in_the_audit_log(health_world, client, auth, db):
    old = AuditEvent(organisation_id=health_world.org.id, client_id=health_world.own.id,
                              object_type="health_record", object_id=str(health_world.own.id), action="update",
                     detail="rating 24: K2 B3 S4", health=True)
    db.session.add(old)
    db.session.commit()
    auth.login(health_world.email("admin"))
    events = client.get("/api/v1/audit").get_json()["events"]
    assert next(e for e in events if e["id"] == old.id)["detail"] == "health_record"
    assert "K2 B3 S4" not in client.get("/admin/audit").get_data(as_text=True)
    assert db.session.scalar(select(AuditEvent.detail).where(AuditEvent.id == old.id)) == "rating 24: K2 B3 S4"  # stored as it was: the log is append-only
