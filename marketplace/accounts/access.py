"""Access rules of the accounts floor, registered with the policy."""
from __future__ import annotations

from marketplace.core.policy import Perm, rule
from marketplace.core.roles import Role


@rule(Perm.AUDIT_VIEW, needs_target=False)
def audit_view(user, _target) -> bool:
    return user.has_role(Role.ADMIN)


@rule(Perm.ORG_ADMIN)
def org_admin(user, _target) -> bool:
    """Any object of the own organisation (scope is checked before): the administrator."""
    return user.has_role(Role.ADMIN)
