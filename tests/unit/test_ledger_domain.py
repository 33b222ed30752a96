"""Entries of transfers balance by construction; the worked examples settle into the right pots."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.domain import (AccountKind, LineKind, Transfer, UnbalancedEntry, account_key, balances, check,
                            postings, reversal, settlement_transfers)
from care.domain import settle
from tests.unit.test_budget_domain import B_5VV, WORKED_EXAMPLES

BUDGET, SAVINGS, TEAM = (account_key(AccountKind.CLIENT_BUDGET, 1), account_key(AccountKind.CLIENT_SAVINGS, 1),
                         account_key(AccountKind.TEAM_BUDGET, 9))


@pytest.mark.parametrize("amount", [0, -5, 1.5, True, "10"])
def test_a_transfer_needs_a_positive_whole_amount(amount):
    with pytest.raises(UnbalancedEntry):
        check([Transfer("a:", "b:", amount, LineKind.PAYMENT)])


def test_an_entry_needs_transfers_between_two_accounts():
    with pytest.raises(UnbalancedEntry):
        check([])
    with pytest.raises(UnbalancedEntry):
        check([Transfer("a:", "a:", 5, LineKind.PAYMENT)])


@pytest.mark.parametrize("core, balance, use, c, load, colour, from_savings, copay, to_savings", WORKED_EXAMPLES)
def test_worked_examples_settle_into_the_right_pots(core, balance, use, c, load, colour, from_savings, copay,
                                                    to_savings):
    week = settle(22890, c, B_5VV, balance, use)
    totals = balances(settlement_transfers(week, 1, 9))
    assert totals.get(BUDGET, 0) == 0  # the whole budget is spent or saved
    assert totals.get(SAVINGS, 0) == to_savings - from_savings
    assert totals[TEAM] == 22890 + c  # the team is paid for all the care it delivered
    assert -totals.get(account_key(AccountKind.COPAY_RECEIVABLE, 1), 0) == copay
    assert -totals[account_key(AccountKind.FUNDING)] == B_5VV
    assert sum(totals.values()) == 0


def test_reindication_week_is_paid_by_the_reserve():
    week = settle(90650, 3690, 61500)
    totals = balances(settlement_transfers(week, 1, 9))
    assert totals[account_key(AccountKind.RESERVE)] == -29150
    assert totals[TEAM] == 90650 + 3690
    assert totals[account_key(AccountKind.COPAY_RECEIVABLE, 1)] == -3690


amounts = st.integers(min_value=0, max_value=500_000)


@given(h=amounts, c=amounts, b=st.integers(min_value=1, max_value=500_000), savings=amounts, use=st.booleans())
def test_every_settlement_balances_and_a_reversal_undoes_it(h, c, b, savings, use):
    transfers = check(settlement_transfers(settle(h, c, b, savings, use), 1, 9))
    assert sum(amount for _, amount in postings(transfers)) == 0
    undone = balances(transfers + reversal(transfers))
    assert all(value == 0 for value in undone.values())
