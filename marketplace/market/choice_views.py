"""Pages of the team choice: the options side by side, the confirmation with its Monday, the waiting lists."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import format_date, gettext as _
from flask_login import current_user, login_required

from care import clients
from marketplace.core.errors import Conflict
from marketplace.core.forms import EmptyForm
from marketplace.core.policy import Perm, can

from . import choice, waiting_list
from .choice import AlreadyInTeam, TeamFull

bp = Blueprint("market", __name__)


def _back(client_id: int):
    return redirect(url_for("market.team_options", client_id=client_id))


@bp.route("/clients/<int:client_id>/teams")
@login_required
def team_options(client_id: int):
    client = clients.get_client(current_user, client_id)
    options = choice.team_options(current_user, client)
    return render_template("market/options.html", client=client, options=options,
                           entries=waiting_list.entries_of(current_user, client),
                           history=choice.team_history(current_user, client),
                           can_choose=can(current_user, Perm.TEAM_CHOOSE, client), form=EmptyForm())


@bp.route("/clients/<int:client_id>/teams/<int:team_id>/choose", methods=["GET", "POST"])
@login_required
def choose_team(client_id: int, team_id: int):
    client = clients.get_client(current_user, client_id)
    form = EmptyForm()
    team = choice.serving_team(client, team_id)
    if team.id == client.team_id:
        raise AlreadyInTeam(team)
    options = choice.team_options(current_user, client)
    option = next(o for o in options.teams if o.team.id == team.id)
    full = None
    if form.validate_on_submit():
        try:
            made, _created = choice.choose_team(current_user, client, team.id)
        except TeamFull as refused:
            full = refused
        else:
            flash(_("You chose %(team)s. It takes effect on Monday %(day)s.", team=team.name,
                    day=format_date(made.effective_from, "long")), "success")
            return _back(client.id)
    return render_template("market/choice_confirm.html", client=client, team=team, option=option,
                           effective_from=options.effective_from, full=full, form=form,
                           can_choose=can(current_user, Perm.TEAM_CHOOSE, client)), 409 if full else 200


@bp.route("/clients/<int:client_id>/teams/withdraw", methods=["POST"])
@login_required
def withdraw_choice(client_id: int):
    client = clients.get_client(current_user, client_id)
    if EmptyForm().validate_on_submit():
        try:
            withdrawn = choice.withdraw_choice(current_user, client)
        except Conflict as refused:
            flash(str(refused.message), "warning")
        else:
            flash(_("Your choice of %(team)s has been withdrawn.", team=withdrawn.team.name), "success")
    return _back(client.id)


@bp.route("/clients/<int:client_id>/teams/<int:team_id>/waiting-list", methods=["POST"])
@login_required
def join_waiting_list(client_id: int, team_id: int):
    client = clients.get_client(current_user, client_id)
    if EmptyForm().validate_on_submit():
        entry, _created = waiting_list.join_waiting_list(current_user, client, team_id)
        flash(_("%(client)s is on the waiting list of %(team)s.", client=client.name, team=entry.team.name),
              "success")
    return _back(client.id)


@bp.route("/clients/<int:client_id>/teams/<int:team_id>/waiting-list/leave", methods=["POST"])
@login_required
def leave_waiting_list(client_id: int, team_id: int):
    client = clients.get_client(current_user, client_id)
    if EmptyForm().validate_on_submit():
        try:
            entry = waiting_list.leave_waiting_list(current_user, client, team_id)
        except Conflict as refused:
            flash(str(refused.message), "warning")
        else:
            flash(_("%(client)s has left the waiting list of %(team)s.", client=client.name, team=entry.team.name),
                  "success")
    return _back(client.id)


@bp.route("/waiting-list/offers/<int:offer_id>/<any(accept, decline):decision>", methods=["POST"])
@login_required
def decide_offer(offer_id: int, decision: str):
    offer = waiting_list.offer_in_scope(current_user, offer_id)
    if EmptyForm().validate_on_submit():
        try:
            if decision == "accept":
                offer, made = waiting_list.accept_offer(current_user, offer.id)
                flash(_("You accepted the place in %(team)s. It takes effect on Monday %(day)s.", team=offer.team.name,
                        day=format_date(made.effective_from, "long")) if made else
                      _("You accepted the place in %(team)s.", team=offer.team.name), "success")
            else:
                offer = waiting_list.decline_offer(current_user, offer.id)
                flash(_("You declined the place in %(team)s.", team=offer.team.name), "success")
        except Conflict as refused:
            flash(str(refused.message), "warning")
    return _back(offer.client_id)
