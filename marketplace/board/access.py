"""The board's access rules, registered with the policy."""
from __future__ import annotations

from marketplace.core.policy import Perm, rule
from marketplace.core.roles import Role


@rule(Perm.ORG_AGGREGATES, needs_target=False)
def org_aggregates(user, _target) -> bool:
    return user.has_role(Role.BOARD, Role.ADMIN)
