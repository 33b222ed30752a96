"""Pages of the provider's side of extras: the day's bookings (print and phone), delivered or
no-show, cancelling with a reason, answering requests, the lead's revenue, and rating an extra."""
from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import format_date, gettext as _
from flask_login import current_user, login_required

from marketplace.core.charts import DASHED_SQUARE, SOLID_CIRCLE, Series, line_chart, swatch
from marketplace.core.db_types import LOCAL_ZONE, local_today
from marketplace.core.errors import DomainError, InvalidInput
from marketplace.core.money import format_euro
from marketplace.core.numbers import date_arg
from marketplace.core.policy import Perm, can

from . import bookings, provider
from .booking_notices import family_link
from .extras_domain import Canceller
from .models import Booking
from .provider_forms import AnswerForm, ExtraRatingForm, MarkForm, ProviderCancelForm

bp = Blueprint("provider", __name__)


def _day_page(prov, day: date, *, errors: dict | None = None, status: int = 200):
    lines = provider.day_list(current_user, prov, day)
    return render_template("market/provider_day.html", provider=prov, day=day, lines=lines,
                           requests=provider.open_requests(prov), previous=day - timedelta(days=1),
                           next=day + timedelta(days=1), today=local_today(), errors=errors or {},
                           mark_form=MarkForm(), cancel_form=ProviderCancelForm(), answer_form=AnswerForm(),
                           day_label=format_date(day, "full"),
                           revenue_url=url_for("provider.revenue", team_id=prov.team_id)
                           if prov.team_id and can(current_user, Perm.EXTRA_REVENUE, prov) else None), status


@bp.get("/providers/<int:provider_id>/day")
@login_required
def day(provider_id: int):
    prov = provider.get_provider(current_user, provider_id)
    return _day_page(prov, date_arg("date") or local_today())


def _booking_day(booking: Booking) -> date:
    return booking.starts_at.astimezone(LOCAL_ZONE).date()


def _back(booking: Booking):
    return redirect(url_for("provider.day", provider_id=booking.provider_id, date=_booking_day(booking).isoformat()),
                    303)


def _refused(booking: Booking, refused: DomainError):
    """The day page again with the message beside the booking's form (4xx), nothing changed."""
    fields = getattr(refused, "fields", {}) or {}
    message = str(next(iter(fields.values()))) if fields else str(refused.message)
    return _day_page(booking.provider, _booking_day(booking), errors={booking.id: message}, status=refused.status)


def _form_error(form) -> InvalidInput:
    name, messages = next(iter(form.errors.items()))
    return InvalidInput(name, messages[0])


@bp.post("/bookings/<int:booking_id>/delivered")
@login_required
def mark(booking_id: int):
    booking = bookings.get_booking(current_user, booking_id, Perm.BOOKING_PROVIDE)
    form = MarkForm()
    if not form.validate_on_submit():
        return _refused(booking, _form_error(form))
    try:
        booking = bookings.mark(current_user, booking.id, delivered=form.outcome.data == "delivered")
    except DomainError as refused:
        return _refused(booking, refused)
    flash(_("Marked as delivered.") if form.outcome.data == "delivered" else _("Marked as a no-show."), "success")
    return _back(booking)


@bp.post("/bookings/<int:booking_id>/provider-cancel")
@login_required
def cancel(booking_id: int):
    booking = bookings.get_booking(current_user, booking_id, Perm.BOOKING_PROVIDE)
    form = ProviderCancelForm()
    if not form.validate_on_submit():
        return _refused(booking, _form_error(form))
    try:
        result = bookings.cancel(current_user, booking.id, reason=form.reason.data, by=Canceller.PROVIDER)
    except DomainError as refused:
        return _refused(booking, refused)
    if result.refund_cents:
        flash(_("The booking is cancelled; the family gets %(amount)s back.", amount=format_euro(result.refund_cents)),
              "success")
    else:
        flash(_("The booking is cancelled."), "success")
    return _back(result.booking)


@bp.post("/bookings/<int:booking_id>/answer")
@login_required
def answer(booking_id: int):
    booking = bookings.get_booking(current_user, booking_id, Perm.BOOKING_PROVIDE)
    form = AnswerForm()
    if not form.validate_on_submit():
        return _refused(booking, _form_error(form))
    accept = form.accept.data == "yes"
    try:
        booking = bookings.answer_request(current_user, booking.id, accept=accept, reason=form.reason.data or "")
    except DomainError as refused:
        return _refused(booking, refused)
    flash(_("Confirmed: the family is asked to pay.") if accept else _("Declined: the family is told why."),
          "success")
    return _back(booking)


@bp.get("/teams/<int:team_id>/extras/revenue")
@login_required
def revenue(team_id: int):
    prov = provider.provider_of_team(current_user, team_id, Perm.EXTRA_REVENUE)
    result = provider.revenue(current_user, prov)
    labels = [format_date(month, "MMM yyyy") for month in result.months]
    chart = line_chart(
        _("Extras revenue of %(team)s per month", team=prov.name),
        _("Paid by families net of refunds, and the team's share of it, per month of payment; the table beside "
          "the chart has the same numbers."),
        labels, [Series(_("Net revenue"), [row.net_cents for row in result.per_month], SOLID_CIRCLE),
                 Series(_("Team's share"), [row.share_cents for row in result.per_month], DASHED_SQUARE)],
        format_euro, chart_id="revenue-chart")
    return render_template("market/provider_revenue.html", provider=prov, team_id=team_id, result=result,
                           labels=labels, chart=chart,
                           swatches={"net": swatch(SOLID_CIRCLE), "share": swatch(DASHED_SQUARE)})


@bp.post("/bookings/<int:booking_id>/rating")
@login_required
def rate(booking_id: int):
    booking = bookings.get_booking(current_user, booking_id, Perm.BOOKING_RATE)
    form = ExtraRatingForm()
    status = 422
    if form.validate_on_submit():
        try:
            provider.rate(current_user, booking.id, stars=int(form.stars.data), comment=form.comment.data or "")
        except InvalidInput as refused:
            for name, message in refused.fields.items():
                getattr(form, name, form.comment).errors.append(str(message))
        except DomainError as refused:
            form.stars.errors.append(str(refused.message))
            status = refused.status
        else:
            flash(_("Thank you for rating %(extra)s.", extra=booking.extra.title), "success")
            # H2's booking page (bookings.booking), at the path booking_notices links to.
            return redirect(family_link(booking), 303)
    return render_template("market/provider_rating.html", booking=booking, rating_form=form,
                           rating=provider.rating_of(booking.id), may_rate=True), status


def extra_rating_state(booking: Booking) -> SimpleNamespace:
    """What the rating include shows on a booking page: the rating given, or the form when the
    viewer may rate (a template global, so any booking page can include it)."""
    rating = provider.rating_of(booking.id)
    return SimpleNamespace(rating=rating, may_rate=rating is None and provider.may_rate(current_user, booking),
                           form=ExtraRatingForm())
