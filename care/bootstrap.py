"""Care's part of the app: pages, API, labels, OpenAPI paths, access rules, invitation grant."""
from __future__ import annotations

from flask import Flask

from marketplace.accounts import invitations
from marketplace.core import openapi

from . import access  # noqa: F401  (registers care's access rules)
from . import labels
from . import openapi as paths
from .api import bp as care_api
from .catalogue_views import bp as catalogue_views
from .clients import grant_family_contact
from .health_api import bp as health_api
from .health_views import bp as health_views
from .package_views import bp as package_views
from .views import bp as care_views


def init_app(app: Flask) -> None:
    for blueprint in (care_views, package_views, catalogue_views, health_views, care_api, health_api):
        app.register_blueprint(blueprint)
    labels.init_app(app)
    openapi.register(app, paths.paths, paths.SCHEMAS)
    invitations.register_grant(app, grant_family_contact)
