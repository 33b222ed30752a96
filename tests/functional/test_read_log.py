"""One commit per request: a read's audit row is committed once, after the page is built.

A commit in the middle of rendering would expire what the template still uses; a read that
could not be logged must not be shown. So the health page writes its one audit row, the
templates render, and only then (after the response is built, before it is sent) the row is
committed; a failing audit write fails the request.
"""
from __future__ import annotations

from contextlib import contextmanager

from flask import template_rendered
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from marketplace.core.audit import AuditEvent
from tests.functional.test_health import _seed_profile


def health_rows(db) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.health.is_(True)).order_by(AuditEvent.id)))


@contextmanager
def timeline(app):
    """What happens in order: templates rendered, audit rows flushed, commits (any session)."""
    events: list[str] = []

    def rendered(_sender, template, context, **_extra):
        events.append(f"render {template.name}")

    def flushed(session, _context, _instances):
        for obj in session.new:
            if isinstance(obj, AuditEvent) and obj.health:
                events.append("audit row")

    def committed(_session):
        events.append("commit")

    template_rendered.connect(rendered, app)
    event.listen(Session, "before_flush", flushed)
    event.listen(Session, "after_commit", committed)
    try:
        yield events
    finally:
        template_rendered.disconnect(rendered, app)
        event.remove(Session, "after_commit", committed)
        event.remove(Session, "before_flush", flushed)


def test_the_health_page_logs_its_read_once_and_commits_it_after_the_page_is_built(
        app, health_world, client, auth, db):
    _seed_profile(client, auth, health_world)
    auth.login(health_world.email("nurse"))
    before = len(health_rows(db))

    with timeline(app) as events:
        response = client.get(f"/clients/{health_world.own.id}/health")

    assert response.status_code == 200
    assert "rode hielen" in response.get_data(as_text=True)  # the page shows the risk's note
    assert events.count("audit row") == 1
    assert events.count("commit") == 1, events
    renders = [i for i, name in enumerate(events) if name.startswith("render ")]
    assert renders and events.index("commit") > max(renders), events
    new = health_rows(db)[before:]
    assert [(row.client_id, row.action, row.user_id) for row in new] == [
        (health_world.own.id, "read", health_world.users["nurse"].id)]


def test_the_versions_api_commits_its_logged_read_after_building_the_answer(app, health_world, client, auth, db):
    _seed_profile(client, auth, health_world)
    auth.login(health_world.email("carer"))
    before = len(health_rows(db))

    with timeline(app) as events:
        response = client.get(f"/api/v1/clients/{health_world.own.id}/package/versions")

    assert response.status_code == 200 and response.get_json()["versions"]
    assert events.count("commit") == 1 and events.count("audit row") == 1, events
    assert len(health_rows(db)) == before + 1


def test_a_read_that_cannot_be_logged_is_not_shown(app, health_world, client, auth, db, monkeypatch):
    _seed_profile(client, auth, health_world)
    auth.login(health_world.email("nurse"))
    before = len(health_rows(db))

    def refuse_audit_rows(_conn, _cursor, statement, _parameters, _context, _executemany):
        if statement.lstrip().upper().startswith("INSERT INTO AUDIT_EVENTS"):
            raise OperationalError(statement, None, Exception("disk full"))

    # As in production: an unexpected error is answered with the error page, not raised.
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setattr(app, "testing", False)
    event.listen(db.engine, "before_cursor_execute", refuse_audit_rows)
    try:
        response = client.get(f"/clients/{health_world.own.id}/health")
    finally:
        event.remove(db.engine, "before_cursor_execute", refuse_audit_rows)

    assert response.status_code == 500
    assert "rode hielen" not in response.get_data(as_text=True)
    assert len(health_rows(db)) == before
