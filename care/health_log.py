"""The health access log (NEN 7513): one audit row per request, client and action.

Health data is need-to-know (Perm.HEALTH_VIEW). Every read, change or export of it writes a
row here; a read is committed after the page is built (``audit.record_read``), a change with
the change itself. The client and a representative see these rows (:func:`access_overview`).

A row says what kind of thing was done to which object (:class:`HealthEvent`), never the
health content itself: the administrator reads the audit log, and has no care relationship.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from flask import g, has_request_context
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from marketplace.core import audit
from marketplace.core.audit import Action, AuditEvent
from marketplace.core.db_types import LOCAL_ZONE
from marketplace.core.extensions import db
from marketplace.core.policy import Perm, authorize

from .models import Client


class HealthEvent(StrEnum):
    """The kind of access, stored as the audit row's detail: no problem, rating, service or note."""

    PROFILE_READ = "health profile read"
    OBSERVATIONS_READ = "observation points read"
    HEALTH_LINES_READ = "health lines read"
    RISK_RECORDED = "health risk recorded"
    RISK_CHANGED = "health risk changed"
    RISK_ENDED = "health risk ended"
    RATING_ADDED = "rating added"
    PRESCRIPTION_CHANGED = "prescription changed"
    OBSERVATION_ADDED = "observation point added"
    OBSERVATION_ENDED = "observation point ended"
    PACKAGE_CHECKED = "package checked against health risks"
    REINDICATION_READ = "re-indication list read"
    REINDICATION_EXPORTED = "re-indication list exported"


HEALTH_EVENT_VALUES = frozenset(e.value for e in HealthEvent)
HEALTH_RECORD = "health_record"


def log_access(actor, client: Client, action: Action, what: HealthEvent, obj=None) -> None:
    """One audit row per request, client and action, however many times health data is touched.

    ``obj`` is the row acted on (a risk, a rating, a version); without one, the client's record.
    """
    key = (client.id, Action(action).value)
    if has_request_context():
        seen = g.setdefault("health_audit", set())
        if key in seen:
            return
        seen.add(key)
    object_type, object_id = (obj.__tablename__, obj.id) if obj is not None else (HEALTH_RECORD, client.id)
    fields = dict(actor=actor, client_id=client.id, object_type=object_type, object_id=object_id,
                  detail=HealthEvent(what).value, health=True)
    if Action(action) in (Action.READ, Action.EXPORT, Action.PRINT):  # reads: committed after the response
        audit.record_read(action, **fields)
    else:
        audit.record(action, **fields)


def read_logged(actor, client: Client, what: HealthEvent, obj=None) -> None:
    """Log a read of health data; in a request it is committed once the response is built."""
    log_access(actor, client, Action.READ, what, obj)


def shown_detail(event: AuditEvent) -> str:
    """The detail of an audit row as the audit log shows it.

    Health rows written before the details were left out (``"risk 24 actual"``) stay stored, as
    the log is append-only, but show only that the health record was accessed.
    """
    if event.health and event.detail not in HEALTH_EVENT_VALUES:
        return HEALTH_RECORD
    return event.detail



def access_overview(actor, client: Client, limit: int = 200) -> list[AuditEvent]:
    """Who accessed this client's health data and when, for the client and a representative;
    the reader's own looks are left out (they know them)."""
    authorize(actor, Perm.HEALTH_ACCESS_LOG, client)
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.client_id == client.id, AuditEvent.health.is_(True),
                                 ~((AuditEvent.user_id == actor.id) & (AuditEvent.action == Action.READ.value)))
        .options(selectinload(AuditEvent.user)).order_by(AuditEvent.id.desc()).limit(limit)
    ))


@dataclass(frozen=True)
class AccessDay:
    """What one person did with the health record on one day."""

    day: date
    user: object | None
    role: str
    what: tuple[str, ...]  # the kinds of access (HealthEvent values, or the action of older rows), first seen first
    times: int


def access_by_day(actor, client: Client) -> list[AccessDay]:
    """:func:`access_overview` grouped per person per day, newest day first."""
    groups: dict[tuple[date, int | None], list[AuditEvent]] = {}
    for row in access_overview(actor, client, limit=1000):
        groups.setdefault((row.at.astimezone(LOCAL_ZONE).date(), row.user_id), []).append(row)
    result = []
    for (day, _user_id), rows in groups.items():
        what: dict[str, None] = {}
        for row in reversed(rows):  # oldest first within the day
            what[row.detail if row.detail in HEALTH_EVENT_VALUES else row.action] = None
        result.append(AccessDay(day, rows[0].user, rows[0].role, tuple(what), len(rows)))
    return sorted(result, key=lambda d: d.day, reverse=True)
