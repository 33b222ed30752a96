"""OpenAPI paths of freelancers (issue 13); assembled by marketplace.web.openapi."""
from __future__ import annotations

from marketplace.core.openapi import id_param, ok, op, ref

from .freelancers import MAX_BIO, MAX_ITEM, MAX_ITEMS, MAX_NAME, MAX_REASON

TEXTS = {"type": "array", "maxItems": MAX_ITEMS, "items": {"type": "string", "maxLength": MAX_ITEM}}

SCHEMAS = {
    "Freelancer": {"type": "object", "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "kvk_number": {"type": "string"},
        "big_number": {"type": ["string", "null"]}, "home_team_id": {"type": "integer"},
        "skills": {"type": "array", "items": {"type": "string"}},
        "languages": {"type": "array", "items": {"type": "string"}}, "bio": {"type": "string"},
        "status": {"type": "string", "enum": ["pending", "approved", "suspended"]},
        "status_reason": {"type": "string"},
        "stripe": {"type": "object", "properties": {
            "onboarded": {"type": "boolean"}, "charges_enabled": {"type": "boolean"},
            "payouts_enabled": {"type": "boolean"},
            "requirements_due": {"type": "array", "items": {"type": "string"},
                                 "description": "Stripe's names of what it still needs"},
            "requirements_in_words": {"type": "array", "items": {"type": "string"}}}},
        "can_take_bookings": {"type": "boolean",
                              "description": "approved, and Stripe lets the account take payments"}}},
}

PROFILE_BODY = {"type": "object", "required": ["name", "kvk_number", "home_team_id"], "additionalProperties": False,
                "properties": {
                    "name": {"type": "string", "minLength": 1, "maxLength": MAX_NAME},
                    "kvk_number": {"type": "string", "pattern": "^[0-9]{8}$", "description": "8 ASCII digits"},
                    "big_number": {"type": ["string", "null"], "pattern": "^([0-9]{11})?$",
                                   "description": "11 ASCII digits, or empty"},
                    "home_team_id": {"type": "integer", "minimum": 1, "maximum": 2**63 - 1},
                    "skills": TEXTS, "languages": TEXTS, "bio": {"type": "string", "maxLength": MAX_BIO}}}


def paths() -> dict:
    freelancer = {"200": ok("The profile", ref("Freelancer"))}
    return {
        "/freelancers/me": {
            "get": op("My freelancer profile, its approval and what Stripe still needs (404 before it is made)",
                      freelancer, tag="market"),
            "put": op("Make (201) or change (200) my freelancer profile; a new one waits for the organisation's "
                      "approval", {"200": ok("Changed", ref("Freelancer")), "201": ok("Made", ref("Freelancer"))},
                      body=PROFILE_BODY, tag="market"),
        },
        "/freelancers/me/onboarding": {"post": op(
            "A link to Stripe's onboarding of my connected account (made first when there is none); single-use",
            {"200": ok("The link to follow", {"type": "object", "properties": {"url": {"type": "string"}}})},
            tag="market")},
        "/freelancers/{freelancer_id}/approve": {"post": op(
            "Approve a freelancer (administrators); they are told", freelancer,
            params=[id_param("freelancer_id")], tag="market")},
        "/freelancers/{freelancer_id}/suspend": {"post": op(
            "Suspend a freelancer with a reason (administrators): their extras leave the market and their open "
            "bookings are cancelled with a full refund",
            {"200": ok("Suspended", {"type": "object", "properties": {
                "freelancer": ref("Freelancer"),
                "cancelled_bookings": {"type": "array", "items": {"type": "integer"}},
                "refunds_pending": {"type": "array", "items": {"type": "integer"}}}})},
            params=[id_param("freelancer_id")],
            body={"type": "object", "required": ["reason"], "additionalProperties": False,
                  "properties": {"reason": {"type": "string", "minLength": 1, "maxLength": MAX_REASON}}},
            tag="market")},
        "/teams/{team_id}/freelancers": {"get": op(
            "The freelancers at home in a team (its lead, administrators)",
            {"200": ok("Freelancers", {"type": "object", "properties": {"freelancers": {"type": "array", "items": {
                "type": "object", "properties": {
                    "id": {"type": "integer"}, "name": {"type": "string"}, "status": {"type": "string"},
                    "skills": {"type": "array", "items": {"type": "string"}},
                    "languages": {"type": "array", "items": {"type": "string"}},
                    "can_take_bookings": {"type": "boolean"}}}}}})},
            params=[id_param("team_id")], tag="market")},
    }
