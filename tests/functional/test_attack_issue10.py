"""Attack on issue 10 (notifications, hand-offs, administrators' pages): odd spellings, numbers no
column holds, other people's objects. Each answer is a clear 4xx and nothing changes; never a 500."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from care.models import PackageVersion
from marketplace.accounts.notifications import notify
from marketplace.core.extensions import db
from marketplace.core.outbox import OutboxMail

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
