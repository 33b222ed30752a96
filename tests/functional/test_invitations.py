"""Inviting a family contact: staff send a one-time link, the contact chooses a password."""
from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from flask_babel import force_locale, gettext
from markupsafe import escape
from sqlalchemy import select
from urllib.parse import parse_qs, urlsplit

from care.models import FamilyContact
from marketplace.accounts import invitations
from marketplace.accounts.models import Invitation, User
from marketplace.core.audit import Action, AuditEvent, Outcome
from marketplace.core.passwords import verify_password
from marketplace.core.roles import Role
from tests.conftest import csrf_from
from tests.factories import make_user

LINK_RE = re.compile(r"http://localhost/invite/([A-Za-z0-9_-]{40,})")
ERROR_RE = re.compile(r'<p class="error"[^>]*>([^<]+)</p>')
NEW_PASSWORD = "a-long-new-password"


@pytest.fixture
def nl(app):
    def translate(message: str) -> str:
        with app.test_request_context(), force_locale("nl"):
            return str(escape(gettext(message)))
    return translate


def invite(world, *, email="nieuw@familie.nl", can_decide=False, can_pay=False, actor="carer", client=None):
    """The service the views call, for tests that start from an issued link."""
    return invitations.invite_contact(
        world.users[actor], client or world.own, email=email, name="Nieuw Familielid", relation="zoon",
        can_view=True, can_decide=can_decide, can_pay=can_pay,
    ).token


