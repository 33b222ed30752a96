"""Health risks: required care always covered, the nurse's sign-off, re-indication, need-to-know."""
import re

import pytest
from sqlalchemy import func, select, update

from care.models import HealthRisk, PackageVersion, Prescription, RiskRating, RiskRule, Service
from marketplace.core.audit import AuditEvent
from tests.health_basis import record_risks

PROBLEM_NAMES = ("Huid", "Skin", "Medicatiegebruik", "Medication regimen", "Urinewegfunctie", "Cognitie")


def api(client, auth, method, path, body=None):
    return client.open(path, method=method, json=body, headers={"X-CSRFToken": auth.csrf})


def record(client, auth, world, omaha="24", modifier="potential", **extra):
    return api(client, auth, "POST", f"/api/v1/clients/{world.own.id}/health/risks",
               {"omaha": omaha, "modifier": modifier, **extra})


def draft_lines(client, world):
    draft = client.get(f"/api/v1/clients/{world.own.id}/package/draft").get_json()["draft"]
    return {line["service"]: line["per_week"] for line in draft["lines"]} if draft else {}


def test_a_risk_adds_its_required_line_to_the_draft_at_the_minimum(health_world, client, auth):
    auth.login(health_world.email("nurse"))
    response = record(client, auth, health_world, knowledge=3, behaviour=2, status=4, note="rode hielen")
    assert response.status_code == 201
    assert draft_lines(client, health_world) == {"H03": 14}
    profile = client.get(f"/api/v1/clients/{health_world.own.id}/health").get_json()
    assert profile["required"] == [{"service": "H03", "min_per_week": 14, "omaha": ["24"]}]
    assert profile["risks"][0]["ratings"][0] == {"knowledge": 3, "behaviour": 2, "status": 4,
                                                 "rated_on": profile["risks"][0]["ratings"][0]["rated_on"]}
    auth.logout()
    auth.login(health_world.email("carer"))
    page = client.get(f"/clients/{health_world.own.id}/package").get_data(as_text=True)
    assert "vereist: Huid" in page  # shown as required, with the reason


@pytest.mark.parametrize("lines", [{"H03": 13}, {}, {"H03": 0}])
def test_carer_cannot_lower_or_remove_a_required_line(health_world, client, auth, db, lines):
    auth.login(health_world.email("nurse"))
    record(client, auth, health_world)
    auth.logout()
    auth.login(health_world.email("carer"))
    body = {"lines": [{"service": c, "per_week": n} for c, n in lines.items()]}
    response = api(client, auth, "PUT", f"/api/v1/clients/{health_world.own.id}/package/draft", body)
    assert response.status_code == 422 and "H03" in response.get_json()["error"]["fields"]
    # the page refuses the same
    from tests.conftest import csrf_from
    token = csrf_from(client.get(f"/clients/{health_world.own.id}/package").get_data(as_text=True))
    form = {"csrf_token": token, "action": "save", **{f"n_{c}": str(n) for c, n in lines.items()}}
    if not lines:
        form["n_H03"] = ""
    assert client.post(f"/clients/{health_world.own.id}/package", data=form).status_code == 422
    assert draft_lines(client, health_world) == {"H03": 14}


def test_a_nurse_lowers_required_care_only_with_a_reason(health_world, client, auth, db):
    own = health_world.own.id
    auth.login(health_world.email("nurse"))
    record(client, auth, health_world)
    body = {"lines": [{"service": "H03", "per_week": 7}, {"service": "C01", "per_week": 7}]}
    refused = api(client, auth, "PUT", f"/api/v1/clients/{own}/package/draft", body)
    assert refused.status_code == 422 and "H03" in refused.get_json()["error"]["fields"]
    assert "reden" in refused.get_json()["error"]["fields"]["H03"].lower()
    to_zero = api(client, auth, "PUT", f"/api/v1/clients/{own}/package/draft",
                  {"lines": [{"service": "H03", "per_week": 0}], "reason": "niet meer nodig"})
    assert to_zero.status_code == 422 and "H03" in to_zero.get_json()["error"]["fields"]
    assert draft_lines(client, health_world) == {"H03": 14}
    assert db.session.scalar(select(func.count()).select_from(Prescription)) == 0


