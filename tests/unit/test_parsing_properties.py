"""Properties of parsing at the edge (issue 9): weeks, months, ISO dates, whole numbers and euro
amounts. Every accepted spelling maps to one value and round-trips; everything else raises the
InvalidInput-derived error, never another exception. Non-ASCII digits are never accepted."""
from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from marketplace.core.calendar import FIRST_YEAR, LAST_YEAR, InvalidMonth, InvalidWeek, Month, Week
from marketplace.core.errors import InvalidInput
from marketplace.core.money import MAX_CENTS, InvalidAmount, format_euro, parse_euro
from marketplace.core.numbers import MAX_INT, InvalidDate, InvalidNumber, parse_int, parse_iso_date

OTHER_DIGITS = [str.maketrans("0123456789", digits) for digits in
                ("٠١٢٣٤٥٦٧٨٩", "０１２３４５６７８９", "۰۱۲۳۴۵۶۷۸۹", "०१२३४५६७८९", "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗")]
WHITESPACE = st.sampled_from(["", " ", "\t", "\n", "\u00a0", "\u2003"])
# Text that looks like what the parsers take: digits of every script, signs, separators, spaces.
ALPHABET = st.sampled_from(list("0123456789-+.,€ W\t\u00a0eE_") + ["٣", "３", "²", "½", "Ⅻ", "\ud800"])
NEAR_MISS = st.text(ALPHABET, max_size=24)
ANY_TEXT = st.one_of(st.text(max_size=30), NEAR_MISS)
HUGE = st.integers(min_value=-10**40, max_value=10**40).map(str)
INPUT = st.one_of(ANY_TEXT, HUGE, st.integers().map(lambda n: n), st.none(), st.floats(allow_nan=False))


def has_other_digits(text: object) -> bool:
    return isinstance(text, str) and any(unicodedata.digit(ch, None) is not None and not ch.isascii()
                                         for ch in text)


def check(parse, error, text):
    """Either a value or ``error`` (an InvalidInput); nothing else escapes."""
    try:
        value = parse(text)
    except error as exc:
        assert isinstance(exc, InvalidInput)
        return None
    assert not has_other_digits(text), f"accepted other digits: {text!r}"
    return value


# -- weeks --------------------------------------------------------------------------------------

@given(st.dates(min_value=date(FIRST_YEAR, 1, 3), max_value=date(LAST_YEAR, 12, 31)), WHITESPACE, WHITESPACE)
def test_every_week_round_trips_through_its_text(day, before, after):
    week = Week.of(day)
    assert Week.parse(f"{before}{week}{after}") == week
    assert str(Week.parse(str(week))) == str(week)


@given(INPUT)
@example("2026-W48 ")
@example("2026-W53")
@example("+2026-W48")
@example("２０２６-W48")
@example("2026-W٤٨")
def test_a_week_is_parsed_into_its_normal_form_or_refused(text):
    week = check(Week.parse, InvalidWeek, text)
    if week is not None:
        assert str(week) == text.strip()  # the only accepted spelling besides surrounding space
        assert Week.parse(str(week)) == week


@pytest.mark.parametrize("digits", OTHER_DIGITS)
def test_a_week_in_other_digits_is_refused(digits):
    with pytest.raises(InvalidWeek):
        Week.parse("2026-W48".translate(digits))


# -- months -------------------------------------------------------------------------------------

@given(st.integers(FIRST_YEAR, LAST_YEAR), st.integers(1, 12), WHITESPACE)
def test_every_month_round_trips_through_its_text(year, number, space):
    month = Month(year, number)
    assert Month.parse(f"{space}{month}{space}") == month


@given(INPUT)
@example("2026-11")
@example("2026-1")
@example("2026-13")
@example("1999-12")
@example("٢٠٢٦-11")
def test_a_month_is_parsed_into_its_normal_form_or_refused(text):
    month = check(Month.parse, InvalidMonth, text)
    if month is not None:
        assert str(month) == text.strip()
        assert FIRST_YEAR <= month.year <= LAST_YEAR


# -- ISO dates (the API's active_from, every date field of the forms) ----------------------------

@given(st.dates())
def test_every_date_round_trips_through_iso(day):
    assert parse_iso_date(day.isoformat(), "day") == day


@given(INPUT)
@example("20270104")
@example("2027-1-4")
@example("2027-01-04T00:00")
@example("٢٠٢٧-01-04")
@example("2027-02-30")
def test_a_date_is_iso_in_ascii_digits_or_refused(text):
    day = check(lambda t: parse_iso_date(t, "day"), InvalidDate, text)
    if day is not None:
        assert day.isoformat() == text.strip()


# -- whole numbers (forms, query strings) ------------------------------------------------------------

@given(st.integers(0, MAX_INT))
def test_every_whole_number_round_trips(number):
    assert parse_int(str(number), "n") == number


@given(INPUT)
@example(str(2**63))
@example("٣")
@example("１２")
@example("²")
@example("-1")
@example("+1")
@example("1_000")
def test_a_whole_number_is_ascii_digits_within_a_bigint_or_refused(text):
    number = check(lambda t: parse_int(t, "n"), InvalidNumber, text)
    if number is not None:
        assert 0 <= number <= MAX_INT and str(number) == text.strip().lstrip("0").rjust(1, "0")


# -- euro amounts -----------------------------------------------------------------------------------

@given(st.integers(-MAX_CENTS, MAX_CENTS))
def test_every_amount_round_trips_through_its_dutch_text(cents):
    assert parse_euro(format_euro(cents).strip("€ ")) == cents
    assert parse_euro(format_euro(cents)) == cents


@given(INPUT)
@example("١٢")
@example("１２,５０")
@example("1.000")
@example("1,5e3")
@example("+5")
@example("9" * 40)
@example("1,234")
@example("1.2.3,00")
@example("12,345")
@example("€ 1.234,50")
@example("1234.5")
def test_an_amount_is_ascii_digits_with_one_meaning_or_refused(text):
    cents = check(parse_euro, InvalidAmount, text)
    if cents is not None:
        assert isinstance(cents, int) and abs(cents) <= MAX_CENTS
        # One value: its normal spelling reads back to the same cents.
        assert parse_euro(format_euro(cents).strip("€ ")) == cents


@pytest.mark.parametrize("digits", OTHER_DIGITS)
@pytest.mark.parametrize("text", ["12", "17,90", "1.234,50", "1234.50"])
def test_an_amount_in_other_digits_is_refused(digits, text):
    with pytest.raises(InvalidAmount):
        parse_euro(text.translate(digits))


@pytest.mark.parametrize("text, cents", [("1.000", 100000), ("1.00", 100), ("1,5", 150), ("-€ 17,90", -1790),
                                         (" € 1 234,50 ", 123450)])
def test_a_dot_before_three_digits_groups_thousands_and_before_one_or_two_is_a_decimal_point(text, cents):
    assert parse_euro(text) == cents
