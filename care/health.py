"""The nurse's health profile: risks (Omaha), ratings, prescriptions, observation points.

Reading the profile is for the care relationship (Perm.HEALTH_VIEW) and logged; changes are
the nurse's (Perm.HEALTH_EDIT), logged, and add the required care to the draft at once.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.core.audit import Action
from marketplace.core.db_types import local_today, utcnow
from marketplace.core.errors import InvalidInput, NotInScope
from marketplace.core.extensions import db
from marketplace.core.policy import Perm, authorize, can, load

from .domain import Gap, Requirement, coverage_gaps, with_required
from .health_log import HealthEvent, log_access, read_logged
from .models import Client, HealthRisk, ObservationPoint, OmahaProblem, PackageVersion, Prescription, RiskRating, Service
from .models.health import Modifier, Scope
from .models.packages import Status
from .requirements import open_risks, problems, requirements, requirements_from, rules_of
from .versions import active_version, latest_with_status, required_care_reason, write_version


MAX_NOTE = 2000


class RiskNotFound(NotInScope):
    """No such open risk for this client."""


@dataclass(frozen=True)
class HealthProfile:
    client: Client
    risks: list[HealthRisk]
    observations: list[ObservationPoint]
    required: dict[str, Requirement]
    gaps: list[Gap]
    problems: dict[str, OmahaProblem]
    has_active: bool


def observations_of(client: Client) -> list[ObservationPoint]:
    return list(db.session.scalars(select(ObservationPoint).where(
        ObservationPoint.client_id == client.id, ObservationPoint.ended_at.is_(None)).order_by(ObservationPoint.id)))


def profile(actor, client: Client) -> HealthProfile:
    """The health profile, for those with a care relationship; the read is logged.

    :raises AccessDenied: no care relationship (board, freelancer, other team, view-only family).
    """
    authorize(actor, Perm.HEALTH_VIEW, client)
    risks = open_risks([client.id])[client.id]
    required = requirements_from(risks, rules_of(client.organisation_id))
    active = active_version(client)
    planned = {line.service.code: line.per_week for line in active.lines} if active else {}
    result = HealthProfile(client, risks, observations_of(client), required, coverage_gaps(required, planned),
                           problems(), active is not None)
    read_logged(actor, client, HealthEvent.PROFILE_READ)
    return result


def visible_observations(actor, client: Client) -> list[ObservationPoint]:
    """Observation points for the client's page: only for the care relationship, logged."""
    if not can(actor, Perm.HEALTH_VIEW, client):
        return []
    points = observations_of(client)
    if points:
        read_logged(actor, client, HealthEvent.OBSERVATIONS_READ)
    return points


def _check_rating(knowledge, behaviour, status) -> tuple[int, int, int]:
    values = (knowledge, behaviour, status)
    for name, value in zip(("knowledge", "behaviour", "status"), values):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            raise InvalidInput(name, _("A rating is a whole number from 1 to 5."))
    return values


def _covering(actor, client: Client, base: PackageVersion | None, required, status: Status) -> PackageVersion | None:
    planned = {line.service.code: line.per_week for line in base.lines} if base else {}
    if not coverage_gaps(required, planned):
        return None
    return write_version(actor, client, with_required(planned, required), base.use_savings if base else False,
                         required_care_reason(), status, base)


def sync_package(actor, client: Client) -> PackageVersion | None:
    """Add the care the risks now require where it is missing (flushes; the caller commits).

    The team's draft (else the active package) gets a new draft with the required lines. A
    submitted version that no longer covers the risks is replaced by one that does, waiting for
    the same sign-off: the nurse is led to that one and never meets a stale version to refuse.
    Returns the covering submitted version, if one was written.
    """
    required = requirements(client)
    draft = latest_with_status(client, Status.DRAFT)
    submitted = latest_with_status(client, Status.SUBMITTED)
    if draft is not None or submitted is None:
        _covering(actor, client, draft or active_version(client), required, Status.DRAFT)
    if submitted is None:
        return None
    covering = _covering(actor, client, submitted, required, Status.SUBMITTED)
    if covering is not None:
        # Written as submitted: submitted when created (packages._replacement tells it by that).
        covering.submitted_by_id, covering.submitted_at = actor.id, covering.created_at
    return covering