def accept(client, token: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    page = client.get(f"/invite/{token}")
    assert page.status_code == 200, page.status_code
    data = {"password": password, "confirm": password if confirm is None else confirm,
            "csrf_token": csrf_from(page.get_data(as_text=True))}
    return client.post(f"/invite/{token}", data=data)


def contact_of(db, client, email: str) -> FamilyContact | None:
    db.session.expire_all()
    return db.session.scalar(
        select(FamilyContact).join(User, FamilyContact.user_id == User.id)
        .where(FamilyContact.client_id == client.id, User.email == email)
    )


def rights(contact: FamilyContact) -> tuple[bool, bool, bool]:
    return contact.can_view, contact.can_decide, contact.can_pay


# -- staff send the invitation -------------------------------------------------------------

def test_a_carer_invites_through_the_form_and_the_contact_gets_exactly_those_rights(
        app, world, auth, db, caplog):
    auth.login(world.email("carer"))
    form = auth.client.get(f"/clients/{world.own.id}/invite")
    assert form.status_code == 200
    with caplog.at_level(logging.WARNING):
        sent = auth.client.post(f"/clients/{world.own.id}/invite", data={
            "name": "Jan de Vries", "email": "Jan@Familie.nl", "relation": "zoon",
            "can_view": "y", "can_pay": "y", "csrf_token": csrf_from(form.get_data(as_text=True)),
        })
    assert sent.status_code == 302 and sent.headers["Location"] == f"/clients/{world.own.id}"
    # Without a mail server the inviting carer is shown the link once to hand over; the link is
    # a credential, so it never goes to the log.
    token = LINK_RE.search(auth.client.get(sent.headers["Location"]).get_data(as_text=True)).group(1)
    assert token not in caplog.text and "jan@familie.nl" in caplog.text

    contact = app.test_client()
    welcome = accept(contact, token)
    assert welcome.status_code == 302 and welcome.headers["Location"] == "/"

    row = contact_of(db, world.own, "jan@familie.nl")
    assert rights(row) == (True, False, True)
    assert row.relation == "zoon"
    assert row.user.roles == {Role.FAMILY} and row.user.organisation_id == world.org.id
    assert world.own.name in contact.get("/").get_data(as_text=True)
    assert [c["id"] for c in contact.get("/api/v1/clients").get_json()["clients"]] == [world.own.id]
    assert contact.get(f"/api/v1/clients/{world.other.id}").status_code == 403


def test_a_carer_invites_through_the_api_and_gets_the_link_to_hand_over(app, world, auth, db, caplog):
    auth.login(world.email("carer"))
    with caplog.at_level(logging.WARNING):
        response = auth.client.post(f"/api/v1/clients/{world.own.id}/invitations", json={
            "email": "dochter@familie.nl", "name": "Els", "relation": "dochter",
            "can_view": True, "can_decide": True, "can_pay": False,
        }, headers={"X-CSRFToken": auth.csrf})
    assert response.status_code == 201
    body = response.get_json()["invitation"]
    assert body["email"] == "dochter@familie.nl" and body["delivered"] == "none"
    token = LINK_RE.search(body["link"]).group(1)  # no mail server: the carer hands it over
    assert token not in caplog.text
    expires = datetime.fromisoformat(body["expires_at"])
    assert timedelta(days=6, hours=23) < expires - datetime.now(timezone.utc) <= timedelta(days=7)

    assert accept(app.test_client(), token).status_code == 302
    assert rights(contact_of(db, world.own, "dochter@familie.nl")) == (True, True, False)


def test_demo_mode_shows_the_link_on_the_page_and_in_the_api(app, world, auth, db, monkeypatch):
    monkeypatch.setitem(app.config, "DEMO_MODE", True)
    auth.login(world.email("team_lead"))
    api = auth.client.post(f"/api/v1/clients/{world.own.id}/invitations",
                           json={"email": "een@familie.nl", "name": "Een"}, headers={"X-CSRFToken": auth.csrf})
    api_token = LINK_RE.search(api.get_json()["invitation"]["link"]).group(1)

    form = auth.client.get(f"/clients/{world.own.id}/invite")
    sent = auth.client.post(f"/clients/{world.own.id}/invite", data={
        "name": "Twee", "email": "twee@familie.nl", "can_view": "y",
        "csrf_token": csrf_from(form.get_data(as_text=True))}, follow_redirects=True)
    page_token = LINK_RE.search(sent.get_data(as_text=True)).group(1)

    for token, email in ((api_token, "een@familie.nl"), (page_token, "twee@familie.nl")):
        assert accept(app.test_client(), token).status_code == 302
        assert rights(contact_of(db, world.own, email)) == (True, False, False)


@pytest.mark.parametrize("role, resident, status", [
    ("family", "own", 403),       # may view, not invite
    ("resident", "own", 403),
    ("freelancer", "own", 403),   # a member of the team, but not in a team role
    ("carer", "other", 403),      # same organisation, another team
    ("carer", "foreign", 404),    # another organisation: not even found
    ("board", "own", 403),
])
def test_only_staff_of_the_residents_team_may_invite(world, auth, db, role, resident, status):
    auth.login(world.email(role))
    target = getattr(world, resident)
    api = auth.client.post(f"/api/v1/clients/{target.id}/invitations",
                           json={"email": "x@familie.nl", "name": "X"}, headers={"X-CSRFToken": auth.csrf})
    page = auth.client.get(f"/clients/{target.id}/invite")
    assert (api.status_code, page.status_code) == (status, status)
    assert db.session.scalars(select(Invitation)).all() == []


def test_an_administrator_may_invite_for_any_resident_of_the_organisation(world, auth):
    auth.login(world.email("admin"))
    response = auth.client.post(f"/api/v1/clients/{world.other.id}/invitations",
                                json={"email": "x@familie.nl", "name": "X"}, headers={"X-CSRFToken": auth.csrf})
    assert response.status_code == 201


def test_an_invalid_invitation_form_saves_nothing(world, auth, db):
    auth.login(world.email("carer"))
    url = f"/clients/{world.own.id}/invite"
    token = csrf_from(auth.client.get(url).get_data(as_text=True))
    cases = [
        {"name": "", "email": "jan@familie.nl"},
        {"name": "Jan", "email": "geen-adres"},
        {"name": "Jan", "email": "a" * 290 + "@familie.nl"},
        {"name": "J" * 201, "email": "jan@familie.nl"},
        {"name": "Jan", "email": "jan@familie.nl", "relation": "r" * 101},
    ]
    for data in cases:
        response = auth.client.post(url, data={**data, "can_view": "y", "csrf_token": token})
        assert response.status_code == 422, data
        assert len(ERROR_RE.findall(response.get_data(as_text=True))) == 1, data
    assert db.session.scalars(select(Invitation)).all() == []


def test_an_invalid_invitation_in_the_api_names_the_fields_and_saves_nothing(world, auth, db):
    auth.login(world.email("carer"))
    url = f"/api/v1/clients/{world.own.id}/invitations"
    headers = {"X-CSRFToken": auth.csrf}
    bad = auth.client.post(url, json={"email": "geen-adres", "name": "N" * 201, "can_pay": "ja"}, headers=headers)
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["fields"]) == {"email", "name", "can_pay"}
    unknown = auth.client.post(url, json={"email": "a@b.test", "name": "A", "is_admin": True}, headers=headers)
    assert unknown.status_code == 422 and set(unknown.get_json()["error"]["fields"]) == {"is_admin"}
    missing = auth.client.post(url, json={"name": "A"}, headers=headers)
    assert missing.status_code == 422 and set(missing.get_json()["error"]["fields"]) == {"email"}
    assert db.session.scalars(select(Invitation)).all() == []