def test_a_nurse_lowering_is_kept_by_carers_and_accepted_at_sign_off(health_world, client, auth, db):
    own = health_world.own.id
    auth.login(health_world.email("nurse"))
    record(client, auth, health_world)
    lowered = api(client, auth, "PUT", f"/api/v1/clients/{own}/package/draft",
                  {"lines": [{"service": "H03", "per_week": 7}, {"service": "C01", "per_week": 7}],
                   "reason": "mobiel genoeg, 1× per dag"})
    assert lowered.status_code == 200
    prescription = db.session.scalar(select(Prescription))
    assert (prescription.min_per_week, prescription.reason, prescription.prescribed_by_id) == (
        7, "mobiel genoeg, 1× per dag", health_world.users["nurse"].id)
    auth.logout()
    # The carer saves the draft with the nurse's lower amount (before issue 10: refused).
    auth.login(health_world.email("carer"))
    saved = api(client, auth, "PUT", f"/api/v1/clients/{own}/package/draft",
                {"lines": [{"service": "H03", "per_week": 7}, {"service": "C01", "per_week": 7},
                           {"service": "C02", "per_week": 2}]})
    assert saved.status_code == 200, saved.get_json()
    # ... but not lower than her decision.
    lower = api(client, auth, "PUT", f"/api/v1/clients/{own}/package/draft",
                {"lines": [{"service": "H03", "per_week": 6}, {"service": "C01", "per_week": 7}]})
    assert lower.status_code == 422 and "H03" in lower.get_json()["error"]["fields"]
    number = api(client, auth, "POST", f"/api/v1/clients/{own}/package/draft/submit").get_json()["version"]["number"]
    auth.logout()
    auth.login(health_world.email("nurse"))
    preview = client.get(f"/api/v1/clients/{own}/package/versions/{number}/sign-off").get_json()
    assert preview["covers"] == [{"service": "H03", "min_per_week": 7, "rule_min_per_week": 14,
                                  "lowered_by_nurse": True, "omaha": ["24"]}]
    assert preview["gaps"] == [] and preview["signable"] is True
    page = client.get(f"/clients/{own}/package/versions/{number}/sign").get_data(as_text=True)
    assert "verlaagd van 14" in page
    signed = api(client, auth, "POST", f"/api/v1/clients/{own}/package/versions/{number}/sign")
    assert signed.status_code == 200 and signed.get_json()["version"]["status"] == "active"
    row = db.session.scalar(select(AuditEvent).where(AuditEvent.detail.like("%signed off%")))
    assert "lowered by the nurse's decision" in row.detail


def test_a_risk_change_puts_the_resident_on_the_team_worklist(health_world, client, auth):
    own = health_world.own.id
    auth.login(health_world.email("nurse"))
    api(client, auth, "PUT", f"/api/v1/clients/{own}/package/draft", {"lines": [{"service": "C01", "per_week": 7}]})
    api(client, auth, "POST", f"/api/v1/clients/{own}/package/draft/submit")
    assert api(client, auth, "POST", f"/api/v1/clients/{own}/package/versions/1/sign").status_code == 200
    worklist = f"/api/v1/teams/{health_world.team.id}/reviews"
    assert client.get(worklist).get_json()["uncovered"] == []
    record(client, auth, health_world, omaha="42", modifier="actual")
    assert client.get(worklist).get_json()["uncovered"] == [{"client_id": own, "name": health_world.own.name}]
    page = client.get(f"/teams/{health_world.team.id}/reviews").get_data(as_text=True)
    assert health_world.own.name in page


