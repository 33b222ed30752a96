"""The market's part of the app: its tables, access rules, pages, API, OpenAPI paths, commands
and notification kinds."""
from __future__ import annotations

from flask import Flask

from . import access  # noqa: F401  (registers the market's access rules)
from . import models  # noqa: F401  (the market's tables)


def init_app(app: Flask) -> None:
    """Nothing to register yet."""
