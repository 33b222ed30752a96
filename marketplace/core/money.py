"""Money for people: integer cents formatted the Dutch (or English) way, and parsed once, at the edge."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

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


def parse_euro(text: str) -> int:
    """``"1.234,50"``, ``"1234.50"`` or ``"€ 12"`` → cents, via Decimal once, at the edge.

    :raises InvalidAmount: anything else (never clamped, never rounded away).
    """
    cleaned = text.strip().replace("€", "").replace(" ", "").replace("\u00a0", "")
    if "," in cleaned:
        # Dutch: dots group thousands, the comma is the decimal sign.
        cleaned = cleaned.replace(".", "").replace(",", ".")
    if not cleaned or cleaned.count(".") > 1 or cleaned.lstrip("-").replace(".", "").isdigit() is False:
        raise InvalidAmount(text)
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise InvalidAmount(text) from exc
    cents = value * 100
    if cents != cents.to_integral_value():
        raise InvalidAmount(text)
    return int(cents)