def lower_required(actor, client: Client, lowered: dict[str, int], reason: str) -> None:
    """The nurse's decision to plan required care below the rule's minimum, for a reason:
    stored as a prescription of each open risk that requires the service (flushes only).

    :raises InvalidInput: no reason, or a lower amount under 1 (close the risk instead).
    """
    authorize(actor, Perm.HEALTH_EDIT, client)
    reason = (reason or "").strip()
    for code, per_week in lowered.items():
        if per_week < 1:
            raise InvalidInput(code, _("%(code)s is required for a health risk. To stop this care, close the "
                                       "risk in the health profile.", code=code))
        if not reason:
            raise InvalidInput(code, _("%(code)s is below what a health risk requires. Give the reason in "
                                       "\"Why this change?\": it is recorded as your decision.", code=code))
    risks = open_risks([client.id])[client.id]
    rules = rules_of(client.organisation_id)
    service_ids = dict(db.session.execute(select(Service.code, Service.id).where(
        Service.organisation_id == client.organisation_id, Service.code.in_(list(lowered)))).all())
    for risk in risks:
        for rule in rules:
            if (rule.omaha, rule.modifier) != (risk.omaha, risk.modifier) or rule.service not in lowered:
                continue
            existing = next((p for p in risk.prescriptions if p.service_id == service_ids[rule.service]), None)
            prescription = existing or Prescription(risk_id=risk.id, service_id=service_ids[rule.service])
            prescription.min_per_week, prescription.reason = lowered[rule.service], reason[:500]
            prescription.prescribed_by_id, prescription.prescribed_at = actor.id, utcnow()
            db.session.add(prescription)
            db.session.flush()
            log_access(actor, client, Action.UPDATE, HealthEvent.PRESCRIPTION_CHANGED, prescription)
        db.session.expire(risk, ["prescriptions"])


def record_risk(actor, client: Client, *, omaha: str, modifier: str, scope: str = Scope.INDIVIDUAL.value,
                note: str = "", rating: tuple[int, int, int] | None = None) -> HealthRisk:
    """Record a problem (or change the open one for the same problem), with an optional K-B-S rating.

    The required lines are added to the draft at once; the team sees it when the active
    package no longer covers the profile.

    :raises AccessDenied: not a nurse of the client's team.
    :raises InvalidInput: unknown problem, modifier or scope, a rating outside 1–5.
    """
    authorize(actor, Perm.HEALTH_EDIT, client)
    omaha = str(omaha).strip()
    omaha = omaha.zfill(2) if re.fullmatch(r"[0-9]{1,2}", omaha) else omaha
    if len(omaha) != 2 or db.session.get(OmahaProblem, omaha) is None:
        raise InvalidInput("omaha", _("Unknown Omaha problem."))
    if modifier not in {m.value for m in Modifier}:
        raise InvalidInput("modifier", _("Choose health promotion, potential or actual."))
    if scope not in {s.value for s in Scope}:
        raise InvalidInput("scope", _("Choose individual or family."))
    if not isinstance(note, str) or len(note) > MAX_NOTE:
        raise InvalidInput("note", _("Use at most 2000 characters."))
    if rating is not None:
        rating = _check_rating(*rating)
    risk = db.session.scalar(select(HealthRisk).where(HealthRisk.client_id == client.id, HealthRisk.omaha == omaha,
                                                      HealthRisk.ended_at.is_(None)))
    action, event = (Action.UPDATE, HealthEvent.RISK_CHANGED) if risk else (Action.CREATE, HealthEvent.RISK_RECORDED)
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
    sync_package(actor, client)
    log_access(actor, client, action, event, risk)
    db.session.commit()
    return risk


def _open_risk(client: Client, risk_id: int) -> HealthRisk:
    risk = load(HealthRisk, risk_id)
    if risk is None or risk.client_id != client.id or risk.ended_at is not None:
        raise RiskNotFound()
    return risk


