"""Offering extras (issue 12, items 1–2): the team lead's extras with their availability, checked
all or nothing; the families' catalogue with filters; the ratings of extras; the organisation's
market settings.

Reads for a list take a fixed number of queries however many extras there are: the extras with
their availability as plain rows (``availability_of``), the seats of all of them in one
query (``bookings.slots_of``) and the ratings in one grouped query.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, subqueryload

from care import catalogue
from marketplace.core import audit
from marketplace.core.audit import Action
from marketplace.core.db_types import LOCAL_ZONE, local_today, utcnow
from marketplace.core.errors import Conflict, InvalidInput, NotInScope
from marketplace.core.i18n import euro
from marketplace.core.extensions import db
from marketplace.core.policy import Perm, authorize, can, get_in_scope

from . import bookings, freelancers
from .extras_domain import (CATEGORY_OF_CODE, EXTRA_CODES, Category, Exception_, ExtraKind, Pattern,
                            overlapping_exceptions, overlapping_patterns, slot_starts)
from .models import (AvailabilityException, AvailabilityPattern, Extra, ExtraRating, Freelancer, MarketSettings,
                     Provider, ProviderKind)

MAX_TITLE = 120
MAX_DESCRIPTION = 2000
MAX_PRICE_CENTS = 100_000_00
MAX_DURATION = 1440
MAX_SEATS = 100
MAX_WINDOWS = 50
# How far ahead an exception may be dated, and how many days of slots one request may ask for.
MAX_AHEAD_DAYS = 366
MAX_SLOT_DAYS = 62
# How many days ahead the catalogue looks for each extra's next free slots.
LOOK_AHEAD_DAYS = 14
NEXT_SLOTS = 6


@dataclass
class ExtraDraft:
    """An extra as the lead entered it, before it is checked."""

    code: str
    title: str
    price_cents: int
    duration_minutes: int
    kind: str = ExtraKind.TIMED.value
    seats: int = 1
    description: str = ""
    active: bool = True
    patterns: list[Pattern] = field(default_factory=list)
    exceptions: list[Exception_] = field(default_factory=list)


def draft_of(extra: Extra) -> ExtraDraft:
    return ExtraDraft(code=extra.code, title=extra.title, price_cents=extra.price_cents,
                      duration_minutes=extra.duration_minutes, kind=extra.kind, seats=extra.seats,
                      description=extra.description, active=extra.active,
                      patterns=[Pattern(p.weekday, p.starts_at, p.ends_at) for p in extra.patterns],
                      exceptions=[Exception_(e.day, e.closed, e.starts_at, e.ends_at) for e in extra.exceptions])


def check_draft(draft: ExtraDraft, settings: MarketSettings, today: date) -> ExtraDraft:
    """The draft trimmed, or every problem at once.

    :raises InvalidInput: with a message per field (``patterns`` / ``exceptions`` for the
        availability as a whole).
    """
    problems: dict[str, object] = {}
    title = (draft.title or "").strip()
    description = (draft.description or "").strip()
    if draft.code not in EXTRA_CODES:
        problems["code"] = _l("Choose a service from the list.")
    if not title:
        problems["title"] = _l("Give the extra a title.")
    elif len(title) > MAX_TITLE:
        problems["title"] = _l("Keep the title under %(max)d characters.", max=MAX_TITLE)
    if len(description) > MAX_DESCRIPTION:
        problems["description"] = _l("Keep the description under %(max)d characters.", max=MAX_DESCRIPTION)
    if not isinstance(draft.price_cents, int) or draft.price_cents <= 0:
        problems["price_cents"] = _l("The price must be more than € 0.")
    elif draft.price_cents < settings.min_price_cents:
        problems["price_cents"] = _l("The price must be at least %(minimum)s, the organisation's minimum.",
                                     minimum=euro(settings.min_price_cents))
    elif draft.price_cents > MAX_PRICE_CENTS:
        problems["price_cents"] = _l("That price is too high for an extra.")
    if not isinstance(draft.duration_minutes, int) or not 1 <= draft.duration_minutes <= MAX_DURATION:
        problems["duration_minutes"] = _l("The duration must be from 1 to %(max)d minutes.", max=MAX_DURATION)
    if draft.kind not in {k.value for k in ExtraKind}:
        problems["kind"] = _l("Choose timed or on request.")
    if not isinstance(draft.seats, int) or not 1 <= draft.seats <= MAX_SEATS:
        problems["seats"] = _l("The number of places must be from 1 to %(max)d.", max=MAX_SEATS)
    if len(draft.patterns) > MAX_WINDOWS or len(draft.exceptions) > MAX_WINDOWS:
        problems["patterns"] = _l("At most %(max)d times and %(max)d exceptions.", max=MAX_WINDOWS)
    if any(not 0 <= p.weekday <= 6 or p.end <= p.start for p in draft.patterns):
        problems["patterns"] = _l("Every time must end after it starts.")
    elif overlapping_patterns(draft.patterns):
        problems["patterns"] = _l("Two times on the same weekday overlap. Join them into one.")
    if any((e.start is None) != (e.end is None) or (e.start is not None and e.end <= e.start)
           or (e.start is None and not e.closed) for e in draft.exceptions):
        problems["exceptions"] = _l("Every exception needs an end after its start; only a closed day may "
                                    "leave out both times.")
    elif any(not today <= e.day <= today + timedelta(days=MAX_AHEAD_DAYS) for e in draft.exceptions):
        problems["exceptions"] = _l("Exceptions must be dated from today to a year ahead.")
    elif overlapping_exceptions(draft.exceptions):
        problems["exceptions"] = _l("Two exceptions on the same day overlap. Keep one for each time.")
    if problems:
        raise InvalidInput(next(iter(problems)), next(iter(problems.values())), fields=problems)
    draft.title, draft.description = title, description
    if draft.kind == ExtraKind.ON_REQUEST.value:
        draft.seats = 1
    return draft


def _apply(extra: Extra, draft: ExtraDraft) -> None:
    extra.code, extra.category = draft.code, CATEGORY_OF_CODE[draft.code].value
    extra.title, extra.description = draft.title, draft.description
    extra.price_cents, extra.duration_minutes = draft.price_cents, draft.duration_minutes
    extra.kind, extra.seats, extra.active = draft.kind, draft.seats, draft.active
    extra.patterns = [AvailabilityPattern(weekday=p.weekday, starts_at=p.start, ends_at=p.end)
                      for p in sorted(draft.patterns, key=lambda p: (p.weekday, p.start))]
    extra.exceptions = [AvailabilityException(day=e.day, closed=e.closed, starts_at=e.start, ends_at=e.end)
                        for e in sorted(draft.exceptions, key=lambda e: (e.day, e.start or time.min))]
    extra.updated_at = utcnow()


def provider_of(team) -> Provider:
    """The team's provider, or (before its first extra) an unsaved one to check access against."""
    provider = db.session.scalar(select(Provider).where(Provider.team_id == team.id))
    return provider or Provider(organisation_id=team.organisation_id, kind=ProviderKind.TEAM.value, team_id=team.id)


