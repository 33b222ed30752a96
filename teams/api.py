"""JSON API for teams."""
from __future__ import annotations

from flask import Blueprint, jsonify
from flask_login import current_user, login_required

from care import requirements, reviews
from marketplace.core.extensions import csrf
from marketplace.core.policy import Perm, get_in_scope

from . import services
from .models import Team

bp = Blueprint("teams_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


@bp.get("/teams")
@login_required
def list_teams():
    return jsonify(teams=[{
        "id": s.team.id,
        "name": s.team.name,
        "capacity": s.team.capacity,
        "active": s.team.active,
        "target_groups": s.team.target_groups,
        "locations": [{"id": loc.id, "name": loc.name} for loc in s.team.locations],
        "residents": s.clients,
        "members": s.members,
        "open_places": max(s.team.capacity - s.clients, 0) if s.team.active else 0,
    } for s in services.list_teams(current_user)])


@bp.get("/teams/<int:team_id>/reviews")
@login_required
def review_worklist(team_id: int):
    team = get_in_scope(current_user, Team, team_id, Perm.TEAM_WORKLIST)
    return jsonify(reviews=[{
        "client_id": row.client.id, "name": row.client.name, "next_review": row.next_on.isoformat(),
        "overdue": row.overdue,
    } for row in reviews.worklist(current_user, team)],
        uncovered=[{"client_id": c.id, "name": c.name} for c in requirements.uncovered_in_team(team)])
