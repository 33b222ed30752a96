"""The board's staffing, budget and scenarios as JSON (issue 14, item 5). Same use cases as the pages."""
from __future__ import annotations

from flask import Blueprint, jsonify
from flask_login import current_user, login_required

from marketplace.core.api import json_body
from marketplace.core.extensions import csrf
from marketplace.core.numbers import int_arg

from . import plan, scenario_store
from .plan_views import week_arg
from .scenarios import LEVELS, Figures, Outcome
from .staffing import LevelStaffing, NormCheck

bp = Blueprint("board_plan_api", __name__, url_prefix="/api/v1/board")
csrf.exempt(bp)

SCENARIO_FIELDS = {"name", "budget_pct", "wage_pct", "overhead_points", "location_id", "residents", "frequencies"}


def levels_json(rows: list[LevelStaffing]) -> list[dict]:
    return [{"level": r.level, "required_minutes": r.required_minutes, "required_fte_milli": r.required_fte_milli,
             "actual_contract_hours": r.actual_hours, "actual_fte_milli": r.actual_fte_milli,
             "gap_fte_milli": r.gap_fte_milli, "mix_tenths": r.mix_tenths} for r in rows]


def norms_json(norms: list[NormCheck] | None) -> list[dict] | None:
    if norms is None:
        return None
    return [{"norm": n.norm, "met": n.met, "needed_minutes": n.needed_minutes,
             "available_minutes": n.available_minutes, "needed_people": n.needed_people, "people": n.people}
            for n in norms]


def figures_json(f: Figures) -> dict:
    return {"residents": f.residents, "budget_cents": f.budget, "health_cents": f.health, "core_cents": f.core,
            "reserve_cents": f.reserve, "from_savings_cents": f.from_savings, "copay_cents": f.copay,
            "to_savings_cents": f.to_savings, "package_cost_cents": f.package_cost, "reindications": f.reindications,
            "staffing_cost_cents": f.staffing_cost, "extras_cents": f.extras, "income_cents": f.income,
            "result_cents": f.result,
            "required_fte_milli": {level: f.required_fte_milli(level) for level in LEVELS
                                   if level in f.required_minutes},
            "actual_fte_milli": {level: f.actual_fte_milli(level) for level in LEVELS if level in f.actual_hours},
            "required_fte_total_milli": f.required_fte_total_milli,
            "actual_fte_total_milli": f.actual_fte_total_milli}


def outcome_json(o: Outcome) -> dict:
    return {"overhead_pct": o.overhead_pct, "total": figures_json(o.total),
            "teams": [{"team_id": t.team_id, "name": t.name, "profile_mix": dict(t.profile_mix),
                       **figures_json(t.figures)} for t in o.teams]}


def computed_json(c: scenario_store.Computed) -> dict:
    return {"day": c.day.isoformat(), "changes": c.changes.as_json(), "today": outcome_json(c.today),
            "scenario": outcome_json(c.scenario)}


def scenario_json(s) -> dict:
    return {"id": s.id, "name": s.name, "changes": s.changes, "created_at": s.created_at.isoformat()}


@bp.get("/staffing")
@login_required
def staffing():
    report = plan.staffing_of(current_user, week_arg())
    return jsonify({"week": str(report.week), "overhead_pct": report.overhead_pct,
                    "total": {"levels": levels_json(report.total_levels),
                              "required_fte_milli": report.total.required_fte_total_milli,
                              "actual_fte_milli": report.total.actual_fte_total_milli},
                    "teams": [{"team_id": t.team_id, "name": t.name, "residents": t.figures.residents,
                               "levels": levels_json(t.levels),
                               "required_fte_milli": t.figures.required_fte_total_milli,
                               "actual_fte_milli": t.figures.actual_fte_total_milli,
                               "staffing_cost_cents": t.figures.staffing_cost,
                               "presence_norms": norms_json(t.norms)} for t in report.teams]})


def booked_json(report: plan.BudgetReport, period: plan.Period, team_id: int | None) -> dict:
    booked = period.total() if team_id is None else period.booked.get(team_id, plan.Booked())
    staffing = report.staffing_cost(team_id, period)
    return {"from": period.start.isoformat(), "to": period.end.isoformat(), "weeks": period.weeks,
            "resident_weeks": booked.weeks, "budget_cents": booked.budget, "health_cents": booked.health,
            "core_cents": booked.core, "reserve_cents": booked.reserve, "from_savings_cents": booked.from_savings,
            "copay_cents": booked.copay, "to_savings_cents": booked.to_savings,
            "package_cost_cents": booked.package_cost, "extras_cents": booked.extras,
            "staffing_cost_cents": staffing, "result_cents": booked.package_cost + booked.extras - staffing}


@bp.get("/budget")
@login_required
def budget():
    report = plan.budget_of(current_user, int_arg("year", low=1, high=9999), week_arg())
    week = outcome_json(report.outcome)
    return jsonify({"year": report.year, "week": str(report.week), "overhead_pct": week["overhead_pct"],
                    "total": {"week": week["total"], "month": booked_json(report, report.month, None),
                              "year_to_date": booked_json(report, report.to_date, None)},
                    "teams": [{"team_id": t["team_id"], "name": t["name"], "profile_mix": t["profile_mix"],
                               "week": {k: v for k, v in t.items() if k not in ("team_id", "name", "profile_mix")},
                               "month": booked_json(report, report.month, t["team_id"]),
                               "year_to_date": booked_json(report, report.to_date, t["team_id"])}
                              for t in week["teams"]]})


@bp.get("/scenarios")
@login_required
def list_scenarios():
    return jsonify({"scenarios": [scenario_json(s) for s in scenario_store.scenarios_of(current_user)]})


@bp.post("/scenarios")
@login_required
def create_scenario():
    data = json_body(SCENARIO_FIELDS, {"name"})
    saved = scenario_store.save_scenario(current_user, data.get("name"), data)
    _saved, computed = scenario_store.open_scenario(current_user, saved.id)
    return jsonify({**scenario_json(saved), **computed_json(computed)}), 201


@bp.get("/scenarios/<int:scenario_id>")
@login_required
def get_scenario(scenario_id: int):
    saved, computed = scenario_store.open_scenario(current_user, scenario_id)
    return jsonify({**scenario_json(saved), **computed_json(computed)})


@bp.get("/scenarios/compare")
@login_required
def compare():
    (a, first), (b, second) = scenario_store.compare(current_user, int_arg("a"), int_arg("b"))
    return jsonify({"day": first.day.isoformat(), "today": outcome_json(first.today),
                    "a": {**scenario_json(a), "changes": first.changes.as_json(), "scenario": outcome_json(first.scenario)},
                    "b": {**scenario_json(b), "changes": second.changes.as_json(),
                          "scenario": outcome_json(second.scenario)}})