def end_risk(actor, client: Client, risk_id: int) -> HealthRisk:
    """:raises RiskNotFound: no such open risk of this client."""
    authorize(actor, Perm.HEALTH_EDIT, client)
    risk = _open_risk(client, risk_id)
    risk.ended_at = utcnow()
    log_access(actor, client, Action.UPDATE, HealthEvent.RISK_ENDED, risk)
    db.session.commit()
    return risk


def rate_risk(actor, client: Client, risk_id: int, knowledge, behaviour, status) -> RiskRating:
    """Add a K-B-S rating (the history stays). :raises InvalidInput, RiskNotFound:"""
    authorize(actor, Perm.HEALTH_EDIT, client)
    risk = _open_risk(client, risk_id)
    k, b, s = _check_rating(knowledge, behaviour, status)
    rating = RiskRating(risk_id=risk.id, knowledge=k, behaviour=b, status=s, rated_on=local_today(),
                        rated_by_id=actor.id)
    db.session.add(rating)
    db.session.flush()
    log_access(actor, client, Action.UPDATE, HealthEvent.RATING_ADDED, rating)
    db.session.commit()
    return rating


def prescribe(actor, client: Client, risk_id: int, *, service: str, min_per_week, reason: str) -> Prescription:
    """The client's own minimum instead of the rule's, higher or lower, with a reason (the
    nurse's decision; a lower one lets the team plan less than the rule, and the sign-off
    accepts it).

    :raises InvalidInput: a service no rule ties to this risk, a minimum equal to the rule's,
        below 1 or above 99, or no reason.
    """
    authorize(actor, Perm.HEALTH_EDIT, client)
    risk = _open_risk(client, risk_id)
    rule = next((r for r in rules_of(client.organisation_id)
                 if (r.omaha, r.modifier, r.service) == (risk.omaha, risk.modifier, service)), None)
    if rule is None:
        raise InvalidInput("service", _("No rule ties this service to this risk."))
    if (isinstance(min_per_week, bool) or not isinstance(min_per_week, int) or not 1 <= min_per_week <= 99
            or min_per_week == rule.min_per_week):
        raise InvalidInput("min_per_week", _("The minimum must differ from the rule's %(n)d: from 1 to 99.",
                                             n=rule.min_per_week))
    if not isinstance(reason, str) or not reason.strip() or len(reason) > 500:
        raise InvalidInput("reason", _("Give a reason (at most 500 characters)."))
    service_id = db.session.scalar(select(Service.id).where(Service.organisation_id == client.organisation_id,
                                                            Service.code == service))
    existing = next((p for p in risk.prescriptions if p.service_id == service_id), None)
    prescription = existing or Prescription(risk_id=risk.id, service_id=service_id)
    prescription.min_per_week, prescription.reason = min_per_week, reason.strip()
    prescription.prescribed_by_id, prescription.prescribed_at = actor.id, utcnow()
    db.session.add(prescription)
    db.session.flush()
    db.session.expire(risk, ["prescriptions"])
    sync_package(actor, client)
    log_access(actor, client, Action.UPDATE, HealthEvent.PRESCRIPTION_CHANGED, prescription)
    db.session.commit()
    return prescription


def add_observation(actor, client: Client, text: str) -> ObservationPoint:
    authorize(actor, Perm.HEALTH_EDIT, client)
    if not isinstance(text, str) or not text.strip() or len(text) > 500:
        raise InvalidInput("text", _("Describe what to watch for (at most 500 characters)."))
    point = ObservationPoint(client_id=client.id, text=text.strip(), created_by_id=actor.id, created_at=utcnow())
    db.session.add(point)
    db.session.flush()
    log_access(actor, client, Action.CREATE, HealthEvent.OBSERVATION_ADDED, point)
    db.session.commit()
    return point


def end_observation(actor, client: Client, point_id: int) -> None:
    authorize(actor, Perm.HEALTH_EDIT, client)
    point = load(ObservationPoint, point_id)
    if point is None or point.client_id != client.id or point.ended_at is not None:
        raise RiskNotFound()
    point.ended_at = utcnow()
    log_access(actor, client, Action.UPDATE, HealthEvent.OBSERVATION_ENDED, point)
    db.session.commit()
