"""The family's pages of its bookings (issue 12, items 3 and 4): book a slot (on to the checkout),
a booking's state, paying, cancelling with the refund shown first, the receipt, a resident's list."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user, login_required

from billing.gateway import GatewayError
from billing.payments import PaymentInProgress
from care import clients
from marketplace.core.db_types import LOCAL_ZONE, utcnow
from marketplace.core.errors import Conflict, InvalidInput
from marketplace.core.forms import EmptyForm
from marketplace.core.numbers import parse_int
from marketplace.core.policy import Perm, can

from . import bookings, family_bookings
from .extras_domain import BookingStatus

bp = Blueprint("bookings", __name__)


def _refused(extra_id: int, message: str, status: int):
    """A booking that could not be made (nothing was booked): the extra's page again with the
    reason on top, or, without the extras pages, the reason and a way back."""
    extra_page = current_app.view_functions.get("extras.extra")
    if extra_page is None:
        return render_template("market/booking_refused.html", extra_id=extra_id, message=message), status
    flash(message, "error")
    response = current_app.make_response(extra_page(extra_id=extra_id))
    response.status_code = status
    return response


@bp.route("/extras/<int:extra_id>/book", methods=["POST"])
@login_required
def book(extra_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        client_id = parse_int(request.form.get("client_id", ""), "client_id", low=1)
        start = family_bookings.parse_start(_start_text())
        booking = bookings.book(current_user._get_current_object(), extra_id=extra_id, client_id=client_id,
                                start=start, notes=request.form.get("notes", ""))
    except InvalidInput as refused:
        return _refused(extra_id, str(refused.message), 422)
    except Conflict as refused:
        return _refused(extra_id, str(refused.message), 409)
    except GatewayError as refused:
        return _refused(extra_id, refused.message, 502)
    return redirect(bookings.payment_of(booking).checkout_url if booking.status == BookingStatus.PENDING_PAYMENT
                    else url_for(".booking", booking_id=booking.id), code=303)


def moment_of(booking) -> str:
    """"7 dec 2026, 10:00–11:00" (the end's date too when it ends on another day), local time."""
    start, end = booking.starts_at, booking.ends_at
    same_day = start.astimezone(LOCAL_ZONE).date() == end.astimezone(LOCAL_ZONE).date()
    return f"{format_datetime(start, 'd MMM y, HH:mm')}–{format_datetime(end, 'HH:mm' if same_day else 'd MMM y, HH:mm')}"


def _start_text() -> str:
    """``start`` from a slot's radio button, or ``date`` + ``time`` (+ offset) for a moment on request."""
    if request.form.get("start"):
        return request.form["start"]
    day, moment, offset = (request.form.get(name, "").strip() for name in ("date", "time", "offset"))
    if not day and not moment:
        return ""
    return f"{day}T{moment}{offset or _local_offset(day, moment)}"


def _local_offset(day: str, moment: str) -> str:
    """The offset of Dutch local time on that day (a family on request types a local date and time)."""
    try:
        naive = datetime.fromisoformat(f"{day}T{moment}")
    except ValueError:
        return ""
    offset = naive.replace(tzinfo=LOCAL_ZONE).strftime("%z")
    return f"{offset[:3]}:{offset[3:]}"


@bp.route("/bookings/<int:booking_id>")
@login_required
def booking(booking_id: int):
    found = bookings.get_booking(current_user, booking_id)
    now = utcnow()
    status = family_bookings.status_of(found, now)
    cancellable = family_bookings.cancellable(found, now) and can(current_user, Perm.BOOKING_CANCEL, found)
    payment = bookings.payment_of(found)
    return render_template(
        "market/booking.html", booking=found, status=status, now=now, payment=payment, moment=moment_of(found),
        refund_state=family_bookings.refund_state(found, payment),
        can_pay=status == BookingStatus.PENDING_PAYMENT and can(current_user, Perm.BOOKING_MAKE, found.client),
        can_cancel=cancellable,
        refund_if_cancelled=family_bookings.refund_if_cancelled(found, now) if cancellable else None,
        settings=bookings.settings_of(found.organisation_id), form=EmptyForm())


@bp.route("/bookings/<int:booking_id>/pay", methods=["POST"])
@login_required
def pay(booking_id: int):
    found = bookings.get_booking(current_user, booking_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        payment = bookings.pay(current_user._get_current_object(), found)
    except PaymentInProgress:
        flash(_("A payment for this booking is being opened. Try again in a moment."), "info")
    except Conflict as refused:
        flash(str(refused.message), "warning")
    except GatewayError as refused:
        flash(refused.message, "error")
    else:
        return redirect(payment.checkout_url, code=303)
    return redirect(url_for(".booking", booking_id=booking_id), code=303)


@bp.route("/bookings/<int:booking_id>/cancel", methods=["POST"])
@login_required
def cancel(booking_id: int):
    bookings.get_booking(current_user, booking_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        result = bookings.cancel(current_user._get_current_object(), booking_id,
                                 reason=request.form.get("reason", ""))
    except InvalidInput as refused:
        flash(str(refused.message), "warning")
    except Conflict as refused:
        flash(str(refused.message), "warning")
    else:
        if result.refund_cents and result.refund_id is None and result.booking.status != BookingStatus.REFUNDED:
            flash(_("The booking is cancelled. The refund could not be asked for yet; we try again soon."), "warning")
        elif result.refund_cents:
            flash(_("The booking is cancelled. The refund is on its way."), "success")
        else:
            flash(_("The booking is cancelled."), "success")
    return redirect(url_for(".booking", booking_id=booking_id), code=303)


@bp.route("/bookings/<int:booking_id>/receipt")
@login_required
def receipt(booking_id: int):
    found = bookings.get_booking(current_user, booking_id)
    if found.payment_id is None:
        abort(404)
    return render_template("market/booking_receipt.html", booking=found, payment=bookings.payment_of(found),
                           moment=moment_of(found),
                           status=family_bookings.status_of(found))


@bp.route("/clients/<int:client_id>/bookings")
@login_required
def client_bookings(client_id: int):
    client = clients.get_client(current_user, client_id)
    now = utcnow()
    return render_template("market/bookings.html", client=client, now=now,
                           found=family_bookings.bookings_of(current_user, client, now))
