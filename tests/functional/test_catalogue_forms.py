"""A refused catalogue edit is a form error on the page (422), never a 500."""
from __future__ import annotations

from html import unescape

from sqlalchemy import select

from care.models import Service, StaffLevel
from marketplace.core.extensions import db
from tests.conftest import csrf_from


def _level(world, code: str = "N3") -> StaffLevel:
    return db.session.scalar(select(StaffLevel).where(StaffLevel.organisation_id == world.org.id,
                                                      StaffLevel.code == code))


def test_a_rate_of_zero_is_a_form_error(priced_world, client, auth):
    auth.login(priced_world.email("admin"))
    token = csrf_from(client.get("/admin/catalogue").get_data(as_text=True))
    level = _level(priced_world)
    response = client.post(f"/admin/catalogue/levels/{level.id}",
                           data={"csrf_token": token, "rate": "0", "valid_from": "2027-01-01"})
    assert response.status_code == 422
    assert "De uurkosten moeten hoger zijn dan nul." in unescape(response.get_data(as_text=True))


def test_a_second_rate_on_one_date_is_a_form_error(priced_world, client, auth):
    auth.login(priced_world.email("admin"))
    token = csrf_from(client.get("/admin/catalogue").get_data(as_text=True))
    level = _level(priced_world)
    form = {"csrf_token": token, "rate": "41,00", "valid_from": "2027-01-01"}
    assert client.post(f"/admin/catalogue/levels/{level.id}", data=form).status_code == 302
    again = client.post(f"/admin/catalogue/levels/{level.id}", data=form)
    assert again.status_code == 422
    assert "Op deze datum staat al een wijziging." in unescape(again.get_data(as_text=True))


def test_impossible_minutes_for_a_service_are_a_form_error(priced_world, client, auth):
    auth.login(priced_world.email("admin"))
    service = db.session.scalar(select(Service).where(Service.organisation_id == priced_world.org.id,
                                                      Service.code == "C01"))
    page = client.get(f"/admin/catalogue/services/{service.id}")
    response = client.post(f"/admin/catalogue/services/{service.id}", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "minutes": "30", "level": "N3", "material": "0",
        "valid_from": "2025-01-01", "active": "y"})
    assert response.status_code == 422  # the reference catalogue has a version on this date
    assert "Op deze datum staat al een wijziging." in unescape(response.get_data(as_text=True))
