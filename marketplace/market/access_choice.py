"""Who may choose a resident's team and put the resident on a waiting list (DOMAIN.md §2, §6).

A family contact with *decide*, the resident, or the independent client supporter on the
family's behalf (the choice records that). Staff of the teams do not choose for a family: the
teams compete for it. Seeing the options and the history follows ``Perm.CLIENT_VIEW``.
"""
from __future__ import annotations

from care.access import has_right, is_own_client
from marketplace.core.policy import Perm, rule
from marketplace.core.roles import Role


@rule(Perm.TEAM_CHOOSE)
@rule(Perm.WAITING_LIST_JOIN)
def choose_for(user, client) -> bool:
    return has_right(user, client, "decide") or is_own_client(user, client) or user.has_role(Role.CLIENT_SUPPORTER)


def on_behalf(user, client) -> bool:
    """The choice is made for the family by someone who is not of it (the client supporter)."""
    return not (has_right(user, client, "decide") or is_own_client(user, client))
