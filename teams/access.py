"""The teams' access rules, registered with the policy."""
from __future__ import annotations

from care.access import relations
from marketplace.core.policy import Perm, rule
from marketplace.core.roles import TEAM_ROLES, Role


@rule(Perm.TEAM_VIEW)
def team_view(_user, _team) -> bool:
    return True


@rule(Perm.TEAM_WORKLIST)
def team_worklist(user, team) -> bool:
    return user.has_role(Role.ADMIN) or (user.has_role(*TEAM_ROLES) and team.id in relations(user).team_ids)
