"""Notifications: the bell, the list, marking read, one's own only; the user's settings."""
from __future__ import annotations

import pytest
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from marketplace.accounts import notifications
from marketplace.accounts.notifications import Notification
from marketplace.core.extensions import db
from marketplace.core.outbox import OutboxMail
from tests.conftest import csrf_from

KIND = "test_page"
notifications.register_kind(KIND, _l("Something about %(what)s"))


def tell(user, what="de lunch", link="/"):
    [notification] = notifications.notify([user], KIND, params={"what": what}, link=link)
    db.session.commit()
    return notification.id


def read_at(notification_id):
    db.session.expire_all()
    return db.session.get(Notification, notification_id).read_at


def test_the_bell_shows_the_unread_count_and_the_list_the_texts(world, client, auth):
    family = world.users["family"]
    tell(family, "de lunch")
    tell(family, "het uitje")
    auth.login(family.email)
    home = client.get("/").get_data(as_text=True)
    assert 'class="count">2</span>' in home
    page = client.get("/notifications").get_data(as_text=True)
    assert "Something about de lunch" in page and "Something about het uitje" in page


def test_open_marks_read_and_goes_to_the_object(world, client, auth):
    family = world.users["family"]
    notification_id = tell(family, link=f"/clients/{world.own.id}")
    auth.login(family.email)
    token = csrf_from(client.get("/notifications").get_data(as_text=True))
    response = client.post(f"/notifications/{notification_id}/read", data={"csrf_token": token, "open": "1"})
    assert response.status_code == 302 and response.headers["Location"] == f"/clients/{world.own.id}"
    assert read_at(notification_id) is not None
    assert 'class="count"' not in client.get("/").get_data(as_text=True)


def test_a_link_to_another_site_is_never_followed(world, client, auth):
    family = world.users["family"]
    notification_id = tell(family, link="//evil.example/phish")
    auth.login(family.email)
    token = csrf_from(client.get("/notifications").get_data(as_text=True))
    response = client.post(f"/notifications/{notification_id}/read", data={"csrf_token": token, "open": "1"})
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("owner", ["view_only_family", "foreign_admin"])
def test_nobody_reads_or_marks_anothers_notification(world, client, auth, owner):
    someone_else = getattr(world, owner)
    notification_id = tell(someone_else, "geheim")
    auth.login(world.email("family"))
    assert "geheim" not in client.get("/notifications").get_data(as_text=True)
    assert all(n["id"] != notification_id for n in client.get("/api/v1/notifications").get_json()["notifications"])
    token = csrf_from(client.get("/notifications").get_data(as_text=True))
    assert client.post(f"/notifications/{notification_id}/read", data={"csrf_token": token}).status_code == 404
    api = client.post(f"/api/v1/notifications/{notification_id}/read", headers={"X-CSRFToken": token})
    assert api.status_code == 404 and api.get_json()["error"]["code"] == "not_found"
    client.post("/notifications/read-all", data={"csrf_token": token})
    client.post("/api/v1/notifications/read-all", headers={"X-CSRFToken": token})
    assert read_at(notification_id) is None  # nothing changed


@pytest.mark.parametrize("bad", ["0", "99999999999999999999", "١", "-1", "1.5"])
def test_a_bad_notification_id_is_not_found(world, client, auth, bad):
    auth.login(world.email("family"))
    token = csrf_from(client.get("/notifications").get_data(as_text=True))
    assert client.post(f"/notifications/{bad}/read", data={"csrf_token": token}).status_code == 404


def test_marking_read_twice_changes_nothing_the_second_time(world, client, auth):
    family = world.users["family"]
    notification_id = tell(family)
    auth.login(family.email)
    token = csrf_from(client.get("/notifications").get_data(as_text=True))
    first = client.post(f"/api/v1/notifications/{notification_id}/read", headers={"X-CSRFToken": token}).get_json()
    second = client.post(f"/api/v1/notifications/{notification_id}/read", headers={"X-CSRFToken": token}).get_json()
    assert first["notification"]["read_at"] == second["notification"]["read_at"] is not None


