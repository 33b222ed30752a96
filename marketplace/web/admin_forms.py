"""Forms of the administrator's pages for running the organisation."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from marketplace.core.forms import AsciiDateField, AsciiIntegerField


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes (rendered in a fieldset by the template)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SettingsForm(FlaskForm):
    orange_from_pct = AsciiIntegerField(_l("Orange from (percent of the budget)"), validators=[InputRequired()])
    red_above_pct = AsciiIntegerField(_l("Red above (percent of the budget)"), validators=[InputRequired()])
    overhead_pct = AsciiIntegerField(_l("Overhead (%)"), validators=[InputRequired()])
    valid_from = AsciiDateField(_l("From"), validators=[InputRequired()])


class UserForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    # The use case judges the roles (and says why family is refused).
    roles = CheckboxesField(_l("Roles"), validate_choice=False)
    active = BooleanField(_l("Active (may log in)"), default=True)


class NewUserForm(UserForm):
    password = PasswordField(_l("First password (hand it over; at least 10 characters)"),
                             validators=[DataRequired(), Length(max=200)])


class LocationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    city = StringField(_l("City"), validators=[Optional(), Length(max=100)])
    active = BooleanField(_l("Active"), default=True)


class TeamForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    locations = CheckboxesField(_l("Locations"), coerce=int)
    target_groups = CheckboxesField(_l("Target groups"))
    capacity = AsciiIntegerField(_l("Capacity (places)"), validators=[InputRequired()])
    active = BooleanField(_l("Active"), default=True)
