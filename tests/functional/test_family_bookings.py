"""The family's bookings of extras over HTTP (messages in Dutch, the default language) (issue 12, items 3, 4 and 9): the JSON API and the pages,
and every bad input of the issue that touches them: a clear message, nothing booked, nothing changed."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import pytest
from sqlalchemy import func, select

from billing.models import Payment
from marketplace.core.db_types import LOCAL_ZONE
from marketplace.core.extensions import db
from marketplace.market import bookings
from marketplace.market.models import Booking, MarketSettings
from tests.conftest import Auth, csrf_from
from tests.integration.test_extra_bookings_core import make_extra, pay_by_event


def slot(days: int, hour: int = 10) -> datetime:
    """A slot of the extras below (every day 10:00–16:00, local), as an aware local time."""
    day = (datetime.now(timezone.utc) + timedelta(days=days)).astimezone(LOCAL_ZONE).date()
    return datetime.combine(day, time(hour), tzinfo=LOCAL_ZONE)


def count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Booking))


@pytest.fixture
def auth(client):
    """Log in; API calls then carry the CSRF header, as the app's own scripts send it."""
    class Login(Auth):
        def login(self, email: str, password: str = "secret-password"):
            response = super().login(email, password)
            client.environ_base["HTTP_X_CSRFTOKEN"] = self.csrf
            return response
    return Login(client)


@pytest.fixture
def extra(world):
    return make_extra(world, seats=1)


def book_json(client, world, extra, start, **more):
    return client.post("/api/v1/bookings", json={"extra_id": extra.id, "client_id": world.own.id,
                                                 "start": start.isoformat() if isinstance(start, datetime) else start,
                                                 **more})


# -- the JSON API -------------------------------------------------------------------------------

def test_booking_by_the_api_holds_the_seat_and_gives_the_checkout(client, auth, world, extra):
    auth.login(world.email("family"))
    response = book_json(client, world, extra, slot(3), notes="Graag rolstoel")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "pending_payment" and body["price_cents"] == 4080
    assert body["checkout_url"].startswith("/billing/demo-checkout/") or "demo" in body["checkout_url"]
    hold = datetime.fromisoformat(body["hold_expires_at"])
    assert timedelta(minutes=29) < hold - datetime.now(timezone.utc) <= timedelta(minutes=30)
    assert datetime.fromisoformat(body["start"]) == slot(3)
    shown = client.get(f"/api/v1/bookings/{body['id']}").get_json()
    assert shown["status"] == "pending_payment" and shown["checkout_url"] == body["checkout_url"]
    assert shown["refund_if_cancelled_cents"] == 0  # nothing paid yet
    again = client.post(f"/api/v1/bookings/{body['id']}/pay")
    assert again.status_code == 200 and again.get_json()["checkout_url"] == body["checkout_url"]  # one checkout
    listed = client.get(f"/api/v1/clients/{world.own.id}/bookings").get_json()
    assert [b["id"] for b in listed["upcoming"]] == [body["id"]] and listed["past"] == []


def test_paid_by_the_event_then_cancelled_25_hours_before_gives_everything_back(client, auth, world, extra):
    auth.login(world.email("family"))
    booking_id = book_json(client, world, extra, slot(3)).get_json()["id"]
    assert client.get(f"/api/v1/bookings/{booking_id}").get_json()["status"] == "pending_payment"
    pay_by_event(client, booking_id)
    shown = client.get(f"/api/v1/bookings/{booking_id}").get_json()
    assert shown["status"] == "confirmed" and shown["paid"] and shown["hold_expires_at"] is None
    assert shown["refund_if_cancelled_cents"] == 4080
    cancelled = client.post(f"/api/v1/bookings/{booking_id}/cancel", json={"reason": "Ziek"})
    assert cancelled.status_code == 200
    body = cancelled.get_json()
    assert body["refund"] == {"cents": 4080, "requested": True}
    assert body["status"] == "refunded" and body["refund_cents"] == 4080  # the demo delivers the refund at once
    assert body["refund_state"] == "refunded"
    twice = client.post(f"/api/v1/bookings/{booking_id}/cancel")  # no body: the family needs no reason
    assert twice.status_code == 409 and twice.get_json()["error"]["code"] == "already_cancelled"
    paying = client.post(f"/api/v1/bookings/{booking_id}/pay")
    assert paying.status_code == 409 and paying.get_json()["error"]["code"] == "booking_closed"


def test_an_on_request_extra_is_requested_without_a_checkout(client, auth, world):
    extra = make_extra(world, kind="on_request")
    auth.login(world.email("family"))
    response = book_json(client, world, extra, slot(4, 11).replace(minute=15))
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "requested" and body["checkout_url"] is None and body["hold_expires_at"] is None