def create_extra(actor, team, draft: ExtraDraft) -> Extra:
    """A new extra of the team's provider, by its lead. Commits once.

    :raises AccessDenied: not the team's lead. :raises InvalidInput: nothing is saved.
    """
    authorize(actor, Perm.EXTRA_EDIT, provider_of(team))
    draft = check_draft(draft, bookings.settings_of(team.organisation_id), local_today())
    return _create(actor, bookings.provider_for_team(team), draft)


class AccountNotReady(Conflict):
    """A freelancer publishes only once approved and with a Stripe account that takes charges."""

    code = "account_not_ready"

    def __init__(self):
        super().__init__(_l("You can offer extras once the organisation has approved your profile and Stripe "
                            "can take payments for you. Your profile page says what is still needed."),
                         code="account_not_ready")


def freelancer_provider_of(freelancer: Freelancer) -> Provider:
    """The freelancer's provider, or (before their first extra) an unsaved one to check access against."""
    provider = db.session.scalar(select(Provider).where(Provider.freelancer_id == freelancer.id))
    return provider or Provider(organisation_id=freelancer.organisation_id, kind=ProviderKind.FREELANCER.value,
                                freelancer_id=freelancer.id, freelancer=freelancer)


def create_freelancer_extra(actor, freelancer: Freelancer, draft: ExtraDraft) -> Extra:
    """A new extra of a freelancer, by the freelancer. Commits once.

    :raises AccessDenied: not their own. :raises AccountNotReady: not approved, suspended, or
        Stripe cannot take payments for them yet. :raises InvalidInput: nothing is saved.
    """
    probe = freelancer_provider_of(freelancer)
    authorize(actor, Perm.EXTRA_EDIT, probe)
    if not bookings.can_take_bookings(probe):
        raise AccountNotReady()
    draft = check_draft(draft, bookings.settings_of(freelancer.organisation_id), local_today())
    return _create(actor, bookings.provider_for_freelancer(freelancer), draft)


