"""Flask-Login wiring: sessions for pages and the API, bearer tokens for the API only."""
from __future__ import annotations

from flask import Flask, jsonify, redirect, request, url_for
from flask_babel import gettext as _

from marketplace.core.extensions import login_manager
from marketplace.core.http import bearer_token, is_api_request

from . import sessions, tokens


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.session_protection = "basic"
    login_manager.login_view = "auth.login"

    @login_manager.user_loader
    def load_user(session_id: str):
        # A request that presents a token is judged by the token alone: a revoked token must
        # not fall back to the browser's session, and security.api_csrf skips CSRF for it.
        if is_api_request() and bearer_token() is not None:
            return None
        return sessions.load_session_user(session_id)

    @login_manager.request_loader
    def load_user_from_token(_request):
        secret = bearer_token()
        if secret is None or not is_api_request():
            return None
        try:
            return tokens.user_for_token(secret)
        except tokens.TokenInvalid:
            return None

    @login_manager.unauthorized_handler
    def unauthorized():
        if is_api_request():
            message = _("This token is not valid (any more).") if bearer_token() else _("Please log in.")
            response = jsonify(error={"code": "unauthorized", "message": message})
            response.status_code = 401
            return response
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
