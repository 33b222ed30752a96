"""The administrator's catalogue: services, hourly rates and budgets per profile, each from a date."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from marketplace.core.db_types import local_today
from marketplace.core.errors import DomainError, InvalidInput
from marketplace.core.extensions import db
from marketplace.core.forms import EmptyForm
from marketplace.core.money import InvalidAmount, format_euro, parse_euro
from marketplace.core.policy import Perm, authorize, get_in_scope

from . import catalogue
from .forms import BudgetOverrideForm, RateChangeForm, ServiceChangeForm
from .models import BudgetOverride, CareProfile, Service, ServiceVersion, StaffLevel, StaffLevelRate

bp = Blueprint("catalogue", __name__, url_prefix="/admin/catalogue")


def _levels() -> list[StaffLevel]:
    return list(db.session.scalars(select(StaffLevel).where(StaffLevel.organisation_id == current_user.organisation_id)
                                   .order_by(StaffLevel.code)))


def _budget_form() -> BudgetOverrideForm:
    form = BudgetOverrideForm()
    form.care_profile.choices = [SelectChoice(code, code) for code in db.session.scalars(
        select(CareProfile.code).order_by(CareProfile.hours_per_week_centi))]
    return form


def _page(status=200, **forms):
    org = current_user.organisation
    overrides = list(db.session.scalars(select(BudgetOverride).where(BudgetOverride.organisation_id == org.id)
                                        .order_by(BudgetOverride.care_profile, BudgetOverride.valid_from)))
    context = {
        "prices": catalogue.price_list(org, local_today()), "levels": _levels(), "overrides": overrides,
        "locale": str(get_locale()), "rate_form": forms.get("rate_form") or RateChangeForm(),
        "budget_form": forms.get("budget_form") or _budget_form(), "rate_level": forms.get("rate_level"),
        "today": local_today(),
    }
    return render_template("care/catalogue.html", **context), status


@bp.route("")
@login_required
def index():
    authorize(current_user, Perm.CATALOGUE_EDIT, current_user.organisation)
    return _page()


@bp.route("/services/<int:service_id>", methods=["GET", "POST"])
@login_required
def edit_service(service_id: int):
    service = get_in_scope(current_user, Service, service_id, Perm.CATALOGUE_EDIT)
    current = catalogue.valid_on(service.versions, local_today()) or service.versions[-1]
    form = ServiceChangeForm(minutes=current.minutes, level=current.level.code,
                             material=format_euro(current.material_cents).removeprefix("€ "),
                             active=service.active, valid_from=local_today())
    form.level.choices = [SelectChoice(level.code, f"{level.code} – {level.name_nl}") for level in _levels()]
    if form.validate_on_submit():
        try:
            catalogue.change_service(current_user, service, minutes=form.minutes.data, level_code=form.level.data,
                                     material_cents=parse_euro(form.material.data or "0"),
                                     valid_from=form.valid_from.data, active=form.active.data)
        except InvalidAmount:
            form.material.errors.append(_("Enter an amount in euros, such as 2,50."))
        except InvalidInput as exc:
            getattr(form, exc.field, form.minutes).errors.append(exc.message)
        else:
            flash(_("The change to %(code)s is saved.", code=service.code), "success")
            return redirect(url_for(".index"))
    status = 422 if form.errors else 200
    return render_template("care/service_edit.html", service=service, form=form, today=local_today()), status


@bp.route("/levels/<int:level_id>", methods=["POST"])
@login_required
def change_rate(level_id: int):
    level = get_in_scope(current_user, StaffLevel, level_id, Perm.CATALOGUE_EDIT)
    form = RateChangeForm()
    if form.validate_on_submit():
        try:
            catalogue.change_rate(current_user, level, base_hourly_cents=parse_euro(form.rate.data),
                                  valid_from=form.valid_from.data)
        except InvalidAmount:
            form.rate.errors.append(_("Enter an amount in euros, such as 41,00."))
        except InvalidInput as exc:
            getattr(form, exc.field, form.rate).errors.append(exc.message)
        else:
            flash(_("The new hourly cost of %(code)s is saved.", code=level.code), "success")
            return redirect(url_for(".index"))
    return _page(422, rate_form=form, rate_level=level.id)


@bp.route("/budgets", methods=["POST"])
@login_required
def set_budget():
    authorize(current_user, Perm.CATALOGUE_EDIT, current_user.organisation)
    form = _budget_form()
    if form.validate_on_submit():
        try:
            catalogue.set_budget_override(current_user, current_user.organisation, care_profile=form.care_profile.data,
                                          weekly_cents=parse_euro(form.weekly.data), valid_from=form.valid_from.data)
        except InvalidAmount:
            form.weekly.errors.append(_("Enter an amount in euros, such as 885,60."))
        except InvalidInput as exc:
            getattr(form, exc.field, form.weekly).errors.append(exc.message)
        else:
            flash(_("The budget for %(code)s is saved.", code=form.care_profile.data), "success")
            return redirect(url_for(".index"))
    return _page(422, budget_form=form)


# -- corrections of what has not yet taken effect ------------------------------------------

def _correct_or_withdraw(correct, withdraw, amount_field: str, example: str, what: str):
    """One button row: ``action=withdraw`` withdraws; otherwise the amount in ``amount_field`` corrects.
    A refusal (in effect already, a bad amount) is said in a flash; nothing is changed."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        if request.form.get("action") == "withdraw":
            withdraw()
            flash(_("%(what)s is withdrawn.", what=what), "success")
        else:
            correct(parse_euro(request.form.get(amount_field, "")))
            flash(_("%(what)s is corrected.", what=what), "success")
    except InvalidAmount:
        flash(_("Enter an amount in euros, such as %(example)s.", example=example), "error")
    except DomainError as exc:
        flash(str(exc.message), "error")
    return redirect(url_for(".index"))


@bp.route("/rates/<int:rate_id>", methods=["POST"])
@login_required
def correct_rate(rate_id: int):
    rate = get_in_scope(current_user, StaffLevelRate, rate_id, Perm.CATALOGUE_EDIT)
    return _correct_or_withdraw(
        lambda cents: catalogue.correct_rate(current_user, rate, base_hourly_cents=cents),
        lambda: catalogue.withdraw_rate(current_user, rate), "rate", "41,00",
        _("The hourly cost of %(code)s from %(day)s", code=rate.level.code, day=rate.valid_from.isoformat()))


@bp.route("/budgets/<int:budget_id>", methods=["POST"])
@login_required
def correct_budget(budget_id: int):
    override = get_in_scope(current_user, BudgetOverride, budget_id, Perm.CATALOGUE_EDIT)
    return _correct_or_withdraw(
        lambda cents: catalogue.correct_budget(current_user, override, weekly_cents=cents),
        lambda: catalogue.withdraw_budget(current_user, override), "weekly", "885,60",
        _("The budget for %(code)s from %(day)s", code=override.care_profile, day=override.valid_from.isoformat()))


@bp.route("/versions/<int:version_id>/withdraw", methods=["POST"])
@login_required
def withdraw_version(version_id: int):
    version = get_in_scope(current_user, ServiceVersion, version_id, Perm.CATALOGUE_EDIT)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        catalogue.withdraw_version(current_user, version)
    except DomainError as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("The change to %(code)s from %(day)s is withdrawn.", code=version.service.code,
                day=version.valid_from.isoformat()), "success")
    return redirect(url_for(".edit_service", service_id=version.service_id))
