"""Settling a week (DOMAIN.md §4): every client with an active package, booked once."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import Flask, current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from care.catalogue import budget_table, price_list
from care.domain import Category, settle
from care.models import Client, PackageVersion
from care.models.packages import Status
from marketplace.core import audit
from marketplace.core.audit import Action
from marketplace.core.calendar import Week
from marketplace.core.errors import InvalidInput
from marketplace.core.db_types import local_today, utcnow
from marketplace.core.extensions import db
from marketplace.accounts.models import Organisation
from teams.models import TeamAssignment

from .domain import settlement_transfers
from .ledger import accounts_for, savings_balances
from .models import JournalEntry, LedgerLine

def before_settlement(app: Flask, hook) -> None:
    """Register ``hook(today)``, run in the settlement's transaction before a week is booked: the
    market applies the team choices whose Monday has come, so each week is booked to the team of
    its Monday without billing importing the market."""
    app.extensions.setdefault("before_settlement", []).append(hook)


def monday_of(week: str) -> date:
    """``"2026-W48"`` → Monday 23 November 2026. :raises InvalidWeek:"""
    return Week.parse(week).monday


def week_of(day: date) -> str:
    return str(Week.of(day))


def entry_key(week: str, client_id: int) -> str:
    return f"settle:{week}:{client_id}"


@dataclass
class SettlementRun:
    week: str
    settled: int = 0
    already: int = 0
    skipped: list[str] = field(default_factory=list)  # clients without team, budget or prices


def _active_on(org_id: int, monday: date) -> dict[int, PackageVersion]:
    """Per client, the version that was active on Monday (the latest start on or before it)."""
    versions = db.session.scalars(
        select(PackageVersion).join(Client, Client.id == PackageVersion.client_id)
        .where(Client.organisation_id == org_id,
               PackageVersion.status.in_([Status.ACTIVE.value, Status.SUPERSEDED.value]),
               PackageVersion.active_from <= monday)
        .options(selectinload(PackageVersion.lines))
        .order_by(PackageVersion.client_id, PackageVersion.active_from, PackageVersion.number)
    )
    chosen: dict[int, PackageVersion] = {}
    for version in versions:
        chosen[version.client_id] = version
    return chosen


def teams_on(client_ids: list[int], day: date) -> dict[int, int]:
    """The team delivering each client's care on ``day``: the assignment history, else the current team."""
    if not client_ids:
        return {}
    current = dict(db.session.execute(select(Client.id, Client.team_id).where(Client.id.in_(client_ids))).all())
    history = db.session.execute(
        select(TeamAssignment.client_id, TeamAssignment.team_id).where(
            TeamAssignment.client_id.in_(client_ids), TeamAssignment.starts_on <= day,
            (TeamAssignment.ends_on.is_(None)) | (TeamAssignment.ends_on > day)))
    current.update(dict(history.all()))
    return {cid: tid for cid, tid in current.items() if tid is not None}


def settle_organisation(org: Organisation, week: str, run: SettlementRun) -> None:
    monday = monday_of(week)
    versions = _active_on(org.id, monday)
    if not versions:
        return
    done = set(db.session.scalars(select(JournalEntry.client_id).where(
        JournalEntry.organisation_id == org.id, JournalEntry.idempotency_key.like(f"settle:{week}:%"))))
    todo = {cid: v for cid, v in versions.items() if cid not in done}
    run.already += len(versions) - len(todo)
    if not todo:
        return
    budgets = budget_table(org, monday)
    prices = price_list(org, monday)
    profiles = dict(db.session.execute(select(Client.id, Client.care_profile).where(Client.id.in_(todo))).all())
    teams = teams_on(list(todo), monday)
    savings = savings_balances(list(todo))
    entries = []
    for client_id, version in todo.items():
        budget = budgets.get(profiles.get(client_id) or "")
        team_id = teams.get(client_id)
        if budget is None or team_id is None:
            run.skipped.append(f"{client_id}: {'no budget' if budget is None else 'no team'}")
            continue
        unpriced = [line.service.code for line in version.lines if line.service.code not in prices]
        if unpriced:
            run.skipped.append(f"{client_id}: no price on {monday} for {', '.join(unpriced)}")
            continue
        health = core = 0
        for line in version.lines:
            unit = prices[line.service.code].unit_cents
            if line.service.category == Category.HEALTH.value:
                health += unit * line.per_week
            else:
                core += unit * line.per_week
        week_result = settle(health, core, budget, savings.get(client_id, 0), version.use_savings)
        entries.append((client_id, team_id, settlement_transfers(week_result, client_id, team_id)))
    keys = {t.source for _, _, ts in entries for t in ts} | {t.target for _, _, ts in entries for t in ts}
    accounts = accounts_for(org.id, keys)
    now = utcnow()
    for client_id, team_id, transfers in entries:
        entry = JournalEntry(organisation_id=org.id, idempotency_key=entry_key(week, client_id), kind="settlement",
                             memo=f"week {week}", booked_on=monday, created_at=now, client_id=client_id,
                             team_id=team_id)
        entry.lines = [LedgerLine(source_account_id=accounts[t.source].id, target_account_id=accounts[t.target].id,
                                  amount_cents=t.amount_cents, kind=t.kind.value) for t in transfers]
        db.session.add(entry)
    run.settled += len(entries)


class WeekNotOver(InvalidInput):
    """The week has not ended yet (or lies in the future): it cannot be settled."""

    def __init__(self, week: Week):
        after = week.monday + timedelta(days=7) if week.monday < date.max - timedelta(days=7) else date.max
        super().__init__("week", _l("Week %(week)s is not over yet: it can be settled from %(day)s.",
                                    week=str(week), day=after.isoformat()),
                         code="week_not_over")
        self.week = week


def settle_week(week: str | Week, actor=None, organisation_id: int | None = None, *,
                today: date | None = None) -> SettlementRun:
    """Book the week for every organisation (or one). Running it again books nothing new, and
    two runs at the same moment book it once: the second reports it as already settled.

    :raises InvalidWeek: a week not written like 2026-W48.
    :raises WeekNotOver: the week has not ended yet (only finished weeks are settled).
    """
    value = week if isinstance(week, Week) else Week.parse(week)
    if value.monday > (today or local_today()) - timedelta(days=7):  # over when its Sunday has passed
        raise WeekNotOver(value)
    attempt = 1
    while True:
        try:
            return _settle(str(value), actor, organisation_id, today or local_today())  # keys from the normalised week
        except IntegrityError:
            # Another run booked (or opened the accounts of) the same week at the same moment:
            # start again; it skips what is done.
            db.session.rollback()
            if attempt == 3:
                raise
            attempt += 1


def _settle(week: str, actor, organisation_id: int | None, today: date) -> SettlementRun:
    run = SettlementRun(week)
    for hook in current_app.extensions.get("before_settlement", ()) if has_app_context() else ():
        hook(today)
    query = select(Organisation).order_by(Organisation.id)
    if organisation_id is not None:
        query = query.where(Organisation.id == organisation_id)
    for org in db.session.scalars(query).all():
        settle_organisation(org, week, run)
    if actor is not None:
        audit.record(Action.CREATE, actor=actor, object_type="settlement", object_id=week,
                     detail=f"settled {run.settled}, already {run.already}, skipped {len(run.skipped)}")
    db.session.commit()
    return run


def previous_week(today: date) -> str:
    return week_of(today - timedelta(days=7))


