"""The composition's own pages and API."""
from __future__ import annotations

from flask import Flask

from marketplace.core import openapi

from . import api_paths
from .api import bp as web_api
from .views import bp as main_views


def init_app(app: Flask) -> None:
    app.register_blueprint(main_views)
    app.register_blueprint(web_api)
    openapi.register(app, api_paths.paths, api_paths.SCHEMAS)
