"""What freelancers' extras brought in, from the ledger (issue 13, items 4 and 5): per month the
gross paid, the organisation's fee, the home team's share and the freelancer's earnings, net of
refunds; the payouts Stripe reported; a monthly statement per booking.

Every figure is a sum of ledger lines of the entries that touch a freelancer's account (the
payment of a booking and its refunds book all three shares in one entry), so it agrees with
``ledger verify`` by construction. One query per view.
"""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import aliased, selectinload

from billing.domain import AccountKind
from billing.models import Account, JournalEntry, LedgerLine
from marketplace.core.calendar import next_month
from marketplace.core.db_types import LOCAL_ZONE
from marketplace.core.extensions import db

from .extras_domain import BookingStatus
from .models import Booking, Extra, Freelancer, Provider


@dataclass
class MonthShares:
    month: date
    gross: int = 0        # what families paid, less refunds
    fee: int = 0          # the organisation's share
    home_team: int = 0    # the home team's share
    earnings: int = 0     # the freelancer's share (paid out by Stripe)


def _share_lines(freelancer_ids: list[int], since: date | None = None):
    """Rows (freelancer id, month day, target kind, source kind, amount) of every line of the
    entries that touch these freelancers' accounts."""
    own = aliased(Account)
    touching = (select(LedgerLine.entry_id, own.key)
                .join(own, own.id.in_([LedgerLine.source_account_id, LedgerLine.target_account_id]))
                .where(own.kind == AccountKind.FREELANCER.value,
                       own.key.in_([f"{AccountKind.FREELANCER.value}:{i}" for i in freelancer_ids]))
                .distinct().subquery())
    source, target = aliased(Account), aliased(Account)
    query = (select(touching.c.key, JournalEntry.booked_on, source.kind, target.kind, LedgerLine.amount_cents)
             .join(LedgerLine, LedgerLine.entry_id == touching.c.entry_id)
             .join(JournalEntry, JournalEntry.id == LedgerLine.entry_id)
             .join(source, source.id == LedgerLine.source_account_id)
             .join(target, target.id == LedgerLine.target_account_id))
    if since is not None:
        query = query.where(JournalEntry.booked_on >= since)
    return db.session.execute(query).all()


_SHARE_OF_KIND = {AccountKind.FEES.value: "fee", AccountKind.TEAM_BUDGET.value: "home_team",
                  AccountKind.FREELANCER.value: "earnings"}


def monthly_shares(freelancer_ids: list[int], since: date | None = None) -> dict[int, list[MonthShares]]:
    """Per freelancer, per month (newest first), the shares net of refunds. One query."""
    result: dict[int, dict[date, MonthShares]] = defaultdict(dict)
    for key, booked_on, source_kind, target_kind, amount in _share_lines(freelancer_ids, since):
        freelancer_id = int(key.split(":", 1)[1])
        month = booked_on.replace(day=1)
        shares = result[freelancer_id].setdefault(month, MonthShares(month))
        if source_kind == AccountKind.PAYMENT_CLEARING.value and target_kind in _SHARE_OF_KIND:
            sign, kind = 1, target_kind
        elif target_kind == AccountKind.PAYMENT_CLEARING.value and source_kind in _SHARE_OF_KIND:
            sign, kind = -1, source_kind
        else:
            continue
        name = _SHARE_OF_KIND[kind]
        setattr(shares, name, getattr(shares, name) + sign * amount)
        shares.gross += sign * amount
    return {freelancer_id: sorted(months.values(), key=lambda s: s.month, reverse=True)
            for freelancer_id, months in result.items()}


@dataclass(frozen=True)
class StatementLine:
    booking_id: int
    day: date          # the day the money moved
    extra: str
    starts_at: object  # aware datetime of the booking
    kind: str          # "payment" or "refund"
    gross: int
    fee: int
    home_team: int
    earnings: int


@dataclass
class Statement:
    freelancer: Freelancer
    month: date
    lines: list[StatementLine] = field(default_factory=list)

    def total(self, name: str) -> int:
        return sum(getattr(line, name) for line in self.lines)


