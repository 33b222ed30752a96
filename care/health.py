"""Use cases for health risks: the nurse's profile, required care, coverage, re-indication.

Health data is need-to-know (policy.Perm.HEALTH_VIEW) and every read, change or export of
it writes one audit row per request and resident (NEN 7513): :func:`log_access`.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date

from flask import g, has_request_context
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from marketplace import audit
from marketplace.audit import Action
from marketplace.db_types import local_today, utcnow
from marketplace.extensions import db
from marketplace.policy import Perm, authorize, load, visible_clients

from . import packages
from .catalogue import budget_table, price_list
from .domain import Gap, Requirement, RiskRuleSpec, coverage_gaps, required_care, settle
from .models import (Client, HealthRisk, ObservationPoint, OmahaProblem, PackageVersion, Prescription, RiskRating,
                     RiskRule, Service)
from .models.health import Modifier, Scope
from .models.packages import Status

MAX_NOTE = 2000


class InvalidHealthInput(ValueError):
    """Bad input for the health profile; ``field`` names what is wrong."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


class RiskNotFound(LookupError):
    """No such open risk for this resident."""


# -- access logging ------------------------------------------------------------------------

def log_access(actor, client: Client, action: Action, what: str) -> None:
    """One audit row per request, resident and action, however many times health data is touched."""
    key = (client.id, Action(action).value)
    if has_request_context():
        seen = g.setdefault("health_audit", set())
        if key in seen:
            return
        seen.add(key)
    audit.record(action, actor=actor, client_id=client.id, object_type="health_record", object_id=client.id,
                 detail=what, health=True)


def read_logged(actor, client: Client, what: str) -> None:
    """Log a read of health data and commit it (for views that only read)."""
    log_access(actor, client, Action.READ, what)
    db.session.commit()


# -- rules and requirements ----------------------------------------------------------------

def rules_of(organisation_id: int) -> list[RiskRuleSpec]:
    return [RiskRuleSpec(omaha, modifier, code, minimum) for omaha, modifier, code, minimum in db.session.execute(
        select(RiskRule.omaha, RiskRule.modifier, Service.code, RiskRule.min_per_week)
        .join(Service, Service.id == RiskRule.service_id).where(RiskRule.organisation_id == organisation_id)
    )]


def _open_risks(client_ids: list[int]) -> dict[int, list[HealthRisk]]:
    by_client: dict[int, list[HealthRisk]] = {cid: [] for cid in client_ids}
    if client_ids:
        for risk in db.session.scalars(select(HealthRisk).where(HealthRisk.client_id.in_(client_ids),
                                                                HealthRisk.ended_at.is_(None))
                                       .order_by(HealthRisk.omaha)):
            by_client[risk.client_id].append(risk)
    return by_client


def _requirements(risks: list[HealthRisk], rules: list[RiskRuleSpec]) -> dict[str, Requirement]:
    prescriptions = {(risk.omaha, p.service.code): p.min_per_week for risk in risks for p in risk.prescriptions}
    return required_care([(risk.omaha, risk.modifier) for risk in risks], rules, prescriptions)


def requirements(client: Client) -> dict[str, Requirement]:
    """The health lines the resident's open risks require (internal: no access check, no log)."""
    return _requirements(_open_risks([client.id])[client.id], rules_of(client.organisation_id))


def gaps_of(client: Client, version: PackageVersion | None) -> list[Gap]:
    planned = {line.service.code: line.per_week for line in version.lines} if version else {}
    return coverage_gaps(requirements(client), planned)


# -- the profile ---------------------------------------------------------------------------

@dataclass(frozen=True)
class HealthProfile:
    client: Client
    risks: list[HealthRisk]
    observations: list[ObservationPoint]
    required: dict[str, Requirement]
    gaps: list[Gap]
    problems: dict[str, OmahaProblem]
    has_active: bool


def problems() -> dict[str, OmahaProblem]:
    return {p.code: p for p in db.session.scalars(select(OmahaProblem).order_by(OmahaProblem.code))}


def observations_of(client: Client) -> list[ObservationPoint]:
    return list(db.session.scalars(select(ObservationPoint).where(
        ObservationPoint.client_id == client.id, ObservationPoint.ended_at.is_(None)).order_by(ObservationPoint.id)))