@pytest.mark.parametrize(("start", "message"), [
    ("2026-12-07T10:00:00", "tijdzone"),            # naive
    ("٢٠٢٦-12-07T10:00:00+01:00", "2026-12-07"),     # Arabic-Indic digits
    ("２０２６-12-07T10:00:00+01:00", "2026-12-07"),  # full-width digits
    ("2026-12-07", "2026-12-07"),                    # a date only
    ("2026-02-30T10:00:00+01:00", "bestaat niet"),
    ("tomorrow", "2026-12-07"),
    (1765098000, "getoonde momenten"),
    ("", "verplicht"),
])
def test_a_moment_that_is_not_iso_with_an_offset_is_refused_by_name(client, auth, world, extra, start, message):
    auth.login(world.email("family"))
    response = book_json(client, world, extra, start)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert message in error["fields"]["start"] and count() == 0


def test_whitespace_around_the_moment_is_ignored(client, auth, world, extra):
    auth.login(world.email("family"))
    assert book_json(client, world, extra, f"  {slot(3).isoformat()}\n").status_code == 201


def test_bad_moments_and_taken_seats_are_named_and_book_nothing(client, auth, world, extra):
    auth.login(world.email("family"))
    past = book_json(client, world, extra, slot(-1))
    assert past.status_code == 409 and past.get_json()["error"]["code"] == "slot_past"
    outside = book_json(client, world, extra, slot(3, 20))
    assert outside.status_code == 422 and outside.get_json()["error"]["code"] == "not_a_slot"
    off_grid = book_json(client, world, extra, slot(3).replace(minute=7))
    assert off_grid.status_code == 422 and "start" in off_grid.get_json()["error"]["fields"]
    assert count() == 0
    assert book_json(client, world, extra, slot(3)).status_code == 201
    taken = book_json(client, world, extra, slot(3))
    assert taken.status_code == 409
    assert taken.get_json()["error"]["code"] == "slot_taken" and "iemand anders" in taken.get_json()["error"]["message"]
    assert count() == 1


def test_a_family_cannot_book_for_another_resident_nor_see_or_cancel_its_bookings(client, auth, world, extra):
    auth.login(world.email("family"))
    other = client.post("/api/v1/bookings", json={"extra_id": extra.id, "client_id": world.other.id,
                                                  "start": slot(3).isoformat()})
    foreign = client.post("/api/v1/bookings", json={"extra_id": extra.id, "client_id": world.foreign.id,
                                                    "start": slot(3).isoformat()})
    assert other.status_code == 403 and foreign.status_code == 404 and count() == 0
    with client.application.test_request_context():
        theirs = bookings.book(world.users["resident"], extra_id=extra.id, client_id=world.own.id, start=slot(5))
    auth.logout()
    auth.login("viewonly@a.test")  # a family contact without decide: sees, cannot book, pay or cancel
    assert client.get(f"/api/v1/bookings/{theirs.id}").status_code == 200
    assert client.post(f"/api/v1/bookings/{theirs.id}/cancel", json={}).status_code == 403
    assert client.post(f"/api/v1/bookings/{theirs.id}/pay").status_code == 403
    assert book_json(client, world, extra, slot(6)).status_code == 403
    auth.logout()
    auth.login(world.foreign_admin.email)
    assert client.get(f"/api/v1/bookings/{theirs.id}").status_code == 404
    assert client.post(f"/api/v1/bookings/{theirs.id}/cancel", json={}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Booking, theirs.id).status == "pending_payment" and count() == 1


def test_unknown_fields_and_wrong_types_are_refused(client, auth, world, extra):
    auth.login(world.email("family"))
    assert book_json(client, world, extra, slot(3), price_cents=1).status_code == 422
    assert client.post("/api/v1/bookings", json={"extra_id": "1", "client_id": world.own.id,
                                                 "start": slot(3).isoformat()}).status_code == 422
    assert book_json(client, world, extra, slot(3), notes=["x"]).status_code == 422
    assert book_json(client, world, extra, slot(3), notes="x" * 501).status_code == 422
    assert count() == 0


def test_paying_an_expired_booking_is_refused(client, auth, world, extra):
    auth.login(world.email("family"))
    booking_id = book_json(client, world, extra, slot(3)).get_json()["id"]
    db.session.get(Booking, booking_id).hold_expires_at = datetime.now(timezone.utc) - timedelta(seconds=1)
    db.session.commit()
    assert client.get(f"/api/v1/bookings/{booking_id}").get_json()["status"] == "expired"
    response = client.post(f"/api/v1/bookings/{booking_id}/pay")
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "booking_closed"


# -- the pages ----------------------------------------------------------------------------------

def page_csrf(client, world) -> str:
    return csrf_from(client.get(f"/clients/{world.own.id}/bookings").get_data(as_text=True))


