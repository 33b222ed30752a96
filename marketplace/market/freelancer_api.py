"""JSON API of freelancers (issue 13, item 6): their own profile and Stripe onboarding, the
administrator's approval and suspension, a team's freelancers."""
from __future__ import annotations

from flask import Blueprint, jsonify
from flask_babel import gettext as _
from flask_login import current_user, login_required

from billing.gateway import GatewayError
from marketplace.core.api import json_body
from marketplace.core.errors import ApiError
from marketplace.core.policy import Perm, get_in_scope
from marketplace.core.extensions import csrf
from teams.models import Team

from . import freelancers
from .freelancers import ProfileInput

bp = Blueprint("freelancers_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

PROFILE_FIELDS = {"name", "kvk_number", "big_number", "home_team_id", "skills", "languages", "bio"}


def freelancer_json(freelancer) -> dict:
    return {
        "id": freelancer.id, "name": freelancer.name, "kvk_number": freelancer.kvk_number,
        "big_number": freelancer.big_number, "home_team_id": freelancer.home_team_id,
        "skills": list(freelancer.skills), "languages": list(freelancer.languages), "bio": freelancer.bio,
        "status": freelancer.status, "status_reason": freelancer.status_reason,
        "stripe": {"onboarded": bool(freelancer.stripe_account_id), "charges_enabled": freelancer.charges_enabled,
                   "payouts_enabled": freelancer.payouts_enabled,
                   "requirements_due": list(freelancer.requirements_due),
                   "requirements_in_words": freelancers.requirements_in_words(freelancer.requirements_due)},
        "can_take_bookings": freelancers.may_take_bookings(freelancer),
    }


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(422, "invalid", _("Some of what you entered is not valid."), {field: message})


def _text(data: dict, field: str) -> str:
    value = data.get(field)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _invalid(field, _("Send a text."))
    return value


def _texts(data: dict, field: str) -> list[str]:
    value = data.get(field, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _invalid(field, _("Send a list of texts."))
    return value


def _team_id(data: dict):
    value = data.get("home_team_id")
    if isinstance(value, bool) or not isinstance(value, int):
        raise _invalid("home_team_id", _("Send the id of your home team."))
    return value


@bp.get("/freelancers/me")
@login_required
def get_me():
    return jsonify(freelancer_json(freelancers.my_profile(current_user)))


@bp.put("/freelancers/me")
@login_required
def put_me():
    """Make (201) or change (200) the own profile; a new one waits for approval."""
    existed = freelancers.own_profile(current_user) is not None
    data = json_body(PROFILE_FIELDS, {"name", "kvk_number", "home_team_id"})
    profile = ProfileInput(name=_text(data, "name"), kvk_number=_text(data, "kvk_number"),
                           big_number=_text(data, "big_number"), home_team_id=_team_id(data),
                           skills=_texts(data, "skills"), languages=_texts(data, "languages"), bio=_text(data, "bio"))
    freelancer = freelancers.save_profile(current_user._get_current_object(), profile)
    return jsonify(freelancer_json(freelancer)), 200 if existed else 201


def _gateway_error(exc: GatewayError) -> ApiError:
    return ApiError(502, exc.code, exc.message)


@bp.post("/freelancers/me/onboarding")
@login_required
def onboarding():
    """The Stripe onboarding link to follow (single-use; ask again for a new one)."""
    try:
        return jsonify(url=freelancers.onboarding_link(current_user._get_current_object()))
    except GatewayError as exc:
        raise _gateway_error(exc) from exc


@bp.post("/freelancers/<int:freelancer_id>/approve")
@login_required
def approve(freelancer_id: int):
    freelancers.get_freelancer(current_user, freelancer_id, Perm.FREELANCER_APPROVE)
    return jsonify(freelancer_json(freelancers.approve(current_user._get_current_object(), freelancer_id)))


@bp.post("/freelancers/<int:freelancer_id>/suspend")
@login_required
def suspend(freelancer_id: int):
    freelancers.get_freelancer(current_user, freelancer_id, Perm.FREELANCER_APPROVE)
    data = json_body({"reason"}, {"reason"})
    if not isinstance(data["reason"], str):
        raise _invalid("reason", _("Send a text."))
    result = freelancers.suspend(current_user._get_current_object(), freelancer_id, data["reason"])
    return jsonify(freelancer=freelancer_json(result.freelancer), cancelled_bookings=result.cancelled,
                   refunds_pending=result.refunds_pending)


@bp.get("/teams/<int:team_id>/freelancers")
@login_required
def team_freelancers(team_id: int):
    team = get_in_scope(current_user, Team, team_id, Perm.TEAM_FREELANCERS)
    return jsonify(freelancers=[{"id": f.id, "name": f.name, "status": f.status, "skills": list(f.skills),
                                 "languages": list(f.languages),
                                 "can_take_bookings": freelancers.may_take_bookings(f)}
                                for f in freelancers.team_freelancers(current_user, team)])
