"""The audit log: what is recorded, who may read it, and that it is only ever added to."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import delete, func, select, update

from marketplace.accounts import sessions
from marketplace.core import audit
from marketplace.core.audit import Action, AuditEvent, AuditLogIsAppendOnly, Outcome
from marketplace.core.policy import AccessDenied
from tests.conftest import csrf_from
from tests.factories import PASSWORD

ROW_RE = re.compile(r"<tr>\s*(<td>.*?)</tr>", re.S)
CELL_RE = re.compile(r"<td>(.*?)</td>", re.S)


def events(db, **where) -> list[AuditEvent]:
    db.session.expire_all()
    query = select(AuditEvent).order_by(AuditEvent.id)
    for column, value in where.items():
        query = query.where(getattr(AuditEvent, column) == value)
    return list(db.session.scalars(query))


def table_rows(html: str) -> list[list[str]]:
    """The audit page's table: one list of cell texts per event."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [[cell.strip() for cell in CELL_RE.findall(row)] for row in ROW_RE.findall(body)]


# -- logging in and out (services) ---------------------------------------------------------

def test_a_login_is_recorded(world, db):
    carer = world.users["carer"]
    sessions.authenticate("  Carer@A.test ", PASSWORD)
    [row] = events(db, action="login")
    assert (row.user_id, row.organisation_id, row.role, row.outcome) == (carer.id, world.org.id, "carer", "success")
    assert (row.object_type, row.object_id) == ("users", str(carer.id))


def test_a_failed_login_is_recorded_even_though_the_login_fails(world, db):
    carer = world.users["carer"]
    with pytest.raises(sessions.InvalidCredentials):
        sessions.authenticate(carer.email, "wrong-password")
    db.session.rollback()  # what the caller might do: the row was committed already
    [row] = events(db, action="failed_login")
    assert row.outcome == "failure" and row.user_id is None  # nobody proved who they are
    assert row.organisation_id == world.org.id and row.object_id == str(carer.id)
    assert row.detail == f"email={carer.email}"
    assert "wrong-password" not in row.detail


def test_a_failed_login_for_an_unknown_address_has_no_organisation(world, db):
    with pytest.raises(sessions.InvalidCredentials):
        sessions.authenticate("nobody@nowhere.test", "whatever-it-is")
    [row] = events(db, action="failed_login")
    assert (row.organisation_id, row.user_id, row.object_id) == (None, None, "")
    assert row.detail == "email=nobody@nowhere.test"


def test_a_logout_is_recorded_and_rotates_the_session_nonce(world, db):
    carer = world.users["carer"]
    nonce = carer.session_nonce
    sessions.logout(carer)
    [row] = events(db, action="logout")
    assert row.user_id == carer.id and row.organisation_id == world.org.id
    assert carer.session_nonce != nonce


# -- logging in and out (over HTTP, with the address) --------------------------------------

def test_logins_over_http_record_the_address(world, client, db):
    client.post("/api/v1/auth/login", json={"email": world.email("nurse"), "password": PASSWORD},
                environ_overrides={"REMOTE_ADDR": "192.0.2.7"})
    client.post("/api/v1/auth/login", json={"email": "ghost@a.test", "password": "x"},
                environ_overrides={"REMOTE_ADDR": "192.0.2.8"})
    [login] = events(db, action="login")
    [failed] = events(db, action="failed_login")
    assert (login.user_id, login.ip) == (world.users["nurse"].id, "192.0.2.7")
    assert (failed.organisation_id, failed.ip) == (None, "192.0.2.8")


def test_a_logout_on_the_page_is_recorded(world, auth, db):
    auth.login(world.email("carer"))
    token = csrf_from(auth.client.get("/").get_data(as_text=True))
    auth.client.post("/logout", data={"csrf_token": token})
    [row] = events(db, action="logout")
    assert row.user_id == world.users["carer"].id and row.ip == "127.0.0.1"


# -- denials -------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/api/v1/clients/{other}", "/clients/{other}", "/clients/{other}/invite"])
def test_a_refused_look_at_a_resident_is_recorded_as_a_denial(world, auth, db, path):
    auth.login(world.email("carer"))  # works in T1; ``other`` lives in T2
    assert auth.client.get(path.format(other=world.other.id)).status_code == 403
    [row] = events(db, action="denied")
    assert (row.user_id, row.role, row.outcome) == (world.users["carer"].id, "carer", "denied")
    assert (row.client_id, row.object_type, row.object_id) == (world.other.id, "clients", str(world.other.id))
    assert row.detail == "client.view" and row.organisation_id == world.org.id


