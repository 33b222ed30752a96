"""Status at a glance: the family's and resident's home, the staff's resident list, the team
lead's worklist counts (issue 10, item 5)."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest
import time_machine
from sqlalchemy import select

from billing.models import CopayInvoice
from care.models import HealthRisk, PackageLine, PackageVersion, Service
from marketplace.core.extensions import db
from tests.factories import add_contact, make_client
from tests.unit.test_budget_domain import HEALTH_5VV

TODAY = datetime(2026, 12, 3, 10, 0, tzinfo=timezone.utc)
RED = {"C01": 7, "C02": 2, "C03": 7, "C04": 7, "C07": 10, "C08": 5}  # 102.0 %, 17,90 a week
GREEN = {"C01": 7, "C02": 2, "C03": 7, "C07": 8, "C08": 3}  # 83.9 %


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(TODAY, tick=False):
        yield


def version(world, client, lines, status="active", number=None, active_from=date(2026, 10, 1)):
    ids = dict(db.session.execute(select(Service.code, Service.id).where(
        Service.organisation_id == client.organisation_id)).all())
    number = number or (db.session.scalar(select(db.func.count()).select_from(PackageVersion).where(
        PackageVersion.client_id == client.id)) + 1)
    v = PackageVersion(client_id=client.id, number=number, status=status, created_by_id=world.users["nurse"].id,
                       active_from=active_from if status == "active" else None,
                       lines=[PackageLine(service_id=ids[c], per_week=n) for c, n in lines.items()])
    db.session.add(v)
    db.session.commit()
    return v


def test_family_home_shows_meter_copay_savings_review_invoices_and_proposal(health_world, client, auth):
    w = health_world
    version(w, w.own, {**HEALTH_5VV, **RED}, active_from=date(2026, 10, 1))  # review due 12 November: overdue
    version(w, w.own, GREEN, status="proposal")
    db.session.add(CopayInvoice(organisation_id=w.org.id, client_id=w.own.id, month=date(2026, 11, 1),
                                amount_cents=7160, status="open"))
    db.session.commit()
    auth.login(w.email("family"))
    html = client.get("/").get_data(as_text=True)
    assert "102,0&nbsp;%" in html
    assert "€ 17,90" in html  # the weekly co-payment of the red package
    assert "€ 71,60" in html  # one unpaid invoice
    assert "12 november 2026" in html
    assert "overdue" in html or "te laat" in html
    assert "Proposal sent, waiting for the team." in html or "Voorstel verstuurd" in html


def test_view_only_family_sees_no_invoices_on_home(health_world, client, auth):
    w = health_world
    version(w, w.own, {**HEALTH_5VV, **RED})
    db.session.add(CopayInvoice(organisation_id=w.org.id, client_id=w.own.id, month=date(2026, 11, 1),
                                amount_cents=7160, status="open"))
    db.session.commit()
    auth.login(w.view_only_family.email)
    html = client.get("/").get_data(as_text=True)
    assert "€ 71,60" not in html and "€ 17,90" in html


def test_staff_list_shows_waiting_work_and_uncovered_risks_to_the_nurse(health_world, client, auth):
    w = health_world
    version(w, w.own, RED)  # no health lines although risks require them
    version(w, w.own, GREEN, status="submitted")
    for omaha, modifier in (("42", "actual"), ("30", "actual")):
        db.session.add(HealthRisk(client_id=w.own.id, omaha=omaha, modifier=modifier,
                                  recorded_by_id=w.users["nurse"].id))
    db.session.commit()
    auth.login(w.email("nurse"))
    html = client.get("/").get_data(as_text=True)
    row = html[html.index(w.own.name):]
    row = row[:row.index("</tr>")]
    assert "76,2" in row
    assert 'class="tag tag-bad">2<' in row  # H01 and H04 missing
    assert "/package/versions" in row
    assert "dagen te laat" in row or "days overdue" in row


def test_uncovered_risks_are_not_shown_to_roles_without_health_access(health_world, client, auth):
    w = health_world
    version(w, w.own, RED)
    db.session.add(HealthRisk(client_id=w.own.id, omaha="42", modifier="actual", recorded_by_id=w.users["nurse"].id))
    db.session.commit()
    for role in ("team_lead", "admin", "client_supporter"):
        auth.login(w.email(role))
        html = client.get("/").get_data(as_text=True)
        assert "?sort=uncovered" not in html, role
        auth.logout()


@pytest.mark.parametrize("sort, first", [("name", "Aa"), ("meter", "Rood"), ("review", "Laat"),
                                         ("proposal", "Voorstel"), ("signoff", "Teken")])
def test_staff_list_sorts_by_a_whitelisted_key(health_world, client, auth, sort, first):
    w = health_world
    loc = w.team.locations[0]
    rows = {name: make_client(w.org, loc, w.team, name) for name in ("Aa", "Rood", "Laat", "Voorstel", "Teken")}
    db.session.commit()
    version(w, rows["Aa"], GREEN, active_from=date(2026, 11, 30))
    version(w, rows["Rood"], {**HEALTH_5VV, **RED}, active_from=date(2026, 11, 30))
    version(w, rows["Laat"], GREEN, active_from=date(2026, 9, 1))
    version(w, rows["Voorstel"], GREEN, status="proposal")
    version(w, rows["Teken"], GREEN, status="submitted")
    auth.login(w.email("carer"))
    html = client.get(f"/?sort={sort}").get_data(as_text=True)
    body = html[html.index("<tbody>", html.index('class="residents"')):]
    names = [n for n in rows]
    order = sorted(names, key=lambda n: body.index(f"{n} "))
    assert order[0] == first
    assert f'aria-sort="ascending"><a href="/?sort={sort}&amp;dir=desc' in html


def test_an_unknown_sort_key_falls_back_to_the_name(health_world, client, auth):
    auth.login(health_world.email("carer"))
    response = client.get("/?sort=password;drop&dir=sideways")
    assert response.status_code == 200
    assert 'aria-sort="ascending"><a href="/?sort=name&amp;dir=desc' in response.get_data(as_text=True)


def test_team_lead_home_counts_the_teams_worklist(health_world, client, auth):
    w = health_world
    version(w, w.own, GREEN, active_from=date(2026, 9, 1))  # review overdue
    version(w, w.own, GREEN, status="proposal")
    second = make_client(w.org, w.team.locations[0], w.team)
    db.session.commit()
    version(w, second, GREEN, status="submitted")
    auth.login(w.email("team_lead"))
    html = client.get("/").get_data(as_text=True)
    section = html[html.index('id="worklist-title"'):html.index("</table>", html.index('id="worklist-title"'))]
    cells = re.findall(r'<td class="num"[^>]*>([^<]*)<', section)
    assert cells == ["2", "1", "1", "1", "0"]


def test_home_keeps_a_constant_query_count(health_world, client, auth, count_queries):
    w = health_world
    loc = w.team.locations[0]

    def grow(n):
        for _ in range(n):
            resident = make_client(w.org, loc, w.team)
            add_contact(resident, w.users["family"], pay=True)
            db.session.commit()
            version(w, resident, {**HEALTH_5VV, **RED})
            version(w, resident, GREEN, status="proposal")
            db.session.add(HealthRisk(client_id=resident.id, omaha="42", modifier="actual",
                                      recorded_by_id=w.users["nurse"].id))
            db.session.add(CopayInvoice(organisation_id=w.org.id, client_id=resident.id, month=date(2026, 11, 1),
                                        amount_cents=100, status="open"))
            db.session.commit()

    counts = {}
    for role in ("family", "nurse", "team_lead", "admin"):
        auth.login(w.email(role))
        client.get("/")
        with count_queries() as small:
            assert client.get("/").status_code == 200
        counts[role] = small.count
        auth.logout()
    grow(1)
    grown = {}
    for role in counts:
        auth.login(w.email(role))
        with count_queries() as one:
            client.get("/")
        grown[role] = one.count
        auth.logout()
    grow(8)
    for role in counts:
        auth.login(w.email(role))
        with count_queries() as many:
            client.get("/?sort=meter")
        assert many.count == grown[role], f"{role}: {grown[role]} statements for one, {many.count} for many"
        auth.logout()
