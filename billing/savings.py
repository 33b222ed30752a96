"""A client's savings: unspent budget kept for later core care (DOMAIN.md §4)."""
from __future__ import annotations

from .ledger import savings_balances


def savings_balance_cents(client_id: int) -> int:
    """The balance of the client's savings account in the ledger."""
    return savings_balances([client_id]).get(client_id, 0)
