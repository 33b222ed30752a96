"""Security of the shell: headers, cookies, redirects, CSRF, input limits, passwords, configuration."""
from __future__ import annotations

import pytest
from argon2 import PasswordHasher, Type, extract_parameters
from flask_babel import force_locale, gettext
from markupsafe import escape
from sqlalchemy import select

from marketplace import create_app
from marketplace.accounts.sessions import new_session_nonce
from marketplace.accounts.views import safe_next
from marketplace.core.config import MODES, PRODUCTION_ARGON2, TEST_ARGON2, ConfigError, load_config
from marketplace.core.extensions import db as _db
from marketplace.accounts.models import ApiToken, Invitation, Organisation, User
from marketplace.core.passwords import hash_password, verify_password
from tests.conftest import csrf_from
from tests.factories import PASSWORD

LONG_SECRET = "production-secret-key-0123456789abcdef"
CSRF_MESSAGE = "Your form has expired or is not valid. Reload the page and try again."


@pytest.fixture
def nl(app):
    def translate(message: str) -> str:
        with app.test_request_context(), force_locale("nl"):
            return gettext(message)
    return translate


def form_login(client, email: str, password: str = PASSWORD, next_: str = ""):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"email": email, "password": password, "next": next_, "csrf_token": token})


def set_cookie_header(response, name: str) -> str:
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]
    assert len(headers) == 1, response.headers.getlist("Set-Cookie")
    return headers[0]


@pytest.fixture
def production_app(tmp_path, monkeypatch):
    """An app in production mode on its own SQLite file, with one user."""
    monkeypatch.setenv("SECRET_KEY", LONG_SECRET)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/production.sqlite")
    for name in ("SESSION_COOKIE_SECURE", "STRIPE_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    app = create_app({"ZORGMARKT_MODE": "production"})
    # Not the factories' make_user: its hash cache would then hold a production-cost hash for
    # every later test. This one is stored with cheaper parameters, as by an older release.
    weak_hash = PasswordHasher(time_cost=TEST_ARGON2.time_cost, memory_cost=TEST_ARGON2.memory_cost,
                               parallelism=TEST_ARGON2.parallelism).hash(PASSWORD)
    with app.app_context():
        _db.create_all()
        org = Organisation(name="Productie", slug="productie")
        _db.session.add(User(organisation=org, email="prod@a.test", name="Prod", password_hash=weak_hash,
                             session_nonce=new_session_nonce()))
        _db.session.commit()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


# -- headers and cookies -------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/login", "/api/v1/openapi.json", "/no-such-page", "/api/v1/no-such-thing"])
def test_every_response_carries_the_security_headers(client, path):
    headers = client.get(path).headers
    csp = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))
    assert csp["default-src"] == "'self'" and csp["script-src"] == "'self'"  # no inline or eval'd script
    assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'"
    assert csp["style-src"] == "'self'" and "script-src-attr" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in headers  # plain HTTP outside production


def test_session_cookie_is_http_only_and_same_site_lax(world, client):
    cookie = set_cookie_header(form_login(client, world.email("carer")), "session")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # the test server speaks plain HTTP


def test_language_cookie_is_http_only_and_same_site_lax(client):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/language", data={"language": "en", "next": "/login", "csrf_token": token})
    cookie = set_cookie_header(response, "zm_lang")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)


def test_production_cookies_are_secure_and_https_is_enforced(production_app):
    client = production_app.test_client()
    response = form_login(client, "prod@a.test")
    assert response.status_code == 302
    cookie = set_cookie_header(response, "session")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


# -- redirects after login -----------------------------------------------------------------

@pytest.mark.parametrize("target, goes_to", [
    ("https://evil.example/steal", "/"),
    ("http://evil.example", "/"),
    ("//evil.example/path", "/"),
    ("///evil.example", "/"),
    ("/\\evil.example", "/"),
    ("\\\\evil.example", "/"),
    ("https:evil.example", "/"),
    ("javascript:alert(1)", "/"),
    ("evil.example", "/"),
    ("/\t/evil.example", "/"),  # browsers drop the tab and read //evil.example
    ("/\n/evil.example", "/"),
    ("", "/"),
    (None, "/"),
    ("/clients/1", "/clients/1"),
    ("/account/tokens?x=1", "/account/tokens?x=1"),
])
def test_next_is_followed_only_within_this_site(app, target, goes_to):
    with app.test_request_context():
        assert safe_next(target) == goes_to


