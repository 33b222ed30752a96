"""Pages of the package composer, versions, sign-off, the family's budget view, reviews."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from billing.savings import savings_balance_cents
from marketplace.core.db_types import local_today
from marketplace.core.errors import InvalidInput
from marketplace.core.extensions import csrf
from marketplace.core.numbers import int_arg
from marketplace.core.policy import Perm, authorize, can

from . import clients, health_log, meter, packages, requirements, reviews, versions
from .catalogue import budget_on, price_list
from .domain import Category
from .lines import InvalidPackage
from .forms import ComposerForm, ReviewForm, SignOffForm, lines_from_form, typed_lines

bp = Blueprint("packages", __name__, url_prefix="/clients/<int:client_id>")


def _composer_context(client, lines, form, reading=None, errors=None, typed=None, expired=False):
    prices = price_list(client.organisation, local_today())
    chosen = {line.service: line.per_week for line in lines}
    show_health = versions.shows_health(current_user, client)
    required, problems = {}, {}
    if show_health:
        required = requirements.requirements(client)
        if required or any(prices[c].category == Category.HEALTH for c in chosen if c in prices):
            problems = requirements.problems()
            health_log.read_logged(current_user, client, health_log.HealthEvent.HEALTH_LINES_READ)
    return {
        "show_health": show_health, "required": required, "problems": problems,
        "client": client, "form": form, "prices": prices, "chosen": chosen, "reading": reading,
        "errors": errors or {}, "locale": str(get_locale()), "typed": typed or {}, "expired": expired,
        "composing": can(current_user, Perm.PACKAGE_COMPOSE, client),
        "nurse": can(current_user, Perm.PACKAGE_SIGN, client),
        "working": versions.working_version(client),
        "budget": budget_on(client, local_today()),
        "savings_balance": savings_balance_cents(client.id),
        "query": request.args.get("q", "").strip().lower(),
    }


# The form's own validate_on_submit checks the CSRF token, so that an expired one comes back as
# this page with everything typed still in it (and the draft in the browser's storage), not as
# a bare "form expired" page; an expired session goes to the login and back here.
@bp.route("/package", methods=["GET", "POST"])
@csrf.exempt
@login_required
def composer(client_id: int):
    client = clients.get_client(current_user, client_id)
    authorize(current_user, Perm.PACKAGE_PROPOSE, client)
    working = versions.working_version(client)
    form = ComposerForm(use_savings=working.use_savings if working else False)
    lines, errors, reading, status = versions.lines_of(working), {}, None, 200
    typed = typed_lines(request.form) if request.method == "POST" else {}
    expired = False
    if form.validate_on_submit():
        try:
            lines = lines_from_form(request.form)
            if request.form.get("action") == "save":
                version = packages.save_version(current_user, client, lines, form.use_savings.data,
                                                form.reason.data or "")
                flash(_("Saved as version %(n)d.", n=version.number), "success")
                return redirect(url_for(".composer", client_id=client.id))
            reading = meter.meter_for(current_user, client, lines, form.use_savings.data)
        except InvalidPackage as exc:
            errors, status = exc.errors, 422
        except versions.ConcurrentChange:
            errors, status = {"lines": _("Someone else saved at the same moment. Reload and try again.")}, 409
    elif request.method == "POST":
        expired = "csrf_token" in form.errors
        status = 400 if expired else 422
        try:
            lines = lines_from_form(request.form)
        except InvalidPackage as exc:
            errors = exc.errors
    if reading is None and not errors:
        try:
            reading = meter.read_meter(client, lines, form.use_savings.data)
        except meter.ClientHasNoBudget:
            reading = None
        except InvalidPackage as exc:  # a service became inactive since the draft was saved
            errors = exc.errors
    return render_template("care/composer.html",
                           **_composer_context(client, lines, form, reading, errors, typed, expired)), status


@bp.route("/package/submit", methods=["POST"])
@login_required
def submit(client_id: int):
    client = clients.get_client(current_user, client_id)
    authorize(current_user, Perm.PACKAGE_COMPOSE, client)
    if not ComposerForm().validate_on_submit():
        abort(400)
    try:
        version = packages.submit_draft(current_user, client)
    except packages.NothingToSubmit:
        flash(_("There is no draft to submit. Save your changes first."), "warning")
    else:
        flash(_("Version %(n)d is submitted for the nurse's sign-off.", n=version.number), "success")
    return redirect(url_for(".composer", client_id=client.id))


def _versions_page(client):
    return render_template("care/versions.html", client=client, versions=versions.versions_of(client),
                           sign_form=SignOffForm(), nurse=can(current_user, Perm.PACKAGE_SIGN, client))


@bp.route("/package/versions", endpoint="versions")
@login_required
def list_versions(client_id: int):
    client = clients.get_client(current_user, client_id)
    authorize(current_user, Perm.PACKAGE_VIEW, client)
    return _versions_page(client)


@bp.route("/package/versions/<int:number>")
@login_required
def version(client_id: int, number: int):
    client = clients.get_client(current_user, client_id)
    authorize(current_user, Perm.PACKAGE_VIEW, client)
    chosen = versions.version_by_number(client, number)
    day = chosen.active_from or chosen.created_at.date()
    reading = meter.reading_of(client, chosen, day)
    return render_template("care/version.html", client=client, version=chosen, reading=reading,
                           lines=versions.visible_lines(current_user, client, chosen),
                           show_health=versions.shows_health(current_user, client),
                           prices=price_list(client.organisation, day), locale=str(get_locale()))


@bp.route("/package/compare")
@login_required
def compare(client_id: int):
    client = clients.get_client(current_user, client_id)
    authorize(current_user, Perm.PACKAGE_VIEW, client)
    a, b = int_arg("a"), int_arg("b")
    if not a or not b:
        return redirect(url_for(".versions", client_id=client.id))
    older, newer = versions.version_by_number(client, min(a, b)), versions.version_by_number(client, max(a, b))
    changes = versions.compare(older, newer)
    if not versions.shows_health(current_user, client):
        changes = [c for c in changes if not c.health]
    elif any(c.health for c in changes):
        health_log.read_logged(current_user, client, health_log.HealthEvent.HEALTH_LINES_READ, newer)
    return render_template("care/compare.html", client=client, older=older, newer=newer, changes=changes,
                           prices=price_list(client.organisation, local_today()), locale=str(get_locale()))


@bp.route("/package/versions/<int:number>/sign", methods=["POST"])
@login_required
def sign(client_id: int, number: int):
    client = clients.get_client(current_user, client_id)
    authorize(current_user, Perm.PACKAGE_SIGN, client)
    form = SignOffForm()
    if not form.validate_on_submit():
        flash(_("Enter a valid date."), "error")
        return redirect(url_for(".versions", client_id=client.id))
    try:
        signed = packages.sign_off(current_user, client, number, form.active_from.data)
    except packages.NotSubmitted:
        flash(_("Only a submitted version can be signed off."), "warning")
    except packages.PackageUncovered as exc:
        flash(_("Sign-off refused: not every health risk is covered.") + " " + "; ".join(
            _("%(code)s: %(planned)d of at least %(required)d per week", code=gap.service, planned=gap.planned,
              required=gap.required) for gap in exc.gaps), "error")
        return _versions_page(client), 422
    else:
        flash(_("Version %(n)d is active from %(day)s.", n=signed.number,
                day=format_date(signed.active_from, "long")), "success")
    return redirect(url_for(".versions", client_id=client.id))


@bp.route("/budget")
@login_required
def budget(client_id: int):
    """The family's view: budget, active package, meter, savings, history, next review."""
    client = clients.get_client(current_user, client_id)
    authorize(current_user, Perm.PACKAGE_VIEW, client)
    active = versions.active_version(client)
    reading = meter.reading_of(client, active, local_today()) if active else None
    return render_template(
        "care/budget.html", client=client, active=active, reading=reading,
        lines=versions.visible_lines(current_user, client, active),
        show_health=versions.shows_health(current_user, client),
        budget=budget_on(client, local_today()), savings_balance=savings_balance_cents(client.id),
        prices=price_list(client.organisation, local_today()), locale=str(get_locale()),
        history=versions.versions_of(client), review=reviews.review_state(client),
        reviews=reviews.reviews_of(client), review_form=ReviewForm(),
        can_review=can(current_user, Perm.REVIEW_RECORD, client),
        can_pay_view=can(current_user, Perm.PAYMENT_VIEW, client), this_month=local_today().isoformat()[:7],
    )


@bp.route("/reviews", methods=["POST"])
@login_required
def record_review(client_id: int):
    client = clients.get_client(current_user, client_id)
    authorize(current_user, Perm.REVIEW_RECORD, client)
    form = ReviewForm()
    if not form.validate_on_submit():
        if "reason" in form.errors and "outcome" not in form.errors:
            flash(_("Use at most 500 characters."), "error")
        else:
            flash(_("Choose confirmed or changed."), "error")
        return redirect(url_for(".budget", client_id=client.id))
    try:
        reviews.record_review(current_user, client, outcome=form.outcome.data, note=form.note.data or "",
                              reason=form.reason.data or "")
    except reviews.NoActivePackage:
        flash(_("There is no active package to review yet."), "warning")
    except InvalidInput as exc:
        flash(exc.message, "error")
    else:
        flash(_("The review is recorded."), "success")
        if form.outcome.data == "changed":
            return redirect(url_for(".composer", client_id=client.id))
    return redirect(url_for(".budget", client_id=client.id))

