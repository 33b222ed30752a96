"""The freelancer's dashboard (issue 13, item 4) and the home team's view of its freelancers
(item 5): pages and their JSON. Thin: the figures come from market/earnings.py."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, Response, jsonify, render_template, request
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from marketplace.core.calendar import InvalidMonth, Month
from marketplace.core.charts import DASHED_SQUARE, DOTTED_TRIANGLE, SOLID_CIRCLE, Series, line_chart
from marketplace.core.db_types import LOCAL_ZONE, local_today
from marketplace.core.errors import AccessDenied, NotInScope
from marketplace.core.extensions import csrf, db
from marketplace.core.forms import EmptyForm
from marketplace.core.money import format_euro
from marketplace.core.policy import Perm, authorize, get_in_scope
from marketplace.core.roles import Role
from teams.models import Team

from . import earnings, freelancers
from .models import Freelancer, Provider

bp = Blueprint("earnings", __name__)
api = Blueprint("earnings_api", __name__, url_prefix="/api/v1")
csrf.exempt(api)

MONTHS_SHOWN = 12


def own_freelancer() -> tuple[Freelancer | None, Provider | None]:
    """The logged-in freelancer's profile and provider (None before they made a profile).

    :raises AccessDenied: not a freelancer.
    """
    if not current_user.has_role(Role.FREELANCER):
        raise AccessDenied("freelancer.dashboard")
    freelancer = db.session.scalar(select(Freelancer).where(Freelancer.user_id == current_user.id,
                                                            Freelancer.organisation_id == current_user.organisation_id))
    if freelancer is None:
        return None, None
    provider = db.session.scalar(select(Provider).where(Provider.freelancer_id == freelancer.id))
    if provider is not None:
        authorize(current_user, Perm.EXTRA_REVENUE, provider)
    return freelancer, provider


def _month_arg(value: str | None) -> Month:
    """:raises InvalidMonth: (422) not a month such as 2026-12."""
    return Month.parse(value) if value else Month.of(local_today())


def _months_back(count: int) -> list:
    first = local_today().replace(day=1)
    months = []
    for _i in range(count):
        months.append(first)
        first = (first - timedelta(days=1)).replace(day=1)
    return list(reversed(months))


def earnings_chart(shares: list[earnings.MonthShares]):
    months = _months_back(MONTHS_SHOWN)
    by_month = {s.month: s for s in shares}
    language = str(get_locale() or "nl")

    def euros(cents: int) -> str:
        return format_euro(cents, language).removesuffix(",00").removesuffix(".00")

    rows = [by_month.get(m) for m in months]
    return line_chart(
        _("Your extras per month"),
        _("What families paid for your extras per month over the last 12 months, net of refunds, with your "
          "earnings after the organisation's fee and your home team's share. The table beside the chart gives "
          "every month."),
        [format_date(m, "MMM yy") for m in months],
        [Series(_("Paid by families"), [r.gross if r else 0 for r in rows], SOLID_CIRCLE),
         Series(_("Your earnings"), [r.earnings if r else 0 for r in rows], DASHED_SQUARE),
         Series(_("Home team's share"), [r.home_team if r else 0 for r in rows], DOTTED_TRIANGLE)],
        euros, chart_id="earnings-chart")


@bp.get("/freelancer/dashboard")
@login_required
def dashboard():
    freelancer, provider = own_freelancer()
    if freelancer is None:
        return render_template("market/freelancer_dashboard.html", freelancer=None)
    shares = earnings.monthly_shares([freelancer.id]).get(freelancer.id, [])
    today = datetime.now(LOCAL_ZONE).replace(hour=0, minute=0, second=0, microsecond=0)
    days = earnings.bookings_per_day(provider.id, today, today + timedelta(days=14)) if provider else []
    return render_template("market/freelancer_dashboard.html", freelancer=freelancer, provider=provider,
                           shares=shares, days=days, payouts=freelancers.payouts_of(freelancer),
                           chart=earnings_chart(shares) if shares else None,
                           this_month=Month.of(local_today()), form=EmptyForm())


@bp.get("/freelancer/statements/<month>")
@login_required
def statement(month: str):
    freelancer, _provider = own_freelancer()
    try:
        first = Month.parse(month).first
    except InvalidMonth:
        raise NotInScope()
    if freelancer is None:
        return render_template("market/freelancer_dashboard.html", freelancer=None)
    data = earnings.statement(freelancer, first)
    if request.args.get("format") == "csv":
        return Response(earnings.statement_csv(data), mimetype="text/csv", headers={
            "Content-Disposition": f"attachment; filename=afrekening-{freelancer.id}-{month}.csv"})
    return render_template("market/freelancer_statement.html", s=data, month=first)


@bp.get("/teams/<int:team_id>/freelancers")
@login_required
def home_team(team_id: int):
    team = get_in_scope(current_user, Team, team_id, Perm.TEAM_STATEMENT)
    return render_template("market/team_freelancers.html", team=team, rows=earnings.home_team_view(team.id),
                           months=list(reversed(_months_back(6))))


def shares_json(s: earnings.MonthShares) -> dict:
    return {"month": s.month.isoformat()[:7], "gross_cents": s.gross, "organisation_fee_cents": s.fee,
            "home_team_cents": s.home_team, "earnings_cents": s.earnings}


@api.get("/freelancers/me/earnings")
@login_required
def earnings_json():
    freelancer, _provider = own_freelancer()
    month = _month_arg(request.args.get("month"))
    if freelancer is None:  # no profile yet: nothing earned
        return jsonify({**shares_json(earnings.MonthShares(month.first)), "lines": []})
    data = earnings.statement(freelancer, month.first)
    totals = earnings.MonthShares(month.first, data.total("gross"), data.total("fee"), data.total("home_team"),
                                  data.total("earnings"))
    return jsonify({**shares_json(totals), "lines": [
        {"booking_id": line.booking_id, "date": line.day.isoformat(), "extra": line.extra, "kind": line.kind,
         "gross_cents": line.gross, "organisation_fee_cents": line.fee, "home_team_cents": line.home_team,
         "earnings_cents": line.earnings} for line in data.lines]})


@api.get("/freelancers/me/payouts")
@login_required
def payouts_json():
    freelancer, _provider = own_freelancer()
    if freelancer is None:
        return jsonify({"payouts": []})
    return jsonify({"payouts": [
        {"id": p.stripe_payout_id, "amount_cents": p.amount_cents, "currency": p.currency, "status": p.status,
         "arrival_date": p.arrival_date.isoformat() if p.arrival_date else None,
         "failure_message": p.failure_message or None} for p in freelancers.payouts_of(freelancer)]})
