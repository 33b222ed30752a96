"""The Zorgmarkt application shell."""
from __future__ import annotations

from flask import Flask

from .config import load_config


def create_app(config: dict | None = None) -> Flask:
    """Build the app. ``config`` overrides what the environment says (tests use it)."""
    app = Flask(__name__, template_folder="../templates", static_folder="../static",
                instance_relative_config=True)
    mode = (config or {}).get("ZORGMARKT_MODE")
    app.config.from_mapping(load_config(mode, app.instance_path))
    app.config.from_mapping(config or {})
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_request_hooks(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from billing import gateway

    from . import i18n
    from .auth import init_login
    from .extensions import babel, csrf, db, limiter, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=lambda: "Europe/Amsterdam")
    limiter.init_app(app)
    init_login(app)
    i18n.init_app(app)
    gateway.init_app(app)
    _import_models()


def _import_models() -> None:
    # Every table must be known to the metadata for create_all and for Alembic.
    import billing.models  # noqa: F401
    import care.models  # noqa: F401
    import marketplace.audit  # noqa: F401
    import marketplace.models  # noqa: F401
    import teams.models  # noqa: F401


def register_blueprints(app: Flask) -> None:
    from billing.api import bp as billing_api
    from billing.views import bp as billing_views
    from care.api import bp as care_api
    from care.catalogue_views import bp as catalogue_views
    from care.health_api import bp as health_api
    from care.health_views import bp as health_views
    from care.package_views import bp as package_views
    from care.views import bp as care_views
    from teams.api import bp as teams_api
    from teams.views import bp as team_views

    from .api import bp as api
    from .auth_views import bp as auth_views
    from .views import bp as main_views

    for blueprint in (main_views, auth_views, care_views, package_views, catalogue_views, health_views, team_views,
                      billing_views, api, care_api, health_api, teams_api, billing_api):
        app.register_blueprint(blueprint)


def register_errorhandlers(app: Flask) -> None:
    from .errors import init_app

    init_app(app)


def register_request_hooks(app: Flask) -> None:
    from .security import init_app

    init_app(app)


def register_commands(app: Flask) -> None:
    from .commands import init_app

    init_app(app)
