"""JSON API of the composition: the audit log and the OpenAPI document."""
from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from care.health_log import shown_detail
from marketplace.core import audit
from marketplace.core.audit import MAX_PAGE, Action
from marketplace.core.errors import ApiError
from marketplace.core.numbers import date_arg, int_arg
from marketplace.core.extensions import csrf

from .labels import ACTION_LABELS, OBJECT_LABELS
from .openapi import build_document

bp = Blueprint("web_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


@bp.get("/audit")
@login_required
def audit_log():
    action = request.args.get("action", "")
    if action and action not in {a.value for a in Action}:
        raise ApiError(422, "invalid", _("Unknown action."), {"action": _("Unknown action.")})
    rows, has_next = audit.search(
        current_user, action=action, user_id=int_arg("user"), client_id=int_arg("client"),
        name=request.args.get("name", "")[:100], date_from=date_arg("from"), date_to=date_arg("to"),
        page=int_arg("page", 1, high=MAX_PAGE),
    )
    return jsonify(events=[{
        "id": row.id, "at": row.at.isoformat(), "user_id": row.user_id, "role": row.role,
        "client_id": row.client_id, "object_type": row.object_type, "object_id": row.object_id,
        "user_name": row.user.name if row.user else None,
        "action": row.action, "action_label": str(ACTION_LABELS.get(row.action, row.action)),
        "outcome": row.outcome, "object_label": str(OBJECT_LABELS.get(row.object_type, row.object_type)),
        "ip": row.ip, "detail": shown_detail(row),
    } for row in rows], has_next=has_next)


@bp.get("/openapi.json")
def openapi():
    return jsonify(build_document())
