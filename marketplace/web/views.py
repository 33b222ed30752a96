"""Home page per role, language switch, and the administrator's audit log."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from billing.invoices import unpaid_of
from care import status
from care.clients import list_clients
from care.health_log import shown_detail
from marketplace.core import audit
from marketplace.core.audit import MAX_PAGE, Action
from marketplace.core.errors import InvalidInput
from marketplace.core.extensions import db
from marketplace.core.forms import EmptyForm
from marketplace.core.http import safe_next
from marketplace.core.i18n import LANGUAGE_COOKIE
from marketplace.core.numbers import date_arg, int_arg
from marketplace.core.policy import Perm, can
from marketplace.core.roles import Role
from teams.services import list_teams, my_teams

bp = Blueprint("main", __name__)


@bp.route("/")
@login_required
def home():
    user = current_user
    if user.has_role(Role.BOARD) and not user.has_role(Role.ADMIN):
        return redirect(url_for("board.dashboard"))  # the board's home is its dashboard (issue 14)
    context = {"role": user.primary_role, "rows": []}
    if user.has_role(Role.BOARD, Role.ADMIN):
        context["teams"] = list_teams(user)
    if not user.has_role(Role.BOARD) or user.has_role(Role.ADMIN):
        context.update(_residents(user))
    if user.has_role(Role.CARER, Role.NURSE, Role.TEAM_LEAD, Role.FREELANCER):
        context["my_teams"] = my_teams(user)
    if user.has_role(Role.TEAM_LEAD):
        context["team_counts"] = status.team_counts([t.id for t in context["my_teams"]], context["rows"])
    return render_template("main/home.html", sort_label=_sort_label, sort_keys=status.SORT_KEYS, **context)


def _residents(user) -> dict:
    """The residents at a glance: cards with money for family and residents, a sortable table for staff."""
    clients = list_clients(user)
    rows = status.statuses(user, clients)
    sort, descending = status.sort_key(request.args.get("sort")), request.args.get("dir") == "desc"
    family_view = user.primary_role in (Role.FAMILY, Role.RESIDENT)
    return {
        "clients": clients, "sort": sort, "descending": descending,
        "rows": status.sorted_statuses(rows, sort, descending),
        "health_column": any(row.uncovered is not None for row in rows),
        "unpaid": unpaid_of(user, clients) if family_view else {},
        "pay_view_ids": {c.id for c in clients if family_view and can(user, Perm.PAYMENT_VIEW, c)},
    }


def _sort_label(key: str) -> str:
    return str({"name": _("name"), "meter": _("meter"), "review": _("review date"), "proposal": _("proposal"),
                "signoff": _("sign-off"), "uncovered": _("uncovered risks")}[key])


@bp.route("/healthz")
def health():
    """Liveness for load balancers; also the trivial endpoint the benchmarks compare against."""
    return {"status": "ok"}


@bp.route("/language", methods=["POST"])
def set_language():
    """Remembered in a cookie, and on the account when logged in."""
    language = request.form.get("language", "")
    target = safe_next(request.form.get("next"))
    if not EmptyForm().validate_on_submit() or language not in current_app.config["LANGUAGES"]:
        return redirect(target)
    if current_user.is_authenticated:
        current_user.locale = language
        db.session.commit()
    response = redirect(target)
    response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600, samesite="Lax",
                        httponly=True, secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


@bp.route("/admin/audit")
@login_required
def audit_log():
    action = request.args.get("action", "")
    if action and action not in {a.value for a in Action}:
        action = ""
    user_id, client_id = int_arg("user"), int_arg("client")
    page = int_arg("page", 1, high=MAX_PAGE)
    name = request.args.get("name", "")[:100]
    errors, dates = {}, {}
    for field in ("from", "to"):
        try:
            dates[field] = date_arg(field)
        except InvalidInput as exc:
            errors[field], dates[field] = exc.message, None
    date_from, date_to = dates["from"], dates["to"]
    rows, has_next = audit.search(current_user, action=action, user_id=user_id, client_id=client_id, name=name,
                                  date_from=date_from, date_to=date_to, page=page)
    filters = {"action": action, "user": user_id, "client": client_id, "name": name or None,
               "from": date_from.isoformat() if date_from else None, "to": date_to.isoformat() if date_to else None}
    return render_template("main/audit.html", rows=rows, has_next=has_next, page=page, shown_detail=shown_detail,
                           filters=filters, action=action, user_id=user_id, client_id=client_id, name=name,
                           date_from=date_from, date_to=date_to, actions=list(Action),
                           errors=errors), 422 if errors else 200
