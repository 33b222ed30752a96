"""The team choice's pure rules (DOMAIN.md §6): the next Monday, open places, the waiting list's
order and the expiry of an offer. No app, no database."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, strategies as st

from marketplace.market.domain import (
    Waiting, effective_monday, free_for_newcomers, in_order, next_monday, offer_expired, offer_expires_at,
    places_left, position, to_offer,
)

UTC = timezone.utc


@pytest.mark.parametrize("day, monday", [
    (date(2026, 12, 3), date(2026, 12, 7)),    # Thursday
    (date(2026, 12, 6), date(2026, 12, 7)),    # Sunday: the next day
    (date(2026, 12, 7), date(2026, 12, 14)),   # Monday: the following Monday, not today
    (date(2026, 12, 5), date(2026, 12, 7)),    # Saturday
    (date(2026, 12, 31), date(2027, 1, 4)),    # across the year
    (date(2028, 2, 28), date(2028, 3, 6)),     # Monday before a leap day: the 29th is no Monday
    (date(2026, 3, 29), date(2026, 3, 30)),    # Sunday the clocks go forward (CEST)
    (date(2026, 3, 30), date(2026, 4, 6)),     # the Monday after
    (date(2026, 10, 25), date(2026, 10, 26)),  # Sunday the clocks go back (CET)
    (date(2026, 10, 21), date(2026, 10, 26)),  # the Wednesday of that week
])
def test_next_monday_of_any_date(day, monday):
    assert next_monday(day) == monday


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)))
def test_next_monday_is_a_monday_one_to_seven_days_later(day):
    monday = next_monday(day)
    assert monday.weekday() == 0
    assert 1 <= (monday - day).days <= 7


@pytest.mark.parametrize("now, monday", [
    # Sunday 29 March 2026, 22:30 UTC is Monday 00:30 in Amsterdam (CEST began that night): a week later.
    (datetime(2026, 3, 29, 22, 30, tzinfo=UTC), date(2026, 4, 6)),
    # Sunday 29 March 2026, 21:30 UTC is still Sunday 23:30 in Amsterdam: the next day.
    (datetime(2026, 3, 29, 21, 30, tzinfo=UTC), date(2026, 3, 30)),
    # Sunday 25 October 2026, 22:59 UTC is Sunday 23:59 CET: the next day.
    (datetime(2026, 10, 25, 22, 59, tzinfo=UTC), date(2026, 10, 26)),
    # 23:00 UTC that Sunday is Monday 00:00 CET.
    (datetime(2026, 10, 25, 23, 0, tzinfo=UTC), date(2026, 11, 2)),
])
def test_the_effective_monday_follows_the_dutch_calendar_in_dst_weeks(now, monday):
    assert effective_monday(now) == monday


def test_effective_monday_refuses_a_naive_moment():
    with pytest.raises(ValueError):
        effective_monday(datetime(2026, 12, 3, 12, 0))


@pytest.mark.parametrize("capacity, residents, promised, places", [
    (16, 12, 0, 4),
    (16, 12, 3, 1),     # three families chose it for the Monday
    (16, 15, 1, 0),     # the last place is promised
    (16, 16, 0, 0),
    (12, 14, 0, 0),     # capacity lowered below the residents: full, not negative
    (0, 0, 0, 0),
])
def test_places_on_the_effective_monday(capacity, residents, promised, places):
    assert places_left(capacity, residents, promised) == places


@given(st.integers(0, 500), st.integers(0, 500), st.integers(0, 500))
def test_places_are_never_negative_and_never_above_capacity(capacity, residents, promised):
    assert 0 <= places_left(capacity, residents, promised) <= capacity


def test_the_waiting_list_goes_before_newcomers():
    assert free_for_newcomers(2, 0) == 2
    assert free_for_newcomers(2, 1) == 1
    assert free_for_newcomers(1, 3) == 0


T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def test_first_come_first_served_with_the_entry_breaking_a_tie():
    entries = [Waiting(7, T0 + timedelta(hours=2)), Waiting(3, T0 + timedelta(hours=1)), Waiting(9, T0),
               Waiting(5, T0)]
    assert [entry.entry_id for entry in in_order(entries)] == [5, 9, 3, 7]
    assert position(entries, 5) == 1
    assert position(entries, 7) == 4
    with pytest.raises(ValueError):
        position(entries, 99)


def test_places_are_offered_to_the_first_families_without_an_offer():
    entries = [Waiting(1, T0, has_open_offer=True), Waiting(2, T0 + timedelta(minutes=1)),
               Waiting(3, T0 + timedelta(minutes=2)), Waiting(4, T0 + timedelta(minutes=3))]
    assert [entry.entry_id for entry in to_offer(entries, 1)] == [2]
    assert [entry.entry_id for entry in to_offer(entries, 2)] == [2, 3]
    assert to_offer(entries, 0) == []
    assert [entry.entry_id for entry in to_offer(entries, 9)] == [2, 3, 4]


def test_an_offer_lasts_48_hours_and_expires_at_that_moment():
    expires = offer_expires_at(T0)
    assert expires == T0 + timedelta(hours=48)
    assert not offer_expired(expires, T0 + timedelta(hours=47, minutes=59, seconds=59))
    assert offer_expired(expires, T0 + timedelta(hours=48))
    assert offer_expired(expires, T0 + timedelta(days=3))
    assert offer_expires_at(T0, 24) == T0 + timedelta(hours=24)
    with pytest.raises(ValueError):
        offer_expires_at(T0, 0)
