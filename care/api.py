"""JSON API for clients."""
from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from billing.savings import savings_balance_cents
from marketplace.accounts import invitations
from marketplace.core.api import json_body
from marketplace.core.db_types import local_today
from marketplace.core.errors import ApiError, InvalidInput
from marketplace.core.extensions import csrf
from marketplace.core.numbers import parse_iso_date
from marketplace.core.policy import Perm, authorize

from . import clients, meter, packages, proposals, reviews, savings_choice, versions
from .catalogue import budget_on, price_list
from .lines import InvalidPackage, parse_lines

bp = Blueprint("care_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


def client_json(client) -> dict:
    return {
        "id": client.id,
        "name": client.name,
        "care_profile": client.care_profile,
        "target_group": client.target_group,
        "room": client.room,
        "location": {"id": client.location.id, "name": client.location.name},
        "team": {"id": client.team.id, "name": client.team.name} if client.team else None,
    }


@bp.get("/clients")
@login_required
def list_clients():
    return jsonify(clients=[client_json(c) for c in clients.list_clients(current_user)])


@bp.get("/clients/<int:client_id>")
@login_required
def get_client(client_id: int):
    client = clients.get_client(current_user, client_id)
    body = client_json(client)
    body.update(date_of_birth=client.date_of_birth.isoformat(), start_date=client.start_date.isoformat())
    return jsonify(client=body)


@bp.post("/clients/<int:client_id>/invitations")
@login_required
def invite_contact(client_id: int):
    client = clients.get_client(current_user, client_id)
    data = json_body({"email", "name", "relation", "can_view", "can_decide", "can_pay"}, {"email", "name"})
    fields = {}
    try:
        email = validate_email(str(data["email"]), check_deliverability=False).normalized
    except EmailNotValidError:
        fields["email"] = _("Enter a valid e-mail address.")
    if not isinstance(data["name"], str) or len(data["name"]) > 200:
        fields["name"] = _("Use at most 200 characters.")
    if not isinstance(data.get("relation", ""), str) or len(data.get("relation", "")) > 100:
        fields["relation"] = _("Use at most 100 characters.")
    for right in ("can_view", "can_decide", "can_pay"):
        if not isinstance(data.get(right, False), bool):
            fields[right] = _("Use true or false.")
    if not any(data.get(right, right == "can_view") is True for right in ("can_view", "can_decide", "can_pay")):
        fields.setdefault("can_view", _("Give the contact at least one right."))  # no right: nothing to invite to
    if fields:
        raise ApiError(422, "invalid", _("Some of what you entered is not valid."), fields)
    issued = invitations.invite_contact(
        current_user._get_current_object(), client, email=email, name=data["name"],
        relation=data.get("relation", ""), can_view=data.get("can_view", True),
        can_decide=data.get("can_decide", False), can_pay=data.get("can_pay", False),
    )
    delivered = invitations.deliver_invitation(issued, client.name)
    inv = issued.invitation
    body = {"id": inv.id, "email": inv.email, "expires_at": inv.expires_at.isoformat(),
            "delivered": "email" if delivered else "none"}
    if not delivered:  # no mail server: the inviting staff member hands the link over
        body["link"] = issued.link()
    return jsonify(invitation=body), 201


# -- catalogue, budget, packages -----------------------------------------------------------

def _invalid(exc: InvalidPackage):
    return ApiError(422, "invalid_package", _("Some lines of the package are not valid."), exc.errors)


def _no_budget():
    return ApiError(422, "no_budget", _("This resident has no care profile, so there is no budget yet."))


def version_json(version, lines, reading=None) -> dict:
    """``lines``: what the actor may see (versions.visible_lines); health lines need a care relationship."""
    body = {
        "number": version.number,
        "status": version.status,
        "use_savings": version.use_savings,
        "reason": versions.shown_reason(version),
        "created_by": version.created_by.name if version.created_by else None,
        "created_at": version.created_at.isoformat(),
        "submitted_at": version.submitted_at.isoformat() if version.submitted_at else None,
        "signed_by": version.signed_by.name if version.signed_by else None,
        "signed_at": version.signed_at.isoformat() if version.signed_at else None,
        "active_from": version.active_from.isoformat() if version.active_from else None,
        "lines": [{"service": line.service.code, "per_week": line.per_week} for line in lines],
        "health_lines_hidden": len(lines) < len(version.lines),
        "proposed": version.proposed,
        "decided_by": version.decided_by.name if version.decided_by else None,
        "decided_at": version.decided_at.isoformat() if version.decided_at else None,
        "decline_reason": version.decline_reason or None,
    }
    if reading is not None:
        body["meter"] = reading.as_json()
    return body


def _use_savings(data) -> bool:
    value = data.get("use_savings", False)
    if not isinstance(value, bool):
        raise ApiError(422, "invalid", _("Some of what you entered is not valid."),
                       {"use_savings": _("Use true or false.")})
    return value


@bp.get("/catalogue")
@login_required
def catalogue():
    authorize(current_user, Perm.CATALOGUE_VIEW)
    prices = price_list(current_user.organisation, local_today())
    return jsonify(services=[{
        "code": s.code, "name_nl": s.name_nl, "name_en": s.name_en, "category": s.category.value,
        "level": s.level, "minutes": s.minutes, "omaha": s.omaha, "active": s.active,
        "default_per_week": s.default_per_week, "cost_price_cents": s.unit_cents,
    } for s in prices.values()])


@bp.get("/clients/<int:client_id>/budget")
@login_required
def client_budget(client_id: int):
    client = clients.get_client(current_user, client_id)
    authorize(current_user, Perm.PACKAGE_VIEW, client)
    today = local_today()
    active = versions.active_version(client)
    state = reviews.review_state(client, today)
    return jsonify(
        client_id=client.id, care_profile=client.care_profile,
        weekly_budget_cents=budget_on(client, today),
        savings_balance_cents=savings_balance_cents(client.id),
        active_package=version_json(active, versions.visible_lines(current_user, client, active),
                                    meter.reading_of(client, active, today)) if active else None,
        next_review=state.next_on.isoformat() if state.next_on else None, review_overdue=state.overdue,
    )


@bp.get("/clients/<int:client_id>/package/draft")
@login_required
def get_draft(client_id: int):
    client = clients.get_client(current_user, client_id)
    authorize(current_user, Perm.PACKAGE_PROPOSE, client)
    working = versions.working_version(client)
    reading = meter.reading_of(client, working, local_today()) if working else None
    if working is None:
        return jsonify(draft=None)
    return jsonify(draft=version_json(working, versions.visible_lines(current_user, client, working), reading))


@bp.put("/clients/<int:client_id>/package/draft")
@login_required
def put_draft(client_id: int):
    client = clients.get_client(current_user, client_id)
    packages.authorize_proposal(current_user, client)
    data = json_body({"lines", "use_savings", "reason"}, {"lines"})
    reason = data.get("reason", "")
    if not isinstance(reason, str) or len(reason) > 500:
        raise ApiError(422, "invalid", _("Some of what you entered is not valid."),
                       {"reason": _("Use at most 500 characters.")})
    try:
        lines = parse_lines(data["lines"])
        version = packages.save_version(current_user._get_current_object(), client, lines,
                                        _use_savings(data), reason)
    except InvalidPackage as exc:
        raise _invalid(exc)
    except meter.ClientHasNoBudget:
        raise _no_budget()
    return jsonify(draft=version_json(version, versions.visible_lines(current_user, client, version),
                                      meter.reading_of(client, version, local_today())))


@bp.post("/clients/<int:client_id>/package/draft/submit")
@login_required
def submit_draft(client_id: int):
    client = clients.get_client(current_user, client_id)
    try:
        version = packages.submit_draft(current_user._get_current_object(), client)
    except packages.NothingToSubmit:
        raise ApiError(422, "nothing_to_submit", _("There is no draft to submit. Save your changes first."))
    return jsonify(version=version_json(version, versions.visible_lines(current_user, client, version)))


@bp.get("/clients/<int:client_id>/package/versions")
@login_required
def list_versions(client_id: int):
    client = clients.get_client(current_user, client_id)
    authorize(current_user, Perm.PACKAGE_VIEW, client)
    all_versions = versions.versions_of(client)
    visible = versions.visible_lines_of_versions(current_user, client, all_versions)
    return jsonify(versions=[version_json(v, visible[v.id]) for v in all_versions])


@bp.post("/clients/<int:client_id>/package/versions/<int:number>/sign")
@login_required
def sign_version(client_id: int, number: int):
    client = clients.get_client(current_user, client_id)
    data = json_body({"active_from"}) if request.data else {}
    active_from = None
    if data.get("active_from") is not None:
        try:
            active_from = parse_iso_date(data["active_from"], "active_from")
        except InvalidInput:
            raise ApiError(422, "invalid", _("Enter a valid date."), {"active_from": _("Enter a valid date.")})
    try:
        version = packages.sign_off(current_user._get_current_object(), client, number, active_from)
    except packages.VersionReplaced as exc:
        message = _("Version %(old)d was replaced by version %(new)d after the health risks changed: sign off "
                    "version %(new)d.", old=number, new=exc.current.number) if exc.for_risks else \
            _("Version %(old)d was replaced by version %(new)d, which waits for sign-off now.", old=number,
              new=exc.current.number)
        raise ApiError(409, "replaced", message, {"current": str(exc.current.number)})
    except packages.NotSubmitted:
        raise ApiError(422, "not_submitted", _("Only a submitted version can be signed off."))
    except packages.HealthLineWithoutRisk as exc:
        raise ApiError(422, "health_line_without_risk", _("Not signed off: a health line has no active risk that "
                                                          "requires it."),
                       {code: _("No active risk requires %(code)s: record the risk, or remove the line.", code=code)
                        for code in exc.codes})
    except packages.PackageUncovered as exc:
        raise ApiError(422, "uncovered", _("Sign-off refused: not every health risk is covered."),
                       {gap.service: _("%(planned)d of at least %(required)d per week", planned=gap.planned,
                                       required=gap.required) for gap in exc.gaps})
    return jsonify(version=version_json(version, versions.visible_lines(current_user, client, version)))


def _reading_json(reading):
    return reading.as_json() if reading is not None else None


@bp.get("/clients/<int:client_id>/package/versions/<int:number>/sign-off")
@login_required
def sign_off_preview(client_id: int, number: int):
    client = clients.get_client(current_user, client_id)
    preview = packages.sign_off_preview(current_user._get_current_object(), client, number)
    return jsonify(
        version=version_json(preview.version, list(preview.version.lines)),
        active_number=preview.active.number if preview.active else None,
        before=_reading_json(preview.before), after=_reading_json(preview.after),
        covers=[{"service": r.service, "min_per_week": r.min_per_week, "rule_min_per_week": r.rule_min,
                 "lowered_by_nurse": r.lowered, "omaha": list(r.omaha)} for r in preview.required.values()],
        gaps=[{"service": g.service, "required": g.required, "planned": g.planned} for g in preview.gaps],
        without_risk=preview.unfounded, signable=preview.signable,
        current_number=preview.current.number if preview.current else None,
        replaced_for_risks=preview.replaced_for_risks,
    )


@bp.get("/clients/<int:client_id>/package/proposals")
@login_required
def list_proposals(client_id: int):
    client = clients.get_client(current_user, client_id)
    authorize(current_user, Perm.PACKAGE_VIEW, client)
    found = proposals.proposals_of(client)
    visible = versions.visible_lines_of_versions(current_user, client, found)
    return jsonify(proposals=[version_json(v, visible[v.id]) for v in found])


def _handled(exc: proposals.ProposalHandled):
    return ApiError(409, "proposal_handled", str(exc.message))


@bp.post("/clients/<int:client_id>/package/proposals/<int:number>/take-over")
@login_required
def take_over_proposal(client_id: int, number: int):
    client = clients.get_client(current_user, client_id)
    authorize(current_user, Perm.PACKAGE_COMPOSE, client)
    data = json_body({"lines", "use_savings", "reason"}) if request.data else {}
    reason = data.get("reason", "")
    if not isinstance(reason, str) or len(reason) > 500:
        raise ApiError(422, "invalid", _("Some of what you entered is not valid."),
                       {"reason": _("Use at most 500 characters.")})
    try:
        lines = parse_lines(data["lines"]) if "lines" in data else None
        draft = proposals.take_over(current_user._get_current_object(), client, number, lines,
                                    _use_savings(data) if "use_savings" in data else None, reason)
    except proposals.ProposalHandled as exc:
        raise _handled(exc)
    except InvalidPackage as exc:
        raise _invalid(exc)
    except meter.ClientHasNoBudget:
        raise _no_budget()
    return jsonify(draft=version_json(draft, versions.visible_lines(current_user, client, draft),
                                      meter.reading_of(client, draft, local_today())))


@bp.post("/clients/<int:client_id>/package/proposals/<int:number>/decline")
@login_required
def decline_proposal(client_id: int, number: int):
    client = clients.get_client(current_user, client_id)
    authorize(current_user, Perm.PACKAGE_COMPOSE, client)
    data = json_body({"reason"}, {"reason"})
    try:
        proposal = proposals.decline(current_user._get_current_object(), client, number, data["reason"])
    except proposals.ProposalHandled as exc:
        raise _handled(exc)
    except InvalidInput as exc:
        raise ApiError(422, "invalid", str(exc.message), {exc.field: str(exc.message)})
    return jsonify(proposal=version_json(proposal, versions.visible_lines(current_user, client, proposal)))


@bp.put("/clients/<int:client_id>/package/use-savings")
@login_required
def use_savings(client_id: int):
    client = clients.get_client(current_user, client_id)
    authorize(current_user, Perm.PACKAGE_USE_SAVINGS, client)
    data = json_body({"use_savings"}, {"use_savings"})
    try:
        version = savings_choice.set_use_savings(current_user._get_current_object(), client, _use_savings(data))
    except savings_choice.NoActivePackage:
        raise ApiError(422, "no_active_package", _("There is no active package yet."))
    return jsonify(active_package=version_json(version, versions.visible_lines(current_user, client, version),
                                               meter.reading_of(client, version, local_today())))


@bp.post("/clients/<int:client_id>/reviews")
@login_required
def record_review(client_id: int):
    client = clients.get_client(current_user, client_id)
    data = json_body({"outcome", "note", "reason"}, {"outcome"})
    note, reason = data.get("note", ""), data.get("reason", "")
    for name, value in (("note", note), ("reason", reason)):
        if not isinstance(value, str):
            raise ApiError(422, "invalid", _("Some of what you entered is not valid."), {name: _("Use text.")})
    try:
        review = reviews.record_review(current_user._get_current_object(), client,
                                       outcome=str(data["outcome"]), note=note, reason=reason)
    except InvalidInput as exc:
        raise ApiError(422, "invalid", exc.message, {exc.field: exc.message})
    except reviews.NoActivePackage:
        raise ApiError(422, "no_active_package", _("There is no active package to review yet."))
    return jsonify(review={"id": review.id, "kind": review.kind,
                           "due_on": review.due_on.isoformat() if review.due_on else None,
                           "held_on": review.held_on.isoformat(), "outcome": review.outcome,
                           "reason": review.reason}), 201


@bp.post("/meter", endpoint="meter")
@login_required
def read_meter():
    data = json_body({"client_id", "lines", "use_savings"}, {"client_id", "lines"})
    client_id = data["client_id"]
    if isinstance(client_id, bool) or not isinstance(client_id, int):
        raise ApiError(422, "invalid", _("Some of what you entered is not valid."),
                       {"client_id": _("Use the resident's number.")})
    client = clients.get_client(current_user, client_id)
    try:
        reading = meter.meter_for(current_user, client, parse_lines(data["lines"]),
                                     _use_savings(data))
    except InvalidPackage as exc:
        raise _invalid(exc)
    except meter.ClientHasNoBudget:
        raise _no_budget()
    return jsonify(reading.as_json())