def statement(freelancer: Freelancer, month: date) -> Statement:
    """Each payment and refund of the freelancer's bookings booked in ``month``, with its shares.
    Three queries (the entries, their lines, the bookings)."""
    account_key = f"{AccountKind.FREELANCER.value}:{freelancer.id}"
    own = select(Account.id).where(Account.organisation_id == freelancer.organisation_id,
                                   Account.key == account_key).scalar_subquery()
    entries = list(db.session.scalars(
        select(JournalEntry).join(LedgerLine, LedgerLine.entry_id == JournalEntry.id)
        .where((LedgerLine.source_account_id == own) | (LedgerLine.target_account_id == own),
               JournalEntry.booked_on >= month, JournalEntry.booked_on < next_month(month))
        .distinct().order_by(JournalEntry.booked_on, JournalEntry.id)))
    # The entry's payment: "payment:<id>" or memo "refund <id> of payment <payment id>".
    payment_ids = {}
    for entry in entries:
        if entry.kind == "payment":
            payment_ids[entry.id] = int(entry.idempotency_key.split(":", 1)[1])
        else:
            payment_ids[entry.id] = int(entry.memo.rsplit(" ", 1)[-1])
    bookings = {b.payment_id: b for b in db.session.scalars(
        select(Booking).where(Booking.payment_id.in_(set(payment_ids.values()))).options(selectinload(Booking.extra)))}
    result = Statement(freelancer, month)
    for entry in entries:
        booking = bookings.get(payment_ids[entry.id])
        shares = {"fee": 0, "home_team": 0, "earnings": 0}
        sign = 1 if entry.kind == "payment" else -1
        for line in entry.lines:
            kind = line.target.kind if sign > 0 else line.source.kind
            if kind in _SHARE_OF_KIND:
                shares[_SHARE_OF_KIND[kind]] += sign * line.amount_cents
        result.lines.append(StatementLine(
            booking.id if booking else 0, entry.booked_on, booking.extra.title if booking else "",
            booking.starts_at if booking else None, "payment" if sign > 0 else "refund",
            sum(shares.values()), shares["fee"], shares["home_team"], shares["earnings"]))
    return result


def statement_csv(s: Statement) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["date", "booking_id", "extra", "kind", "gross_cents", "organisation_fee_cents",
                     "home_team_cents", "earnings_cents"])
    for line in s.lines:
        writer.writerow([line.day.isoformat(), line.booking_id, line.extra, line.kind, line.gross, line.fee,
                         line.home_team, line.earnings])
    writer.writerow(["total", "", "", "", s.total("gross"), s.total("fee"), s.total("home_team"), s.total("earnings")])
    return out.getvalue()


def bookings_per_day(provider_id: int, since, until) -> list[tuple[date, int]]:
    """(local day, bookings that hold a place) for the provider between two instants."""
    rows = db.session.execute(select(Booking.starts_at).where(
        Booking.provider_id == provider_id, Booking.starts_at >= since, Booking.starts_at < until,
        Booking.status.in_([BookingStatus.CONFIRMED.value, BookingStatus.DELIVERED.value,
                            BookingStatus.NO_SHOW.value]))).scalars().all()
    counts: dict[date, int] = defaultdict(int)
    for starts_at in rows:
        counts[starts_at.astimezone(LOCAL_ZONE).date()] += 1
    return sorted(counts.items())


@dataclass(frozen=True)
class HomeFreelancer:
    freelancer: Freelancer
    extras: list[Extra]
    months: list[MonthShares]


def home_team_view(team_id: int) -> list[HomeFreelancer]:
    """The freelancers at home in the team, their extras, and the share they brought in per
    month. Three queries whatever the number of freelancers."""
    freelancers = list(db.session.scalars(select(Freelancer).where(Freelancer.home_team_id == team_id)
                                          .order_by(Freelancer.name)))
    ids = [f.id for f in freelancers]
    extras: dict[int, list[Extra]] = defaultdict(list)
    if ids:
        for extra, freelancer_id in db.session.execute(
                select(Extra, Provider.freelancer_id).join(Provider, Provider.id == Extra.provider_id)
                .where(Provider.freelancer_id.in_(ids), Extra.active.is_(True)).order_by(Extra.title)).all():
            extras[freelancer_id].append(extra)
    shares = monthly_shares(ids) if ids else {}
    return [HomeFreelancer(f, extras[f.id], shares.get(f.id, [])) for f in freelancers]

