"""Login throttling: failed tries per address and per account, in a moving window.

Per address the limit is a hard block (429): one address cannot go on guessing. Per account
it slows down instead of locking: once an account has had many failures in the window, every
try for it waits (a growing delay of at most LOGIN_MAX_DELAY seconds, 2 by default) and a wrong password
is answered 429, but the right password still logs in. So an attacker at other addresses
cannot keep the owner out for as long as the attack lasts.

Only failures count, and the window moves, so a slow-down ends by itself a minute after the
last counted failure.

The second factor's codes are throttled per address and per pending account with hard
blocks: whoever types codes has passed the password already.
"""
from __future__ import annotations

import math
import time
from datetime import datetime, timezone
from functools import wraps

from flask import current_app, g, request, session
from limits import parse

from .error_handlers import error_response
from .errors import ApiError, DomainError
from .extensions import limiter

ACCOUNT_SCOPE = "login-account"
# Indirection for tests, which record the delays instead of waiting them.
sleep = time.sleep


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


def account_delay(failures: int, allowed: int, longest: float) -> float:
    """Seconds a try for an account with ``failures`` recent failures waits: nothing up to half
    the limit, then doubling up to ``longest``, which is reached at the limit."""
    if failures <= allowed // 2 or longest <= 0:
        return 0.0
    return min(longest, longest * 2.0 ** (failures - allowed))


def _locked(stats):
    """429 for a wrong password at a slowed-down account; the failure is not counted again, so
    refused tries do not extend the slow-down."""
    response = current_app.make_response(error_response(429))
    wait = max(1, math.ceil(stats.reset_time - datetime.now(timezone.utc).timestamp()))
    response.headers["Retry-After"] = str(wait)
    return response


def _slowed_per_account(view):
    @wraps(view)
    def slowed(*args, **kwargs):
        if not current_app.config.get("RATELIMIT_ENABLED", True):  # switched off (e.g. the fuzz run)
            return view(*args, **kwargs)
        item, key = parse(_limit()), _account_key()
        stats = limiter.limiter.get_window_stats(item, ACCOUNT_SCOPE, key)
        failures = item.amount - stats.remaining
        delay = account_delay(failures, item.amount, current_app.config["LOGIN_MAX_DELAY"])
        if delay:
            sleep(delay)
        try:
            response = view(*args, **kwargs)
        except (ApiError, DomainError):  # the API answers a failed login by raising
            if not g.get("login_failed"):
                raise
            if failures >= item.amount:
                return _locked(stats)
            limiter.limiter.hit(item, ACCOUNT_SCOPE, key)
            raise
        if not g.get("login_failed"):
            return response
        if failures >= item.amount:
            return _locked(stats)
        limiter.limiter.hit(item, ACCOUNT_SCOPE, key)
        return response
    return slowed


per_address = limiter.shared_limit(_limit, scope="login-address", deduct_when=_failed)


def login_throttled(view):
    return per_address(_slowed_per_account(view))


PENDING_LOGIN = "second_factor"


def _pending_account_key() -> str:
    pending = session.get(PENDING_LOGIN) or {}
    return "pending:" + str(pending.get("user", "")).partition(".")[0]


per_pending_account = limiter.shared_limit(_limit, scope="second-factor-account", key_func=_pending_account_key,
                                           deduct_when=_failed)


def second_factor_throttled(view):
    return per_address(per_pending_account(view))
