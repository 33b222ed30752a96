"""Attack on issue 10 (notifications, hand-offs, administrators' pages): odd spellings, numbers no
column holds, other people's objects. Each answer is a clear 4xx and nothing changes; never a 500."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from care.models import PackageVersion
from marketplace.accounts.models import User
from marketplace.accounts.notifications import notify
from marketplace.core.extensions import db
from marketplace.core.outbox import OutboxMail
from tests.health_basis import record_risks

HUGE = "9" * 25  # more than any integer column holds (SQLite refuses to even bind it)


def api(client, auth, method, path, body=None):
    return client.open(path, method=method, json=body, headers={"X-CSRFToken": auth.csrf})


def versions_count() -> int:
    return db.session.scalar(select(func.count()).select_from(PackageVersion))


@pytest.mark.parametrize("method,path", [
    ("GET", "/clients/{c}/package/versions/{n}"),
    ("GET", "/clients/{c}/package/versions/{n}/sign"),
    ("POST", "/clients/{c}/package/versions/{n}/sign"),
    ("POST", "/clients/{c}/package/proposals/{n}/take-over"),
    ("POST", "/clients/{c}/package/proposals/{n}/decline"),
    ("GET", "/api/v1/clients/{c}/package/versions/{n}/sign-off"),
    ("POST", "/api/v1/clients/{c}/package/versions/{n}/sign"),
    ("POST", "/api/v1/clients/{c}/package/proposals/{n}/take-over"),
    ("POST", "/api/v1/clients/{c}/package/proposals/{n}/decline"),
])
def test_a_version_number_no_column_holds_is_not_found(health_world, client, auth, db, method, path):
    auth.login(health_world.email("nurse"))
    before = versions_count()
    url = path.format(c=health_world.own.id, n=HUGE)
    if url.startswith("/api/"):
        response = api(client, auth, method, url, {"reason": "nee"} if "decline" in url else None)
    else:
        response = client.open(url, method=method, data={"csrf_token": auth.csrf, "reason": "nee"})
    assert response.status_code == 404, (url, response.status_code)
    assert versions_count() == before


def _queue_mail_for(user) -> None:
    user.email_notifications = True
    notify([user], "proposal_sent", link="/", params={"author": "A", "client": "B"})
    db.session.commit()


def _unsent_to(address: str) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(OutboxMail).where(
        OutboxMail.to == address, OutboxMail.sent_at.is_(None)))


def test_a_deactivated_user_gets_no_mail_queued_before_and_a_new_address_gets_the_rest(world, client, auth, db):
    carer, nurse = world.users["carer"], world.users["nurse"]
    old_nurse_address = nurse.email
    _queue_mail_for(carer)
    _queue_mail_for(nurse)
    assert _unsent_to(carer.email) == 1 and _unsent_to(old_nurse_address) == 1
    auth.login(world.email("admin"))
    response = client.post(f"/admin/users/{carer.id}", data={
        "csrf_token": auth.csrf, "name": carer.name, "email": carer.email, "roles": ["carer"]})
    assert response.status_code == 302, response.status_code
    assert _unsent_to(carer.email) == 0  # the account may not log in: its mail is not sent either
    response = client.post(f"/admin/users/{nurse.id}", data={
        "csrf_token": auth.csrf, "name": nurse.name, "email": "nieuw-adres@a.test", "roles": ["nurse"],
        "active": "y"})
    assert response.status_code == 302, response.status_code
    assert _unsent_to(old_nurse_address) == 0 and _unsent_to("nieuw-adres@a.test") == 1


def _signed_package(world, client, auth) -> int:
    """The nurse signs the worked example's package through the API; its number."""
    record_risks(world.own, world.users["nurse"])
    auth.login(world.email("nurse"))
    own = world.own.id
    body = {"lines": [{"service": c, "per_week": n} for c, n in
                      {"H01": 21, "H04": 14, "H10": 14, "C01": 7, "C02": 2, "C03": 7, "C07": 8, "C08": 3}.items()]}
    assert api(client, auth, "PUT", f"/api/v1/clients/{own}/package/draft", body).status_code == 200
    number = api(client, auth, "POST", f"/api/v1/clients/{own}/package/draft/submit").get_json()["version"]["number"]
    assert api(client, auth, "POST", f"/api/v1/clients/{own}/package/versions/{number}/sign").status_code == 200
    auth.logout()
    return number


