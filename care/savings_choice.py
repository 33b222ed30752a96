"""The family's choice to pay what is above the budget from savings first (DOMAIN.md §4)."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import update

from marketplace.core.db_types import local_today
from marketplace.core.errors import DomainError
from marketplace.core.extensions import db
from marketplace.core.policy import Perm, authorize

from .models import Client, PackageVersion
from .models.packages import Status
from .versions import ConcurrentChange, active_version, write_version


class NoActivePackage(DomainError):
    """There is no active package to change."""

    code = "no_active_package"


def set_use_savings(actor, client: Client, use_savings: bool) -> PackageVersion:
    """The family's choice to pay what is above the budget from savings first (or not).

    Versions are never edited: the active package's lines are written again as a new active
    version with the choice, from today (or from the day the active one starts, if later).
    The lines are those the nurse signed off, so her sign-off stays with them.

    :raises AccessDenied: not a family contact with *decide*, nor the resident.
    :raises NoActivePackage: nothing active yet.
    :raises ConcurrentChange: the active package changed meanwhile (the nurse signed a new one,
        or the same choice was sent twice at once): nothing is written.
    """
    authorize(actor, Perm.PACKAGE_USE_SAVINGS, client)
    active = active_version(client)
    if active is None:
        raise NoActivePackage()
    if active.use_savings == use_savings:
        return active
    # Claim the package the choice was made on before writing anything: a conditional update,
    # so a sign-off in between is never undone by its old lines, and twenty clicks write once.
    claimed = db.session.execute(
        update(PackageVersion).where(PackageVersion.id == active.id, PackageVersion.status == Status.ACTIVE.value)
        .values(status=Status.SUPERSEDED.value).execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        db.session.rollback()
        raise ConcurrentChange()
    reason = _("Savings used for what is above the budget") if use_savings else \
        _("Savings no longer used for what is above the budget")
    version = write_version(actor, client, {line.service.code: line.per_week for line in active.lines}, use_savings,
                            reason, Status.ACTIVE, active)
    # write_version replaced the previous active version; it was active, so it is superseded.
    active.status = Status.SUPERSEDED.value
    version.signed_by_id, version.signed_at = active.signed_by_id, active.signed_at
    version.active_from = max(local_today(), active.active_from or local_today())
    db.session.commit()
    return version
