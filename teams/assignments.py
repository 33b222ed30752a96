"""Which team delivers a client's care, from when: ``Client.team_id`` and its history together.

The team choice of the market calls :func:`move_to_team`; nothing else writes either.
"""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from care.models import Client
from marketplace.core.errors import Conflict, NotInScope
from marketplace.core.extensions import db

from .models import Team, TeamAssignment


class TeamInactive(Conflict):
    """The team is deactivated: it keeps its residents but takes no new ones."""

    code = "team_inactive"


def move_to_team(client: Client, team: Team, day: date) -> TeamAssignment:
    """From ``day`` on, ``team`` delivers the client's care (flushes; the calling use case commits).

    The open assignment ends on ``day``; a client without history gets one for the team it had
    since its start, so the history covers every day. Moving to the current team changes nothing.

    :raises NotInScope: the team belongs to another organisation.
    :raises TeamInactive: the team is deactivated (and the client is not in it already).
    """
    if team.organisation_id != client.organisation_id:
        raise NotInScope()
    if not team.active and client.team_id != team.id:
        raise TeamInactive(_("This team takes no new residents."))
    current = db.session.scalar(select(TeamAssignment).where(
        TeamAssignment.client_id == client.id, TeamAssignment.ends_on.is_(None)).order_by(TeamAssignment.starts_on.desc())
        .limit(1))
    if current is None and client.team_id is not None and client.start_date < day:
        current = TeamAssignment(client_id=client.id, team_id=client.team_id, starts_on=client.start_date)
        db.session.add(current)
    if current is not None and current.team_id == team.id:
        client.team_id = team.id
        db.session.flush()
        return current
    if current is not None and current.starts_on >= day:
        # Moved again on the day it started: that day's move is replaced, not stacked.
        current.team_id = team.id
        assignment = current
    else:
        if current is not None:
            current.ends_on = day
        assignment = TeamAssignment(client_id=client.id, team_id=team.id, starts_on=day)
        db.session.add(assignment)
    client.team_id = team.id
    db.session.flush()
    return assignment
