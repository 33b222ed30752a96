"""Helpers of every JSON API blueprint: the request body through an allow-list of fields."""
from __future__ import annotations

from flask import request
from flask_babel import gettext as _

from .errors import ApiError


def json_body(allowed: set[str], required: set[str] = frozenset()) -> dict:
    """The request's JSON object, restricted to an allow-list of fields.

    :raises ApiError: 415 when it is not JSON, 422 for unknown or missing fields.
    """
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", _("Send JSON with Content-Type: application/json."))
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(422, "invalid", _("The body must be a JSON object."))
    unknown = set(data) - allowed
    missing = {name for name in required if data.get(name) in (None, "")}
    if unknown or missing:
        fields = {name: _("Unknown field.") for name in unknown}
        fields.update({name: _("This field is required.") for name in missing})
        raise ApiError(422, "invalid", _("Some of what you entered is not valid."), fields)
    return data
