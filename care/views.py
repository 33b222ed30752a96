"""Pages about one client."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.accounts import invitations
from marketplace.core.db_types import local_today
from marketplace.core.policy import Perm, authorize, can

from . import clients, health
from .forms import InviteContactForm

bp = Blueprint("care", __name__)


@bp.route("/clients/<int:client_id>", endpoint="client")
@login_required
def show_client(client_id: int):
    client = clients.get_client(current_user, client_id)
    staff_view = can(current_user, Perm.CLIENT_INVITE_CONTACT, client)
    contacts = clients.contacts_of(client) if staff_view else []
    observations = health.visible_observations(current_user, client) if staff_view else []
    return render_template("care/client.html", client=client, contacts=contacts, staff_view=staff_view,
                           can_propose=can(current_user, Perm.PACKAGE_PROPOSE, client),
                           can_health=can(current_user, Perm.HEALTH_VIEW, client),
                           can_access_log=can(current_user, Perm.HEALTH_ACCESS_LOG, client),
                           observations=observations,
                           can_pay_view=can(current_user, Perm.PAYMENT_VIEW, client),
                           this_month=local_today().isoformat()[:7])


@bp.route("/clients/<int:client_id>/invite", methods=["GET", "POST"])
@login_required
def invite_contact(client_id: int):
    client = clients.get_client(current_user, client_id)
    authorize(current_user, Perm.CLIENT_INVITE_CONTACT, client)
    form = InviteContactForm()
    if form.validate_on_submit():
        try:
            issued = invitations.invite_contact(
                current_user, client, email=form.email.data, name=form.name.data, relation=form.relation.data or "",
                can_view=form.can_view.data, can_decide=form.can_decide.data, can_pay=form.can_pay.data,
            )
        except invitations.StaffAddress as refused:
            form.email.errors.append(refused.message)
            return render_template("care/invite.html", client=client, form=form), 422
        if invitations.deliver_invitation(issued, client.name):
            flash(_("The invitation has been sent to %(email)s.", email=issued.invitation.email), "success")
        elif current_app.config["DEMO_MODE"]:
            flash(_("Demo mode: no e-mail is sent. The invitation link is: %(link)s", link=issued.link()), "info")
        else:
            flash(_("No e-mail server is configured. Give this link to the contact yourself (it works once, "
                    "for 7 days): %(link)s", link=issued.link()), "warning")
        return redirect(url_for("care.client", client_id=client.id))
    status = 422 if form.errors else 200
    return render_template("care/invite.html", client=client, form=form), status
