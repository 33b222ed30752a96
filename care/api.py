"""JSON API for residents."""
from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask import Blueprint, current_app, jsonify
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace import accounts
from marketplace.api import json_body
from marketplace.errors import ApiError
from marketplace.extensions import csrf

from . import services

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
    return jsonify(clients=[client_json(c) for c in services.list_clients(current_user)])


@bp.get("/clients/<int:client_id>")
@login_required
def get_client(client_id: int):
    resident = services.get_client(current_user, client_id)
    body = client_json(resident)
    body.update(date_of_birth=resident.date_of_birth.isoformat(), start_date=resident.start_date.isoformat())
    return jsonify(client=body)


@bp.post("/clients/<int:client_id>/invitations")
@login_required
def invite_contact(client_id: int):
    resident = services.get_client(current_user, client_id)
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
    if fields:
        raise ApiError(422, "invalid", _("Some of what you entered is not valid."), fields)
    issued = accounts.invite_contact(
        current_user._get_current_object(), resident, email=email, name=data["name"],
        relation=data.get("relation", ""), can_view=data.get("can_view", True),
        can_decide=data.get("can_decide", False), can_pay=data.get("can_pay", False),
    )
    delivered = accounts.deliver_invitation(issued, resident.name)
    inv = issued.invitation
    body = {"id": inv.id, "email": inv.email, "expires_at": inv.expires_at.isoformat(),
            "delivered": "email" if delivered else "log"}
    if current_app.config["DEMO_MODE"]:
        body["link"] = issued.link()
    return jsonify(invitation=body), 201
