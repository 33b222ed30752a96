"""Pure rules of the team choice and the waiting list (DOMAIN.md §6): no Flask, no database.

A choice takes effect on the next Monday; a team's open places on that Monday are its capacity
minus its residents minus the places already promised (choices pending for that Monday and open
offers of the waiting list); the waiting list is first come, first served; an offer of a place
lasts a number of hours (48 by default) and then passes to the next family.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from marketplace.core.db_types import LOCAL_ZONE

OFFER_HOURS = 48


def next_monday(day: date) -> date:
    """The first Monday after ``day``: a Monday gives the following Monday, a Sunday the next day."""
    return day + timedelta(days=7 - day.weekday())


def effective_monday(now: datetime) -> date:
    """The Monday a choice made at ``now`` (aware) takes effect: the next Monday of the Dutch calendar day.

    Late on a Sunday evening in the Netherlands is already Monday in no zone that matters to us,
    but 23:30 UTC on a Sunday is Monday 00:30 or 01:30 in Amsterdam: the date is taken locally.
    """
    if now.tzinfo is None:
        raise ValueError("naive datetime")
    return next_monday(now.astimezone(LOCAL_ZONE).date())


def places_left(capacity: int, residents: int, promised: int) -> int:
    """Open places: capacity − residents on the Monday − places promised (pending choices, open offers).

    Never below zero: a team over its capacity (capacity lowered) has no open place, not a negative one.
    """
    return max(capacity - residents - promised, 0)


def free_for_newcomers(open_places: int, waiting_without_offer: int) -> int:
    """Places a family that is not on the waiting list may take: the list goes first."""
    return max(open_places - waiting_without_offer, 0)


@dataclass(frozen=True)
class Waiting:
    """A family on a team's waiting list: ``entry_id`` breaks ties of the same moment."""

    entry_id: int
    joined_at: datetime
    has_open_offer: bool = False


def in_order(entries: Iterable[Waiting]) -> list[Waiting]:
    """First come, first served: by the moment of joining, then by entry (the one saved first)."""
    return sorted(entries, key=lambda entry: (entry.joined_at, entry.entry_id))


def position(entries: Iterable[Waiting], entry_id: int) -> int:
    """1 for the first on the list. :raises ValueError: the entry is not on the list."""
    for number, entry in enumerate(in_order(entries), start=1):
        if entry.entry_id == entry_id:
            return number
    raise ValueError(f"entry {entry_id} is not on the list")


def to_offer(entries: Sequence[Waiting], open_places: int) -> list[Waiting]:
    """Who is offered a place now: the first families without an open offer, one per open place
    (an open offer already holds a place, so ``open_places`` counts the places still free)."""
    return [entry for entry in in_order(entries) if not entry.has_open_offer][:max(open_places, 0)]


def offer_expires_at(offered_at: datetime, hours: int = OFFER_HOURS) -> datetime:
    """An offer made at ``offered_at`` may be accepted until this moment (exclusive)."""
    if hours < 1:
        raise ValueError("an offer lasts at least an hour")
    return offered_at + timedelta(hours=hours)


def offer_expired(expires_at: datetime, now: datetime) -> bool:
    """Expired from the moment itself: at exactly 48 hours the offer is gone."""
    return now >= expires_at
