"""The administrator's pages for running the organisation: dated settings, users, locations, teams.

Thin: parse the form, call one use case, put its refusal next to the field (422) or in a flash.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from care.labels import TARGET_GROUP_LABELS
from marketplace.accounts import admin as people
from marketplace.accounts import org_settings
from marketplace.accounts.models import Location, OrganisationSetting, User
from marketplace.core.db_types import local_today
from marketplace.core.errors import Conflict, InvalidInput
from marketplace.core.forms import EmptyForm
from marketplace.core.i18n import ROLE_LABELS
from marketplace.core.policy import Perm, authorize, get_in_scope
from teams import admin as team_admin
from teams.models import Team, TargetGroup
from teams.services import list_teams

from .admin_forms import LocationForm, NewUserForm, SettingsForm, TeamForm, UserForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _org():
    authorize(current_user, Perm.ORG_ADMIN, current_user.organisation)
    return current_user.organisation


def _place_error(form, exc: InvalidInput, fallback) -> None:
    """Every field the use case refused gets its message; unknown fields go to ``fallback``."""
    for name, message in (exc.fields or {exc.field: exc.message}).items():
        getattr(form, name, fallback).errors.append(message)


# -- settings ------------------------------------------------------------------------------

@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    org = _org()
    today = local_today()
    now = org_settings.settings_on(org, today)
    history = org_settings.history(current_user, org)
    latest = history[0] if history else now  # a new change starts from the last one planned
    form = SettingsForm(data={"orange_from_pct": latest.orange_from_pct, "red_above_pct": latest.red_above_pct,
                              "overhead_pct": latest.overhead_pct, "valid_from": today})
    if form.validate_on_submit():
        try:
            org_settings.change_settings(current_user, org, orange_from_pct=form.orange_from_pct.data,
                                         red_above_pct=form.red_above_pct.data,
                                         overhead_pct=form.overhead_pct.data, valid_from=form.valid_from.data)
        except InvalidInput as exc:
            _place_error(form, exc, form.valid_from)
        else:
            flash(_("The settings from %(day)s are saved.", day=form.valid_from.data.isoformat()), "success")
            return redirect(url_for(".settings"))
    status = 422 if form.errors else 200
    return render_template("admin/settings.html", form=form, now=now, today=today, org=org,
                           history=history), status


@bp.route("/settings/<int:setting_id>/withdraw", methods=["POST"])
@login_required
def withdraw_settings(setting_id: int):
    row = get_in_scope(current_user, OrganisationSetting, setting_id, Perm.ORG_ADMIN)
    if EmptyForm().validate_on_submit():
        try:
            org_settings.withdraw_settings(current_user, row)
        except Conflict as exc:
            flash(str(exc.message), "error")
        else:
            flash(_("The change is withdrawn."), "success")
    return redirect(url_for(".settings"))


# -- users ---------------------------------------------------------------------------------

def _role_choices() -> list[SelectChoice]:
    return [SelectChoice(role.value, str(ROLE_LABELS[role.value])) for role in people.STAFF_ROLES]


@bp.route("/users", methods=["GET", "POST"])
@login_required
def users():
    org = _org()
    form = NewUserForm()
    form.roles.choices = _role_choices()
    if form.validate_on_submit():
        try:
            user = people.create_user(current_user, org, name=form.name.data, email=form.email.data,
                                      roles=form.roles.data, password=form.password.data)
        except InvalidInput as exc:
            _place_error(form, exc, form.name)
        else:
            flash(_("The account of %(name)s is made.", name=user.name), "success")
            return redirect(url_for(".users"))
    status = 422 if form.errors else 200
    return render_template("admin/users.html", users=people.list_users(current_user, org), form=form), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@login_required
def edit_user(user_id: int):
    user = get_in_scope(current_user, User, user_id, Perm.ORG_ADMIN)
    staff = not (user.roles & people.INVITED_ROLES)
    form = UserForm(obj=user, data={"roles": sorted(user.roles)})
    form.roles.choices = _role_choices()
    if form.validate_on_submit():
        try:
            people.update_user(current_user, user, name=form.name.data, email=form.email.data,
                               roles=form.roles.data if staff else None, active=form.active.data)
        except InvalidInput as exc:
            _place_error(form, exc, form.name)
        except people.OwnAccount as exc:
            getattr(form, exc.field).errors.append(exc.message)
        except Conflict as exc:
            form.active.errors.append(exc.message)
        else:
            flash(_("The account of %(name)s is saved.", name=user.name), "success")
            return redirect(url_for(".users"))
    status = 422 if form.errors else 200
    return render_template("admin/user_edit.html", user=user, form=form, staff=staff), status


# -- locations -----------------------------------------------------------------------------

@bp.route("/locations", methods=["GET", "POST"])
@login_required
def locations():
    org = _org()
    form = LocationForm()
    if form.validate_on_submit():
        try:
            location = people.create_location(current_user, org, name=form.name.data, city=form.city.data)
        except InvalidInput as exc:
            _place_error(form, exc, form.name)
        else:
            flash(_("Location %(name)s is added.", name=location.name), "success")
            return redirect(url_for(".locations"))
    status = 422 if form.errors else 200
    return render_template("admin/locations.html", locations=people.list_locations(current_user, org),
                           residents=team_admin.list_locations_in_use(org.id), form=form), status


@bp.route("/locations/<int:location_id>", methods=["GET", "POST"])
@login_required
def edit_location(location_id: int):
    location = get_in_scope(current_user, Location, location_id, Perm.ORG_ADMIN)
    form = LocationForm(obj=location)
    if form.validate_on_submit():
        in_use = team_admin.list_locations_in_use(location.organisation_id).get(location.id, 0)
        try:
            people.update_location(current_user, location, name=form.name.data, city=form.city.data,
                                   active=form.active.data, in_use=in_use)
        except InvalidInput as exc:
            _place_error(form, exc, form.name)
        except Conflict as exc:
            form.active.errors.append(exc.message)
        else:
            flash(_("Location %(name)s is saved.", name=location.name), "success")
            return redirect(url_for(".locations"))
    status = 422 if form.errors else 200
    return render_template("admin/location_edit.html", location=location, form=form), status


# -- teams ---------------------------------------------------------------------------------

def _team_form(org, team: Team | None = None) -> TeamForm:
    # Posted values win over these (WTForms reads the form data first).
    form = TeamForm(data={"name": team.name, "capacity": team.capacity, "active": team.active,
                          "locations": [loc.id for loc in team.locations],
                          "target_groups": team.target_groups} if team is not None else None)
    chosen = {loc.id for loc in team.locations} if team is not None else set()
    form.locations.choices = [SelectChoice(loc.id, loc.name + ("" if loc.active else " " + _("(deactivated)")))
                              for loc in people.list_locations(current_user, org) if loc.active or loc.id in chosen]
    form.target_groups.choices = [SelectChoice(group.value, str(TARGET_GROUP_LABELS[group.value]))
                                  for group in TargetGroup]
    return form


@bp.route("/teams", methods=["GET", "POST"])
@login_required
def teams():
    org = _org()
    form = _team_form(org)
    if form.validate_on_submit():
        try:
            team = team_admin.create_team(current_user, org, name=form.name.data, location_ids=form.locations.data,
                                          target_groups=form.target_groups.data, capacity=form.capacity.data)
        except InvalidInput as exc:
            _place_error(form, exc, form.name)
        else:
            flash(_("Team %(name)s is added.", name=team.name), "success")
            return redirect(url_for(".teams"))
    status = 422 if form.errors else 200
    return render_template("admin/teams.html", teams=list_teams(current_user), form=form), status


@bp.route("/teams/<int:team_id>", methods=["GET", "POST"])
@login_required
def edit_team(team_id: int):
    team = get_in_scope(current_user, Team, team_id, Perm.ORG_ADMIN)
    form = _team_form(team.organisation, team)
    if form.validate_on_submit():
        try:
            team_admin.update_team(current_user, team, name=form.name.data, location_ids=form.locations.data,
                                   target_groups=form.target_groups.data, capacity=form.capacity.data,
                                   active=form.active.data)
        except InvalidInput as exc:
            _place_error(form, exc, form.name)
        except Conflict as exc:
            form.active.errors.append(exc.message)
        else:
            flash(_("Team %(name)s is saved.", name=team.name), "success")
            return redirect(url_for(".teams"))
    status = 422 if form.errors else 200
    return render_template("admin/team_edit.html", team=team, form=form,
                           residents=team_admin.residents_of(team.id)), status