def _create(actor, provider: Provider, draft: ExtraDraft) -> Extra:
    extra = Extra(organisation_id=provider.organisation_id, provider_id=provider.id)
    _apply(extra, draft)
    db.session.add(extra)
    db.session.flush()
    audit.record(Action.CREATE, actor=actor, obj=extra, detail=f"{extra.code} {extra.price_cents}")
    db.session.commit()
    return extra


def visible_extra(actor, extra_id: int) -> Extra:
    """An extra the actor may see: of the organisation, and either on the market (its provider
    can take bookings) or the actor's own to edit.

    :raises NotInScope: another organisation's, none, or off the market (a suspended freelancer's).
    """
    extra = get_in_scope(actor, Extra, extra_id, Perm.EXTRA_VIEW)
    if not bookings.can_take_bookings(extra.provider) and not can(actor, Perm.EXTRA_EDIT, extra.provider):
        raise NotInScope()
    return extra


def provider_extras(provider_id: int | None) -> list[Extra]:
    """A provider's extras, active first, with their availability."""
    if provider_id is None:
        return []
    return list(db.session.scalars(with_availability(select(Extra).where(Extra.provider_id == provider_id))
                                   .order_by(Extra.active.desc(), Extra.title, Extra.id)))


def update_extra(actor, extra: Extra, draft: ExtraDraft) -> Extra:
    """Change an extra in place (bookings keep their price). Commits once.

    :raises AccessDenied: not its provider's lead. :raises InvalidInput: nothing is changed.
    """
    authorize(actor, Perm.EXTRA_EDIT, extra.provider)
    draft = check_draft(draft, bookings.settings_of(extra.organisation_id), local_today())
    _apply(extra, draft)
    audit.record(Action.UPDATE, actor=actor, obj=extra, detail=f"{extra.code} {extra.price_cents}")
    db.session.commit()
    return extra


def team_extras(team) -> list[Extra]:
    """The team's extras, active first, with their availability. Two to four queries."""
    return list(db.session.scalars(with_availability(
        select(Extra).join(Provider, Provider.id == Extra.provider_id).where(Provider.team_id == team.id)
        .order_by(Extra.active.desc(), Extra.title, Extra.id))))


@dataclass(frozen=True)
class ServiceChoice:
    code: str
    name: str
    reference_cents: int | None  # the integral cost price (X..) or the published price (F..)


@cache
def _fixed_prices() -> dict[str, dict[str, str]]:
    return {row["code"]: row for row in catalogue.reference_rows("fixed_price_extras.csv")}


def service_choices(organisation, day: date, english: bool) -> list[ServiceChoice]:
    """What an extra can be, with its reference price beside it: each luxury catalogue service
    (X..) at its integral cost price on ``day`` (care.catalogue), each fixed-price item (F..) at
    its published price. One query (plus the settings)."""
    priced = catalogue.price_list(organisation, day)
    choices = []
    for code in EXTRA_CODES:
        if code in priced:
            service = priced[code]
            choices.append(ServiceChoice(code, service.name_en if english else service.name_nl, service.unit_cents))
        elif code in _fixed_prices():
            row = _fixed_prices()[code]
            choices.append(ServiceChoice(code, row["name_en" if english else "name_nl"], int(row["price_cents"])))
        else:
            choices.append(ServiceChoice(code, code, None))
    return choices


# -- the families' catalogue ------------------------------------------------------------------

def with_availability(query):
    """The extras of ``query`` with their availability and provider in a fixed number of queries
    however many there are (``selectinload`` would add one per 500 extras)."""
    return query.options(subqueryload(Extra.patterns), subqueryload(Extra.exceptions),
                         joinedload(Extra.provider).joinedload(Provider.team))


@dataclass(frozen=True)
class Filters:
    category: str | None = None
    team_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    max_price_cents: int | None = None


