"""JSON API, version 1: authentication, the current user, tokens, the audit log, OpenAPI."""
from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from flask_wtf.csrf import generate_csrf

from . import accounts, audit
from .audit import Action
from .auth_views import start_session
from .errors import ApiError
from .extensions import csrf
from .ratelimits import login_throttled, mark_login_failed

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # session writes are checked in security.api_csrf; bearer tokens need none


def json_body(allowed: set[str], required: set[str] = frozenset()) -> dict:
    """The request's JSON object, restricted to an allow-list of fields.

    :raises ApiError: 415 when it is not JSON, 422 for unknown or missing fields.
    """
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", _("Send JSON with Content-Type: application/json."))
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(422, "invalid", _("The body must be a JSON object."))
    unknown = set(data) - allowed
    missing = {name for name in required if data.get(name) in (None, "")}
    if unknown or missing:
        fields = {name: _("Unknown field.") for name in unknown}
        fields.update({name: _("This field is required.") for name in missing})
        raise ApiError(422, "invalid", _("Some of what you entered is not valid."), fields)
    return data


def user_json(user) -> dict:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "roles": sorted(user.roles),
        "organisation": {"id": user.organisation.id, "name": user.organisation.name},
        "locale": user.locale,
    }


@bp.post("/auth/login")
@login_throttled
def login():
    data = json_body({"email", "password"}, {"email", "password"})
    if not isinstance(data["email"], str) or not isinstance(data["password"], str) \
            or len(data["email"]) > 254 or len(data["password"]) > 200:
        mark_login_failed()
        raise ApiError(422, "invalid", _("Some of what you entered is not valid."))
    try:
        user = accounts.authenticate(data["email"], data["password"])
    except accounts.InvalidCredentials:
        mark_login_failed()
        raise ApiError(401, "invalid_credentials", _("This e-mail address and password do not match."))
    start_session(user)
    return jsonify(user=user_json(user), csrf_token=generate_csrf())


@bp.post("/auth/logout")
@login_required
def logout():
    accounts.logout(current_user._get_current_object())
    logout_user()
    return jsonify(ok=True)


@bp.get("/me")
@login_required
def me():
    return jsonify(user=user_json(current_user), csrf_token=generate_csrf())


def token_json(token) -> dict:
    return {
        "id": token.id,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": token.created_at.isoformat(),
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
    }


@bp.get("/tokens")
@login_required
def list_tokens():
    return jsonify(tokens=[token_json(token) for token in accounts.list_tokens(current_user)])


@bp.post("/tokens")
@login_required
def create_token():
    data = json_body({"name"}, {"name"})
    if not isinstance(data["name"], str) or len(data["name"]) > 100:
        raise ApiError(422, "invalid", _("Some of what you entered is not valid."),
                       {"name": _("Use at most 100 characters.")})
    issued = accounts.create_token(current_user._get_current_object(), data["name"])
    return jsonify(token=token_json(issued.token), secret=issued.secret), 201


@bp.delete("/tokens/<int:token_id>")
@login_required
def revoke_token(token_id: int):
    try:
        token = accounts.revoke_token(current_user._get_current_object(), token_id)
    except accounts.TokenInvalid:
        raise ApiError(404, "not_found", _("This page or item does not exist."))
    return jsonify(token=token_json(token))


@bp.get("/audit")
@login_required
def audit_log():
    action = request.args.get("action", "")
    if action and action not in {a.value for a in Action}:
        raise ApiError(422, "invalid", _("Unknown action."), {"action": _("Unknown action.")})
    rows, has_next = audit.search(
        current_user, action=action, user_id=request.args.get("user", type=int),
        client_id=request.args.get("client", type=int), page=request.args.get("page", 1, type=int),
    )
    return jsonify(events=[{
        "id": row.id, "at": row.at.isoformat(), "user_id": row.user_id, "role": row.role,
        "client_id": row.client_id, "object_type": row.object_type, "object_id": row.object_id,
        "action": row.action, "outcome": row.outcome, "ip": row.ip, "detail": row.detail,
    } for row in rows], has_next=has_next)


@bp.get("/openapi.json")
def openapi():
    from .openapi import build_document

    return jsonify(build_document())
