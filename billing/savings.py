"""A resident's savings: unspent budget kept for later core care (DOMAIN.md §4)."""
from __future__ import annotations


def savings_balance_cents(client_id: int) -> int:
    """The resident's savings balance.

    Savings only arise from settling weeks, which the ledger (a later issue) books; until
    then no resident has any, so the balance is zero. The ledger replaces this body with
    the sum of the resident's savings postings.
    """
    return 0