def profile(actor, client: Client) -> HealthProfile:
    """The health profile, for those with a care relationship; the read is logged.

    :raises AccessDenied: no care relationship (board, freelancer, other team, view-only family).
    """
    authorize(actor, Perm.HEALTH_VIEW, client)
    risks = _open_risks([client.id])[client.id]
    required = _requirements(risks, rules_of(client.organisation_id))
    active = packages.active_version(client)
    planned = {line.service.code: line.per_week for line in active.lines} if active else {}
    result = HealthProfile(client, risks, observations_of(client), required, coverage_gaps(required, planned),
                           problems(), active is not None)
    read_logged(actor, client, "health profile")
    return result


def visible_observations(actor, client: Client) -> list[ObservationPoint]:
    """Observation points for the resident's page: only for the care relationship, logged."""
    from marketplace.policy import can

    if not can(actor, Perm.HEALTH_VIEW, client):
        return []
    points = observations_of(client)
    if points:
        read_logged(actor, client, "observation points")
    return points


# -- changes by the nurse ------------------------------------------------------------------

def _check_rating(knowledge, behaviour, status) -> tuple[int, int, int]:
    values = (knowledge, behaviour, status)
    for name, value in zip(("knowledge", "behaviour", "status"), values):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            raise InvalidHealthInput(name, _("A rating is a whole number from 1 to 5."))
    return values


def _sync_draft(actor, client: Client) -> PackageVersion | None:
    """Add the required health lines to the working package as a new draft, when missing."""
    base = packages.working_version(client)
    planned = {line.service.code: line.per_week for line in base.lines} if base else {}
    required = requirements(client)
    gaps = coverage_gaps(required, planned)
    if not gaps:
        return None
    for gap in gaps:
        planned[gap.service] = gap.required
    reason = _("Required care added: %(codes)s", codes=", ".join(gap.service for gap in gaps))
    return packages.write_version(actor, client, planned, base.use_savings if base else False, reason,
                                  Status.DRAFT, base)


def record_risk(actor, client: Client, *, omaha: str, modifier: str, scope: str = Scope.INDIVIDUAL.value,
                note: str = "", rating: tuple[int, int, int] | None = None) -> HealthRisk:
    """Record a problem (or change the open one for the same problem), with an optional K-B-S rating.

    The required lines are added to the draft at once; the team sees it when the active
    package no longer covers the profile.

    :raises AccessDenied: not a nurse of the resident's team.
    :raises InvalidHealthInput: unknown problem, modifier or scope, a rating outside 1–5.
    """
    authorize(actor, Perm.HEALTH_EDIT, client)
    omaha = str(omaha).strip()
    omaha = omaha.zfill(2) if re.fullmatch(r"[0-9]{1,2}", omaha) else omaha
    if len(omaha) != 2 or db.session.get(OmahaProblem, omaha) is None:
        raise InvalidHealthInput("omaha", _("Unknown Omaha problem."))
    if modifier not in {m.value for m in Modifier}:
        raise InvalidHealthInput("modifier", _("Choose health promotion, potential or actual."))
    if scope not in {s.value for s in Scope}:
        raise InvalidHealthInput("scope", _("Choose individual or family."))
    if not isinstance(note, str) or len(note) > MAX_NOTE:
        raise InvalidHealthInput("note", _("Use at most 2000 characters."))
    if rating is not None:
        rating = _check_rating(*rating)
    risk = db.session.scalar(select(HealthRisk).where(HealthRisk.client_id == client.id, HealthRisk.omaha == omaha,
                                                      HealthRisk.ended_at.is_(None)))
    action = Action.UPDATE if risk else Action.CREATE
    if risk is None:
        risk = HealthRisk(client_id=client.id, omaha=omaha, recorded_by_id=actor.id, recorded_at=utcnow())
        db.session.add(risk)
    risk.modifier, risk.scope, risk.note = modifier, scope, note.strip()
    db.session.flush()
    if rating is not None:
        db.session.add(RiskRating(risk_id=risk.id, knowledge=rating[0], behaviour=rating[1], status=rating[2],
                                  rated_on=local_today(), rated_by_id=actor.id))
    db.session.flush()
    db.session.expire(risk, ["prescriptions"])
    _sync_draft(actor, client)
    log_access(actor, client, action, f"risk {omaha} {modifier}")
    db.session.commit()
    return risk


