"""Hand-offs between people (issue 10, items 2-4): proposals reach the team, which takes them over
or declines them; the nurse's sign-off shows its weekly effect and tells the family; health care
needs a documented basis, and a nurse's lowering of required care is kept as her decision."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from care.models import PackageLine, PackageVersion, Service
from marketplace.accounts.notifications import Notification
from marketplace.core.extensions import db
from tests.conftest import csrf_from
from tests.factories import add_contact, make_client, make_user
from tests.health_basis import record_risks
from tests.integration.test_settlement import seed_savings
from marketplace.core.roles import Role

# The worked example's red package: C = 67460, with H = 22890 the load is 102.0 %, co-pay 1790.
RED_CORE = {"C01": 7, "C02": 2, "C03": 7, "C04": 7, "C07": 10, "C08": 5}
GREEN_CORE = {"C01": 7, "C02": 2, "C03": 7, "C07": 8, "C08": 3}
HEALTH = {"H01": 21, "H04": 14, "H10": 14}
HEALTH_WORDS = ("H01", "H04", "H10", "H03", "Medicatie", "Medication", "Urine", "Huid", "Skin", "Cognitie")


def api(client, auth, method, path, body=None):
    return client.open(path, method=method, json=body, headers={"X-CSRFToken": auth.csrf})


def lines(mapping):
    return [{"service": code, "per_week": n} for code, n in mapping.items()]


def versions_count() -> int:
    return db.session.scalar(select(func.count()).select_from(PackageVersion))


def notes(user, kind=None) -> list[Notification]:
    db.session.expire_all()
    query = select(Notification).where(Notification.user_id == user.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query.order_by(Notification.id)))


def active_package(client, auth, world, core=GREEN_CORE):
    """The nurse signs the worked example's package (risks recorded) and logs out; its number."""
    record_risks(world.own, world.users["nurse"])
    auth.login(world.email("nurse"))
    own = world.own.id
    assert api(client, auth, "PUT", f"/api/v1/clients/{own}/package/draft",
               {"lines": lines({**HEALTH, **core})}).status_code == 200
    number = api(client, auth, "POST", f"/api/v1/clients/{own}/package/draft/submit").get_json()["version"]["number"]
    assert api(client, auth, "POST", f"/api/v1/clients/{own}/package/versions/{number}/sign").status_code == 200
    auth.logout()
    return number


def propose(client, auth, world, core, email=None, reason="graag vaker douchen"):
    """Family with *decide* sees the health lines and sends them as they are."""
    auth.login(email or world.email("family"))
    response = api(client, auth, "PUT", f"/api/v1/clients/{world.own.id}/package/draft",
                   {"lines": lines({**HEALTH, **core}), "reason": reason})
    auth.logout()
    return response


# -- 2. proposals reach the team ---------------------------------------------------------------

def test_a_familys_proposal_stays_visible_to_them_and_reaches_the_teams_carers(health_world, client, auth, db):
    active_package(client, auth, health_world)
    response = propose(client, auth, health_world, RED_CORE)
    assert response.status_code == 200
    proposal = response.get_json()["draft"]
    assert (proposal["status"], proposal["proposed"]) == ("proposal", True)
    # The carer of the team is told, with a link to open it; the nurse, the freelancer and the
    # other team are not (the issue: "the team's carers").
    [note] = notes(health_world.users["carer"], "proposal_sent")
    assert note.link == f"/clients/{health_world.own.id}/package?proposal={proposal['number']}"
    assert health_world.users["family"].name in note.text and health_world.own.name in note.text
    assert notes(health_world.users["freelancer"]) == [] and notes(health_world.users["nurse"], "proposal_sent") == []
    # The family sees it waiting, with its meter (red, 102,0 %, a co-payment of € 17,90).
    auth.login(health_world.email("family"))
    budget = client.get(f"/clients/{health_world.own.id}/budget").get_data(as_text=True)
    assert "Voorstel verstuurd, wacht op het team" in budget
    assert "102,0" in budget and "bijbetaling € 17,90 per week" in budget
    composer = client.get(f"/clients/{health_world.own.id}/package").get_data(as_text=True)
    assert "Voorstel verstuurd, wacht op het team" in composer
    assert 'value="10"' in composer  # the proposal's C07×10 is what the family sees, not the active 8
    auth.logout()
    # ... and the carer on the team's worklist (page and API).
    auth.login(health_world.email("carer"))
    worklist = client.get(f"/teams/{health_world.team.id}/reviews").get_data(as_text=True)
    assert f"?proposal={proposal['number']}" in worklist and "Voorstellen die op het team wachten" in worklist
    rows = client.get(f"/api/v1/teams/{health_world.team.id}/reviews").get_json()["proposals"]
    assert [(r["client_id"], r["number"], r["proposed_by"]) for r in rows] == [
        (health_world.own.id, proposal["number"], health_world.users["family"].name)]


