"""Flask-Login wiring: sessions for pages and the API, bearer tokens for the API only."""
from __future__ import annotations

from flask import Flask, jsonify, redirect, request, url_for
from flask_babel import gettext as _

from .extensions import login_manager

API_PREFIX = "/api/"


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def init_login(app: Flask) -> None:
    from . import accounts

    login_manager.init_app(app)
    login_manager.session_protection = "basic"
    login_manager.login_view = "auth.login"

    @login_manager.user_loader
    def load_user(session_id: str):
        # A request that presents a token is judged by the token alone: a revoked token must
        # not fall back to the browser's session, and security.api_csrf skips CSRF for it.
        if is_api_request() and bearer_token() is not None:
            return None
        return accounts.load_session_user(session_id)

    @login_manager.request_loader
    def load_user_from_token(_request):
        secret = bearer_token()
        if secret is None or not is_api_request():
            return None
        try:
            return accounts.user_for_token(secret)
        except accounts.TokenInvalid:
            return None

    @login_manager.unauthorized_handler
    def unauthorized():
        if is_api_request():
            message = _("This token is not valid (any more).") if bearer_token() else _("Please log in.")
            response = jsonify(error={"code": "unauthorized", "message": message})
            response.status_code = 401
            return response
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
