"""Audit completeness (NEN 7513): every endpoint that returns or changes health data, called once,
adds exactly one health audit row with the right resident and action; the others add none."""
import pytest
from sqlalchemy import select

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
