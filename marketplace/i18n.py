"""Language choice (Dutch by default, English available) and display helpers."""
from __future__ import annotations

from flask import Flask, current_app, has_request_context, request
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from billing.money import format_euro

LANGUAGE_COOKIE = "zm_lang"
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}
TARGET_GROUP_LABELS = {
    "somatic": _l("somatic care"),
    "pg": _l("psychogeriatric care"),
    "structured_living": _l("living with structure"),
}


STATUS_LABELS = {
    "proposal": _l("proposal"),
    "draft": _l("draft"),
    "replaced": _l("replaced"),
    "submitted": _l("waiting for sign-off"),
    "active": _l("active"),
    "superseded": _l("no longer active"),
}
MODIFIER_LABELS = {"health_promotion": _l("health promotion"), "potential": _l("potential"),
                   "actual": _l("actual")}
ROLE_LABELS = {
    "family": _l("family"), "resident": _l("resident"), "carer": _l("carer"), "nurse": _l("nurse"),
    "freelancer": _l("freelance carer"), "team_lead": _l("team lead"), "client_supporter": _l("client supporter"),
    "board": _l("board"), "admin": _l("administrator"),
}
ACCESS_ACTIONS = {"read": _l("looked at it"), "create": _l("added something"), "update": _l("changed something"),
                  "export": _l("exported it"), "print": _l("printed it")}
CATEGORY_LABELS = {"core": _l("chosen care"), "health": _l("health risk"), "luxury": _l("luxury (extra)")}


def problem_name(code: str, problems: dict, locale: str) -> str:
    problem = problems.get(code)
    if problem is None:
        return code
    return problem.name_en if locale.startswith("en") else problem.name_nl


def target_group_label(code: str) -> str:
    return str(TARGET_GROUP_LABELS.get(code, code))


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


def percent_tenths(tenths: int) -> str:
    """``762`` → ``76,2`` in Dutch, ``76.2`` in English."""
    whole, tenth = divmod(tenths, 10)
    separator = "." if str(get_locale() or "nl").startswith("en") else ","
    return f"{whole}{separator}{tenth}"


def euro(cents: int) -> str:
    return format_euro(cents, str(get_locale() or "nl"))


def init_app(app: Flask) -> None:
    app.jinja_env.filters["euro"] = euro
    app.jinja_env.filters["percent"] = percent_tenths
    app.jinja_env.filters["datetime"] = lambda value: format_datetime(value, "short") if value else ""
    app.jinja_env.filters["date_nl"] = lambda value: format_date(value, "long") if value else ""
    app.jinja_env.filters["month_nl"] = lambda value: format_date(value, "MMMM yyyy") if value else ""
    app.jinja_env.globals["target_group_label"] = target_group_label
    app.jinja_env.filters["status_label"] = lambda code: str(STATUS_LABELS.get(code, code))
    app.jinja_env.filters["category_label"] = lambda code: str(CATEGORY_LABELS.get(code, code))
    app.jinja_env.filters["modifier_label"] = lambda code: str(MODIFIER_LABELS.get(code, code))
    app.jinja_env.filters["role_label"] = lambda code: str(ROLE_LABELS.get(code, code))
    app.jinja_env.filters["access_action"] = lambda code: str(ACCESS_ACTIONS.get(code, code))
    app.jinja_env.filters["problem_name"] = problem_name

    @app.context_processor
    def language_context():
        return {"current_locale": str(get_locale()), "language_names": LANGUAGE_NAMES}
