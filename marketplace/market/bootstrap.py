"""The market's part of the app: its tables, access rules, pages, API and OpenAPI paths."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from marketplace.core import openapi
from marketplace.core.i18n import percent_tenths, register_labels

from . import access  # noqa: F401  (registers the market's access rules)
from . import models  # noqa: F401  (the market's tables)
from . import openapi_offers
from .offer_api import bp as offer_api
from .offer_views import bp as offer_views
from .offers import initials

ASPECT_LABELS = {"care": _l("Care"), "attention": _l("Time and attention"), "communication": _l("Communication"),
                 "reliability": _l("Reliability"), "atmosphere": _l("Atmosphere")}


def init_app(app: Flask) -> None:
    app.register_blueprint(offer_views)
    app.register_blueprint(offer_api)
    openapi.register(app, openapi_offers.paths, openapi_offers.SCHEMAS)
    register_labels(app, "aspect_label", ASPECT_LABELS)
    app.jinja_env.filters["mark"] = lambda average: percent_tenths(int(average * 10))
    app.jinja_env.filters["team_initials"] = initials