def test_reindication_example_4vv(health_world, client, auth, db):
    health_world.own.care_profile = "4VV"
    # Every health line needs an active risk that requires it: the example's risks, and this
    # organisation's rule that an actual pressure ulcer also needs repositioning (H03).
    h03 = db.session.scalar(select(Service.id).where(Service.organisation_id == health_world.org.id,
                                                     Service.code == "H03"))
    db.session.add(RiskRule(organisation_id=health_world.org.id, omaha="24", modifier="actual", service_id=h03,
                            min_per_week=28))
    record_risks(health_world.own, health_world.users["nurse"],
                 (("42", "actual"), ("24", "actual"), ("30", "actual"), ("38", "actual"), ("25", "actual"),
                  ("28", "actual")))
    own = health_world.own.id
    auth.login(health_world.email("nurse"))
    lines = {"H01": 21, "H02": 7, "H03": 28, "H04": 21, "H05": 7, "H12": 14, "H13": 7, "C09": 3}
    api(client, auth, "PUT", f"/api/v1/clients/{own}/package/draft",
        {"lines": [{"service": c, "per_week": n} for c, n in lines.items()]})
    api(client, auth, "POST", f"/api/v1/clients/{own}/package/draft/submit")
    assert api(client, auth, "POST", f"/api/v1/clients/{own}/package/versions/1/sign").status_code == 200
    meter = client.get(f"/api/v1/clients/{own}/budget").get_json()["active_package"]["meter"]
    assert (meter["health_cents"], meter["org_shortfall_cents"], meter["reindication_needed"]) == (90650, 29150, True)
    rows = client.get("/api/v1/reindications").get_json()["reindications"]
    assert rows == [{"client_id": own, "name": health_world.own.name, "care_profile": "4VV",
                     "weekly_budget_cents": 61500, "weekly_health_cents": 90650, "weekly_shortfall_cents": 29150}]
    csv_body = client.get("/reindications.csv").get_data(as_text=True)
    assert "61500;90650;29150" in csv_body
    export = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export",
                                                         AuditEvent.client_id == own)).all()
    assert len(export) == 1 and export[0].health


@pytest.mark.parametrize("body, field", [
    ({"omaha": "99", "modifier": "actual"}, "omaha"),
    ({"omaha": "24", "modifier": "sometimes"}, "modifier"),
    ({"omaha": "24", "modifier": "actual", "knowledge": 6, "behaviour": 1, "status": 1}, "knowledge"),
    ({"omaha": "24", "modifier": "actual", "knowledge": 0, "behaviour": 1, "status": 1}, "knowledge"),
    ({"omaha": "24", "modifier": "actual", "scope": "village"}, "scope"),
])
def test_bad_health_input_is_refused_and_nothing_saved(health_world, client, auth, db, body, field):
    auth.login(health_world.email("nurse"))
    response = api(client, auth, "POST", f"/api/v1/clients/{health_world.own.id}/health/risks", body)
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"]
    assert db.session.scalar(select(func.count()).select_from(HealthRisk)) == 0
    assert db.session.scalar(select(func.count()).select_from(PackageVersion)) == 0


def test_prescription_differs_from_the_rule_and_may_lower_it(health_world, client, auth, db):
    auth.login(health_world.email("nurse"))
    risk_id = record(client, auth, health_world).get_json()["risk"]["id"]
    path = f"/api/v1/clients/{health_world.own.id}/health/risks/{risk_id}/prescriptions"
    for bad in (14, 0, 100):
        refused = api(client, auth, "POST", path, {"service": "H03", "min_per_week": bad, "reason": "zo"})
        assert refused.status_code == 422 and "min_per_week" in refused.get_json()["error"]["fields"]
    assert api(client, auth, "POST", path, {"service": "H03", "min_per_week": 10, "reason": ""}).status_code == 422
    ok = api(client, auth, "POST", path, {"service": "H03", "min_per_week": 21, "reason": "3× per dag"})
    assert ok.status_code == 201
    assert draft_lines(client, health_world) == {"H03": 21}
    low = api(client, auth, "POST", path, {"service": "H03", "min_per_week": 10, "reason": "minder"})
    assert low.status_code == 201
    profile = client.get(f"/api/v1/clients/{health_world.own.id}/health").get_json()
    assert profile["required"] == [{"service": "H03", "min_per_week": 10, "omaha": ["24"]}]
    rating = api(client, auth, "POST", f"/api/v1/clients/{health_world.own.id}/health/risks/{risk_id}/ratings",
                 {"knowledge": 2, "behaviour": 5, "status": 9})
    assert rating.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(RiskRating)) == 0


