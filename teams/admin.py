"""The administrator's use cases for teams: name, locations, target groups, capacity, active.

Each change is logged and committed once. Capacity never drops below the residents a team has
today, and a team with residents is not deactivated: its residents would have no team.
"""
from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from care.models import Client
from marketplace.accounts.models import Location, Organisation
from marketplace.core import audit
from marketplace.core.audit import Action
from marketplace.core.errors import Conflict, InvalidInput
from marketplace.core.extensions import db
from marketplace.core.policy import Perm, authorize

from .models import Team, TargetGroup

MAX_CAPACITY = 500


def residents_of(team_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Client).where(Client.team_id == team_id))


def _values(organisation_id: int, name: str, location_ids: Iterable[int], target_groups: Iterable[str],
            capacity: int, team_id: int | None = None) -> tuple[str, list[Location], list[str]]:
    """:raises InvalidInput: every field that cannot be accepted."""
    fields = {}
    name = (name or "").strip()
    if not name:
        fields["name"] = _("This field is required.")
    elif len(name) > 200:
        fields["name"] = _("Use at most %(n)d characters.", n=200)
    else:
        taken = select(Team.id).where(Team.organisation_id == organisation_id, func.lower(Team.name) == name.lower())
        if team_id is not None:
            taken = taken.where(Team.id != team_id)
        if db.session.scalar(taken) is not None:
            fields["name"] = _("There is a team with this name already.")
    ids = list(dict.fromkeys(location_ids))
    locations = list(db.session.scalars(select(Location).where(
        Location.id.in_(ids), Location.organisation_id == organisation_id))) if ids else []
    if not ids:
        fields["locations"] = _("Choose at least one location.")
    elif len(locations) != len(ids):
        fields["locations"] = _("Unknown location.")
    groups = list(dict.fromkeys(target_groups))
    if not groups:
        fields["target_groups"] = _("Choose at least one target group.")
    elif any(group not in {g.value for g in TargetGroup} for group in groups):
        fields["target_groups"] = _("Unknown target group.")
    if not 0 <= capacity <= MAX_CAPACITY:
        fields["capacity"] = _("Enter a whole number from %(min)d to %(max)d.", min=0, max=MAX_CAPACITY)
    if fields:
        field = next(iter(fields))
        raise InvalidInput(field, fields[field], fields=fields)
    return name, locations, groups


def _commit_name() -> None:
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise InvalidInput("name", _("There is a team with this name already.")) from None


def create_team(actor, organisation: Organisation, *, name: str, location_ids: Iterable[int],
                target_groups: Iterable[str], capacity: int) -> Team:
    """:raises InvalidInput: see :func:`_values`; a deactivated location."""
    authorize(actor, Perm.ORG_ADMIN, organisation)
    name, locations, groups = _values(organisation.id, name, location_ids, target_groups, capacity)
    if any(not location.active for location in locations):
        raise InvalidInput("locations", _("A deactivated location takes no new teams."))
    team = Team(organisation_id=organisation.id, name=name, capacity=capacity, locations=locations, active=True)
    team.target_groups = groups
    db.session.add(team)
    db.session.flush()
    audit.record(Action.CREATE, actor=actor, obj=team,
                 detail=f"{name}: capacity {capacity}, locations {[loc.id for loc in locations]}, groups {groups}")
    _commit_name()
    return team


def update_team(actor, team: Team, *, name: str, location_ids: Iterable[int], target_groups: Iterable[str],
                capacity: int, active: bool) -> Team:
    """:raises InvalidInput: see :func:`_values`; a capacity below today's residents.
    :raises Conflict: deactivating a team that has residents."""
    authorize(actor, Perm.ORG_ADMIN, team)
    name, locations, groups = _values(team.organisation_id, name, location_ids, target_groups, capacity, team.id)
    residents = residents_of(team.id)
    if capacity < residents:
        raise InvalidInput("capacity", _("The team has %(n)d residents: the capacity cannot be lower.", n=residents))
    if team.active and not active and residents:
        raise Conflict(_("The team has %(n)d residents: move them to another team before deactivating it.",
                         n=residents), code="team_in_use")
    new_locations = {loc.id for loc in locations} - {loc.id for loc in team.locations}
    if any(not loc.active for loc in locations if loc.id in new_locations):
        raise InvalidInput("locations", _("A deactivated location takes no new teams."))
    changes = [label for label, changed in (
        ("name", name != team.name), (f"capacity={capacity}", capacity != team.capacity),
        (f"locations={sorted(loc.id for loc in locations)}",
         {loc.id for loc in locations} != {loc.id for loc in team.locations}),
        (f"groups={groups}", set(groups) != set(team.target_groups)),
        (f"active={active}", active != team.active)) if changed]
    team.name, team.capacity, team.locations, team.active = name, capacity, locations, active
    team.target_groups = groups
    if changes:
        audit.record(Action.UPDATE, actor=actor, obj=team, detail="; ".join(changes))
    _commit_name()
    return team


def list_locations_in_use(organisation_id: int) -> dict[int, int]:
    """Residents per location of the organisation (one query)."""
    return dict(db.session.execute(select(Client.location_id, func.count()).where(
        Client.organisation_id == organisation_id).group_by(Client.location_id)).all())