def test_a_proposal_without_the_right_to_decide_is_refused_clearly(health_world, client, auth, db):
    active_package(client, auth, health_world)
    before = versions_count()
    auth.login(health_world.view_only_family.email)
    refused = api(client, auth, "PUT", f"/api/v1/clients/{health_world.own.id}/package/draft",
                  {"lines": lines(RED_CORE)})
    assert refused.status_code == 403
    assert "mag beslissen" in refused.get_json()["error"]["message"]
    page = client.get(f"/clients/{health_world.own.id}/package")
    assert page.status_code == 403 and "mag beslissen" in page.get_data(as_text=True)
    assert versions_count() == before
    assert notes(health_world.users["carer"]) == []


def test_the_carer_opens_the_proposal_and_takes_it_over_into_the_draft(health_world, client, auth, db):
    active_package(client, auth, health_world)
    number = propose(client, auth, health_world, RED_CORE).get_json()["draft"]["number"]
    auth.login(health_world.email("carer"))
    own = health_world.own.id
    opened = client.get(f"/clients/{own}/package?proposal={number}").get_data(as_text=True)
    assert f"Voorstel {number} van {health_world.users['family'].name}" in opened
    assert 'name="proposal" value="%d"' % number in opened
    # The carer adjusts C08 in the composer and saves: that is the take-over.
    form = {"csrf_token": csrf_from(opened), "action": "save", "proposal": str(number),
            **{f"n_{c}": str(n) for c, n in {**HEALTH, **RED_CORE, "C08": 4}.items()}}
    saved = client.post(f"/clients/{own}/package", data=form)
    assert saved.status_code == 302
    db.session.expire_all()
    proposal = db.session.scalar(select(PackageVersion).where(PackageVersion.number == number))
    draft = db.session.scalar(select(PackageVersion).where(PackageVersion.status == "draft"))
    assert (proposal.status, proposal.decided_by_id) == ("taken_over", health_world.users["carer"].id)
    assert {line.service.code: line.per_week for line in draft.lines} == {**HEALTH, **RED_CORE, "C08": 4}
    [told] = notes(health_world.users["family"], "proposal_taken_over")
    assert health_world.users["carer"].name in told.text
    auth.logout()
    auth.login(health_world.email("family"))
    budget = client.get(f"/clients/{own}/budget").get_data(as_text=True)
    assert f"Overgenomen door {health_world.users['carer'].name}" in budget


def test_a_second_take_over_is_a_clear_409_and_changes_nothing(health_world, client, auth, db):
    active_package(client, auth, health_world)
    number = propose(client, auth, health_world, RED_CORE).get_json()["draft"]["number"]
    auth.login(health_world.email("carer"))
    path = f"/api/v1/clients/{health_world.own.id}/package/proposals/{number}/take-over"
    first = api(client, auth, "POST", path)
    assert first.status_code == 200 and first.get_json()["draft"]["status"] == "draft"
    assert {line["service"]: line["per_week"] for line in first.get_json()["draft"]["lines"]} == {**HEALTH, **RED_CORE}
    count = versions_count()
    again = api(client, auth, "POST", path)
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "proposal_handled"
    assert "al overgenomen door" in again.get_json()["error"]["message"]
    declined = api(client, auth, "POST", f"/api/v1/clients/{health_world.own.id}/package/proposals/{number}/decline",
                   {"reason": "toch niet"})
    assert declined.status_code == 409
    # the page says the same, and nothing changed
    page = client.get(f"/clients/{health_world.own.id}/package?proposal={number}")
    token = csrf_from(page.get_data(as_text=True))
    on_page = client.post(f"/clients/{health_world.own.id}/package/proposals/{number}/take-over",
                          data={"csrf_token": token})
    assert on_page.status_code == 409 and "al overgenomen door" in on_page.get_data(as_text=True)
    # A colleague who had the proposal open in the composer and saves it now: the same answer,
    # not a draft that silently replaces the one taken over.
    saved = client.post(f"/clients/{health_world.own.id}/package",
                        data={"csrf_token": token, "action": "save", "proposal": str(number),
                              **{f"n_{c}": str(n) for c, n in {**HEALTH, **RED_CORE, "C08": 1}.items()}})
    assert saved.status_code == 409 and "al overgenomen door" in saved.get_data(as_text=True)
    assert versions_count() == count
    assert len(notes(health_world.users["family"], "proposal_taken_over")) == 1


