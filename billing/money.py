"""Money is integer cents. Formatting and parsing live in the kernel; splitting is the ledger's."""
from __future__ import annotations

from marketplace.core.money import InvalidAmount, format_euro, parse_euro

__all__ = ["InvalidAmount", "format_euro", "parse_euro", "split"]


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
