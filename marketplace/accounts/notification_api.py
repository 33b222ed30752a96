"""JSON API for the user's own notifications and settings."""
from __future__ import annotations

from flask import Blueprint, jsonify
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.core.api import json_body
from marketplace.core.errors import ApiError
from marketplace.core.extensions import csrf
from marketplace.core.numbers import int_arg
from marketplace.core.policy import Perm, can

from . import notifications
from .access import chooses_api_access

bp = Blueprint("notifications_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # session writes are checked in security.api_csrf; bearer tokens need none


def notification_json(n) -> dict:
    return {"id": n.id, "kind": n.kind, "text": n.text, "link": n.link or None,
            "created_at": n.created_at.isoformat(), "read_at": n.read_at.isoformat() if n.read_at else None}


def settings_json(user) -> dict:
    return {"email_notifications": user.email_notifications, "api_access": can(user, Perm.API_TOKEN_CREATE)}


@bp.get("/notifications")
@login_required
def list_notifications():
    page = int_arg("page", 1, low=1, high=10_000)
    rows, has_next = notifications.page_of(current_user, page)
    return jsonify(notifications=[notification_json(n) for n in rows], unread=notifications.unread_count(current_user),
                   page=page, has_next=has_next)


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def read(notification_id: int):
    return jsonify(notification=notification_json(notifications.mark_read(current_user, notification_id)))


@bp.post("/notifications/read-all")
@login_required
def read_all():
    return jsonify(marked=notifications.mark_all_read(current_user))


@bp.get("/settings")
@login_required
def get_settings():
    return jsonify(settings=settings_json(current_user))


@bp.patch("/settings")
@login_required
def change_settings():
    user = current_user._get_current_object()
    data = json_body({"email_notifications", "api_access"}, set())
    for name, value in data.items():
        if not isinstance(value, bool):
            raise ApiError(422, "invalid", _("Some of what you entered is not valid."), {name: _("Use true or false.")})
    if "api_access" in data and not chooses_api_access(user):
        raise ApiError(422, "invalid", _("Some of what you entered is not valid."),
                       {"api_access": _("Only family contacts choose this; staff always may use tokens.")})
    notifications.update_settings(user, email_notifications=data.get("email_notifications", user.email_notifications),
                                  api_access=data.get("api_access"))
    return jsonify(settings=settings_json(user))
