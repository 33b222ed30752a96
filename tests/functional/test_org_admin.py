"""Administrators run the organisation (issue 10, item 10): dated settings, users, teams,
locations, corrections of dated rates and budgets, payments, the audit log. Every page and its
JSON twin, with bad input that changes nothing and another organisation's ids answered 404."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update

from billing.models import CopayInvoice, Payment
from care import catalogue
from care.lines import LineInput
from care.meter import read_meter
from care.models import BudgetOverride, Service, ServiceVersion, StaffLevel, StaffLevelRate
from marketplace.accounts import admin as people
from marketplace.accounts import org_settings
from marketplace.accounts.models import Location, OrganisationSetting, User
from marketplace.core.audit import AuditEvent
from marketplace.core.db_types import local_today
from marketplace.core.extensions import db
from marketplace.core.roles import Role
from teams.assignments import TeamInactive, move_to_team
from teams.models import Team
from tests.conftest import csrf_from
from tests.factories import make_user

TODAY = local_today()
# DOMAIN.md §4, 5VV (B = 88560 at 20 % overhead): health H01×21 H04×14 H10×14 (22890) and core
# C01×7 C02×2 C03×7 C04×7 C07×8 C08×5 (62540): load 96,5 %, orange with the default thresholds.
ORANGE_PACKAGE = [LineInput(code, n) for code, n in {
    "H01": 21, "H04": 14, "H10": 14, "C01": 7, "C02": 2, "C03": 7, "C04": 7, "C07": 8, "C08": 5}.items()]


def _form(client, url: str, data: dict):
    token = csrf_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def _api(client, auth, method: str, url: str, body: dict | None = None):
    return client.open(url, method=method, json=body, headers={"X-CSRFToken": auth.csrf})


def _audits(object_type: str) -> int:
    """Changes logged on objects of this kind (logins and reads left out)."""
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.object_type == object_type, AuditEvent.action.in_(("create", "update", "delete"))))


# -- settings ------------------------------------------------------------------------------

def test_settings_history_is_used_by_the_meter_on_the_right_date(priced_world):
    """A worked example: thresholds from day D, overhead from day E; each day computes with its own."""
    world, admin = priced_world, priced_world.users["admin"]
    d, e = TODAY + timedelta(days=14), TODAY + timedelta(days=28)

    before = read_meter(world.own, ORANGE_PACKAGE, False, d - timedelta(days=1))
    assert (before.meter.budget_cents, before.meter.total_cents) == (88560, 85430)
    assert str(before.meter.load_pct) == "96.5" and before.meter.colour.value == "orange"

    org_settings.change_settings(admin, world.org, orange_from_pct=80, red_above_pct=95, overhead_pct=20,
                                 valid_from=d)
    org_settings.change_settings(admin, world.org, orange_from_pct=80, red_above_pct=95, overhead_pct=30,
                                 valid_from=e)

    assert read_meter(world.own, ORANGE_PACKAGE, False, d - timedelta(days=1)).meter.colour.value == "orange"
    on_d = read_meter(world.own, ORANGE_PACKAGE, False, d)
    assert (on_d.meter.total_cents, on_d.meter.colour.value) == (85430, "red")  # 96,5 % > 95 %
    # From E the overhead is 30 %: C01 (30 min N2, base 3400) = 30 × 3400 × 130 / 6000 = 2210, and
    # the default 5VV budget = 18 h × 4100 × 1,30 = 95940. A package priced on the day before E
    # keeps its 20 %.
    assert catalogue.price_list(world.org, e - timedelta(days=1))["C01"].unit_cents == 2040
    assert catalogue.price_list(world.org, e)["C01"].unit_cents == 2210
    assert catalogue.budget_on(world.own, e - timedelta(days=1)) == 88560
    assert catalogue.budget_on(world.own, e) == 95940
    on_e = read_meter(world.own, ORANGE_PACKAGE, False, e)
    assert on_e.meter.budget_cents == 95940 and on_e.meter.colour.value == "red"


@pytest.mark.parametrize("values, field", [
    ({"orange_from_pct": "0", "red_above_pct": "100", "overhead_pct": "20"}, "orange_from_pct"),
    ({"orange_from_pct": "100", "red_above_pct": "100", "overhead_pct": "20"}, "red_above_pct"),
    ({"orange_from_pct": "95", "red_above_pct": "90", "overhead_pct": "20"}, "red_above_pct"),
    ({"orange_from_pct": "90", "red_above_pct": "201", "overhead_pct": "20"}, "red_above_pct"),
    ({"orange_from_pct": "90", "red_above_pct": "100", "overhead_pct": "101"}, "overhead_pct"),
    ({"orange_from_pct": "90", "red_above_pct": "100", "overhead_pct": "-1"}, "overhead_pct"),
])
def test_settings_out_of_range_are_refused_next_to_the_field(world, client, auth, values, field):
    auth.login(world.email("admin"))
    response = _form(client, "/admin/settings", {**values, "valid_from": TODAY.isoformat()})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html and f'aria-describedby="{field}-error"' in html
    body = {name: int(value) for name, value in values.items()} | {"valid_from": TODAY.isoformat()}
    answer = _api(client, auth, "POST", "/api/v1/admin/settings", body)
    assert answer.status_code == 422 and field in answer.get_json()["error"]["fields"]
    assert db.session.scalar(select(func.count()).select_from(OrganisationSetting)) == 0


@pytest.mark.parametrize("day, status", [(TODAY - timedelta(days=1), 422), (TODAY + timedelta(days=800), 422),
                                         (TODAY, 302), (TODAY + timedelta(days=30), 302)])
def test_settings_dates_are_today_up_to_two_years_ahead(world, client, auth, day, status):
    auth.login(world.email("admin"))
    response = _form(client, "/admin/settings", {"orange_from_pct": "85", "red_above_pct": "110",
                                                 "overhead_pct": "25", "valid_from": day.isoformat()})
    assert response.status_code == status
    saved = db.session.scalar(select(func.count()).select_from(OrganisationSetting))
    assert saved == (1 if status == 302 else 0)
    if status == 422:
        assert 'id="valid_from-error"' in response.get_data(as_text=True)


def test_settings_page_shows_history_and_a_future_change_can_be_withdrawn(world, client, auth):
    auth.login(world.email("admin"))
    future = TODAY + timedelta(days=10)
    assert _api(client, auth, "POST", "/api/v1/admin/settings", {
        "orange_from_pct": 85, "red_above_pct": 110, "overhead_pct": 22, "valid_from": future.isoformat()}
    ).status_code == 201
    assert _api(client, auth, "POST", "/api/v1/admin/settings", {
        "orange_from_pct": 80, "red_above_pct": 100, "overhead_pct": 20, "valid_from": TODAY.isoformat()}
    ).status_code == 201
    twice = _api(client, auth, "POST", "/api/v1/admin/settings", {
        "orange_from_pct": 70, "red_above_pct": 90, "overhead_pct": 20, "valid_from": TODAY.isoformat()})
    assert twice.status_code == 422 and "valid_from" in twice.get_json()["error"]["fields"]
    data = client.get("/api/v1/admin/settings").get_json()
    assert data["current"]["orange_from_pct"] == 80 and [row["valid_from"] for row in data["history"]] == [
        future.isoformat(), TODAY.isoformat()]
    page = client.get("/admin/settings").get_data(as_text=True)
    assert "110 %" in page and "22 %" in page
    in_effect, planned = data["history"][1]["id"], data["history"][0]["id"]
    refused = _api(client, auth, "DELETE", f"/api/v1/admin/settings/{in_effect}")
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "in_effect"
    assert _api(client, auth, "DELETE", f"/api/v1/admin/settings/{planned}").status_code == 200
    assert [row.valid_from for row in db.session.scalars(select(OrganisationSetting))] == [TODAY]
    assert _audits("organisation_settings") == 3  # two made, one withdrawn


def test_another_organisations_settings_row_is_not_found(world, client, auth):
    foreign = OrganisationSetting(organisation_id=world.other_org.id, valid_from=TODAY + timedelta(days=5),
                                  orange_from_pct=90, red_above_pct=100, overhead_pct=20)
    db.session.add(foreign)
    db.session.commit()
    auth.login(world.email("admin"))
    assert _api(client, auth, "DELETE", f"/api/v1/admin/settings/{foreign.id}").status_code == 404
    assert _form(client, "/admin/settings", {}).status_code in (200, 422)  # get a token
    token = csrf_from(client.get("/admin/settings").get_data(as_text=True))
    assert client.post(f"/admin/settings/{foreign.id}/withdraw", data={"csrf_token": token}).status_code == 404
    db.session.expire_all()
    assert db.session.get(OrganisationSetting, foreign.id) is not None


# -- users ---------------------------------------------------------------------------------

def test_admin_makes_edits_and_deactivates_a_staff_account(world, client, auth):
    auth.login(world.email("admin"))
    response = _form(client, "/admin/users", {"name": "Nieuwe Verzorgende", "email": "Nieuw@A.test",
                                              "roles": ["carer", "nurse"], "password": "een-goed-wachtwoord"})
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "nieuw@a.test"))
    assert user.roles == {Role.CARER, Role.NURSE} and user.active
    assert "Nieuwe Verzorgende" in client.get("/admin/users").get_data(as_text=True)

    response = _form(client, f"/admin/users/{user.id}", {"name": "Nieuwe Verpleegkundige", "email": "nieuw@a.test",
                                                         "roles": ["nurse"]})  # "active" unticked
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert (user.name, user.roles, user.active) == ("Nieuwe Verpleegkundige", {Role.NURSE}, False)
    assert _audits("users") == 2
    # The account can no longer log in.
    assert client.post("/api/v1/auth/login", json={"email": "nieuw@a.test",
                                                   "password": "een-goed-wachtwoord"}).status_code == 401


def test_a_staff_member_cannot_be_made_a_family_contact(world, client, auth):
    auth.login(world.email("admin"))
    carer = world.users["carer"]
    response = _form(client, f"/admin/users/{carer.id}", {"name": carer.name, "email": carer.email,
                                                          "roles": ["family"], "active": "y"})
    assert response.status_code == 422 and 'id="roles-error"' in response.get_data(as_text=True)
    answer = _api(client, auth, "PATCH", f"/api/v1/admin/users/{carer.id}", {"roles": ["carer", "family"]})
    assert answer.status_code == 422 and "roles" in answer.get_json()["error"]["fields"]
    made = _api(client, auth, "POST", "/api/v1/admin/users", {"name": "X", "email": "x@a.test", "roles": ["family"],
                                                               "password": "een-goed-wachtwoord"})
    assert made.status_code == 422
    family = world.users["family"]
    assert _api(client, auth, "PATCH", f"/api/v1/admin/users/{family.id}", {"roles": ["family", "carer"]}
                ).status_code == 422
    db.session.expire_all()
    assert db.session.get(User, carer.id).roles == {Role.CARER}
    assert db.session.get(User, family.id).roles == {Role.FAMILY}
    assert db.session.scalar(select(User).where(User.email == "x@a.test")) is None


def test_an_administrator_cannot_deactivate_themself_nor_drop_their_own_role(world, client, auth):
    admin = world.users["admin"]
    auth.login(admin.email)
    response = _form(client, f"/admin/users/{admin.id}", {"name": admin.name, "email": admin.email,
                                                          "roles": ["admin"]})  # active unticked
    assert response.status_code == 422 and 'id="active-error"' in response.get_data(as_text=True)
    response = _form(client, f"/admin/users/{admin.id}", {"name": admin.name, "email": admin.email,
                                                          "roles": ["board"], "active": "y"})
    assert response.status_code == 422 and 'id="roles-error"' in response.get_data(as_text=True)
    answer = _api(client, auth, "PATCH", f"/api/v1/admin/users/{admin.id}", {"roles": ["board"]})
    assert answer.status_code == 409 and answer.get_json()["error"]["code"] == "own_account"
    db.session.expire_all()
    assert db.session.get(User, admin.id).active and db.session.get(User, admin.id).roles == {Role.ADMIN}


def test_the_last_active_administrator_is_never_removed(world):
    """Two administrators deactivating each other at once: the second change finds none left.

    The other administrator's change has just deactivated ``first`` in the database, unseen by
    ``first``'s own request (its user object still says active)."""
    first, second = world.users["admin"], make_user(world.org, Role.ADMIN, email="second-admin@a.test")
    db.session.commit()
    db.session.execute(update(User).where(User.id == first.id).values(active=False),
                       execution_options={"synchronize_session": False})
    assert first.active
    with pytest.raises(people.LastAdministrator):
        people.update_user(first, second, name=second.name, email=second.email, roles=None, active=False)
    db.session.expire_all()
    assert db.session.get(User, second.id).active