def _open_risk(client: Client, risk_id: int) -> HealthRisk:
    risk = load(HealthRisk, risk_id)
    if risk is None or risk.client_id != client.id or risk.ended_at is not None:
        raise RiskNotFound()
    return risk


def end_risk(actor, client: Client, risk_id: int) -> HealthRisk:
    """:raises RiskNotFound: no such open risk of this resident."""
    authorize(actor, Perm.HEALTH_EDIT, client)
    risk = _open_risk(client, risk_id)
    risk.ended_at = utcnow()
    log_access(actor, client, Action.UPDATE, f"risk {risk.omaha} ended")
    db.session.commit()
    return risk


def rate_risk(actor, client: Client, risk_id: int, knowledge, behaviour, status) -> RiskRating:
    """Add a K-B-S rating (the history stays). :raises InvalidHealthInput, RiskNotFound:"""
    authorize(actor, Perm.HEALTH_EDIT, client)
    risk = _open_risk(client, risk_id)
    k, b, s = _check_rating(knowledge, behaviour, status)
    rating = RiskRating(risk_id=risk.id, knowledge=k, behaviour=b, status=s, rated_on=local_today(),
                        rated_by_id=actor.id)
    db.session.add(rating)
    log_access(actor, client, Action.UPDATE, f"rating {risk.omaha}: K{k} B{b} S{s}")
    db.session.commit()
    return rating


def prescribe(actor, client: Client, risk_id: int, *, service: str, min_per_week, reason: str) -> Prescription:
    """A higher minimum than the rule's, for this resident, with a reason.

    :raises InvalidHealthInput: a service no rule ties to this risk, a minimum not above the
        rule's or above 99, or no reason.
    """
    authorize(actor, Perm.HEALTH_EDIT, client)
    risk = _open_risk(client, risk_id)
    rule = next((r for r in rules_of(client.organisation_id)
                 if (r.omaha, r.modifier, r.service) == (risk.omaha, risk.modifier, service)), None)
    if rule is None:
        raise InvalidHealthInput("service", _("No rule ties this service to this risk."))
    if isinstance(min_per_week, bool) or not isinstance(min_per_week, int) or not rule.min_per_week < min_per_week <= 99:
        raise InvalidHealthInput("min_per_week", _("The minimum must be above the rule's %(n)d and at most 99.",
                                                   n=rule.min_per_week))
    if not isinstance(reason, str) or not reason.strip() or len(reason) > 500:
        raise InvalidHealthInput("reason", _("Give a reason (at most 500 characters)."))
    service_id = db.session.scalar(select(Service.id).where(Service.organisation_id == client.organisation_id,
                                                            Service.code == service))
    existing = next((p for p in risk.prescriptions if p.service_id == service_id), None)
    prescription = existing or Prescription(risk_id=risk.id, service_id=service_id)
    prescription.min_per_week, prescription.reason = min_per_week, reason.strip()
    prescription.prescribed_by_id, prescription.prescribed_at = actor.id, utcnow()
    db.session.add(prescription)
    db.session.flush()
    db.session.expire(risk, ["prescriptions"])
    _sync_draft(actor, client)
    log_access(actor, client, Action.UPDATE, f"prescription {service} {min_per_week}/week for {risk.omaha}")
    db.session.commit()
    return prescription


def add_observation(actor, client: Client, text: str) -> ObservationPoint:
    authorize(actor, Perm.HEALTH_EDIT, client)
    if not isinstance(text, str) or not text.strip() or len(text) > 500:
        raise InvalidHealthInput("text", _("Describe what to watch for (at most 500 characters)."))
    point = ObservationPoint(client_id=client.id, text=text.strip(), created_by_id=actor.id, created_at=utcnow())
    db.session.add(point)
    log_access(actor, client, Action.CREATE, "observation point")
    db.session.commit()
    return point


def end_observation(actor, client: Client, point_id: int) -> None:
    authorize(actor, Perm.HEALTH_EDIT, client)
    point = load(ObservationPoint, point_id)
    if point is None or point.client_id != client.id or point.ended_at is not None:
        raise RiskNotFound()
    point.ended_at = utcnow()
    log_access(actor, client, Action.UPDATE, "observation point ended")
    db.session.commit()


