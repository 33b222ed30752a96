"""Scenarios as the board uses them: check the changes asked for, preview, save under a name,
list, open and compare two. A saved scenario holds its changes only; it is computed anew from
today's snapshot whenever it is shown, so it never goes stale and never touches live data."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Mapping

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from marketplace.accounts.models import Location
from marketplace.core import audit
from marketplace.core.audit import Action
from marketplace.core.db_types import local_today
from marketplace.core.errors import InvalidInput
from marketplace.core.extensions import db
from marketplace.core.numbers import MAX_INT
from marketplace.core.policy import Perm, authorize, get_in_scope

from .models import BoardScenario
from .reading import take_snapshot
from .scenarios import (MAX_OVERHEAD_PCT, MAX_PCT_TENTHS, MAX_PER_WEEK, MAX_RESIDENTS, MIN_PCT_TENTHS, Changes,
                        Outcome, compute)
from .snapshot import Snapshot

NAME_LENGTH = 100
MAX_ROWS = 50
_PERCENT = re.compile(r"[+-]?[0-9]{1,5}(?:[.,][0-9])?", re.ASCII)
_WHOLE = re.compile(r"[+-]?[0-9]{1,5}", re.ASCII)


class InvalidScenario(InvalidInput):
    """One or more changes cannot be computed; ``fields`` names each with its message."""

    def __init__(self, errors: dict[str, object]):
        super().__init__(next(iter(errors)), "; ".join(str(m) for m in errors.values()), fields=errors,
                         code="invalid_scenario")


class ScenarioNameTaken(InvalidInput):
    """The organisation has a scenario of this name already (HTTP 409)."""

    status = 409
    code = "name_taken"

    def __init__(self):
        super().__init__("name", _("There is a scenario with this name already: choose another name."))


def _percent_tenths(value: object, field: str, errors: dict) -> int:
    """"5", "-2.5", "2,5" or a JSON number with at most one decimal → tenths (50, −25, 25)."""
    if value is None or value == "":
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        errors[field] = _("Enter a percentage such as 5 or -2.5.")
        return 0
    text = value.strip() if isinstance(value, str) else repr(value)
    if not _PERCENT.fullmatch(text):
        errors[field] = _("Enter a percentage such as 5 or -2.5.")
        return 0
    try:
        tenths = int(Decimal(text.replace(",", ".")) * 10)
    except InvalidOperation:
        errors[field] = _("Enter a percentage such as 5 or -2.5.")
        return 0
    if not MIN_PCT_TENTHS <= tenths <= MAX_PCT_TENTHS:
        errors[field] = _("Enter a percentage from -100 to 1000.")
        return 0
    return tenths


def _whole(value: object, field: str, errors: dict, low: int, high: int, message: str) -> int | None:
    if isinstance(value, bool):
        errors[field] = message
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _WHOLE.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        errors[field] = message
        return None
    if not low <= number <= high:
        errors[field] = message
        return None
    return number


def _rows(value: object, field: str, errors: dict) -> list[Mapping]:
    if value is None or value == "":
        return []
    if not isinstance(value, list) or len(value) > MAX_ROWS or not all(isinstance(r, Mapping) for r in value):
        errors[field] = _("Send a list of at most %(n)d rows.", n=MAX_ROWS)
        return []
    return value


def parse_changes(data: Mapping, snapshot: Snapshot, location_ids: set[int]) -> Changes:
    """The changes asked for, checked against the organisation: every bad field at once.

    :raises InvalidScenario: a percentage that is not a number from −100 to 1000, an overhead
        outside 0–100 %, an unknown location, team, profile or core service, a number of residents
        or a frequency out of range, a team or service named twice.
    """
    errors: dict[str, object] = {}
    budget = _percent_tenths(data.get("budget_pct"), "budget_pct", errors)
    wage = _percent_tenths(data.get("wage_pct"), "wage_pct", errors)
    points = data.get("overhead_points")
    overhead = 0
    if points not in (None, ""):
        low = -snapshot.overhead_pct
        overhead = _whole(points, "overhead_points", errors, low, MAX_OVERHEAD_PCT - snapshot.overhead_pct,
                          _("The overhead is %(now)d %%: enter a change that keeps it from 0 %% to 100 %%.",
                            now=snapshot.overhead_pct)) or 0
    location_id = None
    if data.get("location_id") not in (None, ""):
        location_id = _whole(data.get("location_id"), "location_id", errors, 1, MAX_INT, _("Unknown location."))
        if location_id is not None and location_id not in location_ids:
            errors["location_id"] = _("Unknown location.")
    teams = {t.id: t.location_ids for t in snapshot.teams}
    residents, seen = [], set()
    for i, row in enumerate(_rows(data.get("residents"), "residents", errors)):
        team = _whole(row.get("team_id"), f"residents.{i}.team_id", errors, 1, MAX_INT, _("Unknown team."))
        if team is not None and team not in teams:
            errors[f"residents.{i}.team_id"] = _("Unknown team.")
        elif team is not None and location_id is not None and location_id not in teams[team]:
            errors[f"residents.{i}.team_id"] = _("This team does not serve the chosen location.")
        profile = row.get("profile")
        if not isinstance(profile, str) or profile.strip().upper() not in snapshot.profiles:
            errors[f"residents.{i}.profile"] = _("Unknown care profile.")
        else:
            profile = profile.strip().upper()
        count = _whole(row.get("count"), f"residents.{i}.count", errors, 0, MAX_RESIDENTS,
                       _("Enter a whole number from %(min)d to %(max)d.", min=0, max=MAX_RESIDENTS))
        if (team, profile) in seen:
            errors[f"residents.{i}.profile"] = _("This team and profile are listed twice.")
        seen.add((team, profile))
        residents.append((team, profile, count))
    frequencies, codes = [], set()
    for i, row in enumerate(_rows(data.get("frequencies"), "frequencies", errors)):
        code = row.get("service")
        code = code.strip().upper() if isinstance(code, str) else ""
        service = snapshot.services.get(code)
        if service is None or service.category != "core":
            errors[f"frequencies.{i}.service"] = _(
                "Choose a core service: health lines follow the residents' risks, luxury is never in a package.")
        elif code in codes:
            errors[f"frequencies.{i}.service"] = _("This service is listed twice.")
        codes.add(code)
        per_week = _whole(row.get("per_week"), f"frequencies.{i}.per_week", errors, 0, MAX_PER_WEEK,
                          _("Enter a whole number from %(min)d to %(max)d.", min=0, max=MAX_PER_WEEK))
        frequencies.append((code, per_week))
    if errors:
        raise InvalidScenario(errors)
    return Changes(budget, wage, overhead, tuple(residents), tuple(frequencies), location_id)


def location_ids_of(organisation_id: int) -> set[int]:
    return set(db.session.scalars(select(Location.id).where(Location.organisation_id == organisation_id)))


@dataclass(frozen=True)
class Computed:
    changes: Changes
    today: Outcome
    scenario: Outcome
    day: date


def preview(actor, data: Mapping, day: date | None = None) -> Computed:
    """Today and the scenario side by side, nothing saved.

    :raises AccessDenied: not the board or an administrator. :raises InvalidScenario:
    """
    authorize(actor, Perm.ORG_AGGREGATES)
    day = day or local_today()
    snapshot = take_snapshot(actor.organisation, day)
    changes = parse_changes(data, snapshot, location_ids_of(actor.organisation_id))
    return _computed(snapshot, changes)


def _computed(snapshot: Snapshot, changes: Changes) -> Computed:
    today = compute(snapshot, Changes(location_id=changes.location_id))
    return Computed(changes, today, compute(snapshot, changes) if not changes.is_today else today, snapshot.day)


def save_scenario(actor, name: object, data: Mapping, day: date | None = None) -> BoardScenario:
    """Check and save a named scenario (its changes), one commit.

    :raises InvalidInput: no name or a name too long. :raises InvalidScenario:
    :raises ScenarioNameTaken: the organisation has one of this name (nothing saved).
    """
    authorize(actor, Perm.ORG_AGGREGATES)
    errors: dict[str, object] = {}
    clean = name.strip() if isinstance(name, str) else ""
    if not clean or len(clean) > NAME_LENGTH:
        errors["name"] = _("Give the scenario a name of at most %(n)d characters.", n=NAME_LENGTH)
    snapshot = take_snapshot(actor.organisation, day or local_today())
    try:
        changes = parse_changes(data, snapshot, location_ids_of(actor.organisation_id))
    except InvalidScenario as exc:
        raise InvalidScenario({**errors, **exc.fields}) from None
    if errors:
        raise InvalidScenario(errors)
    scenario = BoardScenario(organisation_id=actor.organisation_id, name=clean, changes=changes.as_json(),
                             created_by_id=actor.id)
    try:
        db.session.add(scenario)
        db.session.flush()
        audit.record(Action.CREATE, actor=actor, obj=scenario, detail=f"scenario {scenario.id}")
        db.session.commit()
    except IntegrityError:  # the name is the database's to keep unique
        db.session.rollback()
        raise ScenarioNameTaken() from None
    return scenario


def scenarios_of(actor) -> list[BoardScenario]:
    authorize(actor, Perm.ORG_AGGREGATES)
    return list(db.session.scalars(select(BoardScenario).where(BoardScenario.organisation_id == actor.organisation_id)
                                   .order_by(BoardScenario.name)))


def open_scenario(actor, scenario_id: int, day: date | None = None) -> tuple[BoardScenario, Computed]:
    """:raises NotInScope: no such scenario in the actor's organisation. :raises AccessDenied:"""
    scenario = get_in_scope(actor, BoardScenario, scenario_id, Perm.ORG_AGGREGATES)
    snapshot = take_snapshot(actor.organisation, day or local_today())
    return scenario, _computed(snapshot, Changes.from_json(scenario.changes))


def compare(actor, a: int | None, b: int | None, day: date | None = None):
    """Two saved scenarios, each beside today, from one snapshot.

    :raises NotInScope: either is not a scenario of the actor's organisation.
    """
    authorize(actor, Perm.ORG_AGGREGATES)
    if a is None or b is None:
        raise InvalidInput("a" if a is None else "b", _("Choose two scenarios to compare."))
    first = get_in_scope(actor, BoardScenario, a, Perm.ORG_AGGREGATES)
    second = get_in_scope(actor, BoardScenario, b, Perm.ORG_AGGREGATES)
    snapshot = take_snapshot(actor.organisation, day or local_today())
    return ((first, _computed(snapshot, Changes.from_json(first.changes))),
            (second, _computed(snapshot, Changes.from_json(second.changes))))