def test_user_email_taken_and_bad_input_change_nothing(world, client, auth):
    auth.login(world.email("admin"))
    carer = world.users["carer"]
    answer = _api(client, auth, "PATCH", f"/api/v1/admin/users/{carer.id}", {"email": world.email("nurse")})
    assert answer.status_code == 422 and "email" in answer.get_json()["error"]["fields"]
    response = _form(client, "/admin/users", {"name": "Y", "email": "y@a.test", "roles": ["carer"], "password": "kort"})
    assert response.status_code == 422 and 'id="password-error"' in response.get_data(as_text=True)
    assert _api(client, auth, "PATCH", f"/api/v1/admin/users/{carer.id}", {"active": "nee"}).status_code == 422
    db.session.expire_all()
    assert db.session.get(User, carer.id).email == "carer@a.test"


# -- locations and teams -------------------------------------------------------------------

def test_locations_are_added_edited_and_kept_while_residents_live_there(world, client, auth):
    auth.login(world.email("admin"))
    assert _form(client, "/admin/locations", {"name": "De Hoeve", "city": "Deventer"}).status_code == 302
    hoeve = db.session.scalar(select(Location).where(Location.name == "De Hoeve"))
    duplicate = _form(client, "/admin/locations", {"name": "de hoeve", "city": ""})
    assert duplicate.status_code == 422 and 'id="name-error"' in duplicate.get_data(as_text=True)
    assert _form(client, f"/admin/locations/{hoeve.id}", {"name": "De Hoeve", "city": "Zwolle"}).status_code == 302
    db.session.expire_all()
    assert (db.session.get(Location, hoeve.id).city, db.session.get(Location, hoeve.id).active) == ("Zwolle", False)

    lived_in = world.own.location
    refused = _api(client, auth, "PATCH", f"/api/v1/admin/locations/{lived_in.id}", {"active": False})
    assert refused.status_code == 409
    db.session.expire_all()
    assert db.session.get(Location, lived_in.id).active
    assert _audits("locations") == 2


