"""The rules of ratings (issue 11, item 5), without an app: who may rate, what replaces what, and
when a team's average may be shown."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace.market.rating_rules import (
    Given, Period, ScoreOutOfRange, check_scores, mark_of, replaces, served_within, summarise,
)

TEAM, OTHER = 1, 2
TODAY = date(2026, 12, 3)
ALL_EIGHT = {"care": 8, "attention": 8, "communication": 8, "reliability": 8, "atmosphere": 8}


@pytest.mark.parametrize("periods, expected", [
    ([Period(TEAM, date(2026, 1, 5), None)], True),                       # still served
    ([Period(TEAM, date(2025, 1, 6), date(2026, 6, 4))], True),           # left on 4 June: served on 3 June
    ([Period(TEAM, date(2025, 1, 6), date(2026, 6, 3))], False),          # last day served was 2 June
    ([Period(OTHER, date(2026, 1, 5), None)], False),                     # another team
    ([Period(TEAM, date(2026, 12, 7), None)], False),                     # a choice not yet in effect
    ([Period(TEAM, date(2025, 1, 6), date(2025, 8, 4)), Period(OTHER, date(2025, 8, 4), None)], False),
    ([], False),
], ids=["current", "left-within-6-months", "left-6-months-ago", "other-team", "future", "long-ago", "none"])
def test_a_family_may_rate_a_team_that_served_its_resident_in_the_last_6_months(periods, expected):
    assert served_within(periods, TEAM, TODAY) is expected


def test_six_months_counts_calendar_months_to_the_last_day_of_a_short_month():
    # 31 August minus 6 months is 28 February (no 31 February).
    assert served_within([Period(TEAM, date(2025, 1, 1), date(2026, 3, 1))], TEAM, date(2026, 8, 31))
    assert not served_within([Period(TEAM, date(2025, 1, 1), date(2026, 2, 28))], TEAM, date(2026, 8, 31))


@pytest.mark.parametrize("previous, expected", [
    (date(2026, 12, 3), True),
    (date(2026, 6, 4), True),
    (date(2026, 6, 3), False),   # exactly 6 months: a new period, the old rating stands
    (date(2025, 1, 1), False),
])
def test_a_new_rating_within_6_months_replaces_the_previous_one(previous, expected):
    assert replaces(previous, TODAY) is expected


@pytest.mark.parametrize("bad", [0, 11, -1, 7.5, "8", None, True])
def test_marks_are_whole_numbers_from_1_to_10(bad):
    with pytest.raises(ScoreOutOfRange) as refused:
        check_scores({**ALL_EIGHT, "attention": bad})
    assert refused.value.aspects == ["attention"]


def test_every_aspect_must_be_given():
    with pytest.raises(ScoreOutOfRange) as refused:
        check_scores({"care": 8})
    assert refused.value.aspects == ["attention", "communication", "reliability", "atmosphere"]


def test_the_mark_of_a_rating_is_the_mean_of_its_five_aspects():
    assert mark_of({"care": 9, "attention": 8, "communication": 7, "reliability": 8, "atmosphere": 7}) \
        == Decimal("7.8")


def test_five_ratings_from_five_families_show_an_average():
    summary = summarise([Given(client, Decimal(mark)) for client, mark in
                         ((1, "8"), (2, "7.6"), (3, "8.2"), (4, "7"), (5, "9"))])
    assert (summary.average, summary.count, summary.families) == (Decimal("8.0"), 5, 5)
    assert summary.shown


def test_three_ratings_are_too_few():
    summary = summarise([Given(client, Decimal(8)) for client in (1, 2, 3)])
    assert (summary.average, summary.count, summary.families) == (None, 3, 3)


def test_five_ratings_from_four_families_are_too_few():
    summary = summarise([Given(client, Decimal(8)) for client in (1, 2, 3, 4, 4)])
    assert (summary.average, summary.count, summary.families) == (None, 5, 4)


def test_the_average_rounds_half_up_to_one_decimal():
    # (7.2 + 7.2 + 7.2 + 7.2 + 7.4) / 5 = 7.24 → 7.2; (7.2 * 3 + 7.4 * 2) / 5 = 7.28 → 7.3; 7.25 → 7.3
    assert summarise([Given(c, Decimal(m)) for c, m in enumerate(["7.2"] * 4 + ["7.4"])]).average == Decimal("7.2")
    assert summarise([Given(c, Decimal(m)) for c, m in enumerate(["7.2", "7.2", "7.3", "7.3", "7.25", "7.25"])]) \
        .average == Decimal("7.3")


@given(st.lists(st.tuples(st.integers(1, 8), st.integers(1, 10)), max_size=20))
def test_an_average_is_shown_exactly_when_five_ratings_come_from_five_families(ratings):
    summary = summarise([Given(client, Decimal(mark)) for client, mark in ratings])
    families = len({client for client, _ in ratings})
    assert summary.shown == (len(ratings) >= 5 and families >= 5)
    assert summary.count == len(ratings) and summary.families == families
    if summary.shown:
        assert Decimal(1) <= summary.average <= Decimal(10)
