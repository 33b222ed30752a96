"""Forms of the offer and rating pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from marketplace.core.forms import AsciiIntegerField

from .offers import MAX_CAPACITY, MAX_TEXT, OfferDraft
from .rating_rules import HIGH, LOW

MARKS = [SelectChoice(str(n), str(n)) for n in range(HIGH, LOW - 1, -1)]


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class OfferForm(FlaskForm):
    text = TextAreaField(_l("Who we are"), validators=[Optional(), Length(max=MAX_TEXT)])
    way_of_working = TextAreaField(_l("How we work"), validators=[Optional(), Length(max=MAX_TEXT)])
    languages = StringField(_l("Languages we speak (separated by commas)"), validators=[Optional(), Length(max=450)])
    known_for = CheckboxesField(_l("Services we are known for"), validators=[Optional()])
    capacity = AsciiIntegerField(_l("Capacity (maximum number of residents)"),
                                 validators=[InputRequired(), NumberRange(min=0, max=MAX_CAPACITY)])

    def draft(self, member_languages: dict[int, list[str]]) -> OfferDraft:
        return OfferDraft(text=self.text.data or "", way_of_working=self.way_of_working.data or "",
                          languages=[part for part in (self.languages.data or "").split(",")],
                          known_for=list(self.known_for.data or []), capacity=self.capacity.data,
                          member_languages=member_languages)

    def fill(self, draft: OfferDraft) -> None:
        self.text.data, self.way_of_working.data = draft.text, draft.way_of_working
        self.languages.data = ", ".join(draft.languages)
        self.known_for.data = list(draft.known_for)
        self.capacity.data = draft.capacity


class RatingForm(FlaskForm):
    client_id = SelectField(_l("On behalf of"), coerce=int, validators=[InputRequired()])
    care = SelectField(_l("Care"), choices=MARKS, validators=[DataRequired()])
    attention = SelectField(_l("Time and attention"), choices=MARKS, validators=[DataRequired()])
    communication = SelectField(_l("Communication"), choices=MARKS, validators=[DataRequired()])
    reliability = SelectField(_l("Reliability"), choices=MARKS, validators=[DataRequired()])
    atmosphere = SelectField(_l("Atmosphere"), choices=MARKS, validators=[DataRequired()])
    recommend = RadioField(_l("Would you recommend this team?"), choices=[SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))],
                           validators=[DataRequired()])
    comment = TextAreaField(_l("Comment (optional; please do not write about health)"),
                            validators=[Optional(), Length(max=2000)])


class ReplyForm(FlaskForm):
    reply = TextAreaField(_l("Your reply"), validators=[DataRequired(), Length(max=2000)])


class HideForm(FlaskForm):
    reason = StringField(_l("Reason for hiding (the family is told)"), validators=[DataRequired(), Length(max=500)])
