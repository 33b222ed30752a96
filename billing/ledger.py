"""Booking entries, balances and the ledger's own check (``flask ledger verify``)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from marketplace.core.db_types import local_today, utcnow
from marketplace.core.extensions import db

from .domain import AccountKind, LineKind, Transfer, check, reversal
from .models import Account, JournalEntry, LedgerLine


class DuplicateEntry(Exception):
    """An entry with this idempotency key is already booked; nothing was booked again."""


def _owner(key: str) -> tuple[AccountKind, int | None]:
    kind, _, owner = key.partition(":")
    return AccountKind(kind), int(owner) if owner else None


def accounts_for(organisation_id: int, keys: set[str]) -> dict[str, Account]:
    """The accounts with these keys, created when missing (flushes)."""
    existing = {a.key: a for a in db.session.scalars(
        select(Account).where(Account.organisation_id == organisation_id, Account.key.in_(keys)))}
    for key in keys - existing.keys():
        kind, owner = _owner(key)
        account = Account(organisation_id=organisation_id, key=key, kind=kind.value,
                          client_id=owner if kind in (AccountKind.CLIENT_BUDGET, AccountKind.CLIENT_SAVINGS,
                                                      AccountKind.COPAY_RECEIVABLE) else None,
                          team_id=owner if kind == AccountKind.TEAM_BUDGET else None)
        db.session.add(account)
        existing[key] = account
    db.session.flush()
    return existing


def entry_exists(key: str) -> bool:
    return db.session.scalar(select(JournalEntry.id).where(JournalEntry.idempotency_key == key)) is not None


def book(organisation_id: int, key: str, kind: str, transfers: list[Transfer], *, memo: str = "",
         booked_on: date | None = None, client_id: int | None = None, team_id: int | None = None,
         reverses: JournalEntry | None = None, accounts: dict[str, Account] | None = None) -> JournalEntry:
    """Add one entry to the transaction (the caller commits).

    :raises UnbalancedEntry: a transfer without a positive amount or between one account.
    :raises DuplicateEntry: the key is booked already (checked first; the unique constraint
        catches a race).
    """
    transfers = check(transfers)
    if entry_exists(key):
        raise DuplicateEntry(key)
    accounts = accounts if accounts is not None else accounts_for(
        organisation_id, {t.source for t in transfers} | {t.target for t in transfers})
    entry = JournalEntry(organisation_id=organisation_id, idempotency_key=key, kind=kind, memo=memo[:300],
                         booked_on=booked_on or local_today(), created_at=utcnow(), client_id=client_id,
                         team_id=team_id, reverses_id=reverses.id if reverses else None)
    entry.lines = [LedgerLine(source_account_id=accounts[t.source].id, target_account_id=accounts[t.target].id,
                              amount_cents=t.amount_cents, kind=t.kind.value) for t in transfers]
    db.session.add(entry)
    return entry


def transfers_of(entry: JournalEntry) -> list[Transfer]:
    return [Transfer(line.source.key, line.target.key, line.amount_cents, LineKind(line.kind)) for line in entry.lines]


def reverse(entry: JournalEntry, key: str, memo: str = "", booked_on: date | None = None) -> JournalEntry:
    """Book the entry back the other way. :raises DuplicateEntry: already reversed under this key."""
    return book(entry.organisation_id, key, "reversal", reversal(transfers_of(entry)), memo=memo,
                booked_on=booked_on, client_id=entry.client_id, team_id=entry.team_id, reverses=entry)


def balances(account_ids: list[int]) -> dict[int, int]:
    """Sum of postings per account (target +, source -), in one query."""
    if not account_ids:
        return {}
    incoming = dict(db.session.execute(
        select(LedgerLine.target_account_id, func.sum(LedgerLine.amount_cents))
        .where(LedgerLine.target_account_id.in_(account_ids)).group_by(LedgerLine.target_account_id)).all())
    outgoing = dict(db.session.execute(
        select(LedgerLine.source_account_id, func.sum(LedgerLine.amount_cents))
        .where(LedgerLine.source_account_id.in_(account_ids)).group_by(LedgerLine.source_account_id)).all())
    return {aid: int(incoming.get(aid, 0) or 0) - int(outgoing.get(aid, 0) or 0) for aid in account_ids}


def balance_of(organisation_id: int, key: str) -> int:
    account_id = db.session.scalar(select(Account.id).where(Account.organisation_id == organisation_id,
                                                            Account.key == key))
    return balances([account_id]).get(account_id, 0) if account_id else 0


def savings_balances(client_ids: list[int]) -> dict[int, int]:
    """Each client's savings balance, in a fixed number of queries."""
    if not client_ids:
        return {}
    accounts = dict(db.session.execute(select(Account.id, Account.client_id).where(
        Account.kind == AccountKind.CLIENT_SAVINGS.value, Account.client_id.in_(client_ids))).all())
    by_account = balances(list(accounts))
    return {client_id: by_account.get(account_id, 0) for account_id, client_id in accounts.items()}


