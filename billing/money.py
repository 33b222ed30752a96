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
