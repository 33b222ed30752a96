"""Notifications: a message to a user about something they should know or act on.

A notification stores its *kind* and its parameters, not its text: the text is the kind's
message rendered in the reader's language when it is shown, so a Dutch family member and an
English carer read the same event in their own words. Each domain registers its kinds with
:func:`register_kind` when it is imported.

:func:`notify` flushes nothing and commits nothing: it adds rows to the caller's transaction, so
a notification exists exactly when the change it tells of does. For recipients who want e-mail,
it queues one message per notification in the outbox (``core.outbox``), rendered in the
recipient's language; parameters never hold health detail, because they go into e-mail.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import force_locale, gettext as _, lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, func, select, update
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.core import outbox
from marketplace.core.db_types import UTCDateTime, utcnow
from marketplace.core.errors import NotInScope
from marketplace.core.extensions import db
from marketplace.core.policy import load

PAGE_SIZE = 30


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    link: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def text(self) -> str:
        """The message in the current language."""
        return render(self.kind, self.params)

    @property
    def unread(self) -> bool:
        return self.read_at is None


@dataclass(frozen=True)
class Kind:
    name: str
    text: object  # a lazy string with %(name)s placeholders
    mail: bool = True


_KINDS: dict[str, Kind] = {}


def register_kind(name: str, text, *, mail: bool = True) -> Kind:
    """Register a kind of notification and its message (``_l("... %(client)s ...")``)."""
    kind = _KINDS[name] = Kind(name, text, mail)
    return kind


def kinds() -> dict[str, Kind]:
    return dict(_KINDS)


def render(kind: str, params: dict) -> str:
    """The kind's message with its parameters, in the current language."""
    registered = _KINDS.get(kind)
    if registered is None:
        return _("A message of a kind this version does not know.")
    try:
        return str(registered.text) % (params or {})
    except (KeyError, TypeError, ValueError):
        return str(registered.text)


def notify(recipients: Iterable, kind: str, *, link: str | None = None, params: dict | None = None) -> list[Notification]:
    """Tell each recipient once (an inactive user is skipped); queue an e-mail for those who want one.

    Adds to the caller's transaction; the caller commits.

    :raises KeyError: ``kind`` was never registered (a programming error).
    """
    registered = _KINDS[kind]
    params = {key: value if isinstance(value, int) else str(value) for key, value in (params or {}).items()}
    created, seen = [], set()
    for user in recipients:
        if user is None or user.id in seen or not user.active:
            continue
        seen.add(user.id)
        notification = Notification(organisation_id=user.organisation_id, user_id=user.id, kind=kind,
                                    params=params, link=link or "", created_at=utcnow())
        db.session.add(notification)
        created.append(notification)
        if registered.mail and user.email_notifications:
            subject, body = _mail_for(user, kind, params, link)
            outbox.queue(user.email, subject, body, organisation_id=user.organisation_id, user_id=user.id)
    return created


def _mail_for(user, kind: str, params: dict, link: str | None) -> tuple[str, str]:
    languages = current_app.config["LANGUAGES"]
    language = user.locale if user.locale in languages else current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(language):
        text = render(kind, params)
        subject = _("Zorgmarkt: %(text)s", text=text)
        lines = [_("Hello %(name)s,", name=user.name), "", text, ""]
        if link:
            lines += [_("Open it in Zorgmarkt:"), current_app.config["PUBLIC_URL"].rstrip("/") + link, ""]
        lines += [_("You receive this e-mail because e-mail notifications are on in your settings."),
                  current_app.config["PUBLIC_URL"].rstrip("/") + "/settings"]
    return subject, "\n".join(lines)


def unread_count(user) -> int:
    """The user's unread notifications; counted with the user's own load when the session
    loaded them (accounts.sessions), else one query."""
    counted = getattr(user, "_zm_unread", None)
    if counted is not None:
        return counted
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def page_of(user, page: int = 1, unread_only: bool = False) -> tuple[list[Notification], bool]:
    """One page of the user's notifications, newest first; and whether there is a next page."""
    query = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    rows = list(db.session.scalars(query.order_by(Notification.id.desc())
                                   .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)))
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def own(user, notification_id) -> Notification:
    """:raises NotInScope: no such notification of this user (another's is "not found" too)."""
    notification = load(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        raise NotInScope()
    return notification


def mark_read(user, notification_id) -> Notification:
    """Mark one of the user's notifications read (again: nothing changes). Commits."""
    notification = own(user, notification_id)
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.commit()
        user._zm_unread = None  # the bell counts again
    return notification


def mark_all_read(user) -> int:
    """:returns: how many were unread. Commits."""
    changed = db.session.execute(
        update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    user._zm_unread = None  # the bell counts again
    return changed


def update_settings(user, *, email_notifications: bool, api_access: bool | None = None) -> None:
    """Change the user's own settings. Commits."""
    user.email_notifications = email_notifications
    if api_access is not None:
        user.api_access = api_access
    db.session.commit()


# The kinds of the accounts floor.
register_kind("welcome", _l("Welcome to Zorgmarkt. Your notifications appear here."), mail=False)
