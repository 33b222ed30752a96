"""A resident's savings: unspent budget kept for later core care (DOMAIN.md §4)."""
from __future__ import annotations


def savings_balance_cents(client_id: int) -> int:
    """The balance of the resident's savings account in the ledger."""
    from .ledger import savings_balances

    return savings_balances([client_id]).get(client_id, 0)
