"""Team pages: the worklist (proposals waiting, packages missing required care, reviews due)."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from care import requirements, reviews, worklist
from marketplace.core.policy import Perm, get_in_scope

from .models import Team

bp = Blueprint("teams", __name__, url_prefix="/teams")


@bp.route("/<int:team_id>/reviews")
@login_required
def review_worklist(team_id: int):
    team = get_in_scope(current_user, Team, team_id, Perm.TEAM_WORKLIST)
    return render_template("teams/reviews.html", team=team, rows=reviews.worklist(current_user, team),
                           uncovered=requirements.uncovered_in_team(team),
                           proposals=worklist.waiting_in_team(team))
