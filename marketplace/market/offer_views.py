"""Pages of teams' offers and ratings: the offers of every team, one team's offer with its ratings,
the team lead's editor with a preview, the history, rating a team, replying and hiding."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_date, gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from marketplace.core.db_types import local_today, utcnow
from marketplace.core.errors import AccessDenied, Conflict, InvalidInput
from marketplace.core.i18n import locale
from marketplace.core.policy import Perm, authorize, can, get_in_scope
from care.labels import target_group_label
from teams.models import TargetGroup, Team

from . import offers, publishing, ratings
from .capacity import open_places, waiting_lengths
from .domain import effective_monday
from .offer_forms import HideForm, OfferForm, RatingForm, ReplyForm
from .rating_rules import ASPECTS

bp = Blueprint("offers", __name__)


@bp.get("/offers")
@login_required
def index():
    authorize(current_user, Perm.TEAM_OFFER_VIEW, current_user.organisation)
    cards = offers.offer_cards(current_user.organisation_id, utcnow())
    return render_template("market/offers.html", cards=cards, words=_card_words(),
                           groups={group.value: target_group_label(group.value) for group in TargetGroup},
                           dates={day: format_date(day, "long") for day in
                                  {card.offer.published_on for card in cards if card.offer}})


def _card_words() -> dict[str, str]:
    """The words every card repeats, translated once per page (400 cards would translate them 400 times);
    the ones with placeholders are filled in by the template."""
    return {"languages": _("Languages"), "rating": _("Rating"), "capacity": _("Capacity"),
            "published": _("Published"), "not_given": _("not given"),
            "no_offer": _("This team has not published an offer yet."),
            "of_residents": _("%(residents)d of %(capacity)d residents"),
            "places": _("Open places"), "waiting": _("Waiting list"),
            "ratings": _("%(count)d ratings, last 24 months"), "too_few": _("too few ratings yet (n = %(count)d)")}


def _page(team: Team, draft: offers.OfferDraft | None = None, **extra):
    """What the offer page and the preview show: the published offer, or the draft in its place."""
    summary = offers.preview(team, draft) if draft else offers.published_offers([team.id]).get(team.id)
    members = offers.members_of([team.id])[team.id]
    return dict(team=team, offer=summary, is_preview=draft is not None, members=members,
                residents=offers.residents_of([team.id]).get(team.id, 0),
                rating=ratings.rating_summaries([team.id], local_today())[team.id],
                capacity=draft.capacity if draft else team.capacity,
                open_places=open_places([team.id], effective_monday(utcnow()))[team.id],
                waiting=waiting_lengths([team.id])[team.id],
                initials=offers.initials(team.name), **extra)


@bp.get("/teams/<int:team_id>/offer")
@login_required
def team_offer(team_id: int):
    team = get_in_scope(current_user, Team, team_id, Perm.TEAM_OFFER_VIEW)
    is_lead = can(current_user, Perm.RATING_REPLY, team)
    return render_template(
        "market/offer.html", **_page(team), ratings=ratings.visible_ratings(current_user, team),
        may_rate=bool(ratings.rateable_clients(current_user, team)), is_lead=is_lead,
        may_hide=can(current_user, Perm.RATING_HIDE, team), reply_form=ReplyForm(), hide_form=HideForm(),
        aspects=ASPECTS, mark=ratings.mark)


@bp.route("/teams/<int:team_id>/offer/edit", methods=["GET", "POST"])
@login_required
def edit_offer(team_id: int):
    team = get_in_scope(current_user, Team, team_id, Perm.TEAM_OFFER_EDIT)
    form = OfferForm()
    english = locale().startswith("en")
    form.known_for.choices = [SelectChoice(s.code, s.name_en if english else s.name_nl)
                              for s in offers.catalogue_choices(team.organisation_id)]
    members = list({m.user_id: m for m in offers.members_of([team.id])[team.id]}.values())
    if request.method == "GET":
        draft = offers.draft_from(offers.newest_offer(team), team)
        form.fill(draft)
        return _editor(team, form, members, draft.member_languages)
    spoken = {m.user_id: request.form.get(f"member_{m.user_id}", "")[:450].split(",") for m in members}
    if not form.validate_on_submit():
        return _editor(team, form, members, spoken, status=422)
    action = request.form.get("action", "preview")
    try:
        draft = offers.check_draft(team, form.draft(spoken))
        if action == "publish":
            offer = publishing.publish_offer(current_user, team, draft)
            flash(_("Version %(version)d of the offer is published.", version=offer.version), "success")
            return redirect(url_for("offers.team_offer", team_id=team.id))
    except InvalidInput as refused:
        errors = {name: str(message) for name, message in refused.fields.items() if name.startswith("member_")}
        for name, message in refused.fields.items():
            if not name.startswith("member_"):
                getattr(form, name, form.text).errors.append(str(message))
        return _editor(team, form, members, spoken, errors, status=422)
    except Conflict as clash:
        flash(str(clash.message), "error")
        return _editor(team, form, members, spoken, status=409)
    if action == "edit":
        return _editor(team, form, members, draft.member_languages)
    form.fill(draft)
    return render_template("market/offer_preview.html", form=form, **_page(team, draft))


def _editor(team: Team, form: OfferForm, members, spoken: dict, errors: dict | None = None, status: int = 200):
    """The editor; ``spoken``: per member's user id, the languages as entered (a list)."""
    values = {user_id: ", ".join(lang.strip() for lang in langs if lang.strip()) for user_id, langs in spoken.items()}
    return render_template("market/offer_edit.html", team=team, form=form, members=members, spoken=values,
                           member_errors=errors or {}), status