def test_a_view_only_family_contact_neither_uses_savings_nor_reads_the_sign_off(health_world, client, auth, db):
    number = _signed_package(health_world, client, auth)
    before = versions_count()
    auth.login("viewonly@a.test")
    own = health_world.own.id
    answers = [
        client.post(f"/clients/{own}/package/use-savings", data={"csrf_token": auth.csrf, "use_savings": "on"}),
        api(client, auth, "PUT", f"/api/v1/clients/{own}/package/use-savings", {"use_savings": True}),
        client.get(f"/clients/{own}/package/versions/{number}/sign"),
        api(client, auth, "GET", f"/api/v1/clients/{own}/package/versions/{number}/sign-off"),
    ]
    assert [a.status_code for a in answers] == [403] * 4
    for answer in answers:
        assert not any(word in answer.get_data(as_text=True) for word in ("H01", "H04", "Medicatie", "Medication"))
    assert versions_count() == before


@pytest.mark.parametrize("address", ["admin@b.test", " ADMIN@B.test ", "Family@A.TEST"])
def test_an_address_in_use_in_any_organisation_or_by_a_family_contact_makes_no_staff_account(
        world, client, auth, db, address):
    auth.login(world.email("admin"))
    users = db.session.scalar(select(func.count()).select_from(User))
    page = client.post("/admin/users", data={"csrf_token": auth.csrf, "name": "Nieuw", "email": address,
                                             "roles": ["carer"], "password": "een-lang-wachtwoord"})
    assert page.status_code == 422
    answer = api(client, auth, "POST", "/api/v1/admin/users", {"name": "Nieuw", "email": address, "roles": ["carer"],
                                                               "password": "een-lang-wachtwoord"})
    assert answer.status_code == 422 and "email" in answer.get_json()["error"]["fields"]
    assert db.session.scalar(select(func.count()).select_from(User)) == users


@pytest.mark.parametrize("day", ["9999-12-31", (date.today() + timedelta(days=800)).isoformat()])
def test_a_sign_off_date_more_than_two_years_ahead_is_refused(health_world, client, auth, db, day):
    """A typo such as 9999-12-31 would supersede the active package and leave none for decades.
    (A date in the past stays allowed: the team signs a package from the resident's start.)"""
    record_risks(health_world.own, health_world.users["nurse"])
    auth.login(health_world.email("nurse"))
    own = health_world.own.id
    body = {"lines": [{"service": c, "per_week": n} for c, n in
                      {"H01": 21, "H04": 14, "H10": 14, "C01": 7, "C02": 2, "C03": 7, "C07": 8, "C08": 3}.items()]}
    assert api(client, auth, "PUT", f"/api/v1/clients/{own}/package/draft", body).status_code == 200
    number = api(client, auth, "POST", f"/api/v1/clients/{own}/package/draft/submit").get_json()["version"]["number"]
    page = client.post(f"/clients/{own}/package/versions/{number}/sign",
                       data={"csrf_token": auth.csrf, "active_from": day})
    assert page.status_code == 422 and 'aria-describedby="active_from-error"' in page.get_data(as_text=True)
    answer = api(client, auth, "POST", f"/api/v1/clients/{own}/package/versions/{number}/sign", {"active_from": day})
    assert answer.status_code == 422 and "active_from" in answer.get_json()["error"]["fields"]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(PackageVersion)
                             .where(PackageVersion.status == "active")) == 0
    for path in (f"/clients/{own}/budget", f"/clients/{own}/package", f"/clients/{own}/package/versions"):
        assert client.get(path).status_code == 200, path
