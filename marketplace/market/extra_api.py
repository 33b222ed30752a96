"""JSON API of extras (issue 12, items 1, 2 and 9): the catalogue with filters, one extra, its
slots, the team lead's extras, and the organisation's market settings."""
from __future__ import annotations

import re
from datetime import time, timedelta

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.core.api import json_body
from marketplace.core.db_types import local_today, utcnow
from marketplace.core.errors import ApiError
from marketplace.core.extensions import csrf
from marketplace.core.numbers import date_arg, int_arg, json_int, parse_iso_date
from marketplace.core.policy import Perm, authorize, get_in_scope
from teams.models import Team

from . import bookings, extras, freelancers
from .extras_domain import Exception_, Pattern
from .models import Extra

bp = Blueprint("extras_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

EXTRA_FIELDS = {"code", "title", "description", "price_cents", "duration_minutes", "kind", "seats", "active",
                "patterns", "exceptions"}
_CLOCK = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])", re.ASCII)


def clock(value: time | None) -> str | None:
    return None if value is None else value.strftime("%H:%M")


def extra_json(extra: Extra, rating: extras.ExtraRatingSummary, slots: list[bookings.Slot] | None = None,
               availability: extras.Availability | None = None) -> dict:
    if availability is None:
        draft = extras.draft_of(extra)
        availability = (draft.patterns, draft.exceptions)
    patterns, exceptions = availability
    body = {
        "id": extra.id, "code": extra.code, "category": extra.category, "title": extra.title,
        "description": extra.description, "price_cents": extra.price_cents,
        "duration_minutes": extra.duration_minutes, "kind": extra.kind, "seats": extra.seats, "active": extra.active,
        "provider": {"id": extra.provider_id, "kind": extra.provider.kind, "team_id": extra.provider.team_id,
                     "name": extra.provider.name},
        "rating": {"average": rating.average, "count": rating.count},
        "availability": {
            "patterns": [{"weekday": p.weekday, "start": clock(p.start), "end": clock(p.end)} for p in patterns],
            "exceptions": [{"day": e.day.isoformat(), "closed": e.closed, "start": clock(e.start),
                            "end": clock(e.end)} for e in exceptions]},
    }
    if slots is not None:
        body["next_slots"] = [slot_json(s) for s in slots[:extras.NEXT_SLOTS]]
    return body


def slot_json(slot: bookings.Slot) -> dict:
    return {"start": slot.start.isoformat(), "end": slot.end.isoformat(), "seats_left": slot.seats_left}


def filters_from_args() -> extras.Filters:
    return extras.check_filters(extras.Filters(
        category=request.args.get("category") or None, team_id=int_arg("team_id"),
        date_from=date_arg("date_from"), date_to=date_arg("date_to"),
        max_price_cents=int_arg("max_price_cents", low=0, high=extras.MAX_PRICE_CENTS)), local_today())


@bp.get("/extras")
@login_required
def list_extras():
    authorize(current_user, Perm.EXTRA_VIEW, current_user.organisation)
    found = extras.browse(current_user.organisation_id, filters_from_args(), limit=extras.NEXT_SLOTS)
    ratings = extras.extra_rating_summaries([e.id for e in found.extras])
    return jsonify(extras=[extra_json(e, ratings[e.id], found.slots[e.id], found.availability.get(e.id, ([], [])))
                           for e in found.extras])


def _extra(extra_id: int, perm: Perm = Perm.EXTRA_VIEW) -> Extra:
    extra = extras.visible_extra(current_user, extra_id)
    if perm is not Perm.EXTRA_VIEW:
        authorize(current_user, perm, extra.provider)
    return extra


@bp.get("/extras/<int:extra_id>")
@login_required
def get_extra(extra_id: int):
    extra = _extra(extra_id)
    today = local_today()
    slots = bookings.slots_of([extra], today, today + timedelta(days=extras.LOOK_AHEAD_DAYS - 1), free_only=True)
    return jsonify(extra_json(extra, extras.extra_rating_summaries([extra.id])[extra.id], slots[extra.id]))


@bp.get("/extras/<int:extra_id>/slots")
@login_required
def extra_slots(extra_id: int):
    """Every slot of the range that has not started, with the seats left (0: full)."""
    extra = _extra(extra_id)
    today = local_today()
    date_from = date_arg("date_from") or today
    date_to = date_arg("date_to") or date_from + timedelta(days=extras.LOOK_AHEAD_DAYS - 1)
    extras.check_range(date_from, date_to, today)
    slots = bookings.slots_of([extra], date_from, date_to, utcnow())[extra.id]
    return jsonify(extra_id=extra.id, date_from=date_from.isoformat(), date_to=date_to.isoformat(),
                   slots=[slot_json(s) for s in slots])


# -- the team lead's extras ------------------------------------------------------------------

def _invalid(field: str, message: str) -> ApiError:
    return ApiError(422, "invalid", _("Some of what you entered is not valid."), {field: message})


def _clock(value: object, field: str) -> time:
    if not isinstance(value, str) or not _CLOCK.fullmatch(value.strip()):
        raise _invalid(field, _("Give a time like 09:30."))
    hours, minutes = value.strip().split(":")
    return time(int(hours), int(minutes))


def _patterns(value: object) -> list[Pattern]:
    if not isinstance(value, list) or len(value) > extras.MAX_WINDOWS:
        raise _invalid("patterns", _("Send a list of at most %(max)d times.", max=extras.MAX_WINDOWS))
    result = []
    for item in value:
        if not isinstance(item, dict) or set(item) != {"weekday", "start", "end"}:
            raise _invalid("patterns", _("Every time has a weekday (0 = Monday), a start and an end."))
        result.append(Pattern(json_int(item["weekday"], "patterns", high=6), _clock(item["start"], "patterns"),
                              _clock(item["end"], "patterns")))
    return result


