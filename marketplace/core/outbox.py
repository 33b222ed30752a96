"""The mail outbox: e-mail is queued in the change's own transaction and sent after the commit.

A use case calls :func:`queue` before it commits, so a message exists exactly when the change
does. :func:`deliver` sends what is due, one message per transaction: a message is claimed
with a conditional update (two workers never send one message twice), sent, and marked sent;
an SMTP failure leaves it queued with the error and a later attempt time, so a failing mail
server never blocks or undoes the change, and the next run sends it once.

Delivery runs in ``flask outbox deliver`` (a worker, ``--watch`` to keep running) and, when
``OUTBOX_DELIVER_AFTER_REQUEST`` is on, right after a response that queued mail has been sent
to the browser. Without ``MAIL_SERVER`` nothing is sent: in demo mode the queue is shown on
the outbox page instead.
"""
from __future__ import annotations

import smtplib
from datetime import datetime, timedelta

from flask import Flask, current_app, g, has_request_context
from sqlalchemy import ForeignKey, Index, String, Text, delete, select, update
from sqlalchemy.orm import Mapped, mapped_column

from . import mail
from .db_types import UTCDateTime, utcnow
from .extensions import db

# A claimed message that was neither sent nor failed (the worker died) is tried again after this.
CLAIM_SECONDS = 300
MAX_ATTEMPTS = 12


class OutboxMail(db.Model):
    __tablename__ = "outbox_mails"
    __table_args__ = (Index("ix_outbox_mails_due", "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    to: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def queue(to: str, subject: str, body: str, *, organisation_id: int | None = None,
          user_id: int | None = None) -> OutboxMail:
    """Add a message to the caller's transaction; it is sent after the caller commits."""
    message = OutboxMail(to=to, subject=subject[:200], body=body, organisation_id=organisation_id,
                         user_id=user_id, created_at=utcnow(), next_attempt_at=utcnow())
    db.session.add(message)
    if has_request_context():
        g.outbox_queued = True
    return message


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 ... minutes after each failure, at most six hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def _claim(message_id: int, now: datetime) -> bool:
    """Take one due message for this worker; False when another worker took it first."""
    claimed = db.session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == message_id, OutboxMail.sent_at.is_(None), OutboxMail.next_attempt_at <= now)
        .values(next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS))
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return claimed == 1


def deliver(limit: int = 100) -> tuple[int, int]:
    """Send the due messages. :returns: (sent, failed). Nothing happens without ``MAIL_SERVER``."""
    if not current_app.config["MAIL_SERVER"]:
        return 0, 0
    now = utcnow()
    due = list(db.session.execute(
        select(OutboxMail.id, OutboxMail.to, OutboxMail.subject, OutboxMail.body, OutboxMail.attempts)
        .where(OutboxMail.sent_at.is_(None), OutboxMail.next_attempt_at <= now,
               OutboxMail.attempts < MAX_ATTEMPTS)
        .order_by(OutboxMail.id).limit(limit)
    ))
    db.session.commit()  # end the read: each message is its own transaction from here
    sent = failed = 0
    for message_id, to, subject, body, attempts in due:
        if not _claim(message_id, now):
            continue
        try:
            mail.send(to, subject, body)
        except (OSError, smtplib.SMTPException) as exc:
            failed += 1
            db.session.execute(
                update(OutboxMail).where(OutboxMail.id == message_id)
                .values(attempts=attempts + 1, last_error=f"{type(exc).__name__}: {exc}"[:500],
                        next_attempt_at=utcnow() + backoff(attempts + 1))
                .execution_options(synchronize_session=False))
            current_app.logger.warning("Outbox mail %s not sent (attempt %s): %s", message_id, attempts + 1, exc)
        else:
            sent += 1
            db.session.execute(
                update(OutboxMail).where(OutboxMail.id == message_id)
                .values(attempts=attempts + 1, sent_at=utcnow(), last_error="")
                .execution_options(synchronize_session=False))
        db.session.commit()
    return sent, failed


def readdress_unsent(user_id: int, to: str | None) -> int:
    """The user's messages not sent yet go to their new address, or (``None``: the account was
    deactivated) are dropped. Adds to the caller's transaction. :returns: how many."""
    query = update(OutboxMail) if to is not None else delete(OutboxMail)
    query = query.where(OutboxMail.user_id == user_id, OutboxMail.sent_at.is_(None))
    if to is not None:
        query = query.values(to=to)
    return db.session.execute(query.execution_options(synchronize_session=False)).rowcount


def queued_for(*, organisation_id: int | None = None, user_id: int | None = None, limit: int = 100) -> list[OutboxMail]:
    """The newest messages of one organisation or one user (the demo outbox page)."""
    query = select(OutboxMail).order_by(OutboxMail.id.desc()).limit(limit)
    if user_id is not None:
        query = query.where(OutboxMail.user_id == user_id)
    if organisation_id is not None:
        query = query.where(OutboxMail.organisation_id == organisation_id)
    return list(db.session.scalars(query))


def init_app(app: Flask) -> None:
    """After a response that queued mail has gone to the browser, try to send it at once."""

    @app.after_request
    def deliver_after_response(response):
        if g.get("outbox_queued") and app.config.get("OUTBOX_DELIVER_AFTER_REQUEST") and app.config["MAIL_SERVER"]:
            def send_queued():
                with app.app_context():
                    try:
                        deliver()
                    except Exception:  # the worker retries; the response is already on its way
                        app.logger.exception("Outbox delivery after the request failed")
            response.call_on_close(send_queued)
        return response
