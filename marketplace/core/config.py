"""Configuration per mode, read from environment variables with explicit types.

``ZORGMARKT_MODE`` chooses ``demo`` (the default, for ``make run``), ``test`` or
``production``. Production refuses to start without a real secret key and database.
"""
import os
from dataclasses import dataclass


class ConfigError(RuntimeError):
    """The environment does not describe a configuration we can run with."""


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {value!r}") from exc


@dataclass(frozen=True)
class Argon2Params:
    time_cost: int
    memory_cost: int  # KiB
    parallelism: int


# OWASP's argon2id recommendation is at least m=19 MiB, t=2, p=1; we use more.
PRODUCTION_ARGON2 = Argon2Params(time_cost=3, memory_cost=65536, parallelism=4)
# Tests create hundreds of accounts; the parameters are still argon2id.
TEST_ARGON2 = Argon2Params(time_cost=1, memory_cost=1024, parallelism=1)

MODES = ("demo", "test", "production")


def load_config(mode: str | None = None, instance_path: str = "instance") -> dict:
    """Build the Flask config mapping for ``mode`` from the environment.

    :raises ConfigError: for an unknown mode, or production without SECRET_KEY/DATABASE_URL.
    """
    mode = mode or os.environ.get("ZORGMARKT_MODE", "demo")
    if mode not in MODES:
        raise ConfigError(f"ZORGMARKT_MODE must be one of {', '.join(MODES)}, got {mode!r}")

    secret_key = os.environ.get("SECRET_KEY")
    database_url = os.environ.get("DATABASE_URL")
    if mode == "production":
        if not secret_key or len(secret_key) < 32:
            raise ConfigError("production needs SECRET_KEY (at least 32 characters)")
        if not database_url:
            raise ConfigError("production needs DATABASE_URL")
        if os.environ.get("STRIPE_SECRET_KEY") and not os.environ.get("STRIPE_WEBHOOK_SECRET"):
            raise ConfigError("production with Stripe needs STRIPE_WEBHOOK_SECRET")
        if os.environ.get("STRIPE_SECRET_KEY") and not os.environ.get("STRIPE_CONNECT_WEBHOOK_SECRET"):
            raise ConfigError("production with Stripe needs STRIPE_CONNECT_WEBHOOK_SECRET")
    if not secret_key:
        # Demo and test only: a fresh random key per process. Sessions do not survive
        # a restart, which is what a demo wants anyway.
        secret_key = os.urandom(32).hex()
    if not database_url:
        database_url = f"sqlite:///{os.path.join(os.path.abspath(instance_path), 'zorgmarkt.sqlite')}"

    production = mode == "production"
    argon2 = TEST_ARGON2 if mode == "test" else PRODUCTION_ARGON2
    return {
        "ZORGMARKT_MODE": mode,
        "DEMO_MODE": mode == "demo",
        "TESTING": mode == "test",
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", production),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", production),
        "PERMANENT_SESSION_LIFETIME": _int("SESSION_LIFETIME_MINUTES", 480) * 60,
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,
        "HSTS": production,
        "BABEL_DEFAULT_LOCALE": "nl",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Amsterdam",
        "LANGUAGES": ("nl", "en"),
        "ARGON2": argon2,
        "LOGIN_LIMIT": os.environ.get("LOGIN_LIMIT", "10 per minute"),
        # Encrypts the second factor's secrets; without it they hang on SECRET_KEY.
        "SECOND_FACTOR_KEY": os.environ.get("SECOND_FACTOR_KEY", ""),
        # The longest wait of a try for an account under attack (ratelimits.py); tests that
        # check the delays turn it on and record them instead of waiting.
        "LOGIN_MAX_DELAY": 0.0 if mode == "test" else 2.0,
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        # How many proxies in front of the app set X-Forwarded-For/-Proto (0: none, and the
        # headers are ignored, so a client cannot choose the address the limits count).
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        "RATELIMIT_HEADERS_ENABLED": True,
        "INVITATION_DAYS": _int("INVITATION_DAYS", 7),
        # How long a family has to accept a place offered from a team's waiting list.
        "WAITING_OFFER_HOURS": _int("WAITING_OFFER_HOURS", 48),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": _int("MAIL_PORT", 587),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", True),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "no-reply@zorgmarkt.local"),
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000"),
        # Send queued mail right after the response that queued it (the worker `flask outbox
        # deliver --watch` retries what fails); tests deliver explicitly.
        # The outbox page (the e-mail that would have been sent): for the demo, never in production.
        "OUTBOX_PAGE": mode != "production",
        "OUTBOX_DELIVER_AFTER_REQUEST": _bool("OUTBOX_DELIVER_AFTER_REQUEST", mode != "test"),
        "STRIPE_SECRET_KEY": os.environ.get("STRIPE_SECRET_KEY", ""),
        # The demo secret is public; in production an unset secret is random, so no event verifies.
        "STRIPE_WEBHOOK_SECRET": os.environ.get("STRIPE_WEBHOOK_SECRET")
        or ("whsec_" + os.urandom(24).hex() if production else "whsec_demo"),
        # The Connect endpoint's own signing secret (events of the freelancers' connected accounts).
        "STRIPE_CONNECT_WEBHOOK_SECRET": os.environ.get("STRIPE_CONNECT_WEBHOOK_SECRET")
        or ("whsec_" + os.urandom(24).hex() if production else "whsec_demo_connect"),
        # Only for tests against a local server speaking Stripe's wire format.
        "STRIPE_API_BASE": os.environ.get("STRIPE_API_BASE", ""),
    }
