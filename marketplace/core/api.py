"""Helpers of every JSON API blueprint: the request body through an allow-list of fields."""
from __future__ import annotations

from flask import request
from flask_babel import gettext as _

from .errors import ApiError

MAX_DEPTH = 32  # no body of ours nests deeper than a few levels


class _TooDeep(Exception):
    pass


def _encodable(value: object, depth: int = 0) -> bool:
    """False when a text anywhere in ``value`` holds a lone surrogate (``"\\ud800"``), which JSON
    allows but no database can store. :raises _TooDeep: nested deeper than MAX_DEPTH."""
    if depth > MAX_DEPTH:
        raise _TooDeep()
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(_encodable(k, depth + 1) and _encodable(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return all(_encodable(item, depth + 1) for item in value)
    return True


def _too_deep() -> ApiError:
    return ApiError(422, "invalid", _("The body is nested too deeply."))


def json_body(allowed: set[str], required: set[str] = frozenset()) -> dict:
    """The request's JSON object, restricted to an allow-list of fields.

    :raises ApiError: 415 when it is not JSON; 422 for a body that is not an object, unknown or
        missing fields, text that cannot be stored (a lone surrogate) or nesting too deep.
    """
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", _("Send JSON with Content-Type: application/json."))
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        raise _too_deep() from None
    if not isinstance(data, dict):
        raise ApiError(422, "invalid", _("The body must be a JSON object."))
    unknown = set(data) - allowed
    missing = {name for name in required if data.get(name) in (None, "")}
    if unknown or missing:
        fields = {name: _("Unknown field.") for name in unknown if _encodable(name)}
        fields.update({name: _("This field is required.") for name in missing})
        raise ApiError(422, "invalid", _("Some of what you entered is not valid."), fields)
    try:
        unreadable = {name for name, value in data.items() if not _encodable(value)}
    except _TooDeep:
        raise _too_deep() from None
    if unreadable:
        raise ApiError(422, "invalid", _("Some of what you entered is not valid."),
                       {name: _("This text contains characters that cannot be stored.") for name in unreadable})
    return data