def _exceptions(value: object) -> list[Exception_]:
    if not isinstance(value, list) or len(value) > extras.MAX_WINDOWS:
        raise _invalid("exceptions", _("Send a list of at most %(max)d exceptions.", max=extras.MAX_WINDOWS))
    result = []
    for item in value:
        if (not isinstance(item, dict) or not {"day", "closed"} <= set(item) <= {"day", "closed", "start", "end"}
                or not isinstance(item["closed"], bool)):
            raise _invalid("exceptions", _("Every exception has a day, closed (true or false) and, except for a "
                                           "whole closed day, a start and an end."))
        start = None if item.get("start") is None else _clock(item["start"], "exceptions")
        end = None if item.get("end") is None else _clock(item["end"], "exceptions")
        result.append(Exception_(parse_iso_date(item["day"], "exceptions"), item["closed"], start, end))
    return result


def _text(data: dict, name: str, default: str) -> str:
    value = data.get(name, default)
    if not isinstance(value, str):
        raise _invalid(name, _("Send a text."))
    return value


def draft_from_json(data: dict, base: extras.ExtraDraft | None) -> extras.ExtraDraft:
    """The body over ``base`` (a PUT may leave fields out); the values' types checked here, their
    rules in :func:`extras.check_draft`."""
    base = base or extras.ExtraDraft(code="", title="", price_cents=0, duration_minutes=0)
    active = data.get("active", base.active)
    if not isinstance(active, bool):
        raise _invalid("active", _("Send true or false."))
    return extras.ExtraDraft(
        code=_text(data, "code", base.code), title=_text(data, "title", base.title),
        description=_text(data, "description", base.description),
        price_cents=json_int(data.get("price_cents", base.price_cents), "price_cents",
                             high=extras.MAX_PRICE_CENTS) if "price_cents" in data else base.price_cents,
        duration_minutes=json_int(data["duration_minutes"], "duration_minutes", high=10**6)
        if "duration_minutes" in data else base.duration_minutes,
        kind=_text(data, "kind", base.kind),
        seats=json_int(data["seats"], "seats", high=10**6) if "seats" in data else base.seats,
        active=active,
        patterns=_patterns(data["patterns"]) if "patterns" in data else base.patterns,
        exceptions=_exceptions(data["exceptions"]) if "exceptions" in data else base.exceptions)


@bp.post("/teams/<int:team_id>/extras")
@login_required
def create_extra(team_id: int):
    team = get_in_scope(current_user, Team, team_id, Perm.TEAM_VIEW)
    data = json_body(EXTRA_FIELDS, {"code", "title", "price_cents", "duration_minutes"})
    extra = extras.create_extra(current_user._get_current_object(), team, draft_from_json(data, None))
    return jsonify(extra_json(extra, extras.ExtraRatingSummary(None, 0))), 201


@bp.put("/extras/<int:extra_id>")
@login_required
def update_extra(extra_id: int):
    extra = _extra(extra_id, Perm.EXTRA_EDIT)
    data = json_body(EXTRA_FIELDS)
    extra = extras.update_extra(current_user._get_current_object(), extra,
                                draft_from_json(data, extras.draft_of(extra)))
    return jsonify(extra_json(extra, extras.extra_rating_summaries([extra.id])[extra.id]))


@bp.post("/freelancers/me/extras")
@login_required
def create_freelancer_extra():
    """A freelancer offers an extra (approved, and Stripe can take payments for them)."""
    freelancer = freelancers.my_profile(current_user)
    data = json_body(EXTRA_FIELDS, {"code", "title", "price_cents", "duration_minutes"})
    extra = extras.create_freelancer_extra(current_user._get_current_object(), freelancer, draft_from_json(data, None))
    return jsonify(extra_json(extra, extras.ExtraRatingSummary(None, 0))), 201


@bp.get("/freelancers/me/extras")
@login_required
def freelancer_extras():
    """All the freelancer's own extras, inactive ones too."""
    freelancer = freelancers.my_profile(current_user)
    provider = extras.freelancer_provider_of(freelancer)
    authorize(current_user, Perm.EXTRA_EDIT, provider)
    found = extras.provider_extras(provider.id)
    ratings = extras.extra_rating_summaries([e.id for e in found])
    return jsonify(extras=[extra_json(e, ratings[e.id]) for e in found])


@bp.get("/teams/<int:team_id>/extras")
@login_required
def team_extras(team_id: int):
    """All the team's extras, inactive ones too (its lead)."""
    team = get_in_scope(current_user, Team, team_id, Perm.TEAM_VIEW)
    authorize(current_user, Perm.EXTRA_EDIT, extras.provider_of(team))
    found = extras.team_extras(team)
    ratings = extras.extra_rating_summaries([e.id for e in found])
    return jsonify(extras=[extra_json(e, ratings[e.id]) for e in found])


# -- the organisation's market settings -------------------------------------------------------

def settings_json(settings) -> dict:
    return {name: getattr(settings, name) for name in extras.SETTING_BOUNDS}


@bp.get("/market/settings")
@login_required
def get_settings():
    authorize(current_user, Perm.ORG_ADMIN, current_user.organisation)
    return jsonify(settings_json(bookings.settings_of(current_user.organisation_id)))


@bp.put("/market/settings")
@login_required
def put_settings():
    authorize(current_user, Perm.ORG_ADMIN, current_user.organisation)
    data = json_body(set(extras.SETTING_BOUNDS))
    for name, value in data.items():
        if isinstance(value, bool) or not isinstance(value, int):
            raise _invalid(name, _("Send a whole number."))
    settings = extras.update_settings(current_user._get_current_object(), current_user.organisation, data)
    return jsonify(settings_json(settings))
