"""Package use cases: save a draft or proposal, submit it, the nurse's sign-off (with its preview)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select, update

from marketplace.core import audit
from marketplace.core.audit import Action
from marketplace.core.calendar import add_months
from marketplace.core.db_types import local_today, utcnow
from marketplace.core.errors import AccessDenied, Conflict, DomainError, InvalidInput
from marketplace.core.extensions import db
from marketplace.core.policy import Perm, authorize, can
from marketplace.core.roles import Role

from . import health, proposal_notices
from .catalogue import PricedService, price_list
from .domain import Category, Gap, Requirement, coverage_gaps, unfounded_health_lines
from .health_log import HealthEvent, log_access, read_logged
from .lines import InvalidPackage, LineInput, planned_of
from .meter import MeterReading, complete_lines, read_meter, reading_of
from .models import Client, PackageVersion
from .models.packages import Status
from .requirements import gaps_of, requirements
from .versions import active_version, latest_with_status, lines_of, version_by_number, working_version, write_version

SIGN_OFF_MONTHS_AHEAD = 24  # as the catalogue and the settings: a date further ahead is a typo


class NothingToSubmit(DomainError):
    """There is no draft to submit."""

    code = "nothing_to_submit"


class NotSubmitted(DomainError):
    """Only a submitted version can be signed off."""

    code = "not_submitted"


class PackageUncovered(DomainError):
    """Sign-off refused: active health risks are not covered at their minimum (``gaps``)."""

    def __init__(self, gaps):
        super().__init__(", ".join(f"{g.service} {g.planned}<{g.required}" for g in gaps), code="uncovered")
        self.gaps = gaps


class HealthLineWithoutRisk(DomainError):
    """Sign-off refused: health lines (``codes``) that no active risk of the resident requires.

    Care for health risks is never charged, so it needs a documented basis: the nurse records
    the risk, or removes the line.
    """

    def __init__(self, codes: list[str]):
        super().__init__(", ".join(codes), code="health_line_without_risk")
        self.codes = codes


class VersionReplaced(Conflict):
    """The submitted version was replaced: ``current`` waits for sign-off instead, and
    ``for_risks`` says it was written to cover health risks that changed after submission."""

    code = "replaced"

    def __init__(self, current: PackageVersion, for_risks: bool):
        super().__init__("replaced")
        self.current = current
        self.for_risks = for_risks


def _replacement(client: Client, version: PackageVersion) -> tuple[PackageVersion | None, bool]:
    """The submitted version waiting instead of ``version``, and whether it was written on top of
    it to cover health risks that changed (health.sync_package writes such a version as
    submitted at once, so it was submitted when it was created; a draft is submitted later)."""
    current = _submitted_now(client)
    if current is None or current.number <= version.number:
        return None, False
    step = current
    for _step in range(50):
        if step.submitted_at != step.created_at or step.based_on_id is None:
            return current, False
        if step.based_on_id == version.id:
            return current, True
        step = db.session.get(PackageVersion, step.based_on_id)
        if step is None:
            break
    return current, False


def authorize_proposal(actor, client: Client) -> None:
    """:raises AccessDenied: with a message that says what right is missing, for family."""
    if not can(actor, Perm.PACKAGE_PROPOSE, client) and can(actor, Perm.PACKAGE_VIEW, client) \
            and actor.has_role(Role.FAMILY):
        raise AccessDenied(Perm.PACKAGE_PROPOSE, client, _(
            "Only a family contact with the right to decide can propose a change to the package. Ask the care "
            "team or the family contact who decides."))
    authorize(actor, Perm.PACKAGE_PROPOSE, client)


def _health_rule_errors(actor, client: Client, lines: list[LineInput], base: PackageVersion | None,
                        prices: dict[str, PricedService]) -> dict[str, str]:
    """What a non-nurse may not do with health lines: change them, or go below a required minimum."""
    planned = planned_of(lines)
    before = planned_of(lines_of(base))
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


def _nurse_lowerings(actor, client: Client, lines: list[LineInput], reason: str) -> None:
    """A nurse who plans required care below its minimum records that as her decision (with the
    version's reason), so the team can keep that amount and the sign-off accepts it.

    :raises InvalidPackage: no reason, or the line taken to 0 (the risk is closed instead).
    """
    planned = planned_of(lines)
    lowered = {code: planned.get(code, 0) for code, requirement in requirements(client).items()
               if planned.get(code, 0) < requirement.min_per_week}
    if not lowered:
        return
    try:
        health.lower_required(actor, client, lowered, reason)
    except InvalidInput as exc:
        raise InvalidPackage({exc.field: exc.message}) from exc


def write_checked(actor, client: Client, lines: list[LineInput], use_savings: bool, reason: str,
                  prices: dict[str, PricedService]) -> PackageVersion:
    """Check and write ``lines`` as the actor's new version (flushes; the caller commits)."""
    composing = can(actor, Perm.PACKAGE_COMPOSE, client)
    lines = complete_lines(actor, client, lines)
    read_meter(client, lines, use_savings, prices=prices)  # validates and needs a budget
    base = working_version(client)
    if actor.has_role(Role.NURSE) and composing:
        _nurse_lowerings(actor, client, lines, reason)
    else:
        errors = _health_rule_errors(actor, client, lines, base, prices)
        if errors:
            raise InvalidPackage(errors)
    status = Status.DRAFT if composing else Status.PROPOSAL
    version = write_version(actor, client, planned_of(lines), use_savings, reason, status, base)
    version.proposed = status is Status.PROPOSAL
    return version


def save_version(actor, client: Client, lines: list[LineInput], use_savings: bool, reason: str) -> PackageVersion:
    """Write the lines as a new version: a draft for the client's team, else a proposal.

    Health lines are the nurse's: anyone else must leave them as they were, and never below
    what a health risk requires. A nurse may plan required care below its minimum with a
    reason: that is recorded as her decision (a prescription), and the team may keep it.

    :raises AccessDenied / NotInScope: the actor may neither compose nor propose (family
        without *decide* is told so).
    :raises InvalidPackage: bad lines, or health lines changed by someone who is not a nurse,
        or a nurse lowering required care without a reason.
    :raises ClientHasNoBudget: no care profile.
    :raises ConcurrentChange: another version was saved at the same moment.
    """
    authorize_proposal(actor, client)
    version = write_checked(actor, client, lines, use_savings, reason, price_list(client.organisation, local_today()))
    if version.proposed:
        proposal_notices.proposal_sent(actor, client, version)
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


# -- the nurse's sign-off --------------------------------------------------------------------

@dataclass(frozen=True)
class SignOffPreview:
    """What the nurse sees before signing: the package, its meter before → after, the risks it
    covers, and what stands in the way (gaps, health lines without a risk)."""

    version: PackageVersion
    active: PackageVersion | None
    before: MeterReading | None  # the active package today
    after: MeterReading | None   # this version today
    required: dict[str, Requirement]
    gaps: list[Gap]
    unfounded: list[str]
    current: PackageVersion | None  # the submitted version to sign instead, when this one is stale
    replaced_for_risks: bool = False  # ... written because the health risks changed

    @property
    def signable(self) -> bool:
        return self.version.status == Status.SUBMITTED.value and not self.gaps and not self.unfounded

    @property
    def lowered(self) -> list[Requirement]:
        return [r for r in self.required.values() if r.lowered]


def _unfounded(client: Client, version: PackageVersion, required: dict[str, Requirement]) -> list[str]:
    planned = {line.service.code: line.per_week for line in version.lines}
    health_codes = {line.service.code for line in version.lines if line.service.category == Category.HEALTH.value}
    return unfounded_health_lines(planned, health_codes, required)


def _submitted_now(client: Client) -> PackageVersion | None:
    return latest_with_status(client, Status.SUBMITTED)


def sign_off_preview(actor, client: Client, version_number: int) -> SignOffPreview:
    """The sign-off page's content, for a nurse of the client's team (the read is logged).

    :raises AccessDenied: not a nurse of the client's team.
    :raises NotInScope: no such version.
    """
    authorize(actor, Perm.PACKAGE_SIGN, client)
    version = version_by_number(client, version_number)
    required = requirements(client)
    today = local_today()
    active = active_version(client)
    current, for_risks = (None, False) if version.status == Status.SUBMITTED.value else _replacement(client, version)
    planned = {line.service.code: line.per_week for line in version.lines}
    read_logged(actor, client, HealthEvent.PACKAGE_CHECKED, version)
    return SignOffPreview(
        version=version, active=active,
        before=reading_of(client, active, today) if active else None,
        after=reading_of(client, version, today),
        required=required, gaps=coverage_gaps(required, planned),
        unfounded=_unfounded(client, version, required), current=current, replaced_for_risks=for_risks,
    )


def sign_off(actor, client: Client, version_number: int, active_from: date | None = None) -> PackageVersion:
    """The nurse's sign-off makes a submitted version the active package, and tells the family
    contacts with *decide* or *pay* what it changes per week.

    :raises AccessDenied: the actor is not a nurse of the client's team.
    :raises InvalidInput: ``active_from`` more than two years ahead.
    :raises VersionReplaced: the version was replaced since (``current`` is the one to sign).
    :raises NotSubmitted: the version is not waiting for sign-off.
    :raises HealthLineWithoutRisk: a health line that no active risk requires.
    :raises PackageUncovered: an active health risk is not covered at its minimum.
    """
    authorize(actor, Perm.PACKAGE_SIGN, client)
    latest = add_months(local_today(), SIGN_OFF_MONTHS_AHEAD)
    if active_from is not None and active_from > latest:
        # A date further ahead is a typo (9999-12-31 would leave the resident without a package).
        raise InvalidInput("active_from", _("A change can start at most two years ahead, on %(day)s at the latest.",
                                            day=latest.isoformat()))
    version = db.session.scalar(select(PackageVersion).where(
        PackageVersion.client_id == client.id, PackageVersion.number == version_number))
    if version is not None and version.status == Status.REPLACED.value and version.submitted_at is not None:
        current, for_risks = _replacement(client, version)
        if current is not None:
            raise VersionReplaced(current, for_risks)
    if version is None or version.status != Status.SUBMITTED.value:
        raise NotSubmitted()
    required = requirements(client)
    unfounded = _unfounded(client, version, required)
    if unfounded:
        raise HealthLineWithoutRisk(unfounded)
    gaps = gaps_of(client, version)
    if gaps:
        raise PackageUncovered(gaps)
    today = local_today()
    previous_active = active_version(client)
    before = reading_of(client, previous_active, today) if previous_active else None
    # Claim the version with a conditional update before writing anything: two nurses (or one
    # double click) signing at one moment sign once and tell the family once.
    claimed = db.session.execute(
        update(PackageVersion).where(PackageVersion.id == version.id,
                                     PackageVersion.status == Status.SUBMITTED.value)
        .values(status=Status.ACTIVE.value).execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        db.session.rollback()
        raise NotSubmitted()
    log_access(actor, client, Action.UPDATE, HealthEvent.PACKAGE_CHECKED, version)
    for previous in db.session.scalars(select(PackageVersion).where(
            PackageVersion.client_id == client.id, PackageVersion.status == Status.ACTIVE.value,
            PackageVersion.id != version.id)):
        previous.status = Status.SUPERSEDED.value
    version.status = Status.ACTIVE.value
    version.signed_by_id = actor.id
    version.signed_at = utcnow()
    version.active_from = active_from or today
    lowered = sorted(code for code, r in required.items() if r.lowered)
    audit.record(Action.UPDATE, actor=actor, client_id=client.id, obj=version,
                 detail=f"package version {version.number} signed off, active from {version.active_from}"
                 + (", required care lowered by the nurse's decision" if lowered else ""))
    proposal_notices.package_signed(actor, client, version, before, reading_of(client, version, today))
    db.session.commit()
    return version


def cover_risks(actor, client: Client) -> PackageVersion | None:
    """The nurse replaces the submitted version by one with the care the risks now require;
    None when it covers them already.

    :raises NothingToSubmit: no submitted version.
    :raises AccessDenied: not a nurse of the client's team.
    """
    authorize(actor, Perm.PACKAGE_SIGN, client)
    if _submitted_now(client) is None:
        raise NothingToSubmit()
    covering = health.sync_package(actor, client)
    db.session.commit()
    return covering