# -- the contact accepts -------------------------------------------------------------------

def test_the_new_password_must_have_at_least_ten_characters(app, world, db, nl):
    token = invite(world)
    contact = app.test_client()
    short = accept(contact, token, "123456789")
    assert short.status_code == 422
    assert ERROR_RE.findall(short.get_data(as_text=True)) == [nl("Use %(min)d to %(max)d characters.") % {
        "min": 10, "max": 200}]
    differ = accept(contact, token, NEW_PASSWORD, confirm=NEW_PASSWORD + "x")
    assert differ.status_code == 422
    assert ERROR_RE.findall(differ.get_data(as_text=True)) == [nl("The passwords differ.")]

    db.session.expire_all()
    assert db.session.scalar(select(User).where(User.email == "nieuw@familie.nl")) is None
    assert db.session.scalar(select(Invitation)).used_at is None
    assert accept(contact, token, "0123456789").status_code == 302  # exactly ten will do


def test_the_chosen_password_is_stored_as_an_argon2id_hash(app, world, db):
    token = invite(world)
    accept(app.test_client(), token)
    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.email == "nieuw@familie.nl"))
    assert user.password_hash.startswith("$argon2id$")
    assert NEW_PASSWORD not in user.password_hash
    assert app.test_client().post("/api/v1/auth/login", json={
        "email": "nieuw@familie.nl", "password": NEW_PASSWORD}).status_code == 200


def test_a_link_works_only_once(app, world, db, nl):
    token = invite(world)
    assert accept(app.test_client(), token).status_code == 302

    second = app.test_client()
    again = second.get(f"/invite/{token}")
    assert again.status_code == 410
    assert nl("This invitation link is not valid any more") in again.get_data(as_text=True)
    form_token = csrf_from(second.get("/login").get_data(as_text=True))
    replay = second.post(f"/invite/{token}", data={
        "password": "another-password", "confirm": "another-password", "csrf_token": form_token})
    assert replay.status_code == 410
    assert second.get("/api/v1/me").status_code == 401

    db.session.expire_all()
    contacts = db.session.scalars(select(FamilyContact).where(FamilyContact.client_id == world.own.id)).all()
    assert len(contacts) == 3  # the two of the world and the one invited
    user = db.session.scalar(select(User).where(User.email == "nieuw@familie.nl"))
    assert verify_password(user.password_hash, NEW_PASSWORD)  # the first acceptance's password holds


def test_a_link_expires_after_seven_days(app, world, db, nl):
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc), tick=False) as clock:
        token = invite(world)
        early, late = app.test_client(), app.test_client()
        clock.shift(timedelta(days=7, seconds=-1))
        assert early.get(f"/invite/{token}").status_code == 200
        late_form = csrf_from(late.get("/login").get_data(as_text=True))

        clock.shift(timedelta(seconds=1))
        expired = late.get(f"/invite/{token}")
        assert expired.status_code == 410
        html = expired.get_data(as_text=True)
        assert nl("This invitation link is not valid any more") in html
        assert nl("A link works once and for 7 days. Ask the care team for a new invitation.") in html
        assert late.post(f"/invite/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                                                   "csrf_token": late_form}).status_code == 410
    db.session.expire_all()
    assert db.session.scalar(select(User).where(User.email == "nieuw@familie.nl")) is None


def test_an_unknown_link_is_gone_too(client):
    assert client.get("/invite/not-a-real-token").status_code == 410


def login_as(client, email: str, next_: str = ""):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"email": email, "password": "secret-password", "next": next_,
                                       "csrf_token": token})


