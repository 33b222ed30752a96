"""Organisation B does not exist for the users of organisation A, through the pages and the API.

Not in lists (residents, teams), not as a detail (404, like an id that does not exist, never
403), not in the audit log, not through tokens, and not in any error message.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from marketplace.accounts import tokens
from marketplace.core.audit import AuditEvent
from marketplace.accounts.models import ApiToken, Invitation

from ..factories import MATRIX_ROLES, PASSWORD

# The ``client`` fixture makes every test client isolated: a fresh ``g`` and session per request.
pytestmark = pytest.mark.usefixtures("client")

MISSING_ID = 999_999


def b_strings(world) -> tuple[str, ...]:
    """Everything that would show a user of A that organisation B exists."""
    return (world.foreign.name, world.other_org.name, world.foreign_team.name, world.foreign_admin.email,
            world.foreign_admin.name, world.foreign.location.name)


def assert_no_b(body: str, world, where: str) -> None:
    for secret in b_strings(world):
        assert secret not in body, f"{where}: shows {secret!r} of organisation B"


def logged_in(app, email: str):
    """A fresh browser, logged in; returns it and its CSRF token."""
    browser = app.test_client()
    response = browser.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.get_data(as_text=True)
    return browser, response.get_json()["csrf_token"]


# -- residents ----------------------------------------------------------------------------------

@pytest.mark.parametrize("role", MATRIX_ROLES)
def test_client_lists_hold_no_resident_of_another_organisation(app, world, role):
    browser, _csrf = logged_in(app, world.email(role))
    api = browser.get("/api/v1/clients")
    assert api.status_code == 200
    assert {row["id"] for row in api.get_json()["clients"]} <= {world.own.id, world.other.id}
    assert_no_b(api.get_data(as_text=True), world, f"/api/v1/clients as {role}")
    home = browser.get("/", follow_redirects=True)  # the board lands on its dashboard
    assert home.status_code == 200
    assert_no_b(home.get_data(as_text=True), world, f"home page as {role}")


def test_organisation_b_sees_only_its_own_resident(app, world):
    browser, _csrf = logged_in(app, world.foreign_admin.email)
    assert [row["id"] for row in browser.get("/api/v1/clients").get_json()["clients"]] == [world.foreign.id]
    home = browser.get("/").get_data(as_text=True)
    assert world.foreign.name in home
    for name in (world.own.name, world.other.name, world.org.name, world.team.name):
        assert name not in home


@pytest.mark.parametrize("role", MATRIX_ROLES)
def test_resident_of_another_organisation_is_not_found(app, world, role):
    browser, csrf = logged_in(app, world.email(role))
    form = {"name": "Nieuw Contact", "email": "nieuw@example.org", "can_view": "y", "csrf_token": csrf}
    invite = {"name": "Nieuw Contact", "email": "nieuw@example.org"}
    requests = {
        "page": lambda id_: browser.get(f"/clients/{id_}"),
        "invite page": lambda id_: browser.get(f"/clients/{id_}/invite"),
        "invite form": lambda id_: browser.post(f"/clients/{id_}/invite", data=form),
        "API": lambda id_: browser.get(f"/api/v1/clients/{id_}"),
        "API invitation": lambda id_: browser.post(f"/api/v1/clients/{id_}/invitations", json=invite,
                                                   headers={"X-CSRFToken": csrf}),
    }
    for what, request in requests.items():
        foreign, missing = request(world.foreign.id), request(MISSING_ID)
        where = f"{what} of B's resident as {role}"
        assert foreign.status_code == 404, f"{where}: {foreign.status_code}"
        assert missing.status_code == 404, f"{what} of a missing id as {role}: {missing.status_code}"
        assert_no_b(foreign.get_data(as_text=True), world, where)
        if foreign.is_json:
            assert foreign.get_json() == missing.get_json(), f"{where}: tells B's resident from a missing id"
    assert not any_invitation_for(world.foreign.id)


def any_invitation_for(client_id: int) -> bool:
    from marketplace.core.extensions import db

    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Invitation).where(Invitation.client_id == client_id)) > 0


def test_invalid_invitation_for_a_resident_of_b_is_not_found_rather_than_invalid(app, world):
    """A 422 would tell that the id exists: the scope check comes before the body is read."""
    browser, csrf = logged_in(app, world.email("admin"))
    for body in ({"email": "not an address", "name": "X"}, {"unknown": 1}, None):
        kwargs = {"json": body} if body is not None else {"data": "not json"}
        response = browser.post(f"/api/v1/clients/{world.foreign.id}/invitations",
                                headers={"X-CSRFToken": csrf}, **kwargs)
        assert response.status_code == 404, (body, response.status_code)
        assert response.get_json()["error"]["code"] == "not_found"


def test_probing_organisation_b_changes_nothing_in_b(app, world):
    from marketplace.core.extensions import db

    foreign_rows = db.session.scalar(select(func.count()).select_from(AuditEvent)
                                     .where(AuditEvent.organisation_id == world.other_org.id))
    browser, csrf = logged_in(app, world.email("admin"))
    browser.get(f"/clients/{world.foreign.id}")
    browser.post(f"/api/v1/clients/{world.foreign.id}/invitations", json={"email": "x@example.org", "name": "X"},
                 headers={"X-CSRFToken": csrf})
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.organisation_id == world.other_org.id)) == foreign_rows
    assert not any_invitation_for(world.foreign.id)


# -- teams --------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", MATRIX_ROLES)
def test_team_list_holds_only_teams_of_own_organisation(app, world, role):
    browser, _csrf = logged_in(app, world.email(role))
    response = browser.get("/api/v1/teams")
    assert response.status_code == 200
    teams = {row["id"]: row for row in response.get_json()["teams"]}
    assert set(teams) == {world.team.id, world.other_team.id}
    assert teams[world.team.id]["residents"] == 1
    assert_no_b(response.get_data(as_text=True), world, f"/api/v1/teams as {role}")


@pytest.mark.parametrize("role", ["board", "admin"])
def test_home_page_lists_only_teams_of_own_organisation(app, world, role):
    browser, _csrf = logged_in(app, world.email(role))
    home = browser.get("/", follow_redirects=True).get_data(as_text=True)  # the board: its dashboard
    assert world.team.name in home and world.other_team.name in home
    assert_no_b(home, world, f"home page as {role}")


# -- the catalogue -------------------------------------------------------------------------------

def test_catalogue_of_a_holds_no_service_of_b(app, priced_world, db):
    from care.models import Service

    world = priced_world
    b_service = db.session.scalar(select(Service).where(Service.organisation_id == world.other_org.id,
                                                        Service.code == "C01"))
    b_service.name_nl = b_service.name_en = "Alleen bij Stichting B"
    db.session.commit()
    admin, _csrf = logged_in(app, world.email("admin"))
    carer, _csrf = logged_in(app, world.email("carer"))
    for browser, path in ((admin, "/api/v1/catalogue"), (admin, "/admin/catalogue"),
                          (carer, "/api/v1/catalogue"), (carer, f"/clients/{world.own.id}/package")):
        response = browser.get(path)
        assert response.status_code == 200, path
        body = response.get_data(as_text=True)
        assert "Ochtendzorg" in body or "Morning care" in body, path
        assert "Alleen bij Stichting B" not in body, path
        assert_no_b(body, world, path)
    assert admin.get(f"/admin/catalogue/services/{b_service.id}").status_code == 404


# -- the audit log ------------------------------------------------------------------------------

def make_b_activity(app, world) -> None:
    """Organisation B's admin logs in, fails a login, invites a contact and reads the log."""
    bad = app.test_client().post("/api/v1/auth/login", json={"email": world.foreign_admin.email, "password": "wrong"})
    assert bad.status_code == 401
    browser, csrf = logged_in(app, world.foreign_admin.email)
    invited = browser.post(f"/api/v1/clients/{world.foreign.id}/invitations",
                           json={"email": "familie-b@example.org", "name": "Familie B"},
                           headers={"X-CSRFToken": csrf})
    assert invited.status_code == 201
    assert browser.get("/api/v1/audit").status_code == 200