def test_declining_needs_a_reason_the_family_sees(health_world, client, auth, db):
    active_package(client, auth, health_world)
    number = propose(client, auth, health_world, RED_CORE).get_json()["draft"]["number"]
    auth.login(health_world.email("carer"))
    path = f"/api/v1/clients/{health_world.own.id}/package/proposals/{number}/decline"
    for bad in ({"reason": ""}, {"reason": "   "}, {"reason": "x" * 501}, {}, {"reason": 7}):
        response = api(client, auth, "POST", path, bad)
        assert response.status_code == 422, bad
    page = client.get(f"/clients/{health_world.own.id}/package?proposal={number}").get_data(as_text=True)
    no_reason = client.post(f"/clients/{health_world.own.id}/package/proposals/{number}/decline",
                            data={"csrf_token": csrf_from(page), "reason": ""})
    assert no_reason.status_code == 422 and "Dit voorstel afwijzen" in no_reason.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(PackageVersion.status).where(PackageVersion.number == number)) == "proposal"
    declined = api(client, auth, "POST", path, {"reason": "Past niet in het dagritme van moeder"})
    assert declined.status_code == 200 and declined.get_json()["proposal"]["status"] == "declined"
    assert declined.get_json()["proposal"]["decline_reason"] == "Past niet in het dagritme van moeder"
    [told] = notes(health_world.users["family"], "proposal_declined")
    assert "dagritme" not in told.text  # the reason stays on the page, out of e-mail
    auth.logout()
    auth.login(health_world.email("family"))
    budget = client.get(f"/clients/{health_world.own.id}/budget").get_data(as_text=True)
    assert f"Afgewezen door {health_world.users['carer'].name}" in budget
    assert "Past niet in het dagritme van moeder" in budget
    version_page = client.get(f"/clients/{health_world.own.id}/package/versions/{number}").get_data(as_text=True)
    assert "afgewezen door het team" in version_page and "Past niet in het dagritme van moeder" in version_page
    listed = client.get(f"/api/v1/clients/{health_world.own.id}/package/proposals").get_json()["proposals"]
    assert [(p["number"], p["status"]) for p in listed] == [(number, "declined")]
    # A new proposal later leaves the declined one in the history.
    auth.logout()
    newer = propose(client, auth, health_world, {**RED_CORE, "C07": 9}).get_json()["draft"]["number"]
    auth.login(health_world.email("family"))
    listed = client.get(f"/api/v1/clients/{health_world.own.id}/package/proposals").get_json()["proposals"]
    assert [(p["number"], p["status"]) for p in listed] == [(newer, "proposal"), (number, "declined")]


@pytest.mark.parametrize("role", ["family", "nurse_other_team", "client_supporter"])
def test_only_the_residents_team_answers_a_proposal(health_world, client, auth, db, role):
    active_package(client, auth, health_world)
    number = propose(client, auth, health_world, RED_CORE).get_json()["draft"]["number"]
    if role == "nurse_other_team":
        email = make_user(health_world.org, Role.NURSE, email="elders@a.test").email
        db.session.commit()
    else:
        email = health_world.email(role)
    auth.login(email)
    base = f"/api/v1/clients/{health_world.own.id}/package/proposals/{number}"
    assert api(client, auth, "POST", f"{base}/take-over").status_code == 403
    assert api(client, auth, "POST", f"{base}/decline", {"reason": "nee"}).status_code == 403
    db.session.expire_all()
    assert db.session.scalar(select(PackageVersion.status).where(PackageVersion.number == number)) == "proposal"


def test_a_version_that_was_no_proposal_cannot_be_taken_over(health_world, client, auth, db):
    signed = active_package(client, auth, health_world)
    auth.login(health_world.email("carer"))
    path = f"/api/v1/clients/{health_world.own.id}/package/proposals/{signed}/take-over"
    assert api(client, auth, "POST", path).status_code == 404
    assert api(client, auth, "POST", f"/api/v1/clients/{health_world.own.id}/package/proposals/99/decline",
               {"reason": "nee"}).status_code == 404


# -- 3. the sign-off with its consequences -------------------------------------------------------

