"""Who may see and edit teams' offers, and give, answer and hide ratings."""
from __future__ import annotations

from care.access import relations
from marketplace.core.policy import Perm, rule
from marketplace.core.roles import TEAM_ROLES, Role

STAFF = frozenset({*TEAM_ROLES, Role.FREELANCER, Role.CLIENT_SUPPORTER, Role.BOARD, Role.ADMIN})


@rule(Perm.TEAM_OFFER_VIEW)
def offer_view(user, _team) -> bool:
    """Everyone of the organisation with a relation to residents, the client supporter and the board."""
    rel = relations(user)
    return (
        user.has_role(Role.ADMIN, Role.BOARD, Role.CLIENT_SUPPORTER, *TEAM_ROLES)
        or (user.has_role(Role.FAMILY) and bool(rel.contact_rights))
        or (user.has_role(Role.RESIDENT) and rel.own_client_id is not None)
    )


@rule(Perm.TEAM_OFFER_EDIT)
@rule(Perm.RATING_REPLY)
def team_lead_of(user, team) -> bool:
    return user.has_role(Role.TEAM_LEAD) and team.id in relations(user).team_ids


@rule(Perm.RATING_GIVE)
def rating_give(user, client) -> bool:
    """A family contact of the resident (any right); staff never rate, even as someone's family."""
    return (user.has_role(Role.FAMILY) and not user.has_role(*STAFF)
            and client.id in relations(user).contact_rights)


@rule(Perm.RATING_HIDE)
def rating_hide(user, _rating) -> bool:
    return user.has_role(Role.ADMIN)
