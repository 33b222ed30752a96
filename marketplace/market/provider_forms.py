"""Forms of the provider's day and of rating an extra."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from .provider import MAX_COMMENT

STARS = [SelectChoice(str(n), str(n)) for n in range(5, 0, -1)]


class MarkForm(FlaskForm):
    outcome = RadioField(_l("Outcome"), choices=[SelectChoice("delivered", _l("Delivered")), SelectChoice("no_show", _l("No-show"))],
                         validators=[InputRequired()])


class ProviderCancelForm(FlaskForm):
    reason = TextAreaField(_l("Reason for the family"), validators=[DataRequired(), Length(max=500)])


class AnswerForm(FlaskForm):
    accept = RadioField(_l("Answer"), choices=[SelectChoice("yes", _l("Confirm")), SelectChoice("no", _l("Decline"))],
                        validators=[InputRequired()])
    reason = TextAreaField(_l("Reason (when you decline)"), validators=[Optional(), Length(max=500)])


class ExtraRatingForm(FlaskForm):
    stars = RadioField(_l("Stars"), choices=STARS, validators=[InputRequired()])
    comment = TextAreaField(_l("Comment (optional)"), validators=[Optional(), Length(max=MAX_COMMENT)])