@pytest.mark.parametrize("role", ["carer", "team_lead", "admin"])
def test_sign_off_by_a_non_nurse_is_refused(health_world, client, auth, role):
    auth.login(health_world.email("nurse"))
    api(client, auth, "PUT", f"/api/v1/clients/{health_world.own.id}/package/draft",
        {"lines": [{"service": "C01", "per_week": 7}]})
    api(client, auth, "POST", f"/api/v1/clients/{health_world.own.id}/package/draft/submit")
    auth.logout()
    auth.login(health_world.email(role))
    assert api(client, auth, "POST", f"/api/v1/clients/{health_world.own.id}/package/versions/1/sign") \
        .status_code == 403


def test_nurse_cannot_sign_off_or_record_for_someone_elses_resident(health_world, client, auth):
    auth.login(health_world.email("nurse"))
    other, foreign = health_world.other.id, health_world.foreign.id
    assert api(client, auth, "POST", f"/api/v1/clients/{other}/package/versions/1/sign").status_code == 403
    assert api(client, auth, "POST", f"/api/v1/clients/{other}/health/risks",
               {"omaha": "24", "modifier": "actual"}).status_code == 403
    assert api(client, auth, "POST", f"/api/v1/clients/{foreign}/health/risks",
               {"omaha": "24", "modifier": "actual"}).status_code == 404


def _seed_profile(client, auth, world):
    auth.login(world.email("nurse"))
    record(client, auth, world, omaha="24", modifier="potential", note="rode hielen")
    record(client, auth, world, omaha="42", modifier="actual")
    api(client, auth, "POST", f"/api/v1/clients/{world.own.id}/health/observations", {"text": "let op onrust"})
    api(client, auth, "PUT", f"/api/v1/clients/{world.own.id}/package/draft",
        {"lines": [{"service": "H01", "per_week": 21}, {"service": "H03", "per_week": 14},
                   {"service": "C01", "per_week": 7}]})
    api(client, auth, "POST", f"/api/v1/clients/{world.own.id}/package/draft/submit")
    api(client, auth, "POST", f"/api/v1/clients/{world.own.id}/package/versions/3/sign")
    auth.logout()


def _all_pages(world):
    own = world.own.id
    return [f"/clients/{own}", f"/clients/{own}/budget", f"/clients/{own}/package/versions",
            f"/clients/{own}/package/versions/3", f"/clients/{own}/package/compare?a=1&b=3",
            f"/clients/{own}/package", f"/clients/{own}/health", f"/api/v1/clients/{own}",
            f"/api/v1/clients/{own}/budget", f"/api/v1/clients/{own}/package/versions",
            f"/api/v1/clients/{own}/package/draft", f"/api/v1/clients/{own}/health", "/", "/api/v1/clients"]


@pytest.mark.parametrize("who", ["view_only", "board", "freelancer", "client_supporter", "team_lead", "admin"])
def test_no_health_details_without_a_care_relationship(health_world, client, auth, who):
    _seed_profile(client, auth, health_world)
    email = health_world.view_only_family.email if who == "view_only" else health_world.email(who)
    auth.login(email)
    for path in _all_pages(health_world):
        body = client.get(path).get_data(as_text=True)
        for secret in (*PROBLEM_NAMES, "rode hielen", "let op onrust", '"H01"', '"H03"', "n_H03"):
            assert not re.search(rf"\b{re.escape(secret)}\b", body), f"{who} sees {secret!r} on {path}"
    if who == "view_only":
        # but sees that health care is covered and what it costs
        budget = client.get(f"/api/v1/clients/{health_world.own.id}/budget").get_json()
        assert budget["active_package"]["meter"]["health_cents"] == 21 * 410 + 14 * 680
        assert budget["active_package"]["health_lines_hidden"] is True


@pytest.mark.parametrize("who", ["carer", "nurse", "family", "resident"])
def test_the_care_relationship_sees_the_health_profile(health_world, client, auth, who):
    _seed_profile(client, auth, health_world)
    auth.login(health_world.email(who))
    profile = client.get(f"/api/v1/clients/{health_world.own.id}/health").get_json()
    assert {r["name_nl"] for r in profile["risks"]} == {"Huid", "Medicatiegebruik"}


def test_a_team_switch_ends_the_old_teams_access(health_world, client, auth, db):
    _seed_profile(client, auth, health_world)
    health_world.own.team_id = health_world.other_team.id
    db.session.commit()
    auth.login(health_world.email("carer"))
    assert client.get(f"/api/v1/clients/{health_world.own.id}/health").status_code == 403
    assert client.get(f"/clients/{health_world.own.id}/health").status_code == 403


