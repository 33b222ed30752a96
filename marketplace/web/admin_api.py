"""JSON API of running the organisation: dated settings, users, locations, teams, and corrections of
dated rates and budgets that have not yet taken effect. The same use cases as the pages."""
from __future__ import annotations

from flask import Blueprint, jsonify
from flask_babel import gettext as _
from flask_login import current_user, login_required

from care import catalogue
from care.models import BudgetOverride, ServiceVersion, StaffLevelRate
from marketplace.accounts import admin as people
from marketplace.accounts import org_settings
from marketplace.accounts.models import Location, OrganisationSetting, User
from marketplace.core.api import json_body
from marketplace.core.db_types import local_today
from marketplace.core.error_handlers import error_response
from marketplace.core.errors import Conflict, InvalidInput
from marketplace.core.extensions import csrf, db
from marketplace.core.money import InvalidAmount, parse_euro
from marketplace.core.numbers import json_int, parse_iso_date
from marketplace.core.policy import Perm, authorize, get_in_scope
from teams import admin as team_admin
from teams.models import Team
from teams.services import list_teams

bp = Blueprint("admin_api", __name__, url_prefix="/api/v1/admin")
csrf.exempt(bp)  # session writes are checked in security.api_csrf; bearer tokens need none


@bp.errorhandler(Conflict)
def refused(error: Conflict):
    """A refusal of these use cases says why (in effect already, one's own account, residents
    still there), with its own code; the app-wide answer to a 409 is a generic "saved by someone else"."""
    db.session.rollback()
    return error_response(409, str(error.message), error.code, error.fields)


def _org():
    authorize(current_user, Perm.ORG_ADMIN, current_user.organisation)
    return current_user.organisation


def _text(data: dict, name: str, default: str = "") -> str:
    value = data.get(name, default)
    if not isinstance(value, str):
        raise InvalidInput(name, _("Use a text."))
    return value


def _bool(data: dict, name: str, default: bool) -> bool:
    value = data.get(name, default)
    if not isinstance(value, bool):
        raise InvalidInput(name, _("Use true or false."))
    return value


def _list(data: dict, name: str, default: list) -> list:
    value = data.get(name, default)
    if not isinstance(value, list) or len(value) > 50:
        raise InvalidInput(name, _("Use a list."))
    return value


def _texts(data: dict, name: str, default: list) -> list[str]:
    return [_text({name: value}, name) for value in _list(data, name, default)]


def _cents(data: dict, name: str) -> int:
    """An amount as a JSON integer of cents or a text in euros (``"41,00"``)."""
    value = data.get(name)
    if isinstance(value, str):
        try:
            return parse_euro(value)
        except InvalidAmount:
            raise InvalidInput(name, _("Enter an amount in euros, such as 41,00.")) from None
    return json_int(value, name, high=10**12)


# -- settings ------------------------------------------------------------------------------

def _settings_json(row) -> dict:
    return {"id": getattr(row, "id", None), "valid_from": row.valid_from.isoformat() if row.valid_from else None,
            "orange_from_pct": row.orange_from_pct, "red_above_pct": row.red_above_pct,
            "overhead_pct": row.overhead_pct}


@bp.get("/settings")
@login_required
def get_settings():
    org = _org()
    return jsonify(current=_settings_json(org_settings.settings_on(org, local_today())),
                   history=[_settings_json(row) for row in org_settings.history(current_user, org)])


@bp.post("/settings")
@login_required
def change_settings():
    org = _org()
    names = {"orange_from_pct", "red_above_pct", "overhead_pct", "valid_from"}
    data = json_body(names, names)
    row = org_settings.change_settings(
        current_user, org, orange_from_pct=json_int(data["orange_from_pct"], "orange_from_pct", high=10**6),
        red_above_pct=json_int(data["red_above_pct"], "red_above_pct", high=10**6),
        overhead_pct=json_int(data["overhead_pct"], "overhead_pct", high=10**6),
        valid_from=parse_iso_date(data["valid_from"], "valid_from"))
    return jsonify(settings=_settings_json(row)), 201


