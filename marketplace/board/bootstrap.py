"""The board's part of the app: its access rules (its pages come with the board issue)."""
from __future__ import annotations

from flask import Flask

from . import access  # noqa: F401  (registers the board's access rules)


def init_app(app: Flask) -> None:
    """Nothing to register beyond the access rules yet."""
