"""The meter and the package draft through the JSON API (issue: the person-following budget)."""
import pytest
from sqlalchemy import func, select

from care.models import PackageVersion, Service
from tests.health_basis import record_risks
from tests.unit.test_budget_domain import HEALTH_5VV, WORKED_EXAMPLES


def lines(mapping):
    return [{"service": code, "per_week": n} for code, n in mapping.items()]


def meter(client, auth, world, body):
    return client.post("/api/v1/meter", json={"client_id": world.own.id, **body},
                       headers={"X-CSRFToken": auth.csrf})


@pytest.mark.parametrize("core, balance, use, c, load, colour, from_savings, copay, to_savings", WORKED_EXAMPLES)
def test_worked_examples_through_the_meter_endpoint(priced_world, client, auth, monkeypatch,
                                                    core, balance, use, c, load, colour, from_savings, copay,
                                                    to_savings):
    # Savings only come from settled weeks (the ledger); the example's balance is given here.
    monkeypatch.setattr("care.meter.savings_balance_cents", lambda client_id: balance)
    auth.login(priced_world.email("carer"))
    response = meter(client, auth, priced_world,
                     {"lines": lines({**HEALTH_5VV, **core}), "use_savings": use})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["budget_cents"] == 88560
    assert body["health_cents"] == 22890
    assert body["core_cents"] == c
    assert body["total_cents"] == 22890 + c
    assert f"{body['load_pct']:.1f}" == load
    assert body["colour"] == colour.value
    assert (body["from_savings_cents"], body["copay_cents"], body["to_savings_cents"]) == (from_savings, copay,
                                                                                         to_savings)
    assert body["org_shortfall_cents"] == 0 and body["reindication_needed"] is False
    assert body["savings_balance_cents"] == balance


def test_reindication_example_through_the_meter_endpoint(priced_world, client, auth, db):
    priced_world.own.care_profile = "4VV"
    db.session.commit()
    auth.login(priced_world.email("nurse"))
    body = meter(client, auth, priced_world, {"lines": lines(
        {"H01": 21, "H02": 7, "H03": 28, "H04": 21, "H05": 7, "H12": 14, "H13": 7, "C09": 3})}).get_json()
    assert (body["budget_cents"], body["health_cents"], body["core_cents"]) == (61500, 90650, 3690)
    assert (body["load_pct"], body["colour"]) == (153.4, "red")
    assert (body["org_shortfall_cents"], body["reindication_needed"], body["copay_cents"]) == (29150, True, 3690)


@pytest.mark.parametrize("line, field", [
    ({"service": "Q99", "per_week": 1}, "Q99"),
    ({"service": "X01", "per_week": 1}, "X01"),
    ({"service": "C01", "per_week": -1}, "C01"),
    ({"service": "C01", "per_week": 100}, "C01"),
    ({"service": "C01", "per_week": 2.5}, "C01"),
    ({"service": "C01", "per_week": "7"}, "C01"),
    ({"service": "C01", "per_week": True}, "C01"),
    ({"service": 7, "per_week": 1}, "lines"),
])
def test_bad_lines_get_a_clear_422_and_nothing_is_saved(priced_world, client, auth, db, line, field):
    auth.login(priced_world.email("carer"))
    response = meter(client, auth, priced_world, {"lines": [line]})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] in {"invalid_package"} and field in error["fields"]
    assert error["fields"][field]
    put = client.put(f"/api/v1/clients/{priced_world.own.id}/package/draft", json={"lines": [line]},
                     headers={"X-CSRFToken": auth.csrf})
    assert put.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(PackageVersion)) == 0


def test_inactive_service_and_other_organisations_service_are_refused(priced_world, client, auth, db):
    db.session.scalar(select(Service).where(Service.organisation_id == priced_world.org.id,
                                            Service.code == "C13")).active = False
    db.session.add(Service(organisation_id=priced_world.other_org.id, code="B01", name_nl="Alleen bij B",
                           name_en="Only at B", category="core"))
    db.session.commit()
    auth.login(priced_world.email("carer"))
    for code in ("C13", "B01"):
        response = meter(client, auth, priced_world, {"lines": [{"service": code, "per_week": 1}]})
        assert response.status_code == 422 and code in response.get_json()["error"]["fields"]


def test_resident_without_profile_has_no_budget(priced_world, client, auth, db):
    priced_world.own.care_profile = None
    db.session.commit()
    auth.login(priced_world.email("carer"))
    response = meter(client, auth, priced_world, {"lines": lines({"C01": 7})})
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "no_budget"
    page = client.get(f"/clients/{priced_world.own.id}/package")
    assert page.status_code == 200
    assert "zorgprofiel" in page.get_data(as_text=True) or "care profile" in page.get_data(as_text=True)


