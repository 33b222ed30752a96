"""The access rules as a table: role × relation × permission, straight through ``can()``.

No HTTP and no database: users carry their relations (as ``care.access.relations`` caches
them per request), clients and teams are plain objects with ``organisation_id``. The HTTP
access matrix (tests/functional/test_access_matrix.py) checks the same rules through every
route; this table says them in one place and runs in milliseconds.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest

import billing.access  # noqa: F401  (registers the rules)
import care.access  # noqa: F401
import marketplace.accounts.access  # noqa: F401
import marketplace.board.access  # noqa: F401
import marketplace.market.access  # noqa: F401
import teams.access  # noqa: F401
from care.access import Relations
from marketplace.core.policy import Perm, can, missing_rules
from marketplace.core.roles import Role

ORG, OTHER_ORG = 1, 2
T1, T2 = 11, 12
OWN = SimpleNamespace(id=101, organisation_id=ORG, team_id=T1)      # in T1; the users below relate to it
OTHER = SimpleNamespace(id=102, organisation_id=ORG, team_id=T2)    # same organisation, no relation
FOREIGN = SimpleNamespace(id=201, organisation_id=OTHER_ORG, team_id=31)
TEAMS = {"own": SimpleNamespace(id=T1, organisation_id=ORG), "other": SimpleNamespace(id=T2, organisation_id=ORG),
         "foreign": SimpleNamespace(id=31, organisation_id=OTHER_ORG)}
CLIENTS = {"own": OWN, "other": OTHER, "foreign": FOREIGN}
# Freelancers' profiles: the freelancer user's own (at home in T1), another's (at home in T2), B's.
FREELANCERS = {"own": SimpleNamespace(id=601, organisation_id=ORG, user_id=7001, home_team_id=T1),
               "other": SimpleNamespace(id=602, organisation_id=ORG, user_id=7002, home_team_id=T2),
               "foreign": SimpleNamespace(id=603, organisation_id=OTHER_ORG, user_id=7003, home_team_id=31)}
# Sellers of extras: the teams' providers (a freelancer's own provider is tested with the freelancers).
PROVIDERS = {where: SimpleNamespace(id=500 + team.id, organisation_id=team.organisation_id, team_id=team.id,
                                    freelancer_id=None, freelancer=None) for where, team in TEAMS.items()}
# A booking of the own resident with the own team's provider, and so on.
BOOKINGS = {where: SimpleNamespace(id=900 + n, organisation_id=CLIENTS[where].organisation_id,
                                   client=CLIENTS[where], provider=PROVIDERS[where])
            for n, where in enumerate(("own", "other", "foreign"))}


@dataclass
class User:
    """What ``can()`` reads of a user; ``_zm_relations`` is the per-request cache of care.access."""

    role_set: frozenset[Role]
    _zm_relations: Relations = field(default_factory=Relations)
    organisation_id: int = ORG
    is_authenticated: bool = True
    id: int = 0

    def has_role(self, *roles: Role) -> bool:
        return not self.role_set.isdisjoint(roles)


def _team(role: Role) -> User:
    return User(frozenset({role}), Relations(team_ids=frozenset({T1})))


USERS = {
    "family": User(frozenset({Role.FAMILY}), Relations(contact_rights={OWN.id: frozenset({"view", "decide", "pay"})})),
    "view_only_family": User(frozenset({Role.FAMILY}), Relations(contact_rights={OWN.id: frozenset({"view"})})),
    "resident": User(frozenset({Role.RESIDENT}), Relations(own_client_id=OWN.id)),
    "carer": _team(Role.CARER),
    "nurse": _team(Role.NURSE),
    "team_lead": _team(Role.TEAM_LEAD),
    # A freelancer's membership of T1 gives no access to its clients: the role is not a team role.
    "freelancer": User(frozenset({Role.FREELANCER}), Relations(team_ids=frozenset({T1})), id=7001),
    "client_supporter": User(frozenset({Role.CLIENT_SUPPORTER})),
    "board": User(frozenset({Role.BOARD})),
    "admin": User(frozenset({Role.ADMIN})),
}
TEAM = {"carer", "nurse", "team_lead"}
EVERYONE = set(USERS)

# Per permission, who may on the own client (or team) and on the other one; nobody may on a
# foreign one. ``None`` as target: a permission asked about the organisation as a whole.
CLIENT_RULES = {
    Perm.CLIENT_VIEW: ({"admin", "client_supporter", *TEAM, "family", "view_only_family", "resident"},
                       {"admin", "client_supporter"}),
    Perm.PACKAGE_VIEW: ({"admin", "client_supporter", *TEAM, "family", "view_only_family", "resident"},
                        {"admin", "client_supporter"}),
    Perm.CLIENT_INVITE_CONTACT: ({"admin", *TEAM}, {"admin"}),
    Perm.PACKAGE_PROPOSE: ({*TEAM, "client_supporter", "family", "resident"}, {"client_supporter"}),
    Perm.PACKAGE_COMPOSE: (TEAM, set()),
    Perm.REVIEW_RECORD: (TEAM, set()),
    Perm.PACKAGE_SIGN: ({"nurse"}, set()),
    Perm.PACKAGE_USE_SAVINGS: ({"family", "resident"}, set()),
    Perm.HEALTH_VIEW: ({"carer", "nurse", "resident", "family"}, set()),
    Perm.HEALTH_EDIT: ({"nurse"}, set()),
    Perm.HEALTH_ACCESS_LOG: ({"resident", "family"}, set()),
    Perm.PAYMENT_MAKE: ({"family", "resident"}, set()),
    Perm.PAYMENT_VIEW: ({"admin", "family", "resident"}, {"admin"}),
    Perm.STATEMENT_VIEW: ({"admin", "client_supporter", *TEAM, "family", "view_only_family", "resident"},
                          {"admin", "client_supporter"}),
    Perm.PAYMENT_REFUND: ({"admin"}, {"admin"}),
    Perm.CATALOGUE_EDIT: ({"admin"}, {"admin"}),
    Perm.RISK_RULES_EDIT: ({"admin"}, {"admin"}),
    # A family with *decide*, the resident, or the client supporter on the family's behalf; no staff.
    Perm.TEAM_CHOOSE: ({"family", "resident", "client_supporter"}, {"client_supporter"}),
    Perm.WAITING_LIST_JOIN: ({"family", "resident", "client_supporter"}, {"client_supporter"}),
    # Family contacts of the resident, whatever their rights; staff never rate.
    Perm.RATING_GIVE: ({"family", "view_only_family"}, set()),
    Perm.ORG_ADMIN: ({"admin"}, {"admin"}),
    # Book and pay an extra: a family contact with *decide* or the resident; never staff.
    Perm.BOOKING_MAKE: ({"family", "resident"}, set()),
}
PROVIDER_RULES = {
    # The market: families who decide, residents, and the organisation's staff.
    Perm.EXTRA_VIEW: (EVERYONE - {"view_only_family"}, EVERYONE - {"view_only_family"}),
    Perm.EXTRA_EDIT: ({"team_lead"}, set()),
    Perm.EXTRA_REVENUE: ({"team_lead"}, set()),
    Perm.BOOKING_PROVIDE: (TEAM, set()),
}
BOOKING_RULES = {
    Perm.BOOKING_VIEW: ({"admin", *TEAM, "family", "view_only_family", "resident"}, {"admin"}),
    Perm.BOOKING_CANCEL: ({"family", "resident"}, set()),
    Perm.BOOKING_RATE: ({"family", "view_only_family", "resident"}, set()),
}
FREELANCER_RULES = {
    # A freelancer keeps only their own profile; never another's.
    Perm.FREELANCER_PROFILE: ({"freelancer"}, set()),
    # The freelancer, the administrator, and the lead of the home team.
    Perm.FREELANCER_VIEW: ({"admin", "freelancer", "team_lead"}, {"admin"}),
    Perm.FREELANCER_APPROVE: ({"admin"}, {"admin"}),
}
TEAM_RULES = {
    # The freelancers at home in a team: its lead and the administrator.
    Perm.TEAM_FREELANCERS: ({"admin", "team_lead"}, {"admin"}),
    Perm.TEAM_VIEW: (EVERYONE, EVERYONE),
    Perm.TEAM_WORKLIST: ({"admin", *TEAM}, {"admin"}),
    Perm.TEAM_STATEMENT: ({"admin", "board", "team_lead"}, {"admin", "board"}),
    # Everyone with a relation to residents, the client supporter and the board; not a freelancer.
    Perm.TEAM_OFFER_VIEW: (EVERYONE - {"freelancer"}, EVERYONE - {"freelancer"}),
    Perm.TEAM_OFFER_EDIT: ({"team_lead"}, set()),
    Perm.RATING_REPLY: ({"team_lead"}, set()),
    Perm.RATING_HIDE: ({"admin"}, {"admin"}),
}
ORGANISATION_RULES = {
    Perm.AUDIT_VIEW: {"admin"},
    Perm.ORG_AGGREGATES: {"admin", "board"},
    Perm.BILLING_ADMIN: {"admin"},
    Perm.REINDICATION_VIEW: {"admin", "nurse"},
    Perm.CATALOGUE_VIEW: EVERYONE,
    # Staff; a family contact only after asking in their settings (none of these has); never a resident.
    Perm.API_TOKEN_CREATE: EVERYONE - {"family", "view_only_family", "resident"},
    # Making one's own freelancer profile (no profile yet).
    Perm.FREELANCER_PROFILE: {"freelancer"},
}


def test_the_table_names_every_permission_and_every_permission_has_a_rule():
    assert (set(CLIENT_RULES) | set(TEAM_RULES) | set(ORGANISATION_RULES) | set(PROVIDER_RULES)
            | set(BOOKING_RULES) | set(FREELANCER_RULES)) == set(Perm)
    assert missing_rules() == set()


def _cases():
    for perm, (own, other) in {**CLIENT_RULES, **TEAM_RULES, **PROVIDER_RULES, **BOOKING_RULES,
                               **FREELANCER_RULES}.items():
        targets = (TEAMS if perm in TEAM_RULES else PROVIDERS if perm in PROVIDER_RULES
                   else BOOKINGS if perm in BOOKING_RULES else FREELANCERS if perm in FREELANCER_RULES
                   else CLIENTS)
        for name in USERS:
            for where, allowed in (("own", own), ("other", other), ("foreign", set())):
                yield pytest.param(perm, name, targets[where], name in allowed, id=f"{perm}-{name}-{where}")


@pytest.mark.parametrize("perm, user, target, expected", list(_cases()))
def test_can(perm, user, target, expected):
    assert can(USERS[user], perm, target) is expected


@pytest.mark.parametrize("perm", sorted(ORGANISATION_RULES))
@pytest.mark.parametrize("user", sorted(USERS))
def test_can_on_the_organisation(perm, user):
    assert can(USERS[user], perm) is (user in ORGANISATION_RULES[perm])


@pytest.mark.parametrize("perm", sorted(Perm))
def test_nobody_anonymous_may_do_anything(perm):
    anonymous = User(frozenset(Role), is_authenticated=False)
    assert not can(anonymous, perm, OWN if perm not in TEAM_RULES else TEAMS["own"])
    assert not can(None, perm)