@bp.delete("/settings/<int:setting_id>")
@login_required
def withdraw_settings(setting_id: int):
    row = get_in_scope(current_user, OrganisationSetting, setting_id, Perm.ORG_ADMIN)
    org_settings.withdraw_settings(current_user, row)
    return jsonify(withdrawn=setting_id)


# -- users ---------------------------------------------------------------------------------

def _user_json(user: User) -> dict:
    return {"id": user.id, "name": user.name, "email": user.email, "roles": sorted(user.roles),
            "active": user.active}


@bp.get("/users")
@login_required
def list_users():
    return jsonify(users=[_user_json(user) for user in people.list_users(current_user, _org())])


@bp.post("/users")
@login_required
def create_user():
    org = _org()
    data = json_body({"name", "email", "roles", "password"}, {"name", "email", "roles", "password"})
    user = people.create_user(current_user, org, name=_text(data, "name"), email=_text(data, "email"),
                              roles=_texts(data, "roles", []),
                              password=_text(data, "password"))
    return jsonify(user=_user_json(user)), 201


@bp.patch("/users/<int:user_id>")
@login_required
def update_user(user_id: int):
    user = get_in_scope(current_user, User, user_id, Perm.ORG_ADMIN)
    data = json_body({"name", "email", "roles", "active"})
    roles = _texts(data, "roles", []) if "roles" in data else None
    people.update_user(current_user, user, name=_text(data, "name", user.name), email=_text(data, "email", user.email),
                       roles=roles, active=_bool(data, "active", user.active))
    return jsonify(user=_user_json(user))


# -- locations -----------------------------------------------------------------------------

def _location_json(location: Location, residents: dict[int, int]) -> dict:
    return {"id": location.id, "name": location.name, "city": location.city, "active": location.active,
            "residents": residents.get(location.id, 0)}


@bp.get("/locations")
@login_required
def list_locations():
    org = _org()
    residents = team_admin.list_locations_in_use(org.id)
    return jsonify(locations=[_location_json(loc, residents) for loc in people.list_locations(current_user, org)])


@bp.post("/locations")
@login_required
def create_location():
    org = _org()
    data = json_body({"name", "city"}, {"name"})
    location = people.create_location(current_user, org, name=_text(data, "name"), city=_text(data, "city"))
    return jsonify(location=_location_json(location, {})), 201


@bp.patch("/locations/<int:location_id>")
@login_required
def update_location(location_id: int):
    location = get_in_scope(current_user, Location, location_id, Perm.ORG_ADMIN)
    data = json_body({"name", "city", "active"})
    residents = team_admin.list_locations_in_use(location.organisation_id)
    people.update_location(current_user, location, name=_text(data, "name", location.name),
                           city=_text(data, "city", location.city), active=_bool(data, "active", location.active),
                           in_use=residents.get(location.id, 0))
    return jsonify(location=_location_json(location, residents))


# -- teams ---------------------------------------------------------------------------------

def _team_json(team: Team, residents: int) -> dict:
    return {"id": team.id, "name": team.name, "capacity": team.capacity, "active": team.active,
            "target_groups": team.target_groups, "residents": residents,
            "locations": [{"id": loc.id, "name": loc.name} for loc in team.locations]}


def _ids(data: dict, name: str, default: list) -> list[int]:
    return [json_int(value, name, low=1) for value in _list(data, name, default)]


@bp.get("/teams")
@login_required
def list_all_teams():
    _org()
    return jsonify(teams=[_team_json(s.team, s.clients) for s in list_teams(current_user)])


