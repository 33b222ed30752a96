"""Money is integer cents. One place formats it for people."""
from __future__ import annotations


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


class InvalidAmount(ValueError):
    """Text that is not an amount of euros with at most two decimals."""


def parse_euro(text: str) -> int:
    """``"1.234,50"``, ``"1234.50"`` or ``"€ 12"`` → cents, via Decimal once, at the edge.

    :raises InvalidAmount: anything else (never clamped, never rounded away).
    """
    from decimal import Decimal, InvalidOperation

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


def split(amount_cents: int, percentages: list[int]) -> list[int]:
    """Shares of ``amount_cents``: each rounded down, except the last, which takes the remainder.

    ``split(4080, [10, 90])`` → ``[408, 3672]``; ``split(12345, [5, 15, 80])`` → ``[617, 1851, 9877]``.

    :raises ValueError: a negative amount, a negative share, or shares that do not add up to 100 %.
    """
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or amount_cents < 0:
        raise ValueError("the amount must be a whole, non-negative number of cents")
    if not percentages or any(p < 0 for p in percentages) or sum(percentages) != 100:
        raise ValueError("shares must be non-negative percentages adding up to 100")
    shares = [amount_cents * pct // 100 for pct in percentages[:-1]]
    return shares + [amount_cents - sum(shares)]
