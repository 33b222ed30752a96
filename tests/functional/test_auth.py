"""Logging in and out: throttling, session renewal, tampered cookies and personal API tokens."""
from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
import time_machine
from flask_babel import force_locale, gettext
from markupsafe import escape
from sqlalchemy import select

from marketplace.core import ratelimits
from marketplace.core.audit import AuditEvent
from marketplace.accounts.models import ApiToken
from tests.conftest import csrf_from

START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
WRONG = "wrong-password"
MISMATCH = "This e-mail address and password do not match."
ERROR_RE = re.compile(r'<p class="error"[^>]*>([^<]+)</p>')


def dutch(app, message: str) -> str:
    """``message`` as the Dutch catalogue has it: what a visitor sees by default."""
    with app.test_request_context(), force_locale("nl"):
        return gettext(message)


@pytest.fixture
def nl(app):
    return lambda message: dutch(app, message)


def api_login(client, email: str, password: str = "secret-password", address: str = "127.0.0.1"):
    return client.post("/api/v1/auth/login", json={"email": email, "password": password},
                       environ_overrides={"REMOTE_ADDR": address})


def form_login(client, email: str, password: str = "secret-password", *, next_: str = "", token: str | None = None):
    token = token or csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"email": email, "password": password, "next": next_, "csrf_token": token})


def session_cookie(client) -> str | None:
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


# -- login throttling ----------------------------------------------------------------------

@pytest.fixture
def delays(app, monkeypatch) -> list[float]:
    """The delays the per-account throttle asks for (at most 2 s), recorded instead of waited."""
    waited: list[float] = []
    monkeypatch.setitem(app.config, "LOGIN_MAX_DELAY", 2.0)
    monkeypatch.setattr(ratelimits, "sleep", waited.append)
    return waited


def test_ten_failed_logins_slow_the_account_down_from_every_address_for_a_minute(world, client, clock, nl, delays):
    """Issue 9, item 12: the per-account limit slows down and refuses wrong passwords, but no
    longer blocks the right one (it did: 429 for the owner at a fresh address)."""
    email = world.email("family")
    for i in range(10):
        assert api_login(client, email, WRONG, address=f"10.0.0.{i}").status_code == 401
    assert delays == [0.125, 0.25, 0.5, 1.0]  # failures 6 to 9: growing

    refused = api_login(client, email, WRONG, address="10.0.1.1")  # wrong password, fresh address
    assert refused.status_code == 429
    assert refused.get_json()["error"] == {
        "code": "too_many_requests", "message": nl("Too many attempts. Wait a minute and try again.")}
    assert int(refused.headers["Retry-After"]) >= 1
    assert delays[-1] == 2.0  # at the limit: the longest delay, never longer
    # Only this account is slowed down: another account logs in from one of those addresses at once.
    delays.clear()
    assert api_login(client, world.email("carer"), address="10.0.0.1").status_code == 200
    assert delays == []

    clock.shift(timedelta(seconds=59))
    assert api_login(client, email, WRONG, address="10.0.1.1").status_code == 429
    clock.shift(timedelta(seconds=2))
    assert api_login(client, email, WRONG, address="10.0.1.1").status_code == 401


def test_the_right_password_from_a_fresh_address_logs_in_while_another_address_hammers_the_account(
        world, client, clock, delays):
    email = world.email("family")
    for minute in range(3):  # the attack goes on: each minute the attacker's addresses change
        for i in range(30):
            api_login(client, email, WRONG, address=f"10.{minute}.0.{i}")
        owner = api_login(client, email, address=f"192.0.2.{minute}")
        assert owner.status_code == 200, minute
        assert owner.get_json()["user"]["email"] == email
        clock.shift(timedelta(seconds=20))
    assert max(delays) == 2.0  # slowed down, bounded


def test_ten_failed_logins_lock_the_address_for_every_account_for_a_minute(world, client, clock):
    for i in range(10):
        assert api_login(client, f"nobody{i}@a.test", WRONG, address="10.9.9.9").status_code == 401

    assert api_login(client, world.email("family"), address="10.9.9.9").status_code == 429
    assert api_login(client, world.email("family"), address="10.9.9.8").status_code == 200

    clock.shift(timedelta(seconds=61))
    assert api_login(client, world.email("carer"), address="10.9.9.9").status_code == 200


