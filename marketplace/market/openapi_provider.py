"""OpenAPI paths of the provider's side of extras; assembled by marketplace.web.openapi."""
from __future__ import annotations

from marketplace.core.openapi import id_param, ok, op, ref

from .extras_domain import BookingStatus
from .provider import MAX_COMMENT

STATUS = {"type": "string", "enum": [s.value for s in BookingStatus]}
MONEY_ROW = {"bookings": {"type": "integer"}, "paid_cents": {"type": "integer"},
             "refunded_cents": {"type": "integer"}, "net_cents": {"type": "integer"},
             "team_share_cents": {"type": "integer"}}

SCHEMAS = {
    "ProviderBookingLine": {"type": "object", "properties": {
        "id": {"type": "integer"}, "start": {"type": "string", "format": "date-time"},
        "end": {"type": "string", "format": "date-time"}, "first_name": {"type": "string"},
        "room": {"type": "string"}, "extra": {"type": "string"}, "notes": {"type": "string"}, "status": STATUS,
        "price_cents": {"type": "integer"}, "cancel_reason": {"type": "string"}}},
    "ProviderBooking": {"type": "object", "properties": {
        "id": {"type": "integer"}, "extra_id": {"type": "integer"}, "provider_id": {"type": "integer"},
        "start": {"type": "string", "format": "date-time"}, "end": {"type": "string", "format": "date-time"},
        "status": STATUS, "price_cents": {"type": "integer"}, "refund_cents": {"type": "integer"},
        "cancel_reason": {"type": "string"}, "delivered_at": {"type": ["string", "null"], "format": "date-time"}}},
    "ExtraRating": {"type": "object", "properties": {
        "id": {"type": "integer"}, "booking_id": {"type": "integer"}, "extra_id": {"type": "integer"},
        "stars": {"type": "integer", "minimum": 1, "maximum": 5}, "comment": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"}}},
}

REASON = {"type": "string", "maxLength": 500}


def paths() -> dict:
    booking = [id_param("booking_id")]
    one = ref("ProviderBooking")
    return {
        "/teams/{team_id}/bookings": {"get": op(
            "The team's bookings of a day (its own members only; lapsed holds left out) and its open requests",
            {"200": ok("The day", {"type": "object", "properties": {
                "team_id": {"type": "integer"}, "provider_id": {"type": ["integer", "null"]},
                "date": {"type": "string", "format": "date"},
                "bookings": {"type": "array", "items": ref("ProviderBookingLine")},
                "open_requests": {"type": "array", "items": ref("ProviderBookingLine")}}})},
            params=[id_param("team_id"), {"name": "date", "in": "query", "schema": {"type": "string", "format": "date"},
                                          "description": "the local day, 2026-12-07; today when left out"}],
            tag="market")},
        "/bookings/{booking_id}/delivered": {"post": op(
            "The provider marks a confirmed booking delivered, once it has started", {"200": ok("Delivered", one)},
            params=booking, tag="market")},
        "/bookings/{booking_id}/no-show": {"post": op(
            "The provider marks a confirmed booking a no-show, once it has started", {"200": ok("No-show", one)},
            params=booking, tag="market")},
        "/bookings/{booking_id}/provider-cancel": {"post": op(
            "The provider cancels with a reason the family sees; always a full refund of what was paid",
            {"200": ok("Cancelled", one)}, params=booking, tag="market",
            body={"type": "object", "required": ["reason"], "additionalProperties": False,
                  "properties": {"reason": REASON}})},
        "/bookings/{booking_id}/answer": {"post": op(
            "The provider confirms (the family is asked to pay) or declines (with a reason) a booking on request",
            {"200": ok("Answered", one)}, params=booking, tag="market",
            body={"type": "object", "required": ["accept"], "additionalProperties": False,
                  "properties": {"accept": {"type": "boolean"}, "reason": REASON}})},
        "/bookings/{booking_id}/rating": {"post": op(
            "The family rates a delivered booking once: 1–5 stars and a comment", {"201": ok("Rated", ref("ExtraRating"))},
            params=booking, tag="market",
            body={"type": "object", "required": ["stars"], "additionalProperties": False, "properties": {
                "stars": {"type": "integer", "minimum": 1, "maximum": 5},
                "comment": {"type": "string", "maxLength": MAX_COMMENT}}})},
        "/teams/{team_id}/extras/revenue": {"get": op(
            "The team lead's extras revenue of the last 12 months, per month of payment and per extra, net of refunds",
            {"200": ok("Revenue", {"type": "object", "properties": {
                "team_id": {"type": "integer"},
                "per_month": {"type": "array", "items": {"type": "object", "properties": {
                    "month": {"type": "string"}, **MONEY_ROW}}},
                "per_extra": {"type": "array", "items": {"type": "object", "properties": {
                    "extra": {"type": "string"}, **MONEY_ROW}}},
                "total": {"type": "object", "properties": MONEY_ROW}}})},
            params=[id_param("team_id")], tag="market")},
    }
