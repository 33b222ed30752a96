"""Invitations: a one-time link, valid for INVITATION_DAYS, that gives a contact access.

The mechanism is the accounts': the link, its hash, its expiry, creating the account or
adding to the account of whoever is logged in with the invited address. Staff of the
organisation never become a family contact of its clients (a contact with *decide* reads health
data): refused when inviting and again when accepting. What an accepted invitation grants (a family contact of a client, with rights) is
the care domain's: it registers a grant with :func:`register_grant` at start-up.
"""
from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask, current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from marketplace.core import audit, mail
from marketplace.core.audit import Action, Outcome
from marketplace.core.db_types import utcnow
from marketplace.core.errors import Conflict, DomainError, InvalidInput
from marketplace.core.extensions import db
from marketplace.core.passwords import hash_password
from marketplace.core.policy import Perm, authorize
from marketplace.core.roles import Role

from .sessions import digest, check_password_rules, new_session_nonce, normalise_email
from .models import Invitation, User, UserRole


class InvitationInvalid(DomainError):
    """The invitation link is unknown, used or expired."""

    status = 410
    code = "invitation_invalid"


class EmailUnavailable(Conflict):
    """The address belongs to an account of another organisation."""

    def __init__(self):
        super().__init__(_l("This account cannot take this invitation."))


class StaffAddress(InvalidInput):
    """The invited address belongs to a staff account of the client's organisation."""

    def __init__(self):
        super().__init__("email", _l("This address belongs to a staff account of your organisation. "
                                    "Staff cannot be invited as a family contact."))


class StaffCannotBeContact(Conflict):
    """A staff account of the organisation tries to accept an invitation (made before it was staff)."""

    def __init__(self):
        super().__init__(_l("A staff account of this organisation cannot become a family contact."))


class LoginRequired(DomainError):
    """The invitation is for an existing account: its owner accepts it logged in."""

    status = 401
    code = "unauthorized"


class WrongAccount(DomainError):
    """Someone is logged in with another account than the invited one."""

    status = 403
    code = "wrong_account"

    def __init__(self, email: str):
        super().__init__(_l("This invitation is for %(email)s. Log out and log in with that address to accept it.",
                           email=email))


NON_STAFF_ROLES = frozenset({Role.FAMILY, Role.RESIDENT})


def is_staff(user: User) -> bool:
    return not user.roles <= NON_STAFF_ROLES


def _refuse(error: DomainError, invitation: Invitation, actor: User | None, detail: str) -> DomainError:
    """Log a refused invitation or acceptance in its own commit; the caller raises ``error``."""
    db.session.rollback()
    audit.record(Action.DENIED, actor=actor, organisation_id=invitation.organisation_id,
                 client_id=invitation.client_id, object_type="invitations", object_id=invitation.id or "",
                 outcome=Outcome.DENIED, detail=detail)
    db.session.commit()
    return error


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
    :raises StaffAddress: the address is a staff account of the organisation (the refusal is logged).
    """
    authorize(actor, Perm.CLIENT_INVITE_CONTACT, client)
    existing = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if existing is not None and existing.organisation_id == client.organisation_id and is_staff(existing):
        db.session.rollback()
        audit.record(Action.DENIED, actor=actor, client_id=client.id, object_type="invitations",
                     outcome=Outcome.DENIED, detail=f"invitation refused: staff account {existing.email}"[:500])
        db.session.commit()
        raise StaffAddress()
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


def check_claim(invitation: Invitation, actor: User | None) -> User | None:
    """May ``actor`` (None: nobody is logged in) take ``invitation``? An invitation for a new
    address may be taken by whoever holds the link; one for an existing account only by that
    account, logged in.

    :returns: the existing account, or None for a new address.
    :raises LoginRequired: an existing account, and nobody is logged in.
    :raises WrongAccount / EmailUnavailable / StaffCannotBeContact: refused, and logged.
    """
    user = db.session.scalar(select(User).where(User.email == invitation.email))
    if user is None:
        return None
    if actor is None:
        raise LoginRequired()
    if actor.id != user.id:
        raise _refuse(WrongAccount(invitation.email), invitation, actor,
                      f"invitation for {invitation.email} refused: logged in as another account")
    if user.organisation_id != invitation.organisation_id:
        raise _refuse(EmailUnavailable(), invitation, actor, "invitation refused: account of another organisation")
    if is_staff(user):
        raise _refuse(StaffCannotBeContact(), invitation, actor, "invitation refused: staff account")
    return user


def accept_invitation(token: str, password: str | None = None, *, actor: User | None = None) -> User:
    """Create (or extend) the contact's account and link it to the client, once.

    For a new address ``password`` becomes the new account's password. An existing account
    takes the invitation only when it is ``actor`` (logged in); no password is asked then.

    :raises InvitationInvalid: unknown, used or expired link.
    :raises WeakPassword: a new password that does not meet the rules.
    :raises LoginRequired / WrongAccount / EmailUnavailable / StaffCannotBeContact: see :func:`check_claim`.
    """
    invitation = find_open_invitation(token)
    user = check_claim(invitation, actor)
    if user is None:
        check_password_rules(password or "")
        user = User(
            organisation_id=invitation.organisation_id,
            email=invitation.email,
            name=invitation.name,
            password_hash=hash_password(password),
            session_nonce=new_session_nonce(),
        )
        db.session.add(user)
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
