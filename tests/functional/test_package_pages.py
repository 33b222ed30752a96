"""The composer, versions, family view and reviews as pages (also without JavaScript)."""
from datetime import date, timedelta

from sqlalchemy import func, select

from care.domain import add_months
from care.models import PackageVersion, Review
from marketplace.core.db_types import local_today
from tests.conftest import csrf_from
from tests.health_basis import record_risks
from tests.unit.test_budget_domain import HEALTH_5VV


def form_lines(mapping):
    return {f"n_{code}": str(n) for code, n in mapping.items()}


def post_composer(client, world, data, action="recalculate"):
    page = client.get(f"/clients/{world.own.id}/package")
    token = csrf_from(page.get_data(as_text=True))
    return client.post(f"/clients/{world.own.id}/package",
                       data={"csrf_token": token, "action": action, **data})


def test_composer_recalculates_without_javascript(priced_world, client, auth):
    auth.login(priced_world.email("carer"))
    page = client.get(f"/clients/{priced_world.own.id}/package")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="n_C01"' in html and 'id="n_X01"' not in html  # luxury is not offered
    response = post_composer(client, priced_world, form_lines({"C01": 7, "C02": 2, "C03": 7, "C04": 7,
                                                               "C07": 10, "C08": 5}))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    # 67460 of 88560 without the health lines: green, 76.2 %
    assert "meter-green" in html and "76,2" in html and "binnen budget" in html
    assert "€ 674,60" in html


def test_composer_turns_red_and_shows_the_copay(priced_world, client, auth, db):
    auth.login(priced_world.email("nurse"))
    lines = {**HEALTH_5VV, "C01": 7, "C02": 2, "C03": 7, "C04": 7, "C07": 10, "C08": 5}
    html = post_composer(client, priced_world, form_lines(lines)).get_data(as_text=True)
    assert "meter-red" in html and "boven budget" in html and "102,0" in html
    assert "€ 17,90" in html  # the co-payment of the worked example


def test_bad_frequency_is_a_form_error_and_nothing_is_saved(priced_world, client, auth, db):
    auth.login(priced_world.email("carer"))
    for value in ("-1", "100", "2,5", "zeven"):
        response = post_composer(client, priced_world, {"n_C01": value}, action="save")
        assert response.status_code == 422
        assert "heel getal" in response.get_data(as_text=True)
    response = post_composer(client, priced_world, {"n_X01": "1"}, action="save")
    assert response.status_code == 422 and "luxe" in response.get_data(as_text=True).lower()
    assert db.session.scalar(select(func.count()).select_from(PackageVersion)) == 0


def test_save_then_submit_then_sign_off_through_pages(health_world, client, auth, db):
    priced_world = health_world
    record_risks(priced_world.own, priced_world.users["nurse"])
    auth.login(priced_world.email("nurse"))
    saved = post_composer(client, priced_world, {**form_lines({**HEALTH_5VV, "C01": 7}), "reason": "start"},
                          action="save")
    assert saved.status_code == 302
    page = client.get(f"/clients/{priced_world.own.id}/package")
    assert "Versie 1" in page.get_data(as_text=True)
    token = csrf_from(page.get_data(as_text=True))
    assert client.post(f"/clients/{priced_world.own.id}/package/submit", data={"csrf_token": token}).status_code == 302
    versions = client.get(f"/clients/{priced_world.own.id}/package/versions").get_data(as_text=True)
    assert "wacht op aftekenen" in versions.lower() or "wacht" in versions.lower()
    sign_page = client.get(f"/clients/{priced_world.own.id}/package/versions/1/sign").get_data(as_text=True)
    assert "Versie 1 goedkeuren" in sign_page and "€ 142,80" in sign_page  # C01×7, the chosen care after
    signed = client.post(f"/clients/{priced_world.own.id}/package/versions/1/sign",
                         data={"csrf_token": csrf_from(sign_page), "active_from": "2026-11-30"})
    assert signed.status_code == 302
    db.session.expire_all()
    version = db.session.scalar(select(PackageVersion))
    assert (version.status, version.active_from, version.signed_by_id) == (
        "active", date(2026, 11, 30), priced_world.users["nurse"].id)