def _submit(client, auth, world, core):
    auth.login(world.email("carer"))
    own = world.own.id
    assert api(client, auth, "PUT", f"/api/v1/clients/{own}/package/draft",
               {"lines": lines({**HEALTH, **core})}).status_code == 200
    number = api(client, auth, "POST", f"/api/v1/clients/{own}/package/draft/submit").get_json()["version"]["number"]
    auth.logout()
    return number


def test_the_sign_off_page_shows_before_and_after_and_the_risks_covered(health_world, client, auth, db):
    active = active_package(client, auth, health_world)
    number = _submit(client, auth, health_world, RED_CORE)
    auth.login(health_world.email("nurse"))
    own = health_world.own.id
    preview = client.get(f"/api/v1/clients/{own}/package/versions/{number}/sign-off").get_json()
    assert preview["active_number"] == active and preview["signable"] is True
    assert (preview["before"]["copay_cents"], preview["after"]["copay_cents"]) == (0, 1790)
    assert (preview["before"]["load_pct"], preview["after"]["load_pct"]) == (83.9, 102.0)
    assert (preview["before"]["to_savings_cents"], preview["after"]["to_savings_cents"]) == (14290, 0)
    assert {c["service"] for c in preview["covers"]} == set(HEALTH)
    page = client.get(f"/clients/{own}/package/versions/{number}/sign").get_data(as_text=True)
    assert "Wat er per week verandert" in page and "83,9" in page and "102,0" in page and "€ 17,90" in page
    assert "Medicatiegebruik" in page  # the risks it covers, named for the nurse
    effect = page.split('data-row="copay_cents"')[1].split("</tr>")[0]
    assert re.search(r"€\s0,00.*€\s17,90", effect, re.S)
    assert 'class="card sign-off"' in page


def test_signing_tells_family_with_decide_or_pay_the_weekly_effect_without_health_detail(
        health_world, client, auth, db):
    payer = make_user(health_world.org, Role.FAMILY, email="betaler@a.test")
    add_contact(health_world.own, payer, view=True, pay=True)
    db.session.commit()
    seed_savings(health_world, health_world.own, 5000)
    active_package(client, auth, health_world)
    number = _submit(client, auth, health_world, RED_CORE)
    auth.login(health_world.email("nurse"))
    signed = client.post(f"/clients/{health_world.own.id}/package/versions/{number}/sign",
                         data={"csrf_token": csrf_from(client.get(
                             f"/clients/{health_world.own.id}/package/versions/{number}/sign").get_data(as_text=True))})
    assert signed.status_code == 302
    [decider_note] = notes(health_world.users["family"], "package_signed_copay")
    first, payer_note = notes(payer, "package_signed")  # the first package, then this one
    assert "€ 0,00 → € 0,00" in first.text
    assert "€ 0,00 → € 17,90" in decider_note.text and "€ 0,00 → € 17,90" in payer_note.text
    assert "spaartegoed (€ 50,00)" in decider_note.text.lower() and "spaartegoed" not in payer_note.text.lower()
    assert decider_note.link.endswith(f"/clients/{health_world.own.id}/budget#savings-offer-title")
    assert notes(health_world.view_only_family) == []
    for note in (decider_note, payer_note):
        assert not any(word in note.text for word in HEALTH_WORDS)
    # The family sees the new co-payment, and the one who decides the offer to use savings.
    auth.logout()
    auth.login(health_world.email("family"))
    budget = client.get(f"/clients/{health_world.own.id}/budget").get_data(as_text=True)
    assert "€ 17,90" in budget and "Eerst het spaartegoed gebruiken" in budget
    auth.logout()
    auth.login(payer.email)
    assert "Eerst het spaartegoed gebruiken" not in client.get(f"/clients/{health_world.own.id}/budget") \
        .get_data(as_text=True)


def test_no_savings_no_offer(health_world, client, auth, db):
    active_package(client, auth, health_world)
    number = _submit(client, auth, health_world, RED_CORE)
    auth.login(health_world.email("nurse"))
    assert api(client, auth, "POST", f"/api/v1/clients/{health_world.own.id}/package/versions/{number}/sign") \
        .status_code == 200
    auth.logout()
    [_, signed] = notes(health_world.users["family"], "package_signed")
    assert "€ 0,00 → € 17,90" in signed.text and "spaartegoed" not in signed.text.lower()
    auth.login(health_world.email("family"))
    budget = client.get(f"/clients/{health_world.own.id}/budget").get_data(as_text=True)
    assert "€ 17,90" in budget and "Eerst het spaartegoed gebruiken" not in budget


