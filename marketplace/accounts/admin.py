"""The administrator's use cases for people and places: users (name, e-mail, roles, active) and
locations. Each change is logged and committed once.

Family contacts and residents get their accounts through an invitation for a resident, never
here: a staff account cannot be turned into a family contact (nor the other way round), so
staff never see a resident's file as family.
"""
from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from marketplace.core import audit, outbox
from marketplace.core.audit import Action
from marketplace.core.errors import Conflict, InvalidInput
from marketplace.core.extensions import db
from marketplace.core.passwords import MAX_LENGTH, MIN_LENGTH, hash_password
from marketplace.core.policy import Perm, authorize
from marketplace.core.roles import Role

from .models import Location, Organisation, User, UserRole
from .sessions import check_password_rules, new_session_nonce, normalise_email

# Roles an administrator gives; family and resident accounts come with an invitation.
STAFF_ROLES = (Role.CARER, Role.NURSE, Role.TEAM_LEAD, Role.FREELANCER, Role.CLIENT_SUPPORTER, Role.BOARD,
               Role.ADMIN)
INVITED_ROLES = frozenset({Role.FAMILY, Role.RESIDENT})


class LastAdministrator(Conflict):
    code = "last_administrator"


class OwnAccount(Conflict):
    """An administrator's change to their own account that would lock them out; ``field`` names
    what was refused (``active`` or ``roles``)."""

    code = "own_account"

    def __init__(self, message, field: str):
        super().__init__(message, fields={field: message})
        self.field = field


def list_users(actor, organisation: Organisation) -> list[User]:
    """Every user of the organisation by name, roles loaded with them (two queries)."""
    authorize(actor, Perm.ORG_ADMIN, organisation)
    return list(db.session.scalars(select(User).where(User.organisation_id == organisation.id)
                                   .order_by(User.name, User.id)))


def _clean_name(name: str, field: str = "name", high: int = 200) -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidInput(field, _("This field is required."))
    if len(name) > high:
        raise InvalidInput(field, _("Use at most %(n)d characters.", n=high))
    return name


def _clean_email(email: str) -> str:
    email = normalise_email(email or "")
    if not email or "@" not in email or len(email) > 254 or any(c.isspace() for c in email):
        raise InvalidInput("email", _("Enter a valid e-mail address."))
    return email


def _staff_roles(roles: Iterable[str]) -> frozenset[Role]:
    """:raises InvalidInput: no role, an unknown one, or family/resident."""
    try:
        wanted = frozenset(Role(role) for role in roles)
    except ValueError:
        raise InvalidInput("roles", _("Unknown role.")) from None
    if wanted & INVITED_ROLES:
        raise InvalidInput("roles", _("A staff account cannot be made a family contact or resident: "
                                      "they get their account through an invitation for the resident."))
    if not wanted:
        raise InvalidInput("roles", _("Choose at least one role."))
    return wanted


def _email_taken(email: str, user_id: int | None = None) -> bool:
    query = select(User.id).where(User.email == email)
    if user_id is not None:
        query = query.where(User.id != user_id)
    return db.session.scalar(query) is not None


def _active_admins(organisation_id: int) -> int:
    return db.session.scalar(select(func.count(func.distinct(User.id))).join(UserRole).where(
        User.organisation_id == organisation_id, User.active.is_(True), UserRole.role == Role.ADMIN.value))


def _lock(organisation_id: int) -> None:
    # Changes to who administers an organisation are serialised on its row (PostgreSQL).
    db.session.scalar(select(Organisation.id).where(Organisation.id == organisation_id).with_for_update())


def _commit_email(email: str) -> None:
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise InvalidInput("email", _("This e-mail address is in use already.")) from None


def create_user(actor, organisation: Organisation, *, name: str, email: str, roles: Iterable[str],
                password: str) -> User:
    """A staff account with a first password that the administrator hands over (the second
    factor is enrolled at the first login).

    :raises InvalidInput: on name, email, roles or password.
    """
    authorize(actor, Perm.ORG_ADMIN, organisation)
    name, email, wanted = _clean_name(name), _clean_email(email), _staff_roles(roles)
    try:
        check_password_rules(password or "")
    except InvalidInput:
        raise InvalidInput("password", _("Use a password of %(min)d to %(max)d characters.",
                                         min=MIN_LENGTH, max=MAX_LENGTH)) from None
    if _email_taken(email):
        raise InvalidInput("email", _("This e-mail address is in use already."))
    user = User(organisation_id=organisation.id, name=name, email=email, password_hash=hash_password(password),
                session_nonce=new_session_nonce(), active=True)
    user.role_rows = [UserRole(role=role.value) for role in sorted(wanted)]
    db.session.add(user)
    db.session.flush()
    audit.record(Action.CREATE, actor=actor, obj=user, detail=f"roles={','.join(sorted(wanted))}")
    _commit_email(email)
    return user


