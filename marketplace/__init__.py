"""Zorgmarkt: the composition on top. ``create_app`` is the only place that imports every package.

The floors below it (STYLE.md, enforced by import-linter in ``make test``)::

    marketplace.web, demo, commands      the composition (this package's top)
    marketplace.board                    read-only views for the board
    marketplace.market                   offers, team choice, extras, bookings
    teams, billing                       use cases (they never import the market or the board)
    care                                 clients, packages, health
    marketplace.accounts, teams.models,  floor 1: accounts, the team a client belongs to,
      billing's ledger kernel              and the ledger's balances
    marketplace.core                     the kernel: imports nothing of ours
"""
from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from .core.config import load_config


def create_app(config: dict | None = None) -> Flask:
    """Build the app. ``config`` overrides what the environment says (tests use it)."""
    app = Flask(__name__, template_folder="../templates", static_folder="../static",
                instance_relative_config=True)
    mode = (config or {}).get("ZORGMARKT_MODE")
    app.config.from_mapping(load_config(mode, app.instance_path))
    app.config.from_mapping(config or {})
    register_extensions(app)
    register_packages(app)
    register_commands(app)
    check_policy()
    trust_proxies(app)
    return app


def trust_proxies(app: Flask) -> None:
    """Behind N proxies, the client's address and scheme are the ones the nearest N proxies
    reported (the rightmost N entries of X-Forwarded-For); without proxies the headers are
    ignored, so a client cannot pick the address the login limits count."""
    count = app.config.get("TRUSTED_PROXIES", 0)
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)


def register_extensions(app: Flask) -> None:
    # Imports live inside the factory: importing any module of the kernel runs this package's
    # __init__, which must not import the packages that import the kernel.
    from .core import audit, error_handlers, i18n, outbox, security
    from .core.extensions import babel, csrf, db, limiter, migrate
    from .core.numbers import AsciiIntConverter

    # Before any blueprint: every <int:...> of every route takes ASCII digits a BIGINT holds.
    app.url_map.converters["int"] = AsciiIntConverter

    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=lambda: "Europe/Amsterdam")
    limiter.init_app(app)
    i18n.init_app(app)
    audit.init_app(app)
    outbox.init_app(app)
    error_handlers.init_app(app)
    security.init_app(app)


def register_packages(app: Flask) -> None:
    """Each package registers its blueprints, commands, template filters, OpenAPI paths, access
    rules and registry entries (payment purposes, the invitation grant)."""
    import billing.bootstrap
    import care.bootstrap
    import teams.bootstrap

    from .accounts import bootstrap as accounts
    from .board import bootstrap as board
    from .market import bootstrap as market
    from .web import bootstrap as web

    for package in (accounts, care.bootstrap, teams.bootstrap, billing.bootstrap, market, board, web):
        package.init_app(app)


def register_commands(app: Flask) -> None:
    from .commands import init_app

    init_app(app)


def check_policy() -> None:
    """The app refuses to start while a permission has no rule."""
    from .core.policy import check_complete

    check_complete()
