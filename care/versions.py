"""Package versions: never edited once written; a change is a new version with who, when and why.

Health lines are health data: :func:`visible_lines` shows them only to the care relationship,
and logs the read.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from marketplace.core import audit
from marketplace.core.audit import Action
from marketplace.core.db_types import utcnow
from marketplace.core.errors import Conflict, NotInScope
from marketplace.core.extensions import db
from marketplace.core.policy import Perm, can

from .domain import Category
from .health_log import HealthEvent, log_access, read_logged
from .lines import LineInput
from .models import Client, PackageLine, PackageVersion, Service
from .models.packages import Status


# The reason the app wrote itself for required care, before it stopped naming the services
# ("Vereiste zorg toegevoegd: H01"). Versions are never edited, so such reasons stay stored.
_LEGACY_REQUIRED_CARE = re.compile(r"(Required care added|Vereiste zorg toegevoegd): [A-Z0-9]+(, [A-Z0-9]+)*")


def required_care_reason() -> str:
    """The reason of a version the app writes when a health risk requires care: no health detail,
    as everyone who sees the package reads it (the services are in the logged health views)."""
    return _("Required care added for a health risk")


def shown_reason(version: PackageVersion) -> str:
    """The reason of a version as pages and the API show it, without the services of old generated reasons."""
    if _LEGACY_REQUIRED_CARE.fullmatch(version.reason or ""):
        return required_care_reason()
    return version.reason


class ConcurrentChange(Conflict):
    """Someone else saved a version at the same moment; reload and try again."""


def versions_of(client: Client) -> list[PackageVersion]:
    return list(db.session.scalars(
        select(PackageVersion).where(PackageVersion.client_id == client.id)
        .options(selectinload(PackageVersion.created_by), selectinload(PackageVersion.signed_by),
                 selectinload(PackageVersion.submitted_by), selectinload(PackageVersion.decided_by))
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


def write_version(actor, client: Client, planned: dict[str, int], use_savings: bool, reason: str,
                  status: Status, base: PackageVersion | None) -> PackageVersion:
    """Add a new version with these lines; earlier versions of the same status are replaced.

    Flushes, does not commit: the calling use case commits once.

    :raises ConcurrentChange: another version was written at the same moment.
    """
    service_ids = dict(db.session.execute(select(Service.code, Service.id).where(
        Service.organisation_id == client.organisation_id, Service.code.in_(list(planned)))).all())
    db.session.flush()  # the caller's work so far stays outside the savepoint
    try:
        # A savepoint: a clash undoes this version and the replacements it made, never the
        # caller's transaction.
        with db.session.begin_nested():
            for previous in db.session.scalars(select(PackageVersion).where(
                    PackageVersion.client_id == client.id, PackageVersion.status == status.value)):
                previous.status = Status.REPLACED.value
            number = (db.session.scalar(select(func.max(PackageVersion.number))
                                        .where(PackageVersion.client_id == client.id)) or 0) + 1
            version = PackageVersion(
                client_id=client.id, number=number, status=status.value, use_savings=use_savings,
                reason=reason.strip()[:500], based_on_id=base.id if base else None, created_by_id=actor.id,
                created_at=utcnow(),
                lines=[PackageLine(service_id=service_ids[code], per_week=n)
                       for code, n in sorted(planned.items()) if n],
            )
            db.session.add(version)
    except IntegrityError as exc:
        raise ConcurrentChange() from exc
    audit.record(Action.CREATE, actor=actor, client_id=client.id, obj=version,
                 detail=f"package version {number} ({status.value})")
    return version


def version_by_number(client: Client, number: int) -> PackageVersion:
    """:raises NotInScope: no such version (a 404, like any object out of reach)."""
    version = db.session.scalar(select(PackageVersion).where(
        PackageVersion.client_id == client.id, PackageVersion.number == number))
    if version is None:
        raise NotInScope()
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


def shows_health(actor, client: Client) -> bool:
    return can(actor, Perm.HEALTH_VIEW, client)


def visible_lines(actor, client: Client, version: PackageVersion | None) -> list[PackageLine]:
    """The lines this actor may see: health lines only with a care relationship (logged)."""
    if version is None:
        return []
    if shows_health(actor, client):
        if any(line.service.category == Category.HEALTH.value for line in version.lines):
            read_logged(actor, client, HealthEvent.HEALTH_LINES_READ, version)
        return list(version.lines)
    return [line for line in version.lines if line.service.category != Category.HEALTH.value]


def visible_lines_of_versions(actor, client: Client, versions: list[PackageVersion]) -> dict[int, list[PackageLine]]:
    """:func:`visible_lines` for a list of versions: one access check and one logged read.

    Does not commit: the caller commits after it has used the versions (a commit would expire
    them and cost a query each).
    """
    show = shows_health(actor, client)
    if show and any(line.service.category == Category.HEALTH.value for v in versions for line in v.lines):
        log_access(actor, client, Action.READ, HealthEvent.HEALTH_LINES_READ)
    return {v.id: [line for line in v.lines if show or line.service.category != Category.HEALTH.value]
            for v in versions}
