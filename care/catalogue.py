"""Use cases for the catalogue: prices on a date, budgets, reference data, edits."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from billing.ledger import last_settled_monday
from marketplace.accounts.models import Organisation
from marketplace.accounts.org_settings import NotInTheFuture, settings_on
from marketplace.core import audit
from marketplace.core.audit import Action
from marketplace.core.calendar import add_months
from marketplace.core.db_types import local_today
from marketplace.core.errors import InvalidInput
from marketplace.core.extensions import db
from marketplace.core.money import format_euro
from marketplace.core.policy import Perm, authorize

from .domain import Category, Thresholds, cost_price, weekly_budget
from .models import BudgetOverride, CareProfile, Service, ServiceVersion, StaffLevel, StaffLevelRate

DATA = Path(__file__).parent / "data"
REFERENCE_FROM = date(2025, 1, 1)


class NotPriced(LookupError):
    """A service or staff level has no version valid on the date asked."""


def valid_on(rows, day: date):
    """The row with the latest ``valid_from`` on or before ``day`` (rows sorted by valid_from)."""
    chosen = None
    for row in rows:
        if row.valid_from <= day:
            chosen = row
        else:
            break
    return chosen


@dataclass(frozen=True)
class PricedService:
    id: int
    code: str
    name_nl: str
    name_en: str
    category: Category
    omaha: str | None
    active: bool
    default_per_week: int
    minutes: int
    level: str
    unit_cents: int

    def name(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") else self.name_nl


def price_list(organisation: Organisation, day: date) -> dict[str, PricedService]:
    """Every service of the organisation priced on ``day``, by code, in one query.

    The query returns each service with every version and rate that started on or before
    ``day``; the latest of each wins. Services without a version by then are left out.
    Plain rows, not ORM objects: the meter calls this on every keystroke.
    """
    rows = db.session.execute(
        select(Service.id, Service.code, Service.name_nl, Service.name_en, Service.category, Service.omaha,
               Service.active, Service.default_per_week, ServiceVersion.valid_from, ServiceVersion.minutes,
               ServiceVersion.material_cents, StaffLevel.code.label("level"),
               StaffLevelRate.valid_from.label("rate_from"), StaffLevelRate.base_hourly_cents)
        .join(ServiceVersion, ServiceVersion.service_id == Service.id)
        .join(StaffLevel, StaffLevel.id == ServiceVersion.staff_level_id)
        .join(StaffLevelRate, StaffLevelRate.staff_level_id == StaffLevel.id)
        .where(Service.organisation_id == organisation.id, ServiceVersion.valid_from <= day,
               StaffLevelRate.valid_from <= day)
        .order_by(Service.code, ServiceVersion.valid_from, StaffLevelRate.valid_from)
    ).all()
    latest = {}
    for row in rows:  # ordered, so the last row of a code has its latest version and rate
        latest[row.code] = row
    overhead_pct = settings_on(organisation, day).overhead_pct
    return {code: PricedService(
        id=row.id, code=code, name_nl=row.name_nl, name_en=row.name_en, category=Category(row.category),
        omaha=row.omaha, active=row.active, default_per_week=row.default_per_week, minutes=row.minutes,
        level=row.level,
        unit_cents=cost_price(row.minutes, row.base_hourly_cents, overhead_pct, row.material_cents),
    ) for code, row in latest.items()}


def thresholds_of(organisation: Organisation, day: date) -> Thresholds:
    """The meter's thresholds that hold on ``day`` (settings are dated)."""
    settings = settings_on(organisation, day)
    return Thresholds(settings.orange_from_pct, settings.red_above_pct)


def budget_table(organisation: Organisation, day: date) -> dict[str, int]:
    """The weekly budget of every care profile for this organisation on ``day``, in three queries
    (and the overhead of that day).

    An organisation's own budget (override) wins; otherwise indicated hours × integral N3 rate.
    """
    n3 = db.session.scalar(
        select(StaffLevelRate.base_hourly_cents).join(StaffLevel)
        .where(StaffLevel.organisation_id == organisation.id, StaffLevel.code == "N3",
               StaffLevelRate.valid_from <= day)
        .order_by(StaffLevelRate.valid_from.desc()).limit(1)
    )
    table = {}
    if n3 is not None:
        overhead_pct = settings_on(organisation, day).overhead_pct
        for code, hours in db.session.execute(select(CareProfile.code, CareProfile.hours_per_week_centi)):
            table[code] = weekly_budget(hours, n3, overhead_pct)
    overrides = db.session.execute(
        select(BudgetOverride.care_profile, BudgetOverride.weekly_cents)
        .where(BudgetOverride.organisation_id == organisation.id, BudgetOverride.valid_from <= day)
        .order_by(BudgetOverride.valid_from)
    )
    table.update({code: cents for code, cents in overrides})  # ordered: the latest wins
    return table


