"""JSON API of teams' offers and ratings (issue 11, item 6: the paths integrations rely on)."""
from __future__ import annotations

from flask import Blueprint, jsonify
from flask_babel import gettext as _
from flask_login import current_user, login_required

from care.models import Client
from marketplace.core.api import json_body
from marketplace.core.db_types import local_today, utcnow
from marketplace.core.errors import ApiError, NotInScope
from marketplace.core.extensions import csrf
from marketplace.core.numbers import json_int
from marketplace.core.policy import Perm, authorize, get_in_scope, load
from teams.models import Team

from . import offers, publishing, ratings
from .capacity import open_places, waiting_lengths
from .domain import effective_monday
from .rating_rules import ASPECTS

bp = Blueprint("offers_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

OFFER_FIELDS = {"text", "way_of_working", "languages", "known_for", "capacity", "member_languages"}


def offer_json(team: Team, summary: offers.OfferSummary | None, residents: int) -> dict:
    rating = ratings.rating_summaries([team.id], local_today())[team.id]
    return {
        "team_id": team.id, "name": team.name, "capacity": team.capacity, "residents": residents,
        "open_places": open_places([team.id], effective_monday(utcnow()))[team.id],
        "waiting_list_length": waiting_lengths([team.id])[team.id],
        "locations": [{"id": loc.id, "name": loc.name} for loc in team.locations],
        "target_groups": team.target_groups,
        "members": [{"user_id": m.user_id, "first_name": m.user.name.split(" ")[0], "role": m.role,
                     "languages": summary.member_languages.get(m.user_id, []) if summary else []}
                    for m in offers.members_of([team.id])[team.id]],
        "rating": rating_json(rating),
        "offer": None if summary is None else {
            "version": summary.version, "published_on": summary.published_on.isoformat(), "text": summary.text,
            "way_of_working": summary.way_of_working, "languages": summary.languages,
            "known_for": [{"code": code, "name": name}
                          for code, name in zip(summary.known_for_codes, summary.known_for)]},
    }


def rating_json(summary) -> dict:
    return {"average": float(summary.average) if summary.average is not None else None, "count": summary.count,
            "families": summary.families}


@bp.get("/teams/<int:team_id>/offer")
@login_required
def get_offer(team_id: int):
    team = get_in_scope(current_user, Team, team_id, Perm.TEAM_OFFER_VIEW)
    return jsonify(offer_json(team, offers.published_offers([team.id]).get(team.id),
                              offers.residents_of([team.id]).get(team.id, 0)))


def _strings(value: object, field: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ApiError(422, "invalid", _("Some of what you entered is not valid."), {field: _("Send a list of texts.")})
    return value


def _text(data: dict, field: str) -> str:
    value = data.get(field, "")
    if not isinstance(value, str):
        raise ApiError(422, "invalid", _("Some of what you entered is not valid."), {field: _("Send a text.")})
    return value


def _member_languages(value: object) -> dict[int, list[str]]:
    """``{"<user id>": ["Nederlands"]}`` → ``{user id: [...]}``."""
    if not isinstance(value, dict) or not all(isinstance(k, str) and k.isascii() and k.isdigit() and len(k) < 19
                                              for k in value):
        raise ApiError(422, "invalid", _("Some of what you entered is not valid."),
                       {"member_languages": _("Send languages per member's user id.")})
    return {int(user_id): _strings(spoken, "member_languages") for user_id, spoken in value.items()}


@bp.put("/teams/<int:team_id>/offer")
@login_required
def put_offer(team_id: int):
    """Publish a new version (an integration has no preview; the page has)."""
    team = get_in_scope(current_user, Team, team_id, Perm.TEAM_OFFER_EDIT)
    data = json_body(OFFER_FIELDS, {"capacity"})
    draft = offers.OfferDraft(text=_text(data, "text"), way_of_working=_text(data, "way_of_working"),
                              languages=_strings(data.get("languages", []), "languages"),
                              known_for=_strings(data.get("known_for", []), "known_for"),
                              capacity=json_int(data["capacity"], "capacity", high=offers.MAX_CAPACITY),
                              member_languages=_member_languages(data.get("member_languages", {})))
    publishing.publish_offer(current_user._get_current_object(), team, draft)
    return jsonify(offer_json(team, offers.published_offers([team.id]).get(team.id),
                              offers.residents_of([team.id]).get(team.id, 0)))


def one_rating_json(rating, viewer_id: int) -> dict:
    return {
        "id": rating.id, "scores": rating.scores, "mark": float(ratings.mark(rating)), "recommend": rating.recommend,
        "comment": rating.comment, "created_on": rating.created_at.date().isoformat(),
        "mine": rating.author_id == viewer_id,
        "reply": None if rating.reply is None else {"text": rating.reply,
                                                     "replied_on": rating.replied_at.date().isoformat()},
        "hidden": None if rating.hidden_at is None else {"reason": rating.hidden_reason},
    }


@bp.get("/teams/<int:team_id>/ratings")
@login_required
def list_ratings(team_id: int):
    team = get_in_scope(current_user, Team, team_id, Perm.TEAM_OFFER_VIEW)
    return jsonify(summary=rating_json(ratings.rating_summaries([team.id], local_today())[team.id]),
                   ratings=[one_rating_json(r, current_user.id) for r in ratings.visible_ratings(current_user, team)])


@bp.post("/teams/<int:team_id>/ratings")
@login_required
def give_rating(team_id: int):
    team = get_in_scope(current_user, Team, team_id, Perm.TEAM_OFFER_VIEW)
    data = json_body({"client_id", "scores", "recommend", "comment"}, {"client_id", "scores"})
    client = load(Client, data["client_id"])
    if client is None or client.organisation_id != current_user.organisation_id:
        raise NotInScope()
    authorize(current_user, Perm.RATING_GIVE, client)
    if not isinstance(data["scores"], dict) or set(data["scores"]) - set(ASPECTS):
        raise ApiError(422, "invalid", _("Some of what you entered is not valid."),
                       {"scores": _("Give the marks care, attention, communication, reliability and atmosphere.")})
    rating = ratings.give_rating(current_user._get_current_object(), team, client, scores=data["scores"],
                                 recommend=data.get("recommend"), comment=data.get("comment", ""))
    return jsonify(rating=one_rating_json(rating, current_user.id)), 201


@bp.post("/ratings/<int:rating_id>/reply")
@login_required
def reply(rating_id: int):
    rating = ratings.load_rating(current_user, rating_id)
    authorize(current_user, Perm.RATING_REPLY, rating.team)
    data = json_body({"text"}, {"text"})
    rating = ratings.reply_to_rating(current_user._get_current_object(), rating, data["text"])
    return jsonify(rating=one_rating_json(rating, current_user.id))


@bp.post("/ratings/<int:rating_id>/hide")
@login_required
def hide(rating_id: int):
    rating = ratings.load_rating(current_user, rating_id)
    authorize(current_user, Perm.RATING_HIDE, rating)
    data = json_body({"reason"}, {"reason"})
    rating = ratings.hide_rating(current_user._get_current_object(), rating, data["reason"])
    return jsonify(rating=one_rating_json(rating, current_user.id))
