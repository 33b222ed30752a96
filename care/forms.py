"""Forms of the care pages. The composer's lines are parsed by ``lines_from_form``."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from marketplace.core.forms import AsciiDateField, AsciiIntegerField
from marketplace.core.numbers import InvalidNumber, parse_int

from .lines import MAX_PER_WEEK, InvalidPackage, LineInput

FIELD_PREFIX = "n_"


def lines_from_form(form) -> list[LineInput]:
    """Read ``n_<CODE>`` inputs; an empty input means 0.

    :raises InvalidPackage: a value that is not a whole number from 0 to 99.
    """
    lines, errors = [], {}
    for key, value in form.items():
        if not key.startswith(FIELD_PREFIX):
            continue
        code = key[len(FIELD_PREFIX):].upper()[:10]
        if value.strip() == "":
            lines.append(LineInput(code, 0))
            continue
        try:
            lines.append(LineInput(code, parse_int(value, code, high=MAX_PER_WEEK)))
        except InvalidNumber:
            errors[code] = _("Enter a whole number from 0 to %(max)d.", max=MAX_PER_WEEK)
    if errors:
        raise InvalidPackage(errors)
    return lines


def typed_lines(form) -> dict[str, str]:
    """The ``n_<CODE>`` inputs exactly as typed (shortened), to show them again after an error."""
    return {key[len(FIELD_PREFIX):].upper()[:10]: value[:10] for key, value in form.items()
            if key.startswith(FIELD_PREFIX)}


class InviteContactForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email(check_deliverability=False),
                                                        Length(max=254)])
    relation = StringField(_l("Relation to the resident"), validators=[Optional(), Length(max=100)])
    can_view = BooleanField(_l("May view"), default=True)
    can_decide = BooleanField(_l("May decide (package, team, bookings)"))
    can_pay = BooleanField(_l("May pay"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not (self.can_view.data or self.can_decide.data or self.can_pay.data):
            self.can_view.errors.append(_("Give the contact at least one right."))
            return False
        return valid


class ComposerForm(FlaskForm):
    """CSRF and the fields beside the lines."""

    use_savings = BooleanField(_l("Use savings for what is above the budget"))
    reason = StringField(_l("Why this change? (saved with the version)"), validators=[Optional(), Length(max=500)])


class SignOffForm(FlaskForm):
    active_from = AsciiDateField(_l("Active from"), validators=[Optional()])


class ReviewForm(FlaskForm):
    outcome = RadioField(_l("Outcome"), choices=[SelectChoice("confirmed", _l("Package confirmed")),
                                                 SelectChoice("changed", _l("Package changed"))],
                         validators=[DataRequired()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
    reason = TextAreaField(_l("Reason for an extra review"), validators=[Optional(), Length(max=500)])


class ServiceChangeForm(FlaskForm):
    minutes = AsciiIntegerField(_l("Minutes"), validators=[InputRequired(), NumberRange(min=1, max=1440)])
    level = SelectField(_l("Staff level"), validators=[DataRequired()])
    material = StringField(_l("Material cost (euro)"), default="0", validators=[Length(max=12)])
    valid_from = AsciiDateField(_l("From"), validators=[InputRequired()])
    active = BooleanField(_l("Active"), default=True)


class RateChangeForm(FlaskForm):
    rate = StringField(_l("Hourly cost (euro)"), validators=[DataRequired(), Length(max=12)])
    valid_from = AsciiDateField(_l("From"), validators=[InputRequired()])


class BudgetOverrideForm(FlaskForm):
    care_profile = SelectField(_l("Care profile"), validators=[DataRequired()])
    weekly = StringField(_l("Weekly budget (euro)"), validators=[DataRequired(), Length(max=12)])
    valid_from = AsciiDateField(_l("From"), validators=[InputRequired()])
