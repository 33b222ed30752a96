"""The budget meter while composing: lines priced on a day against the client's weekly budget."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from billing.savings import savings_balance_cents
from marketplace.core.db_types import local_today
from marketplace.core.errors import DomainError
from marketplace.core.policy import Perm, authorize

from .catalogue import PricedService, budget_on, price_list, thresholds_of
from .domain import Category, Meter, Settlement, measure_lines, settle, with_required
from .lines import LineInput, price_lines
from .models import Client, PackageVersion
from .requirements import requirements
from .versions import lines_of, shows_health, working_version


class ClientHasNoBudget(DomainError):
    """The client has no care profile, so no budget: the composer says so plainly."""

    code = "no_budget"


@dataclass(frozen=True)
class MeterReading:
    meter: Meter
    settlement: Settlement
    savings_balance_cents: int
    use_savings: bool

    def as_json(self) -> dict:
        m, s = self.meter, self.settlement
        return {
            "budget_cents": m.budget_cents,
            "health_cents": m.health_cents,
            "core_cents": m.core_cents,
            "total_cents": m.total_cents,
            "load_pct": float(m.load_pct),
            "colour": m.colour.value,
            "copay_cents": s.copay_cents,
            "from_savings_cents": s.from_savings,
            "to_savings_cents": s.to_savings,
            "org_shortfall_cents": s.reserve_cents,
            "reindication_needed": s.reindication_needed,
            "savings_balance_cents": self.savings_balance_cents,
            "use_savings": self.use_savings,
        }


def read_meter(client: Client, lines: list[LineInput], use_savings: bool, day: date | None = None,
               prices: dict[str, PricedService] | None = None, allow_inactive: bool = False) -> MeterReading:
    """The meter for ``lines`` on ``day`` (no access check: callers authorize first).

    :raises ClientHasNoBudget: no care profile.
    :raises InvalidPackage: see :func:`price_lines`.
    """
    day = day or local_today()
    budget = budget_on(client, day)
    if budget is None:
        raise ClientHasNoBudget()
    prices = prices if prices is not None else price_list(client.organisation, day)
    priced = price_lines(prices, lines, allow_inactive)
    meter = measure_lines(priced, budget, thresholds_of(client.organisation, day))
    balance = savings_balance_cents(client.id)
    return MeterReading(meter, settle(meter.health_cents, meter.core_cents, budget, balance, use_savings),
                        balance, use_savings)


def meter_for(actor, client: Client, lines: list[LineInput], use_savings: bool) -> MeterReading:
    """The meter while composing; for those who may compose or propose."""
    authorize(actor, Perm.PACKAGE_PROPOSE, client)
    return read_meter(client, complete_lines(actor, client, lines), use_savings)


def reading_of(client: Client, version: PackageVersion, day: date) -> MeterReading | None:
    """The meter of a saved version, priced on ``day``; None when the client has no budget."""
    try:
        return read_meter(client, lines_of(version), version.use_savings, day, allow_inactive=True)
    except ClientHasNoBudget:
        return None


def complete_lines(actor, client: Client, lines: list[LineInput]) -> list[LineInput]:
    """For someone who may not see health lines: keep the package's own health lines.

    They compose the chosen care; the health lines (at least what the risks require) come
    from the working version, unseen.
    """
    if shows_health(actor, client):
        return lines
    prices = price_list(client.organisation, local_today())
    health = {code for code, p in prices.items() if p.category == Category.HEALTH}
    kept = with_required({line.service: line.per_week for line in lines_of(working_version(client))
                          if line.service in health}, requirements(client))
    return [line for line in lines if line.service not in health] + [LineInput(c, n) for c, n in kept.items()]
