"""Teams' part of the app: pages, API, OpenAPI paths and access rules."""
from __future__ import annotations

from flask import Flask

from marketplace.core import openapi

from . import access  # noqa: F401  (registers the teams' access rules)
from . import openapi as paths
from .api import bp as teams_api
from .views import bp as team_views


def init_app(app: Flask) -> None:
    app.register_blueprint(team_views)
    app.register_blueprint(teams_api)
    openapi.register(app, paths.paths, paths.SCHEMAS)
