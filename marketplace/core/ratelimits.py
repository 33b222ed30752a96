"""Login throttling: failed tries per account and per address, in a moving window.

Only failures count, and the window moves, so a lock ends by itself a minute after the
last failed try: nobody can be locked out for good.
"""
from __future__ import annotations

from flask import current_app, g, request

from .extensions import limiter


def _limit() -> str:
    return current_app.config["LOGIN_LIMIT"]


def _account_key() -> str:
    data = request.get_json(silent=True) if request.is_json else request.form
    email = (data or {}).get("email", "") if isinstance(data, dict) or hasattr(data, "get") else ""
    return "account:" + str(email).strip().lower()[:254]


def _failed(_response) -> bool:
    return bool(g.get("login_failed"))


def mark_login_failed() -> None:
    g.login_failed = True


per_address = limiter.shared_limit(_limit, scope="login-address", deduct_when=_failed)
per_account = limiter.shared_limit(_limit, scope="login-account", key_func=_account_key, deduct_when=_failed)


def login_throttled(view):
    return per_address(per_account(view))
