"""Fixtures for every layer of tests.

Database tests run twice: on SQLite and on the PostgreSQL server named by
``TEST_DATABASE_URL``. Without that variable the PostgreSQL variants are skipped with a
visible reason; with ``REQUIRE_ALL=1`` (CI) such a skip is a failure instead.
"""
from __future__ import annotations

import os
import re

import pytest
from sqlalchemy import text

from marketplace import create_app
from marketplace.extensions import db as _db
from marketplace.extensions import limiter

from .factories import World, build_world

BACKENDS = ("sqlite", "postgresql")


def require(reason: str) -> None:
    """Skip with a visible reason, or fail when CI demands that everything runs."""
    if os.environ.get("REQUIRE_ALL") == "1":
        pytest.fail(f"REQUIRE_ALL=1 but: {reason}", pytrace=False)
    pytest.skip(reason)


def pytest_collection_modifyitems(config, items):
    """A test marked ``postgres`` runs only in its PostgreSQL variant."""
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("database_url") if callspec else None
        if item.get_closest_marker("postgres") and backend == "sqlite":
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('sqlite')}/test.sqlite"
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        require("PostgreSQL variant: set TEST_DATABASE_URL to a PostgreSQL database (see README)")
    return url


@pytest.fixture(scope="session")
def app(database_url):
    app = create_app({
        "ZORGMARKT_MODE": "test",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "PUBLIC_URL": "http://localhost",
    })
    with app.app_context():
        _db.drop_all()
        _db.create_all()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()


def _empty_all_tables() -> None:
    _db.session.remove()
    tables = list(reversed(_db.metadata.sorted_tables))
    with _db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{table.name}"' for table in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def db(app):
    """The database, emptied after the test; an app context is pushed for the test."""
    with app.app_context():
        limiter.reset()
        yield _db
        _empty_all_tables()


@pytest.fixture
def world(db) -> World:
    """Two organisations with a resident of each kind of relation (see factories.build_world)."""
    return build_world()


@pytest.fixture
def client(app, db):
    return app.test_client()


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1) or match.group(2)


class Auth:
    """Log in as a user of the world (flaskr's AuthActions)."""

    def __init__(self, client):
        self.client = client
        self.csrf = None

    def login(self, email: str, password: str = "secret-password"):
        response = self.client.post("/api/v1/auth/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.get_data(as_text=True)
        self.csrf = response.get_json()["csrf_token"]
        return response

    def logout(self):
        return self.client.post("/api/v1/auth/logout", headers={"X-CSRFToken": self.csrf})


@pytest.fixture
def auth(client) -> Auth:
    return Auth(client)


@pytest.fixture
def isolated_requests(app, monkeypatch):
    """Give each request a fresh ``g`` and database session, as in production (opt in with
    ``pytestmark = pytest.mark.usefixtures("isolated_requests")``).

    Without it every request of a test reuses the app context that the ``db`` fixture pushed,
    so ``g`` and the SQLAlchemy session carry over from one request to the next: the user
    Flask-Login loaded stays "logged in" whatever cookie or token the next request sends, and
    the login throttle's failure flag sticks. Requests then commit in their own session: call
    ``db.session.expire_all()`` before reading back what they wrote.
    """
    import contextvars

    from flask.testing import FlaskClient

    class IsolatedClient(FlaskClient):
        def open(self, *args, **kwargs):
            # An empty contextvars.Context holds no app context, so Flask pushes a fresh one.
            return contextvars.Context().run(super().open, *args, **kwargs)

    monkeypatch.setattr(app, "test_client_class", IsolatedClient)
