"""Package use cases: save a draft or proposal, submit it, the nurse's sign-off."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.core import audit
from marketplace.core.audit import Action
from marketplace.core.db_types import local_today, utcnow
from marketplace.core.errors import DomainError
from marketplace.core.extensions import db
from marketplace.core.policy import Perm, authorize, can
from marketplace.core.roles import Role

from .catalogue import PricedService, price_list
from .domain import Category
from .health_log import HealthEvent, log_access
from .lines import InvalidPackage, LineInput, planned_of
from .meter import complete_lines, read_meter
from .models import Client, PackageVersion
from .models.packages import Status
from .requirements import gaps_of, requirements
from .versions import lines_of, working_version, latest_with_status, write_version


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


def save_version(actor, client: Client, lines: list[LineInput], use_savings: bool, reason: str) -> PackageVersion:
    """Write the lines as a new version: a draft for the client's team, else a proposal.

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
    version = write_version(actor, client, planned_of(lines), use_savings, reason, status, base)
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

    :raises AccessDenied: the actor is not a nurse of the client's team.
    :raises NotSubmitted: the version is not waiting for sign-off.
    :raises PackageUncovered: an active health risk is not covered at its minimum.
    """
    authorize(actor, Perm.PACKAGE_SIGN, client)
    version = db.session.scalar(select(PackageVersion).where(
        PackageVersion.client_id == client.id, PackageVersion.number == version_number))
    if version is None or version.status != Status.SUBMITTED.value:
        raise NotSubmitted()
    gaps = gaps_of(client, version)
    if gaps:
        raise PackageUncovered(gaps)
    log_access(actor, client, Action.UPDATE, HealthEvent.PACKAGE_CHECKED, version)
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
