"""The extras page (500 extras of 50 teams, each with its next free slot) next to the trivial
endpoint of the same app in the same run; and its SQL statements for 5 and 500 extras.

In-process WSGI on a fresh SQLite database (and PostgreSQL when BENCH_DATABASE_URL is set), so
the figures are the server's own time: routing, session, access check, queries, slots, template.
"""
from __future__ import annotations

import statistics
from datetime import time

from marketplace import create_app
from marketplace.core.extensions import db
from marketplace.core.roles import Role
from marketplace.market import bookings
from marketplace.market.models import AvailabilityPattern, Extra
from tests.factories import add_contact, add_member, make_client, make_location, make_org, make_team, make_user

from .backends import drop, on_each_backend, p95
from .market_offers import CALLS, WARMUP, _statements, _timed

CODES = (("X01", "outing"), ("X03", "pamper"), ("X04", "company"), ("F01", "pamper"), ("F04", "meals"))


def _add_extras(org, location, teams: int, per_team: int) -> None:
    for _ in range(teams):
        team = make_team(org, location)
        add_member(team, make_user(org, Role.TEAM_LEAD), "team_lead", "N4")
        provider = bookings.provider_for_team(team)
        for n in range(per_team):
            code, category = CODES[n % len(CODES)]
            extra = Extra(organisation_id=org.id, provider_id=provider.id, code=code, category=category,
                          title=f"Extra {n}", description="Een extra naast de zorg.", price_cents=1500 + 100 * n,
                          duration_minutes=60, kind="on_request" if n % 5 == 4 else "timed", seats=1 + n % 3)
            extra.patterns = [AvailabilityPattern(weekday=d, starts_at=time(10), ends_at=time(16)) for d in range(7)]
            db.session.add(extra)
    db.session.commit()


def _bench(url: str, backend: str) -> None:
    app = create_app({"ZORGMARKT_MODE": "test", "SQLALCHEMY_DATABASE_URI": url,
                      "SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        org = make_org("Bench")
        location = make_location(org)
        family = make_user(org, Role.FAMILY, email="family@bench.test")
        add_contact(make_client(org, location, None), family, decide=True)
        _add_extras(org, location, 1, 5)
        org_id, location_id = org.id, location.id
    client = app.test_client()
    client.post("/api/v1/auth/login", json={"email": "family@bench.test", "password": "secret-password"})
    small = _statements(app, client, "/extras")
    with app.app_context():
        org, location = db.session.get(type(org), org_id), db.session.get(type(location), location_id)
        _add_extras(org, location, 49, 10)
        _add_extras(org, location, 1, 5)
    large = _statements(app, client, "/extras")
    trivial = _timed(client, "/healthz")
    page = _timed(client, "/extras")
    ratio = statistics.median(page) / statistics.median(trivial)
    print(f"extras page benchmark ({backend}): {CALLS} calls each after {WARMUP} warm-up calls, in-process WSGI")
    print(f"{'endpoint':<36}{'p50 ms':>9}{'p95 ms':>9}")
    for name, samples in (("GET /healthz (trivial)", trivial), ("GET /extras (500 extras)", page)):
        print(f"{name:<36}{statistics.median(samples):>9.2f}{p95(samples):>9.2f}")
    print(f"GET /extras takes {ratio:.1f}x the trivial endpoint; {1000 / statistics.median(page):.0f} pages/s")
    print(f"SQL statements per extras page: {small} for 5 extras, {large} for 500 extras")
    drop(app)


def main() -> None:
    on_each_backend(_bench, "extras")


if __name__ == "__main__":
    main()
