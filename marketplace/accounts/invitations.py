"""Invitations: a one-time link, valid for INVITATION_DAYS, that gives a contact access.

The mechanism is the accounts': the link, its hash, its expiry, creating or proving the
account. What an accepted invitation grants (a family contact of a client, with rights) is
the care domain's: it registers a grant with :func:`register_grant` at start-up.
"""
from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask, current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from marketplace.core import audit, mail
from marketplace.core.audit import Action
from marketplace.core.db_types import utcnow
from marketplace.core.errors import Conflict, DomainError
from marketplace.core.extensions import db
from marketplace.core.passwords import hash_password, verify_password
from marketplace.core.policy import Perm, authorize
from marketplace.core.roles import Role

from .sessions import digest, check_password_rules, new_session_nonce, normalise_email
from .models import Invitation, User, UserRole


class InvitationInvalid(DomainError):
    """The invitation link is unknown, used or expired."""

    status = 410
    code = "invitation_invalid"


class EmailUnavailable(Conflict):
    """The address belongs to an account that cannot take this invitation."""


Grant = Callable[[Invitation, User], None]


def register_grant(app: Flask, grant: Grant) -> None:
    """What an accepted invitation gives its user (one function, set at start-up; flushes only)."""
    app.extensions["invitation_grant"] = grant


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    token: str  # shown once: in the link

    def link(self) -> str:
        return f"{current_app.config['PUBLIC_URL'].rstrip('/')}/invite/{self.token}"


def invite_contact(actor: User, client, *, email: str, name: str, relation: str,
                   can_view: bool, can_decide: bool, can_pay: bool) -> IssuedInvitation:
    """Invite a family contact for ``client``; the link is valid for INVITATION_DAYS.

    :raises AccessDenied / NotInScope: the actor may not invite for this client.
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
        token_hash=digest(token),
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
    return mail.send(
        issued.invitation.email, _("Invitation to Zorgmarkt"),
        _("You have been invited to follow the care of %(name)s. Choose your password here "
          "(valid for 7 days, once): %(link)s", name=client_name, link=issued.link()),
    )


def find_open_invitation(token: str) -> Invitation:
    """:raises InvitationInvalid: unknown, used or expired."""
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == digest(token)))
    if invitation is None or invitation.used_at is not None or invitation.expires_at <= utcnow():
        raise InvitationInvalid()
    return invitation


def accept_invitation(token: str, password: str) -> User:
    """Create (or extend) the contact's account and link it to the client, once.

    A new account takes ``password`` as its password; an existing account of the same
    organisation must prove it with its current password.

    :raises InvitationInvalid: unknown, used or expired link.
    :raises WeakPassword: a new password that does not meet the rules.
    :raises EmailUnavailable: the address belongs to another organisation, or the password
        of the existing account is wrong.
    """
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
    current_app.extensions["invitation_grant"](invitation, user)
    audit.record(Action.CREATE, actor=user, client_id=invitation.client_id, obj=invitation,
                 object_type="family_contacts", detail="invitation accepted")
    try:
        db.session.commit()
    except IntegrityError as exc:  # the same link accepted twice at the same moment
        db.session.rollback()
        raise InvitationInvalid() from exc
    return user
