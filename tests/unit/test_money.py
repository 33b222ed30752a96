import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.money import InvalidAmount, format_euro, parse_euro, split


@pytest.mark.parametrize("cents, nl, en", [
    (123450, "€ 1.234,50", "€1,234.50"), (0, "€ 0,00", "€0.00"), (5, "€ 0,05", "€0.05"),
    (-1790, "-€ 17,90", "-€17.90"), (100000000, "€ 1.000.000,00", "€1,000,000.00"),
])
def test_euro_amounts_are_formatted_the_dutch_way(cents, nl, en):
    assert format_euro(cents) == nl
    assert format_euro(cents, "en") == en


def test_money_is_never_a_float():
    with pytest.raises(TypeError):
        format_euro(12.5)


@pytest.mark.parametrize("text, cents", [("1.234,50", 123450), ("1234.50", 123450), ("€ 12", 1200),
                                         ("0,05", 5), ("885,60", 88560)])
def test_parse_euro(text, cents):
    assert parse_euro(text) == cents


@pytest.mark.parametrize("text", ["", "abc", "1,234", "12,345", "1.2.3", "1,5e3"])
def test_parse_euro_refuses_what_is_not_an_amount(text):
    with pytest.raises(InvalidAmount):
        parse_euro(text)


@pytest.mark.parametrize("amount, shares, expected", [
    (4080, [10, 90], [408, 3672]),
    (4080, [5, 15, 80], [204, 612, 3264]),
    (12345, [5, 15, 80], [617, 1851, 9877]),
    (1, [10, 90], [0, 1]),
])
def test_split_rounds_down_and_the_last_share_takes_the_rest(amount, shares, expected):
    assert split(amount, shares) == expected


@pytest.mark.parametrize("amount, shares", [(-1, [100]), (100, [50, 40]), (100, []), (100, [110, -10])])
def test_split_refuses_impossible_input(amount, shares):
    with pytest.raises(ValueError):
        split(amount, shares)


@given(amount=st.integers(min_value=0, max_value=10**9),
       first=st.integers(min_value=0, max_value=100))
def test_split_never_loses_a_cent(amount, first):
    shares = split(amount, [first, 100 - first])
    assert sum(shares) == amount and all(s >= 0 for s in shares)
