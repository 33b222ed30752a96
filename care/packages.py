"""Use cases for packages: the meter, drafts and proposals, submission, sign-off, versions."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from billing.savings import savings_balance_cents
from marketplace import audit
from marketplace.audit import Action
from marketplace.db_types import local_today, utcnow
from marketplace.extensions import db
from marketplace.policy import Perm, authorize, can
from marketplace.roles import Role

from .catalogue import PricedService, budget_on, price_list, thresholds_of
from .domain import Category, Meter, PricedLine, Settlement, measure_lines, settle
from .models import Client, PackageLine, PackageVersion, Service
from .models.packages import Status

MAX_PER_WEEK = 99
MAX_LINES = 200


class InvalidPackage(ValueError):
    """Bad lines; ``errors`` maps a service code (or ``lines``) to a message for the user."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class ClientHasNoBudget(ValueError):
    """The resident has no care profile, so no budget: the composer says so plainly."""


class NothingToSubmit(ValueError):
    """There is no draft to submit."""


class NotSubmitted(ValueError):
    """Only a submitted version can be signed off."""


class PackageUncovered(ValueError):
    """Sign-off refused: active health risks are not covered at their minimum (``gaps``)."""

    def __init__(self, gaps):
        super().__init__(", ".join(f"{g.service} {g.planned}<{g.required}" for g in gaps))
        self.gaps = gaps


class ConcurrentChange(ValueError):
    """Someone else saved a version at the same moment; reload and try again."""


@dataclass(frozen=True)
class LineInput:
    service: str
    per_week: int


def parse_lines(raw) -> list[LineInput]:
    """Shape-check lines from JSON or a form: a list of ``{"service", "per_week"}``.

    :raises InvalidPackage: not a list, unknown keys, a frequency that is not a whole number
        from 0 to 99, or a service given twice.
    """
    if not isinstance(raw, list) or len(raw) > MAX_LINES:
        raise InvalidPackage({"lines": _("Send a list of at most %(n)d lines.", n=MAX_LINES)})
    errors: dict[str, str] = {}
    lines: list[LineInput] = []
    seen = set()
    for item in raw:
        if not isinstance(item, dict) or set(item) - {"service", "per_week"} or not isinstance(item.get("service"), str):
            errors["lines"] = _("Each line needs a service code and a number per week.")
            continue
        code = item["service"].strip().upper()[:10]
        per_week = item.get("per_week")
        if isinstance(per_week, bool) or not isinstance(per_week, int) or not 0 <= per_week <= MAX_PER_WEEK:
            errors[code] = _("Enter a whole number from 0 to %(max)d.", max=MAX_PER_WEEK)
            continue
        if code in seen:
            errors[code] = _("This service is listed twice.")
            continue
        seen.add(code)
        lines.append(LineInput(code, per_week))
    if errors:
        raise InvalidPackage(errors)
    return lines


def price_lines(prices: dict[str, PricedService], lines: list[LineInput],
                allow_inactive: bool = False) -> list[PricedLine]:
    """Price validated lines; zero-frequency lines are dropped.

    ``allow_inactive`` is for saved versions: a service retired since still shows its price.

    :raises InvalidPackage: an unknown or inactive service, or a luxury service.
    """
    errors: dict[str, str] = {}
    priced = []
    for line in lines:
        service = prices.get(line.service)
        if service is None or not (service.active or allow_inactive):
            errors[line.service] = _("Unknown or inactive service: %(code)s.", code=line.service)
        elif service.category == Category.LUXURY:
            errors[line.service] = _("%(code)s is a luxury service: it is bought as an extra, not put in the "
                                     "package.", code=line.service)
        elif line.per_week:
            priced.append(PricedLine(line.service, line.per_week, service.unit_cents,
                                     service.category == Category.HEALTH))
    if errors:
        raise InvalidPackage(errors)
    return priced


