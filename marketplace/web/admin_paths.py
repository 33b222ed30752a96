"""OpenAPI paths of running the organisation (/admin/...); assembled by marketplace.web.openapi."""
from __future__ import annotations

from marketplace.core.openapi import id_param, ok, op, ref

_PCT = {"type": "integer", "minimum": 0, "maximum": 200}
_TEXT = {"type": "string", "maxLength": 200}
_BOOL = {"type": "boolean"}
_IDS = {"type": "array", "maxItems": 50, "items": {"type": "integer", "minimum": 1}}
_GROUPS = {"type": "array", "maxItems": 50, "items": {"type": "string", "enum": ["somatic", "pg", "structured_living"]}}
_ROLES = {"type": "array", "maxItems": 50, "items": {"type": "string"}}
_CENTS = {"oneOf": [{"type": "integer", "minimum": 0}, {"type": "string", "maxLength": 12}]}

SCHEMAS = {
    "OrganisationSettings": {"type": "object", "properties": {
        "id": {"type": ["integer", "null"]}, "valid_from": {"type": ["string", "null"]},
        "orange_from_pct": {"type": "integer"}, "red_above_pct": {"type": "integer"},
        "overhead_pct": {"type": "integer"}}},
    "AdminUser": {"type": "object", "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "email": {"type": "string"},
        "roles": {"type": "array", "items": {"type": "string"}}, "active": {"type": "boolean"}}},
    "AdminLocation": {"type": "object", "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "city": {"type": "string"},
        "active": {"type": "boolean"}, "residents": {"type": "integer"}}},
    "AdminTeam": {"type": "object", "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "capacity": {"type": "integer"},
        "active": {"type": "boolean"}, "target_groups": {"type": "array", "items": {"type": "string"}},
        "residents": {"type": "integer"}, "locations": {"type": "array"}}},
}


def _obj(properties: dict, required: list[str] | None = None) -> dict:
    schema = {"type": "object", "additionalProperties": False, "properties": properties}
    if required:
        schema["required"] = required
    return schema


def _withdraw(summary: str, param: str) -> dict:
    return op(summary, {"200": ok("Withdrawn")}, params=[id_param(param)], tag="admin")


def paths() -> dict:
    settings_body = _obj({"orange_from_pct": _PCT, "red_above_pct": _PCT, "overhead_pct": _PCT,
                          "valid_from": {"type": "string", "format": "date"}},
                         ["orange_from_pct", "red_above_pct", "overhead_pct", "valid_from"])
    return {
        "/admin/settings": {
            "get": op("The meter thresholds and overhead in force today, and their dated history",
                      {"200": ok("Settings", {"type": "object", "properties": {
                          "current": ref("OrganisationSettings"),
                          "history": {"type": "array", "items": ref("OrganisationSettings")}}})}, tag="admin"),
            "post": op("New thresholds and overhead from a date (today or later; 0 < orange < red <= 200, "
                       "overhead 0-100)", {"201": ok("Saved", {"type": "object", "properties": {
                           "settings": ref("OrganisationSettings")}})}, body=settings_body, tag="admin"),
        },
        "/admin/settings/{setting_id}": {"delete": _withdraw(
            "Withdraw a settings change that has not yet taken effect (409 when it has)", "setting_id")},
        "/admin/users": {
            "get": op("The users of my organisation", {"200": ok("Users", {"type": "object", "properties": {
                "users": {"type": "array", "items": ref("AdminUser")}}})}, tag="admin"),
            "post": op("Make a staff account (family contacts come through invitations)",
                       {"201": ok("Made", {"type": "object", "properties": {"user": ref("AdminUser")}})},
                       body=_obj({"name": _TEXT, "email": {"type": "string", "maxLength": 254}, "roles": _ROLES,
                                  "password": _TEXT}, ["name", "email", "roles", "password"]), tag="admin"),
        },
        "/admin/users/{user_id}": {"patch": op(
            "Change a user's name, e-mail, roles or active (not one's own activity, never the last administrator)",
            {"200": ok("Saved", {"type": "object", "properties": {"user": ref("AdminUser")}})},
            body=_obj({"name": _TEXT, "email": {"type": "string", "maxLength": 254}, "roles": _ROLES,
                       "active": _BOOL}), params=[id_param("user_id")], tag="admin")},
        "/admin/locations": {
            "get": op("The locations of my organisation", {"200": ok("Locations", {"type": "object", "properties": {
                "locations": {"type": "array", "items": ref("AdminLocation")}}})}, tag="admin"),
            "post": op("Add a location", {"201": ok("Added", {"type": "object", "properties": {
                "location": ref("AdminLocation")}})},
                body=_obj({"name": _TEXT, "city": {"type": "string", "maxLength": 100}}, ["name"]), tag="admin"),
        },
        "/admin/locations/{location_id}": {"patch": op(
            "Change or deactivate a location (not while residents live there)",
            {"200": ok("Saved", {"type": "object", "properties": {"location": ref("AdminLocation")}})},
            body=_obj({"name": _TEXT, "city": {"type": "string", "maxLength": 100}, "active": _BOOL}),
            params=[id_param("location_id")], tag="admin")},
        "/admin/teams": {
            "get": op("All teams of my organisation, active or not", {"200": ok("Teams", {
                "type": "object", "properties": {"teams": {"type": "array", "items": ref("AdminTeam")}}})},
                tag="admin"),
            "post": op("Add a team", {"201": ok("Added", {"type": "object", "properties": {"team": ref("AdminTeam")}})},
                       body=_obj({"name": _TEXT, "locations": _IDS, "target_groups": _GROUPS,
                                  "capacity": {"type": "integer", "minimum": 0, "maximum": 500}},
                                 ["name", "locations", "target_groups"]), tag="admin"),
        },
        "/admin/teams/{team_id}": {"patch": op(
            "Change a team's name, locations, target groups, capacity or active (not below its residents)",
            {"200": ok("Saved", {"type": "object", "properties": {"team": ref("AdminTeam")}})},
            body=_obj({"name": _TEXT, "locations": _IDS, "target_groups": _GROUPS,
                       "capacity": {"type": "integer", "minimum": 0, "maximum": 500}, "active": _BOOL}),
            params=[id_param("team_id")], tag="admin")},
        "/admin/rates/{rate_id}": {
            "patch": op("Correct an hourly cost that has not yet taken effect (409 when it has)",
                        {"200": ok("Corrected")}, body=_obj({"base_hourly_cents": _CENTS}, ["base_hourly_cents"]),
                        params=[id_param("rate_id")], tag="admin"),
            "delete": _withdraw("Withdraw an hourly cost that has not yet taken effect (409 when it has)", "rate_id"),
        },
        "/admin/budgets/{budget_id}": {
            "patch": op("Correct a budget per care profile that has not yet taken effect (409 when it has)",
                        {"200": ok("Corrected")}, body=_obj({"weekly_cents": _CENTS}, ["weekly_cents"]),
                        params=[id_param("budget_id")], tag="admin"),
            "delete": _withdraw("Withdraw a budget per care profile that has not yet taken effect", "budget_id"),
        },
        "/admin/service-versions/{version_id}": {
            "patch": op("Correct a service's minutes, level or material that have not yet taken effect",
                        {"200": ok("Corrected")},
                        body=_obj({"minutes": {"type": "integer", "minimum": 1, "maximum": 1440},
                                   "level": {"type": "string", "maxLength": 3}, "material_cents": _CENTS}),
                        params=[id_param("version_id")], tag="admin"),
            "delete": _withdraw("Withdraw a service version that has not yet taken effect", "version_id"),
        },
    }
