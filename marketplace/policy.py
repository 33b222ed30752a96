"""The one access policy: may this user do this action on this object?

Every view and API endpoint asks here. An answer combines the user's **role** with the
object's **scope**: its organisation, its team and the user's relation to the resident.

Objects of another organisation are reported as *not found* rather than *forbidden*, so a
user of organisation A cannot even learn that an id exists in organisation B.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import false, or_, select

from .extensions import db
from .roles import Role, TEAM_ROLES


class Perm(StrEnum):
    CLIENT_VIEW = "client.view"
    CLIENT_INVITE_CONTACT = "client.invite_contact"
    TEAM_VIEW = "team.view"
    TEAM_WORKLIST = "team.worklist"
    PACKAGE_VIEW = "package.view"
    PACKAGE_COMPOSE = "package.compose"
    PACKAGE_PROPOSE = "package.propose"
    PACKAGE_SIGN = "package.sign"
    REVIEW_RECORD = "review.record"
    HEALTH_VIEW = "health.view"
    HEALTH_EDIT = "health.edit"
    HEALTH_ACCESS_LOG = "health.access_log"
    REINDICATION_VIEW = "reindication.view"
    RISK_RULES_EDIT = "risk_rules.edit"
    PAYMENT_VIEW = "payment.view"
    PAYMENT_MAKE = "payment.make"
    PAYMENT_REFUND = "payment.refund"
    BILLING_ADMIN = "billing.admin"
    STATEMENT_VIEW = "statement.view"
    TEAM_STATEMENT = "team.statement"
    CATALOGUE_VIEW = "catalogue.view"
    CATALOGUE_EDIT = "catalogue.edit"
    AUDIT_VIEW = "audit.view"
    ORG_AGGREGATES = "org.aggregates"


class AccessDenied(Exception):
    """The user may not do ``perm`` on ``target`` (HTTP 403, and an audit row)."""

    def __init__(self, perm: Perm, target=None):
        super().__init__(f"{perm} denied")
        self.perm = perm
        self.target = target


class NotInScope(Exception):
    """The object does not exist for this user (HTTP 404): another organisation's, or none."""


@dataclass(frozen=True)
class Relations:
    """What ties a user to residents: computed once per user per request."""

    team_ids: frozenset[int] = frozenset()
    contact_rights: dict[int, frozenset[str]] = field(default_factory=dict)
    own_client_id: int | None = None


def relations(user) -> Relations:
    cached = getattr(user, "_zm_relations", None)
    if cached is not None:
        return cached
    from care.models import Client, FamilyContact
    from teams.models import TeamMembership

    from .db_types import local_today

    today = local_today()
    team_ids = frozenset(db.session.scalars(select(TeamMembership.team_id).where(
        TeamMembership.user_id == user.id,
        or_(TeamMembership.starts_on.is_(None), TeamMembership.starts_on <= today),
        or_(TeamMembership.ends_on.is_(None), TeamMembership.ends_on > today),
    )))
    contact_rights = {
        row.client_id: frozenset(
            right for right, on in (("view", row.can_view), ("decide", row.can_decide), ("pay", row.can_pay)) if on
        )
        for row in db.session.scalars(select(FamilyContact).where(FamilyContact.user_id == user.id))
    }
    own_client_id = db.session.scalar(select(Client.id).where(Client.user_id == user.id))
    result = Relations(team_ids, contact_rights, own_client_id)
    user._zm_relations = result
    return result


def _same_org(user, target) -> bool:
    if target is None:
        return True
    if target.__class__.__name__ == "Organisation":
        return target.id == user.organisation_id
    org_id = getattr(target, "organisation_id", None)
    if org_id is None and hasattr(target, "level"):  # a rate or version hangs off its level/service
        org_id = target.level.organisation_id
    return org_id == user.organisation_id


def _in_client_team(user, client) -> bool:
    return user.has_role(*TEAM_ROLES) and client.team_id is not None and client.team_id in relations(user).team_ids


def _client_view(user, client) -> bool:
    rel = relations(user)
    return (
        user.has_role(Role.ADMIN, Role.CLIENT_SUPPORTER)
        or _in_client_team(user, client)
        or (user.has_role(Role.FAMILY) and client.id in rel.contact_rights)
        or (user.has_role(Role.RESIDENT) and rel.own_client_id == client.id)
    )


def _client_invite(user, client) -> bool:
    return user.has_role(Role.ADMIN) or _in_client_team(user, client)


def _package_propose(user, client) -> bool:
    rel = relations(user)
    return (
        _in_client_team(user, client)
        or user.has_role(Role.CLIENT_SUPPORTER)
        or (user.has_role(Role.FAMILY) and "decide" in rel.contact_rights.get(client.id, ()))
        or (user.has_role(Role.RESIDENT) and rel.own_client_id == client.id)
    )


