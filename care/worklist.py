"""The team's worklist of proposals: what family and client supporters sent, waiting for the
team. Reads only tables (the teams floor may not reach billing through the package use cases)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from marketplace.core.extensions import db

from .models import Client, PackageVersion
from .models.packages import Status


@dataclass(frozen=True)
class WaitingProposal:
    client: Client
    proposal: PackageVersion


def waiting_in_team(team) -> list[WaitingProposal]:
    """The proposals waiting for the team, oldest first (two queries whatever their number)."""
    rows = db.session.execute(
        select(PackageVersion, Client).join(Client, Client.id == PackageVersion.client_id)
        .where(Client.team_id == team.id, PackageVersion.status == Status.PROPOSAL.value)
        .options(selectinload(PackageVersion.created_by))
        .order_by(PackageVersion.created_at, PackageVersion.id))
    return [WaitingProposal(client, version) for version, client in rows]
