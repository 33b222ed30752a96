"""The pure rules of money movement: entries of transfers that always balance.

Every account is a pot. A transfer moves a positive amount from a *source* pot to a *target*
pot; as postings that is ``-amount`` on the source and ``+amount`` on the target, so every
transfer, and so every entry, sums to zero: an unbalanced entry cannot even be written down.
A balance is the sum of an account's postings. Money from outside (the Wlz funder, the
payment provider) enters through pots that go negative: ``funding`` and ``payment_clearing``.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Iterable, Protocol


class AccountKind(StrEnum):
    FUNDING = "funding"                    # the indications' money, from the Wlz funder (negative)
    CLIENT_BUDGET = "client_budget"        # a client's weekly budget while it is spent (0 after settling)
    CLIENT_SAVINGS = "client_savings"      # a client's saved budget (never negative)
    COPAY_RECEIVABLE = "copay_receivable"  # a client's co-payments: negative while owed
    TEAM_BUDGET = "team_budget"            # what a team earned
    RESERVE = "reserve"                    # the organisation's reserve: negative by what it paid
    FEES = "fees"                          # the organisation's share of extras
    PAYMENT_CLEARING = "payment_clearing"  # money received through the payment provider (negative)
    OVERPAYMENT = "overpayment"            # a client's payment beyond what was due: to be refunded
    FREELANCER = "freelancer"              # a freelancer's earnings, paid out by the provider (Connect)


class LineKind(StrEnum):
    ALLOCATION = "allocation"
    HEALTH = "health"
    CORE = "core"
    RESERVE = "reserve"
    SAVINGS_DRAW = "savings_draw"
    COPAY = "copay"
    TO_SAVINGS = "to_savings"
    PAYMENT = "payment"
    REFUND = "refund"
    FEE = "fee"
    EXTRA = "extra"
    OVERPAYMENT = "overpayment"


class UnbalancedEntry(ValueError):
    """A transfer that cannot be booked: no positive whole amount, or to its own source."""


@dataclass(frozen=True)
class Transfer:
    source: str  # account key, e.g. "client_budget:7"
    target: str
    amount_cents: int
    kind: LineKind


def check(transfers: Iterable[Transfer]) -> list[Transfer]:
    """Refuse what cannot be booked. :raises UnbalancedEntry:"""
    result = list(transfers)
    if not result:
        raise UnbalancedEntry("an entry needs at least one transfer")
    for t in result:
        if isinstance(t.amount_cents, bool) or not isinstance(t.amount_cents, int) or t.amount_cents <= 0:
            raise UnbalancedEntry(f"amount must be a positive whole number of cents, got {t.amount_cents!r}")
        if t.source == t.target:
            raise UnbalancedEntry("a transfer needs two different accounts")
    return result


def postings(transfers: Iterable[Transfer]) -> list[tuple[str, int]]:
    """Signed postings: source -amount, target +amount. They always sum to zero."""
    result = []
    for t in transfers:
        result += [(t.source, -t.amount_cents), (t.target, t.amount_cents)]
    return result


def balances(transfers: Iterable[Transfer]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for key, amount in postings(transfers):
        totals[key] = totals.get(key, 0) + amount
    return totals


def reversal(transfers: Iterable[Transfer]) -> list[Transfer]:
    """The correcting entry: every transfer back the other way."""
    return [Transfer(t.target, t.source, t.amount_cents, LineKind.REFUND) for t in transfers]


def account_key(kind: AccountKind, owner: int | None = None) -> str:
    return f"{kind.value}:{owner if owner is not None else ''}"


class SettledWeek(Protocol):
    """One client's settled week (``care.domain.Settlement`` has this shape; the ledger kernel
    does not import the care domain)."""

    budget_cents: int
    health_from_budget: int
    reserve_cents: int
    core_from_budget: int
    from_savings: int
    copay_cents: int
    to_savings: int


def settlement_transfers(week: SettledWeek, client_id: int, team_id: int) -> list[Transfer]:
    """The transfers of one client's settled week (DOMAIN.md §4), zero amounts left out."""
    budget = account_key(AccountKind.CLIENT_BUDGET, client_id)
    savings = account_key(AccountKind.CLIENT_SAVINGS, client_id)
    team = account_key(AccountKind.TEAM_BUDGET, team_id)
    transfers = [
        Transfer(account_key(AccountKind.FUNDING), budget, week.budget_cents, LineKind.ALLOCATION),
        Transfer(budget, team, week.health_from_budget, LineKind.HEALTH),
        Transfer(account_key(AccountKind.RESERVE), team, week.reserve_cents, LineKind.RESERVE),
        Transfer(budget, team, week.core_from_budget, LineKind.CORE),
        Transfer(savings, team, week.from_savings, LineKind.SAVINGS_DRAW),
        Transfer(account_key(AccountKind.COPAY_RECEIVABLE, client_id), team, week.copay_cents, LineKind.COPAY),
        Transfer(budget, savings, week.to_savings, LineKind.TO_SAVINGS),
    ]
    return [t for t in transfers if t.amount_cents]


def payment_transfers(client_id: int, amount_cents: int) -> list[Transfer]:
    """A paid co-payment: money through the provider settles what the client owed."""
    return [Transfer(account_key(AccountKind.PAYMENT_CLEARING), account_key(AccountKind.COPAY_RECEIVABLE, client_id),
                     amount_cents, LineKind.PAYMENT)]
