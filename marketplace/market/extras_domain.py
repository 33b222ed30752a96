"""The pure rules of extras (DOMAIN.md §7): categories, slots from a weekly pattern, the split of a
price into shares, refunds in proportion, and the cancellation policy. No database, no clock:
every function is given what it decides on.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from enum import StrEnum

from marketplace.core.db_types import LOCAL_ZONE


class ExtraKind(StrEnum):
    TIMED = "timed"            # bookable slots with a number of seats
    ON_REQUEST = "on_request"  # the family proposes a moment, the provider confirms or declines


class Category(StrEnum):
    OUTING = "outing"          # outings and escorts
    PAMPER = "pamper"          # pampering, hairdresser, pedicure
    COMPANY = "company"        # company, reading aloud
    HOUSEHOLD = "household"    # laundry, cleaning, shopping, pets, labels, TV
    MEALS = "meals"            # a guest meal


# Which category each luxury catalogue service (X..) and fixed-price item (F..) belongs to.
CATEGORY_OF_CODE: dict[str, Category] = {
    "X01": Category.OUTING, "X02": Category.OUTING, "X06": Category.OUTING,
    "X03": Category.PAMPER, "F01": Category.PAMPER, "F02": Category.PAMPER,
    "X04": Category.COMPANY, "X05": Category.COMPANY,
    "X07": Category.HOUSEHOLD, "X08": Category.HOUSEHOLD, "X09": Category.HOUSEHOLD,
    "F03": Category.HOUSEHOLD, "F05": Category.HOUSEHOLD, "F06": Category.HOUSEHOLD,
    "F04": Category.MEALS,
}
EXTRA_CODES = tuple(sorted(CATEGORY_OF_CODE))


class BookingStatus(StrEnum):
    REQUESTED = "requested"              # on request: waiting for the provider
    PENDING_PAYMENT = "pending_payment"  # the seat is held until hold_expires_at
    CONFIRMED = "confirmed"              # paid (by the verified payment event)
    DELIVERED = "delivered"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    EXPIRED = "expired"                  # the hold lapsed unpaid (stored, or seen on read)


# Statuses that take a seat (a pending payment only while its hold lasts).
SEATED = (BookingStatus.CONFIRMED.value, BookingStatus.DELIVERED.value, BookingStatus.NO_SHOW.value)


class Canceller(StrEnum):
    FAMILY = "family"
    PROVIDER = "provider"


def effective_status(status: str, hold_expires_at: datetime | None, now: datetime) -> str:
    """A pending payment whose hold lapsed is expired, whether or not anything stored it yet."""
    if status == BookingStatus.PENDING_PAYMENT.value and hold_expires_at is not None and hold_expires_at <= now:
        return BookingStatus.EXPIRED.value
    return status


# -- availability ------------------------------------------------------------------------

@dataclass(frozen=True)
class Window:
    """A stretch of local time on one day (start < end), from a weekly pattern or an exception."""

    start: time
    end: time


@dataclass(frozen=True)
class Pattern:
    weekday: int  # 0 = Monday
    start: time
    end: time


@dataclass(frozen=True)
class Exception_:
    day: date
    closed: bool
    start: time | None = None  # None with closed: the whole day
    end: time | None = None


def local(day: date, at: time) -> datetime:
    """The aware datetime of a local wall-clock time (Europe/Amsterdam), in UTC."""
    return datetime.combine(day, at, tzinfo=LOCAL_ZONE).astimezone(timezone.utc)


def overlaps(a_start, a_end, b_start, b_end) -> bool:
    return a_start < b_end and b_start < a_end


def windows_on(day: date, patterns: Iterable[Pattern], exceptions: Iterable[Exception_]) -> list[Window]:
    """The open windows of ``day``: the weekly pattern plus extra dates, minus closed times."""
    todays = [e for e in exceptions if e.day == day]
    if any(e.closed and e.start is None for e in todays):
        return []
    windows = [Window(p.start, p.end) for p in patterns if p.weekday == day.weekday()]
    windows += [Window(e.start, e.end) for e in todays if not e.closed and e.start and e.end]
    closed = [(e.start, e.end) for e in todays if e.closed and e.start is not None]
    return sorted({w for w in windows if not any(overlaps(w.start, w.end, s, e) for s, e in closed)},
                  key=lambda w: (w.start, w.end))


def slot_starts(day: date, duration_minutes: int, patterns: Iterable[Pattern],
                exceptions: Iterable[Exception_]) -> list[datetime]:
    """Every start (UTC) on ``day`` at which a whole visit of ``duration_minutes`` fits a window,
    one after the other from each window's start."""
    patterns, exceptions = list(patterns), list(exceptions)
    step = timedelta(minutes=duration_minutes)
    starts: set[datetime] = set()
    for window in windows_on(day, patterns, exceptions):
        at = datetime.combine(day, window.start)
        end = datetime.combine(day, window.end)
        while at + step <= end:
            starts.add(local(day, at.time()))
            at += step
    return sorted(starts)


