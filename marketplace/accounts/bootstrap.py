"""Accounts' part of the app: login wiring, pages, API, OpenAPI paths and access rules."""
from __future__ import annotations

from flask import Flask

from marketplace.core import openapi

from . import access  # noqa: F401  (registers the accounts' access rules)
from . import openapi as paths
from .api import bp as api
from .notification_api import bp as notification_api
from .notification_views import bp as notification_views
from .auth import init_login
from .views import bp as views


def init_app(app: Flask) -> None:
    init_login(app)
    app.register_blueprint(views)
    app.register_blueprint(api)
    app.register_blueprint(notification_views)
    app.register_blueprint(notification_api)
    openapi.register(app, paths.paths, paths.SCHEMAS)
