"""JSON API of the family's bookings of extras (issue 12, items 3, 4 and 9): book, see, pay, cancel.

The same use cases as the pages (:mod:`.bookings`); a taken or past moment answers 409 with its
code (``slot_taken``, ``slot_past``) through the app-wide handler.
"""
from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from billing.gateway import GatewayError
from billing.models import Payment
from billing.payments import PaymentInProgress
from care import clients
from marketplace.core.api import json_body
from marketplace.core.db_types import utcnow
from marketplace.core.errors import ApiError, InvalidInput
from marketplace.core.extensions import csrf
from marketplace.core.numbers import json_int

from . import bookings, family_bookings
from .extras_domain import BookingStatus
from .models import Booking

bp = Blueprint("bookings_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


def _iso(moment) -> str | None:
    return moment.isoformat() if moment is not None else None


def booking_json(booking: Booking, payment: Payment | None, *, now=None, policy=None) -> dict:
    """A booking as the family sees it, with its payment (:func:`family_bookings.payments_of`)."""
    now = now or utcnow()
    status = family_bookings.status_of(booking, now)
    url = None
    if status == BookingStatus.PENDING_PAYMENT.value and payment is not None and payment.status == "pending":
        url = payment.checkout_url
    extra = booking.extra
    return {
        "id": booking.id, "status": status, "extra_id": booking.extra_id, "extra": extra.title,
        "provider_id": booking.provider_id, "client_id": booking.client_id,
        "start": _iso(booking.starts_at), "end": _iso(booking.ends_at), "price_cents": booking.price_cents,
        "notes": booking.notes,
        "hold_expires_at": _iso(booking.hold_expires_at) if status == BookingStatus.PENDING_PAYMENT.value else None,
        "checkout_url": url, "paid": booking.payment_id is not None,
        "confirmed_at": _iso(booking.confirmed_at), "cancelled_at": _iso(booking.cancelled_at),
        "cancelled_by": booking.cancelled_by, "cancel_reason": booking.cancel_reason or None,
        "refund_cents": booking.refund_cents, "refund_reason": booking.refund_reason or None,
        "refund_state": family_bookings.refund_state(booking, payment),
        "refund_if_cancelled_cents": (family_bookings.refund_if_cancelled(booking, now, policy)
                                      if family_bookings.cancellable(booking, now) else None),
        "delivered_at": _iso(booking.delivered_at),
    }


def one(booking: Booking) -> dict:
    return booking_json(booking, bookings.payment_of(booking))


def _gateway(exc: GatewayError) -> ApiError:
    return ApiError(502, exc.code, exc.message)


@bp.post("/bookings")
@login_required
def book():
    data = json_body({"extra_id", "client_id", "start", "notes"}, {"extra_id", "client_id", "start"})
    extra_id = json_int(data["extra_id"], "extra_id", low=1)
    client_id = json_int(data["client_id"], "client_id", low=1)
    start = family_bookings.parse_start(data["start"])
    notes = data.get("notes") or ""
    if not isinstance(notes, str):
        raise InvalidInput("notes", _("Write the note as text."))
    try:
        booking = bookings.book(current_user._get_current_object(), extra_id=extra_id, client_id=client_id,
                                start=start, notes=notes)
    except GatewayError as exc:
        raise _gateway(exc) from None
    return jsonify(one(booking)), 201


@bp.get("/bookings/<int:booking_id>")
@login_required
def booking(booking_id: int):
    return jsonify(one(bookings.get_booking(current_user, booking_id)))


@bp.get("/clients/<int:client_id>/bookings")
@login_required
def client_bookings(client_id: int):
    client = clients.get_client(current_user, client_id)
    now = utcnow()
    found = family_bookings.bookings_of(current_user, client, now)
    policy = bookings.policy_of(bookings.settings_of(client.organisation_id))
    return jsonify(client_id=client.id,
                   upcoming=[booking_json(b, found.payments.get(b.id), now=now, policy=policy) for b in found.upcoming],
                   past=[booking_json(b, found.payments.get(b.id), now=now, policy=policy) for b in found.past])


@bp.post("/bookings/<int:booking_id>/pay")
@login_required
def pay(booking_id: int):
    found = bookings.get_booking(current_user, booking_id)
    try:
        payment = bookings.pay(current_user._get_current_object(), found)
    except PaymentInProgress:
        raise ApiError(409, "payment_in_progress", _("A payment for this booking is being opened. Try again in "
                                                     "a moment.")) from None
    except GatewayError as exc:
        raise _gateway(exc) from None
    return jsonify(booking_json(found, payment))


@bp.post("/bookings/<int:booking_id>/cancel")
@login_required
def cancel(booking_id: int):
    data = json_body({"reason"}) if request.content_length or request.is_json else {}  # no reason needed
    reason = data.get("reason") or ""
    if not isinstance(reason, str):
        raise InvalidInput("reason", _("Write the reason as text."))
    result = bookings.cancel(current_user._get_current_object(), booking_id, reason=reason)
    # A refund the provider refused now is asked again by ``flask market retry-refunds``.
    return jsonify(one(result.booking) | {"refund": {"cents": result.refund_cents,
                                                     "requested": result.refund_id is not None}})