def _health_view(user, client) -> bool:
    """Need-to-know: carers and nurses of the current team, the resident, a representative."""
    rel = relations(user)
    return (
        (user.has_role(Role.CARER, Role.NURSE) and client.team_id is not None and client.team_id in rel.team_ids)
        or (user.has_role(Role.RESIDENT) and rel.own_client_id == client.id)
        or (user.has_role(Role.FAMILY) and "decide" in rel.contact_rights.get(client.id, ()))
    )


def _health_edit(user, client) -> bool:
    return user.has_role(Role.NURSE) and client.team_id is not None and client.team_id in relations(user).team_ids


def _health_access_log(user, client) -> bool:
    rel = relations(user)
    return (user.has_role(Role.RESIDENT) and rel.own_client_id == client.id) or (
        user.has_role(Role.FAMILY) and "decide" in rel.contact_rights.get(client.id, ()))


def _payment_make(user, client) -> bool:
    rel = relations(user)
    return (user.has_role(Role.FAMILY) and "pay" in rel.contact_rights.get(client.id, ())) or (
        user.has_role(Role.RESIDENT) and rel.own_client_id == client.id)


def _team_statement(user, team) -> bool:
    return user.has_role(Role.ADMIN, Role.BOARD) or (
        user.has_role(Role.TEAM_LEAD) and team.id in relations(user).team_ids)


def _team_worklist(user, team) -> bool:
    return user.has_role(Role.ADMIN) or (user.has_role(*TEAM_ROLES) and team.id in relations(user).team_ids)


_RULES = {
    Perm.CLIENT_VIEW: _client_view,
    Perm.CLIENT_INVITE_CONTACT: _client_invite,
    Perm.TEAM_VIEW: lambda user, team: True,
    Perm.TEAM_WORKLIST: _team_worklist,
    Perm.PACKAGE_VIEW: _client_view,
    Perm.PACKAGE_COMPOSE: _in_client_team,
    Perm.PACKAGE_PROPOSE: _package_propose,
    Perm.PACKAGE_SIGN: lambda user, client: user.has_role(Role.NURSE) and _in_client_team(user, client),
    Perm.REVIEW_RECORD: _in_client_team,
    Perm.HEALTH_VIEW: _health_view,
    Perm.HEALTH_EDIT: _health_edit,
    Perm.HEALTH_ACCESS_LOG: _health_access_log,
    Perm.REINDICATION_VIEW: lambda user, _: user.has_role(Role.ADMIN, Role.NURSE),
    Perm.RISK_RULES_EDIT: lambda user, _: user.has_role(Role.ADMIN),
    Perm.PAYMENT_VIEW: lambda user, client: user.has_role(Role.ADMIN) or _payment_make(user, client),
    Perm.PAYMENT_MAKE: _payment_make,
    Perm.PAYMENT_REFUND: lambda user, _: user.has_role(Role.ADMIN),
    Perm.BILLING_ADMIN: lambda user, _: user.has_role(Role.ADMIN),
    Perm.STATEMENT_VIEW: lambda user, client: user.has_role(Role.ADMIN) or _client_view(user, client),
    Perm.TEAM_STATEMENT: _team_statement,
    Perm.CATALOGUE_VIEW: lambda user, _: True,
    Perm.CATALOGUE_EDIT: lambda user, _: user.has_role(Role.ADMIN),
    Perm.AUDIT_VIEW: lambda user, _: user.has_role(Role.ADMIN),
    Perm.ORG_AGGREGATES: lambda user, _: user.has_role(Role.BOARD, Role.ADMIN),
}


def can(user, perm: Perm, target=None) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if not _same_org(user, target):
        return False
    return _RULES[perm](user, target)


def authorize(user, perm: Perm, target=None) -> None:
    """:raises NotInScope: ``target`` is missing or of another organisation.
    :raises AccessDenied: the user's role or relation does not allow ``perm``."""
    if target is None and perm not in (Perm.AUDIT_VIEW, Perm.ORG_AGGREGATES, Perm.CATALOGUE_VIEW,
                                       Perm.REINDICATION_VIEW, Perm.BILLING_ADMIN):
        raise NotInScope()
    if not _same_org(user, target):
        raise NotInScope()
    if not can(user, perm, target):
        raise AccessDenied(perm, target)


def visible_clients(user):
    """A select of the residents ``user`` may view, scoped to the user's organisation."""
    from care.models import Client

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


def get_in_scope(user, model, object_id, perm: Perm):
    """Load ``model`` by id and authorize ``perm`` on it in one step.

    :raises NotInScope: no such object in the user's organisation.
    :raises AccessDenied: it exists, but the user may not do ``perm``.
    """
    obj = load(model, object_id)
    if obj is None:
        raise NotInScope()
    authorize(user, perm, obj)
    return obj


MAX_ID = 2**63 - 1


def load(model, object_id):
    """``db.session.get`` that answers None for ids no database column can hold (no 500)."""
    if not isinstance(object_id, int) or not 0 < object_id <= MAX_ID:
        return None
    return db.session.get(model, object_id)