def english(client):
    client.set_cookie("zm_lang", "en")
    return client


def denials(db) -> list[AuditEvent]:
    db.session.expire_all()
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == Action.DENIED.value)
                              .order_by(AuditEvent.id)).all()




def test_an_existing_account_logs_in_and_comes_back_to_accept_without_a_password(app, world, db, argon2_calls):
    """Issue 9, items 8 and 9: the page asked the existing account's password (unthrottled);
    now the owner logs in as that account and no password is checked on the page."""
    token = invite(world, email=world.email("family"), actor="admin", client=world.other, can_pay=True)
    contact = app.test_client()
    page = contact.get(f"/invite/{token}")
    assert page.status_code == 302
    login_url = urlsplit(page.headers["Location"])
    assert login_url.path == "/login" and parse_qs(login_url.query)["next"] == [f"/invite/{token}"]

    argon2_calls.clear()
    for _ in range(25):  # whatever is posted without being logged in, no password is looked at
        csrf = csrf_from(contact.get("/login").get_data(as_text=True))
        tried = contact.post(f"/invite/{token}", data={"password": "not-my-password", "csrf_token": csrf})
        assert tried.status_code == 302 and tried.headers["Location"].startswith("/login?next=")
    assert argon2_calls == []
    assert contact_of(db, world.other, world.email("family")) is None

    back = login_as(contact, world.email("family"), next_=f"/invite/{token}")
    assert back.status_code == 302 and back.headers["Location"] == f"/invite/{token}"
    html = contact.get(f"/invite/{token}").get_data(as_text=True)
    assert 'name="password"' not in html
    argon2_calls.clear()
    accepted = contact.post(f"/invite/{token}", data={"csrf_token": csrf_from(html)})
    assert accepted.status_code == 302 and accepted.headers["Location"] == "/"
    assert argon2_calls == []  # no password checked on the page
    assert rights(contact_of(db, world.other, world.email("family"))) == (True, False, True)
    assert rights(contact_of(db, world.own, world.email("family"))) == (True, True, True)  # untouched
    seen = {c["id"] for c in contact.get("/api/v1/clients").get_json()["clients"]}
    assert seen == {world.own.id, world.other.id}
    db.session.expire_all()
    assert db.session.get(User, world.users["family"].id).password_hash == world.users["family"].password_hash


def test_an_invitation_adds_rights_to_an_existing_contact_and_never_takes_any_away(app, world, db):
    token = invite(world, email=world.view_only_family.email, can_decide=True)
    contact = app.test_client()
    login_as(contact, world.view_only_family.email)
    csrf = csrf_from(contact.get(f"/invite/{token}").get_data(as_text=True))
    assert contact.post(f"/invite/{token}", data={"csrf_token": csrf}).status_code == 302
    assert rights(contact_of(db, world.own, world.view_only_family.email)) == (True, True, False)


def test_someone_logged_in_with_another_account_is_refused_and_logged(app, world, db):
    token = invite(world, email=world.email("family"), actor="admin", client=world.other)
    intruder = english(app.test_client())
    login_as(intruder, world.view_only_family.email)
    page = intruder.get(f"/invite/{token}")
    assert page.status_code == 403
    message = f"This invitation is for {world.email('family')}. Log out and log in with that address to accept it."
    assert str(escape(message)) in page.get_data(as_text=True)
    csrf = csrf_from(intruder.get("/account/tokens").get_data(as_text=True))
    assert intruder.post(f"/invite/{token}", data={"csrf_token": csrf}).status_code == 403
    assert contact_of(db, world.other, world.email("family")) is None
    assert contact_of(db, world.other, world.view_only_family.email) is None
    rows = denials(db)
    assert len(rows) == 2
    assert {row.user_id for row in rows} == {world.view_only_family.id}
    assert {row.client_id for row in rows} == {world.other.id}
    assert all(row.outcome == Outcome.DENIED.value and "another account" in row.detail for row in rows)
    db.session.expire_all()
    assert db.session.scalar(select(Invitation)).used_at is None  # the owner can still accept it


