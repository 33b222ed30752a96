"""The board's JSON API (issue 14, item 5). The competition lives here; the staffing, budget and
scenario routes are in board/plan_api.py (blueprint ``board_plan_api``)."""
from __future__ import annotations

from flask import Blueprint, jsonify
from flask_login import current_user, login_required

from marketplace.core.extensions import csrf

from . import competition as comp
from .dashboard_views import period_args

bp = Blueprint("board_api", __name__, url_prefix="/api/v1/board")
csrf.exempt(bp)


def team_json(row: comp.TeamFigures) -> dict:
    rating = row.rating
    return {
        "rank": row.rank, "team_id": row.team_id, "name": row.name,
        "residents": row.residents, "market_share_tenths": row.share_tenths,
        "switches_in": row.switches_in, "switches_out": row.switches_out,
        "waiting": row.waiting, "median_wait_days": row.median_wait_days,
        "package_income_cents": row.package_income, "extras_own_cents": row.extras_own,
        "extras_freelancers_cents": row.extras_freelancers, "staffing_cost_cents": row.staffing_cost,
        "result_cents": row.result,
        "rating": {"average": float(rating.average) if rating and rating.shown else None,
                   "count": rating.count if rating else 0},
        "reviews_due": row.reviews_due, "reviews_on_time_tenths": row.reviews_on_time_tenths,
        "risks": row.risks, "risks_covered": row.risks_covered, "health_coverage_tenths": row.coverage_tenths,
        "below_full_coverage": not row.fully_covered,
        "reindications": row.reindications, "reserve_cents": row.reserve_cents,
    }


def month_json(month: comp.MonthTotals) -> dict:
    return {"month": month.period.start.isoformat()[:7], "residents": month.residents, "switches": month.switches,
            "waiting": month.waiting, "package_income_cents": month.package_income, "extras_cents": month.extras,
            "staffing_cost_cents": month.staffing_cost, "result_cents": month.result}


@bp.get("/competition")
@login_required
def competition():
    period, location_id = period_args()
    data = comp.competition(current_user, period, location_id)
    return jsonify({
        "date_from": period.start.isoformat(), "date_to": period.end.isoformat(),
        "location_id": data.location.id if data.location else None,
        "overhead_pct": data.overhead_pct,
        "teams": [team_json(row) for row in data.teams],
        "trends": [month_json(m) for m in data.trends],
    })
