"""Pages of the health profile (nurses edit; the care relationship reads), the client's
access overview, the re-indication worklist and the risk rules."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import validate_csrf
from sqlalchemy import select
from wtforms import ValidationError

from marketplace.core.db_types import local_today
from marketplace.core.errors import InvalidInput
from marketplace.core.extensions import db
from marketplace.core.policy import Perm, authorize, can

from . import clients, health, health_log, reindication, requirements, risk_rules
from .catalogue import price_list
from .models import RiskRule
from .models.health import Modifier, Scope
from .versions import ConcurrentChange

bp = Blueprint("health", __name__)


def _int_or_none(name: str):
    value = request.form.get(name, "").strip()
    if value == "":
        return None
    # ASCII digits only, and short: int() of a 5,000-digit text raises instead of answering.
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 4 else value


def _back(client_id: int):
    return redirect(url_for(".profile", client_id=client_id))


def _render_profile(client, error: str | None = None, sent: dict | None = None):
    """The page; after a refused form, ``sent`` brings back what was typed and where it went wrong."""
    return render_template(
        "care/health.html", client=client, profile=health.profile(current_user, client),
        locale=str(get_locale()), query=request.args.get("q", "").strip().lower(), error=error,
        sent=sent or {"form": None, "values": {}, "errors": {}},
        editable=can(current_user, Perm.HEALTH_EDIT, client), modifiers=list(Modifier), scopes=list(Scope),
        prices=price_list(client.organisation, local_today()),
    )


@bp.route("/clients/<int:client_id>/health")
@login_required
def profile(client_id: int):
    return _render_profile(clients.get_client(current_user, client_id))


def _run(client_id: int, action, success: str, form_name: str):
    """Call a nurse's use case from a form; a bad value goes back as a message next to its field,
    with everything that was typed in the form ``form_name`` kept, and nothing saved."""
    client = clients.get_client(current_user, client_id)
    authorize(current_user, Perm.HEALTH_EDIT, client)
    try:
        action(client)
    except InvalidInput as exc:
        db.session.rollback()
        sent = {"form": form_name, "values": request.form.to_dict(), "errors": exc.fields or {exc.field: exc.message}}
        return _render_profile(client, exc.message, sent), 422
    except health.RiskNotFound:
        flash(_("This risk is not open (any more)."), "warning")
    except ConcurrentChange:
        flash(_("Someone else saved at the same moment. Reload and try again."), "error")
        return _back(client.id), 409
    else:
        flash(success, "success")
    return _back(client.id)


@bp.route("/clients/<int:client_id>/health/risks", methods=["POST"])
@login_required
def record_risk(client_id: int):
    form = request.form
    rating = None
    if any(form.get(name) for name in ("knowledge", "behaviour", "status")):
        rating = tuple(_int_or_none(name) for name in ("knowledge", "behaviour", "status"))
    return _run(client_id, lambda client: health.record_risk(
        current_user, client, omaha=form.get("omaha", ""), modifier=form.get("modifier", ""),
        scope=form.get("scope", "individual"), note=form.get("note", ""), rating=rating),
        _("The health risk is saved. Required care is added to the draft."), "risk")


@bp.route("/clients/<int:client_id>/health/risks/<int:risk_id>/rating", methods=["POST"])
@login_required
def rate_risk(client_id: int, risk_id: int):
    return _run(client_id, lambda client: health.rate_risk(
        current_user, client, risk_id, _int_or_none("knowledge"), _int_or_none("behaviour"),
        _int_or_none("status")), _("The rating is saved."), f"rating-{risk_id}")


@bp.route("/clients/<int:client_id>/health/risks/<int:risk_id>/end", methods=["POST"])
@login_required
def end_risk(client_id: int, risk_id: int):
    return _run(client_id, lambda client: health.end_risk(current_user, client, risk_id),
                _("The health risk is closed."), f"end-{risk_id}")


@bp.route("/clients/<int:client_id>/health/risks/<int:risk_id>/prescription", methods=["POST"])
@login_required
def prescribe(client_id: int, risk_id: int):
    return _run(client_id, lambda client: health.prescribe(
        current_user, client, risk_id, service=request.form.get("service", ""),
        min_per_week=_int_or_none("min_per_week"), reason=request.form.get("reason", "")),
        _("The higher minimum is saved."), f"prescription-{risk_id}")


@bp.route("/clients/<int:client_id>/health/observations", methods=["POST"])
@login_required
def add_observation(client_id: int):
    return _run(client_id, lambda client: health.add_observation(current_user, client,
                                                                  request.form.get("text", "")),
                _("The observation point is saved."), "observation")


@bp.route("/clients/<int:client_id>/health/observations/<int:point_id>/end", methods=["POST"])
@login_required
def end_observation(client_id: int, point_id: int):
    return _run(client_id, lambda client: health.end_observation(current_user, client, point_id),
                _("The observation point is closed."), f"end-observation-{point_id}")


@bp.route("/clients/<int:client_id>/access-log")
@login_required
def access_log(client_id: int):
    client = clients.get_client(current_user, client_id)
    return render_template("care/access_log.html", client=client,
                           rows=health_log.access_overview(current_user, client),
                           health_events=health_log.HEALTH_EVENT_VALUES)


@bp.route("/reindications")
@login_required
def reindications():
    return render_template("care/reindications.html", rows=reindication.reindication_list(current_user))


@bp.route("/reindications.csv")
@login_required
def reindications_csv():
    body = reindication.reindication_csv(current_user)
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=herindicatie-{local_today().isoformat()}.csv"})


@bp.route("/admin/risk-rules", methods=["GET", "POST"], endpoint="risk_rules")
@login_required
def edit_risk_rules():
    authorize(current_user, Perm.RISK_RULES_EDIT, current_user.organisation)
    status = 200
    if request.method == "POST":
        try:
            validate_csrf(request.form.get("csrf_token"))
            risk_rules.change_rule(current_user, request.form.get("rule", type=int),
                               _int_or_none("min_per_week"))
        except ValidationError:
            flash(_("Your form has expired or is not valid. Reload the page and try again."), "error")
            status = 400
        except InvalidInput as exc:
            flash(exc.message, "error")
            status = 422
        else:
            flash(_("The rule is saved."), "success")
            return redirect(url_for(".risk_rules"))
    rules = list(db.session.scalars(select(RiskRule).where(RiskRule.organisation_id == current_user.organisation_id)
                                    .order_by(RiskRule.omaha, RiskRule.modifier)))
    return render_template("care/risk_rules.html", rules=rules, problems=requirements.problems(),
                           locale=str(get_locale())), status
