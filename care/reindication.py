"""Re-indication: clients whose health care costs more than their budget (H > B), for the CIZ."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from marketplace.core import audit
from marketplace.core.audit import Action
from marketplace.core.db_types import local_today
from marketplace.core.extensions import db
from marketplace.core.policy import Perm, authorize

from .access import visible_clients
from .catalogue import budget_table, price_list
from .domain import settle
from .health_log import HealthEvent, log_access
from .models import Client, PackageVersion
from .models.packages import Status


@dataclass(frozen=True)
class Reindication:
    client: Client
    budget_cents: int
    health_cents: int
    shortfall_cents: int


def reindications(actor, day: date | None = None) -> list[Reindication]:
    """Clients in the actor's scope whose health care costs more than their budget (H > B)."""
    authorize(actor, Perm.REINDICATION_VIEW)
    day = day or local_today()
    org = actor.organisation
    budgets = budget_table(org, day)
    prices = price_list(org, day)
    in_scope = visible_clients(actor).with_only_columns(Client.id)
    versions = db.session.scalars(
        select(PackageVersion).where(PackageVersion.status == Status.ACTIVE.value,
                                     PackageVersion.client_id.in_(in_scope))
        .options(selectinload(PackageVersion.lines))
    )
    clients = {c.id: c for c in db.session.scalars(select(Client).where(Client.id.in_(in_scope)))}
    result = []
    for version in versions:
        client = clients[version.client_id]
        budget = budgets.get(client.care_profile or "")
        if budget is None:
            continue
        health = sum(line.per_week * prices[line.service.code].unit_cents for line in version.lines
                     if line.service.category == "health" and line.service.code in prices)
        week = settle(health, 0, budget)
        if week.reindication_needed:
            result.append(Reindication(client, budget, health, week.reserve_cents))
    return sorted(result, key=lambda r: -r.shortfall_cents)


def reindication_list(actor, day: date | None = None) -> list[Reindication]:
    """The worklist as shown: each client's health cost on it is a logged read."""
    rows = reindications(actor, day)
    for row in rows:
        log_access(actor, row.client, Action.READ, HealthEvent.REINDICATION_READ)
    return rows


def reindication_csv(actor, day: date | None = None) -> str:
    """The list for the application to the indication body (CIZ); the export is logged."""
    rows = reindications(actor, day)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["client_id", "name", "date_of_birth", "care_profile", "weekly_budget_cents",
                     "weekly_health_cents", "weekly_shortfall_cents"])
    for row in rows:
        writer.writerow([row.client.id, row.client.name, row.client.date_of_birth.isoformat(),
                         row.client.care_profile, row.budget_cents, row.health_cents, row.shortfall_cents])
        log_access(actor, row.client, Action.EXPORT, HealthEvent.REINDICATION_EXPORTED)
    audit.record_read(Action.EXPORT, actor=actor, object_type="reindications", detail=f"{len(rows)} residents")
    return out.getvalue()