def test_compare_shows_what_changed(priced_world, client, auth):
    auth.login(priced_world.email("nurse"))
    post_composer(client, priced_world, form_lines({"C01": 7, "C02": 2}), action="save")
    post_composer(client, priced_world, {**form_lines({"C01": 7, "C02": 3, "C10": 2}), "reason": "meer douchen"},
                  action="save")
    html = client.get(f"/clients/{priced_world.own.id}/package/compare?a=1&b=2").get_data(as_text=True)
    assert "meer douchen" in html
    assert "C02" in html and "C10" in html and "toegevoegd" in html.lower()
    assert "C01" not in html.split("<tbody>")[1]


def test_family_view_shows_budget_package_and_next_review(priced_world, client, auth, db):
    nurse = priced_world.users["nurse"]
    auth.login(nurse.email)
    post_composer(client, priced_world, form_lines({"C01": 7}), action="save")
    token = csrf_from(client.get(f"/clients/{priced_world.own.id}/package").get_data(as_text=True))
    client.post(f"/clients/{priced_world.own.id}/package/submit", data={"csrf_token": token})
    client.post(f"/clients/{priced_world.own.id}/package/versions/1/sign",
                data={"csrf_token": token, "active_from": "2026-10-01"})
    auth.logout()
    auth.login(priced_world.view_only_family.email)
    html = client.get(f"/clients/{priced_world.own.id}/budget").get_data(as_text=True)
    assert "€ 885,60" in html  # weekly budget of 5VV
    assert "€ 142,80" in html  # C01 × 7
    assert "12 november 2026" in html  # first review: 42 days after 1 October
    assert "Beoordeling vastleggen" not in html  # family does not record reviews


def test_review_worklist_and_recording(priced_world, client, auth, db):
    today = local_today()
    start = today - timedelta(days=50)  # the first review (day 42) is 8 days overdue
    first_review = start + timedelta(days=42)
    auth.login(priced_world.email("nurse"))
    post_composer(client, priced_world, form_lines({"C01": 7}), action="save")
    token = csrf_from(client.get(f"/clients/{priced_world.own.id}/package").get_data(as_text=True))
    client.post(f"/clients/{priced_world.own.id}/package/submit", data={"csrf_token": token})
    client.post(f"/clients/{priced_world.own.id}/package/versions/1/sign",
                data={"csrf_token": token, "active_from": start.isoformat()})
    worklist = client.get(f"/teams/{priced_world.team.id}/reviews").get_data(as_text=True)
    assert priced_world.own.name in worklist and "te laat" in worklist.lower()
    api = client.get(f"/api/v1/teams/{priced_world.team.id}/reviews").get_json()["reviews"]
    assert api == [{"client_id": priced_world.own.id, "name": priced_world.own.name,
                    "next_review": first_review.isoformat(), "overdue": True}]
    recorded = client.post(f"/api/v1/clients/{priced_world.own.id}/reviews",
                           json={"outcome": "confirmed", "note": "alles goed"}, headers={"X-CSRFToken": auth.csrf})
    assert recorded.status_code == 201
    assert recorded.get_json()["review"]["due_on"] == first_review.isoformat()
    # somatic: the next review is a calendar month after the day it was held, so off the worklist
    budget = client.get(f"/api/v1/clients/{priced_world.own.id}/budget").get_json()
    assert budget["next_review"] == add_months(today, 1).isoformat()
    assert client.get(f"/api/v1/teams/{priced_world.team.id}/reviews").get_json()["reviews"] == []
    bad = client.post(f"/api/v1/clients/{priced_world.own.id}/reviews", json={"outcome": "maybe"},
                      headers={"X-CSRFToken": auth.csrf})
    assert bad.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Review)) == 1


def test_admin_catalogue_pages_refuse_bad_amounts(priced_world, client, auth, db):
    auth.login(priced_world.email("admin"))
    page = client.get("/admin/catalogue")
    assert page.status_code == 200 and "C01" in page.get_data(as_text=True)
    token = csrf_from(page.get_data(as_text=True))
    today = local_today().isoformat()
    response = client.post("/admin/catalogue/budgets", data={"csrf_token": token, "care_profile": "5VV",
                                                             "weekly": "veel", "valid_from": today})
    assert response.status_code == 422 and "bedrag" in response.get_data(as_text=True).lower()
    ok = client.post("/admin/catalogue/budgets", data={"csrf_token": token, "care_profile": "5VV",
                                                       "weekly": "900,00", "valid_from": today})
    assert ok.status_code == 302
    assert client.get(f"/api/v1/clients/{priced_world.own.id}/budget").get_json()["weekly_budget_cents"] == 90000
