"""Pages of freelancers (issue 13): their own profile with the Stripe onboarding, the local demo
onboarding, and the administrator's list, approval and suspension."""
from __future__ import annotations

import time

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from billing import webhooks
from billing.gateway import GatewayError, event_payload, is_demo, sign
from marketplace.core.errors import Conflict, InvalidInput
from marketplace.core.forms import EmptyForm
from marketplace.core.policy import Perm, authorize, can

from . import freelancers
from .freelancer_forms import ProfileForm, SuspendForm
from .offers import initials

bp = Blueprint("freelancers", __name__)


def _status_words() -> dict[str, str]:
    return {"pending": _("waiting for the organisation's approval"), "approved": _("approved"),
            "suspended": _("suspended")}


def _team_choices(form: ProfileForm) -> None:
    form.home_team_id.choices = [("", _("Choose a team"))] + [
        (team.id, team.name) for team in freelancers.home_teams(current_user.organisation_id)]


@bp.route("/freelancers/me", methods=["GET", "POST"])
@login_required
def me():
    freelancer = freelancers.own_profile(current_user)
    form = ProfileForm()
    _team_choices(form)
    status = 200
    if request.method == "GET" and freelancer is not None:
        form.fill(freelancer)
    elif request.method == "POST":
        if form.validate_on_submit():
            try:
                freelancer = freelancers.save_profile(current_user, form.profile())
            except (InvalidInput, freelancers.HomeTeamBusy) as refused:
                for name, message in refused.fields.items():
                    getattr(form, name, form.name).errors.append(str(message))
                status = refused.status
            else:
                flash(_("Your profile is saved."), "success")
                return redirect(url_for(".me"), 303)
        else:
            status = 422
    return render_template("market/freelancer_me.html", freelancer=freelancer, form=form, action_form=EmptyForm(),
                           statuses=_status_words(), can_take=freelancer is not None
                           and freelancers.may_take_bookings(freelancer),
                           requirements=freelancers.requirements_in_words(freelancer.requirements_due
                                                                          if freelancer else []),
                           payouts=freelancers.payouts_of(freelancer) if freelancer else [],
                           initials=initials(freelancer.name) if freelancer else ""), status


def _to_stripe(make_link):
    try:
        return redirect(make_link(current_user), 303)
    except GatewayError as exc:
        flash(exc.message, "error")
    except Conflict as clash:
        flash(str(clash.message), "error")
    return redirect(url_for(".me"), 303)


@bp.post("/freelancers/me/onboarding")
@login_required
def start_onboarding():
    """Off to Stripe's onboarding (in the demo, the local page)."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    return _to_stripe(freelancers.onboarding_link)


@bp.get("/freelancers/me/onboarding/refresh")
@login_required
def onboarding_refresh():
    """Stripe's refresh URL: an account link is single-use and expires, so a new one is made."""
    return _to_stripe(freelancers.onboarding_link)


@bp.post("/freelancers/me/stripe-dashboard")
@login_required
def stripe_dashboard():
    """The freelancer's Stripe Express dashboard (a login link made on the spot)."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    return _to_stripe(freelancers.dashboard_link)


@bp.route("/freelancers/me/demo-onboarding", methods=["GET", "POST"])
@login_required
def demo_onboarding():
    """The offline demo of Stripe's onboarding: completing it sends a signed ``account.updated``
    through the real Connect webhook handling."""
    if not is_demo():
        abort(404)
    freelancer = freelancers.my_profile(current_user)
    if not freelancer.stripe_account_id:
        return redirect(url_for(".me"), 303)
    form = EmptyForm()
    if form.validate_on_submit():
        done = request.form.get("action") == "complete"
        obj = {"id": freelancer.stripe_account_id, "object": "account", "charges_enabled": done,
               "payouts_enabled": done, "details_submitted": done,
               "requirements": {"currently_due": [] if done else ["external_account", "individual.verification.document"],
                                "past_due": [], "eventually_due": []},
               "metadata": {"freelancer_id": str(freelancer.id)}}
        body = event_payload("account.updated", obj)
        webhooks.handle(body.encode(), sign(body, current_app.config["STRIPE_CONNECT_WEBHOOK_SECRET"]),
                        endpoint=webhooks.CONNECT)
        return redirect(url_for(".me"), 303)
    return render_template("market/freelancer_demo_onboarding.html", freelancer=freelancer, form=form,
                           now=int(time.time()))


@bp.get("/admin/freelancers")
@login_required
def admin_list():
    rows = freelancers.all_freelancers(current_user)
    return render_template("market/freelancers_admin.html", freelancers=rows, statuses=_status_words(),
                           pending=sum(1 for row in rows if row.status == "pending"))


def _profile_page(freelancer, suspend_form: SuspendForm | None = None, status: int = 200):
    return render_template("market/freelancer_profile.html", freelancer=freelancer, statuses=_status_words(),
                           may_decide=can(current_user, Perm.FREELANCER_APPROVE, freelancer),
                           can_take=freelancers.may_take_bookings(freelancer),
                           requirements=freelancers.requirements_in_words(freelancer.requirements_due),
                           approve_form=EmptyForm(), suspend_form=suspend_form or SuspendForm(),
                           initials=initials(freelancer.name)), status


@bp.get("/freelancers/<int:freelancer_id>")
@login_required
def profile(freelancer_id: int):
    return _profile_page(freelancers.get_freelancer(current_user, freelancer_id))


@bp.post("/freelancers/<int:freelancer_id>/approve")
@login_required
def approve(freelancer_id: int):
    freelancer = freelancers.get_freelancer(current_user, freelancer_id, Perm.FREELANCER_APPROVE)
    if not EmptyForm().validate_on_submit():
        abort(400)
    freelancers.approve(current_user, freelancer.id)
    flash(_("%(name)s is approved.", name=freelancer.name), "success")
    return redirect(url_for(".profile", freelancer_id=freelancer.id), 303)


@bp.post("/freelancers/<int:freelancer_id>/suspend")
@login_required
def suspend(freelancer_id: int):
    freelancer = freelancers.get_freelancer(current_user, freelancer_id, Perm.FREELANCER_APPROVE)
    authorize(current_user, Perm.FREELANCER_APPROVE, freelancer)
    form = SuspendForm()
    if not form.validate_on_submit():
        return _profile_page(freelancer, form, 422)
    try:
        result = freelancers.suspend(current_user, freelancer.id, form.reason.data)
    except InvalidInput as refused:
        form.reason.errors.append(str(refused.message))
        return _profile_page(freelancer, form, 422)
    flash(_("%(name)s is suspended; %(count)d open bookings are cancelled and refunded in full.",
            name=freelancer.name, count=len(result.cancelled)), "success")
    return redirect(url_for(".profile", freelancer_id=freelancer.id), 303)
