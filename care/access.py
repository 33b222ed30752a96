"""The care domain's access rules, registered with the policy: who may see and do what for a client.

Relations (what ties a user to clients: team memberships, family contacts, the own client)
are loaded once per user per request.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import false, literal, or_, select, union_all

from marketplace.core.db_types import local_today
from marketplace.core.extensions import db
from marketplace.core.policy import Perm, rule
from marketplace.core.roles import TEAM_ROLES, Role
from teams.models import TeamMembership

from .models import Client, FamilyContact


@dataclass(frozen=True)
class Relations:
    """What ties a user to clients: computed once per user per request."""

    team_ids: frozenset[int] = frozenset()
    contact_rights: dict[int, frozenset[str]] = field(default_factory=dict)
    own_client_id: int | None = None


def relations(user) -> Relations:
    """The user's ties to clients, in one query: team memberships of today, family contacts
    with their rights, and the resident's own client."""
    cached = getattr(user, "_zm_relations", None)
    if cached is not None:
        return cached
    today = local_today()
    memberships = select(literal("team").label("kind"), TeamMembership.team_id.label("ref"),
                         false().label("can_view"), false().label("can_decide"), false().label("can_pay")).where(
        TeamMembership.user_id == user.id,
        or_(TeamMembership.starts_on.is_(None), TeamMembership.starts_on <= today),
        or_(TeamMembership.ends_on.is_(None), TeamMembership.ends_on > today))
    contacts = select(literal("contact"), FamilyContact.client_id, FamilyContact.can_view, FamilyContact.can_decide,
                      FamilyContact.can_pay).where(FamilyContact.user_id == user.id)
    own = select(literal("own"), Client.id, false(), false(), false()).where(Client.user_id == user.id)
    team_ids, contact_rights, own_client_id = set(), {}, None
    for kind, ref, can_view, can_decide, can_pay in db.session.execute(union_all(memberships, contacts, own)):
        if kind == "team":
            team_ids.add(ref)
        elif kind == "contact":
            contact_rights[ref] = frozenset(right for right, on in (("view", can_view), ("decide", can_decide),
                                                                    ("pay", can_pay)) if on)
        else:
            own_client_id = ref
    result = Relations(frozenset(team_ids), contact_rights, own_client_id)
    user._zm_relations = result
    return result


def in_client_team(user, client) -> bool:
    return user.has_role(*TEAM_ROLES) and client.team_id is not None and client.team_id in relations(user).team_ids


def has_right(user, client, right: str) -> bool:
    """A family contact of ``client`` with ``right`` (view, decide, pay)."""
    return user.has_role(Role.FAMILY) and right in relations(user).contact_rights.get(client.id, ())


def is_own_client(user, client) -> bool:
    return user.has_role(Role.RESIDENT) and relations(user).own_client_id == client.id


@rule(Perm.CLIENT_VIEW)
@rule(Perm.PACKAGE_VIEW)
def client_view(user, client) -> bool:
    return (
        user.has_role(Role.ADMIN, Role.CLIENT_SUPPORTER)
        or in_client_team(user, client)
        or (user.has_role(Role.FAMILY) and client.id in relations(user).contact_rights)
        or is_own_client(user, client)
    )


@rule(Perm.CLIENT_INVITE_CONTACT)
def client_invite(user, client) -> bool:
    return user.has_role(Role.ADMIN) or in_client_team(user, client)


@rule(Perm.PACKAGE_COMPOSE)
@rule(Perm.REVIEW_RECORD)
def package_compose(user, client) -> bool:
    return in_client_team(user, client)


@rule(Perm.PACKAGE_PROPOSE)
def package_propose(user, client) -> bool:
    return (
        in_client_team(user, client)
        or user.has_role(Role.CLIENT_SUPPORTER)
        or has_right(user, client, "decide")
        or is_own_client(user, client)
    )


@rule(Perm.PACKAGE_SIGN)
def package_sign(user, client) -> bool:
    return user.has_role(Role.NURSE) and in_client_team(user, client)


@rule(Perm.PACKAGE_USE_SAVINGS)
def package_use_savings(user, client) -> bool:
    """Paying from savings is the family's money decision: a contact with *decide*, the resident."""
    return has_right(user, client, "decide") or is_own_client(user, client)


@rule(Perm.HEALTH_VIEW)
def health_view(user, client) -> bool:
    """Need-to-know: carers and nurses of the current team, the client, a representative."""
    return (
        (user.has_role(Role.CARER, Role.NURSE) and client.team_id is not None
         and client.team_id in relations(user).team_ids)
        or is_own_client(user, client)
        or has_right(user, client, "decide")
    )


@rule(Perm.HEALTH_EDIT)
def health_edit(user, client) -> bool:
    return user.has_role(Role.NURSE) and client.team_id is not None and client.team_id in relations(user).team_ids


@rule(Perm.HEALTH_ACCESS_LOG)
def health_access_log(user, client) -> bool:
    return is_own_client(user, client) or has_right(user, client, "decide")


@rule(Perm.REINDICATION_VIEW, needs_target=False)
def reindication_view(user, _target) -> bool:
    return user.has_role(Role.ADMIN, Role.NURSE)


@rule(Perm.RISK_RULES_EDIT)
@rule(Perm.CATALOGUE_EDIT)
def administrator(user, _target) -> bool:
    return user.has_role(Role.ADMIN)


@rule(Perm.CATALOGUE_VIEW, needs_target=False)
def catalogue_view(_user, _target) -> bool:
    return True


def visible_clients(user):
    """A select of the clients ``user`` may view, scoped to the user's organisation."""
    query = select(Client).where(Client.organisation_id == user.organisation_id)
    if user.has_role(Role.ADMIN, Role.CLIENT_SUPPORTER):
        return query
    rel = relations(user)
    conditions = []
    if user.has_role(*TEAM_ROLES) and rel.team_ids:
        conditions.append(Client.team_id.in_(rel.team_ids))
    if user.has_role(Role.FAMILY) and rel.contact_rights:
        conditions.append(Client.id.in_(rel.contact_rights))
    if user.has_role(Role.RESIDENT) and rel.own_client_id:
        conditions.append(Client.id == rel.own_client_id)
    if not conditions:
        return query.where(false())
    return query.where(or_(*conditions))
