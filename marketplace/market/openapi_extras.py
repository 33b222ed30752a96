"""OpenAPI paths of extras: the catalogue, one extra, its slots, the team lead's extras and the
organisation's market settings; assembled by marketplace.web.openapi."""
from __future__ import annotations

from marketplace.core.openapi import id_param, ok, op, ref

from .extras import (MAX_DESCRIPTION, MAX_DURATION, MAX_PRICE_CENTS, MAX_SEATS, MAX_SLOT_DAYS, MAX_TITLE,
                     MAX_WINDOWS, SETTING_BOUNDS)
from .extras_domain import EXTRA_CODES, Category, ExtraKind

CLOCK = {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", "description": "local time, 09:30"}
PATTERN = {"type": "object", "required": ["weekday", "start", "end"], "additionalProperties": False, "properties": {
    "weekday": {"type": "integer", "minimum": 0, "maximum": 6, "description": "0 = Monday"},
    "start": CLOCK, "end": CLOCK}}
EXCEPTION = {"type": "object", "required": ["day", "closed"], "additionalProperties": False, "properties": {
    "day": {"type": "string", "format": "date"}, "closed": {"type": "boolean"},
    "start": {**CLOCK, "type": ["string", "null"]}, "end": {**CLOCK, "type": ["string", "null"]}},
    "description": "closed without times: the whole day; closed with times: closed then; not closed: an extra "
                   "window that day"}
SLOT = {"type": "object", "required": ["start", "end", "seats_left"], "properties": {
    "start": {"type": "string", "format": "date-time", "description": "ISO 8601 with offset"},
    "end": {"type": "string", "format": "date-time"}, "seats_left": {"type": "integer", "minimum": 0}}}

SCHEMAS = {
    "Extra": {"type": "object", "properties": {
        "id": {"type": "integer"}, "code": {"type": "string", "enum": list(EXTRA_CODES)},
        "category": {"type": "string", "enum": [c.value for c in Category]}, "title": {"type": "string"},
        "description": {"type": "string"}, "price_cents": {"type": "integer"},
        "duration_minutes": {"type": "integer"}, "kind": {"type": "string", "enum": [k.value for k in ExtraKind]},
        "seats": {"type": "integer"}, "active": {"type": "boolean"},
        "provider": {"type": "object", "properties": {"id": {"type": "integer"}, "kind": {"type": "string"},
                                                      "team_id": {"type": ["integer", "null"]},
                                                      "name": {"type": "string"}}},
        "rating": {"type": "object", "properties": {"average": {"type": ["number", "null"]},
                                                    "count": {"type": "integer"}}},
        "availability": {"type": "object", "properties": {"patterns": {"type": "array", "items": PATTERN},
                                                          "exceptions": {"type": "array", "items": EXCEPTION}}},
        "next_slots": {"type": "array", "items": SLOT, "description": "the next free slots (timed extras)"}}},
    "ExtraSlot": SLOT,
    "MarketSettings": {"type": "object", "properties": {name: {"type": "integer", "minimum": low, "maximum": high}
                                                        for name, (low, high) in SETTING_BOUNDS.items()}},
}

EXTRA_PROPERTIES = {
    "code": {"type": "string", "enum": list(EXTRA_CODES)}, "title": {"type": "string", "maxLength": MAX_TITLE},
    "description": {"type": "string", "maxLength": MAX_DESCRIPTION},
    "price_cents": {"type": "integer", "minimum": 1, "maximum": MAX_PRICE_CENTS,
                    "description": "at least the organisation's minimum price"},
    "duration_minutes": {"type": "integer", "minimum": 1, "maximum": MAX_DURATION},
    "kind": {"type": "string", "enum": [k.value for k in ExtraKind]},
    "seats": {"type": "integer", "minimum": 1, "maximum": MAX_SEATS}, "active": {"type": "boolean"},
    "patterns": {"type": "array", "maxItems": MAX_WINDOWS, "items": PATTERN,
                 "description": "no two windows of one weekday overlap"},
    "exceptions": {"type": "array", "maxItems": MAX_WINDOWS, "items": EXCEPTION,
                   "description": "no two exceptions of one day overlap"}}


def query(name: str, schema: dict, description: str = "") -> dict:
    return {"name": name, "in": "query", "schema": schema, **({"description": description} if description else {})}


DATE = {"type": "string", "format": "date"}


def paths() -> dict:
    one_extra = ok("The extra", ref("Extra"))
    return {
        "/extras": {"get": op(
            "The organisation's extras on offer, cheapest first, each with its next free slots (families with "
            "decide, residents, staff)", {"200": ok("Extras", {"type": "object", "properties": {
                "extras": {"type": "array", "items": ref("Extra")}}})},
            params=[query("category", {"type": "string", "enum": [c.value for c in Category]}),
                    query("team_id", {"type": "integer", "minimum": 1}),
                    query("date_from", DATE, "with a range, only extras with a free slot in it"),
                    query("date_to", DATE, f"at most {MAX_SLOT_DAYS} days after date_from"),
                    query("max_price_cents", {"type": "integer", "minimum": 0})], tag="market")},
        "/extras/{extra_id}": {
            "get": op("One extra with its availability, rating and next free slots", {"200": one_extra},
                      params=[id_param("extra_id")], tag="market"),
            "put": op("Change an extra (its team's lead); fields left out keep their value, availability lists "
                      "given replace the old ones; bookings keep their price", {"200": one_extra},
                      params=[id_param("extra_id")], body={"type": "object", "additionalProperties": False,
                                                           "properties": EXTRA_PROPERTIES}, tag="market")},
        "/extras/{extra_id}/slots": {"get": op(
            "The extra's slots from date_from to date_to (local dates, default two weeks from today) that have not "
            "started, with the seats left", {"200": ok("Slots", {"type": "object", "properties": {
                "extra_id": {"type": "integer"}, "date_from": DATE, "date_to": DATE,
                "slots": {"type": "array", "items": ref("ExtraSlot")}}})},
            params=[id_param("extra_id"), query("date_from", DATE),
                    query("date_to", DATE, f"at most {MAX_SLOT_DAYS} days after date_from")], tag="market")},
        "/teams/{team_id}/extras": {
            "get": op("All the team's extras, not offered ones too (its lead)", {"200": ok("Extras", {
                "type": "object", "properties": {"extras": {"type": "array", "items": ref("Extra")}}})},
                params=[id_param("team_id")], tag="market"),
            "post": op("Offer a new extra (the team's lead)", {"201": ok("Created", ref("Extra"))},
                       params=[id_param("team_id")],
                       body={"type": "object", "additionalProperties": False,
                             "required": ["code", "title", "price_cents", "duration_minutes"],
                             "properties": EXTRA_PROPERTIES}, tag="market")},
        "/freelancers/me/extras": {
            "get": op("All the logged-in freelancer's extras, not offered ones too", {"200": ok("Extras", {
                "type": "object", "properties": {"extras": {"type": "array", "items": ref("Extra")}}})},
                tag="market"),
            "post": op("Offer a new extra as a freelancer (once approved, and Stripe can take payments: else 409 "
                       "account_not_ready)", {"201": ok("Created", ref("Extra"))},
                       body={"type": "object", "additionalProperties": False,
                             "required": ["code", "title", "price_cents", "duration_minutes"],
                             "properties": EXTRA_PROPERTIES}, tag="market")},
        "/market/settings": {
            "get": op("The organisation's market settings (administrator)",
                      {"200": ok("Settings", ref("MarketSettings"))}, tag="market"),
            "put": op("Change the organisation's market settings (administrator); bookings made keep theirs",
                      {"200": ok("Settings", ref("MarketSettings"))},
                      body={"type": "object", "additionalProperties": False, "properties": {
                          name: {"type": "integer", "minimum": low, "maximum": high}
                          for name, (low, high) in SETTING_BOUNDS.items()}}, tag="market")},
    }