def test_resident_and_representative_see_who_looked(health_world, client, auth):
    _seed_profile(client, auth, health_world)
    auth.login(health_world.email("carer"))
    client.get(f"/clients/{health_world.own.id}/health")
    auth.logout()
    auth.login(health_world.email("family"))
    events = client.get(f"/api/v1/clients/{health_world.own.id}/access-log").get_json()["events"]
    carer = health_world.users["carer"].name
    assert any(e["user"] == carer and e["action"] == "read" for e in events)
    page = client.get(f"/clients/{health_world.own.id}/access-log").get_data(as_text=True)
    assert carer in page and "bekeken" in page
    auth.logout()
    auth.login(health_world.view_only_family.email)
    assert client.get(f"/clients/{health_world.own.id}/access-log").status_code == 403


def _health_codes(db, world):
    return sorted(db.session.scalars(select(Service.code).where(
        Service.organisation_id == world.org.id, Service.category == "health")))


def _generated_reasons_pages(world):
    own = world.own.id
    return [*_all_pages(world), f"/clients/{own}/package/versions/1", f"/clients/{own}/package/versions/2",
            f"/clients/{own}/package/compare?a=1&b=2", f"/api/v1/clients/{own}/package/versions"]


@pytest.mark.parametrize("who", ["view_only", "board", "client_supporter", "team_lead", "admin"])
def test_generated_version_reasons_name_no_health_service_or_problem(health_world, client, auth, db, who):
    _seed_profile(client, auth, health_world)  # the nurse's risks wrote versions 1 and 2 by themselves
    codes = _health_codes(db, health_world)
    email = health_world.view_only_family.email if who == "view_only" else health_world.email(who)
    auth.login(email)
    client.set_cookie("zm_lang", "en")
    for path in _generated_reasons_pages(health_world):
        body = client.get(path).get_data(as_text=True)
        for secret in (*codes, *PROBLEM_NAMES, "omaha"):
            assert not re.search(rf"\b{re.escape(secret)}\b", body), f"{who} sees {secret!r} on {path}"
    reasons = [v["reason"] for v in client.get(f"/api/v1/clients/{health_world.own.id}/package/versions")
               .get_json().get("versions", [])]
    if who in ("view_only", "client_supporter", "team_lead"):  # those who may see the versions at all
        # Written in the nurse's language (Dutch by default), shown as written.
        generated = {"Required care added for a health risk", "Vereiste zorg toegevoegd voor een gezondheidsrisico"}
        assert sum(reason in generated for reason in reasons) == 2


@pytest.mark.parametrize("stored", ["Vereiste zorg toegevoegd: H03", "Required care added: H01, H03"])
def test_versions_written_before_keep_working_without_their_service_codes(health_world, client, auth, db,
                                                                          stored):
    _seed_profile(client, auth, health_world)
    db.session.execute(update(PackageVersion).where(PackageVersion.client_id == health_world.own.id,
                                                    PackageVersion.number == 1).values(reason=stored))
    db.session.commit()
    own = health_world.own.id
    for email in (health_world.view_only_family.email, health_world.email("carer")):
        auth.login(email)
        client.set_cookie("zm_lang", "en")
        page = client.get(f"/clients/{own}/package/versions/1")
        assert page.status_code == 200
        assert stored not in page.get_data(as_text=True)
        assert "Required care added for a health risk" in page.get_data(as_text=True)
        versions = client.get(f"/api/v1/clients/{own}/package/versions").get_json()["versions"]
        assert {v["number"]: v["reason"] for v in versions}[1] == "Required care added for a health risk"
        auth.logout()


def test_a_reason_written_by_a_person_is_shown_as_written(health_world, client, auth):
    auth.login(health_world.email("nurse"))
    api(client, auth, "PUT", f"/api/v1/clients/{health_world.own.id}/package/draft",
        {"lines": [{"service": "C01", "per_week": 7}], "reason": "Required care added: maandag"})
    versions = client.get(f"/api/v1/clients/{health_world.own.id}/package/versions").get_json()["versions"]
    assert versions[0]["reason"] == "Required care added: maandag"