@dataclass(frozen=True)
class MeterReading:
    meter: Meter
    settlement: Settlement
    savings_balance_cents: int
    use_savings: bool

    def as_json(self) -> dict:
        m, s = self.meter, self.settlement
        return {
            "budget_cents": m.budget_cents,
            "health_cents": m.health_cents,
            "core_cents": m.core_cents,
            "total_cents": m.total_cents,
            "load_pct": float(m.load_pct),
            "colour": m.colour.value,
            "copay_cents": s.copay_cents,
            "from_savings_cents": s.from_savings,
            "to_savings_cents": s.to_savings,
            "org_shortfall_cents": s.reserve_cents,
            "reindication_needed": s.reindication_needed,
            "savings_balance_cents": self.savings_balance_cents,
            "use_savings": self.use_savings,
        }


def read_meter(client: Client, lines: list[LineInput], use_savings: bool, day: date | None = None,
               prices: dict[str, PricedService] | None = None, allow_inactive: bool = False) -> MeterReading:
    """The meter for ``lines`` on ``day`` (no access check: callers authorize first).

    :raises ClientHasNoBudget: no care profile.
    :raises InvalidPackage: see :func:`price_lines`.
    """
    day = day or local_today()
    budget = budget_on(client, day)
    if budget is None:
        raise ClientHasNoBudget()
    prices = prices if prices is not None else price_list(client.organisation, day)
    priced = price_lines(prices, lines, allow_inactive)
    meter = measure_lines(priced, budget, thresholds_of(client.organisation))
    balance = savings_balance_cents(client.id)
    return MeterReading(meter, settle(meter.health_cents, meter.core_cents, budget, balance, use_savings),
                        balance, use_savings)


def meter_for(actor, client: Client, lines: list[LineInput], use_savings: bool) -> MeterReading:
    """The meter while composing; for those who may compose or propose."""
    authorize(actor, Perm.PACKAGE_PROPOSE, client)
    return read_meter(client, complete_lines(actor, client, lines), use_savings)


# -- versions ------------------------------------------------------------------------------

def versions_of(client: Client) -> list[PackageVersion]:
    return list(db.session.scalars(
        select(PackageVersion).where(PackageVersion.client_id == client.id)
        .options(selectinload(PackageVersion.created_by), selectinload(PackageVersion.signed_by),
                 selectinload(PackageVersion.submitted_by))
        .order_by(PackageVersion.number.desc())
    ))


def latest_with_status(client: Client, *statuses: Status) -> PackageVersion | None:
    return db.session.scalar(
        select(PackageVersion).where(PackageVersion.client_id == client.id,
                                     PackageVersion.status.in_([s.value for s in statuses]))
        .order_by(PackageVersion.number.desc()).limit(1)
    )


def active_version(client: Client) -> PackageVersion | None:
    return latest_with_status(client, Status.ACTIVE)


def working_version(client: Client) -> PackageVersion | None:
    """What the composer opens: the draft, else the submitted version, else the active one."""
    return latest_with_status(client, Status.DRAFT) or latest_with_status(client, Status.SUBMITTED) \
        or active_version(client)


def lines_of(version: PackageVersion | None) -> list[LineInput]:
    if version is None:
        return []
    return [LineInput(line.service.code, line.per_week) for line in version.lines]


def _planned(lines: list[LineInput]) -> dict[str, int]:
    return {line.service: line.per_week for line in lines if line.per_week}


def _health_rule_errors(actor, client: Client, lines: list[LineInput], base: PackageVersion | None,
                        prices: dict[str, PricedService]) -> dict[str, str]:
    """What a non-nurse may not do with health lines: change them, or go below a required minimum."""
    from .health import requirements

    planned = _planned(lines)
    before = _planned(lines_of(base))
    errors = {}
    for code, requirement in requirements(client).items():
        if planned.get(code, 0) < requirement.min_per_week:
            errors[code] = _("%(code)s is required for a health risk: at least %(n)d per week. Only a nurse "
                             "can lower it.", code=code, n=requirement.min_per_week)
    health_codes = {code for code, p in prices.items() if p.category == Category.HEALTH}
    for code in sorted(health_codes):
        if code not in errors and planned.get(code, 0) != before.get(code, 0):
            errors[code] = _("Only a nurse can change care for health risks.")
    return errors


