"""The board's staffing, budget and scenario pages (issue 14, items 2–4). Thin: the figures come
from board/plan.py and board/scenario_store.py."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from marketplace.core.calendar import Week
from marketplace.core.db_types import local_today
from marketplace.core.errors import InvalidInput
from marketplace.core.numbers import int_arg
from marketplace.core.policy import Perm, authorize

from . import plan, scenario_store
from .scenarios import Changes

bp = Blueprint("board_plan", __name__, url_prefix="/board")

RESIDENT_ROWS = 3
FREQUENCY_ROWS = 2


def week_arg() -> Week | None:
    """:raises InvalidWeek: (422) not a week such as 2026-W49."""
    value = request.args.get("week", "")
    return Week.parse(value) if value else None


def changes_data(form: MultiDict) -> dict:
    """The scenario form as the JSON API has it: rows left empty are left out."""
    data = {name: form.get(name, "") for name in ("budget_pct", "wage_pct", "overhead_points", "location_id")}
    data["residents"] = [row for row in (
        {"team_id": form.get(f"residents-{i}-team_id", ""), "profile": form.get(f"residents-{i}-profile", ""),
         "count": form.get(f"residents-{i}-count", "")} for i in range(RESIDENT_ROWS)) if any(row.values())]
    data["frequencies"] = [row for row in (
        {"service": form.get(f"frequencies-{i}-service", ""), "per_week": form.get(f"frequencies-{i}-per_week", "")}
        for i in range(FREQUENCY_ROWS)) if any(row.values())]
    return data


@bp.get("/staffing")
@login_required
def staffing():
    report = plan.staffing_of(current_user, week_arg())
    return render_template("board/staffing.html", report=report)


@bp.get("/budget")
@login_required
def budget():
    report = plan.budget_of(current_user, int_arg("year", low=1, high=9999), week_arg())
    return render_template("board/budget.html", report=report)


def _form_context(form: MultiDict):
    authorize(current_user, Perm.ORG_AGGREGATES)
    snapshot = scenario_store.take_snapshot(current_user.organisation, local_today())
    locations = sorted(current_user.organisation.locations, key=lambda loc: loc.name)
    core = sorted(code for code, s in snapshot.services.items() if s.category == "core")
    return dict(form=form, teams=snapshot.teams, profiles=snapshot.profiles, locations=locations, core=core,
                resident_rows=RESIDENT_ROWS, frequency_rows=FREQUENCY_ROWS,
                saved=scenario_store.scenarios_of(current_user), overhead_pct=snapshot.overhead_pct)


@bp.get("/scenarios")
@login_required
def scenarios():
    return render_template("board/scenarios.html", computed=None, errors={}, **_form_context(MultiDict()))


@bp.post("/scenarios")
@login_required
def save():
    """Show the changes beside today (nothing saved), or save them under a name."""
    data = changes_data(request.form)
    try:
        if request.form.get("action") != "save":
            computed = scenario_store.preview(current_user, data)
            return render_template("board/scenarios.html", computed=computed, errors={},
                                   **_form_context(request.form))
        scenario = scenario_store.save_scenario(current_user, request.form.get("name"), data)
    except InvalidInput as exc:
        errors = {k: str(v) for k, v in exc.fields.items()}
        return render_template("board/scenarios.html", computed=None, errors=errors,
                               **_form_context(request.form)), exc.status
    flash(_("Scenario “%(name)s” saved.", name=scenario.name), "success")
    return redirect(url_for("board_plan.scenario", scenario_id=scenario.id))


@bp.get("/scenarios/<int:scenario_id>")
@login_required
def scenario(scenario_id: int):
    saved, computed = scenario_store.open_scenario(current_user, scenario_id)
    return render_template("board/scenario.html", scenario=saved, computed=computed,
                           others=[s for s in scenario_store.scenarios_of(current_user) if s.id != saved.id])


@bp.get("/scenarios/compare")
@login_required
def compare():
    first, second = scenario_store.compare(current_user, int_arg("a"), int_arg("b"))
    return render_template("board/scenario_compare.html", first=first, second=second, Changes=Changes)
