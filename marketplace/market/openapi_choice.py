"""OpenAPI paths of the team choice and the waiting list; assembled by marketplace.web.openapi."""
from __future__ import annotations

from marketplace.core.openapi import id_param, ok, op, ref

TEAM_ID_BODY = {"type": "object", "required": ["team_id"], "additionalProperties": False,
                "properties": {"team_id": {"type": "integer", "minimum": 1}}}

SCHEMAS = {
    "TeamOption": {"type": "object", "required": ["team_id", "name", "open_places", "rating", "waiting_list_length",
                                                  "current"], "properties": {
        "team_id": {"type": "integer"}, "name": {"type": "string"}, "open_places": {"type": "integer"},
        "rating": {"type": "object", "properties": {"average": {"type": ["number", "null"]},
                                                    "count": {"type": "integer"}}},
        "waiting_list_length": {"type": "integer"}, "current": {"type": "boolean"}, "chosen": {"type": "boolean"},
        "offer": {"type": ["object", "null"], "description": "The published offer (null: none published yet)",
                  "properties": {"published_on": {"type": "string", "format": "date"},
                                 "way_of_working": {"type": "string"},
                                 "languages": {"type": "array", "items": {"type": "string"}},
                                 "known_for": {"type": "array", "items": {"type": "string"}}}}}},
    "TeamChoice": {"type": "object", "required": ["team_id", "effective_from", "status"], "properties": {
        "id": {"type": "integer"}, "team_id": {"type": "integer"}, "team": {"type": "string"},
        "previous_team_id": {"type": ["integer", "null"]},
        "effective_from": {"type": "string", "format": "date", "description": "The Monday it takes effect"},
        "status": {"type": "string", "enum": ["pending", "applied", "withdrawn", "replaced"]},
        "chosen_by": {"type": "string"}, "on_behalf": {"type": "boolean"},
        "via_waiting_list": {"type": "boolean"}, "created_at": {"type": "string", "format": "date-time"}}},
    "PlaceOffer": {"type": ["object", "null"], "properties": {
        "id": {"type": "integer"}, "team_id": {"type": "integer"},
        "status": {"type": "string", "enum": ["open", "accepted", "declined", "expired"]},
        "offered_at": {"type": "string", "format": "date-time"},
        "expires_at": {"type": "string", "format": "date-time"}}},
    "WaitingEntry": {"type": "object", "properties": {
        "team_id": {"type": "integer"}, "team": {"type": "string"}, "position": {"type": "integer", "minimum": 1},
        "ahead": {"type": "integer", "minimum": 0}, "joined_at": {"type": "string", "format": "date-time"},
        "offer": ref("PlaceOffer")}},
}


def paths() -> dict:
    client = [id_param("client_id")]
    return {
        "/clients/{client_id}/team-options": {"get": op(
            "The teams serving the resident, side by side (open places, rating, waiting list, current)",
            {"200": ok("Team options", {"type": "object", "properties": {
                "effective_from": {"type": "string", "format": "date"},
                "pending_choice": {"oneOf": [ref("TeamChoice"), {"type": "null"}]},
                "teams": {"type": "array", "items": ref("TeamOption")}}})}, params=client, tag="market")},
        "/clients/{client_id}/team-choice": {
            "post": op("Choose a team from the next Monday (family with decide, the resident, or the client "
                       "supporter on the family's behalf). 409 team_full when it has no open place; 422 when it "
                       "does not serve the resident or is the current team",
                       {"201": ok("The choice, pending until effective_from", ref("TeamChoice")),
                        "200": ok("The same choice was pending already", ref("TeamChoice"))},
                       body=TEAM_ID_BODY, params=client, tag="market"),
            "delete": op("Withdraw the pending choice before it takes effect (409 nothing_to_withdraw)",
                         {"200": ok("The withdrawn choice", ref("TeamChoice"))}, params=client, tag="market"),
        },
        "/clients/{client_id}/team-history": {"get": op(
            "The resident's teams over time and every choice made", {"200": ok("History")}, params=client,
            tag="market")},
        "/clients/{client_id}/waiting-list": {
            "get": op("The resident's places on waiting lists: position, number ahead, any open offer",
                      {"200": ok("Entries", {"type": "object", "properties": {
                          "entries": {"type": "array", "items": ref("WaitingEntry")}}})}, params=client, tag="market"),
            "post": op("Join a team's waiting list (first come, first served)",
                       {"201": ok("On the list", ref("WaitingEntry")),
                        "200": ok("On the list already", ref("WaitingEntry"))},
                       body=TEAM_ID_BODY, params=client, tag="market"),
        },
        "/clients/{client_id}/waiting-list/{team_id}": {"delete": op(
            "Leave a team's waiting list (an open offer is declined with it)", {"200": ok("Left")},
            params=[*client, id_param("team_id")], tag="market")},
        "/waiting-list/offers/{offer_id}/accept": {"post": op(
            "Accept an offered place: the team is chosen from the next Monday (409 offer_closed when expired, "
            "declined or accepted already)", {"200": ok("Accepted")}, params=[id_param("offer_id")], tag="market")},
        "/waiting-list/offers/{offer_id}/decline": {"post": op(
            "Decline an offered place: it passes to the next family", {"200": ok("Declined")},
            params=[id_param("offer_id")], tag="market")},
    }
