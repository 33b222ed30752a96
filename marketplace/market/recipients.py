"""Who is told about a team choice or a waiting-list offer: the teams' leads and the family."""
from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select

from care.models import Client, FamilyContact
from marketplace.accounts.models import User
from marketplace.core.extensions import db
from teams.models import TeamMembership


def team_leads(team_id: int | None, today: date) -> list[User]:
    """The leads of the team today."""
    if team_id is None:
        return []
    return list(db.session.scalars(select(User).join(TeamMembership, TeamMembership.user_id == User.id).where(
        TeamMembership.team_id == team_id, TeamMembership.role == "team_lead",
        or_(TeamMembership.starts_on.is_(None), TeamMembership.starts_on <= today),
        or_(TeamMembership.ends_on.is_(None), TeamMembership.ends_on > today)).order_by(User.id)))


def deciders(client: Client) -> list[User]:
    """The family contacts with *decide*, and the resident's own login: those who choose."""
    users = list(db.session.scalars(select(User).join(FamilyContact, FamilyContact.user_id == User.id).where(
        FamilyContact.client_id == client.id, FamilyContact.can_decide.is_(True)).order_by(User.id)))
    if client.user_id is not None:
        users.append(db.session.get(User, client.user_id))
    return users


def options_link(client_id: int) -> str:
    """The team-options page of a resident (``market.team_options``); a path, valid outside a request."""
    return f"/clients/{client_id}/teams"
