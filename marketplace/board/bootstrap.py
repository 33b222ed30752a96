"""The board's part of the app: its access rules, its table, its pages, API and OpenAPI paths."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from flask import Flask
from flask_babel import format_decimal

from marketplace.core import openapi

from . import access  # noqa: F401  (registers the board's access rules)
from . import models  # noqa: F401  (the board's table)
from . import openapi_plan
from .plan_api import bp as plan_api
from .plan_views import bp as plan_views


def fte(milli: int) -> str:
    """FTE in thousandths shown with two decimals in the user's language: 1358 → 1,36; −358 → −0,36."""
    return format_decimal(Decimal(milli) / 1000, format="#,##0.00")


def hours(minutes: int) -> str:
    """Minutes as hours with one decimal: 2200 → 36,7."""
    return format_decimal((Decimal(minutes) / 60).quantize(Decimal("0.1"), ROUND_HALF_UP), format="#,##0.0")


def pct_change(tenths: int) -> str:
    """A change in tenths of a percent with its sign: 50 → +5,0; −25 → −2,5."""
    return ("+" if tenths >= 0 else "−") + format_decimal(Decimal(abs(tenths)) / 10, format="#,##0.0")


def init_app(app: Flask) -> None:
    app.register_blueprint(plan_views)
    app.register_blueprint(plan_api)
    openapi.register(app, openapi_plan.paths, openapi_plan.SCHEMAS)
    app.jinja_env.filters["fte"] = fte
    app.jinja_env.filters["hours"] = hours
    app.jinja_env.filters["pct_change"] = pct_change
