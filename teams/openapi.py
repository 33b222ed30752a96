"""OpenAPI paths of the API for teams and their worklists; assembled by marketplace.web.openapi."""
from __future__ import annotations

from marketplace.core.openapi import id_param, ok, op, ref

SCHEMAS = {
    "Team": {"type": "object", "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "capacity": {"type": "integer"},
        "active": {"type": "boolean"}, "target_groups": {"type": "array", "items": {"type": "string"}},
        "locations": {"type": "array"}, "residents": {"type": "integer"},
        "members": {"type": "integer"}, "open_places": {"type": "integer"}}},
}


def paths() -> dict:
    return {
        "/teams": {"get": op("The teams of my organisation, with counts", {"200": ok("Teams", {
            "type": "object", "properties": {"teams": {"type": "array", "items": ref("Team")}}})},
            tag="teams")},
        "/teams/{team_id}/reviews": {"get": op(
            "The team's worklist: reviews due or overdue, residents whose package misses required care",
            {"200": ok("Worklist")}, params=[id_param("team_id")], tag="teams")},
    }