def test_teams_with_locations_target_groups_and_capacity(world, client, auth):
    auth.login(world.email("admin"))
    location = world.own.location
    response = _form(client, "/admin/teams", {"name": "Team Linde", "locations": [str(location.id)],
                                              "target_groups": ["pg"], "capacity": "8"})
    assert response.status_code == 302
    team = db.session.scalar(select(Team).where(Team.name == "Team Linde"))
    assert (team.capacity, team.target_groups, [loc.id for loc in team.locations]) == (8, ["pg"], [location.id])
    answer = _api(client, auth, "PATCH", f"/api/v1/admin/teams/{team.id}", {"capacity": 10, "active": False})
    assert answer.status_code == 200 and answer.get_json()["team"]["active"] is False

    # The own team has a resident: its capacity cannot drop below 1 and it stays active.
    own = world.team
    low = _form(client, f"/admin/teams/{own.id}", {"name": own.name, "locations": [str(location.id)],
                                                   "target_groups": ["somatic"], "capacity": "0", "active": "y"})
    assert low.status_code == 422 and 'id="capacity-error"' in low.get_data(as_text=True)
    off = _api(client, auth, "PATCH", f"/api/v1/admin/teams/{own.id}", {"active": False})
    assert off.status_code == 409 and off.get_json()["error"]["code"] == "team_in_use"
    bad = _api(client, auth, "POST", "/api/v1/admin/teams", {"name": "Z", "locations": [location.id],
                                                              "target_groups": ["martians"], "capacity": 5})
    assert bad.status_code == 422 and "target_groups" in bad.get_json()["error"]["fields"]
    foreign_location = _api(client, auth, "POST", "/api/v1/admin/teams", {
        "name": "Z", "locations": [world.foreign.location_id], "target_groups": ["pg"], "capacity": 5})
    assert foreign_location.status_code == 422
    db.session.expire_all()
    assert db.session.get(Team, own.id).active and db.session.get(Team, own.id).capacity == 12
    assert db.session.scalar(select(Team).where(Team.name == "Z")) is None
    assert _audits("teams") == 2


