"""Access rules of the accounts floor, registered with the policy."""
from __future__ import annotations

from marketplace.core.policy import Perm, rule
from marketplace.core.roles import Role

STAFF_ROLES = frozenset(Role) - {Role.FAMILY, Role.RESIDENT}


def asked_for_api_access(user) -> bool:
    """A family contact's own choice on the settings page (``user.api_access``)."""
    return bool(getattr(user, "api_access", False))


def chooses_api_access(user) -> bool:
    """Only a family contact without a staff role chooses API tokens; staff always may, residents never."""
    return user.has_role(Role.FAMILY) and not user.has_role(*STAFF_ROLES)


@rule(Perm.API_TOKEN_CREATE, needs_target=False)
def api_token_create(user, _target) -> bool:
    """Tokens are for staff, and for family contacts who asked for them; never for a resident."""
    if user.has_role(*STAFF_ROLES):
        return True
    return user.has_role(Role.FAMILY) and asked_for_api_access(user)


@rule(Perm.AUDIT_VIEW, needs_target=False)
def audit_view(user, _target) -> bool:
    return user.has_role(Role.ADMIN)


@rule(Perm.ORG_ADMIN)
def org_admin(user, _target) -> bool:
    """Any object of the own organisation (scope is checked before): the administrator."""
    return user.has_role(Role.ADMIN)