def update_user(actor, user: User, *, name: str, email: str, roles: Iterable[str] | None, active: bool) -> User:
    """Change a user's name, e-mail, roles and whether the account may log in.

    ``roles`` None keeps them (a family contact's or resident's roles are never changed here).
    Deactivating ends every session of the user.

    :raises InvalidInput: bad values, or roles that would make staff a family contact.
    :raises OwnAccount: an administrator deactivating themself or dropping their own admin role.
    :raises LastAdministrator: the change would leave the organisation without an active administrator.
    """
    authorize(actor, Perm.ORG_ADMIN, user)
    name, email = _clean_name(name), _clean_email(email)
    invited = user.roles & INVITED_ROLES
    if invited:
        if roles is not None and frozenset(roles) - invited:
            raise InvalidInput("roles", _("A family contact's or resident's account gets no staff roles: "
                                          "make a separate staff account."))
        wanted = user.roles
    else:
        wanted = user.roles if roles is None else _staff_roles(roles)
    if user.id == actor.id and not active:
        raise OwnAccount(_("You cannot deactivate your own account."), "active")
    if user.id == actor.id and Role.ADMIN not in wanted:
        raise OwnAccount(_("You cannot take away your own administrator role."), "roles")
    if _email_taken(email, user.id):
        raise InvalidInput("email", _("This e-mail address is in use already."))
    _lock(user.organisation_id)
    was_admin = Role.ADMIN in user.roles and user.active
    changes = []
    if name != user.name:
        changes.append("name")
        user.name = name
    if email != user.email:
        changes.append("email")
        user.email = email
        outbox.readdress_unsent(user.id, email)  # not to the old address any more
    if wanted != user.roles:
        changes.append(f"roles={','.join(sorted(wanted))}")
        keep = [row for row in user.role_rows if Role(row.role) in wanted]
        user.role_rows = keep + [UserRole(role=role.value) for role in sorted(wanted - user.roles)]
    if active != user.active:
        changes.append(f"active={active}")
        user.active = active
        if not active:
            user.session_nonce = new_session_nonce()  # ends every session now
            outbox.readdress_unsent(user.id, None)  # and no mail goes out to it any more
    db.session.flush()
    if was_admin and not (Role.ADMIN in wanted and active) and _active_admins(user.organisation_id) == 0:
        db.session.rollback()
        raise LastAdministrator(_("This is the last active administrator: make someone else administrator first."))
    if changes:
        audit.record(Action.UPDATE, actor=actor, obj=user, detail="; ".join(changes))
    _commit_email(email)
    return user


# -- locations -----------------------------------------------------------------------------

def list_locations(actor, organisation: Organisation) -> list[Location]:
    authorize(actor, Perm.ORG_ADMIN, organisation)
    return list(db.session.scalars(select(Location).where(Location.organisation_id == organisation.id)
                                   .order_by(Location.name)))


def _name_taken(organisation_id: int, name: str, location_id: int | None = None) -> bool:
    query = select(Location.id).where(Location.organisation_id == organisation_id,
                                      func.lower(Location.name) == name.lower())
    if location_id is not None:
        query = query.where(Location.id != location_id)
    return db.session.scalar(query) is not None


def _commit_location_name() -> None:
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise InvalidInput("name", _("There is a location with this name already.")) from None


def create_location(actor, organisation: Organisation, *, name: str, city: str) -> Location:
    """:raises InvalidInput: on name (empty, too long, taken) or city."""
    authorize(actor, Perm.ORG_ADMIN, organisation)
    name, city = _clean_name(name), (city or "").strip()
    if len(city) > 100:
        raise InvalidInput("city", _("Use at most %(n)d characters.", n=100))
    if _name_taken(organisation.id, name):
        raise InvalidInput("name", _("There is a location with this name already."))
    location = Location(organisation_id=organisation.id, name=name, city=city, active=True)
    db.session.add(location)
    db.session.flush()
    audit.record(Action.CREATE, actor=actor, obj=location, detail=f"{name} ({city})")
    _commit_location_name()
    return location


def update_location(actor, location: Location, *, name: str, city: str, active: bool,
                    in_use: int = 0) -> Location:
    """``in_use``: how many residents live there (told by the caller, which may count them).

    :raises InvalidInput: bad name or city.
    :raises Conflict: deactivating a location where residents live.
    """
    authorize(actor, Perm.ORG_ADMIN, location)
    name, city = _clean_name(name), (city or "").strip()
    if len(city) > 100:
        raise InvalidInput("city", _("Use at most %(n)d characters.", n=100))
    if _name_taken(location.organisation_id, name, location.id):
        raise InvalidInput("name", _("There is a location with this name already."))
    if location.active and not active and in_use:
        raise Conflict(_("%(n)d residents live at this location: move them before deactivating it.", n=in_use),
                       code="location_in_use")
    changes = [label for label, changed in (("name", name != location.name), ("city", city != location.city),
                                            (f"active={active}", active != location.active)) if changed]
    location.name, location.city, location.active = name, city, active
    if changes:
        audit.record(Action.UPDATE, actor=actor, obj=location, detail="; ".join(changes))
    _commit_location_name()
    return location
