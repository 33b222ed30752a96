"""Forms keep what people typed: a refused form comes back with every value and the message
next to its field (4xx, never 500, nothing saved); an expired form token on the composer
brings the composer back with the typed package instead of a bare "form expired" page."""
import re

import pytest
from sqlalchemy import func, select

from care.models import HealthRisk, ObservationPoint, PackageVersion, Prescription
from tests.conftest import csrf_from


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def health_page(client, world):
    return client.get(f"/clients/{world.own.id}/health").get_data(as_text=True)


def post_risk(client, world, **data):
    token = csrf_from(health_page(client, world))
    return client.post(f"/clients/{world.own.id}/health/risks", data={"csrf_token": token, **data})


def input_tag(html: str, element_id: str) -> str:
    match = re.search(rf'<(?:input|select|textarea)[^>]*\bid="{re.escape(element_id)}"[^>]*>', html)
    assert match, f"no field #{element_id}"
    return match.group(0)


def test_the_health_risk_form_keeps_every_value_and_marks_the_wrong_one(health_world, client, auth, db):
    auth.login(health_world.email("nurse"))
    response = post_risk(client, health_world, omaha="24", modifier="actual", scope="family",
                         knowledge="7", behaviour="2", status="3", note="Rode hielen, elke dag kijken")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'<option value="24"[^>]*\bselected', html)
    assert re.search(r'name="modifier" value="actual" checked', html)
    assert not re.search(r'name="modifier" value="potential" checked', html)
    assert re.search(r'name="scope" value="family" checked', html)
    assert 'value="7"' in input_tag(html, "new-knowledge")
    assert 'value="2"' in input_tag(html, "new-behaviour")
    assert 'value="3"' in input_tag(html, "new-status")
    assert re.search(r'<textarea[^>]*id="note"[^>]*>Rode hielen, elke dag kijken</textarea>', html)
    # The message sits next to the field, tied to it for a screen reader.
    knowledge = input_tag(html, "new-knowledge")
    assert 'aria-invalid="true"' in knowledge and 'aria-describedby="new-knowledge-error"' in knowledge
    assert re.search(r'<p class="error" id="new-knowledge-error">[^<]*1[^<]*5', html)
    assert 'aria-invalid' not in input_tag(html, "new-behaviour")
    assert count(db, HealthRisk) == 0 and count(db, PackageVersion) == 0


def test_a_fresh_health_page_has_the_defaults_and_no_errors(health_world, client, auth):
    auth.login(health_world.email("nurse"))
    html = health_page(client, health_world)
    assert re.search(r'name="modifier" value="potential" checked', html)
    assert re.search(r'name="scope" value="individual" checked', html)
    assert 'aria-invalid' not in html and 'class="error"' not in html


