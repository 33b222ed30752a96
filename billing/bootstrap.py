"""Billing's part of the app: the gateway, pages, API, commands, OpenAPI paths, access rules,
and its own payment purpose (co-payment invoices)."""
from __future__ import annotations

from flask import Flask

from marketplace.core import openapi

from . import access  # noqa: F401  (registers billing's access rules)
from . import commands, fulfilment, gateway, webhooks
from . import openapi as paths
from .api import bp as billing_api
from .invoices import CopayInvoicePurpose
from .views import bp as billing_views


def init_app(app: Flask) -> None:
    gateway.init_app(app)
    webhooks.init_app(app)
    app.register_blueprint(billing_views)
    app.register_blueprint(billing_api)
    commands.init_app(app)
    openapi.register(app, paths.paths, paths.SCHEMAS)
    fulfilment.register(app, CopayInvoicePurpose())