def test_draft_save_submit_and_nurse_sign_off(health_world, client, auth):
    priced_world = health_world
    record_risks(priced_world.own, priced_world.users["nurse"])
    own = priced_world.own.id
    auth.login(priced_world.email("nurse"))
    health = client.put(f"/api/v1/clients/{own}/package/draft", json={"lines": lines(HEALTH_5VV), "reason": "risico's"},
                        headers={"X-CSRFToken": auth.csrf})
    assert health.status_code == 200 and health.get_json()["draft"]["status"] == "draft"
    auth.logout()
    auth.login(priced_world.email("carer"))
    body = {"lines": lines({**HEALTH_5VV, "C01": 7, "C02": 2}), "use_savings": True, "reason": "ochtendzorg"}
    saved = client.put(f"/api/v1/clients/{own}/package/draft", json=body, headers={"X-CSRFToken": auth.csrf})
    assert saved.status_code == 200
    draft = saved.get_json()["draft"]
    assert (draft["number"], draft["status"], draft["use_savings"], draft["reason"]) == (2, "draft", True,
                                                                                         "ochtendzorg")
    assert draft["meter"]["core_cents"] == 7 * 2040 + 2 * 2720
    got = client.get(f"/api/v1/clients/{own}/package/draft").get_json()["draft"]
    assert got["number"] == 2
    submitted = client.post(f"/api/v1/clients/{own}/package/draft/submit", headers={"X-CSRFToken": auth.csrf})
    assert submitted.get_json()["version"]["status"] == "submitted"
    # the carer cannot sign off
    assert client.post(f"/api/v1/clients/{own}/package/versions/2/sign", headers={"X-CSRFToken": auth.csrf}) \
        .status_code == 403
    auth.logout()
    auth.login(priced_world.email("nurse"))
    signed = client.post(f"/api/v1/clients/{own}/package/versions/2/sign", json={"active_from": "2026-12-01"},
                         headers={"X-CSRFToken": auth.csrf})
    assert signed.status_code == 200
    version = signed.get_json()["version"]
    assert (version["status"], version["active_from"], version["signed_by"]) == (
        "active", "2026-12-01", priced_world.users["nurse"].name)
    history = client.get(f"/api/v1/clients/{own}/package/versions").get_json()["versions"]
    assert [(v["number"], v["status"]) for v in history] == [(2, "active"), (1, "replaced")]


def test_carer_cannot_change_health_lines(priced_world, client, auth):
    auth.login(priced_world.email("carer"))
    response = client.put(f"/api/v1/clients/{priced_world.own.id}/package/draft",
                          json={"lines": lines({"H01": 21})}, headers={"X-CSRFToken": auth.csrf})
    assert response.status_code == 422
    assert "H01" in response.get_json()["error"]["fields"]


def test_family_with_decide_saves_a_proposal_not_a_draft(priced_world, client, auth):
    auth.login(priced_world.email("family"))
    response = client.put(f"/api/v1/clients/{priced_world.own.id}/package/draft",
                          json={"lines": lines({"C10": 2})}, headers={"X-CSRFToken": auth.csrf})
    assert response.status_code == 200
    assert response.get_json()["draft"]["status"] == "proposal"
    submit = client.post(f"/api/v1/clients/{priced_world.own.id}/package/draft/submit",
                         headers={"X-CSRFToken": auth.csrf})
    assert submit.status_code == 403


@pytest.mark.parametrize("role", ["board", "freelancer"])
def test_roles_without_relation_cannot_compose_or_see_the_draft(priced_world, client, auth, role):
    auth.login(priced_world.email(role))
    own = priced_world.own.id
    assert client.get(f"/api/v1/clients/{own}/package/draft").status_code == 403
    assert meter(client, auth, priced_world, {"lines": []}).status_code == 403
    assert client.get(f"/clients/{own}/package").status_code == 403


def test_view_only_family_cannot_see_the_draft_but_sees_the_budget(priced_world, client, auth):
    auth.login(priced_world.view_only_family.email)
    own = priced_world.own.id
    assert client.get(f"/api/v1/clients/{own}/package/draft").status_code == 403
    assert client.put(f"/api/v1/clients/{own}/package/draft", json={"lines": []},
                      headers={"X-CSRFToken": auth.csrf}).status_code == 403
    budget = client.get(f"/api/v1/clients/{own}/budget")
    assert budget.status_code == 200 and budget.get_json()["weekly_budget_cents"] == 88560


def test_carer_of_another_team_and_other_organisation(priced_world, client, auth):
    auth.login(priced_world.email("carer"))
    assert client.get(f"/api/v1/clients/{priced_world.other.id}/package/draft").status_code == 403
    assert client.get(f"/api/v1/clients/{priced_world.foreign.id}/package/draft").status_code == 404
    response = client.post("/api/v1/meter", json={"client_id": priced_world.foreign.id, "lines": []},
                           headers={"X-CSRFToken": auth.csrf})
    assert response.status_code == 404
    assert priced_world.foreign.name not in response.get_data(as_text=True)


def test_meter_uses_a_constant_number_of_queries(priced_world, client, auth, count_queries):
    auth.login(priced_world.email("carer"))
    small = lines({"C01": 7})
    large = lines({code: 1 for code in ["C%02d" % i for i in range(1, 14)] + ["H%02d" % i for i in range(1, 14)]})
    meter(client, auth, priced_world, {"lines": small})  # warm up
    with count_queries() as few:
        assert meter(client, auth, priced_world, {"lines": small}).status_code == 200
    with count_queries() as many:
        assert meter(client, auth, priced_world, {"lines": large}).status_code == 200
    assert few.count == many.count


def test_catalogue_lists_cost_prices(priced_world, client, auth):
    auth.login(priced_world.email("family"))
    services = {s["code"]: s for s in client.get("/api/v1/catalogue").get_json()["services"]}
    assert len(services) == 35
    assert (services["C01"]["cost_price_cents"], services["H01"]["cost_price_cents"],
            services["X06"]["cost_price_cents"]) == (2040, 410, 12240)
