"""OpenAPI paths of the board's staffing, budget and scenarios (issue 14, item 5)."""
from __future__ import annotations

from marketplace.core.openapi import id_param, ok, op, ref

CENTS = {"type": "integer"}
INT = {"type": "integer"}
WEEK = {"name": "week", "in": "query", "required": False, "description": "YYYY-Www; this week when left out",
        "schema": {"type": "string", "pattern": "^[0-9]{4}-W[0-9]{2}$"}}
YEAR = {"name": "year", "in": "query", "required": False, "description": "2000–2100; this year when left out",
        "schema": {"type": "integer", "minimum": 2000, "maximum": 2100}}
PER_LEVEL = {"type": "object", "additionalProperties": INT,
             "description": "Staff level (N1…N5, W, HH) → FTE in thousandths"}
FIGURES = {
    "residents": INT, "budget_cents": CENTS, "health_cents": CENTS, "core_cents": CENTS, "reserve_cents": CENTS,
    "from_savings_cents": CENTS, "copay_cents": CENTS, "to_savings_cents": CENTS, "package_cost_cents": CENTS,
    "reindications": INT, "staffing_cost_cents": CENTS, "extras_cents": CENTS, "income_cents": CENTS,
    "result_cents": CENTS, "required_fte_milli": PER_LEVEL, "actual_fte_milli": PER_LEVEL,
    "required_fte_total_milli": INT, "actual_fte_total_milli": INT}
BOOKED = {"from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"}, "weeks": INT,
          "resident_weeks": INT, "budget_cents": CENTS, "health_cents": CENTS, "core_cents": CENTS,
          "reserve_cents": CENTS, "from_savings_cents": CENTS, "copay_cents": CENTS, "to_savings_cents": CENTS,
          "package_cost_cents": CENTS, "extras_cents": CENTS, "staffing_cost_cents": CENTS, "result_cents": CENTS}
LEVEL_ROW = {"type": "object", "properties": {
    "level": {"type": "string"}, "required_minutes": INT, "required_fte_milli": INT, "actual_contract_hours": INT,
    "actual_fte_milli": INT, "gap_fte_milli": INT, "mix_tenths": INT}}
PERCENT = {"oneOf": [{"type": "number"}, {"type": "string"}], "description": "−100 to 1000, at most one decimal"}
CHANGES_IN = {
    "budget_pct": PERCENT, "wage_pct": PERCENT,
    "overhead_points": {"type": "integer", "description": "Percentage points added to the overhead (0–100 % after)"},
    "location_id": {"type": ["integer", "null"]},
    "residents": {"type": "array", "maxItems": 50, "items": {"type": "object", "required": ["team_id", "profile", "count"],
                                                             "properties": {"team_id": INT, "profile": {"type": "string"},
                                                                            "count": {"type": "integer", "minimum": 0,
                                                                                      "maximum": 1000}}}},
    "frequencies": {"type": "array", "maxItems": 50, "items": {"type": "object", "required": ["service", "per_week"],
                                                               "properties": {"service": {"type": "string"},
                                                                              "per_week": {"type": "integer",
                                                                                           "minimum": 0,
                                                                                           "maximum": 99}}}}}

