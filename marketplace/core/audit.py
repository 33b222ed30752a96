"""The audit log (NEN 7513 style): who did what, for which client, when, with what outcome.

Rows are only ever added. Services call :func:`record` inside their own transaction, so an
action and its audit row are committed together or not at all. A read that is logged
(:func:`record_read`) does not commit halfway through rendering a page: its rows are committed
once, after the response is built, and a failure to commit them fails the request, so nothing
read is shown unlogged (indico's request handler does the same).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from enum import StrEnum

from flask import Flask, g, has_request_context, request
from sqlalchemy import CheckConstraint, ForeignKey, String, event, false, func, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, selectinload

from .db_types import LOCAL_ZONE, UTCDateTime, sql_in, utcnow
from .extensions import db
from .policy import Perm, authorize


class Action(StrEnum):
    READ = "read"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    EXPORT = "export"
    PRINT = "print"
    LOGIN = "login"
    LOGOUT = "logout"
    FAILED_LOGIN = "failed_login"
    DENIED = "denied"


class Outcome(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    DENIED = "denied"


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (
        CheckConstraint(f"action IN ({sql_in(Action)})", name="known_action"),
        CheckConstraint(f"outcome IN ({sql_in(Outcome)})", name="known_outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Null for events without a known organisation (a failed login for an unknown address).
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(30), default="")
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"), index=True)
    object_type: Mapped[str] = mapped_column(String(50), default="")
    object_id: Mapped[str] = mapped_column(String(50), default="")
    action: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(10), default=Outcome.SUCCESS.value)
    ip: Mapped[str] = mapped_column(String(45), default="")
    detail: Mapped[str] = mapped_column(String(500), default="")
    # True for every access to health data (problems, ratings, notes, observation points,
    # health lines): the client's own access overview lists these.
    health: Mapped[bool] = mapped_column(default=False, server_default=false(), index=True)

    user = relationship("User", foreign_keys=[user_id])
    client = relationship("Client")


class AuditLogIsAppendOnly(RuntimeError):
    """An audit row was changed or deleted."""


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session, flush_context, instances):
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEvent):
            raise AuditLogIsAppendOnly("audit events are never changed or deleted")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_audit_changes(state):
    # update(AuditEvent) and delete(AuditEvent) bypass the flush, so they are checked here.
    if (state.is_update or state.is_delete) and any(m.class_ is AuditEvent for m in state.all_mappers):
        raise AuditLogIsAppendOnly("audit events are never changed or deleted")


def record(
    action: Action,
    *,
    actor=None,
    role: str | None = None,
    organisation_id: int | None = None,
    client_id: int | None = None,
    obj=None,
    object_type: str = "",
    object_id: str | int = "",
    outcome: Outcome = Outcome.SUCCESS,
    detail: str = "",
    on_behalf_of_id: int | None = None,
    health: bool = False,
) -> AuditEvent:
    """Add one audit row to the current transaction (the caller commits).

    ``obj`` may be any model instance; its table and id are recorded.
    """
    if obj is not None:
        object_type = object_type or obj.__tablename__
        object_id = object_id or obj.id
    if actor is not None and getattr(actor, "is_authenticated", False):
        organisation_id = organisation_id or actor.organisation_id
        role = role if role is not None else (actor.primary_role or "")
        user_id = actor.id
    else:
        user_id = None
    row = AuditEvent(
        at=utcnow(),
        organisation_id=organisation_id,
        user_id=user_id,
        role=role or "",
        on_behalf_of_id=on_behalf_of_id,
        client_id=client_id,
        object_type=object_type,
        object_id=str(object_id or ""),
        action=Action(action).value,
        outcome=Outcome(outcome).value,
        ip=(request.remote_addr or "")[:45] if has_request_context() else "",
        detail=detail[:500],
        health=health,
    )
    db.session.add(row)
    return row


def record_read(action: Action = Action.READ, **fields) -> AuditEvent:
    """:func:`record` for a read (or an export). In a request the row is written and committed
    on its own once the response is built; outside one (a command), the caller commits."""
    if not has_request_context():
        return record(action, **fields)
    row = record(action, **fields)
    db.session.expunge(row)  # kept aside: the request's own transaction never carries it
    g.setdefault("audit_reads", []).append(row)
    return row


def init_app(app: Flask) -> None:
    @app.after_request
    def commit_logged_reads(response):
        # After the view has built the response (templates rendered), before it is sent. Only
        # the read rows are committed: a use case commits its own changes, so whatever else is
        # still pending here (a refused change that a view caught) is dropped. Raising here
        # turns the response into an error: data is never shown unlogged.
        rows = g.pop("audit_reads", [])
        if rows:
            db.session.rollback()
            db.session.add_all(rows)
            try:
                db.session.commit()
            except SQLAlchemyError:
                db.session.rollback()  # so the error page can still be rendered
                raise
        return response


PAGE_SIZE = 50
MAX_PAGE = 1_000_000  # (page - 1) * PAGE_SIZE stays far inside what OFFSET takes


def _local_midnight(day: date) -> datetime:
    """The start of ``day`` in the Netherlands, as an aware UTC datetime (the log stores UTC)."""
    return datetime.combine(day, time(0), LOCAL_ZONE).astimezone(timezone.utc)


def search(actor, *, action: str = "", user_id: int | None = None, client_id: int | None = None,
           name: str = "", date_from: date | None = None, date_to: date | None = None,
           page: int = 1) -> tuple[list[AuditEvent], bool]:
    """One page of the actor's organisation's audit log, newest first; reading it is logged.

    ``name`` matches part of the acting user's name or e-mail address (any case); ``date_from``
    and ``date_to`` are days in the Netherlands, both included.

    :raises AccessDenied: the actor is not an administrator.
    :returns: the rows and whether there is a next page.
    """
    authorize(actor, Perm.AUDIT_VIEW)
    query = select(AuditEvent).where(AuditEvent.organisation_id == actor.organisation_id)
    if action:
        query = query.where(AuditEvent.action == action)
    if user_id:
        query = query.where(AuditEvent.user_id == user_id)
    if client_id:
        query = query.where(AuditEvent.client_id == client_id)
    name = name.strip()[:100]
    if name:
        # The users table is the accounts floor's; the kernel names it through the relationship.
        actors = AuditEvent.user.property.mapper.class_
        pattern = "%" + name.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(AuditEvent.user_id.in_(
            select(actors.id).where(actors.organisation_id == actor.organisation_id,
                                    or_(func.lower(actors.name).like(pattern, escape="\\"),
                                        func.lower(actors.email).like(pattern, escape="\\")))))
    if date_from:
        query = query.where(AuditEvent.at >= _local_midnight(date_from))
    if date_to:
        query = query.where(AuditEvent.at < _local_midnight(date_to + timedelta(days=1)))
    page = max(page, 1)
    # In a request the read is logged after the page is built (record_read); outside one its
    # row is in this transaction and left out of the page.
    searched = "".join(f" {label}={value}" for label, value in (("name", name), ("from", date_from),
                                                                  ("to", date_to)) if value)
    reading = record_read(actor=actor, object_type="audit_events",
                          detail=f"action={action} user={user_id or ''} client={client_id or ''} page={page}{searched}")
    if reading in db.session:
        db.session.flush()
        query = query.where(AuditEvent.id != reading.id)
    rows = list(db.session.scalars(
        query.options(selectinload(AuditEvent.user), selectinload(AuditEvent.client))
        .order_by(AuditEvent.id.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
    ))
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