@bp.post("/teams")
@login_required
def create_team():
    org = _org()
    data = json_body({"name", "locations", "target_groups", "capacity"}, {"name", "locations", "target_groups"})
    team = team_admin.create_team(current_user, org, name=_text(data, "name"), location_ids=_ids(data, "locations", []),
                                  target_groups=_texts(data, "target_groups", []),
                                  capacity=json_int(data.get("capacity", 16), "capacity"))
    return jsonify(team=_team_json(team, 0)), 201


@bp.patch("/teams/<int:team_id>")
@login_required
def update_team(team_id: int):
    team = get_in_scope(current_user, Team, team_id, Perm.ORG_ADMIN)
    data = json_body({"name", "locations", "target_groups", "capacity", "active"})
    team_admin.update_team(
        current_user, team, name=_text(data, "name", team.name),
        location_ids=_ids(data, "locations", [loc.id for loc in team.locations]),
        target_groups=_texts(data, "target_groups", team.target_groups),
        capacity=json_int(data.get("capacity", team.capacity), "capacity"), active=_bool(data, "active", team.active))
    return jsonify(team=_team_json(team, team_admin.residents_of(team.id)))


# -- corrections of dated rates and budgets not yet in effect -------------------------------

@bp.patch("/rates/<int:rate_id>")
@login_required
def correct_rate(rate_id: int):
    rate = get_in_scope(current_user, StaffLevelRate, rate_id, Perm.CATALOGUE_EDIT)
    data = json_body({"base_hourly_cents"}, {"base_hourly_cents"})
    catalogue.correct_rate(current_user, rate, base_hourly_cents=_cents(data, "base_hourly_cents"))
    return jsonify(rate={"id": rate.id, "level": rate.level.code, "base_hourly_cents": rate.base_hourly_cents,
                         "valid_from": rate.valid_from.isoformat()})


@bp.delete("/rates/<int:rate_id>")
@login_required
def withdraw_rate(rate_id: int):
    catalogue.withdraw_rate(current_user, get_in_scope(current_user, StaffLevelRate, rate_id, Perm.CATALOGUE_EDIT))
    return jsonify(withdrawn=rate_id)


@bp.patch("/budgets/<int:budget_id>")
@login_required
def correct_budget(budget_id: int):
    override = get_in_scope(current_user, BudgetOverride, budget_id, Perm.CATALOGUE_EDIT)
    data = json_body({"weekly_cents"}, {"weekly_cents"})
    catalogue.correct_budget(current_user, override, weekly_cents=_cents(data, "weekly_cents"))
    return jsonify(budget={"id": override.id, "care_profile": override.care_profile,
                           "weekly_cents": override.weekly_cents, "valid_from": override.valid_from.isoformat()})


@bp.delete("/budgets/<int:budget_id>")
@login_required
def withdraw_budget(budget_id: int):
    catalogue.withdraw_budget(current_user, get_in_scope(current_user, BudgetOverride, budget_id,
                                                         Perm.CATALOGUE_EDIT))
    return jsonify(withdrawn=budget_id)


@bp.patch("/service-versions/<int:version_id>")
@login_required
def correct_version(version_id: int):
    version = get_in_scope(current_user, ServiceVersion, version_id, Perm.CATALOGUE_EDIT)
    data = json_body({"minutes", "level", "material_cents"})
    catalogue.correct_version(
        current_user, version, minutes=json_int(data.get("minutes", version.minutes), "minutes", high=10**6),
        level_code=_text(data, "level", version.level.code),
        material_cents=_cents(data, "material_cents") if "material_cents" in data else version.material_cents)
    return jsonify(version={"id": version.id, "service": version.service.code, "minutes": version.minutes,
                            "level": version.level.code, "material_cents": version.material_cents,
                            "valid_from": version.valid_from.isoformat()})


@bp.delete("/service-versions/<int:version_id>")
@login_required
def withdraw_version(version_id: int):
    catalogue.withdraw_version(current_user, get_in_scope(current_user, ServiceVersion, version_id,
                                                          Perm.CATALOGUE_EDIT))
    return jsonify(withdrawn=version_id)