def test_the_login_page_answers_a_lock_with_a_dutch_page(world, client, clock, nl):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    for _ in range(10):
        response = form_login(client, world.email("family"), WRONG, token=token)
        assert response.status_code == 200
        assert str(escape(nl(MISMATCH))) in response.get_data(as_text=True)

    locked = form_login(client, world.email("family"), token=token)
    html = locked.get_data(as_text=True)
    assert locked.status_code == 429
    message = nl("Too many attempts. Wait a minute and try again.")
    assert message != "Too many attempts. Wait a minute and try again."  # really translated
    assert '<html lang="nl">' in html
    assert str(escape(message)) in html
    assert "Retry-After" in locked.headers

    clock.shift(timedelta(seconds=61))
    token = csrf_from(client.get("/login").get_data(as_text=True))
    assert form_login(client, world.email("family"), token=token).status_code == 302


def test_successful_logins_do_not_count_towards_the_lock(world, client, clock):
    email = world.email("family")
    for _ in range(9):
        assert api_login(client, email, WRONG).status_code == 401
    for _ in range(20):
        assert api_login(client, email).status_code == 200
    assert api_login(client, email, WRONG).status_code == 401  # the tenth failure
    assert api_login(client, email).status_code == 429


def test_refused_tries_during_a_lock_do_not_extend_it(world, client, clock):
    email = world.email("family")
    for _ in range(10):
        api_login(client, email, WRONG)
    for _ in range(5):
        clock.shift(timedelta(seconds=10))
        assert api_login(client, email, WRONG).status_code == 429
    clock.shift(timedelta(seconds=11))  # 61 s after the last counted failure
    assert api_login(client, email).status_code == 200


def test_the_window_moves_so_failures_of_the_last_minute_still_count(world, client, clock):
    """A fixed window would forget everything at its boundary and allow a burst of 20."""
    email = world.email("family")
    for _ in range(5):
        api_login(client, email, WRONG)
    clock.shift(timedelta(seconds=50))
    for _ in range(5):
        api_login(client, email, WRONG)
    assert api_login(client, email).status_code == 429

    clock.shift(timedelta(seconds=11))  # the first five are older than a minute now
    for _ in range(5):
        assert api_login(client, email, WRONG).status_code == 401
    assert api_login(client, email).status_code == 429


# -- what a failed login reveals -----------------------------------------------------------

def test_wrong_password_and_unknown_account_get_the_same_api_answer(world, client, nl):
    wrong = api_login(client, world.email("family"), WRONG)
    unknown = api_login(client, "nobody@a.test", WRONG)
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json() == unknown.get_json() == {
        "error": {"code": "invalid_credentials", "message": nl(MISMATCH)}}




def test_known_and_unknown_addresses_cost_the_same_argon2_work(world, client, argon2_calls):
    """Issue 9, item 12: an unknown address used to cost a hash and a verification, a known one
    a verification only. Now each login costs exactly one verification."""
    api_login(client, "warm-up@a.test", WRONG, address="10.1.1.1")  # the dummy hash, once per process
    work = {}
    for label, email, password in (("unknown", "nobody@a.test", WRONG), ("wrong", world.email("family"), WRONG),
                                   ("right", world.email("carer"), "secret-password"),
                                   ("unknown again", "ghost@a.test", "secret-password")):
        argon2_calls.clear()
        api_login(client, email, password, address=f"10.2.2.{len(work)}")
        work[label] = list(argon2_calls)
    assert work == {"unknown": ["verify"], "wrong": ["verify"], "right": ["verify"], "unknown again": ["verify"]}


def test_wrong_password_and_unknown_account_get_the_same_page(world, client, nl):
    wrong = form_login(client, world.email("family"), WRONG)
    unknown = form_login(client, "nobody@a.test", WRONG)
    assert wrong.status_code == unknown.status_code == 200
    assert ERROR_RE.findall(wrong.get_data(as_text=True)) == [str(escape(nl(MISMATCH)))]
    assert ERROR_RE.findall(unknown.get_data(as_text=True)) == [str(escape(nl(MISMATCH)))]
    assert client.get("/api/v1/me").status_code == 401


def test_an_inactive_account_cannot_log_in_and_is_not_told_apart(world, client, db, nl):
    world.users["carer"].active = False
    db.session.commit()
    response = api_login(client, world.email("carer"))
    assert response.status_code == 401
    assert response.get_json()["error"]["message"] == nl(MISMATCH)


