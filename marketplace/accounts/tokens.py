"""Personal access tokens for the API. The secret is shown once; we keep its SHA-256."""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select

from marketplace.core import audit
from marketplace.core.audit import Action
from marketplace.core.db_types import utcnow
from marketplace.core.errors import NotInScope
from marketplace.core.extensions import db
from marketplace.core.policy import Perm, can, load

from .sessions import digest
from .models import ApiToken, User

TOKEN_PREFIX = "zm_"


class TokenInvalid(NotInScope):
    """An API token is unknown or revoked."""


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once


def create_token(actor: User, name: str) -> IssuedToken:
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=actor.id, name=name.strip()[:100] or "token",
                     token_hash=digest(secret), prefix=secret[:10])
    db.session.add(token)
    db.session.flush()
    audit.record(Action.CREATE, actor=actor, obj=token)
    db.session.commit()
    return IssuedToken(token, secret)


def list_tokens(actor: User) -> list[ApiToken]:
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == actor.id).order_by(ApiToken.created_at.desc())
    ))


def revoke_token(actor: User, token_id: int) -> ApiToken:
    """:raises TokenInvalid: no such token of this user (another user's token is not found)."""
    token = load(ApiToken, token_id)
    if token is None or token.user_id != actor.id:
        raise TokenInvalid()
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(Action.DELETE, actor=actor, obj=token)
        db.session.commit()
    return token


def user_for_token(secret: str) -> User:
    """:raises TokenInvalid: unknown or revoked token, an inactive user, or a user who may no
    longer use tokens (a family contact who withdrew the request in their settings)."""
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(secret)))
    if token is None or token.revoked_at is not None or not token.user.active \
            or not can(token.user, Perm.API_TOKEN_CREATE):
        raise TokenInvalid()
    return token.user