def test_the_api_lists_with_the_unread_count_and_pages(world, client, auth):
    family = world.users["family"]
    for n in range(notifications.PAGE_SIZE + 2):
        tell(family, f"ding {n}")
    auth.login(family.email)
    first = client.get("/api/v1/notifications").get_json()
    assert first["unread"] == notifications.PAGE_SIZE + 2 and first["has_next"] is True
    assert first["notifications"][0]["text"] == f"Something about ding {notifications.PAGE_SIZE + 1}"
    second = client.get("/api/v1/notifications?page=2").get_json()
    assert len(second["notifications"]) == 2 and second["has_next"] is False
    assert client.get("/api/v1/notifications?page=x").status_code == 422
    assert client.get("/notifications?page=99999999999999").status_code in (400, 422)


def test_the_list_keeps_a_constant_query_count(world, client, auth, count_queries):
    family = world.users["family"]
    tell(family)
    auth.login(family.email)
    client.get("/notifications")
    with count_queries() as small:
        assert client.get("/notifications").status_code == 200
    for n in range(25):
        tell(family, f"ding {n}")
    with count_queries() as large:
        assert client.get("/notifications").status_code == 200
    assert large.count == small.count
    with count_queries() as api:
        assert client.get("/api/v1/notifications").status_code == 200
    assert api.count <= small.count


def test_settings_turn_mail_off_and_no_mail_is_queued(world, client, auth):
    family = world.users["family"]
    auth.login(family.email)
    page = client.get("/settings").get_data(as_text=True)
    assert 'name="api_access"' in page  # a family contact may ask for tokens
    response = client.post("/settings", data={"csrf_token": csrf_from(page)})  # both boxes unticked
    assert response.status_code == 302
    db.session.expire_all()
    assert family.email_notifications is False and family.api_access is False
    tell(family)
    assert db.session.scalar(select(func.count(OutboxMail.id))) == 0
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.user_id == family.id)) == 1


def test_staff_have_no_token_choice(world, client, auth):
    carer = world.users["carer"]
    auth.login(carer.email)
    page = client.get("/settings").get_data(as_text=True)
    assert 'name="api_access"' not in page
    token = csrf_from(page)
    response = client.patch("/api/v1/settings", json={"api_access": False}, headers={"X-CSRFToken": token})
    assert response.status_code == 422 and "api_access" in response.get_json()["error"]["fields"]
    assert client.get("/api/v1/settings").get_json()["settings"]["api_access"] is True


@pytest.mark.parametrize("body", [{"email_notifications": "yes"}, {"email_notifications": 1}, {"colour": "red"},
                                  [True], {"email_notifications": None}])
def test_bad_settings_are_refused_and_nothing_changes(world, client, auth, body):
    family = world.users["family"]
    auth.login(family.email)
    token = csrf_from(client.get("/settings").get_data(as_text=True))
    response = client.patch("/api/v1/settings", json=body, headers={"X-CSRFToken": token})
    assert 400 <= response.status_code < 500
    db.session.expire_all()
    assert family.email_notifications is True


def test_a_family_contact_asks_for_tokens(world, client, auth):
    family = world.users["family"]
    auth.login(family.email)
    token = csrf_from(client.get("/settings").get_data(as_text=True))
    response = client.patch("/api/v1/settings", json={"api_access": True}, headers={"X-CSRFToken": token})
    assert response.status_code == 200 and response.get_json()["settings"] == {"email_notifications": True,
                                                                               "api_access": True}


def test_the_outbox_page_shows_only_ones_own_mail(world, client, auth):
    tell(world.users["family"], "voor familie")
    tell(world.users["carer"], "voor zorg")
    auth.login(world.email("family"))
    page = client.get("/outbox").get_data(as_text=True)
    assert "voor familie" in page and "voor zorg" not in page
    auth.logout()
    auth.login(world.email("admin"))
    page = client.get("/outbox").get_data(as_text=True)
    assert "voor familie" in page and "voor zorg" in page