@pytest.mark.parametrize("path", ["/admin/audit", "/api/v1/audit"])
def test_a_refused_look_at_the_audit_log_is_recorded_as_a_denial(world, auth, db, path):
    auth.login(world.email("board"))
    assert auth.client.get(path).status_code == 403
    [row] = events(db, action="denied")
    assert (row.user_id, row.client_id, row.detail) == (world.users["board"].id, None, "audit.view")
    assert events(db, action="read") == []


def test_a_probe_for_another_organisations_resident_is_a_404_logged_only_at_home(world, auth, db):
    auth.login(world.email("admin"))
    assert auth.client.get(f"/api/v1/clients/{world.foreign.id}").status_code == 404
    rows = events(db, action="denied")
    assert len(rows) == 1
    probe = rows[0]
    # Logged in the prober's own organisation, without tying it to the other organisation's resident.
    assert (probe.organisation_id, probe.user_id, probe.client_id) == (world.org.id, world.users["admin"].id, None)
    assert "out of scope" in probe.detail


# -- reading the log -----------------------------------------------------------------------

@pytest.fixture
def history(world, db):
    """A few events of organisation A, and one of B."""
    users, own, other = world.users, world.own, world.other
    for actor, action, client in [
        (users["carer"], Action.READ, own),
        (users["carer"], Action.UPDATE, own),
        (users["nurse"], Action.READ, own),
        (users["nurse"], Action.READ, other),
        (users["family"], Action.LOGIN, None),
        (users["carer"], Action.DENIED, other),
    ]:
        audit.record(action, actor=actor, client_id=client.id if client else None, obj=client or actor,
                     outcome=Outcome.DENIED if action == Action.DENIED else Outcome.SUCCESS)
    audit.record(Action.READ, actor=world.foreign_admin, client_id=world.foreign.id, obj=world.foreign)
    db.session.commit()
    return world


def test_the_log_is_filtered_by_action_user_and_resident(history, db):
    world = history
    users, own, other = world.users, world.own.id, world.other.id
    table = [
        # action, user, resident, how many of the six events of organisation A
        ("", None, None, 6),
        ("read", None, None, 3),
        ("", users["carer"].id, None, 3),
        ("", None, own, 3),
        ("read", users["nurse"].id, other, 1),
        ("export", None, None, 0),
    ]
    for action, user_id, client_id, expected in table:
        rows, has_next = audit.search(users["admin"], action=action, user_id=user_id, client_id=client_id)
        case = (action, user_id, client_id)
        # Each search adds its own "read" row; leave those out of the count.
        rows = [row for row in rows if row.object_type != "audit_events"]
        assert len(rows) == expected and not has_next, case
        assert all(row.organisation_id == world.org.id for row in rows), case
        assert all(row.action == action for row in rows if action), case
        assert all(row.user_id == user_id for row in rows if user_id), case
        assert all(row.client_id == client_id for row in rows if client_id), case
        assert [row.id for row in rows] == sorted((row.id for row in rows), reverse=True), case  # newest first


def test_reading_the_log_is_itself_recorded(history, db):
    admin = history.users["admin"]
    audit.search(admin, action="read", client_id=history.own.id)
    read = events(db, action="read", object_type="audit_events")
    assert len(read) == 1 and read[0].user_id == admin.id and read[0].role == "admin"
    assert read[0].detail == f"action=read user= client={history.own.id} page=1"


def test_only_an_administrator_may_read_the_log(history, db):
    for role in ("board", "team_lead", "client_supporter", "family"):
        with pytest.raises(AccessDenied):
            audit.search(history.users[role])


def test_an_administrator_sees_only_the_own_organisations_log(history, db):
    rows, _ = audit.search(history.foreign_admin)
    assert {row.organisation_id for row in rows} == {history.other_org.id}
    assert len(rows) == 1


def test_the_log_is_paged(world, db):
    carer = world.users["carer"]
    written = [audit.record(Action.READ, actor=carer, client_id=world.own.id, obj=world.own)
               for _ in range(audit.PAGE_SIZE + 2)]
    db.session.commit()
    first, more = audit.search(world.users["admin"], user_id=carer.id)
    assert len(first) == audit.PAGE_SIZE and more
    second, more = audit.search(world.users["admin"], user_id=carer.id, page=2)
    assert len(second) == 2 and more is False
    assert [row.id for row in first + second] == [row.id for row in reversed(written)]


