"""Accounts' part of the app: login wiring, pages, API, OpenAPI paths and access rules."""
from __future__ import annotations

from flask import Flask
from flask_login import current_user

from marketplace.core import openapi
from marketplace.core.policy import Perm, can

from . import access  # noqa: F401  (registers the accounts' access rules)
from . import openapi as paths
from .api import bp as api
from .notification_api import bp as notification_api
from .notification_views import bp as notification_views
from .auth import init_login
from .views import bp as views


def init_app(app: Flask) -> None:
    init_login(app)

    @app.context_processor
    def api_tokens_context():
        user = current_user
        signed_in = bool(user and user.is_authenticated)
        return {"api_tokens_allowed": signed_in and can(user, Perm.API_TOKEN_CREATE),
                # Families and residents read names and dates; codes, staff levels and ISO weeks are staff words.
                "plain_words": signed_in and not user.has_role(*access.STAFF_ROLES)}

    app.register_blueprint(views)
    app.register_blueprint(api)
    app.register_blueprint(notification_views)
    app.register_blueprint(notification_api)
    openapi.register(app, paths.paths, paths.SCHEMAS)