def test_the_contact_who_decides_switches_savings_on(health_world, client, auth, db):
    seed_savings(health_world, health_world.own, 5000)
    active_package(client, auth, health_world, core=RED_CORE)
    own = health_world.own.id
    auth.login(health_world.view_only_family.email)
    assert api(client, auth, "PUT", f"/api/v1/clients/{own}/package/use-savings",
               {"use_savings": True}).status_code == 403
    auth.logout()
    auth.login(health_world.email("family"))
    assert api(client, auth, "PUT", f"/api/v1/clients/{own}/package/use-savings",
               {"use_savings": "ja"}).status_code == 422
    page = client.get(f"/clients/{own}/budget").get_data(as_text=True)
    switched = client.post(f"/clients/{own}/package/use-savings",
                           data={"csrf_token": csrf_from(page), "use_savings": "on"})
    assert switched.status_code == 302
    db.session.expire_all()
    active = db.session.scalar(select(PackageVersion).where(PackageVersion.status == "active"))
    assert active.use_savings is True and active.created_by_id == health_world.users["family"].id
    assert active.signed_by_id == health_world.users["nurse"].id  # the lines the nurse signed
    assert db.session.scalar(select(func.count()).select_from(PackageVersion)
                             .where(PackageVersion.status == "superseded")) == 1
    budget = client.get(f"/clients/{own}/budget").get_data(as_text=True)
    assert "Eerst het spaartegoed gebruiken" not in budget
    meter = client.get(f"/api/v1/clients/{own}/budget").get_json()["active_package"]["meter"]
    assert (meter["copay_cents"], meter["from_savings_cents"]) == (0, 1790)


def test_a_risk_recorded_after_submission_replaces_the_stale_version_and_leads_the_nurse(
        health_world, client, auth, db):
    active_package(client, auth, health_world)
    stale = _submit(client, auth, health_world, RED_CORE)
    auth.login(health_world.email("nurse"))
    own = health_world.own.id
    assert api(client, auth, "POST", f"/api/v1/clients/{own}/health/risks",
               {"omaha": "24", "modifier": "potential"}).status_code == 201
    db.session.expire_all()
    assert db.session.scalar(select(PackageVersion.status).where(PackageVersion.number == stale)) == "replaced"
    current = db.session.scalar(select(PackageVersion).where(PackageVersion.status == "submitted"))
    assert current.number > stale
    assert {line.service.code: line.per_week for line in current.lines} == {**HEALTH, **RED_CORE, "H03": 14}
    # No refused sign-off trap: the stale number leads to the covering version.
    refused = api(client, auth, "POST", f"/api/v1/clients/{own}/package/versions/{stale}/sign")
    assert refused.status_code == 409 and refused.get_json()["error"]["fields"]["current"] == str(current.number)
    assert "gezondheidsrisico's veranderden" in refused.get_json()["error"]["message"]
    preview = client.get(f"/api/v1/clients/{own}/package/versions/{stale}/sign-off").get_json()
    assert (preview["current_number"], preview["replaced_for_risks"], preview["signable"]) == (
        current.number, True, False)
    page = client.get(f"/clients/{own}/package/versions/{stale}/sign").get_data(as_text=True)
    assert f"/clients/{own}/package/versions/{current.number}/sign" in page
    token = csrf_from(page)
    led = client.post(f"/clients/{own}/package/versions/{stale}/sign", data={"csrf_token": token})
    assert led.status_code == 302 and led.headers["Location"].endswith(f"/package/versions/{current.number}/sign")
    assert api(client, auth, "POST", f"/api/v1/clients/{own}/package/versions/{current.number}/sign").status_code == 200


def test_a_version_the_team_submitted_again_leads_to_the_newer_one(health_world, client, auth, db):
    active_package(client, auth, health_world)
    older = _submit(client, auth, health_world, RED_CORE)
    newer = _submit(client, auth, health_world, {**RED_CORE, "C08": 4})
    auth.login(health_world.email("nurse"))
    refused = api(client, auth, "POST", f"/api/v1/clients/{health_world.own.id}/package/versions/{older}/sign")
    assert refused.status_code == 409 and refused.get_json()["error"]["fields"]["current"] == str(newer)
    assert "nu op goedkeuring wacht" in refused.get_json()["error"]["message"]
    preview = client.get(f"/api/v1/clients/{health_world.own.id}/package/versions/{older}/sign-off").get_json()
    assert (preview["current_number"], preview["replaced_for_risks"]) == (newer, False)


