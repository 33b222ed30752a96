"""Pages of extras (issue 12, items 1–2): the families' catalogue with filters, one extra with its
next free slots and the booking form, the team lead's extras with availability and exceptions,
and the administrator's market settings.

Thin: parse, call one use case, put its refusal next to the field (422)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.routing import BuildError
from wtforms.fields.choices import SelectChoice

from care.access import relations
from care.models import Client
from marketplace.core.db_types import local_today, utcnow
from marketplace.core.errors import InvalidInput
from marketplace.core.extensions import db
from marketplace.core.i18n import locale
from marketplace.core.money import parse_euro
from marketplace.core.numbers import parse_int, parse_iso_date
from marketplace.core.policy import Perm, authorize, can, get_in_scope
from marketplace.core.roles import Role
from teams.models import Team

from . import bookings, extras, freelancers
from .extra_forms import (EXCEPTION_ROWS, PATTERN_ROWS, ExtraForm, MarketSettingsForm, exceptions_from,
                          patterns_from, rows_of)
from .extras_domain import CATEGORY_OF_CODE, Category, ExtraKind
from .models import Extra, Provider

bp = Blueprint("extras", __name__)

WEEKDAYS = (_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"), _l("Saturday"), _l("Sunday"))


def category_labels() -> dict[str, str]:
    return {Category.OUTING.value: _("Outings"), Category.PAMPER.value: _("Pampering"),
            Category.COMPANY.value: _("Company"), Category.HOUSEHOLD.value: _("Household"),
            Category.MEALS.value: _("Meals")}


def bookable_clients(user) -> list[Client]:
    """The residents ``user`` may book extras for (family with *decide*, or the resident). One query."""
    rel = relations(user)
    ids = {cid for cid, rights in rel.contact_rights.items() if "decide" in rights}
    if rel.own_client_id is not None:
        ids.add(rel.own_client_id)
    if not ids:
        return []
    clients = db.session.scalars(select(Client).where(Client.id.in_(ids)).order_by(Client.name)).all()
    return [client for client in clients if can(user, Perm.BOOKING_MAKE, client)]


def book_url(extra_id: int) -> str:
    """The booking form's target: the bookings blueprint's ``book`` (built beside this one)."""
    try:
        return url_for("bookings.book", extra_id=extra_id)
    except BuildError:
        return f"/extras/{extra_id}/book"


# -- families ---------------------------------------------------------------------------------

def _filters(errors: dict) -> extras.Filters:
    """The filters of the query string; a bad one is reported in ``errors`` and left out."""
    values: dict = {}
    category = request.args.get("category", "")
    if category:
        if category in {c.value for c in Category}:
            values["category"] = category
        else:
            errors["category"] = _("Choose a category from the list.")
    for name, low, high in (("team_id", 1, 2**63 - 1), ("max_price", 0, extras.MAX_PRICE_CENTS)):
        text = request.args.get(name, "").strip()
        if not text:
            continue
        try:
            if name == "max_price":
                values["max_price_cents"] = parse_euro(text)
                if values["max_price_cents"] < 0:
                    raise InvalidInput(name, _("Enter an amount in euros, such as 17,90."))
            else:
                values[name] = parse_int(text, name, low=low, high=high)
        except InvalidInput as refused:
            errors[name] = str(refused.message)
            values.pop("max_price_cents", None)
    for name in ("date_from", "date_to"):
        text = request.args.get(name, "").strip()
        if text:
            try:
                values[name] = parse_iso_date(text, name)
            except InvalidInput as refused:
                errors[name] = str(refused.message)
    filters = extras.Filters(**values)
    try:
        return extras.check_filters(filters, local_today())
    except InvalidInput as refused:
        errors.update({name: str(message) for name, message in refused.fields.items()})
        return extras.Filters(category=filters.category, team_id=filters.team_id,
                              max_price_cents=filters.max_price_cents)


@bp.get("/extras")
@login_required
def index():
    authorize(current_user, Perm.EXTRA_VIEW, current_user.organisation)
    errors: dict[str, str] = {}
    filters = _filters(errors)
    found = extras.browse(current_user.organisation_id, filters)
    teams = db.session.execute(
        select(Team.id, Team.name).join(Provider, Provider.team_id == Team.id)
        .where(Provider.organisation_id == current_user.organisation_id).order_by(Team.name)).all()
    own_teams = db.session.execute(select(Team.id, Team.name).where(
        Team.id.in_(relations(current_user).team_ids)).order_by(Team.name)).all() \
        if current_user.has_role(Role.TEAM_LEAD) else []
    return render_template("market/extras.html", own_teams=own_teams, extras=found.extras, slots=found.slots, filters=filters,
                           errors=errors,
                           args=request.args, teams=teams, categories=category_labels(),
                           ratings=extras.extra_rating_summaries([e.id for e in found.extras]),
                           # Many extras share their first free moment: each is formatted once.
                           when={slot.start: format_datetime(slot.start, "d MMM y, HH:mm")
                                 for free in found.slots.values() for slot in free[:1]},
                           words={"on_request": _("on request: propose a moment"),
                                  "no_slots": _("no free slot in these days"), "ratings": _("ratings"),
                                  "minutes": _("minutes"), "places": _("places"), "price": _("Price"),
                                  "rating": _("Rating"), "first_free": _("First free"),
                                  "link": url_for("extras.index") + "/"}), 422 if errors else 200


@bp.get("/extras/<int:extra_id>")
@login_required
def extra(extra_id: int):
    extra = extras.visible_extra(current_user, extra_id)
    today = local_today()
    slots = bookings.slots_of([extra], today, today + timedelta(days=extras.LOOK_AHEAD_DAYS - 1), utcnow(),
                              free_only=True)[extra.id]
    clients = bookable_clients(current_user) if extra.active else []
    return render_template("market/extra.html", extra=extra, slots=slots, clients=clients,
                           rating=extras.extra_rating_summaries([extra.id])[extra.id],
                           categories=category_labels(), book_url=book_url(extra.id),
                           may_edit=can(current_user, Perm.EXTRA_EDIT, extra.provider), weekdays=WEEKDAYS,
                           today=today, settings=bookings.settings_of(extra.organisation_id))


# -- the team lead's extras -------------------------------------------------------------------

def _lead_team(team_id: int) -> Team:
    team = get_in_scope(current_user, Team, team_id, Perm.TEAM_VIEW)
    authorize(current_user, Perm.EXTRA_EDIT, extras.provider_of(team))
    return team


@dataclass(frozen=True)
class Seller:
    """Whose extras a page edits: a team (by its lead) or a freelancer (by themselves)."""

    name: str
    organisation: object
    list_url: str
    new_url: str
    create: Callable  # (actor, draft) -> Extra
    is_team: bool


def team_seller(team: Team) -> Seller:
    return Seller(team.name, team.organisation, url_for("extras.team_extras", team_id=team.id),
                  url_for("extras.new_extra", team_id=team.id),
                  lambda actor, draft: extras.create_extra(actor, team, draft), True)


def freelancer_seller(freelancer) -> Seller:
    return Seller(freelancer.name, freelancer.home_team.organisation, url_for("extras.freelancer_extras"),
                  url_for("extras.new_freelancer_extra"),
                  lambda actor, draft: extras.create_freelancer_extra(actor, freelancer, draft), False)


def seller_of(provider) -> Seller:
    return team_seller(provider.team) if provider.team is not None else freelancer_seller(provider.freelancer)


@bp.get("/teams/<int:team_id>/extras")
@login_required
def team_extras(team_id: int):
    team = _lead_team(team_id)
    found = extras.team_extras(team)
    return render_template("market/extras_team.html", seller=team_seller(team), extras=found,
                           categories=category_labels(), ratings=extras.extra_rating_summaries([e.id for e in found]))


def _own_freelancer():
    """The logged-in freelancer's profile. :raises AccessDenied: not a freelancer;
    :raises NotInScope: no profile yet."""
    return freelancers.my_profile(current_user)


@bp.get("/freelancers/me/extras")
@login_required
def freelancer_extras():
    freelancer = _own_freelancer()
    provider = extras.freelancer_provider_of(freelancer)
    authorize(current_user, Perm.EXTRA_EDIT, provider)
    found = extras.provider_extras(provider.id)
    return render_template("market/extras_team.html", seller=freelancer_seller(freelancer), extras=found,
                           categories=category_labels(), ratings=extras.extra_rating_summaries([e.id for e in found]),
                           ready=bookings.can_take_bookings(provider))


@bp.route("/freelancers/me/extras/new", methods=["GET", "POST"])
@login_required
def new_freelancer_extra():
    freelancer = _own_freelancer()
    authorize(current_user, Perm.EXTRA_EDIT, extras.freelancer_provider_of(freelancer))
    return _edit(freelancer_seller(freelancer), None)


def _code_choices(seller: Seller) -> tuple[list[SelectChoice], list[extras.ServiceChoice]]:
    services = extras.service_choices(seller.organisation, local_today(), locale().startswith("en"))
    return [SelectChoice("", _("Choose a service"))] + [SelectChoice(s.code, f"{s.code} {s.name}")
                                                         for s in services], services


def _edit(seller: Seller, extra: Extra | None):
    form = ExtraForm()
    form.code.choices, references = _code_choices(seller)
    if request.method == "GET":
        if extra is not None:
            form.fill(extras.draft_of(extra))
            rows = {"pattern": [{"weekday": str(p.weekday), "start": p.starts_at.strftime("%H:%M"),
                                 "end": p.ends_at.strftime("%H:%M")} for p in extra.patterns],
                    "exception": [{"day": e.day.isoformat(), "kind": "closed" if e.closed else "open",
                                   "start": e.starts_at.strftime("%H:%M") if e.starts_at else "",
                                   "end": e.ends_at.strftime("%H:%M") if e.ends_at else ""} for e in extra.exceptions]}
        else:
            form.kind.data, form.seats.data, form.active.data = ExtraKind.TIMED.value, 1, True
            rows = {"pattern": [], "exception": []}
        return _editor(seller, extra, form, rows, {}, references)
    rows = {"pattern": rows_of(request.form, "pattern"), "exception": rows_of(request.form, "exception")}
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            draft = extras.ExtraDraft(
                code=form.code.data, title=form.title.data, description=form.description.data or "",
                price_cents=form.price_cents(), duration_minutes=form.duration_minutes.data, kind=form.kind.data,
                seats=form.seats.data, active=form.active.data, patterns=patterns_from(rows["pattern"]),
                exceptions=exceptions_from(rows["exception"]))
            if extra is None:
                saved = seller.create(current_user._get_current_object(), draft)
            else:
                saved = extras.update_extra(current_user._get_current_object(), extra, draft)
        except InvalidInput as refused:
            db.session.rollback()
            for name, message in refused.fields.items():
                name = "price" if name == "price_cents" else name
                if name in ("patterns", "exceptions") or not hasattr(form, name):
                    errors[name] = str(message)
                else:
                    getattr(form, name).errors.append(str(message))
        else:
            flash(_("The extra %(title)s is saved.", title=saved.title), "success")
            return redirect(seller.list_url)
    return _editor(seller, extra, form, rows, errors, references, status=422)


def _editor(seller, extra, form, rows, errors, references, status=200):
    blank = {"weekday": "", "start": "", "end": "", "day": "", "kind": "closed"}
    patterns = rows["pattern"] + [blank] * max(PATTERN_ROWS - len(rows["pattern"]), 2)
    exceptions = rows["exception"] + [blank] * max(EXCEPTION_ROWS - len(rows["exception"]), 2)
    settings = bookings.settings_of(seller.organisation.id)
    return render_template("market/extras_edit.html", seller=seller, extra=extra, form=form, patterns=patterns,
                           exceptions=exceptions, errors=errors, references=references, weekdays=WEEKDAYS,
                           min_price_cents=settings.min_price_cents,
                           category_of={code: c.value for code, c in CATEGORY_OF_CODE.items()}), status


@bp.route("/teams/<int:team_id>/extras/new", methods=["GET", "POST"])
@login_required
def new_extra(team_id: int):
    return _edit(team_seller(_lead_team(team_id)), None)


@bp.route("/extras/<int:extra_id>/edit", methods=["GET", "POST"])
@login_required
def edit_extra(extra_id: int):
    extra = get_in_scope(current_user, Extra, extra_id, Perm.EXTRA_VIEW)
    authorize(current_user, Perm.EXTRA_EDIT, extra.provider)
    return _edit(seller_of(extra.provider), extra)


# -- the administrator's market settings ---------------------------------------------------------

@bp.route("/admin/market-settings", methods=["GET", "POST"])
@login_required
def market_settings():
    authorize(current_user, Perm.ORG_ADMIN, current_user.organisation)
    settings = bookings.settings_of(current_user.organisation_id)
    form = MarketSettingsForm()
    if request.method == "GET":
        for name in extras.SETTING_BOUNDS:
            if name != "min_price_cents":
                getattr(form, name).data = getattr(settings, name)
        form.min_price.data = f"{settings.min_price_cents // 100},{settings.min_price_cents % 100:02d}"
        return render_template("market/extras_settings.html", form=form)
    if form.validate_on_submit():
        try:
            extras.update_settings(current_user._get_current_object(), current_user.organisation, form.values())
        except InvalidInput as refused:
            db.session.rollback()
            for name, message in refused.fields.items():
                getattr(form, "min_price" if name == "min_price_cents" else name, form.min_price).errors.append(
                    str(message))
        else:
            flash(_("The market settings are saved."), "success")
            return redirect(url_for("extras.market_settings"))
    return render_template("market/extras_settings.html", form=form), 422
