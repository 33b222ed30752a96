"""The board's part of the app: its access rules, its table, its pages, API and OpenAPI paths."""
from __future__ import annotations

from flask import Flask
from flask_babel import get_locale

from care.domain import round_half_up

from marketplace.core import openapi

from . import access  # noqa: F401  (registers the board's access rules)
from . import models  # noqa: F401  (the board's table)
from . import openapi_competition, openapi_plan
from .api import bp as board_api
from .dashboard_views import bp as board_views
from .plan_api import bp as plan_api
from .plan_views import bp as plan_views


def _decimals(value: int, places: int) -> str:
    """``value`` in units of 10**-places with the user's decimal separator: (1358, 3) → 1,358.

    Plain arithmetic rather than Babel's pattern formatting: a staffing page shows hundreds of
    figures, and the board's numbers never reach a thousands separator's size in FTE or hours.
    """
    separator = "." if str(get_locale() or "nl").startswith("en") else ","
    whole, part = divmod(abs(value), 10 ** places)
    return f"{'−' if value < 0 else ''}{whole}{separator}{part:0{places}d}"


def fte(milli: int) -> str:
    """FTE in thousandths shown with two decimals: 1358 → 1,36; −358 → −0,36 (half up)."""
    return _decimals(round_half_up(milli, 10), 2)


def hours(minutes: int) -> str:
    """Minutes as hours with one decimal: 2200 → 36,7."""
    return _decimals(round_half_up(minutes, 6), 1)


def pct_change(tenths: int) -> str:
    """A change in tenths of a percent with its sign: 50 → +5,0; −25 → −2,5."""
    return ("+" if tenths >= 0 else "") + _decimals(tenths, 1)


def init_app(app: Flask) -> None:
    app.register_blueprint(board_views)
    app.register_blueprint(board_api)
    openapi.register(app, openapi_competition.paths, openapi_competition.SCHEMAS)
    app.register_blueprint(plan_views)
    app.register_blueprint(plan_api)
    openapi.register(app, openapi_plan.paths, openapi_plan.SCHEMAS)
    app.jinja_env.filters["fte"] = fte
    app.jinja_env.filters["hours"] = hours
    app.jinja_env.filters["pct_change"] = pct_change
