"""The rules of ratings, pure (no Flask, no database): who may rate, what replaces what, when an
average may be shown.

* A family may rate a team that served its resident on some day of the last 6 months.
* One rating per resident per team per 6 months: a new one within 6 months of the previous
  replaces it; a later one stands beside it.
* An average is shown only with at least 5 ratings from at least 5 residents' families in the
  last 24 months (ZorgkaartNederland shows too few ratings as a count, not as a mark).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from marketplace.core.calendar import add_months

ASPECTS = ("care", "attention", "communication", "reliability", "atmosphere")
LOW, HIGH = 1, 10
SERVED_MONTHS = 6
REPLACE_MONTHS = 6
PERIOD_MONTHS = 24
MIN_RATINGS = 5
MIN_FAMILIES = 5


@dataclass(frozen=True)
class Period:
    """A stretch of time a team delivered a resident's care; ``ends_on`` is exclusive, None: still."""

    team_id: int
    starts_on: date
    ends_on: date | None


@dataclass(frozen=True)
class Given:
    """A counted rating: whose resident, its mark (the mean of its five aspects)."""

    client_id: int
    mark: Decimal


@dataclass(frozen=True)
class RatingSummary:
    """``average`` (one decimal) only when the minimum is met; ``count`` ratings of ``families``
    different residents' families, in the last 24 months."""

    average: Decimal | None
    count: int
    families: int

    @property
    def shown(self) -> bool:
        return self.average is not None


class ScoreOutOfRange(ValueError):
    """A mark that is not a whole number from 1 to 10; ``aspects`` names each one."""

    def __init__(self, aspects: list[str]):
        super().__init__(", ".join(aspects))
        self.aspects = aspects


def check_scores(scores: Mapping[str, object]) -> dict[str, int]:
    """The five marks as ints. :raises ScoreOutOfRange: a missing, non-integer or out-of-range mark."""
    bad = [aspect for aspect in ASPECTS
           if isinstance(scores.get(aspect), bool) or not isinstance(scores.get(aspect), int)
           or not LOW <= scores[aspect] <= HIGH]
    if bad:
        raise ScoreOutOfRange(bad)
    return {aspect: scores[aspect] for aspect in ASPECTS}


def mark_of(scores: Mapping[str, int]) -> Decimal:
    """The mean of the five aspects, exact (rounded only when an average is shown)."""
    return Decimal(sum(scores[aspect] for aspect in ASPECTS)) / len(ASPECTS)


def served_since(today: date) -> date:
    return add_months(today, -SERVED_MONTHS)


def served_within(periods: Iterable[Period], team_id: int, today: date) -> bool:
    """Did ``team_id`` deliver the resident's care on some day from 6 months ago up to today?"""
    since = served_since(today)
    return any(p.team_id == team_id and p.starts_on <= today and (p.ends_on is None or p.ends_on > since)
               for p in periods)


def replaces(previous_on: date, today: date) -> bool:
    """A new rating on ``today`` replaces one given on ``previous_on`` (within 6 months)."""
    return previous_on > add_months(today, -REPLACE_MONTHS)


def counted_since(today: date) -> date:
    return add_months(today, -PERIOD_MONTHS)


def summarise(given: Iterable[Given]) -> RatingSummary:
    """The summary of the counted ratings of one team (already limited to the last 24 months)."""
    ratings = list(given)
    families = len({rating.client_id for rating in ratings})
    if len(ratings) < MIN_RATINGS or families < MIN_FAMILIES:
        return RatingSummary(None, len(ratings), families)
    average = (sum((rating.mark for rating in ratings), Decimal(0)) / len(ratings)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP)
    return RatingSummary(average, len(ratings), families)
