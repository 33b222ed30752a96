"""Forms of the extras pages: the lead's extra with its availability rows, the administrator's
market settings. The availability rows are plain inputs named ``pattern-<n>-…`` and
``exception-<n>-…`` (a form of its own per row would be heavier than the rows themselves)."""
from __future__ import annotations

import re
from datetime import time

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from marketplace.core.errors import InvalidInput
from marketplace.core.forms import AsciiIntegerField
from marketplace.core.money import InvalidAmount, parse_euro
from marketplace.core.numbers import parse_iso_date

from . import extras
from .extras_domain import Exception_, ExtraKind, Pattern

_CLOCK = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])", re.ASCII)
PATTERN_ROWS = 7
EXCEPTION_ROWS = 3


class ExtraForm(FlaskForm):
    code = SelectField(_l("Service"), validators=[DataRequired()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=extras.MAX_TITLE)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=extras.MAX_DESCRIPTION)])
    price = StringField(_l("Price (euro)"), validators=[DataRequired()])
    duration_minutes = AsciiIntegerField(_l("Duration (minutes)"),
                                         validators=[InputRequired(), NumberRange(min=1, max=extras.MAX_DURATION)])
    kind = RadioField(_l("Kind"), choices=[SelectChoice(ExtraKind.TIMED.value, _l("Timed: families choose a slot")),
                                           SelectChoice(ExtraKind.ON_REQUEST.value,
                                                        _l("On request: families propose a moment, you confirm"))],
                      validators=[DataRequired()])
    seats = AsciiIntegerField(_l("Places per slot"), validators=[InputRequired(),
                                                                  NumberRange(min=1, max=extras.MAX_SEATS)])
    active = BooleanField(_l("Offered to families"))

    def fill(self, draft: extras.ExtraDraft) -> None:
        self.code.data, self.title.data, self.description.data = draft.code, draft.title, draft.description
        self.price.data = f"{draft.price_cents // 100},{draft.price_cents % 100:02d}"
        self.duration_minutes.data, self.kind.data = draft.duration_minutes, draft.kind
        self.seats.data, self.active.data = draft.seats, draft.active

    def price_cents(self) -> int:
        """:raises InvalidInput: (on ``price``)"""
        try:
            return parse_euro(self.price.data or "")
        except InvalidAmount as exc:
            raise InvalidInput("price", exc.message) from None


def _clock(text: str, field: str) -> time:
    if not _CLOCK.fullmatch(text):
        raise InvalidInput(field, _l("Give every time like 09:30."))
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def rows_of(form: dict, prefix: str) -> list[dict[str, str]]:
    """The rows ``<prefix>-0-…``, ``<prefix>-1-…`` as entered (trimmed), empty ones left out."""
    rows, index = [], 0
    while index <= extras.MAX_WINDOWS and any(key.startswith(f"{prefix}-{index}-") for key in form):
        row = {key.rsplit("-", 1)[1]: (form.get(key) or "").strip()[:20] for key in form
               if key.startswith(f"{prefix}-{index}-")}
        if any(value for name, value in row.items() if name != "kind"):
            rows.append(row)
        index += 1
    return rows


def patterns_from(rows: list[dict[str, str]]) -> list[Pattern]:
    """:raises InvalidInput: (on ``patterns``) a row without a weekday or with a time not like 09:30."""
    result = []
    for row in rows:
        weekday = row.get("weekday", "")
        if weekday not in {str(n) for n in range(7)}:
            raise InvalidInput("patterns", _l("Choose a weekday for every time."))
        result.append(Pattern(int(weekday), _clock(row.get("start", ""), "patterns"),
                              _clock(row.get("end", ""), "patterns")))
    return result


def exceptions_from(rows: list[dict[str, str]]) -> list[Exception_]:
    """:raises InvalidInput: (on ``exceptions``)"""
    result = []
    for row in rows:
        try:
            day = parse_iso_date(row.get("day", ""), "exceptions")
        except InvalidInput:
            raise InvalidInput("exceptions", _l("Give every exception a date like 2026-12-24.")) from None
        closed = row.get("kind", "closed") != "open"
        start = _clock(row["start"], "exceptions") if row.get("start") else None
        end = _clock(row["end"], "exceptions") if row.get("end") else None
        result.append(Exception_(day, closed, start, end))
    return result


class MarketSettingsForm(FlaskForm):
    team_org_share_pct = AsciiIntegerField(_l("Organisation's share of a team's extra (%)"),
                                           validators=[InputRequired(), NumberRange(min=0, max=100)])
    freelancer_org_share_pct = AsciiIntegerField(_l("Organisation's share of a freelancer's extra (%)"),
                                                 validators=[InputRequired(), NumberRange(min=0, max=100)])
    home_team_share_pct = AsciiIntegerField(_l("Home team's share of a freelancer's extra (%)"),
                                            validators=[InputRequired(), NumberRange(min=0, max=100)])
    min_price = StringField(_l("Minimum price of an extra (euro)"), validators=[DataRequired()])
    hold_minutes = AsciiIntegerField(_l("Minutes a seat is held for payment"),
                                     validators=[InputRequired(), NumberRange(min=30, max=1440)])
    free_cancel_hours = AsciiIntegerField(_l("Free cancellation until this many hours before the start"),
                                          validators=[InputRequired(), NumberRange(min=0, max=720)])
    late_refund_pct = AsciiIntegerField(_l("Refund of a later cancellation (%)"),
                                        validators=[InputRequired(), NumberRange(min=0, max=100)])

    def values(self) -> dict[str, int]:
        """:raises InvalidInput: (on ``min_price``)"""
        try:
            min_price = parse_euro(self.min_price.data or "")
        except InvalidAmount as exc:
            raise InvalidInput("min_price", exc.message) from None
        return {name: getattr(self, name).data for name in extras.SETTING_BOUNDS if name != "min_price_cents"} | {
            "min_price_cents": min_price}
