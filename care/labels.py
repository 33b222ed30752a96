"""The care domain's words in the user's language, for templates."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from marketplace.core.i18n import register_labels

from .health_log import HealthEvent
from .versions import shown_reason

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
    "taken_over": _l("taken over by the team"),
    "declined": _l("declined by the team"),
}
MODIFIER_LABELS = {"health_promotion": _l("health promotion"), "potential": _l("potential"),
                   "actual": _l("actual")}
CATEGORY_LABELS = {"core": _l("chosen care"), "health": _l("health risk"), "luxury": _l("luxury (extra)")}
# What someone did with the health record, as the resident's access overview says it.
HEALTH_EVENT_LABELS = {
    HealthEvent.PROFILE_READ: _l("looked at the health profile"),
    HealthEvent.OBSERVATIONS_READ: _l("looked at the observation points"),
    HealthEvent.HEALTH_LINES_READ: _l("looked at the health care in the package"),
    HealthEvent.RISK_RECORDED: _l("recorded a health risk"),
    HealthEvent.RISK_CHANGED: _l("changed a health risk"),
    HealthEvent.RISK_ENDED: _l("ended a health risk"),
    HealthEvent.RATING_ADDED: _l("added a rating"),
    HealthEvent.PRESCRIPTION_CHANGED: _l("changed a prescription"),
    HealthEvent.OBSERVATION_ADDED: _l("added an observation point"),
    HealthEvent.OBSERVATION_ENDED: _l("ended an observation point"),
    HealthEvent.PACKAGE_CHECKED: _l("checked the package against the health risks"),
    HealthEvent.REINDICATION_READ: _l("looked at the re-indication list"),
    HealthEvent.REINDICATION_EXPORTED: _l("exported the re-indication list"),
}


def problem_name(code: str, problems: dict, locale: str) -> str:
    problem = problems.get(code)
    if problem is None:
        return code
    return problem.name_en if locale.startswith("en") else problem.name_nl


def target_group_label(code: str) -> str:
    return str(TARGET_GROUP_LABELS.get(code, code))


def init_app(app: Flask) -> None:
    app.jinja_env.globals["target_group_label"] = target_group_label
    register_labels(app, "status_label", STATUS_LABELS)
    register_labels(app, "category_label", CATEGORY_LABELS)
    register_labels(app, "modifier_label", MODIFIER_LABELS)
    register_labels(app, "health_event", HEALTH_EVENT_LABELS)
    app.jinja_env.filters["problem_name"] = problem_name
    app.jinja_env.filters["version_reason"] = shown_reason
