"""Who may keep a freelancer's profile, see it, approve or suspend it, and list a team's freelancers
(issue 13).

A freelancer keeps only their own profile and Stripe onboarding; the administrator approves and
suspends; the lead of the home team sees the freelancers at home there. Nobody else sees a
freelancer's profile, and a freelancer never sees another's.
"""
from __future__ import annotations

from care.access import relations
from marketplace.core.policy import Perm, rule
from marketplace.core.roles import Role


def _own(user, freelancer) -> bool:
    return getattr(freelancer, "user_id", None) == user.id


@rule(Perm.FREELANCER_PROFILE, needs_target=False)
def freelancer_profile(user, freelancer) -> bool:
    """A user with the freelancer role makes and keeps their own profile (no target: making it)."""
    return user.has_role(Role.FREELANCER) and (freelancer is None or _own(user, freelancer))


@rule(Perm.FREELANCER_VIEW)
def freelancer_view(user, freelancer) -> bool:
    """The freelancer, the administrator, and the lead of the freelancer's home team."""
    return (_own(user, freelancer) and user.has_role(Role.FREELANCER)) or user.has_role(Role.ADMIN) or (
        user.has_role(Role.TEAM_LEAD) and freelancer.home_team_id in relations(user).team_ids)


@rule(Perm.FREELANCER_APPROVE)
def freelancer_approve(user, _freelancer) -> bool:
    """Approving, suspending (with a reason) and the list of pending approvals: the administrator."""
    return user.has_role(Role.ADMIN)


@rule(Perm.TEAM_FREELANCERS)
def team_freelancers(user, team) -> bool:
    """The freelancers at home in a team: the team's lead, and the administrator."""
    return user.has_role(Role.ADMIN) or (user.has_role(Role.TEAM_LEAD) and team.id in relations(user).team_ids)
