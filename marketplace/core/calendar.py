"""The calendar of the product: ISO weeks, months, Mondays and adding months.

Weeks and months arrive as text from forms, the API and the command line. They are parsed
once, at the edge, into these value objects; keys and queries are built from the normalised
value only (``"2026-W48 "`` and ``"2026-W48"`` are the same week).
"""
from __future__ import annotations

import calendar as _calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l

from .errors import InvalidInput

# ASCII digits only: str.isdigit() and \d also accept Arabic-Indic and full-width digits.
_WEEK_RE = re.compile(r"([0-9]{4})-W([0-9]{2})", re.ASCII)
_MONTH_RE = re.compile(r"([0-9]{4})-([0-9]{2})", re.ASCII)
FIRST_YEAR, LAST_YEAR = 2000, 2100


class InvalidWeek(InvalidInput):
    """Not an ISO week like 2026-W48."""

    def __init__(self, text: object, field: str = "week"):
        super().__init__(field, _l("Write the week like 2026-W48."))
        self.text = text


class InvalidMonth(InvalidInput):
    """Not a month like 2026-11 (years 2000 to 2100)."""

    def __init__(self, text: object, field: str = "month"):
        super().__init__(field, _l("Write the month like 2026-11."))
        self.text = text


@dataclass(frozen=True, order=True)
class Week:
    """An ISO week, e.g. ``Week(2026, 48)``; ``str()`` gives ``"2026-W48"``."""

    year: int
    number: int

    @classmethod
    def parse(cls, text: object) -> Week:
        """``"2026-W48"`` (surrounding whitespace allowed) → ``Week(2026, 48)``. :raises InvalidWeek:"""
        match = _WEEK_RE.fullmatch(text.strip()) if isinstance(text, str) else None
        if not match:
            raise InvalidWeek(text)
        try:
            date.fromisocalendar(int(match[1]), int(match[2]), 1)
        except ValueError as exc:
            raise InvalidWeek(text) from exc
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def of(cls, day: date) -> Week:
        year, number, _ = day.isocalendar()
        return cls(year, number)

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.number, 1)

    def previous(self) -> Week:
        return Week.of(self.monday - timedelta(days=7))

    def __str__(self) -> str:
        return f"{self.year}-W{self.number:02d}"


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month, e.g. ``Month(2026, 11)``; ``str()`` gives ``"2026-11"``."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: object) -> Month:
        """``"2026-11"`` → ``Month(2026, 11)``, years 2000 to 2100. :raises InvalidMonth:"""
        match = _MONTH_RE.fullmatch(text.strip()) if isinstance(text, str) else None
        if not match or not FIRST_YEAR <= int(match[1]) <= LAST_YEAR or not 1 <= int(match[2]) <= 12:
            raise InvalidMonth(text)
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    def next(self) -> Month:
        return Month.of(add_months(self.first, 1))

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(first: date) -> date:
    """The first day of the month after the one ``first`` lies in."""
    return add_months(month_start(first), 1)


def add_months(anchor: date, months: int) -> date:
    """Same day of the month, or the month's last day when it is shorter."""
    month_index = anchor.month - 1 + months
    year, month = anchor.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(anchor.day, _calendar.monthrange(year, month)[1]))
