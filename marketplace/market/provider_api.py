"""JSON API of the provider's side of extras (issue 12, items 5–6 and 9): the team's bookings of a
day, delivered or no-show, the provider's cancellation and answers, the lead's revenue, rating."""
from __future__ import annotations

from flask import Blueprint, jsonify
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.core.api import json_body
from marketplace.core.db_types import local_today, utcnow
from marketplace.core.errors import ApiError
from marketplace.core.extensions import csrf
from marketplace.core.numbers import date_arg, json_int
from marketplace.core.policy import Perm

from . import bookings, provider
from .extras_domain import Canceller, effective_status
from .models import Booking
from .provider import DayLine

bp = Blueprint("provider_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


def line_json(line: DayLine) -> dict:
    return {"id": line.booking_id, "start": line.starts_at.isoformat(), "end": line.ends_at.isoformat(),
            "first_name": line.first_name, "room": line.room, "extra": line.extra_title, "notes": line.notes,
            "status": line.status, "price_cents": line.price_cents, "cancel_reason": line.cancel_reason}


def booking_json(booking: Booking) -> dict:
    return {"id": booking.id, "extra_id": booking.extra_id, "provider_id": booking.provider_id,
            "start": booking.starts_at.isoformat(), "end": booking.ends_at.isoformat(),
            "status": effective_status(booking.status, booking.hold_expires_at, utcnow()),
            "price_cents": booking.price_cents, "refund_cents": booking.refund_cents,
            "cancel_reason": booking.cancel_reason,
            "delivered_at": booking.delivered_at.isoformat() if booking.delivered_at else None}


def _text(data: dict, field: str) -> str:
    value = data.get(field, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ApiError(422, "invalid", _("Some of what you entered is not valid."), {field: _("Send a text.")})
    return value


@bp.get("/teams/<int:team_id>/bookings")
@login_required
def team_bookings(team_id: int):
    prov = provider.provider_of_team(current_user, team_id, Perm.BOOKING_PROVIDE)
    day = date_arg("date") or local_today()
    return jsonify({"team_id": team_id, "provider_id": prov.id, "date": day.isoformat(),
                    "bookings": [line_json(line) for line in provider.day_list(current_user, prov, day)],
                    "open_requests": [line_json(line) for line in provider.open_requests(prov)]})


@bp.post("/bookings/<int:booking_id>/delivered")
@login_required
def delivered(booking_id: int):
    return jsonify(booking_json(bookings.mark(current_user, booking_id, delivered=True)))


@bp.post("/bookings/<int:booking_id>/no-show")
@login_required
def no_show(booking_id: int):
    return jsonify(booking_json(bookings.mark(current_user, booking_id, delivered=False)))


@bp.post("/bookings/<int:booking_id>/provider-cancel")
@login_required
def provider_cancel(booking_id: int):
    bookings.get_booking(current_user, booking_id, Perm.BOOKING_PROVIDE)
    data = json_body({"reason"}, {"reason"})
    result = bookings.cancel(current_user, booking_id, reason=_text(data, "reason"), by=Canceller.PROVIDER)
    return jsonify({**booking_json(result.booking), "refund_cents": result.refund_cents})


@bp.post("/bookings/<int:booking_id>/answer")
@login_required
def answer(booking_id: int):
    bookings.get_booking(current_user, booking_id, Perm.BOOKING_PROVIDE)
    data = json_body({"accept", "reason"}, {"accept"})
    if not isinstance(data["accept"], bool):
        raise ApiError(422, "invalid", _("Some of what you entered is not valid."),
                       {"accept": _("Send true to confirm or false to decline.")})
    booking = bookings.answer_request(current_user, booking_id, accept=data["accept"], reason=_text(data, "reason"))
    return jsonify(booking_json(booking))


@bp.post("/bookings/<int:booking_id>/rating")
@login_required
def rate(booking_id: int):
    bookings.get_booking(current_user, booking_id, Perm.BOOKING_RATE)
    data = json_body({"stars", "comment"}, {"stars"})
    rating = provider.rate(current_user, booking_id, stars=json_int(data["stars"], "stars", low=1, high=5),
                           comment=_text(data, "comment"))
    return jsonify({"id": rating.id, "booking_id": rating.booking_id, "extra_id": rating.extra_id,
                    "stars": rating.stars, "comment": rating.comment,
                    "created_at": rating.created_at.isoformat()}), 201


@bp.get("/teams/<int:team_id>/extras/revenue")
@login_required
def revenue(team_id: int):
    prov = provider.provider_of_team(current_user, team_id, Perm.EXTRA_REVENUE)
    result = provider.revenue(current_user, prov)

    def row_json(row) -> dict:
        return {"bookings": row.bookings, "paid_cents": row.paid_cents, "refunded_cents": row.refunded_cents,
                "net_cents": row.net_cents, "team_share_cents": row.share_cents}
    return jsonify({"team_id": team_id,
                    "per_month": [{"month": row.label, **row_json(row)} for row in result.per_month],
                    "per_extra": [{"extra": row.label, **row_json(row)} for row in result.per_extra],
                    "total": row_json(result.total)})