SCHEMAS = {
    "BoardFigures": {"type": "object", "properties": FIGURES},
    "BoardOutcome": {"type": "object", "properties": {
        "overhead_pct": INT, "total": ref("BoardFigures"),
        "teams": {"type": "array", "items": {"allOf": [ref("BoardFigures"), {"type": "object", "properties": {
            "team_id": INT, "name": {"type": "string"},
            "profile_mix": {"type": "object", "additionalProperties": INT}}}]}}}},
    "BoardScenario": {"type": "object", "properties": {
        "id": INT, "name": {"type": "string"}, "changes": {"type": "object"},
        "created_at": {"type": "string", "format": "date-time"}, "day": {"type": "string", "format": "date"},
        "today": ref("BoardOutcome"), "scenario": ref("BoardOutcome")}},
    "BoardStaffing": {"type": "object", "properties": {
        "week": {"type": "string"}, "overhead_pct": INT,
        "total": {"type": "object", "properties": {"levels": {"type": "array", "items": LEVEL_ROW},
                                                   "required_fte_milli": INT, "actual_fte_milli": INT}},
        "teams": {"type": "array", "items": {"type": "object", "properties": {
            "team_id": INT, "name": {"type": "string"}, "residents": INT,
            "levels": {"type": "array", "items": LEVEL_ROW}, "required_fte_milli": INT, "actual_fte_milli": INT,
            "staffing_cost_cents": CENTS,
            "presence_norms": {"type": ["array", "null"], "description": "Psychogeriatric teams only", "items": {
                "type": "object", "properties": {
                    "norm": {"type": "string", "enum": ["presence", "peaks", "level3"]}, "met": {"type": "boolean"},
                    "needed_minutes": INT, "available_minutes": INT, "needed_people": INT, "people": INT}}}}}}}},
    "BoardBudget": {"type": "object", "properties": {
        "year": INT, "week": {"type": "string"}, "overhead_pct": INT,
        "total": {"type": "object", "properties": {"week": ref("BoardFigures"),
                                                   "month": {"type": "object", "properties": BOOKED},
                                                   "year_to_date": {"type": "object", "properties": BOOKED}}},
        "teams": {"type": "array", "items": {"type": "object", "properties": {
            "team_id": INT, "name": {"type": "string"}, "profile_mix": {"type": "object", "additionalProperties": INT},
            "week": ref("BoardFigures"), "month": {"type": "object", "properties": BOOKED},
            "year_to_date": {"type": "object", "properties": BOOKED}}}}}},
}


def paths() -> dict:
    return {
        "/board/staffing": {"get": op(
            "Staffing from the packages active in a week: minutes and FTE per level (hours / 27) per team, the "
            "members' FTE (contract hours / 36), the gap, and the presence norms of psychogeriatric teams",
            {"200": ok("Staffing", ref("BoardStaffing"))}, params=[WEEK], tag="board")},
        "/board/budget": {"get": op(
            "The organisation's budget: a week from the active packages, the month and the year to date from the "
            "ledger, per team and in total, with the profile mix",
            {"200": ok("Budget", ref("BoardBudget"))}, params=[YEAR, WEEK], tag="board")},
        "/board/scenarios": {
            "get": op("The organisation's saved scenarios", {"200": ok("Scenarios", {"type": "object", "properties": {
                "scenarios": {"type": "array", "items": ref("BoardScenario")}}})}, tag="board"),
            "post": op("Save a named scenario (changes only) and get it computed beside today. 409 name_taken when "
                       "the name is used; 422 for a bad change (nothing saved)",
                       {"201": ok("Saved", ref("BoardScenario"))},
                       body={"type": "object", "required": ["name"], "additionalProperties": False,
                             "properties": {"name": {"type": "string", "maxLength": 100}, **CHANGES_IN}},
                       tag="board")},
        "/board/scenarios/{scenario_id}": {"get": op(
            "A saved scenario computed from today's snapshot, beside today",
            {"200": ok("Scenario", ref("BoardScenario"))}, params=[id_param("scenario_id")], tag="board")},
        "/board/scenarios/compare": {"get": op(
            "Two saved scenarios side by side, each beside today",
            {"200": ok("Comparison", {"type": "object", "properties": {
                "day": {"type": "string", "format": "date"}, "today": ref("BoardOutcome"),
                "a": ref("BoardScenario"), "b": ref("BoardScenario")}})},
            params=[{"name": "a", "in": "query", "required": True, "schema": {"type": "integer", "minimum": 1}},
                    {"name": "b", "in": "query", "required": True, "schema": {"type": "integer", "minimum": 1}}],
            tag="board")},
    }