# -- coverage of a team, re-indication -------------------------------------------------------

def uncovered_in_team(team) -> list[Client]:
    """Residents of the team whose active package misses required care (a fixed number of queries).

    Only the fact is returned, not the problems: the worklist is for the whole team.
    """
    clients = list(db.session.scalars(select(Client).where(Client.team_id == team.id).order_by(Client.name)))
    ids = [c.id for c in clients]
    if not ids:
        return []
    rules = rules_of(team.organisation_id)
    risks = _open_risks(ids)
    active = {v.client_id: v for v in db.session.scalars(select(PackageVersion).where(
        PackageVersion.client_id.in_(ids), PackageVersion.status == Status.ACTIVE.value))}
    result = []
    for client in clients:
        required = _requirements(risks[client.id], rules)
        version = active.get(client.id)
        planned = {line.service.code: line.per_week for line in version.lines} if version else {}
        if required and coverage_gaps(required, planned):
            result.append(client)
    return result


@dataclass(frozen=True)
class Reindication:
    client: Client
    budget_cents: int
    health_cents: int
    shortfall_cents: int


def reindications(actor, day: date | None = None) -> list[Reindication]:
    """Residents in the actor's scope whose health care costs more than their budget (H > B)."""
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
    """The worklist as shown: each resident's health cost on it is a logged read."""
    rows = reindications(actor, day)
    for row in rows:
        log_access(actor, row.client, Action.READ, "re-indication list")
    db.session.commit()
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
        log_access(actor, row.client, Action.EXPORT, "re-indication export")
    audit.record(Action.EXPORT, actor=actor, object_type="reindications", detail=f"{len(rows)} residents")
    db.session.commit()
    return out.getvalue()


def access_overview(actor, client: Client) -> list:
    """Who accessed this resident's health data and when, for the resident and a representative."""
    from marketplace.audit import AuditEvent

    authorize(actor, Perm.HEALTH_ACCESS_LOG, client)
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.client_id == client.id, AuditEvent.health.is_(True))
        .options(selectinload(AuditEvent.user)).order_by(AuditEvent.id.desc()).limit(200)
    ))


# -- reference data ------------------------------------------------------------------------

def load_problems() -> None:
    from .catalogue import _rows

    known = set(db.session.scalars(select(OmahaProblem.code)))
    for row in _rows("omaha_problems.csv"):
        if row["code"] not in known:
            db.session.add(OmahaProblem(code=row["code"], domain=row["domain"], name_en=row["name_en"],
                                        name_nl=row["name_nl"]))
    db.session.flush()


def load_rules(organisation) -> None:
    """The default risk rules of shared/data/risk_rules.csv for an organisation (flushes)."""
    from .catalogue import _rows

    load_problems()
    services = dict(db.session.execute(select(Service.code, Service.id)
                                       .where(Service.organisation_id == organisation.id)).all())
    for row in _rows("risk_rules.csv"):
        db.session.add(RiskRule(organisation_id=organisation.id, omaha=row["omaha"], modifier=row["modifier"],
                                service_id=services[row["service"]], min_per_week=int(row["min_per_week"]),
                                note=row["note"]))
    db.session.flush()


def change_rule(actor, rule_id: int | None, min_per_week) -> RiskRule:
    """An administrator changes a rule's minimum. :raises InvalidHealthInput:"""
    from marketplace.policy import NotInScope

    rule = load(RiskRule, rule_id)
    if rule is None:
        raise NotInScope()
    authorize(actor, Perm.RISK_RULES_EDIT, rule)
    if isinstance(min_per_week, bool) or not isinstance(min_per_week, int) or not 1 <= min_per_week <= 99:
        raise InvalidHealthInput("min_per_week", _("Enter a whole number from 1 to 99."))
    before = rule.min_per_week
    rule.min_per_week = min_per_week
    audit.record(Action.UPDATE, actor=actor, obj=rule,
                 detail=f"rule {rule.omaha}/{rule.modifier} {rule.service.code}: {before} -> {min_per_week}")
    db.session.commit()
    return rule