def test_the_booking_form_goes_to_the_checkout_and_the_page_shows_the_hold(client, auth, world, extra):
    auth.login(world.email("family"))
    token = page_csrf(client, world)
    response = client.post(f"/extras/{extra.id}/book", data={
        "csrf_token": token, "client_id": str(world.own.id), "start": slot(3).isoformat(), "notes": "Met dochter"})
    assert response.status_code == 303 and "demo" in response.headers["Location"]
    booking = db.session.scalar(select(Booking))
    page = client.get(f"/bookings/{booking.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "data-until" in html and "Met dochter" in html
    assert "10:00–11:00 · Team Eik" in html  # local time, the end on the same day by its time only
    assert f"/bookings/{booking.id}/pay" in html and f"/bookings/{booking.id}/cancel" in html
    paying = client.post(f"/bookings/{booking.id}/pay", data={"csrf_token": token})
    assert paying.status_code == 303 and paying.headers["Location"] == response.headers["Location"]


def test_a_refused_booking_shows_the_reason_and_books_nothing(client, auth, world, extra):
    auth.login(world.email("family"))
    token = page_csrf(client, world)
    naive = client.post(f"/extras/{extra.id}/book", data={
        "csrf_token": token, "client_id": str(world.own.id), "start": slot(3).isoformat()[:19]})
    assert naive.status_code == 422 and f"/extras/{extra.id}" in naive.get_data(as_text=True)
    past = client.post(f"/extras/{extra.id}/book", data={
        "csrf_token": token, "client_id": str(world.own.id), "start": slot(-2).isoformat()})
    assert past.status_code == 409
    bad_client = client.post(f"/extras/{extra.id}/book", data={
        "csrf_token": token, "client_id": "١", "start": slot(3).isoformat()})
    assert bad_client.status_code == 422
    client.environ_base.pop("HTTP_X_CSRFTOKEN")
    no_csrf = client.post(f"/extras/{extra.id}/book", data={"client_id": str(world.own.id),
                                                            "start": slot(3).isoformat()})
    assert no_csrf.status_code == 400 and count() == 0


def test_on_request_the_family_types_a_local_date_and_time(client, auth, world):
    extra = make_extra(world, kind="on_request")
    auth.login(world.email("family"))
    token = page_csrf(client, world)
    day = slot(4).date().isoformat()
    response = client.post(f"/extras/{extra.id}/book", data={
        "csrf_token": token, "client_id": str(world.own.id), "date": day, "time": "11:30"})
    booking = db.session.scalar(select(Booking))
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/bookings/{booking.id}")
    assert booking.starts_at == datetime.combine(slot(4).date(), time(11, 30), tzinfo=LOCAL_ZONE)
    assert booking.status == "requested"


def test_the_cancel_form_shows_the_refund_first_and_the_receipt_prints(client, auth, world, extra):
    auth.login(world.email("family"))
    token = page_csrf(client, world)
    booking_id = book_json(client, world, extra, slot(3)).get_json()["id"]
    pay_by_event(client, booking_id)
    html = client.get(f"/bookings/{booking_id}").get_data(as_text=True)
    assert "40,80" in html and f"/bookings/{booking_id}/cancel" in html
    receipt = client.get(f"/bookings/{booking_id}/receipt")
    assert receipt.status_code == 200 and "40,80" in receipt.get_data(as_text=True)
    done = client.post(f"/bookings/{booking_id}/cancel", data={"csrf_token": token, "reason": ""})
    assert done.status_code == 303
    db.session.expire_all()
    booking = db.session.get(Booking, booking_id)
    assert booking.status == "refunded" and booking.refund_cents == 4080
    again = client.post(f"/bookings/{booking_id}/cancel", data={"csrf_token": token})
    assert again.status_code == 303
    assert f"/bookings/{booking_id}/cancel" not in client.get(f"/bookings/{booking_id}").get_data(as_text=True)


def test_the_provider_s_reason_is_shown_to_the_family(client, auth, world, extra):
    auth.login(world.email("family"))
    booking_id = book_json(client, world, extra, slot(3)).get_json()["id"]
    pay_by_event(client, booking_id)
    with client.application.test_request_context():
        bookings.cancel(world.users["team_lead"], booking_id, reason="De bus is kapot",
                        by=bookings.Canceller.PROVIDER)
    html = client.get(f"/bookings/{booking_id}").get_data(as_text=True)
    assert "De bus is kapot" in html and "40,80" in html
    listed = client.get(f"/clients/{world.own.id}/bookings").get_data(as_text=True)
    assert f"/bookings/{booking_id}" in listed


def test_the_list_and_pages_of_another_family_are_out_of_reach(client, auth, world, extra):
    with client.application.test_request_context():
        booking = bookings.book(world.users["family"], extra_id=extra.id, client_id=world.own.id, start=slot(3))
    auth.login(world.foreign_admin.email)
    assert client.get(f"/bookings/{booking.id}").status_code == 404
    assert client.get(f"/bookings/{booking.id}/receipt").status_code == 404
    assert client.get(f"/clients/{world.own.id}/bookings").status_code == 404


def write_bookings(world, extra, count_: int, offset: int) -> None:
    """Paid bookings written directly (each at its own moment; seats are not what is measured)."""
    for n in range(count_):
        start = slot(2 + (offset + n) // 6, 10 + (offset + n) % 6)
        booking = Booking(organisation_id=world.org.id, extra_id=extra.id, provider_id=extra.provider_id,
                          client_id=world.own.id, booked_by_id=world.users["family"].id, starts_at=start,
                          ends_at=start + timedelta(minutes=60), status="confirmed", price_cents=4080, org_share_pct=10)
        db.session.add(booking)
        db.session.flush()
        payment = Payment(organisation_id=world.org.id, client_id=world.own.id, purpose="extra_booking",
                          reference_id=booking.id, payer_id=world.users["family"].id, amount_cents=4080,
                          status="paid", provider_session_id=f"cs_list_{booking.id}")
        db.session.add(payment)
        db.session.flush()
        booking.payment_id = payment.id
    db.session.commit()


@pytest.mark.parametrize("path", ["/clients/{own}/bookings", "/api/v1/clients/{own}/bookings"])
@pytest.mark.parametrize("role", ["family", "team_lead"])
def test_the_bookings_list_keeps_a_constant_query_count(client, auth, world, extra, count_queries, path, role):
    url = path.format(own=world.own.id)
    auth.login(world.email(role))
    write_bookings(world, extra, 3, 0)
    other = make_extra(world)  # a second extra and provider team: more objects to load
    write_bookings(world, other, 2, 100)
    client.get(url)  # warm up
    with count_queries() as small:
        response = client.get(url)
    assert response.status_code == 200
    write_bookings(world, extra, 40, 200)
    write_bookings(world, other, 10, 300)
    with count_queries() as large:
        response = client.get(url)
    assert response.status_code == 200 and response.get_data(as_text=True).count("/receipt" if "api" not in path else '"extra_id"') == 55
    assert large.count == small.count, f"{small.count} statements for 5 bookings, {large.count} for 55"


def test_a_late_cancellation_with_a_late_refund_setting_gives_part_back_and_says_so(client, auth, world, extra):
    """The organisation's settings: free cancellation up to 100 hours ahead, later half back. A
    booking 3 days ahead cancelled now gets 2040 of 4080; the page says it was refunded."""
    db.session.add(MarketSettings(organisation_id=world.org.id, team_org_share_pct=10, freelancer_org_share_pct=5,
                                  home_team_share_pct=15, min_price_cents=50, hold_minutes=30, free_cancel_hours=100,
                                  late_refund_pct=50))
    db.session.commit()
    auth.login(world.email("family"))
    booking_id = book_json(client, world, extra, slot(3)).get_json()["id"]
    pay_by_event(client, booking_id)
    assert client.get(f"/api/v1/bookings/{booking_id}").get_json()["refund_if_cancelled_cents"] == 2040
    html = client.get(f"/bookings/{booking_id}").get_data(as_text=True)
    assert "20,40" in html
    body = client.post(f"/api/v1/bookings/{booking_id}/cancel", json={"reason": ""}).get_json()
    assert body["refund"] == {"cents": 2040, "requested": True}
    assert (body["status"], body["refund_cents"], body["refund_state"]) == ("cancelled", 2040, "refunded")
    listed = client.get(f"/api/v1/clients/{world.own.id}/bookings").get_json()["upcoming"]
    assert [(b["id"], b["refund_state"]) for b in listed] == [(booking_id, "refunded")]
    html = client.get(f"/bookings/{booking_id}").get_data(as_text=True)
    assert "Teruggestort: € 20,40" in html.replace("\xa0", " ")


def test_cancel_takes_no_body_or_a_json_object_with_a_reason_only(client, auth, world, extra):
    auth.login(world.email("family"))
    booking_id = book_json(client, world, extra, slot(3)).get_json()["id"]
    assert client.post(f"/api/v1/bookings/{booking_id}/cancel", data="reason=x",
                       content_type="application/x-www-form-urlencoded").status_code == 415
    assert client.post(f"/api/v1/bookings/{booking_id}/cancel", json={"refund_cents": 4080}).status_code == 422
    assert client.post(f"/api/v1/bookings/{booking_id}/cancel", json={"reason": 7}).status_code == 422
    db.session.expire_all()
    assert db.session.get(Booking, booking_id).status == "pending_payment"
    assert client.post(f"/api/v1/bookings/{booking_id}/cancel").get_json()["status"] == "cancelled"
