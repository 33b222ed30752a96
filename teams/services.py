"""Use cases around teams."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from care.models import Client
from marketplace.accounts.models import User
from marketplace.core.extensions import db

from .models import Team, TeamMembership


@dataclass(frozen=True)
class TeamSummary:
    team: Team
    clients: int
    members: int


def list_teams(actor: User) -> list[TeamSummary]:
    """The actor's organisation's teams with their counts, in three queries whatever the size."""
    teams = list(db.session.scalars(
        select(Team).where(Team.organisation_id == actor.organisation_id)
        .options(selectinload(Team.locations)).order_by(Team.name)
    ))
    ids = [team.id for team in teams]
    clients = dict(db.session.execute(
        select(Client.team_id, func.count()).where(Client.team_id.in_(ids)).group_by(Client.team_id)
    ).all()) if ids else {}
    members = dict(db.session.execute(
        select(TeamMembership.team_id, func.count(func.distinct(TeamMembership.user_id)))
        .where(TeamMembership.team_id.in_(ids)).group_by(TeamMembership.team_id)
    ).all()) if ids else {}
    return [TeamSummary(team, clients.get(team.id, 0), members.get(team.id, 0)) for team in teams]


def my_teams(actor: User) -> list[Team]:
    return list(db.session.scalars(
        select(Team).join(TeamMembership).where(TeamMembership.user_id == actor.id).distinct().order_by(Team.name)
    ))