@bp.get("/teams/<int:team_id>/offer/history")
@login_required
def offer_history(team_id: int):
    team = get_in_scope(current_user, Team, team_id, Perm.TEAM_OFFER_VIEW)
    return render_template("market/offer_history.html", team=team, versions=offers.offer_history(team))


@bp.route("/teams/<int:team_id>/ratings/new", methods=["GET", "POST"])
@login_required
def rate_team(team_id: int):
    team = get_in_scope(current_user, Team, team_id, Perm.TEAM_OFFER_VIEW)
    clients = ratings.rateable_clients(current_user, team)
    if not clients:
        raise AccessDenied(Perm.RATING_GIVE, team)
    form = RatingForm()
    form.client_id.choices = [SelectChoice(client.id, client.name) for client in clients]
    if form.validate_on_submit():
        client = next(c for c in clients if c.id == form.client_id.data)
        try:
            ratings.give_rating(current_user, team, client,
                                scores={aspect: int(getattr(form, aspect).data) for aspect in ASPECTS},
                                recommend=form.recommend.data == "yes", comment=form.comment.data or "")
        except InvalidInput as refused:
            form.comment.errors.append(str(refused.message))
        else:
            flash(_("Thank you. Your rating of %(team)s is saved.", team=team.name), "success")
            return redirect(url_for("offers.team_offer", team_id=team.id))
    status = 422 if form.errors else 200
    return render_template("market/rating_new.html", team=team, form=form, aspects=ASPECTS), status


@bp.post("/ratings/<int:rating_id>/reply")
@login_required
def reply(rating_id: int):
    rating = ratings.load_rating(current_user, rating_id)
    authorize(current_user, Perm.RATING_REPLY, rating.team)
    form = ReplyForm()
    if not form.validate_on_submit():
        flash(_("Write a reply of at most 2000 characters."), "error")
    else:
        try:
            ratings.reply_to_rating(current_user, rating, form.reply.data)
            flash(_("Your reply is published."), "success")
        except Conflict as clash:
            flash(str(clash.message), "error")
    return redirect(url_for("offers.team_offer", team_id=rating.team_id) + f"#rating-{rating.id}")


@bp.post("/ratings/<int:rating_id>/hide")
@login_required
def hide(rating_id: int):
    rating = ratings.load_rating(current_user, rating_id)
    authorize(current_user, Perm.RATING_HIDE, rating)
    form = HideForm()
    if not form.validate_on_submit():
        flash(_("Give a reason of at most 500 characters."), "error")
    else:
        try:
            ratings.hide_rating(current_user, rating, form.reason.data)
            flash(_("The rating is hidden and the family is told."), "success")
        except Conflict as clash:
            flash(str(clash.message), "error")
    return redirect(url_for("offers.team_offer", team_id=rating.team_id))

