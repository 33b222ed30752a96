"""Package lines as the user gives them: shape-checked, then priced against the catalogue."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from marketplace.core.errors import InvalidInput

from .catalogue import PricedService
from .domain import Category, PricedLine


MAX_PER_WEEK = 99
MAX_LINES = 200


class InvalidPackage(InvalidInput):
    """Bad lines; ``errors`` maps a service code (or ``lines``) to a message for the user."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(next(iter(errors), "lines"), "; ".join(f"{k}: {v}" for k, v in errors.items()),
                         fields=errors, code="invalid_package")
        self.errors = errors


@dataclass(frozen=True)
class LineInput:
    service: str
    per_week: int


def parse_lines(raw) -> list[LineInput]:
    """Shape-check lines from JSON or a form: a list of ``{"service", "per_week"}``.

    :raises InvalidPackage: not a list, unknown keys, a frequency that is not a whole number
        from 0 to 99, or a service given twice.
    """
    if not isinstance(raw, list) or len(raw) > MAX_LINES:
        raise InvalidPackage({"lines": _("Send a list of at most %(n)d lines.", n=MAX_LINES)})
    errors: dict[str, str] = {}
    lines: list[LineInput] = []
    seen = set()
    for item in raw:
        if not isinstance(item, dict) or set(item) - {"service", "per_week"} or not isinstance(item.get("service"), str):
            errors["lines"] = _("Each line needs a service code and a number per week.")
            continue
        code = item["service"].strip().upper()[:10]
        per_week = item.get("per_week")
        if isinstance(per_week, bool) or not isinstance(per_week, int) or not 0 <= per_week <= MAX_PER_WEEK:
            errors[code] = _("Enter a whole number from 0 to %(max)d.", max=MAX_PER_WEEK)
            continue
        if code in seen:
            errors[code] = _("This service is listed twice.")
            continue
        seen.add(code)
        lines.append(LineInput(code, per_week))
    if errors:
        raise InvalidPackage(errors)
    return lines


def price_lines(prices: dict[str, PricedService], lines: list[LineInput],
                allow_inactive: bool = False) -> list[PricedLine]:
    """Price validated lines; zero-frequency lines are dropped.

    ``allow_inactive`` is for saved versions: a service retired since still shows its price.

    :raises InvalidPackage: an unknown or inactive service, or a luxury service.
    """
    errors: dict[str, str] = {}
    priced = []
    for line in lines:
        service = prices.get(line.service)
        if service is None or not (service.active or allow_inactive):
            errors[line.service] = _("Unknown or inactive service: %(code)s.", code=line.service)
        elif service.category == Category.LUXURY:
            errors[line.service] = _("%(code)s is a luxury service: it is bought as an extra, not put in the "
                                     "package.", code=line.service)
        elif line.per_week:
            priced.append(PricedLine(line.service, line.per_week, service.unit_cents,
                                     service.category == Category.HEALTH))
    if errors:
        raise InvalidPackage(errors)
    return priced


def planned_of(lines: list[LineInput]) -> dict[str, int]:
    return {line.service: line.per_week for line in lines if line.per_week}
