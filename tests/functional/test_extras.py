"""Issue 12, items 1, 2 and 9: the team lead's extras with availability (checked all or nothing),
the families' catalogue with filters, an extra's page with its free slots and booking form, the
slots API, the market settings; every bad input of the issue that touches them."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import pytest
from sqlalchemy import func, select

from marketplace.core.db_types import LOCAL_ZONE, local_today
from marketplace.core.extensions import db
from marketplace.market import bookings, extras
from marketplace.market.extras_domain import CATEGORY_OF_CODE
from marketplace.market.models import (AvailabilityException, AvailabilityPattern, Extra, ExtraRating,
                                       MarketSettings)

from ..conftest import csrf_from

EVERY_DAY = [{"weekday": d, "start": "10:00", "end": "16:00"} for d in range(7)]
OUTING = {"code": "X01", "title": "Begeleid uitje naar de markt", "description": "Met de rolstoelbus.",
          "price_cents": 4080, "duration_minutes": 60, "kind": "timed", "seats": 6, "patterns": EVERY_DAY}


def api(client, auth, method: str, path: str, body=None):
    return client.open(path, method=method, json=body, headers={"X-CSRFToken": auth.csrf})


def extras_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Extra))


def make_extra(team, *, code="X01", title="Uitje", price=4080, seats=1, kind="timed", duration=60,
               active=True) -> Extra:
    provider = bookings.provider_for_team(team)
    extra = Extra(organisation_id=team.organisation_id, provider_id=provider.id, code=code,
                  category=CATEGORY_OF_CODE[code].value, title=title, price_cents=price, duration_minutes=duration, kind=kind,
                  seats=seats, active=active)
    extra.patterns = [AvailabilityPattern(weekday=d, starts_at=time(10), ends_at=time(16)) for d in range(7)]
    db.session.add(extra)
    db.session.commit()
    return extra


def tomorrow_at(hour: int, days: int = 1) -> datetime:
    day = local_today() + timedelta(days=days)
    return datetime.combine(day, time(hour), tzinfo=LOCAL_ZONE).astimezone(timezone.utc)


# -- the lead offers extras ---------------------------------------------------------------------

def test_the_lead_offers_an_extra_through_the_api_and_families_find_it(world, client, auth):
    auth.login(world.email("team_lead"))
    response = api(client, auth, "POST", f"/api/v1/teams/{world.team.id}/extras", OUTING)
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["category"] == "outing" and body["seats"] == 6 and body["price_cents"] == 4080
    assert body["provider"]["team_id"] == world.team.id and body["provider"]["name"] == world.team.name
    assert len(body["availability"]["patterns"]) == 7
    auth.login(world.email("family"))
    listed = client.get("/api/v1/extras").get_json()["extras"]
    assert [e["id"] for e in listed] == [body["id"]]
    first = listed[0]["next_slots"][0]
    assert first["seats_left"] == 6
    start = datetime.fromisoformat(first["start"])
    assert start.utcoffset() is not None and start > datetime.now(timezone.utc)


def test_only_the_teams_own_lead_offers_and_edits(world, client, auth):
    extra = make_extra(world.team)
    for role in ("family", "carer", "admin"):
        auth.login(world.email(role))
        assert api(client, auth, "POST", f"/api/v1/teams/{world.team.id}/extras", OUTING).status_code == 403
        assert api(client, auth, "PUT", f"/api/v1/extras/{extra.id}", {"price_cents": 100}).status_code == 403
    auth.login(world.email("team_lead"))
    assert api(client, auth, "POST", f"/api/v1/teams/{world.other_team.id}/extras", OUTING).status_code == 403
    assert api(client, auth, "POST", f"/api/v1/teams/{world.foreign_team.id}/extras", OUTING).status_code == 404
    assert extras_count() == 1
    assert db.session.get(Extra, extra.id).price_cents == 4080


BAD_EXTRAS = [
    ("price 0", {"price_cents": 0}, "price_cents"),
    ("price below the minimum", {"price_cents": 49}, "price_cents"),
    ("duration 0", {"duration_minutes": 0}, "duration_minutes"),
    ("duration beyond a day", {"duration_minutes": 1441}, "duration_minutes"),
    ("no seats", {"seats": 0}, "seats"),
    ("101 seats", {"seats": 101}, "seats"),
    ("unknown code", {"code": "C01"}, "code"),
    ("empty title", {"title": "   "}, "title"),
    ("unknown kind", {"kind": "sometimes"}, "kind"),
    ("end before start", {"patterns": [{"weekday": 0, "start": "16:00", "end": "10:00"}]}, "patterns"),
    ("end at start", {"patterns": [{"weekday": 0, "start": "10:00", "end": "10:00"}]}, "patterns"),
    ("overlapping times", {"patterns": [{"weekday": 2, "start": "10:00", "end": "12:00"},
                                        {"weekday": 2, "start": "11:00", "end": "13:00"}]}, "patterns"),
    ("a time not like 09:30", {"patterns": [{"weekday": 0, "start": "9.30", "end": "12:00"}]}, "patterns"),
    ("Arabic-Indic digits", {"patterns": [{"weekday": 0, "start": "١٠:٠٠", "end": "12:00"}]}, "patterns"),
    ("weekday 7", {"patterns": [{"weekday": 7, "start": "10:00", "end": "12:00"}]}, "patterns"),
    ("overlapping exceptions", {"exceptions": [
        {"day": "DAY", "closed": True, "start": "10:00", "end": "12:00"},
        {"day": "DAY", "closed": False, "start": "11:00", "end": "14:00"}]}, "exceptions"),
    ("a closed day beside a window", {"exceptions": [
        {"day": "DAY", "closed": True}, {"day": "DAY", "closed": False, "start": "11:00", "end": "14:00"}]},
     "exceptions"),
    ("exception ending before it starts", {"exceptions": [
        {"day": "DAY", "closed": False, "start": "14:00", "end": "11:00"}]}, "exceptions"),
    ("an open exception without times", {"exceptions": [{"day": "DAY", "closed": False}]}, "exceptions"),
    ("an exception in the past", {"exceptions": [{"day": "2020-01-01", "closed": True}]}, "exceptions"),
    ("price as text", {"price_cents": "4080"}, "price_cents"),
    ("price as boolean", {"price_cents": True}, "price_cents"),
]


def _dated(body: dict) -> dict:
    day = (local_today() + timedelta(days=5)).isoformat()
    if "exceptions" in body:
        body = {**body, "exceptions": [{**e, "day": day if e["day"] == "DAY" else e["day"]}
                                       for e in body["exceptions"]]}
    return body


@pytest.mark.parametrize("name, change, field", BAD_EXTRAS, ids=[b[0] for b in BAD_EXTRAS])
def test_a_bad_extra_is_refused_with_a_message_and_nothing_saved(world, client, auth, name, change, field):
    existing = make_extra(world.team, title="Bestaand")
    auth.login(world.email("team_lead"))
    response = api(client, auth, "POST", f"/api/v1/teams/{world.team.id}/extras", {**OUTING, **_dated(change)})
    assert response.status_code == 422, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert field in error["fields"] and error["fields"][field]
    assert extras_count() == 1
    # The same change to an existing extra: refused, the extra unchanged (and its availability).
    response = api(client, auth, "PUT", f"/api/v1/extras/{existing.id}", _dated(change))
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    db.session.expire_all()
    kept = db.session.get(Extra, existing.id)
    assert (kept.title, kept.price_cents, kept.duration_minutes, kept.seats, kept.code) == \
        ("Bestaand", 4080, 60, 1, "X01")
    assert len(kept.patterns) == 7 and kept.exceptions == []


def test_the_minimum_price_is_the_organisations_setting(world, client, auth):
    db.session.add(MarketSettings(organisation_id=world.org.id, min_price_cents=1000))
    db.session.commit()
    auth.login(world.email("team_lead"))
    refused = api(client, auth, "POST", f"/api/v1/teams/{world.team.id}/extras", {**OUTING, "price_cents": 999})
    assert refused.status_code == 422 and "price_cents" in refused.get_json()["error"]["fields"]
    accepted = api(client, auth, "POST", f"/api/v1/teams/{world.team.id}/extras", {**OUTING, "price_cents": 1000})
    assert accepted.status_code == 201


def test_a_put_changes_what_it_names_and_replaces_the_availability(world, client, auth):
    extra = make_extra(world.team)
    auth.login(world.email("team_lead"))
    day = (local_today() + timedelta(days=3)).isoformat()
    response = api(client, auth, "PUT", f"/api/v1/extras/{extra.id}", {
        "price_cents": 4500, "patterns": [{"weekday": 0, "start": "09:00", "end": "12:00"}],
        "exceptions": [{"day": day, "closed": True}, {"day": (local_today() + timedelta(days=4)).isoformat(),
                                                      "closed": False, "start": "13:00", "end": "15:00"}]})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["price_cents"] == 4500 and body["title"] == "Uitje"
    assert body["availability"]["patterns"] == [{"weekday": 0, "start": "09:00", "end": "12:00"}]
    assert body["availability"]["exceptions"][0] == {"day": day, "closed": True, "start": None, "end": None}


def test_the_lead_offers_an_extra_on_the_page_with_times_and_exceptions(priced_world, client, auth):
    world = priced_world
    auth.login(world.email("team_lead"))
    page = client.get(f"/teams/{world.team.id}/extras/new")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "X01" in text and "F04" in text and "Gastmaaltijd" in text
    day = (local_today() + timedelta(days=6)).isoformat()
    form = {"csrf_token": csrf_from(text), "code": "X03", "title": "Verwenmoment", "description": "",
            "price": "25,50", "duration_minutes": "45", "kind": "timed", "seats": "1", "active": "y",
            "pattern-0-weekday": "1", "pattern-0-start": "10:00", "pattern-0-end": "12:00",
            "pattern-1-weekday": "", "pattern-1-start": "", "pattern-1-end": "",
            "exception-0-day": day, "exception-0-kind": "closed", "exception-0-start": "", "exception-0-end": ""}
    response = client.post(f"/teams/{world.team.id}/extras/new", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    extra = db.session.scalar(select(Extra).where(Extra.title == "Verwenmoment"))
    assert (extra.price_cents, extra.category, extra.duration_minutes) == (2550, "pamper", 45)
    assert [(p.weekday, p.starts_at, p.ends_at) for p in extra.patterns] == [(1, time(10), time(12))]
    assert [(e.day.isoformat(), e.closed, e.starts_at) for e in extra.exceptions] == [(day, True, None)]
    listing = client.get(f"/teams/{world.team.id}/extras").get_data(as_text=True)
    assert "Verwenmoment" in listing and "25,50" in listing


PAGE_BAD = [
    ("price 0", {"price": "0"}, "price"),
    ("price below the minimum", {"price": "0,40"}, "price"),
    ("price as words", {"price": "veertig"}, "price"),
    ("duration 0", {"duration_minutes": "0"}, "duration_minutes"),
    ("end before start", {"pattern-0-end": "09:00"}, "patterns"),
    ("overlapping times", {"pattern-1-weekday": "1", "pattern-1-start": "11:00", "pattern-1-end": "13:00"},
     "patterns"),
    ("overlapping exceptions", {"exception-1-day": "DAY", "exception-1-kind": "open", "exception-1-start": "10:00",
                                "exception-1-end": "11:00"}, "exceptions"),
]


@pytest.mark.parametrize("name, change, field", PAGE_BAD, ids=[b[0] for b in PAGE_BAD])
def test_a_bad_extra_on_the_page_shows_the_message_next_to_the_field(world, client, auth, name, change, field):
    auth.login(world.email("team_lead"))
    page = client.get(f"/teams/{world.team.id}/extras/new").get_data(as_text=True)
    day = (local_today() + timedelta(days=6)).isoformat()
    form = {"csrf_token": csrf_from(page), "code": "X03", "title": "Verwenmoment", "price": "25,50",
            "duration_minutes": "45", "kind": "timed", "seats": "1", "active": "y",
            "pattern-0-weekday": "1", "pattern-0-start": "10:00", "pattern-0-end": "12:00",
            "exception-0-day": day, "exception-0-kind": "closed"}
    form.update({k: (day if v == "DAY" else v) for k, v in change.items()})
    response = client.post(f"/teams/{world.team.id}/extras/new", data=form)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert f'id="{field}-error"' in text or f'id="{field}-error"' in text.replace("'", '"')
    assert 'value="Verwenmoment"' in text  # what was typed is kept
    assert extras_count() == 0


# -- families browse ----------------------------------------------------------------------------

def test_families_filter_by_category_provider_price_and_dates(world, client, auth):
    outing = make_extra(world.team, code="X01", title="Uitje", price=4080, seats=6)
    pamper = make_extra(world.other_team, code="F01", title="Kapper", price=3000)
    meal = make_extra(world.team, code="F04", title="Gastmaaltijd", price=705, kind="on_request")
    make_extra(world.team, code="X04", title="Niet aangeboden", active=False)
    make_extra(world.foreign_team, code="X01", title="Uitje Haven")
    auth.login(world.email("family"))

    def ids(query: str) -> list[int]:
        response = client.get(f"/api/v1/extras{query}")
        assert response.status_code == 200, response.get_data(as_text=True)
        return [e["id"] for e in response.get_json()["extras"]]

    assert ids("") == [meal.id, pamper.id, outing.id]  # cheapest first; inactive and B's left out
    assert ids("?category=outing") == [outing.id]
    assert ids(f"?team_id={world.other_team.id}") == [pamper.id]
    assert ids("?max_price_cents=3000") == [meal.id, pamper.id]
    assert ids(f"?team_id={world.foreign_team.id}") == []
    # A range: a timed extra needs a free slot in it (closed that day: left out); on request stays.
    day = local_today() + timedelta(days=3)
    pamper = db.session.get(Extra, pamper.id)
    pamper.exceptions = [AvailabilityException(day=day, closed=True)]
    db.session.commit()
    assert ids(f"?date_from={day}&date_to={day}") == [meal.id, outing.id]
    page = client.get("/extras?category=pamper").get_data(as_text=True)
    assert ">Kapper</a>" in page and ">Uitje</a>" not in page and "30,00" in page
    page = client.get("/extras?max_price=8,00").get_data(as_text=True)
    assert ">Gastmaaltijd</a>" in page and ">Kapper</a>" not in page


BAD_FILTERS = [
    ("category=luxury", "category"), ("team_id=abc", "team_id"), ("team_id=١٢", "team_id"),
    ("max_price_cents=-1", "max_price_cents"), ("date_from=2026-13-01", "date_from"),
    ("date_from=DAY2&date_to=DAY0", "date_to"), ("date_from=DAY0&date_to=DAY90", "date_to"),
    ("date_from=2020-01-01", "date_from"),
]


def _days(query: str) -> str:
    for n in (90, 2, 0):
        query = query.replace(f"DAY{n}", (local_today() + timedelta(days=n)).isoformat())
    return query


@pytest.mark.parametrize("query, field", BAD_FILTERS, ids=[b[0] for b in BAD_FILTERS])
def test_bad_filters_are_refused_with_a_message(world, client, auth, query, field):
    make_extra(world.team)
    auth.login(world.email("family"))
    response = client.get(f"/api/v1/extras?{_days(query)}")
    assert response.status_code == 422, response.get_data(as_text=True)
    assert field in response.get_json()["error"]["fields"]
    page = client.get(f"/extras?{_days(query).replace('max_price_cents', 'max_price')}")
    assert page.status_code in (200, 422)
    assert page.status_code == 422 or field == "max_price_cents"


def test_the_extra_page_shows_price_provider_rating_and_a_booking_form_of_free_slots(world, client, auth):
    extra = make_extra(world.team, title="Uitje", seats=2)
    family = world.users["family"]
    with client.application.test_request_context():
        held = bookings.book(family, extra_id=extra.id, client_id=world.own.id, start=tomorrow_at(10, 2))
        other = bookings.book(family, extra_id=extra.id, client_id=world.own.id, start=tomorrow_at(11, 2))
    for stars, booking in ((4, held), (5, other)):
        db.session.add(ExtraRating(organisation_id=world.org.id, booking_id=booking.id, extra_id=extra.id,
                                   author_id=family.id, stars=stars))
    db.session.commit()
    auth.login(world.email("family"))
    text = client.get(f"/extras/{extra.id}").get_data(as_text=True)
    assert "40,80" in text and world.team.name in text and "4,5" in text.replace("4.5", "4,5")
    assert f'action="/extras/{extra.id}/book"' in text
    assert 'name="client_id"' in text and f'value="{world.own.id}"' in text and 'name="notes"' in text
    held_start = tomorrow_at(10, 2).isoformat()
    assert f'value="{held_start}"' in text  # one seat of two is held: still free
    api_body = client.get(f"/api/v1/extras/{extra.id}").get_json()
    assert api_body["rating"] == {"average": 4.5, "count": 2}
    # The resident's other family contact (view only) sees the extra but no form.
    auth.login("viewonly@a.test")
    assert client.get(f"/extras/{extra.id}").status_code == 403  # no *decide*: not the market's
    auth.login(world.email("carer"))
    page = client.get(f"/extras/{extra.id}").get_data(as_text=True)
    assert 'name="start"' not in page  # staff never book


def test_an_extra_on_request_asks_for_a_date_and_a_time(world, client, auth):
    extra = make_extra(world.team, code="F04", title="Gastmaaltijd", price=705, kind="on_request")
    auth.login(world.email("family"))
    text = client.get(f"/extras/{extra.id}").get_data(as_text=True)
    assert 'name="date"' in text and 'name="time"' in text and 'name="start"' not in text


def test_the_slots_api_counts_held_seats_and_bounds_its_range(world, client, auth):
    extra = make_extra(world.team, seats=2)
    family = world.users["family"]
    with client.application.test_request_context():
        bookings.book(family, extra_id=extra.id, client_id=world.own.id, start=tomorrow_at(10, 2))
    auth.login(world.email("family"))
    day = (local_today() + timedelta(days=2)).isoformat()
    response = client.get(f"/api/v1/extras/{extra.id}/slots?date_from={day}&date_to={day}")
    assert response.status_code == 200
    slots = response.get_json()["slots"]
    assert len(slots) == 6  # 10:00 to 16:00 by the hour
    assert slots[0] == {"start": tomorrow_at(10, 2).isoformat(), "end": tomorrow_at(11, 2).isoformat(),
                        "seats_left": 1}
    assert all(s["seats_left"] == 2 for s in slots[1:])
    assert datetime.fromisoformat(slots[0]["start"]).utcoffset() == timedelta(0)
    far = (local_today() + timedelta(days=70)).isoformat()
    refused = client.get(f"/api/v1/extras/{extra.id}/slots?date_from={day}&date_to={far}")
    assert refused.status_code == 422 and "date_to" in refused.get_json()["error"]["fields"]
    assert client.get(f"/api/v1/extras/{extra.id}/slots?date_from=morgen").status_code == 422
    assert client.get(f"/api/v1/extras/{extra.id + 999}/slots").status_code == 404


def test_another_organisations_extra_is_not_found(world, client, auth):
    foreign = make_extra(world.foreign_team, title="Uitje Haven")
    auth.login(world.email("family"))
    for path in (f"/extras/{foreign.id}", f"/api/v1/extras/{foreign.id}", f"/api/v1/extras/{foreign.id}/slots"):
        assert client.get(path).status_code == 404


# -- market settings ------------------------------------------------------------------------------

def test_the_administrator_sets_the_market_through_page_and_api(world, client, auth):
    auth.login(world.email("admin"))
    assert client.get("/api/v1/market/settings").get_json()["team_org_share_pct"] == 10
    response = api(client, auth, "PUT", "/api/v1/market/settings", {"free_cancel_hours": 48, "late_refund_pct": 50})
    assert response.status_code == 200 and response.get_json()["free_cancel_hours"] == 48
    page = client.get("/admin/market-settings").get_data(as_text=True)
    form = {"csrf_token": csrf_from(page), "team_org_share_pct": "12", "freelancer_org_share_pct": "5",
            "home_team_share_pct": "15", "min_price": "2,50", "hold_minutes": "30", "free_cancel_hours": "24",
            "late_refund_pct": "0"}
    assert client.post("/admin/market-settings", data=form).status_code == 302
    settings = db.session.get(MarketSettings, world.org.id, populate_existing=True)
    assert (settings.team_org_share_pct, settings.min_price_cents) == (12, 250)
    for bad in ({"hold_minutes": 29}, {"team_org_share_pct": 101}, {"min_price_cents": 0},
                {"freelancer_org_share_pct": 60, "home_team_share_pct": 50}, {"late_refund_pct": "5"}):
        assert api(client, auth, "PUT", "/api/v1/market/settings", bad).status_code == 422
    bad_page = client.post("/admin/market-settings", data={**form, "hold_minutes": "10", "team_org_share_pct": "20"})
    assert bad_page.status_code == 422 and 'id="hold_minutes-error"' in bad_page.get_data(as_text=True)
    settings = db.session.get(MarketSettings, world.org.id, populate_existing=True)
    assert (settings.team_org_share_pct, settings.hold_minutes, settings.min_price_cents) == (12, 30, 250)
    for role in ("team_lead", "family", "board"):
        auth.login(world.email(role))
        assert client.get("/api/v1/market/settings").status_code == 403
        assert client.get("/admin/market-settings").status_code == 403


# -- constant query counts ------------------------------------------------------------------------

def _grow(world, n: int) -> Extra:
    provider = bookings.provider_for_team(world.team)
    first = None
    for i in range(n):
        extra = Extra(organisation_id=world.org.id, provider_id=provider.id, code="X04", category="company",
                      title=f"Gezelschap {i}", price_cents=1000 + i, duration_minutes=60, seats=3,
                      kind="timed" if i % 3 else "on_request")
        extra.patterns = [AvailabilityPattern(weekday=d, starts_at=time(10), ends_at=time(12)) for d in range(7)]
        db.session.add(extra)
        first = first or extra
    db.session.commit()
    return first


@pytest.mark.parametrize("path", ["/extras", "/api/v1/extras", "/extras?date_from=DAY2&date_to=DAY2&category=company",
                                  "/extras/{id}", "/api/v1/extras/{id}", "/api/v1/extras/{id}/slots"])
def test_extras_pages_keep_a_constant_query_count_for_5_or_500_extras(world, client, auth, count_queries, path):
    first = _grow(world, 5)
    make_extra(world.other_team)
    with client.application.test_request_context():
        bookings.book(world.users["family"], extra_id=first.id + 1, client_id=world.own.id,
                      start=tomorrow_at(10, 2))
    url = _days(path.format(id=first.id + 1))
    auth.login(world.email("family"))
    client.get(url)
    with count_queries() as small:
        assert client.get(url).status_code == 200
    _grow(world, 495)
    with count_queries() as large:
        response = client.get(url)
        assert response.status_code == 200
    assert large.count == small.count, f"{url}: {small.count} statements for 5 extras, {large.count} for 500"
    if path.startswith("/api/v1/extras") and "{id}" not in path:
        assert len(response.get_json()["extras"]) == 501


def test_the_editor_shows_the_reference_price_beside_the_providers_own(priced_world, client, auth):
    extra = make_extra(priced_world.team, code="X01")
    auth.login(priced_world.email("team_lead"))
    text = client.get(f"/extras/{extra.id}/edit").get_data(as_text=True)
    with client.application.test_request_context():
        reference = extras.service_choices(priced_world.org, local_today(), english=False)
    x01 = next(choice for choice in reference if choice.code == "X01")
    assert x01.reference_cents and x01.reference_cents > 0
    euros = f"{x01.reference_cents // 100},{x01.reference_cents % 100:02d}"
    assert f"Referentieprijs van X01: € {euros}" in text.replace("\xa0", " ")
    f04 = next(choice for choice in reference if choice.code == "F04")
    assert (f04.name, f04.reference_cents) == ("Gastmaaltijd voor bezoek", 705)
