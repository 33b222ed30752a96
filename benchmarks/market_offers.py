"""The offers page (every team's published offer with its rating) for 400 teams, next to the
trivial endpoint of the same app in the same run; and its SQL statements for 4 and 400 teams.

In-process WSGI on a fresh SQLite database (and PostgreSQL when BENCH_DATABASE_URL is set), so
the figures are the server's own time: routing, session, access check, queries, template.
"""
from __future__ import annotations

import statistics
import time
from datetime import date

from sqlalchemy import event

from marketplace import create_app
from marketplace.core.extensions import db
from marketplace.core.roles import Role
from marketplace.market.models import TeamOffer, TeamRating
from tests.factories import add_contact, add_member, make_client, make_location, make_org, make_team, make_user

from .backends import drop, on_each_backend, p95

CALLS = 60
WARMUP = 5
MARKS = {"care": 8, "attention": 7, "communication": 8, "reliability": 9, "atmosphere": 8}


def _add_teams(org, location, n: int) -> None:
    for _ in range(n):
        team = make_team(org, location)
        lead = make_user(org, Role.TEAM_LEAD)
        add_member(team, lead, "team_lead", "N4")
        db.session.add(TeamOffer(organisation_id=org.id, team_id=team.id, version=1, published_on=date(2026, 11, 2),
                                 text="Wij zijn een vast team.", way_of_working="Kleinschalig en rustig.",
                                 languages=["Nederlands", "Engels"], known_for=[], capacity=12,
                                 published_by_id=lead.id))
        for _resident in range(2):
            resident = make_client(org, location, team)
            family = make_user(org, Role.FAMILY)
            add_contact(resident, family)
            db.session.add(TeamRating(organisation_id=org.id, team_id=team.id, client_id=resident.id,
                                      author_id=family.id, recommend=True, **MARKS))
    db.session.commit()


def _timed(client, path: str, calls: int = CALLS, warmup: int = WARMUP) -> list[float]:
    for _ in range(warmup):
        client.get(path)
    samples = []
    for _ in range(calls):
        start = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return samples


def _statements(app, client, path: str) -> int:
    with app.app_context():
        engine = db.engine
    seen = []
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    client.get(path)
    event.remove(engine, "before_cursor_execute", listener)
    return len(seen)


def _bench(url: str, backend: str) -> None:
    app = create_app({"ZORGMARKT_MODE": "test", "SQLALCHEMY_DATABASE_URI": url,
                      "SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        org = make_org("Bench")
        location = make_location(org)
        family = make_user(org, Role.FAMILY, email="family@bench.test")
        add_contact(make_client(org, location, None), family)
        _add_teams(org, location, 4)
        org_id, location_id = org.id, location.id
    client = app.test_client()
    client.post("/api/v1/auth/login", json={"email": "family@bench.test", "password": "secret-password"})
    small = _statements(app, client, "/offers")
    with app.app_context():
        org, location = db.session.get(type(org), org_id), db.session.get(type(location), location_id)
        _add_teams(org, location, 396)
    large = _statements(app, client, "/offers")
    trivial = _timed(client, "/healthz")
    offers_page = _timed(client, "/offers")
    ratio = statistics.median(offers_page) / statistics.median(trivial)
    print(f"offers page benchmark ({backend}): {CALLS} calls each after {WARMUP} warm-up calls, in-process WSGI")
    print(f"{'endpoint':<36}{'p50 ms':>9}{'p95 ms':>9}")
    for name, samples in (("GET /healthz (trivial)", trivial), ("GET /offers (400 teams)", offers_page)):
        print(f"{name:<36}{statistics.median(samples):>9.2f}{p95(samples):>9.2f}")
    print(f"GET /offers takes {ratio:.1f}x the trivial endpoint; "
          f"{1000 / statistics.median(offers_page):.0f} pages/s")
    print(f"SQL statements per offers page: {small} for 4 teams, {large} for 400 teams")
    drop(app)


def main() -> None:
    on_each_backend(_bench, "offers")


if __name__ == "__main__":
    main()
