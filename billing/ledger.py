"""Booking entries, balances and the ledger's own check (``flask ledger verify``)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Flask, current_app, has_app_context
from sqlalchemy import func, select

from marketplace.core.db_types import local_today, utcnow
from marketplace.core.extensions import db

from .domain import AccountKind, LineKind, Transfer, check, reversal
from .models import Account, CopayInvoice, CopayInvoiceLine, JournalEntry, LedgerLine, Payment, PaymentStatus


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
                                                      AccountKind.COPAY_RECEIVABLE, AccountKind.OVERPAYMENT)
                          else None,
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
    breaches += _business(organisation_id, in_org)
    for extra_check in (current_app.extensions.get("ledger_checks", []) if has_app_context() else []):
        breaches += [Breach(rule, detail) for rule, detail in extra_check(organisation_id)]
    return breaches


def register_check(app: Flask, check) -> None:
    """Add a check of a payment purpose's business to :func:`verify` (at start-up):
    ``check(organisation_id | None)`` returns a list of ``(rule, detail)`` breaches."""
    app.extensions.setdefault("ledger_checks", []).append(check)


def _business(organisation_id: int | None, in_org) -> list[Breach]:
    """The business behind the bookkeeping: weeks settled once, invoiced once, payments and
    refunds within what was owed and paid, overpayments given back."""
    breaches: list[Breach] = []
    # Each client is settled at most once per week (a week spelt two ways is two keys).
    twice = db.session.execute(in_org(
        select(JournalEntry.client_id, JournalEntry.booked_on, func.count())
        .where(JournalEntry.kind == "settlement", JournalEntry.reverses_id.is_(None)),
        JournalEntry.organisation_id).group_by(JournalEntry.client_id, JournalEntry.booked_on)
        .having(func.count() > 1)).all()
    breaches += [Breach("client settled twice in one week", f"client {c}, week of {d}: {n} times") for c, d, n in twice]
    # A settlement's key is built from the normalised week of its Monday.
    for key, booked_on, client_id in db.session.execute(in_org(
            select(JournalEntry.idempotency_key, JournalEntry.booked_on, JournalEntry.client_id)
            .where(JournalEntry.kind == "settlement"), JournalEntry.organisation_id)).all():
        year, week, _ = booked_on.isocalendar()
        if key != f"settle:{year}-W{week:02d}:{client_id}":
            breaches.append(Breach("settlement key not built from its week", key))
    # Every co-paid week of a month that has invoices is on exactly one invoice line, and each
    # invoice is the sum of its lines.
    weeks = {row.id: row for row in db.session.execute(in_org(
        select(JournalEntry.id, JournalEntry.client_id, JournalEntry.booked_on, JournalEntry.created_at,
               JournalEntry.memo, func.sum(LedgerLine.amount_cents).label("copay"))
        .join(LedgerLine, LedgerLine.entry_id == JournalEntry.id)
        .where(JournalEntry.kind == "settlement", LedgerLine.kind == LineKind.COPAY.value),
        JournalEntry.organisation_id).group_by(JournalEntry.id, JournalEntry.client_id, JournalEntry.booked_on,
                                               JournalEntry.created_at, JournalEntry.memo)).all()}
    lines = db.session.execute(in_org(
        select(CopayInvoiceLine.entry_id, CopayInvoiceLine.amount_cents)
        .join(CopayInvoice, CopayInvoice.id == CopayInvoiceLine.invoice_id), CopayInvoice.organisation_id)).all()
    on_invoice: dict[int, int] = {}
    for entry_id, amount in lines:
        on_invoice[entry_id] = on_invoice.get(entry_id, 0) + 1
        if entry_id not in weeks or weeks[entry_id].copay != amount:
            breaches.append(Breach("invoice line differs from its settled week", f"entry {entry_id}"))
    breaches += [Breach("week invoiced twice", f"entry {e}") for e, n in on_invoice.items() if n > 1]
    # A week settled after its month's last invoice waits for the next run; one settled before
    # an invoice run of its month that left it out was skipped.
    last_run = {(client, month): made for client, month, made in db.session.execute(in_org(
        select(CopayInvoice.client_id, CopayInvoice.month, func.max(CopayInvoice.created_at)),
        CopayInvoice.organisation_id).group_by(CopayInvoice.client_id, CopayInvoice.month)).all()}
    for entry_id, week in weeks.items():
        made = last_run.get((week.client_id, week.booked_on.replace(day=1)))
        if entry_id not in on_invoice and made is not None and made >= week.created_at:
            breaches.append(Breach("settled co-payment left off an invoice", f"entry {entry_id} ({week.memo})"))
    # (Invoices made before invoices had lines, whose weeks could not be found, have none.)
    totals = db.session.execute(in_org(
        select(CopayInvoice.id, CopayInvoice.amount_cents, func.sum(CopayInvoiceLine.amount_cents))
        .join(CopayInvoiceLine, CopayInvoiceLine.invoice_id == CopayInvoice.id), CopayInvoice.organisation_id)
        .group_by(CopayInvoice.id, CopayInvoice.amount_cents)).all()
    breaches += [Breach("invoice differs from its lines", f"invoice {i}: {a} != {t}") for i, a, t in totals
                 if a != t]
    # Payments: booked once when paid; refunds within the payment; an invoice never settled
    # beyond its amount; an overpayment flagged until it is refunded.
    paid_states = (PaymentStatus.PAID.value, PaymentStatus.PARTIALLY_REFUNDED.value, PaymentStatus.REFUNDED.value)
    booked = {key: total for key, total in db.session.execute(in_org(
        select(JournalEntry.idempotency_key, func.sum(LedgerLine.amount_cents))
        .join(LedgerLine, LedgerLine.entry_id == JournalEntry.id).where(JournalEntry.kind == "payment"),
        JournalEntry.organisation_id).group_by(JournalEntry.idempotency_key)).all()}
    refunded = {key: total for key, total in db.session.execute(in_org(
        select(JournalEntry.memo, func.sum(LedgerLine.amount_cents))
        .join(LedgerLine, LedgerLine.entry_id == JournalEntry.id).where(JournalEntry.kind == "refund"),
        JournalEntry.organisation_id).group_by(JournalEntry.memo)).all()}
    refunded_by_payment: dict[int, int] = {}
    for memo, total in refunded.items():
        payment_id = memo.rsplit(" ", 1)[-1]
        if payment_id.isascii() and payment_id.isdigit():
            refunded_by_payment[int(payment_id)] = refunded_by_payment.get(int(payment_id), 0) + int(total)
    kept: dict[int, int] = {}
    for payment in db.session.scalars(in_org(select(Payment), Payment.organisation_id)):
        key = f"payment:{payment.id}"
        if payment.status in paid_states and booked.get(key) != payment.amount_cents:
            breaches.append(Breach("paid payment not booked once", f"payment {payment.id}"))
        if payment.status not in paid_states and key in booked:
            breaches.append(Breach("unpaid payment booked", f"payment {payment.id}"))
        if payment.refunded_cents > payment.amount_cents or \
                refunded_by_payment.get(payment.id, 0) > payment.amount_cents:
            breaches.append(Breach("refunds exceed the payment", f"payment {payment.id}"))
        if refunded_by_payment.get(payment.id, 0) != payment.refunded_cents:
            breaches.append(Breach("refunds booked differ from the payment's", f"payment {payment.id}"))
        if payment.overpaid_cents > payment.refunded_cents:
            breaches.append(Breach("overpayment awaiting refund",
                                   f"payment {payment.id}: {payment.overpaid_cents - payment.refunded_cents} cents"))
        if payment.invoice_id is not None:
            kept[payment.invoice_id] = kept.get(payment.invoice_id, 0) + payment.kept_cents
    amounts = dict(db.session.execute(in_org(select(CopayInvoice.id, CopayInvoice.amount_cents),
                                             CopayInvoice.organisation_id)).all())
    breaches += [Breach("invoice paid beyond its amount", f"invoice {i}: {k} > {amounts[i]}")
                 for i, k in kept.items() if i in amounts and k > amounts[i]]
    return breaches




def last_settled_monday(organisation_id: int) -> date | None:
    """The Monday of the organisation's latest settled week, or None before the first.

    Settlement entries are booked on their week's Monday; care asks this so that no price or
    budget change reaches back into a week whose money is booked.
    """
    return db.session.scalar(select(func.max(JournalEntry.booked_on)).where(
        JournalEntry.organisation_id == organisation_id, JournalEntry.kind == "settlement"))