def test_a_deactivated_team_takes_no_new_residents_but_keeps_its_own(world):
    world.other_team.active = False
    db.session.commit()
    with pytest.raises(TeamInactive):
        move_to_team(world.own, world.other_team, TODAY)
    move_to_team(world.other, world.other_team, TODAY)  # already there: nothing changes
    assert world.own.team_id == world.team.id and world.other.team_id == world.other_team.id


@pytest.mark.parametrize("kind", ["users", "teams", "locations"])
def test_another_organisations_ids_are_not_found(world, client, auth, kind):
    auth.login(world.email("admin"))
    foreign = {"users": world.foreign_admin.id, "teams": world.foreign_team.id,
               "locations": world.foreign.location_id}[kind]
    assert client.get(f"/admin/{kind}/{foreign}").status_code == 404
    assert _api(client, auth, "PATCH", f"/api/v1/admin/{kind}/{foreign}", {"name": "Overgenomen"}).status_code == 404
    listed = client.get(f"/api/v1/admin/{kind}").get_json()[kind]
    assert foreign not in [row["id"] for row in listed]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "update")) == 0


@pytest.mark.parametrize("role", ["carer", "nurse", "team_lead", "board", "family"])
def test_only_administrators_run_the_organisation(world, client, auth, role):
    auth.login(world.email(role))
    for url in ("/admin/settings", "/admin/users", "/admin/teams", "/admin/locations"):
        assert client.get(url).status_code == 403, url
    assert client.get("/api/v1/admin/users").status_code == 403