def check_filters(filters: Filters, today: date) -> Filters:
    """:raises InvalidInput: an unknown category, a range that ends before it starts, lies in the
    past or spans more than ``MAX_SLOT_DAYS``."""
    if filters.category and filters.category not in {c.value for c in Category}:
        raise InvalidInput("category", _l("Choose a category from the list."))
    check_range(filters.date_from, filters.date_to, today, "date_to")
    return filters


def check_range(date_from: date | None, date_to: date | None, today: date, field_name: str = "date_to") -> None:
    if date_from is not None and date_to is not None:
        if date_to < date_from:
            raise InvalidInput(field_name, _l("The end date must be on or after the start date."))
        if (date_to - date_from).days >= MAX_SLOT_DAYS:
            raise InvalidInput(field_name, _l("Choose at most %(days)d days at a time.", days=MAX_SLOT_DAYS))
    for name, day in (("date_from", date_from), ("date_to", date_to)):
        if day is not None and not today - timedelta(days=1) <= day <= today + timedelta(days=MAX_AHEAD_DAYS):
            raise InvalidInput(name, _l("Choose dates from today to a year ahead."))


Availability = tuple[list[Pattern], list[Exception_]]


def availability_of(extra_ids) -> dict[int, Availability]:
    """Per extra, its weekly windows and exceptions as plain values: two queries for any number
    of extras (``extra_ids`` may be a subquery), no ORM objects to build."""
    result: dict[int, Availability] = {}
    for extra_id, weekday, starts_at, ends_at in db.session.execute(
            select(AvailabilityPattern.extra_id, AvailabilityPattern.weekday, AvailabilityPattern.starts_at,
                   AvailabilityPattern.ends_at).where(AvailabilityPattern.extra_id.in_(extra_ids))
            .order_by(AvailabilityPattern.weekday, AvailabilityPattern.starts_at)):
        result.setdefault(extra_id, ([], []))[0].append(Pattern(weekday, starts_at, ends_at))
    for extra_id, day, closed, starts_at, ends_at in db.session.execute(
            select(AvailabilityException.extra_id, AvailabilityException.day, AvailabilityException.closed,
                   AvailabilityException.starts_at, AvailabilityException.ends_at)
            .where(AvailabilityException.extra_id.in_(extra_ids)).order_by(AvailabilityException.day)):
        result.setdefault(extra_id, ([], []))[1].append(Exception_(day, closed, starts_at, ends_at))
    return result


def next_free(extras: list[Extra], availability: dict[int, Availability], date_from: date, date_to: date, now,
              limit: int) -> dict[int, list[bookings.Slot]]:
    """Per extra, its first ``limit`` free slots from ``date_from`` to ``date_to`` (local dates):
    as ``bookings.slots_of`` with ``free_only``, but each extra stops at its ``limit``-th, so a
    list of hundreds of extras does not work out every slot of every day. One query (the seats)."""
    timed = [e for e in extras if e.kind == ExtraKind.TIMED.value]
    result: dict[int, list[bookings.Slot]] = {e.id: [] for e in extras}
    if not timed or date_to < date_from:
        return result
    window_start = datetime.combine(date_from, time.min, tzinfo=LOCAL_ZONE)
    window_end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=LOCAL_ZONE)
    taken = bookings.seated({e.provider_id for e in timed}, window_start, window_end, now)
    by_provider: dict[int, list[tuple]] = {}
    for row in taken:
        by_provider.setdefault(row[0], []).append(row)
    days = [date_from + timedelta(days=n) for n in range((date_to - date_from).days + 1)]
    for extra in timed:
        patterns, exceptions = availability.get(extra.id, ([], []))
        weekdays = {p.weekday for p in patterns}
        extra_days = {e.day for e in exceptions if not e.closed}
        step = timedelta(minutes=extra.duration_minutes)
        own = by_provider.get(extra.provider_id, [])
        found = result[extra.id]
        for day in days:
            if day.weekday() not in weekdays and day not in extra_days:
                continue
            for start in slot_starts(day, extra.duration_minutes, patterns, exceptions):
                if start > now:
                    left = bookings.seats_left_at(extra, start, own)
                    if left:
                        found.append(bookings.Slot(start, start + step, left))
                        if len(found) >= limit:
                            break
            if len(found) >= limit:
                break
    return result


@dataclass
class Found:
    extras: list[Extra]
    slots: dict[int, list[bookings.Slot]]
    availability: dict[int, Availability]