def test_the_nurse_adds_missing_care_to_a_submitted_version_from_the_sign_off_page(health_world, client, auth, db):
    active_package(client, auth, health_world)
    number = _submit(client, auth, health_world, RED_CORE)
    # A rule that changed after submission (the administrator raised H01 to 28 a week).
    from care.models import RiskRule
    rule = db.session.scalar(select(RiskRule).join(Service, Service.id == RiskRule.service_id).where(
        RiskRule.organisation_id == health_world.org.id, RiskRule.omaha == "42", RiskRule.modifier == "actual"))
    rule.min_per_week = 28
    db.session.commit()
    auth.login(health_world.email("nurse"))
    own = health_world.own.id
    page = client.get(f"/clients/{own}/package/versions/{number}/sign").get_data(as_text=True)
    assert "H01: 21 van minimaal 28 per week" in page and 'class="card sign-off"' not in page
    covered = client.post(f"/clients/{own}/package/cover-risks", data={"csrf_token": csrf_from(page)})
    assert covered.status_code == 302
    db.session.expire_all()
    current = db.session.scalar(select(PackageVersion).where(PackageVersion.status == "submitted"))
    assert covered.headers["Location"].endswith(f"/package/versions/{current.number}/sign")
    assert {line.service.code: line.per_week for line in current.lines}["H01"] == 28
    again = client.post(f"/clients/{own}/package/cover-risks", data={"csrf_token": csrf_from(page)})
    assert again.status_code == 302 and again.headers["Location"].endswith("/package/versions")
    assert versions_count() == current.number


# -- 4. health care needs a documented basis -----------------------------------------------------

def test_a_health_line_without_a_risk_cannot_be_signed_off_until_the_risk_is_recorded(
        health_world, client, auth, db):
    nurse = health_world.users["nurse"]
    auth.login(nurse.email)
    own = health_world.own.id
    assert api(client, auth, "PUT", f"/api/v1/clients/{own}/package/draft",
               {"lines": lines({"H05": 7, "C01": 7})}).status_code == 200
    number = api(client, auth, "POST", f"/api/v1/clients/{own}/package/draft/submit").get_json()["version"]["number"]
    refused = api(client, auth, "POST", f"/api/v1/clients/{own}/package/versions/{number}/sign")
    assert refused.status_code == 422
    assert refused.get_json()["error"]["code"] == "health_line_without_risk"
    assert "H05" in refused.get_json()["error"]["fields"]
    page = client.get(f"/clients/{own}/package/versions/{number}/sign").get_data(as_text=True)
    assert "geen actief risico van de bewoner vereist die" in page and "Het risico vastleggen" in page
    on_page = client.post(f"/clients/{own}/package/versions/{number}/sign", data={"csrf_token": csrf_from(page)})
    assert on_page.status_code == 422 and "Leg het risico vast" in on_page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(PackageVersion.status).where(PackageVersion.number == number)) == "submitted"
    # The nurse records the risk (38 actual requires H05 7 a week): now the line has its basis.
    assert api(client, auth, "POST", f"/api/v1/clients/{own}/health/risks",
               {"omaha": "38", "modifier": "actual"}).status_code == 201
    assert api(client, auth, "POST", f"/api/v1/clients/{own}/package/versions/{number}/sign").status_code == 200


# -- the worklist keeps a constant query count ---------------------------------------------------

def _proposals(world, n):
    family = world.users["family"]
    c01 = db.session.scalar(select(Service.id).where(Service.organisation_id == world.org.id, Service.code == "C01"))
    for _ in range(n):
        resident = make_client(world.org, world.team.locations[0], world.team)
        add_contact(resident, make_user(world.org, Role.FAMILY), decide=True)
        db.session.add(PackageVersion(client_id=resident.id, number=1, status="proposal", proposed=True,
                                      created_by_id=family.id, lines=[PackageLine(service_id=c01, per_week=7)]))
    db.session.commit()


@pytest.mark.parametrize("path", ["/teams/{team}/reviews", "/api/v1/teams/{team}/reviews"])
def test_the_proposal_worklist_keeps_a_constant_query_count(health_world, client, auth, count_queries, path):
    url = path.format(team=health_world.team.id)
    auth.login(health_world.email("carer"))
    _proposals(health_world, 1)
    client.get(url)
    with count_queries() as small:
        assert client.get(url).status_code == 200
    _proposals(health_world, 8)
    with count_queries() as large:
        response = client.get(url)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and (body.count("proposal=1") or body.count('"number":1')) >= 9
    assert large.count == small.count