def test_the_audit_page_filters_and_records_the_reading(history, auth, db):
    world = history
    auth.login(world.email("admin"))
    response = auth.client.get(f"/admin/audit?action=read&user={world.users['nurse'].id}")
    assert response.status_code == 200
    rows = table_rows(response.get_data(as_text=True))
    assert len(rows) == 2
    # The actor by name and e-mail address, the action in words (Dutch by default).
    assert all(world.email("nurse") in row[1] and world.users["nurse"].name in row[1] and row[3] == "bekeken"
               for row in rows)
    assert {row[5] for row in rows} == {world.own.name, world.other.name}

    by_client = table_rows(auth.client.get(f"/admin/audit?client={world.other.id}").get_data(as_text=True))
    assert {row[3] for row in by_client} == {"bekeken", "toegang geweigerd"} and len(by_client) == 2

    reads = events(db, action="read", object_type="audit_events", user_id=world.users["admin"].id)
    assert [r.detail for r in reads] == [f"action=read user={world.users['nurse'].id} client= page=1",
                                         f"action= user= client={world.other.id} page=1"]


def test_the_audit_api_filters_and_records_the_reading(history, auth, db):
    world = history
    auth.login(world.email("admin"))
    body = auth.client.get(f"/api/v1/audit?action=denied&client={world.other.id}").get_json()
    assert [(e["action"], e["user_id"], e["client_id"], e["outcome"]) for e in body["events"]] == [
        ("denied", world.users["carer"].id, world.other.id, "denied")]
    assert body["has_next"] is False

    by_user = auth.client.get(f"/api/v1/audit?user={world.users['family'].id}").get_json()["events"]
    assert {e["action"] for e in by_user} == {"login"}

    bad = auth.client.get("/api/v1/audit?action=drop-table")
    assert bad.status_code == 422 and set(bad.get_json()["error"]["fields"]) == {"action"}
    assert len(events(db, action="read", object_type="audit_events")) == 2  # the refused one read nothing


def test_administrator_actions_through_the_api_are_recorded(world, auth, db):
    admin = world.users["admin"]
    auth.login(admin.email)
    created = auth.client.post("/api/v1/tokens", json={"name": "export"}, headers={"X-CSRFToken": auth.csrf})
    token_id = created.get_json()["token"]["id"]
    auth.client.delete(f"/api/v1/tokens/{token_id}", headers={"X-CSRFToken": auth.csrf})
    auth.client.post(f"/api/v1/clients/{world.other.id}/invitations", json={"email": "zus@familie.nl", "name": "Zus"},
                     headers={"X-CSRFToken": auth.csrf})
    mine = [(row.action, row.object_type) for row in events(db, user_id=admin.id)]
    assert mine == [("login", "users"), ("create", "api_tokens"), ("delete", "api_tokens"),
                    ("create", "invitations")]
    assert events(db, action="create", object_type="invitations")[0].client_id == world.other.id


# -- append-only ---------------------------------------------------------------------------

@pytest.fixture
def row(world, db) -> AuditEvent:
    event = audit.record(Action.READ, actor=world.users["nurse"], client_id=world.own.id, obj=world.own,
                         detail="original")
    db.session.commit()
    return event


def _unchanged(db, row_id: int) -> None:
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.id == row_id, AuditEvent.detail == "original")) == 1


def test_an_audit_row_cannot_be_changed(db, row):
    row_id = row.id
    row.detail = "covered up"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    _unchanged(db, row_id)


def test_an_audit_row_cannot_be_deleted(db, row):
    row_id = row.id
    db.session.delete(row)
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    _unchanged(db, row_id)


@pytest.mark.parametrize("statement", [
    lambda: update(AuditEvent).values(detail="covered up"),
    lambda: update(AuditEvent).where(AuditEvent.action == "read").values(user_id=None),
    lambda: delete(AuditEvent),
], ids=["update_all", "update_where", "delete_all"])
def test_audit_rows_cannot_be_changed_or_deleted_in_bulk_through_the_orm(db, row, statement):
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.execute(statement())
    _unchanged(db, row.id)


def test_audit_rows_cannot_be_deleted_through_a_query(db, row):
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.query(AuditEvent).filter(AuditEvent.id == row.id).delete()
    _unchanged(db, row.id)


def test_adding_rows_is_still_allowed_next_to_changing_other_tables(world, db, row):
    world.users["carer"].name = "Nieuwe Naam"
    audit.record(Action.UPDATE, actor=world.users["admin"], obj=world.users["carer"])
    db.session.commit()
    assert len(events(db)) == 2
