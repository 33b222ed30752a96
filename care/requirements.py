"""Required care: what a client's open health risks demand of the package (DOMAIN.md §4).

Internal reads: no access check and no log here; the use cases that show the result check
access and log it.
"""
from __future__ import annotations

from sqlalchemy import select

from .domain import Gap, Requirement, RiskRuleSpec, coverage_gaps, required_care
from .models import Client, HealthRisk, OmahaProblem, PackageVersion, RiskRule, Service
from .models.packages import Status
from marketplace.core.extensions import db


def rules_of(organisation_id: int) -> list[RiskRuleSpec]:
    return [RiskRuleSpec(omaha, modifier, code, minimum) for omaha, modifier, code, minimum in db.session.execute(
        select(RiskRule.omaha, RiskRule.modifier, Service.code, RiskRule.min_per_week)
        .join(Service, Service.id == RiskRule.service_id).where(RiskRule.organisation_id == organisation_id)
    )]


def open_risks(client_ids: list[int]) -> dict[int, list[HealthRisk]]:
    by_client: dict[int, list[HealthRisk]] = {cid: [] for cid in client_ids}
    if client_ids:
        for risk in db.session.scalars(select(HealthRisk).where(HealthRisk.client_id.in_(client_ids),
                                                                HealthRisk.ended_at.is_(None))
                                       .order_by(HealthRisk.omaha)):
            by_client[risk.client_id].append(risk)
    return by_client


def requirements_from(risks: list[HealthRisk], rules: list[RiskRuleSpec]) -> dict[str, Requirement]:
    prescriptions = {(risk.omaha, p.service.code): p.min_per_week for risk in risks for p in risk.prescriptions}
    return required_care([(risk.omaha, risk.modifier) for risk in risks], rules, prescriptions)


def requirements(client: Client) -> dict[str, Requirement]:
    """The health lines the client's open risks require (internal: no access check, no log)."""
    return requirements_from(open_risks([client.id])[client.id], rules_of(client.organisation_id))


def gaps_of(client: Client, version: PackageVersion | None) -> list[Gap]:
    planned = {line.service.code: line.per_week for line in version.lines} if version else {}
    return coverage_gaps(requirements(client), planned)


def problems() -> dict[str, OmahaProblem]:
    return {p.code: p for p in db.session.scalars(select(OmahaProblem).order_by(OmahaProblem.code))}


def uncovered_in_team(team) -> list[Client]:
    """Clients of the team whose active package misses required care (a fixed number of queries).

    Only the fact is returned, not the problems: the worklist is for the whole team.
    """
    clients = list(db.session.scalars(select(Client).where(Client.team_id == team.id).order_by(Client.name)))
    ids = [c.id for c in clients]
    if not ids:
        return []
    rules = rules_of(team.organisation_id)
    risks = open_risks(ids)
    active = {v.client_id: v for v in db.session.scalars(select(PackageVersion).where(
        PackageVersion.client_id.in_(ids), PackageVersion.status == Status.ACTIVE.value))}
    result = []
    for client in clients:
        required = requirements_from(risks[client.id], rules)
        version = active.get(client.id)
        planned = {line.service.code: line.per_week for line in version.lines} if version else {}
        if required and coverage_gaps(required, planned):
            result.append(client)
    return result
