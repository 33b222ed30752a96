"""Whole numbers from people, URLs and JSON: ASCII digits only, within bounds.

``int()``, ``str.isdigit()``, ``\\d`` and ``strptime`` all accept Arabic-Indic and full-width
digits (``int("١٢") == 12``), so a number typed in another script would pass unseen. Every
number of a form, query string, path or JSON body goes through one of these.
"""
from __future__ import annotations

import re
from datetime import date

from flask import request
from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter, ValidationError

from .errors import InvalidInput

MAX_INT = 2**63 - 1  # what a BIGINT column holds
_DIGITS = re.compile(r"[0-9]{1,19}", re.ASCII)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


class InvalidNumber(InvalidInput):
    """Not a whole number of ASCII digits from ``low`` to ``high``."""

    def __init__(self, field: str, low: int, high: int):
        super().__init__(field, _l("Enter a whole number from %(min)d to %(max)d.", min=low, max=high))


class InvalidDate(InvalidInput):
    """Not a date written as 2026-11-30."""

    def __init__(self, field: str):
        super().__init__(field, _l("Enter a date like 2026-11-30."))


def parse_int(text: object, field: str, *, low: int = 0, high: int = MAX_INT) -> int:
    """``"42"`` (surrounding whitespace allowed) → 42. :raises InvalidNumber: anything else."""
    if not isinstance(text, str) or not _DIGITS.fullmatch(text.strip()) or not low <= int(text) <= high:
        raise InvalidNumber(field, low, high)
    return int(text)


def json_int(value: object, field: str, *, low: int = 0, high: int = MAX_INT) -> int:
    """A JSON integer (not a boolean, not a string, not a float) from ``low`` to ``high``.

    :raises InvalidNumber:
    """
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidNumber(field, low, high)
    return value


def parse_iso_date(text: object, field: str) -> date:
    """``"2026-11-30"`` → a date; nothing else. :raises InvalidDate:"""
    if not isinstance(text, str) or not _ISO_DATE.fullmatch(text.strip()):
        raise InvalidDate(field)
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise InvalidDate(field) from exc


def int_arg(name: str, default: int | None = None, *, low: int = 1, high: int = MAX_INT) -> int | None:
    """A whole number from the query string; ``default`` when absent or empty.

    :raises InvalidNumber: anything but ASCII digits within bounds (422, never a 500 from a
        number no column can hold).
    """
    value = request.args.get(name, "")
    if value == "":
        return default
    return parse_int(value, name, low=low, high=high)


def date_arg(name: str) -> date | None:
    """A day from the query string (2026-11-30); None when absent or empty. :raises InvalidDate: (422)"""
    value = request.args.get(name, "")
    return parse_iso_date(value, name) if value else None


class AsciiIntConverter(IntegerConverter):
    """``<int:id>`` for ASCII digits only, and no number a BIGINT cannot hold (a 404, not a 500)."""

    regex = r"[0-9]+"

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_INT,
                 signed: bool = False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    def to_python(self, value: str) -> int:
        if len(value) > 19:
            raise ValidationError()
        return super().to_python(value)
