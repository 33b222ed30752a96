"""The health access log (NEN 7513): one audit row per request, client and action.

Health data is need-to-know (Perm.HEALTH_VIEW). Every read, change or export of it writes a
row here; a read is committed after the page is built (``audit.record_read``), a change with
the change itself. The client and a representative see these rows (:func:`access_overview`).
"""
from __future__ import annotations

from flask import g, has_request_context
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from marketplace.core import audit
from marketplace.core.audit import Action, AuditEvent
from marketplace.core.extensions import db
from marketplace.core.policy import Perm, authorize

from .models import Client


def log_access(actor, client: Client, action: Action, what: str) -> None:
    """One audit row per request, client and action, however many times health data is touched."""
    key = (client.id, Action(action).value)
    if has_request_context():
        seen = g.setdefault("health_audit", set())
        if key in seen:
            return
        seen.add(key)
    fields = dict(actor=actor, client_id=client.id, object_type="health_record", object_id=client.id,
                  detail=what, health=True)
    if Action(action) in (Action.READ, Action.EXPORT, Action.PRINT):  # reads: committed after the response
        audit.record_read(action, **fields)
    else:
        audit.record(action, **fields)


def read_logged(actor, client: Client, what: str) -> None:
    """Log a read of health data; in a request it is committed once the response is built."""
    log_access(actor, client, Action.READ, what)


def access_overview(actor, client: Client) -> list[AuditEvent]:
    """Who accessed this client's health data and when, for the client and a representative."""
    authorize(actor, Perm.HEALTH_ACCESS_LOG, client)
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.client_id == client.id, AuditEvent.health.is_(True))
        .options(selectinload(AuditEvent.user)).order_by(AuditEvent.id.desc()).limit(200)
    ))