# -- verification --------------------------------------------------------------------------

@dataclass(frozen=True)
class Breach:
    rule: str
    detail: str


def verify(organisation_id: int | None = None) -> list[Breach]:
    """Recompute every invariant from the stored rows; an empty list means the ledger is sound."""
    breaches: list[Breach] = []
    in_org = (lambda q, col: q.where(col == organisation_id)) if organisation_id is not None else (lambda q, col: q)
    empty = db.session.scalars(in_org(select(JournalEntry.idempotency_key).where(
        ~select(LedgerLine.id).where(LedgerLine.entry_id == JournalEntry.id).exists()),
        JournalEntry.organisation_id)).all()
    breaches += [Breach("entry without transfers", key) for key in empty]
    bad_lines = db.session.scalars(in_org(
        select(LedgerLine.id).join(JournalEntry, JournalEntry.id == LedgerLine.entry_id).where(
            (LedgerLine.amount_cents <= 0) | (LedgerLine.source_account_id == LedgerLine.target_account_id)),
        JournalEntry.organisation_id)).all()
    breaches += [Breach("transfer without a positive amount between two accounts", f"line {i}") for i in bad_lines]
    cross = db.session.execute(in_org(
        select(JournalEntry.idempotency_key).join(LedgerLine, LedgerLine.entry_id == JournalEntry.id)
        .join(Account, Account.id.in_([LedgerLine.source_account_id, LedgerLine.target_account_id]))
        .where(Account.organisation_id != JournalEntry.organisation_id).distinct(),
        JournalEntry.organisation_id)).scalars().all()
    breaches += [Breach("transfer to another organisation's account", key) for key in cross]
    totals = balances(list(db.session.scalars(in_org(select(Account.id), Account.organisation_id))))
    if sum(totals.values()) != 0:
        breaches.append(Breach("postings do not sum to zero", str(sum(totals.values()))))
    kinds = dict(db.session.execute(in_org(select(Account.id, Account.kind), Account.organisation_id)).all())
    for account_id, total in totals.items():
        if kinds[account_id] == AccountKind.CLIENT_SAVINGS.value and total < 0:
            breaches.append(Breach("negative savings", f"account {account_id}: {total}"))
        if kinds[account_id] == AccountKind.CLIENT_BUDGET.value and total != 0:
            breaches.append(Breach("weekly budget not fully settled", f"account {account_id}: {total}"))
    reversed_twice = db.session.execute(in_org(
        select(JournalEntry.reverses_id, func.count()).where(JournalEntry.reverses_id.is_not(None)),
        JournalEntry.organisation_id).group_by(JournalEntry.reverses_id).having(func.count() > 1)).all()
    breaches += [Breach("entry reversed twice", str(entry_id)) for entry_id, _ in reversed_twice]
    return breaches




def last_settled_monday(organisation_id: int) -> date | None:
    """The Monday of the organisation's latest settled week, or None before the first.

    Settlement entries are booked on their week's Monday; care asks this so that no price or
    budget change reaches back into a week whose money is booked.
    """
    return db.session.scalar(select(func.max(JournalEntry.booked_on)).where(
        JournalEntry.organisation_id == organisation_id, JournalEntry.kind == "settlement"))