def org_event_ids(org_id: int) -> set[int]:
    from marketplace.core.extensions import db

    db.session.expire_all()
    return set(db.session.scalars(select(AuditEvent.id).where(AuditEvent.organisation_id == org_id)))


def test_audit_log_of_a_holds_no_row_of_b(app, world):
    make_b_activity(app, world)
    b_rows = org_event_ids(world.other_org.id)
    assert len(b_rows) >= 4
    browser, _csrf = logged_in(app, world.email("admin"))
    browser.get(f"/clients/{world.own.id}")  # some activity of A's own

    for query in ("", f"?client={world.foreign.id}", f"?user={world.foreign_admin.id}", "?action=failed_login",
                  "?action=create", "?page=2"):
        api = browser.get(f"/api/v1/audit{query}")
        assert api.status_code == 200, query
        listed = {row["id"] for row in api.get_json()["events"]}
        assert not listed & b_rows, f"/api/v1/audit{query} lists rows of B"
        assert listed <= org_event_ids(world.org.id), query
        assert_no_b(api.get_data(as_text=True), world, f"/api/v1/audit{query}")
        if query in (f"?client={world.foreign.id}", f"?user={world.foreign_admin.id}"):
            assert listed == set(), query

        page = browser.get(f"/admin/audit{query}")
        assert page.status_code == 200, query
        assert_no_b(page.get_data(as_text=True), world, f"/admin/audit{query}")


def test_audit_log_of_b_holds_no_row_of_a(app, world):
    browser, _csrf = logged_in(app, world.email("admin"))
    assert browser.get(f"/clients/{world.own.id}").status_code == 200
    a_rows = org_event_ids(world.org.id)
    b_admin, _csrf = logged_in(app, world.foreign_admin.email)
    listed = {row["id"] for row in b_admin.get("/api/v1/audit").get_json()["events"]}
    assert listed and not listed & a_rows
    page = b_admin.get("/admin/audit").get_data(as_text=True)
    for name in (world.own.name, world.users["admin"].email, world.org.name):
        assert name not in page