def test_an_account_of_another_organisation_cannot_take_the_invitation(app, world, db):
    token = invite(world, email=world.foreign_admin.email)
    contact = english(app.test_client())
    login_as(contact, world.foreign_admin.email)
    refused = contact.get(f"/invite/{token}")
    assert refused.status_code == 409
    assert "This account cannot take this invitation." in refused.get_data(as_text=True)
    assert contact_of(db, world.own, world.foreign_admin.email) is None
    db.session.expire_all()
    assert db.session.get(User, world.foreign_admin.id).roles == {Role.ADMIN}
    assert [row.user_id for row in denials(db)] == [world.foreign_admin.id]


STAFF_MESSAGE = ("This address belongs to a staff account of your organisation. "
                 "Staff cannot be invited as a family contact.")


@pytest.mark.parametrize("actor, invited", [
    ("team_lead", "team_lead"),  # their own account, with decide: it would read health data
    ("admin", "admin"),
    ("carer", "nurse"),
    ("admin", "freelancer"),
    ("admin", "board"),
])
def test_staff_of_the_organisation_cannot_be_invited_as_a_family_contact(world, auth, db, actor, invited):
    world.users[invited].email = f"{invited}@zorggroep.nl"  # the world's .test addresses are not deliverable
    db.session.commit()
    auth.login(world.email(actor))
    english(auth.client)
    api = auth.client.post(f"/api/v1/clients/{world.own.id}/invitations", json={
        "email": world.email(invited).upper(), "name": "Ik", "can_decide": True}, headers={"X-CSRFToken": auth.csrf})
    assert api.status_code == 422
    assert api.get_json()["error"]["fields"] == {"email": STAFF_MESSAGE}

    form = auth.client.get(f"/clients/{world.own.id}/invite")
    page = auth.client.post(f"/clients/{world.own.id}/invite", data={
        "name": "Ik", "email": world.email(invited), "can_view": "y", "can_decide": "y",
        "csrf_token": csrf_from(form.get_data(as_text=True))})
    assert page.status_code == 422
    assert ERROR_RE.findall(page.get_data(as_text=True)) == [str(escape(STAFF_MESSAGE))]

    assert db.session.scalars(select(Invitation)).all() == []
    rows = denials(db)
    assert len(rows) == 2 and all(row.user_id == world.users[actor].id and row.client_id == world.own.id
                                  and world.email(invited) in row.detail for row in rows)
    assert contact_of(db, world.own, world.email(invited)) is None


def test_a_team_lead_cannot_reach_health_data_through_an_old_invitation(app, world, db):
    """Defence in depth: an invitation sent to an address that became a staff account later."""
    token = invite(world, email="later-staff@a.test", can_decide=True)
    make_user(world.org, Role.TEAM_LEAD, email="later-staff@a.test")
    db.session.commit()
    lead = english(app.test_client())
    login_as(lead, "later-staff@a.test")
    page = lead.get(f"/invite/{token}")
    assert page.status_code == 409
    assert "A staff account of this organisation cannot become a family contact." in page.get_data(as_text=True)
    with pytest.raises(invitations.StaffCannotBeContact):
        invitations.accept_invitation(token, actor=db.session.scalar(select(User).where(
            User.email == "later-staff@a.test")))
    assert contact_of(db, world.own, "later-staff@a.test") is None
    assert len(denials(db)) == 2
    db.session.expire_all()
    assert db.session.scalar(select(User).where(User.email == "later-staff@a.test")).roles == {Role.TEAM_LEAD}
    assert lead.get(f"/clients/{world.own.id}/health").status_code == 403


def test_a_family_member_who_is_a_resident_elsewhere_may_accept(app, world, db):
    token = invite(world, email=world.email("resident"), actor="admin", client=world.other)
    resident = app.test_client()
    login_as(resident, world.email("resident"))
    csrf = csrf_from(resident.get(f"/invite/{token}").get_data(as_text=True))
    assert resident.post(f"/invite/{token}", data={"csrf_token": csrf}).status_code == 302
    assert rights(contact_of(db, world.other, world.email("resident"))) == (True, False, False)
