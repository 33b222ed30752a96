"""The market's part of the app. Empty while the market is being built: its access rules,
pages and payment purposes (``fulfilment.register``) come in here."""
from __future__ import annotations

from flask import Flask

from . import access  # noqa: F401  (registers the market's access rules)


def init_app(app: Flask) -> None:
    """Nothing to register yet."""
