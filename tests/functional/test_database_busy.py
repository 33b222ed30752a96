"""A SQLite writer waits its turn (30 s) instead of failing at once; when the database stays busy
beyond that, the answer is a clear 503 with Retry-After and nothing saved, never a bare 500."""
from __future__ import annotations

import sqlite3

from sqlalchemy import text

from marketplace import create_app
from marketplace.core import extensions
from marketplace.core.extensions import db
from marketplace.core.roles import Role
from tests.factories import make_org, make_user

SECRET = "busy-database-test-secret-key-0123456789"


def test_sqlite_connections_wait_thirty_seconds_for_the_write_lock(tmp_path):
    app = create_app({"ZORGMARKT_MODE": "test", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/wait.sqlite",
                      "SECRET_KEY": SECRET})
    with app.app_context():
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 30_000
        db.engine.dispose()


def test_a_database_locked_beyond_the_wait_answers_503_and_saves_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(extensions, "SQLITE_BUSY_MS", 100)
    path = tmp_path / "busy.sqlite"
    app = create_app({"ZORGMARKT_MODE": "test", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": SECRET})
    app.testing = False  # as in production: the app's own error handling answers
    with app.app_context():
        db.create_all()
        make_user(make_org("Druk"), Role.ADMIN, email="admin@druk.test")
        db.session.commit()
    client = app.test_client()
    login = client.post("/api/v1/auth/login", json={"email": "admin@druk.test", "password": "secret-password"})
    csrf = login.get_json()["csrf_token"]
    other = sqlite3.connect(path)
    other.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    try:
        response = client.post("/api/v1/tokens", json={"name": "druk"}, headers={"X-CSRFToken": csrf})
    finally:
        other.rollback()
        other.close()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.get_json()["error"]["code"] == "busy"
    with app.app_context():
        assert db.session.execute(text("SELECT count(*) FROM api_tokens")).scalar() == 0
        db.engine.dispose()
