"""The roles of DOMAIN.md §2 and the family contact's rights."""
from enum import StrEnum


class Role(StrEnum):
    FAMILY = "family"
    RESIDENT = "resident"
    CARER = "carer"
    NURSE = "nurse"
    FREELANCER = "freelancer"
    TEAM_LEAD = "team_lead"
    CLIENT_SUPPORTER = "client_supporter"
    BOARD = "board"
    ADMIN = "admin"


# Roles that work in a team and see that team's clients.
TEAM_ROLES = frozenset({Role.CARER, Role.NURSE, Role.TEAM_LEAD})
# Roles that may invite a family contact for a client they care for.
INVITING_ROLES = frozenset({Role.ADMIN, Role.TEAM_LEAD, Role.CARER, Role.NURSE})


class Right(StrEnum):
    VIEW = "view"
    DECIDE = "decide"
    PAY = "pay"
