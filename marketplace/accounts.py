"""Use cases for accounts: log in and out, invitations for family contacts, API tokens.

Services take the acting user explicitly, raise named exceptions and commit once.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from . import audit
from .audit import Action, Outcome
from .db_types import utcnow
from .extensions import db
from .models import ApiToken, Invitation, User, UserRole
from .passwords import MAX_LENGTH, MIN_LENGTH, hash_password, needs_rehash, verify_password
from .policy import Perm, authorize, load
from .roles import Role

TOKEN_PREFIX = "zm_"


class InvalidCredentials(Exception):
    """Wrong e-mail or password; deliberately does not say which."""


class InvitationInvalid(Exception):
    """The invitation link is unknown, used or expired."""


class EmailUnavailable(Exception):
    """The address belongs to an account that cannot take this invitation."""


class WeakPassword(Exception):
    """The chosen password does not meet the rules."""


class TokenInvalid(Exception):
    """An API token is unknown or revoked."""


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def normalise_email(email: str) -> str:
    return email.strip().lower()


def new_session_nonce() -> str:
    return secrets.token_hex(16)


# -- logging in and out --------------------------------------------------------------------

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
    user = load(User, int(user_id))
    if user is None or not secrets.compare_digest(user.session_nonce, nonce):
        return None
    return user


def check_password_rules(password: str) -> None:
    """:raises WeakPassword: too short or too long."""
    if len(password) < MIN_LENGTH or len(password) > MAX_LENGTH:
        raise WeakPassword()


def account_exists(email: str) -> bool:
    return db.session.scalar(select(User.id).where(User.email == normalise_email(email))) is not None


# -- invitations ---------------------------------------------------------------------------

@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    token: str  # shown once: in the link

    def link(self) -> str:
        return f"{current_app.config['PUBLIC_URL'].rstrip('/')}/invite/{self.token}"


def invite_contact(actor: User, client, *, email: str, name: str, relation: str,
                   can_view: bool, can_decide: bool, can_pay: bool) -> IssuedInvitation:
    """Invite a family contact for ``client``; the link is valid for INVITATION_DAYS.

    :raises AccessDenied / NotInScope: the actor may not invite for this resident.
    """
    authorize(actor, Perm.CLIENT_INVITE_CONTACT, client)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    invitation = Invitation(
        organisation_id=client.organisation_id,
        client_id=client.id,
        email=normalise_email(email),
        name=name.strip(),
        relation=relation.strip(),
        can_view=can_view or can_decide or can_pay,
        can_decide=can_decide,
        can_pay=can_pay,
        token_hash=_digest(token),
        invited_by_id=actor.id,
        created_at=now,
        expires_at=now + timedelta(days=current_app.config["INVITATION_DAYS"]),
    )
    db.session.add(invitation)
    db.session.flush()
    audit.record(Action.CREATE, actor=actor, client_id=client.id, obj=invitation,
                 detail=f"invited {invitation.email}")
    db.session.commit()
    return IssuedInvitation(invitation, token)


def deliver_invitation(issued: IssuedInvitation, client_name: str) -> bool:
    """E-mail the link (after the commit). :returns: False when no SMTP server is configured."""
    from flask_babel import gettext as _

    from . import mail

    return mail.send(
        issued.invitation.email, _("Invitation to Zorgmarkt"),
        _("You have been invited to follow the care of %(name)s. Choose your password here "
          "(valid for 7 days, once): %(link)s", name=client_name, link=issued.link()),
    )


def find_open_invitation(token: str) -> Invitation:
    """:raises InvitationInvalid: unknown, used or expired."""
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == _digest(token)))
    if invitation is None or invitation.used_at is not None or invitation.expires_at <= utcnow():
        raise InvitationInvalid()
    return invitation


def accept_invitation(token: str, password: str) -> User:
    """Create (or extend) the contact's account and link it to the resident, once.

    A new account takes ``password`` as its password; an existing account of the same
    organisation must prove it with its current password.

    :raises InvitationInvalid: unknown, used or expired link.
    :raises WeakPassword: a new password that does not meet the rules.
    :raises EmailUnavailable: the address belongs to another organisation, or the password
        of the existing account is wrong.
    """
    from care.models import FamilyContact

    invitation = find_open_invitation(token)
    user = db.session.scalar(select(User).where(User.email == invitation.email))
    if user is None:
        check_password_rules(password)
        user = User(
            organisation_id=invitation.organisation_id,
            email=invitation.email,
            name=invitation.name,
            password_hash=hash_password(password),
            session_nonce=new_session_nonce(),
        )
        db.session.add(user)
    elif user.organisation_id != invitation.organisation_id or not verify_password(user.password_hash, password):
        raise EmailUnavailable()
    if Role.FAMILY not in user.roles:
        user.role_rows.append(UserRole(role=Role.FAMILY.value))
    # Claim the link with a conditional update, so two simultaneous acceptances cannot
    # both succeed.
    claimed = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.used_at.is_(None))
        .values(used_at=utcnow())
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        raise InvitationInvalid()
    db.session.flush()
    contact = db.session.scalar(
        select(FamilyContact).where(FamilyContact.client_id == invitation.client_id, FamilyContact.user_id == user.id)
    )
    if contact is None:
        contact = FamilyContact(client_id=invitation.client_id, user_id=user.id)
        db.session.add(contact)
    contact.relation = invitation.relation
    contact.can_view = True
    contact.can_decide = contact.can_decide or invitation.can_decide
    contact.can_pay = contact.can_pay or invitation.can_pay
    audit.record(Action.CREATE, actor=user, client_id=invitation.client_id, obj=invitation,
                 object_type="family_contacts", detail="invitation accepted")
    try:
        db.session.commit()
    except IntegrityError as exc:  # the same link accepted twice at the same moment
        db.session.rollback()
        raise InvitationInvalid() from exc
    return user


# -- personal access tokens ----------------------------------------------------------------

@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once


def create_token(actor: User, name: str) -> IssuedToken:
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=actor.id, name=name.strip()[:100] or "token",
                     token_hash=_digest(secret), prefix=secret[:10])
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
    """:raises TokenInvalid: unknown or revoked token, or an inactive user."""
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(secret)))
    if token is None or token.revoked_at is not None or not token.user.active:
        raise TokenInvalid()
    return token.user
