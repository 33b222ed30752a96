"""Forms every package uses, and fields that accept ASCII digits only."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField

from .errors import InvalidInput
from .numbers import parse_int, parse_iso_date


class EmptyForm(FlaskForm):
    """A form with only its CSRF token, for buttons that change something."""


class AsciiIntegerField(IntegerField):
    """An IntegerField that refuses ``"١٢"`` and ``"１２"`` (``int()`` accepts them) and numbers no
    column can hold; bounds stay with ``NumberRange``."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.data = None
        try:
            self.data = parse_int(valuelist[0], self.name)
        except InvalidInput as exc:
            raise ValueError(_l("Enter a whole number.")) from exc


class AsciiDateField(DateField):
    """A date written 2026-11-30 in ASCII digits (``strptime`` accepts other digits and ``2026-1-5``)."""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0]:
            return
        self.data = None
        try:
            self.data = parse_iso_date(valuelist[0], self.name)
        except InvalidInput as exc:
            raise ValueError(_l("Enter a date like 2026-11-30.")) from exc
