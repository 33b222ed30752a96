"""The board's competition dashboard (issue 14, items 1 and 6): the page, its charts and its CSV
exports. Thin: the figures come from board/competition.py."""
from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from marketplace.accounts.models import Location
from marketplace.core.charts import DASHED_SQUARE, DOTTED_TRIANGLE, SOLID_CIRCLE, Series, line_chart
from marketplace.core.db_types import local_today
from marketplace.core.errors import InvalidInput
from marketplace.core.extensions import db
from marketplace.core.money import format_euro
from marketplace.core.numbers import date_arg, int_arg
from marketplace.core.policy import Perm, authorize

from . import competition as comp

bp = Blueprint("board", __name__, url_prefix="/board")

TABLES = ("teams", "trends")


def period_args() -> tuple[comp.Period, int | None]:
    """:raises InvalidInput: a malformed date or location, or a period the board cannot ask for."""
    errors: dict[str, str] = {}
    values = {}
    for name in ("date_from", "date_to"):
        try:
            values[name] = date_arg(name)
        except InvalidInput as exc:
            errors.update(exc.fields)
    try:
        location_id = int_arg("location_id")
    except InvalidInput as exc:
        errors.update(exc.fields)
        location_id = None
    if errors:
        raise InvalidInput(next(iter(errors)), next(iter(errors.values())), fields=errors)
    return comp.period_of(values["date_from"], values["date_to"]), location_id


def _euros(cents: int) -> str:
    return format_euro(cents, str(get_locale() or "nl")).removesuffix(",00").removesuffix(".00")


def charts(data: comp.Competition) -> dict:
    labels = [format_date(m.period.start, "MMM yy") for m in data.trends]
    money = line_chart(
        _("Income and staffing cost per month"),
        _("Package income, extras revenue and staffing cost of the teams shown, per month over the last 12 "
          "months. The table beside the chart gives every month."),
        labels,
        [Series(_("Package income"), [m.package_income for m in data.trends], SOLID_CIRCLE),
         Series(_("Extras revenue"), [m.extras for m in data.trends], DASHED_SQUARE),
         Series(_("Staffing cost"), [m.staffing_cost for m in data.trends], DOTTED_TRIANGLE)],
        _euros, chart_id="money-chart")
    residents = line_chart(
        _("Residents, switches and waiting list per month"),
        _("Residents served, switches between teams and the waiting list at the end of each month, over the "
          "last 12 months. The table beside the chart gives every month."),
        labels,
        [Series(_("Residents served"), [m.residents for m in data.trends], SOLID_CIRCLE),
         Series(_("Switches"), [m.switches for m in data.trends], DASHED_SQUARE),
         Series(_("Waiting"), [m.waiting for m in data.trends], DOTTED_TRIANGLE)],
        str, chart_id="residents-chart")
    return {"money": money, "residents": residents}


def presets(today) -> list[tuple[str, comp.Period]]:
    return [(_("This month"), comp.month_period(today)), (_("This quarter"), comp.quarter_period(today)),
            (_("This year"), comp.year_period(today)),
            (_("Last 12 months"), comp.Period(comp.trend_months(today)[0].start, today))]


@bp.get("/")
@login_required
def dashboard():
    authorize(current_user, Perm.ORG_AGGREGATES)
    locations = list(db.session.scalars(select(Location).where(
        Location.organisation_id == current_user.organisation_id).order_by(Location.name)))
    context = {"locations": locations, "presets": presets(local_today()), "args": request.args, "errors": {}}
    try:
        period, location_id = period_args()
        data = comp.competition(current_user, period, location_id)
    except InvalidInput as exc:
        context["errors"] = {name: str(message) for name, message in exc.fields.items()}
        return render_template("board/dashboard.html", data=None, **context), 422
    return render_template("board/dashboard.html", data=data, charts=charts(data), location_id=location_id,
                           **context)


@bp.get("/competition.csv")
@login_required
def competition_csv():
    authorize(current_user, Perm.ORG_AGGREGATES)
    table = request.args.get("table", "teams")
    if table not in TABLES:
        raise InvalidInput("table", _("Choose the table teams or trends."))
    period, location_id = period_args()
    data = comp.competition(current_user, period, location_id, trends=table == "trends")
    name = f"concurrentie-{table}-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    return Response(comp.to_csv(data, table), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={name}"})
