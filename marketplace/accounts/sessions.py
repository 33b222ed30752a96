"""Logging in and out: credentials, sessions that a logout ends everywhere, password rules."""
from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from marketplace.core import audit
from marketplace.core.audit import Action, Outcome
from marketplace.core.db_types import utcnow
from marketplace.core.errors import DomainError, InvalidInput
from marketplace.core.extensions import db
from marketplace.core.passwords import MAX_LENGTH, MIN_LENGTH, hash_password, needs_rehash, verify_password
from marketplace.core.policy import MAX_ID

from . import second_factor
from .models import User
from .notifications import Notification


class InvalidCredentials(DomainError):
    """Wrong e-mail or password; deliberately does not say which."""

    status = 401
    code = "invalid_credentials"


class WeakPassword(InvalidInput):
    """The chosen password does not meet the rules."""

    def __init__(self):
        super().__init__("password", "weak password")


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def normalise_email(email: str) -> str:
    return email.strip().lower()


def new_session_nonce() -> str:
    return secrets.token_hex(16)


def authenticate(email: str, password: str) -> User:
    """Check the credentials and record the login.

    :raises InvalidCredentials: unknown address, wrong password or inactive account;
        a failed login is committed to the audit log all the same.
    """
    email = normalise_email(email)
    user = db.session.scalar(select(User).where(User.email == email))
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        audit.record(
            Action.FAILED_LOGIN,
            organisation_id=user.organisation_id if user else None,
            object_type="users",
            object_id=user.id if user else "",
            outcome=Outcome.FAILURE,
            detail=f"email={email[:200]}",
        )
        db.session.commit()
        raise InvalidCredentials()
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    if second_factor.needed(user):  # the login completes with the second factor
        audit.record(Action.LOGIN, actor=user, obj=user, detail="password accepted, second factor pending")
    else:
        user.last_login_at = utcnow()
        audit.record(Action.LOGIN, actor=user, obj=user)
    db.session.commit()
    return user


def logout(user: User) -> None:
    """End every session of ``user``: the session identity carries the nonce we rotate."""
    user.session_nonce = new_session_nonce()
    audit.record(Action.LOGOUT, actor=user, obj=user)
    db.session.commit()


def load_session_user(session_id: str) -> User | None:
    user_id, _, nonce = session_id.partition(".")
    if not user_id.isdigit() or not nonce:
        return None
    if not 0 < int(user_id) <= MAX_ID:
        return None
    # The user, their roles and their unread notifications (for the header's bell) in one statement.
    unread = (select(func.count(Notification.id)).where(Notification.user_id == User.id,
                                                       Notification.read_at.is_(None))
              .correlate(User).scalar_subquery())
    row = db.session.execute(select(User, unread).options(joinedload(User.role_rows))
                             .where(User.id == int(user_id))).unique().first()
    if row is None or not secrets.compare_digest(row[0].session_nonce, nonce):
        return None
    user, user._zm_unread = row[0], row[1]
    return user


def check_password_rules(password: str) -> None:
    """:raises WeakPassword: too short or too long."""
    if len(password) < MIN_LENGTH or len(password) > MAX_LENGTH:
        raise WeakPassword()


def account_exists(email: str) -> bool:
    return db.session.scalar(select(User.id).where(User.email == normalise_email(email))) is not None