def write_version(actor, client: Client, planned: dict[str, int], use_savings: bool, reason: str,
                  status: Status, base: PackageVersion | None) -> PackageVersion:
    """Add a new version with these lines; earlier versions of the same status are replaced.

    Flushes, does not commit: the calling use case commits once.

    :raises ConcurrentChange: another version was written at the same moment.
    """
    service_ids = dict(db.session.execute(select(Service.code, Service.id).where(
        Service.organisation_id == client.organisation_id, Service.code.in_(list(planned)))).all())
    for previous in db.session.scalars(select(PackageVersion).where(
            PackageVersion.client_id == client.id, PackageVersion.status == status.value)):
        previous.status = Status.REPLACED.value
    number = (db.session.scalar(select(func.max(PackageVersion.number))
                                .where(PackageVersion.client_id == client.id)) or 0) + 1
    version = PackageVersion(
        client_id=client.id, number=number, status=status.value, use_savings=use_savings,
        reason=reason.strip()[:500], based_on_id=base.id if base else None, created_by_id=actor.id,
        created_at=utcnow(),
        lines=[PackageLine(service_id=service_ids[code], per_week=n) for code, n in sorted(planned.items()) if n],
    )
    db.session.add(version)
    try:
        db.session.flush()
    except IntegrityError as exc:
        db.session.rollback()
        raise ConcurrentChange() from exc
    audit.record(Action.CREATE, actor=actor, client_id=client.id, obj=version,
                 detail=f"package version {number} ({status.value})")
    return version


def save_version(actor, client: Client, lines: list[LineInput], use_savings: bool, reason: str) -> PackageVersion:
    """Write the lines as a new version: a draft for the resident's team, else a proposal.

    Health lines are the nurse's: anyone else must leave them as they were, and never below
    what a health risk requires.

    :raises AccessDenied / NotInScope: the actor may neither compose nor propose.
    :raises InvalidPackage: bad lines, or health lines changed by someone who is not a nurse.
    :raises ClientHasNoBudget: no care profile.
    :raises ConcurrentChange: another version was saved at the same moment.
    """
    authorize(actor, Perm.PACKAGE_PROPOSE, client)
    composing = can(actor, Perm.PACKAGE_COMPOSE, client)
    prices = price_list(client.organisation, local_today())
    lines = complete_lines(actor, client, lines)
    read_meter(client, lines, use_savings, prices=prices)  # validates and needs a budget
    base = working_version(client)
    if not (actor.has_role(Role.NURSE) and composing):
        errors = _health_rule_errors(actor, client, lines, base, prices)
        if errors:
            raise InvalidPackage(errors)
    status = Status.DRAFT if composing else Status.PROPOSAL
    version = write_version(actor, client, _planned(lines), use_savings, reason, status, base)
    db.session.commit()
    return version


def submit_draft(actor, client: Client) -> PackageVersion:
    """Hand the draft to the nurse for sign-off.

    :raises NothingToSubmit: there is no draft.
    """
    authorize(actor, Perm.PACKAGE_COMPOSE, client)
    draft = latest_with_status(client, Status.DRAFT)
    if draft is None:
        raise NothingToSubmit()
    for earlier in db.session.scalars(select(PackageVersion).where(
            PackageVersion.client_id == client.id, PackageVersion.status == Status.SUBMITTED.value)):
        earlier.status = Status.REPLACED.value
    draft.status = Status.SUBMITTED.value
    draft.submitted_by_id = actor.id
    draft.submitted_at = utcnow()
    audit.record(Action.UPDATE, actor=actor, client_id=client.id, obj=draft,
                 detail=f"package version {draft.number} submitted")
    db.session.commit()
    return draft


