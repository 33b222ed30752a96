"""OpenAPI path of the board's competition figures (issue 14, item 5)."""
from __future__ import annotations

from marketplace.core.openapi import ok, op, ref

DATE = {"type": "string", "format": "date"}
INT = {"type": "integer"}
NULL_INT = {"type": ["integer", "null"]}
PARAMS = [
    {"name": "date_from", "in": "query", "required": False, "schema": DATE,
     "description": "First day of the period (YYYY-MM-DD); this month when both ends are left out"},
    {"name": "date_to", "in": "query", "required": False, "schema": DATE,
     "description": "Last day of the period, at most five years after the first"},
    {"name": "location_id", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1},
     "description": "Only the teams serving this location"},
]

SCHEMAS = {
    "CompetitionTeam": {"type": "object", "properties": {
        "rank": INT, "team_id": INT, "name": {"type": "string"}, "residents": INT,
        "market_share_tenths": {**NULL_INT, "description": "Market share in tenths of a percent"},
        "switches_in": INT, "switches_out": INT, "waiting": INT, "median_wait_days": NULL_INT,
        "package_income_cents": INT, "extras_own_cents": INT, "extras_freelancers_cents": INT,
        "staffing_cost_cents": INT, "result_cents": INT,
        "rating": {"type": "object", "properties": {"average": {"type": ["number", "null"]}, "count": INT}},
        "reviews_due": INT, "reviews_on_time_tenths": NULL_INT, "risks": INT, "risks_covered": INT,
        "health_coverage_tenths": INT,
        "below_full_coverage": {"type": "boolean", "description": "Shown red; never ranked above a team at 100 %"},
        "reindications": INT, "reserve_cents": INT}},
    "CompetitionMonth": {"type": "object", "properties": {
        "month": {"type": "string"}, "residents": INT, "switches": INT, "waiting": INT,
        "package_income_cents": INT, "extras_cents": INT, "staffing_cost_cents": INT, "result_cents": INT}},
    "Competition": {"type": "object", "properties": {
        "date_from": DATE, "date_to": DATE, "location_id": NULL_INT, "overhead_pct": INT,
        "teams": {"type": "array", "items": ref("CompetitionTeam")},
        "trends": {"type": "array", "items": ref("CompetitionMonth")}}},
}


def paths() -> dict:
    return {
        "/board/competition": {"get": op(
            "Competition between teams over a period: per team, ranked with the health guardrail, and the last "
            "12 months' totals. Aggregates only",
            {"200": ok("The figures", ref("Competition"))}, params=PARAMS, tag="board")},
    }