def browse(organisation_id: int, filters: Filters, now=None, *, limit: int = 1) -> Found:
    """The active extras of the organisation that pass ``filters``, cheapest first, with their
    availability and their first ``limit`` free slots in the date range (``LOOK_AHEAD_DAYS``
    from today without one). With a date range, a timed extra without a free slot in it is left
    out. Four queries."""
    now = now or utcnow()
    today = local_today()
    # Only providers that can take bookings: no suspended or not yet onboarded freelancer.
    query = select(Extra).join(Provider, Provider.id == Extra.provider_id).where(
        Extra.organisation_id == organisation_id, Extra.active.is_(True), freelancers.bookable_providers())
    if filters.category:
        query = query.where(Extra.category == filters.category)
    if filters.team_id is not None:
        query = query.where(Provider.team_id == filters.team_id)
    if filters.max_price_cents is not None:
        query = query.where(Extra.price_cents <= filters.max_price_cents)
    extras = list(db.session.scalars(query.options(joinedload(Extra.provider).joinedload(Provider.team))
                                      .order_by(Extra.price_cents, Extra.id)))
    availability = availability_of(query.with_only_columns(Extra.id).scalar_subquery())
    date_from = max(filters.date_from or today, today)
    date_to = filters.date_to or (date_from + timedelta(days=LOOK_AHEAD_DAYS - 1))
    slots = next_free(extras, availability, date_from, date_to, now, limit)
    if filters.date_from or filters.date_to:
        extras = [e for e in extras if e.kind == ExtraKind.ON_REQUEST.value or slots[e.id]]
    return Found(extras, slots, availability)


@dataclass(frozen=True)
class ExtraRatingSummary:
    average: float | None
    count: int


def extra_rating_summaries(extra_ids: Iterable[int]) -> dict[int, ExtraRatingSummary]:
    """Per extra, the average of its stars (one decimal) and how many ratings. One query."""
    ids = list(extra_ids)
    result = {extra_id: ExtraRatingSummary(None, 0) for extra_id in ids}
    if not ids:
        return result
    rows = db.session.execute(select(ExtraRating.extra_id, func.avg(ExtraRating.stars), func.count())
                              .where(ExtraRating.extra_id.in_(ids)).group_by(ExtraRating.extra_id))
    for extra_id, average, count in rows:
        result[extra_id] = ExtraRatingSummary(round(float(average), 1), count)
    return result


# -- the organisation's market settings -----------------------------------------------------

SETTING_BOUNDS: dict[str, tuple[int, int]] = {
    "team_org_share_pct": (0, 100), "freelancer_org_share_pct": (0, 100), "home_team_share_pct": (0, 100),
    "min_price_cents": (1, MAX_PRICE_CENTS), "hold_minutes": (30, 1440), "free_cancel_hours": (0, 720),
    "late_refund_pct": (0, 100),
}


def update_settings(actor, organisation, values: dict[str, int]) -> MarketSettings:
    """Change the organisation's market settings (the administrator). Bookings already made keep
    their price and shares. Commits once.

    :raises InvalidInput: a value out of bounds or shares above 100 % together; nothing changed.
    """
    authorize(actor, Perm.ORG_ADMIN, organisation)
    settings = bookings.settings_of(organisation.id)
    merged = {name: values.get(name, getattr(settings, name)) for name in SETTING_BOUNDS}
    problems = {name: _l("Enter a whole number from %(min)d to %(max)d.", min=low, max=high)
                for name, (low, high) in SETTING_BOUNDS.items()
                if isinstance(merged[name], bool) or not isinstance(merged[name], int)
                or not low <= merged[name] <= high}
    if not problems and merged["freelancer_org_share_pct"] + merged["home_team_share_pct"] > 100:
        problems["home_team_share_pct"] = _l("The organisation's and the home team's shares together are at most "
                                             "100 %.")
    if problems:
        raise InvalidInput(next(iter(problems)), next(iter(problems.values())), fields=problems)
    for name, value in merged.items():
        setattr(settings, name, value)
    settings.updated_at, settings.updated_by_id = utcnow(), actor.id
    db.session.add(settings)
    audit.record(Action.UPDATE, actor=actor, object_type="market_settings", object_id=organisation.id,
                 organisation_id=organisation.id, detail=str(merged))
    db.session.commit()
    return settings