def fits(start: datetime, duration_minutes: int, patterns: Iterable[Pattern],
         exceptions: Iterable[Exception_]) -> bool:
    """Whether a visit from ``start`` (aware) lies wholly inside one open window of its local day
    (for a moment a family proposes)."""
    begin = start.astimezone(LOCAL_ZONE)
    end = begin + timedelta(minutes=duration_minutes)
    if end.date() != begin.date():
        return False
    return any(w.start <= begin.time() and end.time() <= w.end
               for w in windows_on(begin.date(), patterns, exceptions))


def overlapping_exceptions(exceptions: Sequence[Exception_]) -> list[tuple[Exception_, Exception_]]:
    """Pairs of exceptions on one day whose times overlap (a whole closed day overlaps everything)."""
    pairs = []
    for i, a in enumerate(exceptions):
        for b in exceptions[i + 1:]:
            if a.day != b.day:
                continue
            if a.start is None or b.start is None or overlaps(a.start, a.end, b.start, b.end):
                pairs.append((a, b))
    return pairs


def overlapping_patterns(patterns: Sequence[Pattern]) -> list[tuple[Pattern, Pattern]]:
    pairs = []
    for i, a in enumerate(patterns):
        for b in patterns[i + 1:]:
            if a.weekday == b.weekday and overlaps(a.start, a.end, b.start, b.end):
                pairs.append((a, b))
    return pairs


# -- money -----------------------------------------------------------------------------

def split(amount_cents: int, percents: Sequence[int]) -> list[int]:
    """Shares of ``amount_cents``: each of ``percents`` rounded down, the last share the rest.

    ``percents`` names every share but the last (DOMAIN.md §7): a team extra is ``[10]`` →
    organisation 10 %, team the rest: 4080 → [408, 3672]; a freelancer's extra ``[5, 15]`` →
    [204, 612, 3264]; 12345 → [617, 1851, 9877].
    """
    if amount_cents < 0 or any(not 0 <= p <= 100 for p in percents) or sum(percents) > 100:
        raise ValueError("amount and percentages out of range")
    shares = [amount_cents * p // 100 for p in percents]
    return [*shares, amount_cents - sum(shares)]


def in_proportion(shares: Sequence[int], part_cents: int) -> list[int]:
    """``part_cents`` of the total of ``shares``, share by share in proportion: each rounded
    down, the last the rest. For the whole total it gives back ``shares`` exactly."""
    total = sum(shares)
    if not 0 <= part_cents <= total:
        raise ValueError("a part beyond the total")
    if total == 0:
        return [0 for _ in shares]
    parts = [share * part_cents // total for share in shares[:-1]]
    return [*parts, part_cents - sum(parts)]


def refund_shares(shares: Sequence[int], refunded_before: int, refund_cents: int) -> list[int]:
    """What a refund of ``refund_cents`` takes back from each share, after ``refunded_before``
    was refunded: the difference of the cumulative proportions, so refunds in any number of
    parts add up to exactly the shares."""
    after = in_proportion(shares, refunded_before + refund_cents)
    before = in_proportion(shares, refunded_before)
    return [a - b for a, b in zip(after, before)]


@dataclass(frozen=True)
class CancellationPolicy:
    free_until_hours: int = 24   # a family's cancellation this long before the start: full refund
    late_refund_pct: int = 0     # later than that: this part back


def refund_on_cancel(paid_cents: int, start: datetime, now: datetime, by: Canceller,
                     policy: CancellationPolicy = CancellationPolicy()) -> int:
    """What a cancellation gives back: the provider's always all; the family's all up to
    ``free_until_hours`` before the start, later ``late_refund_pct`` (rounded down)."""
    if by == Canceller.PROVIDER or start - now >= timedelta(hours=policy.free_until_hours):
        return paid_cents
    return paid_cents * policy.late_refund_pct // 100
