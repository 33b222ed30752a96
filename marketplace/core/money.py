"""Money for people: integer cents formatted the Dutch (or English) way, and parsed once, at the edge."""
from __future__ import annotations

import re
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from .errors import InvalidInput


def format_euro(cents: int, locale: str = "nl") -> str:
    """``123450`` → ``€ 1.234,50`` (Dutch) or ``€1,234.50`` (English).

    :raises TypeError: for anything but an int, so a float never sneaks into money.
    """
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise TypeError(f"money is integer cents, got {type(cents).__name__}")
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    if locale.startswith("en"):
        return f"{sign}€{euros:,}.{rest:02d}"
    grouped = f"{euros:,}".replace(",", ".")
    return f"{sign}€ {grouped},{rest:02d}"


class InvalidAmount(InvalidInput):
    """Not an amount of euros with at most two decimals (or not a positive whole number of cents)."""

    def __init__(self, text: object = "", field: str = "amount"):
        super().__init__(field, _l("Enter an amount in euros, such as 17,90."))
        self.text = text


# ASCII digits only (str.isdigit() accepts "١٢"). Without a comma, a dot before one or two
# digits is a decimal point ("1234.50"); dots before groups of three group thousands, the
# Dutch way ("1.234,50", "1.000"), so "1.000" is never one euro.
_PLAIN = re.compile(r"-?[0-9]+(?:\.[0-9]{1,2})?", re.ASCII)
_DUTCH = re.compile(r"-?(?:[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+)(?:,[0-9]{1,2})?", re.ASCII)
MAX_CENTS = 10**15  # ten thousand billion euros: far beyond any amount, far below a BIGINT


def parse_euro(text: str) -> int:
    """``"1.234,50"``, ``"1234.50"`` or ``"€ 12"`` → cents, via Decimal once, at the edge.

    :raises InvalidAmount: anything else (never clamped, never rounded away).
    """
    if not isinstance(text, str):
        raise InvalidAmount(text)
    cleaned = text.strip().replace("€", "").replace(" ", "").replace("\u00a0", "")
    if _PLAIN.fullmatch(cleaned):
        value = Decimal(cleaned)
    elif _DUTCH.fullmatch(cleaned):
        value = Decimal(cleaned.replace(".", "").replace(",", "."))
    else:
        raise InvalidAmount(text)
    cents = int(value * 100)
    if abs(cents) > MAX_CENTS:
        raise InvalidAmount(text)
    return cents
