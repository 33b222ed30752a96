"""``ledger verify`` per booking of an extra (issue 12, item 8), registered with
``billing.ledger.register_check``: the bookkeeping of each booking's payment recomputed from the
stored rows.

* paid = sum of shares: the payment's entry moves exactly its amount out of the clearing account,
  into the booking's shares (split by the percentages fixed on the booking) and any overpayment;
  the payment that paid a booking settles its whole price;
* refunded ≤ paid: what the payment, its refund entries and the booking say was given back never
  exceeds what was paid, and the refund entries add up to the payment's refunded amount;
* shares reversed in proportion: what all refunds took back from each share equals the
  cumulative proportion of the settled part refunded (the remainder on the last share).
"""
from __future__ import annotations

import re
from collections import defaultdict

from sqlalchemy import or_, select

from billing.domain import AccountKind, account_key
from billing.models import Account, JournalEntry, LedgerLine, Payment
from marketplace.core.extensions import db

from .bookings import EXTRA_BOOKING, ExtraBookingPurpose
from .extras_domain import in_proportion, split
from .models import Booking

_REFUND_MEMO = re.compile(r"refund .+ of payment (\d+)")
CLEARING = account_key(AccountKind.PAYMENT_CLEARING)
OVERPAID = f"{AccountKind.OVERPAYMENT.value}:"
ELSEWHERE = "(not the clearing account)"


def check_bookings(organisation_id: int | None) -> list[tuple[str, str]]:
    """The breaches of every booking's money, in a constant number of queries."""
    def in_org(query, column):
        return query.where(column == organisation_id) if organisation_id is not None else query

    paid = list(db.session.scalars(in_org(select(Payment).where(
        Payment.purpose == EXTRA_BOOKING, Payment.paid_at.is_not(None)), Payment.organisation_id)))
    breaches: list[tuple[str, str]] = []
    if not paid:
        return breaches
    by_id = {payment.id: payment for payment in paid}
    bookings = {row.id: row for row in db.session.scalars(in_org(select(Booking).where(
        Booking.id.in_({payment.reference_id for payment in paid})), Booking.organisation_id))}
    # Every line of the payments' entries and their refunds: (payment id, "payment"|"refund", kind, team, cents).
    keys = [f"payment:{payment_id}" for payment_id in by_id]
    rows = db.session.execute(in_org(
        select(JournalEntry.idempotency_key, JournalEntry.kind, JournalEntry.memo, LedgerLine.amount_cents,
               LedgerLine.source_account_id, LedgerLine.target_account_id)
        .join(LedgerLine, LedgerLine.entry_id == JournalEntry.id)
        .where(or_(JournalEntry.idempotency_key.in_(keys),
                   (JournalEntry.kind == "refund") & JournalEntry.memo.like("refund % of payment %"))),
        JournalEntry.organisation_id)).all()
    account_ids = {row.source_account_id for row in rows} | {row.target_account_id for row in rows}
    accounts = dict(db.session.execute(select(Account.id, Account.key).where(Account.id.in_(account_ids))).all())
    into: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))   # the payment's entry
    back: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))   # its refund entries
    booked = set()
    for key, kind, memo, cents, source, target in rows:
        if kind == "refund":
            match = _REFUND_MEMO.fullmatch(memo or "")
            payment_id = int(match.group(1)) if match else None
            if payment_id not in by_id:
                continue
            back[payment_id][accounts[source]] += cents
            if accounts[target] != CLEARING:
                back[payment_id][ELSEWHERE] += cents
        else:
            payment_id = int(key.split(":", 1)[1])
            booked.add(payment_id)
            if accounts[source] != CLEARING:
                into[payment_id][ELSEWHERE] += cents
            into[payment_id][accounts[target]] += cents

    for payment in paid:
        booking = bookings.get(payment.reference_id)
        name = f"booking {payment.reference_id}, payment {payment.id}"
        if booking is None:
            breaches.append(("extra payment without its booking", name))
            continue
        if payment.id not in booked:
            breaches.append(("extra payment not booked", name))
            continue
        shares_at = ExtraBookingPurpose._accounts(booking)
        lines = into[payment.id]
        settled = payment.amount_cents - payment.overpaid_cents
        shares = [lines.get(account, 0) for account in shares_at]
        overpaid = sum(cents for key, cents in lines.items() if key.startswith(OVERPAID))
        if lines.get(ELSEWHERE) or sum(lines.values()) != payment.amount_cents or overpaid != payment.overpaid_cents:
            breaches.append(("extra payment not booked as its amount", f"{name}: {sum(lines.values())} booked of "
                                                                       f"{payment.amount_cents}"))
        if sum(shares) != settled or sum(shares) + overpaid != sum(lines.values()):
            breaches.append(("extra paid is not the sum of its shares", f"{name}: shares {shares}, settled {settled}"))
        elif shares != split(settled, ExtraBookingPurpose._percents(booking)):
            breaches.append(("extra shares not split as fixed on the booking",
                             f"{name}: {shares} for {booking.org_share_pct} %"))
        if booking.payment_id == payment.id and settled != booking.price_cents:
            breaches.append(("extra paid is not its price", f"{name}: settled {settled} of {booking.price_cents}"))
        if booking.payment_id is not None and booking.payment_id != payment.id and settled != 0:
            breaches.append(("extra paid twice", f"{name}: the booking was paid by payment {booking.payment_id}"))
        # Refunds.
        taken = back[payment.id]
        refunded = sum(cents for account, cents in taken.items() if account != ELSEWHERE)
        if taken.get(ELSEWHERE) or refunded != payment.refunded_cents:
            breaches.append(("extra refunds not booked as refunded", f"{name}: {refunded} booked, "
                                                                     f"{payment.refunded_cents} refunded"))
        if not 0 <= payment.refunded_cents <= payment.amount_cents or booking.refund_cents > booking.price_cents:
            breaches.append(("extra refunded more than paid", f"{name}: {payment.refunded_cents} of "
                                                              f"{payment.amount_cents}"))
        refunded_settled = max(payment.refunded_cents - payment.overpaid_cents, 0)
        if refunded_settled <= settled and sum(shares) == settled:
            expected = in_proportion(shares, refunded_settled)
            reversed_ = [taken.get(account, 0) for account in shares_at]
            if reversed_ != expected:
                breaches.append(("extra shares not reversed in proportion",
                                 f"{name}: {reversed_} reversed, {expected} due"))
        elif refunded_settled > settled:
            breaches.append(("extra refunded more than paid", f"{name}: {refunded_settled} of settled {settled}"))
    return breaches
