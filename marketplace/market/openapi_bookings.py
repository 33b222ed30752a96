"""OpenAPI paths of the family's bookings of extras; assembled by marketplace.web.openapi."""
from __future__ import annotations

from marketplace.core.openapi import id_param, ok, op, ref

from .extras_domain import BookingStatus

MOMENT = {"type": "string", "format": "date-time",
          "description": "ISO 8601 with its offset, e.g. 2026-12-07T10:00:00+01:00 (a time without offset is refused)"}
NULLABLE_MOMENT = {"type": ["string", "null"], "format": "date-time"}

SCHEMAS = {
    "ExtraBooking": {"type": "object", "required": ["id", "status", "price_cents", "start", "end"], "properties": {
        "id": {"type": "integer"},
        "status": {"type": "string", "enum": [status.value for status in BookingStatus],
                   "description": "A pending payment whose hold has lapsed reads as expired"},
        "extra_id": {"type": "integer"}, "extra": {"type": "string"}, "provider_id": {"type": "integer"},
        "client_id": {"type": "integer"}, "start": MOMENT, "end": MOMENT,
        "price_cents": {"type": "integer", "minimum": 1}, "notes": {"type": "string"},
        "hold_expires_at": {**NULLABLE_MOMENT, "description": "Until when the seat is held (pending payment only)"},
        "checkout_url": {"type": ["string", "null"],
                         "description": "Where to pay, while the booking waits for payment (single bookings)"},
        "paid": {"type": "boolean"}, "confirmed_at": NULLABLE_MOMENT, "cancelled_at": NULLABLE_MOMENT,
        "cancelled_by": {"type": ["string", "null"], "enum": ["family", "provider", None]},
        "cancel_reason": {"type": ["string", "null"], "description": "The provider's reason is shown to the family"},
        "refund_cents": {"type": "integer", "minimum": 0},
        "refund_reason": {"type": ["string", "null"],
                          "description": "slot_taken: paid after the hold lapsed and the seat was gone"},
        "refund_state": {"type": ["string", "null"], "enum": ["pending", "refunded", None],
                         "description": "pending while the refund is on its way; refunded once the provider's "
                                        "event booked it"},
        "refund_if_cancelled_cents": {"type": ["integer", "null"],
                                      "description": "What the family gets back if it cancels now (policy)"},
        "delivered_at": NULLABLE_MOMENT}},
}

BOOK_BODY = {"type": "object", "required": ["extra_id", "client_id", "start"], "additionalProperties": False,
             "properties": {"extra_id": {"type": "integer", "minimum": 1}, "client_id": {"type": "integer", "minimum": 1},
                            "start": MOMENT, "notes": {"type": "string", "maxLength": 500}}}
CANCEL_BODY = {"type": "object", "additionalProperties": False,
               "properties": {"reason": {"type": "string", "maxLength": 500}}}
CANCELLED = {"allOf": [ref("ExtraBooking"), {"type": "object", "properties": {"refund": {
    "type": "object", "properties": {"cents": {"type": "integer", "minimum": 0},
                                     "requested": {"type": "boolean",
                                                   "description": "Asked of the payment provider (false: retried "
                                                                  "later)"}}}}}]}


def paths() -> dict:
    booking = [id_param("booking_id")]
    return {
        "/bookings": {"post": op(
            "Book an extra for a resident (family with decide, or the resident). A timed extra: the seat is held "
            "(pending_payment) with a checkout_url to pay; on request: status requested, checkout_url null. "
            "409 slot_taken or slot_past; 422 not_a_slot or not_available",
            {"201": ok("The booking", ref("ExtraBooking"))}, body=BOOK_BODY, tag="market")},
        "/bookings/{booking_id}": {"get": op("One booking, its status, hold and refund",
                                             {"200": ok("The booking", ref("ExtraBooking"))}, params=booking,
                                             tag="market")},
        "/clients/{client_id}/bookings": {"get": op(
            "The resident's bookings: upcoming (soonest first) and past (latest first)",
            {"200": ok("Bookings", {"type": "object", "properties": {
                "client_id": {"type": "integer"},
                "upcoming": {"type": "array", "items": ref("ExtraBooking")},
                "past": {"type": "array", "items": ref("ExtraBooking")}}})},
            params=[id_param("client_id")], tag="market")},
        "/bookings/{booking_id}/pay": {"post": op(
            "Open (or reuse) the checkout of a held booking (409 booking_closed when cancelled or its hold lapsed)",
            {"200": ok("The booking with its checkout_url", ref("ExtraBooking"))}, params=booking, tag="market")},
        "/bookings/{booking_id}/cancel": {"post": op(
            "Cancel as the family: the refund the policy gives (all up to the free-cancellation hours before the "
            "start, later the late percentage). 409 already_cancelled or booking_closed",
            {"200": ok("The cancelled booking and its refund", CANCELLED)}, body=CANCEL_BODY, params=booking,
            tag="market", optional_body=True)},
    }