@pytest.mark.parametrize("target, goes_to", [
    ("https://evil.example/steal", "/"), ("//evil.example", "/"), ("/clients/1", "/clients/1")])
def test_login_redirects_only_within_this_site(world, client, target, goes_to):
    response = form_login(client, world.email("carer"), next_=target)
    assert response.status_code == 302
    assert response.headers["Location"] == goes_to


def test_login_required_pages_send_the_visitor_back_after_login(world, client):
    bounce = client.get("/account/tokens")
    assert bounce.status_code == 302 and bounce.headers["Location"] == "/login?next=/account/tokens"
    page = client.get(bounce.headers["Location"])
    response = client.post("/login?next=/account/tokens", data={
        "email": world.email("carer"), "password": PASSWORD, "next": "/account/tokens",
        "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.headers["Location"] == "/account/tokens"


def test_the_language_switch_never_redirects_to_another_site(client):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/language", data={"language": "en", "next": "//evil.example", "csrf_token": token})
    assert response.headers["Location"] == "/"


# -- CSRF ----------------------------------------------------------------------------------

@pytest.mark.parametrize("path, data", [
    ("/logout", {}),
    ("/clients/{own}/invite", {"name": "Jan", "email": "jan@familie.nl", "can_view": "y"}),
    ("/language", {"language": "en", "next": "/"}),
    ("/account/tokens", {"name": "script"}),
])
def test_a_form_post_without_a_valid_csrf_token_is_refused(world, auth, db, nl, path, data):
    auth.login(world.email("carer"))
    for token in ({}, {"csrf_token": "IjEyMzQ1Njc4OTAi.forged.token"}):  # missing, forged
        response = auth.client.post(path.format(own=world.own.id), data={**data, **token})
        assert response.status_code == 400
        assert str(escape(nl(CSRF_MESSAGE))) in response.get_data(as_text=True)
        assert "zm_lang" not in response.headers.get("Set-Cookie", "")
    # Nothing happened: still logged in, nothing stored.
    assert auth.client.get("/api/v1/me").status_code == 200
    assert db.session.scalars(select(Invitation)).all() == []
    assert db.session.scalars(select(ApiToken)).all() == []


def test_a_login_form_without_csrf_token_is_refused(world, client, nl):
    response = client.post("/login", data={"email": world.email("carer"), "password": PASSWORD})
    assert response.status_code == 400
    assert str(escape(nl(CSRF_MESSAGE))) in response.get_data(as_text=True)
    assert client.get("/api/v1/me").status_code == 401


@pytest.mark.parametrize("headers", [{}, {"X-CSRFToken": "not-the-token"}])
def test_an_api_write_with_a_session_needs_the_csrf_header(world, auth, db, nl, headers):
    auth.login(world.email("carer"))
    response = auth.client.post("/api/v1/tokens", json={"name": "script"}, headers=headers)
    assert response.status_code == 400
    assert response.get_json() == {"error": {"code": "csrf", "message": nl(CSRF_MESSAGE)}}
    logout = auth.client.post("/api/v1/auth/logout", headers=headers)
    assert logout.status_code == 400
    assert auth.client.get("/api/v1/me").status_code == 200
    assert db.session.scalars(select(ApiToken)).all() == []


def test_an_api_write_with_a_bearer_token_needs_no_csrf(app, world, auth, db):
    auth.login(world.email("carer"))
    secret = auth.client.post("/api/v1/tokens", json={"name": "first"},
                              headers={"X-CSRFToken": auth.csrf}).get_json()["secret"]
    program = app.test_client()
    response = program.post("/api/v1/tokens", json={"name": "second"}, headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 201
    assert len(db.session.scalars(select(ApiToken)).all()) == 2


def test_a_made_up_bearer_header_does_not_skip_csrf_for_a_session(world, auth, db):
    auth.login(world.email("carer"))
    response = auth.client.post("/api/v1/tokens", json={"name": "sneaky"},
                                headers={"Authorization": "Bearer made-up"})
    assert response.status_code == 401
    assert db.session.scalars(select(ApiToken)).all() == []


def test_the_api_login_takes_json_only_so_a_cross_site_form_cannot_post_it(world, client):
    response = client.post("/api/v1/auth/login", data={"email": world.email("carer"), "password": PASSWORD})
    assert response.status_code == 415
    assert client.get("/api/v1/me").status_code == 401


# -- input limits --------------------------------------------------------------------------

def test_a_body_over_the_size_limit_is_refused_with_413(app, world, auth, db, nl):
    auth.login(world.email("carer"))
    too_big = app.config["MAX_CONTENT_LENGTH"] + 1
    page = auth.client.post(f"/clients/{world.own.id}/invite",
                            data={"name": "x" * too_big, "email": "jan@familie.nl"})
    assert page.status_code == 413
    assert str(escape(nl("What you sent is too large."))) in page.get_data(as_text=True)
    api = auth.client.post("/api/v1/tokens", data='{"name": "' + "x" * too_big + '"}',
                           content_type="application/json", headers={"X-CSRFToken": auth.csrf})
    assert api.status_code == 413
    assert api.get_json()["error"] == {"code": "too_large", "message": nl("What you sent is too large.")}
    assert db.session.scalars(select(Invitation)).all() == []
    assert db.session.scalars(select(ApiToken)).all() == []


def test_a_100_000_character_field_gets_a_clear_message_and_nothing_is_saved(world, auth, db):
    auth.login(world.email("carer"))
    url = f"/clients/{world.own.id}/invite"
    token = csrf_from(auth.client.get(url).get_data(as_text=True))
    page = auth.client.post(url, data={"name": "x" * 100_000, "email": "jan@familie.nl", "csrf_token": token})
    assert page.status_code == 422
    assert 'id="name-error"' in page.get_data(as_text=True)
    api = auth.client.post("/api/v1/tokens", json={"name": "x" * 100_000}, headers={"X-CSRFToken": auth.csrf})
    assert api.status_code == 422 and set(api.get_json()["error"]["fields"]) == {"name"}
    assert db.session.scalars(select(Invitation)).all() == []
    assert db.session.scalars(select(ApiToken)).all() == []


NOT_JSON = [("name=script", "application/x-www-form-urlencoded"), ("name: script", "text/plain"),
            ('{"name": "script"}', "text/plain"), ("", None)]
NOT_AN_OBJECT = ['["name"]', '"script"', "{not json", "null", ""]


def test_the_api_refuses_anything_but_json_with_415(world, auth, db, nl):
    auth.login(world.email("carer"))
    for body, content_type in NOT_JSON:
        response = auth.client.post("/api/v1/tokens", data=body, content_type=content_type,
                                    headers={"X-CSRFToken": auth.csrf})
        assert response.status_code == 415, (body, content_type)
        assert response.get_json()["error"] == {
            "code": "unsupported_media_type", "message": nl("Send JSON with Content-Type: application/json.")}
    assert db.session.scalars(select(ApiToken)).all() == []


def test_the_api_refuses_json_that_is_not_an_object_with_422(world, auth, db):
    auth.login(world.email("carer"))
    for body in NOT_AN_OBJECT:
        response = auth.client.post("/api/v1/tokens", data=body, content_type="application/json",
                                    headers={"X-CSRFToken": auth.csrf})
        assert response.status_code == 422, body
        assert response.get_json()["error"]["code"] == "invalid"
    assert db.session.scalars(select(ApiToken)).all() == []


def test_unknown_json_fields_are_refused_and_named(world, auth, db, nl):
    auth.login(world.email("carer"))
    response = auth.client.post("/api/v1/tokens", json={"name": "script", "user_id": 1, "scopes": ["all"]},
                                headers={"X-CSRFToken": auth.csrf})
    assert response.status_code == 422
    assert response.get_json()["error"] == {
        "code": "invalid", "message": nl("Some of what you entered is not valid."),
        "fields": {"user_id": nl("Unknown field."), "scopes": nl("Unknown field.")}}
    assert db.session.scalars(select(ApiToken)).all() == []


# -- passwords -----------------------------------------------------------------------------

def test_production_hashes_passwords_with_strong_argon2id_parameters():
    # OWASP: argon2id with at least 19 MiB of memory and two passes.
    assert PRODUCTION_ARGON2.memory_cost >= 19456
    assert PRODUCTION_ARGON2.time_cost >= 2
    assert PRODUCTION_ARGON2.parallelism >= 1


def test_a_hash_made_in_production_mode_carries_those_parameters(production_app):
    with production_app.app_context():
        stored = hash_password("correct horse battery")
        assert verify_password(stored, "correct horse battery")
        assert not verify_password(stored, "correct horse battery!")
    assert stored.startswith("$argon2id$")
    params = extract_parameters(stored)
    assert params.type is Type.ID
    assert params.memory_cost == PRODUCTION_ARGON2.memory_cost >= 19456
    assert params.time_cost == PRODUCTION_ARGON2.time_cost >= 2
    assert "correct horse battery" not in stored


def test_demo_mode_hashes_like_production(monkeypatch, tmp_path):
    monkeypatch.delenv("ZORGMARKT_MODE", raising=False)
    assert load_config("demo", str(tmp_path))["ARGON2"] == PRODUCTION_ARGON2


def test_a_weaker_hash_is_upgraded_at_the_next_login(production_app):
    with production_app.app_context():
        before = _db.session.scalar(select(User).where(User.email == "prod@a.test")).password_hash
    assert form_login(production_app.test_client(), "prod@a.test").status_code == 302
    with production_app.app_context():
        after = _db.session.scalar(select(User).where(User.email == "prod@a.test")).password_hash
    assert extract_parameters(after).memory_cost == PRODUCTION_ARGON2.memory_cost
    assert extract_parameters(before).memory_cost < PRODUCTION_ARGON2.memory_cost


def test_stored_passwords_are_never_the_password(world, db):
    for user in db.session.scalars(select(User)):
        assert user.password_hash != PASSWORD and PASSWORD not in user.password_hash
        assert user.password_hash.startswith("$argon2id$")


# -- configuration -------------------------------------------------------------------------

@pytest.fixture
def clean_env(monkeypatch):
    for name in ("ZORGMARKT_MODE", "SECRET_KEY", "DATABASE_URL", "STRIPE_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize("secret, database, complaint", [
    (None, "postgresql+psycopg://app@db/app", "SECRET_KEY"),
    ("", "postgresql+psycopg://app@db/app", "SECRET_KEY"),
    ("x" * 31, "postgresql+psycopg://app@db/app", "SECRET_KEY"),
    (LONG_SECRET, None, "DATABASE_URL"),
    (LONG_SECRET, "", "DATABASE_URL"),
])
def test_production_refuses_to_start_without_a_real_secret_key_and_database(
        clean_env, tmp_path, secret, database, complaint):
    if secret is not None:
        clean_env.setenv("SECRET_KEY", secret)
    if database is not None:
        clean_env.setenv("DATABASE_URL", database)
    with pytest.raises(ConfigError, match=complaint):
        load_config("production", str(tmp_path))
    clean_env.setenv("ZORGMARKT_MODE", "production")
    with pytest.raises(ConfigError, match=complaint):
        create_app()


def test_production_starts_with_a_real_secret_key_and_database(clean_env, tmp_path):
    clean_env.setenv("SECRET_KEY", "y" * 32)
    clean_env.setenv("DATABASE_URL", "postgresql+psycopg://app@db/app")
    config = load_config("production", str(tmp_path))
    assert config["SECRET_KEY"] == "y" * 32 and config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"] and config["HSTS"]
    assert not config["DEMO_MODE"] and not config["TESTING"]


@pytest.mark.parametrize("mode", ["staging", "Production", "prod", " demo"])
def test_an_unknown_mode_is_refused(clean_env, tmp_path, mode):
    with pytest.raises(ConfigError, match="ZORGMARKT_MODE"):
        load_config(mode, str(tmp_path))
    clean_env.setenv("ZORGMARKT_MODE", mode)
    with pytest.raises(ConfigError, match="ZORGMARKT_MODE"):
        load_config(None, str(tmp_path))
    with pytest.raises(ConfigError, match="ZORGMARKT_MODE"):
        create_app()


def test_demo_and_test_modes_make_up_a_random_key_per_process(clean_env, tmp_path):
    assert set(MODES) == {"demo", "test", "production"}
    first, second = (load_config("demo", str(tmp_path))["SECRET_KEY"] for _ in range(2))
    assert first != second and len(first) >= 32
