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


# Roles that work in a team and see that team's residents.
TEAM_ROLES = frozenset({Role.CARER, Role.NURSE, Role.TEAM_LEAD})
# Roles that may invite a family contact for a resident they care for.
INVITING_ROLES = frozenset({Role.ADMIN, Role.TEAM_LEAD, Role.CARER, Role.NURSE})


class Right(StrEnum):
    VIEW = "view"
    DECIDE = "decide"
    PAY = "pay"


class TargetGroup(StrEnum):
    SOMATIC = "somatic"
    PG = "pg"
    STRUCTURED_LIVING = "structured_living"


class StaffLevel(StrEnum):
    N1 = "N1"
    N2 = "N2"
    N3 = "N3"
    N4 = "N4"
    N5 = "N5"
    W = "W"
    HH = "HH"


def sql_in(enum) -> str:
    """SQL list literal of an enum's values, for a CheckConstraint."""
    return ", ".join(f"'{member.value}'" for member in enum)
