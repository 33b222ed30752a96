"""JSON API of the team choice and the waiting list (issue 11, item 6: these paths are promised)."""
from __future__ import annotations

from flask import Blueprint, jsonify
from flask_babel import gettext as _
from flask_login import current_user, login_required

from care import clients
from marketplace.core.api import json_body
from marketplace.core.error_handlers import error_response
from marketplace.core.errors import ApiError, Conflict
from marketplace.core.extensions import csrf, db

from . import choice, waiting_list
from .models import TeamChoice

bp = Blueprint("choice_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


@bp.errorhandler(Conflict)
def conflict(error: Conflict):
    """A clash with the current state, named: ``team_full``, ``offer_closed``, ``nothing_to_withdraw``..."""
    db.session.rollback()
    return error_response(409, str(error.message), error.code)


def _team_id() -> object:
    data = json_body({"team_id"}, {"team_id"})
    return data["team_id"]


def choice_json(row: TeamChoice, names: dict[int, str] | None = None) -> dict:
    names = names or {}
    return {
        "id": row.id, "team_id": row.team_id, "team": names.get(row.team_id, row.team.name),
        "previous_team_id": row.previous_team_id, "effective_from": row.effective_from.isoformat(),
        "status": row.status, "chosen_by": row.chosen_by.name, "on_behalf": row.on_behalf,
        "via_waiting_list": row.offer_id is not None, "created_at": row.created_at.isoformat(),
    }


def offer_json(offer) -> dict | None:
    if offer is None:
        return None
    return {"id": offer.id, "team_id": offer.team_id, "status": offer.status,
            "offered_at": offer.offered_at.isoformat(), "expires_at": offer.expires_at.isoformat()}


@bp.get("/clients/<int:client_id>/team-options")
@login_required
def team_options(client_id: int):
    client = clients.get_client(current_user, client_id)
    options = choice.team_options(current_user, client)
    return jsonify(
        client_id=client.id, effective_from=options.effective_from.isoformat(),
        pending_choice=choice_json(options.pending) if options.pending else None,
        teams=[{
            "team_id": option.team.id, "name": option.team.name, "open_places": option.open_places,
            "waiting_list_length": option.waiting, "current": option.current, "chosen": option.chosen,
            "rating": {"average": float(option.rating.average) if option.rating.average is not None else None,
                       "count": option.rating.count},
            "offer": {"published_on": option.offer.published_on.isoformat(),
                      "way_of_working": option.offer.way_of_working, "languages": option.offer.languages,
                      "known_for": option.offer.known_for} if option.offer else None,
        } for option in options.teams])


@bp.post("/clients/<int:client_id>/team-choice")
@login_required
def choose_team(client_id: int):
    client = clients.get_client(current_user, client_id)
    team_id = _team_id()
    made, created = choice.choose_team(current_user, client, team_id)
    return jsonify(choice_json(made)), 201 if created else 200


@bp.delete("/clients/<int:client_id>/team-choice")
@login_required
def withdraw_choice(client_id: int):
    client = clients.get_client(current_user, client_id)
    return jsonify(choice_json(choice.withdraw_choice(current_user, client)))


@bp.get("/clients/<int:client_id>/team-history")
@login_required
def team_history(client_id: int):
    client = clients.get_client(current_user, client_id)
    history = choice.team_history(current_user, client)
    return jsonify(
        client_id=client.id,
        current_team_id=client.team_id,
        teams=[{"team_id": a.team_id, "team": history.team_names.get(a.team_id), "starts_on": a.starts_on.isoformat(),
                "ends_on": a.ends_on.isoformat() if a.ends_on else None} for a in history.assignments],
        choices=[choice_json(row, history.team_names) for row in history.choices])


def entry_json(view) -> dict:
    return {"team_id": view.team.id, "team": view.team.name, "position": view.position, "ahead": view.ahead,
            "joined_at": view.entry.joined_at.isoformat(), "offer": offer_json(view.offer)}


@bp.get("/clients/<int:client_id>/waiting-list")
@login_required
def waiting_entries(client_id: int):
    client = clients.get_client(current_user, client_id)
    return jsonify(client_id=client.id,
                   entries=[entry_json(view) for view in waiting_list.entries_of(current_user, client)])


@bp.post("/clients/<int:client_id>/waiting-list")
@login_required
def join_waiting_list(client_id: int):
    client = clients.get_client(current_user, client_id)
    entry, created = waiting_list.join_waiting_list(current_user, client, _team_id())
    view = next(v for v in waiting_list.entries_of(current_user, client) if v.entry.id == entry.id) \
        if entry.status == "waiting" else None
    if view is None:  # pragma: no cover - an entry just made is on the list
        raise ApiError(409, "conflict", _("Someone else saved at the same moment. Reload and try again."))
    return jsonify(entry_json(view)), 201 if created else 200


@bp.delete("/clients/<int:client_id>/waiting-list/<int:team_id>")
@login_required
def leave_waiting_list(client_id: int, team_id: int):
    client = clients.get_client(current_user, client_id)
    entry = waiting_list.leave_waiting_list(current_user, client, team_id)
    return jsonify(team_id=entry.team_id, status=entry.status)


@bp.post("/waiting-list/offers/<int:offer_id>/accept")
@login_required
def accept_offer(offer_id: int):
    offer, made = waiting_list.accept_offer(current_user, offer_id)
    return jsonify(offer=offer_json(offer), choice=choice_json(made) if made else None)


@bp.post("/waiting-list/offers/<int:offer_id>/decline")
@login_required
def decline_offer(offer_id: int):
    return jsonify(offer=offer_json(waiting_list.decline_offer(current_user, offer_id)))
