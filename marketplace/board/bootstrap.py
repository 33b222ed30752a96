"""The board's part of the app: its access rules, pages, API and OpenAPI paths."""
from __future__ import annotations

from flask import Flask

from marketplace.core import openapi

from . import access  # noqa: F401  (registers the board's access rules)
from . import openapi_competition
from .api import bp as board_api
from .dashboard_views import bp as board_views


def init_app(app: Flask) -> None:
    app.register_blueprint(board_views)
    app.register_blueprint(board_api)
    openapi.register(app, openapi_competition.paths, openapi_competition.SCHEMAS)
