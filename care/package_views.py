"""Pages of the package composer, versions, sign-off, the family's budget view, reviews."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from billing.savings import savings_balance_cents
from marketplace.db_types import local_today
from marketplace.policy import Perm, authorize, can

from . import health, packages, reviews, services
from .catalogue import budget_on, price_list
from .domain import Category
from .forms import ComposerForm, ReviewForm, SignOffForm, lines_from_form

bp = Blueprint("packages", __name__, url_prefix="/clients/<int:client_id>")


def _composer_context(resident, lines, form, reading=None, errors=None):
    prices = price_list(resident.organisation, local_today())
    chosen = {line.service: line.per_week for line in lines}
    show_health = packages.shows_health(current_user, resident)
    required, problems = {}, {}
    if show_health:
        required = health.requirements(resident)
        if required or any(prices[c].category == Category.HEALTH for c in chosen if c in prices):
            problems = health.problems()
            health.read_logged(current_user, resident, "health lines in the composer")
    return {
        "show_health": show_health, "required": required, "problems": problems,
        "client": resident, "form": form, "prices": prices, "chosen": chosen, "reading": reading,
        "errors": errors or {}, "locale": str(get_locale()),
        "composing": can(current_user, Perm.PACKAGE_COMPOSE, resident),
        "nurse": can(current_user, Perm.PACKAGE_SIGN, resident),
        "working": packages.working_version(resident),
        "budget": budget_on(resident, local_today()),
        "savings_balance": savings_balance_cents(resident.id),
        "query": request.args.get("q", "").strip().lower(),
    }


@bp.route("/package", methods=["GET", "POST"])
@login_required
def composer(client_id: int):
    resident = services.get_client(current_user, client_id)
    authorize(current_user, Perm.PACKAGE_PROPOSE, resident)
    working = packages.working_version(resident)
    form = ComposerForm(use_savings=working.use_savings if working else False)
    lines, errors, reading, status = packages.lines_of(working), {}, None, 200
    if form.validate_on_submit():
        try:
            lines = lines_from_form(request.form)
            if request.form.get("action") == "save":
                version = packages.save_version(current_user, resident, lines, form.use_savings.data,
                                                form.reason.data or "")
                flash(_("Saved as version %(n)d.", n=version.number), "success")
                return redirect(url_for(".composer", client_id=resident.id))
            reading = packages.meter_for(current_user, resident, lines, form.use_savings.data)
        except packages.InvalidPackage as exc:
            errors, status = exc.errors, 422
        except packages.ConcurrentChange:
            errors, status = {"lines": _("Someone else saved at the same moment. Reload and try again.")}, 409
    elif request.method == "POST":
        status = 400
    if reading is None and not errors:
        try:
            reading = packages.read_meter(resident, lines, form.use_savings.data)
        except packages.ClientHasNoBudget:
            reading = None
        except packages.InvalidPackage as exc:  # a service became inactive since the draft was saved
            errors = exc.errors
    return render_template("care/composer.html", **_composer_context(resident, lines, form, reading, errors)), status


@bp.route("/package/submit", methods=["POST"])
@login_required
def submit(client_id: int):
    resident = services.get_client(current_user, client_id)
    authorize(current_user, Perm.PACKAGE_COMPOSE, resident)
    if not ComposerForm().validate_on_submit():
        abort(400)
    try:
        version = packages.submit_draft(current_user, resident)
    except packages.NothingToSubmit:
        flash(_("There is no draft to submit. Save your changes first."), "warning")
    else:
        flash(_("Version %(n)d is submitted for the nurse's sign-off.", n=version.number), "success")
    return redirect(url_for(".composer", client_id=resident.id))


def _versions_page(resident):
    return render_template("care/versions.html", client=resident, versions=packages.versions_of(resident),
                           sign_form=SignOffForm(), nurse=can(current_user, Perm.PACKAGE_SIGN, resident))


@bp.route("/package/versions")
@login_required
def versions(client_id: int):
    resident = services.get_client(current_user, client_id)
    authorize(current_user, Perm.PACKAGE_VIEW, resident)
    return _versions_page(resident)


@bp.route("/package/versions/<int:number>")
@login_required
def version(client_id: int, number: int):
    resident = services.get_client(current_user, client_id)
    authorize(current_user, Perm.PACKAGE_VIEW, resident)
    chosen = packages.version_by_number(resident, number)
    day = chosen.active_from or chosen.created_at.date()
    reading = packages.reading_of(resident, chosen, day)
    return render_template("care/version.html", client=resident, version=chosen, reading=reading,
                           lines=packages.visible_lines(current_user, resident, chosen),
                           show_health=packages.shows_health(current_user, resident),
                           prices=price_list(resident.organisation, day), locale=str(get_locale()))


@bp.route("/package/compare")
@login_required
def compare(client_id: int):
    resident = services.get_client(current_user, client_id)
    authorize(current_user, Perm.PACKAGE_VIEW, resident)
    a, b = request.args.get("a", type=int), request.args.get("b", type=int)
    if not a or not b:
        return redirect(url_for(".versions", client_id=resident.id))
    older, newer = packages.version_by_number(resident, min(a, b)), packages.version_by_number(resident, max(a, b))
    changes = packages.compare(older, newer)
    if not packages.shows_health(current_user, resident):
        changes = [c for c in changes if not c.health]
    elif any(c.health for c in changes):
        health.read_logged(current_user, resident, f"health lines of versions {older.number} and {newer.number}")
    return render_template("care/compare.html", client=resident, older=older, newer=newer, changes=changes,
                           prices=price_list(resident.organisation, local_today()), locale=str(get_locale()))


@bp.route("/package/versions/<int:number>/sign", methods=["POST"])
@login_required
def sign(client_id: int, number: int):
    resident = services.get_client(current_user, client_id)
    authorize(current_user, Perm.PACKAGE_SIGN, resident)
    form = SignOffForm()
    if not form.validate_on_submit():
        flash(_("Enter a valid date."), "error")
        return redirect(url_for(".versions", client_id=resident.id))
    try:
        signed = packages.sign_off(current_user, resident, number, form.active_from.data)
    except packages.NotSubmitted:
        flash(_("Only a submitted version can be signed off."), "warning")
    except packages.PackageUncovered as exc:
        flash(_("Sign-off refused: not every health risk is covered.") + " " + "; ".join(
            _("%(code)s: %(planned)d of at least %(required)d per week", code=gap.service, planned=gap.planned,
              required=gap.required) for gap in exc.gaps), "error")
        return _versions_page(resident), 422
    else:
        flash(_("Version %(n)d is active from %(day)s.", n=signed.number,
                day=format_date(signed.active_from, "long")), "success")
    return redirect(url_for(".versions", client_id=resident.id))


@bp.route("/budget")
@login_required
def budget(client_id: int):
    """The family's view: budget, active package, meter, savings, history, next review."""
    resident = services.get_client(current_user, client_id)
    authorize(current_user, Perm.PACKAGE_VIEW, resident)
    active = packages.active_version(resident)
    reading = packages.reading_of(resident, active, local_today()) if active else None
    return render_template(
        "care/budget.html", client=resident, active=active, reading=reading,
        lines=packages.visible_lines(current_user, resident, active),
        show_health=packages.shows_health(current_user, resident),
        budget=budget_on(resident, local_today()), savings_balance=savings_balance_cents(resident.id),
        prices=price_list(resident.organisation, local_today()), locale=str(get_locale()),
        history=packages.versions_of(resident), review=reviews.review_state(resident),
        reviews=reviews.reviews_of(resident), review_form=ReviewForm(),
        can_review=can(current_user, Perm.REVIEW_RECORD, resident),
        can_pay_view=can(current_user, Perm.PAYMENT_VIEW, resident), this_month=local_today().isoformat()[:7],
    )


@bp.route("/reviews", methods=["POST"])
@login_required
def record_review(client_id: int):
    resident = services.get_client(current_user, client_id)
    authorize(current_user, Perm.REVIEW_RECORD, resident)
    form = ReviewForm()
    if not form.validate_on_submit():
        flash(_("Choose confirmed or changed."), "error")
        return redirect(url_for(".budget", client_id=resident.id))
    try:
        reviews.record_review(current_user, resident, outcome=form.outcome.data, note=form.note.data or "")
    except reviews.NoActivePackage:
        flash(_("There is no active package to review yet."), "warning")
    except reviews.InvalidReview as exc:
        flash(exc.message, "error")
    else:
        flash(_("The review is recorded."), "success")
        if form.outcome.data == "changed":
            return redirect(url_for(".composer", client_id=resident.id))
    return redirect(url_for(".budget", client_id=resident.id))