# -- corrections of dated rates and budgets --------------------------------------------------

def _future_rate(org, code: str = "N3", days: int = 20) -> StaffLevelRate:
    level = db.session.scalar(select(StaffLevel).where(StaffLevel.organisation_id == org.id, StaffLevel.code == code))
    rate = StaffLevelRate(level=level, base_hourly_cents=4200, valid_from=TODAY + timedelta(days=days))
    db.session.add(rate)
    db.session.commit()
    return rate


def test_a_future_rate_is_corrected_or_withdrawn_and_a_past_one_stays(priced_world, client, auth):
    world = priced_world
    auth.login(world.email("admin"))
    future = _future_rate(world.org)
    past = db.session.scalar(select(StaffLevelRate).join(StaffLevel).where(
        StaffLevel.organisation_id == world.org.id, StaffLevel.code == "N3", StaffLevelRate.valid_from < TODAY))

    answer = _api(client, auth, "PATCH", f"/api/v1/admin/rates/{future.id}", {"base_hourly_cents": "43,50"})
    assert answer.status_code == 200 and answer.get_json()["rate"]["base_hourly_cents"] == 4350
    refused = _api(client, auth, "PATCH", f"/api/v1/admin/rates/{past.id}", {"base_hourly_cents": 9999})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "in_effect"
    token = csrf_from(client.get("/admin/catalogue").get_data(as_text=True))
    page = client.post(f"/admin/catalogue/rates/{past.id}", data={"csrf_token": token, "action": "withdraw"},
                       follow_redirects=True)
    assert page.status_code == 200 and "class=\"flash flash-error\"" in page.get_data(as_text=True)
    assert client.post(f"/admin/catalogue/rates/{future.id}",
                       data={"csrf_token": token, "action": "withdraw"}).status_code == 302
    future_id = future.id
    db.session.expire_all()
    assert db.session.scalar(select(StaffLevelRate.id).where(StaffLevelRate.id == future_id)) is None
    assert db.session.get(StaffLevelRate, past.id).base_hourly_cents == 4100
    assert _audits("staff_level_rates") == 2  # corrected, withdrawn


def test_a_future_budget_and_service_version_are_corrected_or_withdrawn(priced_world, client, auth):
    world = priced_world
    auth.login(world.email("admin"))
    future = BudgetOverride(organisation_id=world.org.id, care_profile="5VV", weekly_cents=90000,
                            valid_from=TODAY + timedelta(days=15))
    past = BudgetOverride(organisation_id=world.org.id, care_profile="5VV", weekly_cents=89000,
                          valid_from=TODAY - timedelta(days=15))
    c01 = db.session.scalar(select(Service).where(Service.organisation_id == world.org.id, Service.code == "C01"))
    version = ServiceVersion(service=c01, minutes=35, staff_level_id=c01.versions[0].staff_level_id,
                             valid_from=TODAY + timedelta(days=15))
    db.session.add_all([future, past, version])
    db.session.commit()

    assert _api(client, auth, "PATCH", f"/api/v1/admin/budgets/{future.id}", {"weekly_cents": 91000}).status_code == 200
    assert _api(client, auth, "PATCH", f"/api/v1/admin/budgets/{past.id}", {"weekly_cents": 1}).status_code == 409
    assert _api(client, auth, "PATCH", f"/api/v1/admin/budgets/{future.id}", {"weekly_cents": 0}).status_code == 422
    assert _api(client, auth, "DELETE", f"/api/v1/admin/budgets/{past.id}").status_code == 409
    assert _api(client, auth, "PATCH", f"/api/v1/admin/service-versions/{version.id}",
                {"minutes": 40}).status_code == 200
    assert _api(client, auth, "PATCH", f"/api/v1/admin/service-versions/{c01.versions[0].id}",
                {"minutes": 40}).status_code == 409
    db.session.expire_all()
    assert db.session.get(BudgetOverride, future.id).weekly_cents == 91000
    assert db.session.get(BudgetOverride, past.id).weekly_cents == 89000
    assert catalogue.price_list(world.org, TODAY + timedelta(days=15))["C01"].minutes == 40
    assert _api(client, auth, "DELETE", f"/api/v1/admin/service-versions/{version.id}").status_code == 200
    assert _api(client, auth, "DELETE", f"/api/v1/admin/budgets/{future.id}").status_code == 200
    assert catalogue.price_list(world.org, TODAY + timedelta(days=15))["C01"].minutes == 30
    assert catalogue.budget_on(world.own, TODAY + timedelta(days=15)) == 89000


