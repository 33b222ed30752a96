"""Recording reviews (DOMAIN.md §5): the next review follows the review held, a review before it is
due needs a reason and is an extra review, which leaves the schedule as it is."""
from datetime import date, datetime, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from care.models import Review
from marketplace.core.extensions import db as _db
from tests.conftest import csrf_from

START = date(2026, 1, 29)  # the package starts; the first review is due 42 days later
FIRST_DUE = date(2026, 3, 12)


def at(day: date):
    return time_machine.travel(datetime(day.year, day.month, day.day, 11, tzinfo=timezone.utc), tick=False)


def api(client, auth, method, path, body=None):
    return client.open(path, method=method, json=body, headers={"X-CSRFToken": auth.csrf})


def active_package(client, auth, world, group="somatic"):
    """The nurse signs a package active from START; she stays logged in."""
    world.own.target_group = group
    _db.session.commit()
    auth.login(world.email("nurse"))
    own = world.own.id
    api(client, auth, "PUT", f"/api/v1/clients/{own}/package/draft", {"lines": [{"service": "C01", "per_week": 7}]})
    api(client, auth, "POST", f"/api/v1/clients/{own}/package/draft/submit")
    signed = api(client, auth, "POST", f"/api/v1/clients/{own}/package/versions/1/sign",
                 {"active_from": START.isoformat()})
    assert signed.status_code == 200


def review(client, auth, world, **body):
    return api(client, auth, "POST", f"/api/v1/clients/{world.own.id}/reviews", {"outcome": "confirmed", **body})


def next_review(client, world):
    return client.get(f"/api/v1/clients/{world.own.id}/budget").get_json()["next_review"]


def count(db, **where):
    return db.session.scalar(select(func.count()).select_from(Review).filter_by(**where))


def test_five_reviews_on_one_day_move_the_next_review_one_interval_only(priced_world, client, auth, db):
    with at(FIRST_DUE):
        active_package(client, auth, priced_world)
        first = review(client, auth, priced_world)
        assert first.status_code == 201 and first.get_json()["review"]["kind"] == "regular"
        for _ in range(4):
            again = review(client, auth, priced_world)
            assert again.status_code == 422 and "reason" in again.get_json()["error"]["fields"]
        for _ in range(4):
            extra = review(client, auth, priced_world, reason="family asked")
            assert extra.status_code == 201 and extra.get_json()["review"]["kind"] == "extra"
        assert next_review(client, priced_world) == "2026-04-12"
    assert (count(db, kind="regular"), count(db, kind="extra")) == (1, 4)


@pytest.mark.parametrize("group, expected", [("somatic", "2026-04-22"), ("pg", "2026-06-22")])
def test_a_review_held_late_moves_the_cycle_from_the_day_it_was_held(priced_world, client, auth, db,
                                                                        group, expected):
    with at(date(2026, 3, 22)):  # ten days late
        active_package(client, auth, priced_world, group)
        held = review(client, auth, priced_world)
        assert held.status_code == 201
        assert held.get_json()["review"]["due_on"] == FIRST_DUE.isoformat()
        assert held.get_json()["review"]["held_on"] == "2026-03-22"
        assert next_review(client, priced_world) == expected


def test_a_review_is_due_from_two_weeks_before_its_date(priced_world, client, auth, db):
    with at(date(2026, 2, 25)):
        active_package(client, auth, priced_world)
        assert review(client, auth, priced_world).status_code == 422
    with at(date(2026, 2, 26)):
        auth.login(priced_world.email("nurse"))
        assert review(client, auth, priced_world).status_code == 201
        assert next_review(client, priced_world) == "2026-03-26"


def test_an_extra_review_is_recorded_and_leaves_the_schedule_alone(priced_world, client, auth, db):
    with at(date(2026, 2, 20)):
        active_package(client, auth, priced_world)
        refused = review(client, auth, priced_world, note="alles goed")
        assert refused.status_code == 422
        error = refused.get_json()["error"]
        assert "12 maart 2026" in error["fields"]["reason"]  # when it is due, in the nurse's language
        assert count(db) == 0
        extra = review(client, auth, priced_world, reason="valpartij", outcome="changed")
        assert extra.status_code == 201
        assert extra.get_json()["review"] == {**extra.get_json()["review"], "kind": "extra", "due_on": None,
                                             "reason": "valpartij", "outcome": "changed"}
        assert next_review(client, priced_world) == FIRST_DUE.isoformat()
        assert client.get(f"/api/v1/teams/{priced_world.team.id}/reviews").get_json()["reviews"] == []
        client.set_cookie("zm_lang", "en")
        priced_world.users["nurse"].locale = "en"
        db.session.commit()
        page = client.get(f"/clients/{priced_world.own.id}/budget").get_data(as_text=True)
        assert "Extra review on" in page and "valpartij" in page
        assert "12 March 2026" in page  # still the next review


def test_the_form_says_a_review_not_due_yet_needs_a_reason(priced_world, client, auth, db):
    with at(date(2026, 2, 20)):
        active_package(client, auth, priced_world)
        priced_world.users["nurse"].locale = "en"
        db.session.commit()
        budget = f"/clients/{priced_world.own.id}/budget"
        token = csrf_from(client.get(budget).get_data(as_text=True))
        posted = client.post(f"/clients/{priced_world.own.id}/reviews",
                             data={"csrf_token": token, "outcome": "confirmed", "note": ""}, follow_redirects=True)
        assert "The next review is due on 12 March 2026. To hold an extra review now, give a reason." \
            in posted.get_data(as_text=True)
        assert count(db) == 0
        posted = client.post(f"/clients/{priced_world.own.id}/reviews",
                             data={"csrf_token": token, "outcome": "confirmed", "reason": "wens van familie"},
                             follow_redirects=True)
        assert posted.status_code == 200 and count(db, kind="extra") == 1
        assert next_review(client, priced_world) == FIRST_DUE.isoformat()


@pytest.mark.parametrize("body, field", [({"reason": 5}, "reason"), ({"reason": "x" * 501}, "reason")])
def test_a_bad_reason_is_refused_and_nothing_saved(priced_world, client, auth, db, body, field):
    with at(date(2026, 2, 20)):
        active_package(client, auth, priced_world)
        refused = review(client, auth, priced_world, **body)
        assert refused.status_code == 422 and field in refused.get_json()["error"]["fields"]
    assert count(db) == 0
