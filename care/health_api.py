"""JSON API for the health profile, the access overview and re-indications."""
from __future__ import annotations

from flask import Blueprint, jsonify
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.core.api import json_body
from marketplace.core.errors import ApiError, InvalidInput
from marketplace.core.extensions import csrf

from . import clients, health, health_log, reindication

bp = Blueprint("health_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


def _invalid(exc: InvalidInput):
    return ApiError(422, "invalid", exc.message, {exc.field: exc.message})


def _not_open():
    return ApiError(404, "not_found", _("This risk is not open (any more)."))


def risk_json(risk) -> dict:
    return {
        "id": risk.id, "omaha": risk.omaha, "name_nl": risk.problem.name_nl, "name_en": risk.problem.name_en,
        "domain": risk.problem.domain, "modifier": risk.modifier, "scope": risk.scope, "note": risk.note,
        "recorded_at": risk.recorded_at.isoformat(),
        "ratings": [{"knowledge": r.knowledge, "behaviour": r.behaviour, "status": r.status,
                     "rated_on": r.rated_on.isoformat()} for r in risk.ratings],
        "prescriptions": [{"service": p.service.code, "min_per_week": p.min_per_week, "reason": p.reason}
                          for p in risk.prescriptions],
    }


@bp.get("/clients/<int:client_id>/health")
@login_required
def get_profile(client_id: int):
    client = clients.get_client(current_user, client_id)
    data = health.profile(current_user, client)
    return jsonify(
        client_id=client.id,
        risks=[risk_json(r) for r in data.risks],
        observation_points=[{"id": p.id, "text": p.text} for p in data.observations],
        required=[{"service": r.service, "min_per_week": r.min_per_week, "omaha": list(r.omaha)}
                  for r in data.required.values()],
        uncovered=[{"service": g.service, "required": g.required, "planned": g.planned} for g in data.gaps],
    )


@bp.post("/clients/<int:client_id>/health/risks")
@login_required
def record_risk(client_id: int):
    client = clients.get_client(current_user, client_id)
    data = json_body({"omaha", "modifier", "scope", "note", "knowledge", "behaviour", "status"},
                     {"omaha", "modifier"})
    rating = None
    if any(name in data for name in ("knowledge", "behaviour", "status")):
        rating = (data.get("knowledge"), data.get("behaviour"), data.get("status"))
    try:
        risk = health.record_risk(current_user._get_current_object(), client, omaha=str(data["omaha"]),
                                  modifier=str(data["modifier"]), scope=str(data.get("scope", "individual")),
                                  note=data.get("note", ""), rating=rating)
    except InvalidInput as exc:
        raise _invalid(exc)
    return jsonify(risk=risk_json(risk)), 201


@bp.post("/clients/<int:client_id>/health/risks/<int:risk_id>/ratings")
@login_required
def rate_risk(client_id: int, risk_id: int):
    client = clients.get_client(current_user, client_id)
    data = json_body({"knowledge", "behaviour", "status"}, {"knowledge", "behaviour", "status"})
    try:
        rating = health.rate_risk(current_user._get_current_object(), client, risk_id, data["knowledge"],
                                  data["behaviour"], data["status"])
    except InvalidInput as exc:
        raise _invalid(exc)
    except health.RiskNotFound:
        raise _not_open()
    return jsonify(rating={"knowledge": rating.knowledge, "behaviour": rating.behaviour, "status": rating.status,
                           "rated_on": rating.rated_on.isoformat()}), 201


@bp.delete("/clients/<int:client_id>/health/risks/<int:risk_id>")
@login_required
def end_risk(client_id: int, risk_id: int):
    client = clients.get_client(current_user, client_id)
    try:
        health.end_risk(current_user._get_current_object(), client, risk_id)
    except health.RiskNotFound:
        raise _not_open()
    return jsonify(ok=True)


@bp.post("/clients/<int:client_id>/health/risks/<int:risk_id>/prescriptions")
@login_required
def prescribe(client_id: int, risk_id: int):
    client = clients.get_client(current_user, client_id)
    data = json_body({"service", "min_per_week", "reason"}, {"service", "min_per_week", "reason"})
    try:
        prescription = health.prescribe(current_user._get_current_object(), client, risk_id,
                                        service=str(data["service"]), min_per_week=data["min_per_week"],
                                        reason=data["reason"])
    except InvalidInput as exc:
        raise _invalid(exc)
    except health.RiskNotFound:
        raise _not_open()
    return jsonify(prescription={"service": prescription.service.code, "min_per_week": prescription.min_per_week,
                                 "reason": prescription.reason}), 201


@bp.post("/clients/<int:client_id>/health/observations")
@login_required
def add_observation(client_id: int):
    client = clients.get_client(current_user, client_id)
    data = json_body({"text"}, {"text"})
    try:
        point = health.add_observation(current_user._get_current_object(), client, data["text"])
    except InvalidInput as exc:
        raise _invalid(exc)
    return jsonify(observation_point={"id": point.id, "text": point.text}), 201


@bp.get("/clients/<int:client_id>/access-log")
@login_required
def access_log(client_id: int):
    client = clients.get_client(current_user, client_id)
    return jsonify(events=[{"at": row.at.isoformat(), "user": row.user.name if row.user else None,
                            "role": row.role, "action": row.action,
                            "kind": row.detail if row.detail in health_log.HEALTH_EVENT_VALUES else None}
                           for row in health_log.access_overview(current_user, client)])


@bp.get("/reindications")
@login_required
def reindications():
    return jsonify(reindications=[{
        "client_id": row.client.id, "name": row.client.name, "care_profile": row.client.care_profile,
        "weekly_budget_cents": row.budget_cents, "weekly_health_cents": row.health_cents,
        "weekly_shortfall_cents": row.shortfall_cents,
    } for row in reindication.reindication_list(current_user)])
