"""The organisation's dated settings: meter thresholds and overhead, each from a date, history kept.

:func:`settings_on` is the one place that says which values hold on a day; the meter, the
cost prices and the budgets all ask it for the day they compute (care/catalogue.py), so a
package priced at its own date keeps the overhead of that date.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import g, has_request_context
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from marketplace.core import audit
from marketplace.core.audit import Action
from marketplace.core.calendar import add_months
from marketplace.core.db_types import local_today
from marketplace.core.errors import Conflict, InvalidInput
from marketplace.core.extensions import db
from marketplace.core.policy import Perm, authorize

from .models import Organisation, OrganisationSetting

MONTHS_AHEAD = 24  # as the catalogue: a date further ahead is a typo
MAX_RED_PCT = 200


@dataclass(frozen=True)
class OrgSettings:
    orange_from_pct: int
    red_above_pct: int
    overhead_pct: int
    valid_from: date | None  # None: the organisation's values from its start


class NotInTheFuture(Conflict):
    """A dated value that is in effect (or past) is history: it is neither corrected nor withdrawn."""

    code = "in_effect"


def settings_on(organisation: Organisation, day: date) -> OrgSettings:
    """The settings that hold on ``day``: the latest row from on or before it, else the
    organisation's own values. One query, remembered for the rest of the request."""
    cache = g.setdefault("zm_org_settings", {}) if has_request_context() else {}
    key = (organisation.id, day)
    if key not in cache:
        row = db.session.scalar(
            select(OrganisationSetting).where(OrganisationSetting.organisation_id == organisation.id,
                                              OrganisationSetting.valid_from <= day)
            .order_by(OrganisationSetting.valid_from.desc()).limit(1))
        cache[key] = (OrgSettings(row.orange_from_pct, row.red_above_pct, row.overhead_pct, row.valid_from)
                      if row is not None else
                      OrgSettings(organisation.orange_from_pct, organisation.red_above_pct, organisation.overhead_pct,
                                  None))
    return cache[key]


def _forget() -> None:
    if has_request_context():
        g.pop("zm_org_settings", None)


def history(actor, organisation: Organisation) -> list[OrganisationSetting]:
    """Every dated row, newest date first. :raises AccessDenied: not an administrator."""
    authorize(actor, Perm.ORG_ADMIN, organisation)
    return list(db.session.scalars(select(OrganisationSetting)
                                   .where(OrganisationSetting.organisation_id == organisation.id)
                                   .options(selectinload(OrganisationSetting.created_by))
                                   .order_by(OrganisationSetting.valid_from.desc())))


def check_values(orange_from_pct: int, red_above_pct: int, overhead_pct: int) -> None:
    """:raises InvalidInput: thresholds not 0 < orange < red ≤ 200, overhead outside 0–100 (every bad field)."""
    fields = {}
    if not 0 < orange_from_pct < MAX_RED_PCT:
        fields["orange_from_pct"] = _("Orange starts above 0 %% and below %(max)d %%.", max=MAX_RED_PCT)
    if not 0 < red_above_pct <= MAX_RED_PCT:
        fields["red_above_pct"] = _("Red starts above 0 %% and at most at %(max)d %%.", max=MAX_RED_PCT)
    elif "orange_from_pct" not in fields and orange_from_pct >= red_above_pct:
        fields["red_above_pct"] = _("Red must start above where orange starts (%(orange)d %%).",
                                    orange=orange_from_pct)
    if not 0 <= overhead_pct <= 100:
        fields["overhead_pct"] = _("The overhead is from 0 to 100 %.")
    if fields:
        field = next(iter(fields))
        raise InvalidInput(field, fields[field], fields=fields)


def check_future_date(valid_from: date, today: date) -> None:
    """:raises InvalidInput: a date before today or more than two years ahead."""
    if valid_from < today:
        raise InvalidInput("valid_from", _("A new value starts today or later: what held before stays as it was."))
    latest = add_months(today, MONTHS_AHEAD)
    if valid_from > latest:
        raise InvalidInput("valid_from", _("A change can start at most two years ahead, on %(day)s at the latest.",
                                           day=latest.isoformat()))


def change_settings(actor, organisation: Organisation, *, orange_from_pct: int, red_above_pct: int,
                    overhead_pct: int, valid_from: date, today: date | None = None) -> OrganisationSetting:
    """New thresholds and overhead from ``valid_from``; what held before stays.

    :raises InvalidInput: values out of range, a date in the past or too far ahead, a date that
        has a change already.
    """
    authorize(actor, Perm.ORG_ADMIN, organisation)
    check_values(orange_from_pct, red_above_pct, overhead_pct)
    check_future_date(valid_from, today or local_today())
    db.session.scalar(select(Organisation.id).where(Organisation.id == organisation.id).with_for_update())
    exists = db.session.scalar(select(OrganisationSetting.id).where(
        OrganisationSetting.organisation_id == organisation.id, OrganisationSetting.valid_from == valid_from))
    if exists:
        raise InvalidInput("valid_from", _("There is already a change on this date: withdraw it first."))
    row = OrganisationSetting(organisation_id=organisation.id, valid_from=valid_from, orange_from_pct=orange_from_pct,
                              red_above_pct=red_above_pct, overhead_pct=overhead_pct, created_by_id=actor.id)
    db.session.add(row)
    try:
        db.session.flush()
        audit.record(Action.CREATE, actor=actor, obj=row,
                     detail=f"orange {orange_from_pct}% red {red_above_pct}% overhead {overhead_pct}% "
                            f"from {valid_from}")
        db.session.commit()
    except IntegrityError:  # the same date saved at the same moment (SQLite has no row lock)
        db.session.rollback()
        raise InvalidInput("valid_from", _("There is already a change on this date: withdraw it first.")) from None
    _forget()
    return row


def withdraw_settings(actor, row: OrganisationSetting, today: date | None = None) -> None:
    """Withdraw a change that has not yet taken effect.

    :raises NotInTheFuture: it holds already (or held): it stays as history.
    """
    authorize(actor, Perm.ORG_ADMIN, row)
    if row.valid_from <= (today or local_today()):
        raise NotInTheFuture(_("This change is in effect since %(day)s: it stays as history. "
                               "Enter a new change from a later date instead.", day=row.valid_from.isoformat()))
    audit.record(Action.DELETE, actor=actor, obj=row,
                 detail=f"withdrawn: orange {row.orange_from_pct}% red {row.red_above_pct}% "
                        f"overhead {row.overhead_pct}% from {row.valid_from}")
    db.session.delete(row)
    db.session.commit()
    _forget()
