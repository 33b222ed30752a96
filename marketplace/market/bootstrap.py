"""The market's part of the app: its tables, access rules, pages, API and OpenAPI paths."""
from __future__ import annotations

from flask import Flask

from . import access  # noqa: F401  (registers the market's access rules)
from . import models  # noqa: F401  (the market's tables)
from . import ratings  # noqa: F401  (registers the ratings' notification kinds)


def init_app(app: Flask) -> None:
    """Nothing to register yet."""
