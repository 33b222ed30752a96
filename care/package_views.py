"""Pages of the package composer, versions, sign-off, the family's budget view, reviews."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from billing.savings import savings_balance_cents
from marketplace.core.db_types import local_today
from marketplace.core.errors import InvalidInput
from marketplace.core.extensions import csrf
from marketplace.core.forms import EmptyForm
from marketplace.core.i18n import long_date
from marketplace.core.numbers import InvalidNumber, int_arg, parse_int
from marketplace.core.policy import Perm, authorize, can

from . import clients, health_log, meter, packages, proposals, requirements, reviews, savings_choice, versions
from .catalogue import budget_on, price_list
from .domain import Category
from .lines import InvalidPackage
from .models.packages import Status
from .forms import ComposerForm, DeclineForm, ReviewForm, SignOffForm, lines_from_form, typed_lines

bp = Blueprint("packages", __name__, url_prefix="/clients/<int:client_id>")


def _composer_context(client, lines, form, reading=None, errors=None, proposal=None, typed=None, expired=False):
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
        "proposal": proposal, "decline_form": DeclineForm(formdata=None), "take_over_form": EmptyForm(),
        "waiting": proposals.waiting_for(client) if can(current_user, Perm.PACKAGE_COMPOSE, client) else [],
    }


def _opened_proposal(client, composing: bool):
    """The team opens a proposal to take it over (``?proposal=n``, or the form's field); a
    proposer sees their own, waiting for the team."""
    if not composing:
        return versions.latest_with_status(client, Status.PROPOSAL)
    raw = request.form.get("proposal") or request.args.get("proposal", "")
    if not raw:
        return None
    try:
        return proposals.proposal_by_number(client, parse_int(raw, "proposal"))
    except InvalidNumber:
        return None


def _opened_lines(client, composing: bool, proposal):
    """The lines the composer starts from, and the version they come from."""
    if proposal is not None and proposal.status == Status.PROPOSAL.value:
        return (proposals.lines_to_take_over(client, proposal) if composing else versions.lines_of(proposal)), proposal
    working = versions.working_version(client)
    return versions.lines_of(working), working


def _save(client, composing: bool, proposal, lines, form) -> str:
    """Save from the composer; a carer who opened a proposal takes it over. The flash to show."""
    use_savings, reason = form.use_savings.data, form.reason.data or ""
    if composing and request.form.get("proposal") and proposal is not None:
        version = proposals.take_over(current_user, client, proposal.number, lines, use_savings, reason)
        return _("Proposal %(p)d is taken over as version %(n)d.", p=proposal.number, n=version.number)
    version = packages.save_version(current_user, client, lines, use_savings, reason)
    if version.status == Status.DRAFT.value:
        return _("Saved as version %(n)d.", n=version.number)
    return _("Your proposal is sent as version %(n)d. The care team is told and will take it up with you.",
             n=version.number)


# The form's own validate_on_submit checks the CSRF token, so that an expired one comes back as
# this page with everything typed still in it (and the draft in the browser's storage), not as
# a bare "form expired" page; an expired session goes to the login and back here.
@bp.route("/package", methods=["GET", "POST"])
@csrf.exempt
@login_required
def composer(client_id: int):
    client = clients.get_client(current_user, client_id)
    packages.authorize_proposal(current_user, client)
    composing = can(current_user, Perm.PACKAGE_COMPOSE, client)
    proposal = _opened_proposal(client, composing)
    lines, start = _opened_lines(client, composing, proposal)
    form = ComposerForm(use_savings=start.use_savings if start else False)
    errors, reading, status = {}, None, 200
    typed = typed_lines(request.form) if request.method == "POST" else {}
    expired = False
    if form.validate_on_submit():
        try:
            lines = lines_from_form(request.form)
            if request.form.get("action") == "save":
                flash(_save(client, composing, proposal, lines, form), "success")
                return redirect(url_for(".composer", client_id=client.id))
            reading = meter.meter_for(current_user, client, lines, form.use_savings.data)
        except InvalidPackage as exc:
            errors, status = exc.errors, 422
        except proposals.ProposalHandled as exc:
            errors, status = {"lines": exc.message}, 409
        except versions.ConcurrentChange:
            errors, status = {"lines": _("Someone else saved at the same moment. Reload and try again.")}, 409
    elif request.method == "POST":
        expired = "csrf_token" in form.errors
        status = 400 if expired else 422
        try:
            lines = lines_from_form(request.form)
        except InvalidPackage as exc:
            errors = exc.errors
    return _composer_page(client, lines, form, proposal, errors, status, reading, typed=typed, expired=expired)


def _composer_page(client, lines, form, proposal, errors, status, reading=None, decline_form=None, typed=None,
                   expired=False):
    if reading is None and not errors:
        try:
            reading = meter.read_meter(client, lines, form.use_savings.data)
        except meter.ClientHasNoBudget:
            reading = None
        except InvalidPackage as exc:  # a service became inactive since the draft was saved
            errors = exc.errors
    context = _composer_context(client, lines, form, reading, errors, proposal, typed, expired)
    if decline_form is not None:
        context["decline_form"] = decline_form
    return render_template("care/composer.html", **context), status


def _proposal_page(client, proposal, errors: dict, status: int, decline_form=None):
    """The composer with the proposal opened, showing why an answer to it was refused."""
    lines, start = _opened_lines(client, True, proposal)
    form = ComposerForm(formdata=None, use_savings=start.use_savings if start else False)
    return _composer_page(client, lines, form, proposal, errors, status, decline_form=decline_form)


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
                           nurse=can(current_user, Perm.PACKAGE_SIGN, client))


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


def _sign_off_page(client, number: int, form: SignOffForm, error: str | None = None, problems=None):
    preview = packages.sign_off_preview(current_user, client, number)
    return render_template("care/sign_off.html", client=client, preview=preview, form=form, error=error,
                           problems=requirements.problems() if preview.required else {},
                           lines=list(preview.version.lines), show_health=True, reading=preview.after,
                           prices=price_list(client.organisation, local_today()), locale=str(get_locale()),
                           cover_form=EmptyForm())


@bp.route("/package/versions/<int:number>/sign", methods=["GET", "POST"])
@login_required
def sign(client_id: int, number: int):
    """The nurse's sign-off page: the package with its meter before → after and the risks it
    covers; signing makes it active and tells the family what it changes per week."""
    client = clients.get_client(current_user, client_id)
    authorize(current_user, Perm.PACKAGE_SIGN, client)
    form = SignOffForm()
    if request.method == "GET":
        return _sign_off_page(client, number, form)
    if not form.validate_on_submit():
        return _sign_off_page(client, number, form, _("Enter a valid date.")), 422
    try:
        signed = packages.sign_off(current_user, client, number, form.active_from.data)
    except packages.VersionReplaced as exc:
        flash(_("Version %(old)d was replaced by version %(new)d after the health risks changed: version %(new)d "
                "adds the care they require. Check it and sign that one off.", old=number, new=exc.current.number)
              if exc.for_risks else _("Version %(old)d was replaced by version %(new)d, which waits for sign-off "
                                      "now. Check it and sign that one off.", old=number, new=exc.current.number),
              "warning")
        return redirect(url_for(".sign", client_id=client.id, number=exc.current.number))
    except packages.NotSubmitted:
        flash(_("Only a submitted version can be signed off."), "warning")
    except InvalidInput as exc:
        form.active_from.errors.append(exc.message)
        return _sign_off_page(client, number, form, exc.message), 422
    except packages.HealthLineWithoutRisk as exc:
        return _sign_off_page(client, number, form, _unfounded_message(exc.codes)), 422
    except packages.PackageUncovered:
        return _sign_off_page(client, number, form, _("Sign-off refused: not every health risk is covered.")), 422
    else:
        flash(_("Version %(n)d is active from %(day)s.", n=signed.number,
                day=long_date(signed.active_from)), "success")
    return redirect(url_for(".versions", client_id=client.id))


def _unfounded_message(codes) -> str:
    return _("Not signed off: %(codes)s is care for a health risk, but no active risk of the resident requires "
             "it. Record the risk in the health profile, or remove the line from the package.",
             codes=", ".join(codes))


@bp.route("/package/cover-risks", methods=["POST"])
@login_required
def cover_risks(client_id: int):
    client = clients.get_client(current_user, client_id)
    authorize(current_user, Perm.PACKAGE_SIGN, client)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        version = packages.cover_risks(current_user, client)
    except packages.NothingToSubmit:
        flash(_("There is no version waiting for sign-off."), "warning")
        return redirect(url_for(".versions", client_id=client.id))
    if version is None:
        flash(_("The version waiting for sign-off covers the health risks already."), "info")
        return redirect(url_for(".versions", client_id=client.id))
    flash(_("Version %(n)d adds the care the health risks require.", n=version.number), "success")
    return redirect(url_for(".sign", client_id=client.id, number=version.number))


@bp.route("/package/proposals/<int:number>/take-over", methods=["POST"])
@login_required
def take_over(client_id: int, number: int):
    client = clients.get_client(current_user, client_id)
    authorize(current_user, Perm.PACKAGE_COMPOSE, client)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        draft = proposals.take_over(current_user, client, number)
    except proposals.ProposalHandled as exc:
        return _proposal_page(client, exc.proposal, {"lines": exc.message}, 409)
    except InvalidPackage as exc:
        return _proposal_page(client, proposals.proposal_by_number(client, number), exc.errors, 422)
    flash(_("Proposal %(p)d is taken over as version %(n)d.", p=number, n=draft.number), "success")
    return redirect(url_for(".composer", client_id=client.id))


@bp.route("/package/proposals/<int:number>/decline", methods=["POST"])
@login_required
def decline(client_id: int, number: int):
    client = clients.get_client(current_user, client_id)
    authorize(current_user, Perm.PACKAGE_COMPOSE, client)
    form = DeclineForm()
    if not form.validate_on_submit():
        return _proposal_page(client, proposals.proposal_by_number(client, number), {}, 422, decline_form=form)
    try:
        proposals.decline(current_user, client, number, form.reason.data)
    except proposals.ProposalHandled as exc:
        return _proposal_page(client, exc.proposal, {"lines": exc.message}, 409)
    flash(_("Proposal %(p)d is declined. The family sees your reason.", p=number), "success")
    return redirect(url_for(".composer", client_id=client.id))


@bp.route("/package/use-savings", methods=["POST"])
@login_required
def use_savings(client_id: int):
    client = clients.get_client(current_user, client_id)
    authorize(current_user, Perm.PACKAGE_USE_SAVINGS, client)
    if not EmptyForm().validate_on_submit():
        abort(400)
    on = request.form.get("use_savings", "on") != "off"
    try:
        savings_choice.set_use_savings(current_user, client, on)
    except savings_choice.NoActivePackage:
        flash(_("There is no active package yet."), "warning")
    except versions.ConcurrentChange:
        flash(_("Someone else saved at the same moment. Reload and try again."), "warning")
    else:
        flash(_("From now on, savings pay for what is above the budget first.") if on else
              _("Savings are no longer used for what is above the budget."), "success")
    return redirect(url_for(".budget", client_id=client.id))


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
        proposals=proposals.proposals_of(client), proposal_readings=_proposal_readings(client),
        can_use_savings=can(current_user, Perm.PACKAGE_USE_SAVINGS, client), savings_form=EmptyForm(),
    )


def _proposal_readings(client) -> dict:
    """The meter of the proposal waiting for the team, as the proposer sees it."""
    waiting = versions.latest_with_status(client, Status.PROPOSAL)
    reading = meter.reading_of(client, waiting, local_today()) if waiting else None
    return {waiting.id: reading} if reading else {}


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

