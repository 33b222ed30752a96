"""The second factor (issue 9, item 14): staff who read health data, and administrators, log in
with a password and a code from an authenticator app when their organisation requires it."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, unquote, urlsplit

import pyotp
import pytest
import time_machine
from sqlalchemy import select

from marketplace.accounts.models import RecoveryCode, User
from marketplace.core.audit import Action, AuditEvent
from tests.conftest import csrf_from
from tests.factories import PASSWORD

START = datetime(2026, 3, 2, 9, 0, 10, tzinfo=timezone.utc)
SECRET_RE = re.compile(r'id="totp-secret">([A-Z2-7]+)<')
CODE_RE = re.compile(r"<li><code>([A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4})</code></li>")
ERROR_RE = re.compile(r'<p class="error"[^>]*>([^<]+)</p>')
INVALID_CODE = "This code is not valid. Enter the current code from your app."


@pytest.fixture
def required(world, db, client):  # client: every test client is isolated
    world.org.require_second_factor = True
    db.session.commit()
    return world


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def english_client(app):
    client = app.test_client()
    client.set_cookie("zm_lang", "en")
    return client


def password_step(client, email: str, next_: str = ""):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"email": email, "password": PASSWORD, "next": next_, "csrf_token": token})


def code_step(client, path: str, code: str):
    token = csrf_from(client.get(path).get_data(as_text=True))
    return client.post(path, data={"code": code, "csrf_token": token})


def enrol(client, email: str) -> tuple[str, list[str]]:
    """Through the pages: the password, the enrolment page, the first code. Logged in after."""
    assert password_step(client, email).headers["Location"] == "/account/second-factor"
    secret = SECRET_RE.search(client.get("/account/second-factor").get_data(as_text=True)).group(1)
    done = code_step(client, "/account/second-factor", pyotp.TOTP(secret).now())
    assert done.status_code == 200, done.get_data(as_text=True)
    return secret, CODE_RE.findall(done.get_data(as_text=True))


def logout(client) -> None:
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))})


def audit_rows(db, action: Action) -> list[AuditEvent]:
    db.session.expire_all()
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action.value)
                              .order_by(AuditEvent.id)).all()


def test_a_nurse_enrols_right_after_the_password_and_is_logged_in_only_after_the_first_code(
        app, required, db, clock):
    client = english_client(app)
    first = password_step(client, required.email("nurse"), next_="/account/tokens")
    assert first.status_code == 302 and first.headers["Location"] == "/account/second-factor"

    # Half logged in: every page and the API refuse the session.
    assert client.get("/").headers["Location"].startswith("/login")
    assert client.get("/account/tokens").headers["Location"].startswith("/login")
    assert client.get(f"/clients/{required.own.id}/health").headers["Location"].startswith("/login")
    assert client.get("/api/v1/me").status_code == 401
    assert client.get(f"/api/v1/clients/{required.own.id}").status_code == 401

    page = client.get("/account/second-factor")
    html = page.get_data(as_text=True)
    secret = SECRET_RE.search(html).group(1)
    qr = re.search(r'<img src="(data:image/svg\+xml[^"]+)"', html).group(1)
    assert "<svg" in unquote(qr)  # made by the app itself: no outside service
    assert "img-src 'self' data:" in page.headers["Content-Security-Policy"]
    assert SECRET_RE.search(client.get("/account/second-factor").get_data(as_text=True)).group(1) == secret

    wrong = code_step(client, "/account/second-factor", "000000")
    assert wrong.status_code == 422 and ERROR_RE.findall(wrong.get_data(as_text=True)) == [INVALID_CODE]
    assert client.get("/api/v1/me").status_code == 401

    done = code_step(client, "/account/second-factor", pyotp.TOTP(secret).now())
    assert done.status_code == 200
    codes = CODE_RE.findall(done.get_data(as_text=True))
    assert len(set(codes)) == 10
    assert 'href="/account/tokens"' in done.get_data(as_text=True)  # on to where the login was going
    assert client.get("/api/v1/me").get_json()["user"]["email"] == required.email("nurse")

    db.session.expire_all()
    nurse = db.session.get(User, required.users["nurse"].id)
    assert nurse.totp_confirmed_at is not None and secret not in nurse.totp_secret  # stored encrypted
    stored = db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == nurse.id)).all()
    assert len(stored) == 10 and not {code.replace("-", "") for code in codes} & set(stored)
    # Once enrolled, the secret is never shown again, not even in the next half-logged-in session.
    assert client.get("/account/second-factor").headers["Location"] == "/"
    logout(client)
    assert password_step(client, required.email("nurse")).headers["Location"] == "/login/second-factor"
    assert client.get("/account/second-factor").headers["Location"] == "/login/second-factor"


def test_the_second_step_logs_in_with_a_code_and_goes_where_the_login_was_going(app, required, db, clock):
    client = english_client(app)
    secret, _codes = enrol(client, required.email("carer"))
    logout(client)
    clock.shift(timedelta(seconds=30))
    assert password_step(client, required.email("carer"), next_="/account/tokens").headers["Location"] \
        == "/login/second-factor"
    assert client.get("/api/v1/me").status_code == 401
    done = code_step(client, "/login/second-factor", pyotp.TOTP(secret).now())
    assert done.status_code == 302 and done.headers["Location"] == "/account/tokens"
    assert client.get("/api/v1/me").status_code == 200
    logins = [row.detail for row in audit_rows(db, Action.LOGIN)]
    assert logins[-2:] == ["password accepted, second factor pending", "second factor: authenticator code"]


def test_the_same_30_second_code_is_not_accepted_twice(app, required, db, clock):
    client = english_client(app)
    secret, _codes = enrol(client, required.email("admin"))
    logout(client)
    clock.shift(timedelta(seconds=30))
    code = pyotp.TOTP(secret).now()
    password_step(client, required.email("admin"))
    assert code_step(client, "/login/second-factor", code).status_code == 302

    replay = english_client(app)  # an onlooker who saw the code, with the password
    password_step(replay, required.email("admin"))
    again = code_step(replay, "/login/second-factor", code)
    assert again.status_code == 422 and ERROR_RE.findall(again.get_data(as_text=True)) == [INVALID_CODE]
    assert replay.get("/api/v1/me").status_code == 401
    clock.shift(timedelta(seconds=30))
    assert code_step(replay, "/login/second-factor", pyotp.TOTP(secret).now()).status_code == 302


def test_a_recovery_code_works_once(app, required, db, clock):
    client = english_client(app)
    _secret, codes = enrol(client, required.email("team_lead"))
    logout(client)
    password_step(client, required.email("team_lead"))
    assert code_step(client, "/login/second-factor", codes[3].lower()).status_code == 302
    logout(client)
    password_step(client, required.email("team_lead"))
    assert code_step(client, "/login/second-factor", codes[3]).status_code == 422
    assert code_step(client, "/login/second-factor", codes[4].replace("-", " ")).status_code == 302
    assert [row.detail for row in audit_rows(db, Action.LOGIN)][-1] == "second factor: recovery code"


@pytest.mark.parametrize("role, asked", [
    ("carer", True), ("nurse", True), ("team_lead", True), ("admin", True),
    ("family", False), ("resident", False), ("board", False), ("client_supporter", False), ("freelancer", False),
])
def test_the_roles_that_must_give_a_second_factor(app, required, role, asked):
    client = app.test_client()
    response = password_step(client, required.email(role))
    assert (response.headers["Location"] == "/account/second-factor") == asked
    assert (client.get("/api/v1/me").status_code == 200) == (not asked)


def test_an_organisation_that_does_not_require_it_logs_staff_in_with_the_password(app, world, client):
    client = app.test_client()
    assert password_step(client, world.email("nurse")).headers["Location"] == "/"
    assert client.get("/api/v1/me").status_code == 200


def test_a_half_logged_in_session_expires_after_ten_minutes(app, required, clock):
    client = app.test_client()
    secret, _codes = enrol(client, required.email("nurse"))
    logout(client)
    clock.shift(timedelta(seconds=30))
    password_step(client, required.email("nurse"))
    token = csrf_from(client.get("/login/second-factor").get_data(as_text=True))
    clock.shift(timedelta(minutes=10, seconds=1))
    late = client.post("/login/second-factor", data={"code": pyotp.TOTP(secret).now(), "csrf_token": token})
    assert late.status_code == 302 and urlsplit(late.headers["Location"]).path == "/login"
    assert client.get("/api/v1/me").status_code == 401


def test_the_api_login_asks_for_the_second_factor_in_a_second_call(app, required, db, clock):
    secret, _codes = enrol(english_client(app), required.email("nurse"))
    clock.shift(timedelta(seconds=30))
    client = english_client(app)
    first = client.post("/api/v1/auth/login", json={"email": required.email("nurse"), "password": PASSWORD})
    assert first.status_code == 401
    assert first.get_json()["error"]["code"] == "second_factor_required"
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/tokens").status_code == 401

    wrong = client.post("/api/v1/auth/second-factor", json={"code": "123456"})
    assert wrong.status_code == 401
    assert wrong.get_json()["error"] == {"code": "invalid_code", "message": INVALID_CODE}
    right = client.post("/api/v1/auth/second-factor", json={"code": pyotp.TOTP(secret).now()})
    assert right.status_code == 200
    assert right.get_json()["user"]["email"] == required.email("nurse") and right.get_json()["csrf_token"]
    assert client.get("/api/v1/me").status_code == 200

    stranger = app.test_client()  # no password step: nothing to complete
    assert stranger.post("/api/v1/auth/second-factor", json={"code": "123456"}).status_code == 401

    unenrolled = client.application.test_client()
    refused = unenrolled.post("/api/v1/auth/login", json={"email": required.email("carer"), "password": PASSWORD})
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "second_factor_enrolment_required"
    assert unenrolled.get("/api/v1/me").status_code == 401


def test_wrong_codes_are_throttled_like_the_login_and_logged(app, required, db, clock):
    client = english_client(app)
    secret, _codes = enrol(client, required.email("carer"))
    logout(client)
    clock.shift(timedelta(seconds=30))
    attacker = app.test_client()
    attacker.post("/api/v1/auth/login", json={"email": required.email("carer"), "password": PASSWORD},
                  environ_overrides={"REMOTE_ADDR": "10.5.5.5"})
    for i in range(10):
        response = attacker.post("/api/v1/auth/second-factor", json={"code": f"{i:06d}"},
                                 environ_overrides={"REMOTE_ADDR": f"10.6.6.{i}"})
        assert response.status_code == 401, i
    locked = attacker.post("/api/v1/auth/second-factor", json={"code": pyotp.TOTP(secret).now()},
                           environ_overrides={"REMOTE_ADDR": "10.7.7.7"})
    assert locked.status_code == 429
    assert attacker.get("/api/v1/me").status_code == 401
    failed = [row for row in audit_rows(db, Action.FAILED_LOGIN) if row.detail.startswith("second factor")]
    assert len(failed) == 10 and {row.object_id for row in failed} == {str(required.users["carer"].id)}

    clock.shift(timedelta(seconds=61))
    assert attacker.post("/api/v1/auth/second-factor", json={"code": pyotp.TOTP(secret).now()},
                         environ_overrides={"REMOTE_ADDR": "10.7.7.7"}).status_code == 200


def test_a_token_made_by_a_fully_logged_in_user_keeps_working_without_a_code(app, required, db, clock):
    client = english_client(app)
    enrol(client, required.email("nurse"))
    csrf = client.get("/api/v1/me").get_json()["csrf_token"]
    secret = client.post("/api/v1/tokens", json={"name": "rooster"}, headers={"X-CSRFToken": csrf}).get_json()["secret"]
    program = app.test_client()
    me = program.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200 and me.get_json()["user"]["email"] == required.email("nurse")


def test_the_login_page_sends_a_half_logged_in_visitor_back_to_the_code(app, required):
    client = app.test_client()
    password_step(client, required.email("nurse"))
    again = client.get("/login/second-factor")
    assert again.status_code == 302 and again.headers["Location"] == "/account/second-factor"
    anonymous = app.test_client().get("/login/second-factor")
    assert urlsplit(anonymous.headers["Location"]).path == "/login"
    assert parse_qs(urlsplit(anonymous.headers["Location"]).query)["next"]