def test_login_form_with_missing_or_oversized_fields_logs_nobody_in(world, client):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    missing = client.post("/login", data={"email": "", "password": "", "csrf_token": token})
    assert missing.status_code == 200
    assert len(ERROR_RE.findall(missing.get_data(as_text=True))) == 2  # one per empty field
    long = client.post("/login", data={"email": "a" * 290 + "@a.test", "password": "x", "csrf_token": token})
    assert len(ERROR_RE.findall(long.get_data(as_text=True))) == 1
    assert 'id="email-error"' in long.get_data(as_text=True)
    assert client.get("/api/v1/me").status_code == 401


def test_api_login_rejects_oversized_fields_without_looking_them_up(world, client, db):
    response = api_login(client, "a" * 300 + "@a.test", "x")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "invalid"
    assert db.session.scalars(select(AuditEvent)).all() == []


# -- sessions ------------------------------------------------------------------------------

def test_login_starts_a_fresh_session(world, client):
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "before-login"
    before = session_cookie(client)

    response = form_login(client, world.email("carer"))
    assert response.status_code == 302

    assert session_cookie(client) != before
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].startswith(f"{world.users['carer'].id}.")
    assert client.get("/api/v1/me").get_json()["user"]["email"] == world.email("carer")


def test_logout_ends_the_session_and_a_replayed_cookie_is_anonymous(world, client):
    form_login(client, world.email("carer"))
    old_cookie = session_cookie(client)
    token = csrf_from(client.get("/").get_data(as_text=True))

    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert client.get("/api/v1/me").status_code == 401

    client.set_cookie("session", old_cookie)
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/").headers["Location"].startswith("/login")


def test_logout_ends_the_sessions_on_other_devices_too(app, world, auth):
    other_device = app.test_client()
    assert api_login(other_device, world.email("carer")).status_code == 200
    auth.login(world.email("carer"))

    assert auth.logout().status_code == 200
    assert other_device.get("/api/v1/me").status_code == 401


def _signed(app, data: dict, secret_key: str | None = None) -> str:
    """A session cookie as Flask would write it, signed with ``secret_key`` (the app's by default)."""
    signer = SimpleNamespace(secret_key=secret_key or app.secret_key, config={"SECRET_KEY_FALLBACKS": []})
    return app.session_interface.get_signing_serializer(signer).dumps(data)


def test_a_tampered_session_cookie_is_treated_as_anonymous(app, world, client):
    form_login(client, world.email("carer"))
    cookie = session_cookie(client)
    carer = world.users["carer"]
    forged = {
        "flipped signature": cookie[:-2] + ("AA" if cookie[-2:] != "AA" else "BB"),
        "flipped payload": cookie[:3] + ("x" if cookie[3] != "x" else "y") + cookie[4:],
        "garbage": "not-a-session%%%.....",
        "empty": "",
        "other secret key": _signed(app, {"_user_id": carer.get_id()}, secret_key="another-secret-key-0123456789ab"),
        "unknown user": _signed(app, {"_user_id": "999999.abc"}),
        "wrong nonce": _signed(app, {"_user_id": f"{carer.id}.{'0' * 32}"}),
        "no nonce": _signed(app, {"_user_id": str(carer.id)}),
        "not a number": _signed(app, {"_user_id": f"x{carer.id}.{carer.session_nonce}"}),
    }
    for tamper, value in forged.items():
        client.set_cookie("session", value)
        page = client.get("/")
        assert page.status_code == 302 and page.headers["Location"].startswith("/login"), tamper
        client.set_cookie("session", value)
        api = client.get("/api/v1/me")
        assert api.status_code == 401, tamper
        assert api.get_json()["error"]["code"] == "unauthorized", tamper

    # The same way of sending a cookie does log in when the cookie is genuine.
    client.set_cookie("session", _signed(app, {"_user_id": carer.get_id()}))
    assert client.get("/api/v1/me").status_code == 200


# -- personal API tokens -------------------------------------------------------------------

def _create_token_via_api(auth, name: str = "script") -> dict:
    response = auth.client.post("/api/v1/tokens", json={"name": name}, headers={"X-CSRFToken": auth.csrf})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def test_a_token_made_in_the_api_works_as_bearer_until_it_is_revoked(app, world, auth, nl):
    auth.login(world.email("carer"))
    body = _create_token_via_api(auth)
    secret = body["secret"]
    assert secret.startswith("zm_") and body["token"]["prefix"] == secret[:10]

    program = app.test_client()  # no session: only the token
    bearer = {"Authorization": f"Bearer {secret}"}
    assert program.get("/api/v1/me", headers=bearer).get_json()["user"]["email"] == world.email("carer")

    revoked = auth.client.delete(f"/api/v1/tokens/{body['token']['id']}", headers={"X-CSRFToken": auth.csrf})
    assert revoked.status_code == 200 and revoked.get_json()["token"]["revoked_at"]

    refused = program.get("/api/v1/me", headers=bearer)
    assert refused.status_code == 401
    assert refused.get_json() == {
        "error": {"code": "unauthorized", "message": nl("This token is not valid (any more).")}}


