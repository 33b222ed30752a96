"""OpenAPI paths of teams' offers and ratings; assembled by marketplace.web.openapi."""
from __future__ import annotations

from marketplace.core.openapi import id_param, ok, op, ref

from .offers import MAX_CAPACITY, MAX_KNOWN_FOR, MAX_LANGUAGE, MAX_LANGUAGES, MAX_TEXT
from .rating_rules import ASPECTS, HIGH, LOW

MARK = {"type": "integer", "minimum": LOW, "maximum": HIGH}
SUMMARY = {"type": "object", "properties": {
    "average": {"type": ["number", "null"], "description": "null below 5 ratings from 5 families (24 months)"},
    "count": {"type": "integer"}, "families": {"type": "integer"}}}

SCHEMAS = {
    "TeamOffer": {"type": "object", "properties": {
        "team_id": {"type": "integer"}, "name": {"type": "string"}, "capacity": {"type": "integer"},
        "residents": {"type": "integer"}, "open_places": {"type": "integer"},
        "waiting_list_length": {"type": "integer"}, "locations": {"type": "array"},
        "target_groups": {"type": "array", "items": {"type": "string"}},
        "members": {"type": "array", "items": {"type": "object", "properties": {
            "user_id": {"type": "integer"}, "first_name": {"type": "string"}, "role": {"type": "string"},
            "languages": {"type": "array", "items": {"type": "string"}}}}},
        "rating": SUMMARY,
        "offer": {"type": ["object", "null"], "properties": {
            "version": {"type": "integer"}, "published_on": {"type": "string", "format": "date"},
            "text": {"type": "string"}, "way_of_working": {"type": "string"},
            "languages": {"type": "array", "items": {"type": "string"}},
            "known_for": {"type": "array", "items": {"type": "object"}}}}}},
    "TeamRating": {"type": "object", "properties": {
        "id": {"type": "integer"}, "scores": {"type": "object"}, "mark": {"type": "number"},
        "recommend": {"type": "boolean"}, "comment": {"type": "string"},
        "created_on": {"type": "string", "format": "date"}, "mine": {"type": "boolean"},
        "reply": {"type": ["object", "null"]}, "hidden": {"type": ["object", "null"]}}},
}

OFFER_BODY = {"type": "object", "required": ["capacity"], "additionalProperties": False, "properties": {
    "text": {"type": "string", "maxLength": MAX_TEXT},
    "way_of_working": {"type": "string", "maxLength": MAX_TEXT},
    "languages": {"type": "array", "maxItems": MAX_LANGUAGES, "items": {"type": "string", "maxLength": MAX_LANGUAGE}},
    "known_for": {"type": "array", "maxItems": MAX_KNOWN_FOR, "items": {"type": "string", "maxLength": 10}},
    "member_languages": {"type": "object", "description": "per member's user id, the languages they speak",
                         "additionalProperties": {"type": "array", "maxItems": MAX_LANGUAGES,
                                                  "items": {"type": "string", "maxLength": MAX_LANGUAGE}}},
    "capacity": {"type": "integer", "minimum": 0, "maximum": MAX_CAPACITY,
                 "description": "never below the team's current number of residents"}}}
RATING_BODY = {"type": "object", "required": ["client_id", "scores", "recommend"], "additionalProperties": False,
               "properties": {
                   "client_id": {"type": "integer", "minimum": 1, "maximum": 2**63 - 1},
                   "scores": {"type": "object", "required": list(ASPECTS), "additionalProperties": False,
                              "properties": {aspect: MARK for aspect in ASPECTS}},
                   "recommend": {"type": "boolean"}, "comment": {"type": "string", "maxLength": 2000}}}


def paths() -> dict:
    one_rating = {"type": "object", "properties": {"rating": ref("TeamRating")}}
    return {
        "/teams/{team_id}/offer": {
            "get": op("The team's published offer with its members, capacity and rating", {"200": ok(
                "The offer", ref("TeamOffer"))}, params=[id_param("team_id")], tag="market"),
            "put": op("Publish a new version of the team's offer (the team's lead); sets the team's capacity",
                      {"200": ok("Published", ref("TeamOffer"))}, params=[id_param("team_id")], body=OFFER_BODY,
                      tag="market"),
        },
        "/teams/{team_id}/ratings": {
            "get": op("The team's ratings by families (newest first) and their summary", {"200": ok("Ratings", {
                "type": "object", "properties": {"summary": SUMMARY,
                                                 "ratings": {"type": "array", "items": ref("TeamRating")}}})},
                params=[id_param("team_id")], tag="market"),
            "post": op("Rate the team for a resident it served in the last 6 months (family only); a rating "
                       "within 6 months of the previous one replaces it", {"201": ok("Rated", one_rating)},
                       params=[id_param("team_id")], body=RATING_BODY, tag="market"),
        },
        "/ratings/{rating_id}/reply": {"post": op(
            "The team lead's one reply to a rating", {"200": ok("Replied", one_rating)},
            params=[id_param("rating_id")], body={"type": "object", "required": ["text"], "additionalProperties": False,
                                                  "properties": {"text": {"type": "string", "maxLength": 2000}}},
            tag="market")},
        "/ratings/{rating_id}/hide": {"post": op(
            "Hide a rating with a reason (administrators; the family is told)", {"200": ok("Hidden", one_rating)},
            params=[id_param("rating_id")], body={"type": "object", "required": ["reason"],
                                                  "additionalProperties": False,
                                                  "properties": {"reason": {"type": "string", "maxLength": 500}}},
            tag="market")},
    }