def test_another_organisations_rate_is_not_found(priced_world, client, auth):
    auth.login(priced_world.email("admin"))
    foreign = _future_rate(priced_world.other_org)
    assert _api(client, auth, "PATCH", f"/api/v1/admin/rates/{foreign.id}", {"base_hourly_cents": 1}).status_code == 404
    assert _api(client, auth, "DELETE", f"/api/v1/admin/rates/{foreign.id}").status_code == 404
    db.session.expire_all()
    assert db.session.get(StaffLevelRate, foreign.id).base_hourly_cents == 4200


# -- payments and the audit log --------------------------------------------------------------

def _payment(world, resident) -> Payment:
    invoice = CopayInvoice(organisation_id=world.org.id, client_id=resident.id, month=date(2026, 10, 1),
                           amount_cents=1790)
    payment = Payment(organisation_id=world.org.id, client_id=resident.id, invoice=invoice,
                      payer_id=world.users["family"].id, amount_cents=1790)
    db.session.add(payment)
    db.session.commit()
    return payment


def test_the_payments_list_shows_resident_invoice_and_date(world, client, auth):
    payment = _payment(world, world.own)
    auth.login(world.email("admin"))
    html = client.get("/admin/billing").get_data(as_text=True)
    assert world.own.name in html and f"{payment.invoice_id}" in html and "oktober 2026" in html
    [row] = client.get("/api/v1/admin/payments").get_json()["payments"]
    assert row["client"]["name"] == world.own.name and row["invoice"] == {
        "id": payment.invoice_id, "month": "2026-10", "sequence": 1}
    assert row["created_at"]


def test_the_audit_log_is_searched_by_name_and_dates_in_words(world, client, auth):
    auth.login(world.email("admin"))
    carer = world.users["carer"]
    assert _api(client, auth, "PATCH", f"/api/v1/admin/users/{carer.id}", {"name": "Carla Verzorgster"}
                ).status_code == 200
    old = AuditEvent(organisation_id=world.org.id, user_id=world.users["admin"].id, action="update",
                     object_type="teams", object_id="1", role="admin",
                     at=datetime(2025, 1, 2, 22, 30, tzinfo=timezone.utc))  # 2025-01-02 23:30 in the Netherlands
    db.session.add(old)
    db.session.commit()

    found = client.get("/api/v1/audit?name=ADMIN").get_json()["events"]
    assert found and {event["user_name"] for event in found} == {world.users["admin"].name}
    assert {event["object_label"] for event in found} >= {"gebruiker", "team"}
    dated = client.get("/api/v1/audit?name=admin&from=2025-01-01&to=2025-01-02").get_json()["events"]
    assert [event["id"] for event in dated] == [old.id]
    assert client.get("/api/v1/audit?name=niemand").get_json()["events"] == []
    assert client.get("/api/v1/audit?from=2025-13-01").status_code == 422

    page = client.get("/admin/audit?name=admin&from=2025-01-01&to=2025-01-02").get_data(as_text=True)
    assert "gewijzigd" in page and "team 1" in page and world.users["admin"].name in page
    assert ">update<" not in page
    refused = client.get("/admin/audit?from=2025-02-30")
    assert refused.status_code == 422 and 'id="from-error"' in refused.get_data(as_text=True)