def test_the_observation_and_prescription_forms_keep_their_values(health_world, client, auth, db):
    auth.login(health_world.email("nurse"))
    assert post_risk(client, health_world, omaha="24", modifier="potential").status_code == 302
    risk_id = db.session.scalar(select(HealthRisk.id))
    token = csrf_from(health_page(client, health_world))

    long_text = "x" * 501
    response = client.post(f"/clients/{health_world.own.id}/health/observations",
                           data={"csrf_token": token, "text": long_text})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'value="{long_text}"' in input_tag(html, "obs-text")
    assert 'aria-invalid="true"' in input_tag(html, "obs-text")
    assert count(db, ObservationPoint) == 0

    response = client.post(f"/clients/{health_world.own.id}/health/risks/{risk_id}/prescription",
                           data={"csrf_token": token, "service": "H03", "min_per_week": "10",
                                 "reason": "minder vaak"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="10"' in input_tag(html, f"min-{risk_id}")
    assert 'value="minder vaak"' in input_tag(html, f"reason-{risk_id}")
    assert 'aria-invalid="true"' in input_tag(html, f"min-{risk_id}")
    assert re.search(r'<details open>\s*<summary>', html), "the form with the error is folded away"
    assert count(db, Prescription) == 0


def composer_url(world) -> str:
    return f"/clients/{world.own.id}/package"


def test_a_wrong_line_keeps_every_typed_line_and_the_reason(priced_world, client, auth, db):
    auth.login(priced_world.email("carer"))
    token = csrf_from(client.get(composer_url(priced_world)).get_data(as_text=True))
    response = client.post(composer_url(priced_world), data={
        "csrf_token": token, "action": "save", "n_C01": "7", "n_C02": "150", "n_C07": "9",
        "use_savings": "y", "reason": "Meer dagstructuur"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="7"' in input_tag(html, "n_C01") and 'value="9"' in input_tag(html, "n_C07")
    assert 'value="150"' in input_tag(html, "n_C02")
    assert 'aria-describedby="n_C02-error"' in input_tag(html, "n_C02")
    assert re.search(r'<p class="error line-error" id="n_C02-error" data-line-error\s*>[^<]*99', html)
    assert 'value="Meer dagstructuur"' in input_tag(html, "reason")
    assert "checked" in input_tag(html, "use_savings")
    assert count(db, PackageVersion) == 0


def test_a_too_long_reason_is_marked_and_the_lines_are_kept(priced_world, client, auth, db):
    auth.login(priced_world.email("carer"))
    token = csrf_from(client.get(composer_url(priced_world)).get_data(as_text=True))
    response = client.post(composer_url(priced_world), data={
        "csrf_token": token, "action": "save", "n_C07": "9", "reason": "r" * 501})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="expired"' not in html
    assert 'value="9"' in input_tag(html, "n_C07")
    assert 'aria-invalid="true"' in input_tag(html, "reason") and 'id="reason-error"' in html
    assert count(db, PackageVersion) == 0


@pytest.mark.parametrize("token", ["", "an-expired-token"])
def test_an_expired_form_token_brings_the_composer_back_with_what_was_typed(
        priced_world, client, auth, db, token):
    auth.login(priced_world.email("carer"))
    response = client.post(composer_url(priced_world), data={
        "csrf_token": token, "action": "save", "n_C01": "7", "n_C07": "12", "reason": "Uitje"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Persoonlijk pakket" in html and 'id="expired"' in html
    assert "Alles wat u typte staat er nog" in html
    assert 'value="12"' in input_tag(html, "n_C07") and 'value="Uitje"' in input_tag(html, "reason")
    assert "data-unsaved" in html  # the page script keeps it in the browser until it is saved
    # The meter shows the typed package, not the saved one: 7 × C01 + 12 × C07.
    assert "meter-green" in html
    assert count(db, PackageVersion) == 0

    # Saving again with the page's fresh token works.
    again = client.post(composer_url(priced_world), data={
        "csrf_token": csrf_from(html), "action": "save", "n_C01": "7", "n_C07": "12", "reason": "Uitje"})
    assert again.status_code == 302 and count(db, PackageVersion) == 1


def test_an_expired_session_on_the_composer_goes_to_the_login_and_back(priced_world, client, db):
    response = client.post(composer_url(priced_world), data={"csrf_token": "x", "action": "save", "n_C01": "7"})
    assert response.status_code == 302
    assert re.search(r"/login\?next=(%2F|/)clients(%2F|/)\d+(%2F|/)package", response.headers["Location"])
    assert count(db, PackageVersion) == 0


def test_other_forms_with_an_expired_token_answer_400_with_a_message(health_world, client, auth, db):
    auth.login(health_world.email("nurse"))
    response = client.post(f"/clients/{health_world.own.id}/health/risks",
                           data={"csrf_token": "expired", "omaha": "24", "modifier": "actual"})
    assert response.status_code == 400
    assert "verlopen" in response.get_data(as_text=True)
    assert count(db, HealthRisk) == 0


def test_the_form_expired_page_leads_back_to_the_form_on_this_site_only(health_world, client, auth):
    auth.login(health_world.email("nurse"))
    path = f"/clients/{health_world.own.id}/health/observations"
    here = f"/clients/{health_world.own.id}/health"
    response = client.post(path, data={"csrf_token": "expired", "text": "x"},
                           headers={"Referer": f"http://localhost{here}?q=huid"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'href="{here}?q=huid"' in html and "data-form-expired" in html
    elsewhere = client.post(path, data={"csrf_token": "expired", "text": "x"},
                            headers={"Referer": "https://evil.example/phish"})
    assert elsewhere.status_code == 400 and "data-form-expired" not in elsewhere.get_data(as_text=True)
    api = client.post("/api/v1/meter", json={}, headers={"Referer": f"http://localhost{here}"})
    assert api.status_code == 400 and api.get_json()["error"]["code"] == "csrf"
