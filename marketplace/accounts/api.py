"""JSON API, version 1: logging in and out, the current user, personal access tokens."""
from __future__ import annotations

from flask import Blueprint, jsonify
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from flask_wtf.csrf import generate_csrf

from marketplace.core.api import json_body
from marketplace.core.errors import ApiError
from marketplace.core.extensions import csrf
from marketplace.core.policy import Perm, authorize
from marketplace.core.ratelimits import login_throttled, mark_login_failed, second_factor_throttled

from . import second_factor, sessions, tokens
from .views import begin_second_factor, pending_user, start_session

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # session writes are checked in security.api_csrf; bearer tokens need none


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
        user = sessions.authenticate(data["email"], data["password"])
    except sessions.InvalidCredentials:
        mark_login_failed()
        raise ApiError(401, "invalid_credentials", _("This e-mail address and password do not match."))
    if second_factor.needed(user):
        if not second_factor.enrolled(user):
            raise ApiError(403, "second_factor_enrolment_required",
                           _("Set up your second factor by logging in on the website first."))
        begin_second_factor(user)
        raise ApiError(401, "second_factor_required",
                       _("Second factor required: send the code from your authenticator app to "
                         "/api/v1/auth/second-factor."))
    start_session(user)
    return jsonify(user=user_json(user), csrf_token=generate_csrf())


@bp.post("/auth/second-factor")
@second_factor_throttled
def second_factor_login():
    if current_user.is_authenticated:
        return jsonify(user=user_json(current_user), csrf_token=generate_csrf())
    data = json_body({"code"}, {"code"})
    user = pending_user()
    if user is None or not second_factor.enrolled(user):
        raise ApiError(401, "unauthorized", _("Please log in."))
    if not isinstance(data["code"], str) or len(data["code"]) > 40:
        mark_login_failed()
        raise ApiError(422, "invalid", _("Some of what you entered is not valid."), {"code": _("Use a text of at most 40 characters.")})
    try:
        second_factor.verify(user, data["code"])
    except second_factor.InvalidCode as refused:
        mark_login_failed()
        raise ApiError(401, "invalid_code", str(refused.message))
    start_session(user)
    return jsonify(user=user_json(user), csrf_token=generate_csrf())


@bp.post("/auth/logout")
@login_required
def logout():
    sessions.logout(current_user._get_current_object())
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
    return jsonify(tokens=[token_json(token) for token in tokens.list_tokens(current_user)])


@bp.post("/tokens")
@login_required
def create_token():
    authorize(current_user, Perm.API_TOKEN_CREATE)
    data = json_body({"name"}, {"name"})
    if not isinstance(data["name"], str) or len(data["name"]) > 100:
        raise ApiError(422, "invalid", _("Some of what you entered is not valid."),
                       {"name": _("Use at most 100 characters.")})
    issued = tokens.create_token(current_user._get_current_object(), data["name"])
    return jsonify(token=token_json(issued.token), secret=issued.secret), 201


@bp.delete("/tokens/<int:token_id>")
@login_required
def revoke_token(token_id: int):
    try:
        token = tokens.revoke_token(current_user._get_current_object(), token_id)
    except tokens.TokenInvalid:
        raise ApiError(404, "not_found", _("This page or item does not exist."))
    return jsonify(token=token_json(token))