def sign_off(actor, client: Client, version_number: int, active_from: date | None = None) -> PackageVersion:
    """The nurse's sign-off makes a submitted version the active package.

    :raises AccessDenied: the actor is not a nurse of the resident's team.
    :raises NotSubmitted: the version is not waiting for sign-off.
    :raises PackageUncovered: an active health risk is not covered at its minimum.
    """
    authorize(actor, Perm.PACKAGE_SIGN, client)
    version = db.session.scalar(select(PackageVersion).where(
        PackageVersion.client_id == client.id, PackageVersion.number == version_number))
    if version is None or version.status != Status.SUBMITTED.value:
        raise NotSubmitted()
    from .health import gaps_of, log_access

    gaps = gaps_of(client, version)
    if gaps:
        raise PackageUncovered(gaps)
    log_access(actor, client, Action.UPDATE, f"package version {version.number} checked against risks")
    for previous in db.session.scalars(select(PackageVersion).where(
            PackageVersion.client_id == client.id, PackageVersion.status == Status.ACTIVE.value)):
        previous.status = Status.SUPERSEDED.value
    version.status = Status.ACTIVE.value
    version.signed_by_id = actor.id
    version.signed_at = utcnow()
    version.active_from = active_from or local_today()
    audit.record(Action.UPDATE, actor=actor, client_id=client.id, obj=version,
                 detail=f"package version {version.number} signed off, active from {version.active_from}")
    db.session.commit()
    return version


@dataclass(frozen=True)
class LineChange:
    code: str
    before: int
    after: int
    health: bool


def compare(older: PackageVersion, newer: PackageVersion) -> list[LineChange]:
    """The lines whose frequency differs between two versions, by service code."""
    before = {line.service.code: line.per_week for line in older.lines}
    after = {line.service.code: line.per_week for line in newer.lines}
    health = {line.service.code for line in (*older.lines, *newer.lines)
              if line.service.category == Category.HEALTH.value}
    return [LineChange(code, before.get(code, 0), after.get(code, 0), code in health)
            for code in sorted(before.keys() | after.keys()) if before.get(code, 0) != after.get(code, 0)]



def version_by_number(client: Client, number: int) -> PackageVersion:
    """:raises NotInScope: no such version (a 404, like any object out of reach)."""
    from marketplace.policy import NotInScope

    version = db.session.scalar(select(PackageVersion).where(
        PackageVersion.client_id == client.id, PackageVersion.number == number))
    if version is None:
        raise NotInScope()
    return version


def reading_of(client: Client, version: PackageVersion, day: date) -> MeterReading | None:
    """The meter of a saved version, priced on ``day``; None when the resident has no budget."""
    try:
        return read_meter(client, lines_of(version), version.use_savings, day, allow_inactive=True)
    except ClientHasNoBudget:
        return None


# -- health lines are health data ------------------------------------------------------------

def shows_health(actor, client: Client) -> bool:
    return can(actor, Perm.HEALTH_VIEW, client)


def visible_lines(actor, client: Client, version: PackageVersion | None) -> list[PackageLine]:
    """The lines this actor may see: health lines only with a care relationship (logged)."""
    if version is None:
        return []
    if shows_health(actor, client):
        if any(line.service.category == Category.HEALTH.value for line in version.lines):
            from .health import read_logged

            read_logged(actor, client, f"health lines of package version {version.number}")
        return list(version.lines)
    return [line for line in version.lines if line.service.category != Category.HEALTH.value]


def visible_lines_of_versions(actor, client: Client, versions: list[PackageVersion]) -> dict[int, list[PackageLine]]:
    """:func:`visible_lines` for a list of versions: one access check and one logged read.

    Does not commit: the caller commits after it has used the versions (a commit would expire
    them and cost a query each).
    """
    show = shows_health(actor, client)
    if show and any(line.service.category == Category.HEALTH.value for v in versions for line in v.lines):
        from .health import log_access

        log_access(actor, client, Action.READ, "health lines of package versions")
    return {v.id: [line for line in v.lines if show or line.service.category != Category.HEALTH.value]
            for v in versions}


def complete_lines(actor, client: Client, lines: list[LineInput]) -> list[LineInput]:
    """For someone who may not see health lines: keep the package's own health lines.

    They compose the chosen care; the health lines (at least what the risks require) come
    from the working version, unseen.
    """
    if shows_health(actor, client):
        return lines
    from .domain import with_required
    from .health import requirements

    prices = price_list(client.organisation, local_today())
    health = {code for code, p in prices.items() if p.category == Category.HEALTH}
    kept = with_required({line.service: line.per_week for line in lines_of(working_version(client))
                          if line.service in health}, requirements(client))
    return [line for line in lines if line.service not in health] + [LineInput(c, n) for c, n in kept.items()]