# -- tokens -------------------------------------------------------------------------------------

@pytest.fixture
def b_token(world):
    """A live personal token of organisation B's admin, and its secret."""
    issued = tokens.create_token(world.foreign_admin, "Sleutel van Stichting B")
    return issued.token.id, issued.secret


def token_revoked(token_id: int) -> bool:
    from marketplace.core.extensions import db

    db.session.expire_all()
    return db.session.get(ApiToken, token_id).revoked_at is not None


@pytest.mark.parametrize("role", ["admin", "family"])
def test_token_of_another_organisation_cannot_be_revoked_or_seen(app, world, b_token, role):
    token_id, secret = b_token
    browser, csrf = logged_in(app, world.email(role))

    api = browser.delete(f"/api/v1/tokens/{token_id}", headers={"X-CSRFToken": csrf})
    missing = browser.delete(f"/api/v1/tokens/{MISSING_ID}", headers={"X-CSRFToken": csrf})
    assert api.status_code == 404 and api.get_json() == missing.get_json()
    page = browser.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf})
    assert page.status_code == 404
    for response in (api, page, browser.get("/api/v1/tokens"), browser.get("/account/tokens")):
        body = response.get_data(as_text=True)
        assert "Sleutel van Stichting B" not in body and secret[:10] not in body
        assert_no_b(body, world, f"tokens as {role}")

    assert not token_revoked(token_id)
    still = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert still.status_code == 200 and still.get_json()["user"]["email"] == world.foreign_admin.email


def test_token_of_another_user_of_the_same_organisation_is_not_found_either(app, world):
    token_id = tokens.create_token(world.view_only_family, "van iemand anders").token.id
    browser, csrf = logged_in(app, world.email("admin"))
    assert browser.delete(f"/api/v1/tokens/{token_id}", headers={"X-CSRFToken": csrf}).status_code == 404
    assert browser.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf}).status_code == 404
    assert not token_revoked(token_id)


def test_token_of_b_reaches_only_b(app, world, b_token):
    _token_id, secret = b_token
    api = app.test_client()
    bearer = {"Authorization": f"Bearer {secret}"}
    assert [row["id"] for row in api.get("/api/v1/clients", headers=bearer).get_json()["clients"]] \
        == [world.foreign.id]
    for client_id in (world.own.id, world.other.id):
        response = api.get(f"/api/v1/clients/{client_id}", headers=bearer)
        assert response.status_code == 404
        assert world.own.name not in response.get_data(as_text=True)
    invite = api.post(f"/api/v1/clients/{world.own.id}/invitations", headers=bearer,
                      json={"email": "x@example.org", "name": "X"})
    assert invite.status_code == 404
    assert [row["id"] for row in api.get("/api/v1/teams", headers=bearer).get_json()["teams"]] \
        == [world.foreign_team.id]
    audit = api.get("/api/v1/audit", headers=bearer).get_json()["events"]
    assert {row["id"] for row in audit} <= org_event_ids(world.other_org.id)


# -- error messages -----------------------------------------------------------------------------

def test_error_responses_to_a_never_name_b(app, world, b_token):
    token_id, _secret = b_token
    browser, csrf = logged_in(app, world.email("admin"))
    foreign = world.foreign.id
    responses = {
        "page": browser.get(f"/clients/{foreign}"),
        "invite page": browser.get(f"/clients/{foreign}/invite"),
        "invite form": browser.post(f"/clients/{foreign}/invite", data={"csrf_token": csrf}),
        "API": browser.get(f"/api/v1/clients/{foreign}"),
        "API invitation": browser.post(f"/api/v1/clients/{foreign}/invitations", json={},
                                       headers={"X-CSRFToken": csrf}),
        "revoke": browser.delete(f"/api/v1/tokens/{token_id}", headers={"X-CSRFToken": csrf}),
        "revoke page": browser.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf}),
        "invalid audit filter": browser.get(f"/api/v1/audit?action=nonsense&client={foreign}"),
        "no CSRF": browser.post(f"/api/v1/clients/{foreign}/invitations", json={}),
        "team worklist": browser.get(f"/teams/{world.foreign_team.id}/reviews"),
        "team worklist API": browser.get(f"/api/v1/teams/{world.foreign_team.id}/reviews"),
        "budget": browser.get(f"/clients/{foreign}/budget"),
        "versions API": browser.get(f"/api/v1/clients/{foreign}/package/versions"),
        "meter": browser.post("/api/v1/meter", json={"client_id": foreign, "lines": []},
                              headers={"X-CSRFToken": csrf}),
    }
    for what, response in responses.items():
        assert response.status_code in (400, 404, 422), f"{what}: {response.status_code}"
        assert_no_b(response.get_data(as_text=True), world, what)
