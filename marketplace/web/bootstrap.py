"""The composition's own pages and API."""
from __future__ import annotations

from flask import Flask

from marketplace.core import openapi

from . import admin_paths, api_paths, labels
from .admin_api import bp as admin_api
from .admin_views import bp as admin_views
from .api import bp as web_api
from .views import bp as main_views


def init_app(app: Flask) -> None:
    app.register_blueprint(main_views)
    app.register_blueprint(web_api)
    app.register_blueprint(admin_views)
    app.register_blueprint(admin_api)
    labels.init_app(app)
    openapi.register(app, api_paths.paths, api_paths.SCHEMAS)
    openapi.register(app, admin_paths.paths, admin_paths.SCHEMAS)
