"""Forms of the freelancers' pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from .freelancers import MAX_BIO, MAX_NAME, MAX_REASON, ProfileInput, split_list


def _team_id(value):
    """The chosen team's id, or None for a choice that is not a number of ASCII digits."""
    return int(value) if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 19 else (
        value if isinstance(value, int) else None)


class ProfileForm(FlaskForm):
    # Lengths and formats are checked by freelancers.save_profile, all fields at once.
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=MAX_NAME)])
    kvk_number = StringField(_l("KvK number (8 digits)"), validators=[InputRequired()])
    big_number = StringField(_l("BIG number (11 digits, for nurses; optional)"), validators=[Optional()])
    home_team_id = SelectField(_l("Home team"), coerce=_team_id, validate_choice=False)
    skills = StringField(_l("Skills (separated by commas)"), validators=[Optional(), Length(max=1300)])
    languages = StringField(_l("Languages (separated by commas)"), validators=[Optional(), Length(max=1300)])
    bio = TextAreaField(_l("About you (short)"), validators=[Optional(), Length(max=MAX_BIO)])

    def profile(self) -> ProfileInput:
        return ProfileInput(name=self.name.data or "", kvk_number=self.kvk_number.data or "",
                            big_number=self.big_number.data or "", home_team_id=self.home_team_id.data,
                            skills=split_list(self.skills.data), languages=split_list(self.languages.data),
                            bio=self.bio.data or "")

    def fill(self, freelancer) -> None:
        self.name.data, self.kvk_number.data = freelancer.name, freelancer.kvk_number
        self.big_number.data = freelancer.big_number or ""
        self.home_team_id.data = freelancer.home_team_id
        self.skills.data, self.languages.data = ", ".join(freelancer.skills), ", ".join(freelancer.languages)
        self.bio.data = freelancer.bio


class SuspendForm(FlaskForm):
    reason = TextAreaField(_l("Reason (the freelancer reads it)"),
                           validators=[InputRequired(), Length(max=MAX_REASON)])
