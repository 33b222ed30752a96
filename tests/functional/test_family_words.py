"""Words people understand (issue 10, item 9): names and dates for families and residents,
'bijbetaling' in Dutch, English dates day first, the resident's simpler view without API
tokens, and the access overview per person per day without one's own looks."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
import time_machine
from sqlalchemy import select

from care.models import PackageLine, PackageVersion, Service
from marketplace.accounts import tokens
from marketplace.accounts.models import ApiToken
from marketplace.core import audit
from marketplace.core.audit import Action
from marketplace.core.extensions import db
from marketplace.core.policy import Perm, can
from marketplace.core.roles import Role

TODAY = datetime(2026, 12, 3, 10, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(TODAY, tick=False):
        yield


def active_package(world, client, lines):
    ids = dict(db.session.execute(select(Service.code, Service.id).where(
        Service.organisation_id == client.organisation_id)).all())
    db.session.add(PackageVersion(client_id=client.id, number=1, status="active", created_by_id=world.users["nurse"].id,
                                  active_from=date(2026, 11, 2),
                                  lines=[PackageLine(service_id=ids[c], per_week=n) for c, n in lines.items()]))
    db.session.commit()


def test_family_sees_service_names_without_codes_or_staff_levels(priced_world, client, auth):
    w = priced_world
    active_package(w, w.own, {"C01": 7, "C07": 8})
    auth.login(w.email("family"))
    budget = client.get(f"/clients/{w.own.id}/budget").get_data(as_text=True)
    composer = client.get(f"/clients/{w.own.id}/package").get_data(as_text=True)
    for page in (budget, composer):
        assert '<span class="code">' not in page
    assert "· N2" not in composer and "min" in composer
    auth.logout()
    auth.login(w.email("carer"))
    assert '<span class="code">C01</span>' in client.get(f"/clients/{w.own.id}/budget").get_data(as_text=True)
    assert "· N2" in client.get(f"/clients/{w.own.id}/package").get_data(as_text=True)


def test_dutch_says_bijbetaling_not_eigen_bijdrage(priced_world, client, auth):
    w = priced_world
    active_package(w, w.own, {"C01": 7})
    auth.login(w.email("family"))
    pages = [client.get(url).get_data(as_text=True) for url in
             ("/", f"/clients/{w.own.id}", f"/clients/{w.own.id}/budget", f"/clients/{w.own.id}/invoices",
              f"/clients/{w.own.id}/statements/2026-11")]
    assert all("igen bijdrage" not in page for page in pages)
    assert [("ijbetaling" in page) for page in pages] == [True, False, True, True, True]


def test_english_mode_dates_day_first_and_role_names_translated(priced_world, client, auth):
    w = priced_world
    active_package(w, w.own, {"C01": 7})
    auth.login(w.email("family"))
    client.post("/language", data={"language": "en", "csrf_token": auth.csrf})
    html = client.get(f"/clients/{w.own.id}/budget").get_data(as_text=True)
    assert "2 November 2026" in html  # active since
    assert "November 2, 2026" not in html
    auth.logout()
    auth.login(w.email("admin"))
    client.post("/language", data={"language": "en", "csrf_token": auth.csrf})
    audit.record(Action.READ, actor=w.users["team_lead"], client_id=w.own.id, detail="x")
    db.session.commit()
    log = client.get("/admin/audit").get_data(as_text=True)
    assert "team lead" in log and ">team_lead<" not in log
    assert "3 Dec 2026" in log


def test_resident_has_no_api_tokens_and_larger_type(world, client, auth):
    auth.login(world.email("resident"))
    home = client.get("/").get_data(as_text=True)
    assert "/account/tokens" not in home
    assert 'class="resident-view"' in home
    assert client.post("/api/v1/tokens", json={"name": "x"}, headers={"X-CSRFToken": auth.csrf}).status_code == 403
    page = client.get("/account/tokens").get_data(as_text=True)
    assert "Create token" not in page and "Token maken" not in page
    assert client.post("/account/tokens", data={"name": "x", "csrf_token": auth.csrf}).status_code == 403
    assert db.session.scalars(select(ApiToken)).all() == []


def test_family_needs_to_ask_for_api_tokens_staff_need_not(world, client, auth):
    auth.login(world.email("family"))
    assert "/account/tokens" not in client.get("/").get_data(as_text=True)
    assert client.post("/api/v1/tokens", json={"name": "x"}, headers={"X-CSRFToken": auth.csrf}).status_code == 403
    auth.logout()
    auth.login(world.email("carer"))
    assert "/account/tokens" in client.get("/").get_data(as_text=True)
    assert client.post("/api/v1/tokens", json={"name": "x"}, headers={"X-CSRFToken": auth.csrf}).status_code == 201


def test_a_family_contact_who_asked_in_the_settings_gets_tokens(world, client, auth, db):
    world.users["family"].api_access = True
    db.session.commit()
    auth.login(world.email("family"))
    assert "/account/tokens" in client.get("/").get_data(as_text=True)
    created = client.post("/api/v1/tokens", json={"name": "x"}, headers={"X-CSRFToken": auth.csrf})
    assert created.status_code == 201
    world.users["family"].api_access = False  # asked no longer: the token stops working
    db.session.commit()
    program = client.application.test_client()
    assert program.get("/api/v1/me", headers={"Authorization": f"Bearer {created.get_json()['secret']}"}) \
        .status_code == 401


def test_a_family_contact_who_asked_may_have_tokens():
    asked = SimpleNamespace(is_authenticated=True, organisation_id=1, api_access=True,
                            has_role=lambda *roles: Role.FAMILY in roles)
    not_asked = SimpleNamespace(**{**vars(asked), "api_access": False})
    resident = SimpleNamespace(**{**vars(asked), "has_role": lambda *roles: Role.RESIDENT in roles})
    assert can(asked, Perm.API_TOKEN_CREATE)
    assert not can(not_asked, Perm.API_TOKEN_CREATE)
    assert not can(resident, Perm.API_TOKEN_CREATE)


def test_a_token_of_someone_who_may_not_have_one_stops_working(world, app):
    issued = tokens.create_token(world.users["resident"], "old")  # made before the rule
    program = app.test_client()
    response = program.get("/api/v1/me", headers={"Authorization": f"Bearer {issued.secret}"})
    assert response.status_code == 401


def test_access_overview_groups_per_person_per_day_and_hides_own_looks(world, client, auth):
    nurse, family, carer = world.users["nurse"], world.users["family"], world.users["carer"]
    for actor, when, what in [
        (nurse, TODAY - timedelta(days=1, hours=2), "health profile read"),
        (nurse, TODAY - timedelta(days=1, hours=1), "health profile read"),
        (nurse, TODAY - timedelta(days=1), "health risk recorded"),
        (nurse, TODAY, "health profile read"),
        (carer, TODAY, "observation points read"),
        (family, TODAY, "health profile read"),
    ]:
        action = Action.CREATE if "recorded" in what else Action.READ
        row = audit.record(action, actor=actor, client_id=world.own.id, object_type="health_record",
                           object_id=world.own.id, detail=what, health=True)
        row.at = when
    db.session.commit()
    auth.login(world.email("family"))
    html = client.get(f"/clients/{world.own.id}/access-log").get_data(as_text=True)
    items = html[html.index('class="history access-days"'):].split("<li>")[1:]
    assert len(items) == 3  # the nurse today, the carer today, the nurse yesterday; not the family's own look
    assert all(family.name not in item for item in items)
    yesterday = next(item for item in items if "2 december 2026" in item)
    assert nurse.name in yesterday and "3 keer" in yesterday
    assert yesterday.index("gezondheidsprofiel") < yesterday.index("gezondheidsrisico")