def budget_on(client, day: date) -> int | None:
    """The client's weekly budget on ``day``; None without a care profile."""
    if not client.care_profile:
        return None
    return budget_table(client.organisation, day).get(client.care_profile)


# -- reference data ------------------------------------------------------------------------

def reference_rows(name: str) -> list[dict]:
    with open(DATA / name, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def load_care_profiles() -> None:
    """Insert the national care profiles that are missing (idempotent)."""
    known = set(db.session.scalars(select(CareProfile.code)))
    for row in reference_rows("zorgprofielen.csv"):
        if row["code"] in known:
            continue
        db.session.add(CareProfile(
            code=row["code"], name_nl=row["name_nl"], old_zzp=row["old_zzp"],
            hours_per_week_centi=int(Decimal(row["indicated_hours_per_week"]) * 100),
            daily_tariff_excl_cents=int(row["daily_tariff_excl_behandeling_cents"] or 0) or None,
            daily_tariff_incl_cents=int(row["daily_tariff_incl_behandeling_cents"] or 0) or None,
        ))


def load_catalogue(organisation: Organisation, valid_from: date = REFERENCE_FROM) -> None:
    """Give an organisation the reference staff levels and services (flushes; caller commits)."""
    load_care_profiles()
    levels = {}
    for row in reference_rows("staff_levels.csv"):
        level = StaffLevel(organisation_id=organisation.id, code=row["code"], name_nl=row["name_nl"],
                           name_en=row["name_en"])
        level.rates = [StaffLevelRate(base_hourly_cents=int(row["base_hourly_cents"]), valid_from=valid_from)]
        db.session.add(level)
        levels[row["code"]] = level
    db.session.flush()
    for row in reference_rows("catalogue.csv"):
        service = Service(organisation_id=organisation.id, code=row["code"], name_nl=row["name_nl"],
                          name_en=row["name_en"], category=row["category"], omaha=row["omaha"] or None,
                          default_per_week=int(row["default_per_week"]))
        service.versions = [ServiceVersion(minutes=int(row["minutes"]), staff_level_id=levels[row["level"]].id,
                                           valid_from=valid_from)]
        db.session.add(service)
    db.session.flush()


# -- administrators' edits -----------------------------------------------------------------

# Sane bounds (issue 9, item 2): a typo of a few zeros is refused, not priced into every package.
HOURLY_CENTS = (100, 50_000)  # € 1,00 to € 500,00 an hour
WEEKLY_CENTS = (100, 2_000_000)  # € 1,00 to € 20.000,00 a week
MATERIAL_CENTS = (0, 100_000)  # € 0,00 to € 1.000,00 per delivery
MINUTES = (1, 1440)
MONTHS_AHEAD = 24


def _euro(cents: int) -> str:
    return format_euro(cents, str(get_locale() or "nl"))


def _range(bounds: tuple[int, int]) -> dict[str, str]:
    return {"min": _euro(bounds[0]), "max": _euro(bounds[1])}


def check_valid_from(organisation_id: int, valid_from: date, today: date | None = None) -> None:
    """A change starts after the last settled week (a settled week's prices are history) and at
    most two years ahead.

    :raises InvalidInput: on ``valid_from``.
    """
    settled = last_settled_monday(organisation_id)
    if settled is not None and valid_from < settled + timedelta(days=7):
        raise InvalidInput("valid_from", _("The weeks up to %(day)s are settled already: choose %(first)s or later.",
                                           day=(settled + timedelta(days=6)).isoformat(),
                                           first=(settled + timedelta(days=7)).isoformat()))
    latest = add_months(today or local_today(), MONTHS_AHEAD)
    if valid_from > latest:
        raise InvalidInput("valid_from", _("A change can start at most two years ahead, on %(day)s at the latest.",
                                           day=latest.isoformat()))


def change_service(actor, service: Service, *, minutes: int, level_code: str, material_cents: int,
                   valid_from: date, active: bool) -> ServiceVersion:
    """Record new minutes/level/material for a service from ``valid_from``; history stays.

    :raises InvalidInput: impossible values or a date that already has a version.
    """
    authorize(actor, Perm.CATALOGUE_EDIT, service)
    if not MINUTES[0] <= minutes <= MINUTES[1]:
        raise InvalidInput("minutes", _("Minutes must be between 1 and 1440."))
    if material_cents < 0:
        raise InvalidInput("material", _("Material cost cannot be negative."))
    if material_cents > MATERIAL_CENTS[1]:
        raise InvalidInput("material", _("Enter a material cost from %(min)s to %(max)s.", **_range(MATERIAL_CENTS)))
    check_valid_from(service.organisation_id, valid_from)
    level = db.session.scalar(select(StaffLevel).where(StaffLevel.organisation_id == service.organisation_id,
                                                      StaffLevel.code == level_code))
    if level is None:
        raise InvalidInput("level", _("Unknown staff level."))
    if any(v.valid_from == valid_from for v in service.versions):
        raise InvalidInput("valid_from", _("There is already a change on this date."))
    version = ServiceVersion(service=service, minutes=minutes, staff_level_id=level.id,
                             material_cents=material_cents, valid_from=valid_from)
    service.active = active
    db.session.add(version)
    db.session.flush()
    audit.record(Action.UPDATE, actor=actor, obj=service,
                 detail=f"{service.code}: {minutes} min {level_code} +{material_cents} from {valid_from}; "
                        f"active={active}")
    db.session.commit()
    return version


def change_rate(actor, level: StaffLevel, *, base_hourly_cents: int, valid_from: date) -> StaffLevelRate:
    """:raises InvalidInput: a rate that is not positive or a date that already has one."""
    authorize(actor, Perm.CATALOGUE_EDIT, level)
    if base_hourly_cents <= 0:
        raise InvalidInput("rate", _("The hourly cost must be more than zero."))
    if not HOURLY_CENTS[0] <= base_hourly_cents <= HOURLY_CENTS[1]:
        raise InvalidInput("rate", _("Enter an hourly cost from %(min)s to %(max)s.", **_range(HOURLY_CENTS)))
    check_valid_from(level.organisation_id, valid_from)
    if any(r.valid_from == valid_from for r in level.rates):
        raise InvalidInput("valid_from", _("There is already a change on this date."))
    rate = StaffLevelRate(level=level, base_hourly_cents=base_hourly_cents, valid_from=valid_from)
    db.session.add(rate)
    db.session.flush()
    audit.record(Action.UPDATE, actor=actor, obj=level,
                 detail=f"{level.code}: {base_hourly_cents} cents/h from {valid_from}")
    db.session.commit()
    return rate


def set_budget_override(actor, organisation: Organisation, *, care_profile: str, weekly_cents: int,
                        valid_from: date) -> BudgetOverride:
    """:raises InvalidInput: unknown profile, a budget that is not positive, a duplicate date."""
    authorize(actor, Perm.CATALOGUE_EDIT, organisation)
    if db.session.get(CareProfile, care_profile) is None:
        raise InvalidInput("care_profile", _("Unknown care profile."))
    if weekly_cents <= 0:
        raise InvalidInput("weekly", _("The budget must be more than zero."))
    if not WEEKLY_CENTS[0] <= weekly_cents <= WEEKLY_CENTS[1]:
        raise InvalidInput("weekly", _("Enter a weekly budget from %(min)s to %(max)s.", **_range(WEEKLY_CENTS)))
    check_valid_from(organisation.id, valid_from)
    exists = db.session.scalar(select(BudgetOverride.id).where(
        BudgetOverride.organisation_id == organisation.id, BudgetOverride.care_profile == care_profile,
        BudgetOverride.valid_from == valid_from))
    if exists:
        raise InvalidInput("valid_from", _("There is already a change on this date."))
    override = BudgetOverride(organisation_id=organisation.id, care_profile=care_profile,
                              weekly_cents=weekly_cents, valid_from=valid_from)
    db.session.add(override)
    db.session.flush()
    audit.record(Action.UPDATE, actor=actor, obj=override,
                 detail=f"budget {care_profile}: {weekly_cents} cents/week from {valid_from}")
    db.session.commit()
    return override


# -- corrections of what has not yet taken effect ------------------------------------------

def _not_yet_in_effect(valid_from: date, today: date | None) -> None:
    """:raises NotInTheFuture: ``valid_from`` is today or earlier: the row is history."""
    if valid_from <= (today or local_today()):
        raise NotInTheFuture(_("This change is in effect since %(day)s: it stays as history. "
                               "Enter a new change from a later date instead.", day=valid_from.isoformat()))


def correct_rate(actor, rate: StaffLevelRate, *, base_hourly_cents: int, today: date | None = None) -> StaffLevelRate:
    """Correct an hourly cost that has not yet taken effect.

    :raises NotInTheFuture: it is in effect or past. :raises InvalidInput: an impossible amount."""
    authorize(actor, Perm.CATALOGUE_EDIT, rate)
    _not_yet_in_effect(rate.valid_from, today)
    if not HOURLY_CENTS[0] <= base_hourly_cents <= HOURLY_CENTS[1]:
        raise InvalidInput("rate", _("Enter an hourly cost from %(min)s to %(max)s.", **_range(HOURLY_CENTS)))
    audit.record(Action.UPDATE, actor=actor, obj=rate,
                 detail=f"{rate.level.code} from {rate.valid_from}: {rate.base_hourly_cents} -> {base_hourly_cents}")
    rate.base_hourly_cents = base_hourly_cents
    db.session.commit()
    return rate


def withdraw_rate(actor, rate: StaffLevelRate, today: date | None = None) -> None:
    """:raises NotInTheFuture: it is in effect or past."""
    authorize(actor, Perm.CATALOGUE_EDIT, rate)
    _not_yet_in_effect(rate.valid_from, today)
    audit.record(Action.DELETE, actor=actor, obj=rate,
                 detail=f"withdrawn: {rate.level.code} {rate.base_hourly_cents} cents/h from {rate.valid_from}")
    db.session.delete(rate)
    db.session.commit()


def correct_budget(actor, override: BudgetOverride, *, weekly_cents: int, today: date | None = None) -> BudgetOverride:
    """:raises NotInTheFuture: it is in effect or past. :raises InvalidInput: an impossible amount."""
    authorize(actor, Perm.CATALOGUE_EDIT, override)
    _not_yet_in_effect(override.valid_from, today)
    if not WEEKLY_CENTS[0] <= weekly_cents <= WEEKLY_CENTS[1]:
        raise InvalidInput("weekly", _("Enter a weekly budget from %(min)s to %(max)s.", **_range(WEEKLY_CENTS)))
    audit.record(Action.UPDATE, actor=actor, obj=override,
                 detail=f"budget {override.care_profile} from {override.valid_from}: "
                        f"{override.weekly_cents} -> {weekly_cents}")
    override.weekly_cents = weekly_cents
    db.session.commit()
    return override


def withdraw_budget(actor, override: BudgetOverride, today: date | None = None) -> None:
    """:raises NotInTheFuture: it is in effect or past."""
    authorize(actor, Perm.CATALOGUE_EDIT, override)
    _not_yet_in_effect(override.valid_from, today)
    audit.record(Action.DELETE, actor=actor, obj=override,
                 detail=f"withdrawn: budget {override.care_profile} {override.weekly_cents} from {override.valid_from}")
    db.session.delete(override)
    db.session.commit()


def correct_version(actor, version: ServiceVersion, *, minutes: int, level_code: str, material_cents: int,
                    today: date | None = None) -> ServiceVersion:
    """Correct a service's minutes, level or material that have not yet taken effect.

    :raises NotInTheFuture: it is in effect or past. :raises InvalidInput: impossible values."""
    authorize(actor, Perm.CATALOGUE_EDIT, version)
    _not_yet_in_effect(version.valid_from, today)
    if not MINUTES[0] <= minutes <= MINUTES[1]:
        raise InvalidInput("minutes", _("Minutes must be between 1 and 1440."))
    if not MATERIAL_CENTS[0] <= material_cents <= MATERIAL_CENTS[1]:
        raise InvalidInput("material", _("Enter a material cost from %(min)s to %(max)s.", **_range(MATERIAL_CENTS)))
    level = db.session.scalar(select(StaffLevel).where(StaffLevel.organisation_id == version.organisation_id,
                                                      StaffLevel.code == level_code))
    if level is None:
        raise InvalidInput("level", _("Unknown staff level."))
    audit.record(Action.UPDATE, actor=actor, obj=version,
                 detail=f"{version.service.code} from {version.valid_from}: {version.minutes} min "
                        f"{version.level.code} +{version.material_cents} -> {minutes} min {level_code} +{material_cents}")
    version.minutes, version.staff_level_id, version.material_cents = minutes, level.id, material_cents
    db.session.commit()
    return version


def withdraw_version(actor, version: ServiceVersion, today: date | None = None) -> None:
    """:raises NotInTheFuture: it is in effect or past."""
    authorize(actor, Perm.CATALOGUE_EDIT, version)
    _not_yet_in_effect(version.valid_from, today)
    audit.record(Action.DELETE, actor=actor, obj=version,
                 detail=f"withdrawn: {version.service.code} {version.minutes} min from {version.valid_from}")
    db.session.delete(version)
    db.session.commit()
