"""Language choice (Dutch by default, English available) and the display filters every page uses.

Each package registers the labels of its own words (care: statuses, categories, ...) with
:func:`register_labels` from its bootstrap.
"""
from __future__ import annotations

from flask import Flask, current_app, has_request_context, request
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .money import format_euro

LANGUAGE_COOKIE = "zm_lang"
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}
ROLE_LABELS = {
    "family": _l("family"), "resident": _l("resident"), "carer": _l("carer"), "nurse": _l("nurse"),
    "freelancer": _l("freelance carer"), "team_lead": _l("team lead"), "client_supporter": _l("client supporter"),
    "board": _l("board"), "admin": _l("administrator"),
}
ACCESS_ACTIONS = {"read": _l("looked at it"), "create": _l("added something"), "update": _l("changed something"),
                  "export": _l("exported it"), "print": _l("printed it")}


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # a command or a test calling a service directly
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def locale() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def percent_tenths(tenths: int) -> str:
    """``762`` → ``76,2`` in Dutch, ``76.2`` in English."""
    whole, tenth = divmod(tenths, 10)
    separator = "." if str(get_locale() or "nl").startswith("en") else ","
    return f"{whole}{separator}{tenth}"


def euro(cents: int) -> str:
    return format_euro(cents, str(get_locale() or "nl"))


def long_date(value) -> str:
    """A date in words, day first in both languages: 3 december 2026, 3 December 2026."""
    return format_date(value, "d MMMM y") if value else ""


def week_of(monday) -> str:
    """How families read a week: "week of 23 november" (staff views keep the ISO week number)."""
    return str(_l("week of %(day)s", day=format_date(monday, "d MMMM"))) if monday else ""


def register_labels(app: Flask, name: str, labels: dict) -> None:
    """A template filter ``name`` that shows a code in the user's language (the code itself if unknown)."""
    app.jinja_env.filters[name] = lambda code: str(labels.get(code, code))


def init_app(app: Flask) -> None:
    app.jinja_env.filters["euro"] = euro
    app.jinja_env.filters["percent"] = percent_tenths
    # Day first in English too (the Netherlands' order), 24-hour clock: 3 Dec 2026, 14:05.
    app.jinja_env.filters["datetime"] = lambda value: format_datetime(value, "d MMM y, HH:mm") if value else ""
    app.jinja_env.filters["date_nl"] = long_date
    app.jinja_env.filters["week_of"] = week_of
    app.jinja_env.filters["month_nl"] = lambda value: format_date(value, "MMMM yyyy") if value else ""
    register_labels(app, "role_label", ROLE_LABELS)
    register_labels(app, "access_action", ACCESS_ACTIONS)

    @app.context_processor
    def language_context():
        return {"current_locale": str(get_locale()), "language_names": LANGUAGE_NAMES}
