"""The provider's side of extras (issue 12, items 5–7): the day's bookings, only for the provider's
own members; delivered and no-show; the provider's cancellation and answers to requests; rating a
delivered booking once; the notifications and the day-before reminder."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import pytest
import time_machine
from flask import render_template_string
from flask_login import login_user
from sqlalchemy import func, select

from billing.domain import AccountKind, account_key
from billing.ledger import balance_of, verify
from marketplace.accounts.notifications import Notification
from marketplace.core.db_types import LOCAL_ZONE, local_today
from marketplace.core.extensions import db
from marketplace.core.roles import Role
from marketplace.market import bookings, provider
from marketplace.market.extras_domain import BookingStatus
from marketplace.market.models import Booking, ExtraRating
from marketplace.accounts.models import User
from tests.conftest import csrf_from, together
from tests.factories import add_member, make_user
from tests.integration.test_extra_bookings_core import make_extra, pay_by_event, slot


def api(client, auth, method, path, body=None):
    return client.open(path, method=method, json=body, headers={"X-CSRFToken": auth.csrf})


def local_start(day, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LOCAL_ZONE).astimezone(timezone.utc)


def confirmed(app, client, world, extra, start: datetime, *, notes: str = "") -> int:
    """A booking of ``start`` made and paid (by the signed event) two days before it, or a few
    minutes ago when that is sooner."""
    with time_machine.travel(min(start - timedelta(days=2), datetime.now(timezone.utc) - timedelta(minutes=5)),
                             tick=False):
        with app.test_request_context():
            booking = bookings.book(world.users["family"], extra_id=extra.id, client_id=world.own.id, start=start,
                                    notes=notes)
        pay_by_event(client, booking.id)
    assert db.session.get(Booking, booking.id, populate_existing=True).status == BookingStatus.CONFIRMED.value
    return booking.id


def kinds_for(user) -> list[str]:
    return list(db.session.scalars(select(Notification.kind).where(Notification.user_id == user.id)
                                   .order_by(Notification.id)))


@pytest.fixture
def extra(world):
    world.own.room = "12b"
    db.session.commit()
    return make_extra(world, seats=40)


# -- the day list -------------------------------------------------------------------------------

def test_the_day_lists_time_first_name_room_extra_notes_and_status_and_leaves_lapsed_holds_out(
        app, client, auth, world, extra):
    day = local_today() + timedelta(days=3)
    booking_id = confirmed(app, client, world, extra, local_start(day), notes="Graag rolstoel mee")
    with time_machine.travel(datetime.now(timezone.utc) - timedelta(hours=1), tick=False), \
            app.test_request_context():
        lapsed = bookings.book(world.users["family"], extra_id=extra.id, client_id=world.own.id,
                               start=local_start(day, 11))  # never paid: its hold lapses
    auth.login(world.email("carer"))
    page = client.get(f"/providers/{extra.provider_id}/day?date={day.isoformat()}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Eigen" in html and "Eigen Bewoner" not in html  # the first name only
    assert "12b" in html and "Begeleid uitje" in html and "Graag rolstoel mee" in html
    assert f'id="booking-{booking_id}"' in html and f'id="booking-{lapsed.id}"' not in html
    assert "10:00" in html
    assert f"date={(day - timedelta(days=1)).isoformat()}" in html and f"date={(day + timedelta(days=1)).isoformat()}" in html
    body = api(client, auth, "GET", f"/api/v1/teams/{world.team.id}/bookings?date={day.isoformat()}").get_json()
    assert [(b["id"], b["first_name"], b["room"], b["status"], b["notes"]) for b in body["bookings"]] == [
        (booking_id, "Eigen", "12b", "confirmed", "Graag rolstoel mee")]
    assert body["bookings"][0]["start"] == local_start(day).isoformat()


def test_another_day_shows_nothing_and_a_day_without_date_is_today(app, client, auth, world, extra):
    day = local_today() + timedelta(days=3)
    confirmed(app, client, world, extra, local_start(day))
    auth.login(world.email("team_lead"))
    assert api(client, auth, "GET", f"/api/v1/teams/{world.team.id}/bookings?date="
               f"{(day + timedelta(days=1)).isoformat()}").get_json()["bookings"] == []
    body = api(client, auth, "GET", f"/api/v1/teams/{world.team.id}/bookings").get_json()
    assert body["date"] == local_today().isoformat()


@pytest.mark.parametrize("value", ["2026-13-01", "2026-02-30", "tomorrow", "٢٠٢٦-١٢-٠٧", "2026-12-07T10:00"])
def test_a_bad_date_is_refused_with_a_message(client, auth, world, extra, value):
    auth.login(world.email("carer"))
    page = client.get(f"/providers/{extra.provider_id}/day", query_string={"date": value})
    assert page.status_code == 422
    response = api(client, auth, "GET", f"/api/v1/teams/{world.team.id}/bookings?date={value}")
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["date"]


def test_a_provider_sees_only_its_own_bookings(app, client, auth, world, extra):
    day = local_today() + timedelta(days=3)
    booking_id = confirmed(app, client, world, extra, local_start(day))
    other_lead = make_user(world.org, Role.TEAM_LEAD, email="lead-t2@a.test")
    add_member(world.other_team, other_lead, "team_lead", "N4")
    db.session.commit()
    path = f"/providers/{extra.provider_id}/day?date={day.isoformat()}"
    for role, page_status, api_status in (("carer", 200, 200), ("family", 403, 403), ("board", 403, 403),
                                           ("client_supporter", 403, 403), ("admin", 403, 403)):
        auth.login(world.email(role))
        assert client.get(path).status_code == page_status, role
        assert api(client, auth, "GET", f"/api/v1/teams/{world.team.id}/bookings").status_code == api_status, role
        auth.logout()
    auth.login("lead-t2@a.test")
    assert client.get(path).status_code == 403
    assert api(client, auth, "GET", f"/api/v1/teams/{world.team.id}/bookings").status_code == 403
    assert api(client, auth, "POST", f"/api/v1/bookings/{booking_id}/provider-cancel",
               {"reason": "Niet van ons"}).status_code == 403
    # Its own (empty) day is fine: a team that never offered an extra has no bookings.
    assert api(client, auth, "GET", f"/api/v1/teams/{world.other_team.id}/bookings").get_json()["bookings"] == []
    auth.logout()
    auth.login(world.foreign_admin.email)
    assert client.get(path).status_code == 404
    assert api(client, auth, "GET", f"/api/v1/teams/{world.team.id}/bookings").status_code == 404
    assert api(client, auth, "POST", f"/api/v1/bookings/{booking_id}/delivered").status_code == 404
    assert db.session.get(Booking, booking_id, populate_existing=True).status == BookingStatus.CONFIRMED.value


def test_the_day_list_takes_the_same_number_of_queries_for_2_or_30_bookings(app, client, auth, world, extra,
                                                                            count_queries):
    day = local_today() + timedelta(days=5)
    provider_id = extra.provider_id

    def add(n: int) -> None:
        for i in range(n):
            db.session.add(Booking(organisation_id=world.org.id, extra_id=extra.id, provider_id=provider_id,
                                   client_id=world.own.id, booked_by_id=world.users["family"].id,
                                   starts_at=local_start(day), ends_at=local_start(day) + timedelta(hours=1),
                                   status=BookingStatus.CONFIRMED.value, price_cents=4080, org_share_pct=10,
                                   notes=f"notitie {i}"))
        db.session.commit()

    auth.login(world.email("carer"))
    path = f"/providers/{provider_id}/day?date={day.isoformat()}"
    add(2)
    client.get(path)
    with count_queries() as few:
        assert client.get(path).get_data(as_text=True).count('class="card booking-line') == 2
    add(28)
    with count_queries() as many:
        assert client.get(path).get_data(as_text=True).count('class="card booking-line') == 30
    assert many.count == few.count
    with count_queries() as api_many:
        assert len(api(client, auth, "GET", f"/api/v1/teams/{world.team.id}/bookings?date={day}")
                   .get_json()["bookings"]) == 30
    assert api_many.count <= few.count + 2


# -- delivered, no-show ---------------------------------------------------------------------------

def test_delivered_and_no_show_once_started_and_only_once(app, client, auth, world, extra):
    day = local_today() - timedelta(days=1)
    first = confirmed(app, client, world, extra, local_start(day, 10))
    second = confirmed(app, client, world, extra, local_start(day, 12))
    future = confirmed(app, client, world, extra, local_start(local_today() + timedelta(days=2)))
    auth.login(world.email("carer"))
    early = api(client, auth, "POST", f"/api/v1/bookings/{future}/delivered")
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "booking_closed"
    assert db.session.get(Booking, future, populate_existing=True).status == BookingStatus.CONFIRMED.value
    response = api(client, auth, "POST", f"/api/v1/bookings/{first}/delivered")
    assert response.status_code == 200 and response.get_json()["status"] == "delivered"
    assert api(client, auth, "POST", f"/api/v1/bookings/{first}/no-show").status_code == 409
    page = client.get(f"/providers/{extra.provider_id}/day?date={day.isoformat()}")
    token = csrf_from(page.get_data(as_text=True))
    answer = client.post(f"/bookings/{second}/delivered", data={"csrf_token": token, "outcome": "no_show"})
    assert answer.status_code == 303 and f"date={day.isoformat()}" in answer.headers["Location"]
    assert db.session.get(Booking, second, populate_existing=True).status == BookingStatus.NO_SHOW.value
    bad = client.post(f"/bookings/{future}/delivered", data={"csrf_token": token, "outcome": "maybe"})
    assert bad.status_code == 422
    assert db.session.get(Booking, future, populate_existing=True).status == BookingStatus.CONFIRMED.value


# -- the provider cancels, answers requests -------------------------------------------------------

def test_the_provider_cancels_with_a_reason_and_the_family_gets_everything_back(app, client, auth, world, extra):
    start = local_start(local_today() + timedelta(days=2))
    booking_id = confirmed(app, client, world, extra, start)
    auth.login(world.email("carer"))
    page = client.get(f"/providers/{extra.provider_id}/day?date={start.astimezone(LOCAL_ZONE).date()}")
    token = csrf_from(page.get_data(as_text=True))
    refused = client.post(f"/bookings/{booking_id}/provider-cancel", data={"csrf_token": token, "reason": "  "})
    assert refused.status_code == 422 and 'class="error"' in refused.get_data(as_text=True)
    no_reason = api(client, auth, "POST", f"/api/v1/bookings/{booking_id}/provider-cancel", {"reason": ""})
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["error"]["fields"]
    assert api(client, auth, "POST", f"/api/v1/bookings/{booking_id}/provider-cancel",
               {"reason": 7}).status_code == 422
    assert db.session.get(Booking, booking_id, populate_existing=True).status == BookingStatus.CONFIRMED.value
    done = client.post(f"/bookings/{booking_id}/provider-cancel", data={"csrf_token": token,
                                                                        "reason": "De bus is kapot"})
    assert done.status_code == 303
    booking = db.session.get(Booking, booking_id, populate_existing=True)
    assert (booking.status, booking.refund_cents, booking.cancel_reason) == ("refunded", 4080, "De bus is kapot")
    assert balance_of(world.org.id, account_key(AccountKind.TEAM_BUDGET, world.team.id)) == 0
    assert balance_of(world.org.id, account_key(AccountKind.FEES)) == 0
    again = api(client, auth, "POST", f"/api/v1/bookings/{booking_id}/provider-cancel", {"reason": "Nogmaals"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_cancelled"
    family = kinds_for(world.users["family"])
    assert "booking_cancelled_by_provider" in family and "booking_refunded" in family
    assert verify() == []


def test_requests_are_listed_confirmed_or_declined_with_a_reason(app, client, auth, world):
    extra = make_extra(world, kind="on_request")
    family = world.users["family"]
    with app.test_request_context():
        asked = bookings.book(family, extra_id=extra.id, client_id=world.own.id, start=slot(3, 11))
        other = bookings.book(family, extra_id=extra.id, client_id=world.own.id, start=slot(4, 11))
    assert "booking_requested" in kinds_for(world.users["carer"])
    auth.login(world.email("team_lead"))
    body = api(client, auth, "GET", f"/api/v1/teams/{world.team.id}/bookings").get_json()
    assert [b["id"] for b in body["open_requests"]] == [asked.id, other.id]
    assert f'id="request-{asked.id}"' in client.get(f"/providers/{extra.provider_id}/day").get_data(as_text=True)
    missing = api(client, auth, "POST", f"/api/v1/bookings/{asked.id}/answer", {"accept": False, "reason": ""})
    assert missing.status_code == 422 and "reason" in missing.get_json()["error"]["fields"]
    assert api(client, auth, "POST", f"/api/v1/bookings/{asked.id}/answer", {"accept": "yes"}).status_code == 422
    assert api(client, auth, "POST", f"/api/v1/bookings/{asked.id}/answer", {}).status_code == 422
    assert db.session.get(Booking, asked.id, populate_existing=True).status == BookingStatus.REQUESTED.value
    declined = api(client, auth, "POST", f"/api/v1/bookings/{asked.id}/answer",
                   {"accept": False, "reason": "Dan ben ik op vakantie"})
    assert declined.status_code == 200 and declined.get_json()["status"] == "cancelled"
    accepted = api(client, auth, "POST", f"/api/v1/bookings/{other.id}/answer", {"accept": True})
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "pending_payment"
    twice = api(client, auth, "POST", f"/api/v1/bookings/{other.id}/answer", {"accept": True})
    assert twice.status_code == 409 and twice.get_json()["error"]["code"] == "booking_closed"
    assert kinds_for(family).count("booking_request_declined") == 1
    assert kinds_for(family).count("booking_request_confirmed") == 1
    declined_notice = db.session.scalar(select(Notification).where(Notification.kind == "booking_request_declined"))
    assert declined_notice.params["reason"] == "Dan ben ik op vakantie"
    assert declined_notice.link == f"/bookings/{asked.id}"
    body = api(client, auth, "GET", f"/api/v1/teams/{world.team.id}/bookings").get_json()
    assert body["open_requests"] == []


# -- rating ---------------------------------------------------------------------------------------

def test_rating_only_after_delivery_once_with_1_to_5_stars(app, client, auth, world, extra):
    day = local_today() - timedelta(days=1)
    booking_id = confirmed(app, client, world, extra, local_start(day))
    auth.login(world.email("family"))
    early = api(client, auth, "POST", f"/api/v1/bookings/{booking_id}/rating", {"stars": 5})
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "not_delivered"
    with app.test_request_context():
        bookings.mark(world.users["carer"], booking_id, delivered=True)
    for bad in (0, 6, "5", 4.5, True, None):
        response = api(client, auth, "POST", f"/api/v1/bookings/{booking_id}/rating", {"stars": bad})
        assert response.status_code == 422, bad
    long = api(client, auth, "POST", f"/api/v1/bookings/{booking_id}/rating", {"stars": 4, "comment": "x" * 1001})
    assert long.status_code == 422 and "comment" in long.get_json()["error"]["fields"]
    assert db.session.scalar(select(func.count()).select_from(ExtraRating)) == 0
    auth.logout()
    auth.login(world.email("carer"))  # staff never rate
    assert api(client, auth, "POST", f"/api/v1/bookings/{booking_id}/rating", {"stars": 5}).status_code == 403
    auth.logout()
    auth.login(world.email("family"))
    rated = api(client, auth, "POST", f"/api/v1/bookings/{booking_id}/rating", {"stars": 4, "comment": " Fijn "})
    assert rated.status_code == 201 and (rated.get_json()["stars"], rated.get_json()["comment"]) == (4, "Fijn")
    twice = api(client, auth, "POST", f"/api/v1/bookings/{booking_id}/rating", {"stars": 1})
    assert twice.status_code == 409 and twice.get_json()["error"]["code"] == "already_rated"
    form = client.post(f"/bookings/{booking_id}/rating", data={"csrf_token": auth.csrf, "stars": "2"})
    assert form.status_code == 409 and 'role="alert"' in form.get_data(as_text=True)
    assert db.session.scalar(select(ExtraRating.stars)) == 4


def test_the_rating_form_refuses_bad_stars_next_to_the_field_and_saves_good_ones(app, client, auth, world, extra):
    booking_id = confirmed(app, client, world, extra, local_start(local_today() - timedelta(days=1)))
    auth.login(world.email("family"))
    early = client.post(f"/bookings/{booking_id}/rating", data={"csrf_token": auth.csrf, "stars": "5"})
    assert early.status_code == 409 and 'role="alert"' in early.get_data(as_text=True)
    with app.test_request_context():
        bookings.mark(world.users["carer"], booking_id, delivered=True)
    bad = client.post(f"/bookings/{booking_id}/rating", data={"csrf_token": auth.csrf, "stars": "7"})
    assert bad.status_code == 422 and 'id="stars-error"' in bad.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ExtraRating)) == 0
    good = client.post(f"/bookings/{booking_id}/rating", data={"csrf_token": auth.csrf, "stars": "5",
                                                               "comment": "Heerlijk uitje"})
    assert good.status_code == 303 and good.headers["Location"].endswith(f"/bookings/{booking_id}")
    assert db.session.scalar(select(ExtraRating.comment)) == "Heerlijk uitje"


# -- notifications and the reminder ---------------------------------------------------------------

def test_confirmed_and_family_cancelled_bookings_tell_the_family_and_the_provider(app, client, world, extra):
    booking_id = confirmed(app, client, world, extra, local_start(local_today() + timedelta(days=3)))
    assert kinds_for(world.users["family"]) == ["booking_confirmed"]
    assert kinds_for(world.users["resident"]) == ["booking_confirmed"]
    for member in ("carer", "nurse", "team_lead"):
        assert kinds_for(world.users[member]) == ["booking_new"], member
    new = db.session.scalar(select(Notification).where(Notification.kind == "booking_new"))
    day = local_start(local_today() + timedelta(days=3)).astimezone(LOCAL_ZONE).date()
    assert new.link == f"/providers/{extra.provider_id}/day?date={day.isoformat()}"
    with app.test_request_context():
        bookings.cancel(world.users["family"], booking_id)
    assert kinds_for(world.users["team_lead"]) == ["booking_new", "booking_cancelled_by_family"]
    assert kinds_for(world.users["family"]) == ["booking_confirmed", "booking_refunded"]


def test_the_reminder_goes_once_the_day_before_to_family_and_provider(app, client, world, extra):
    today = local_today()
    tomorrow = confirmed(app, client, world, extra, local_start(today + timedelta(days=1), 11))
    later = confirmed(app, client, world, extra, local_start(today + timedelta(days=2), 11))
    with time_machine.travel(local_start(today), tick=False), app.test_request_context():
        held = bookings.book(world.users["family"], extra_id=extra.id, client_id=world.own.id,
                             start=local_start(today + timedelta(days=1), 14))  # not paid: no reminder
    runner = app.test_cli_runner()
    result = runner.invoke(args=["market", "remind-bookings"])
    assert result.exit_code == 0 and "bookings reminded: 1" in result.output
    assert runner.invoke(args=["market", "remind-bookings"]).output.strip() == "bookings reminded: 0"
    assert provider.remind_bookings(today) == 0
    rows = db.session.execute(select(Booking.id, Booking.reminded_at).order_by(Booking.id)).all()
    assert {booking_id for booking_id, at in rows if at is not None} == {tomorrow}
    assert kinds_for(world.users["family"]).count("booking_reminder") == 1
    assert kinds_for(world.users["carer"]).count("booking_reminder") == 1
    assert later and held
    # The day after, the next one is reminded.
    assert provider.remind_bookings(today + timedelta(days=1)) == 1


# -- at the same moment (both backends) -----------------------------------------------------------

def test_reminder_runs_at_the_same_moment_remind_once(app, client, world, extra):
    booking_id = confirmed(app, client, world, extra, local_start(local_today() + timedelta(days=1), 11))
    today = local_today()
    results = together(app, 4, lambda i: provider.remind_bookings(today))
    assert sorted(results) == [0, 0, 0, 1], results
    db.session.expire_all()
    assert kinds_for(world.users["family"]).count("booking_reminder") == 1
    assert db.session.get(Booking, booking_id).reminded_at is not None


def test_ratings_of_one_booking_at_the_same_moment_save_one(app, client, world, extra):
    booking_id = confirmed(app, client, world, extra, local_start(local_today() - timedelta(days=1)))
    with app.test_request_context():
        bookings.mark(world.users["carer"], booking_id, delivered=True)
    family_id = world.users["family"].id

    def rate(i: int):
        with app.test_request_context():
            return provider.rate(db.session.get(User, family_id), booking_id, stars=i + 1).id

    results = together(app, 5, rate)
    saved = [r for r in results if isinstance(r, int)]
    assert len(saved) == 1 and all(isinstance(r, provider.AlreadyRated) for r in results if r not in saved), results
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(ExtraRating)) == 1


def test_the_rating_include_shows_the_form_to_the_family_after_delivery_then_the_rating(app, client, world, extra):
    """What H2's booking page shows through ``{% include "market/_booking_rating.html" %}``."""
    booking_id = confirmed(app, client, world, extra, local_start(local_today() - timedelta(days=1)))
    template = '{% include "market/_booking_rating.html" %}'

    def shown(role: str) -> str:
        with app.test_request_context():
            login_user(world.users[role])
            return render_template_string(template, booking=db.session.get(Booking, booking_id))

    assert "<form" not in shown("family")  # not delivered yet
    with app.test_request_context():
        bookings.mark(world.users["carer"], booking_id, delivered=True)
    assert f'action="/bookings/{booking_id}/rating"' in shown("family")
    assert "<form" not in shown("carer")  # staff never rate
    with app.test_request_context():
        provider.rate(world.users["family"], booking_id, stars=4, comment="Fijn")
    html = shown("family")
    assert "<form" not in html and "★★★★☆" in html and "Fijn" in html
