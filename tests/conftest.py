"""Fixtures for every layer of tests.

Database tests run twice: on SQLite and on the PostgreSQL server named by
``TEST_DATABASE_URL``. Without that variable the PostgreSQL variants are skipped with a
visible reason; with ``REQUIRE_ALL=1`` (CI) such a skip is a failure instead.
"""
from __future__ import annotations

import contextvars
import os
import re
import socket
import threading

import pytest
from aiosmtpd.controller import Controller
from argon2 import PasswordHasher
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, text

from marketplace import create_app
from marketplace.core.extensions import db as _db
from marketplace.core.extensions import limiter

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
    return worker_database(url)


def worker_database(url: str) -> str:
    """Under pytest-xdist each worker has a database of its own on the same server
    (``<name>_gw0``, ``<name>_gw1``...), made when missing: tests empty every table after
    themselves, so two workers must never share one."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).scalar():
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


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
    # Row by row, children first: on PostgreSQL this is many times faster than TRUNCATE for
    # small tables (TRUNCATE rewrites every table and its indexes).
    _db.session.remove()
    with _db.engine.begin() as conn:
        for table in reversed(_db.metadata.sorted_tables):
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


class IsolatedClient(FlaskClient):
    """Each request gets its own app context, ``g`` and database session, as in production.

    The ``db`` fixture keeps an app context pushed for the test; a plain test client would
    reuse it, so ``g`` (Flask-Login's user, the CSRF token, the throttle's flags) and the
    session would leak from one request into the next. Read back what a request wrote with
    ``db.session.expire_all()`` or a fresh query.
    """

    def open(self, *args, **kwargs):
        # An empty contextvars.Context holds no app context, so Flask pushes a fresh one.
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def client(app, db):
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def isolated_requests():
    """Kept for tests that ask for it; every ``client`` is isolated now."""


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
def priced_world(world) -> World:
    """The world with the reference catalogue loaded in both organisations."""
    from .factories import give_catalogue

    give_catalogue(world)
    return world


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(db):
    """``with count_queries() as counter: ...`` counts the SQL statements run inside (indico)."""
    from contextlib import contextmanager

    from sqlalchemy import event

    @contextmanager
    def counting():
        counter = QueryCounter()
        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)

    return counting


@pytest.fixture
def health_world(priced_world) -> World:
    """The priced world with the Omaha problems and the default risk rules in organisation A."""
    from care.risk_rules import load_rules

    load_rules(priced_world.org)
    _db.session.commit()
    return priced_world


@pytest.fixture
def argon2_calls(monkeypatch) -> list[str]:
    """Every argon2 hash and verification, by name, as they happen (the real ones run)."""
    calls: list[str] = []
    for name in ("hash", "verify"):
        real = getattr(PasswordHasher, name)

        def counted(self, *args, _real=real, _name=name, **kwargs):
            calls.append(_name)
            return _real(self, *args, **kwargs)
        monkeypatch.setattr(PasswordHasher, name, counted)
    return calls


class Inbox:
    """An SMTP server's mailbox; ``refuse`` messages are answered "451 try again" first."""

    def __init__(self):
        self.messages = []
        self.refuse = 0

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            self.refuse -= 1
            return "451 Requested action aborted: try again later"
        self.messages.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1 (aiosmtpd): ``(controller, inbox)``."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()


def together(app, count: int, work) -> list:
    """Run ``work(i)`` in ``count`` threads at once; each result or the exception it raised."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i):
        with app.app_context():
            barrier.wait()
            try:
                results[i] = work(i)
            except Exception as exc:  # noqa: BLE001  (the test inspects what each thread met)
                results[i] = exc
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results