def test_a_token_made_on_the_page_works_until_it_is_revoked_on_the_page(app, world, auth, db):
    auth.login(world.email("nurse"))
    client = auth.client
    token = csrf_from(client.get("/account/tokens").get_data(as_text=True))
    created = client.post("/account/tokens", data={"name": "rooster-koppeling", "csrf_token": token})
    html = created.get_data(as_text=True)
    assert created.status_code == 200
    secret = html.split('<code class="secret">', 1)[1].split("</code>", 1)[0]
    assert secret.startswith("zm_")
    assert "rooster-koppeling" in html

    program = app.test_client()
    bearer = {"Authorization": f"Bearer {secret}"}
    assert program.get("/api/v1/clients", headers=bearer).status_code == 200

    row = db.session.scalar(select(ApiToken).where(ApiToken.name == "rooster-koppeling"))
    listed = client.get("/account/tokens").get_data(as_text=True)
    assert secret not in listed  # shown once only
    revoke = client.post(f"/account/tokens/{row.id}/revoke", data={"csrf_token": csrf_from(listed)})
    assert revoke.status_code == 302
    assert program.get("/api/v1/clients", headers=bearer).status_code == 401


def test_tokens_are_stored_only_as_a_hash(world, auth, db):
    auth.login(world.email("carer"))
    secret = _create_token_via_api(auth)["secret"]
    row = db.session.scalar(select(ApiToken))
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert row.prefix == secret[:10] and len(secret) > 40
    # Not in any column of any table, the audit log included.
    for table in db.metadata.sorted_tables:
        for values in db.session.execute(table.select()):
            assert not any(secret[10:] in str(value) for value in values), table.name


def test_a_token_of_another_user_cannot_be_revoked(app, world, auth, db):
    auth.login(world.email("carer"))
    body = _create_token_via_api(auth)
    token_id = body["token"]["id"]

    thief = app.test_client()
    csrf = api_login(thief, world.email("family")).get_json()["csrf_token"]
    api = thief.delete(f"/api/v1/tokens/{token_id}", headers={"X-CSRFToken": csrf})
    assert api.status_code == 404
    assert api.get_json()["error"]["code"] == "not_found"
    page_token = csrf_from(thief.get("/account/tokens").get_data(as_text=True))
    assert thief.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": page_token}).status_code == 404
    assert thief.get("/api/v1/tokens").get_json()["tokens"] == []

    db.session.expire_all()
    assert db.session.get(ApiToken, token_id).revoked_at is None
    bearer = {"Authorization": f"Bearer {body['secret']}"}
    assert app.test_client().get("/api/v1/me", headers=bearer).status_code == 200


def test_a_bearer_token_does_not_log_in_on_html_pages(app, world, auth):
    auth.login(world.email("carer"))
    secret = _create_token_via_api(auth)["secret"]
    page = app.test_client().get("/", headers={"Authorization": f"Bearer {secret}"})
    assert page.status_code == 302 and page.headers["Location"].startswith("/login")


def test_a_revoked_bearer_token_is_refused_even_next_to_a_session(world, auth, nl):
    """When a program presents a token, the token alone decides; the browser session is not borrowed."""
    auth.login(world.email("carer"))
    body = _create_token_via_api(auth)
    auth.client.delete(f"/api/v1/tokens/{body['token']['id']}", headers={"X-CSRFToken": auth.csrf})
    refused = auth.client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['secret']}"})
    assert refused.status_code == 401
    assert refused.get_json()["error"]["message"] == nl("This token is not valid (any more).")


def test_token_names_are_checked(world, auth, db, nl):
    auth.login(world.email("carer"))
    too_long = auth.client.post("/api/v1/tokens", json={"name": "x" * 101}, headers={"X-CSRFToken": auth.csrf})
    assert too_long.status_code == 422
    assert too_long.get_json()["error"]["fields"] == {"name": nl("Use at most 100 characters.")}
    missing = auth.client.post("/api/v1/tokens", json={}, headers={"X-CSRFToken": auth.csrf})
    assert missing.status_code == 422 and "name" in missing.get_json()["error"]["fields"]
    assert db.session.scalars(select(ApiToken)).all() == []
