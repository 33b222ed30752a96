"""The team-options page and its API (issue 11) next to a trivial endpoint of the same app, in one run.

A resident's location is served by 40 teams, each with residents, a family waiting and a pending
choice; a family member with *decide* opens the options. In-process WSGI on a fresh SQLite
database: the figures are the server's own time. Throughput is reported as a ratio to /healthz.
"""
from __future__ import annotations

import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from marketplace import create_app
from marketplace.core.extensions import db
from marketplace.core.roles import Role
from marketplace.market.domain import next_monday
from marketplace.market.models import TeamChoice, WaitingEntry
from tests.factories import add_contact, make_client, make_location, make_org, make_team, make_user

CALLS = 200
WARMUP = 20
TEAMS = 40


def _setup(app) -> int:
    with app.app_context():
        db.create_all()
        org = make_org("Bench")
        location = make_location(org)
        teams = [make_team(org, location, "Team", capacity=12) for _ in range(TEAMS)]
        family = make_user(org, Role.FAMILY, email="family@bench.test")
        resident = make_client(org, location, teams[0])
        add_contact(resident, family, view=True, decide=True)
        for number, team in enumerate(teams):
            for _ in range(10):
                make_client(org, location, team)
            waiting = make_client(org, location, teams[(number + 1) % TEAMS])
            chooser = make_client(org, location, teams[(number + 1) % TEAMS])
            db.session.add(WaitingEntry(organisation_id=org.id, client_id=waiting.id, team_id=team.id,
                                        joined_by_id=family.id))
            db.session.add(TeamChoice(organisation_id=org.id, client_id=chooser.id, team_id=team.id,
                                      previous_team_id=chooser.team_id, chosen_by_id=family.id,
                                      effective_from=next_monday(date.today())))
        db.session.commit()
        return resident.id


def _time(client, path: str) -> list[float]:
    for _ in range(WARMUP):
        client.get(path)
    samples = []
    for _ in range(CALLS):
        start = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return samples


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="zm-bench-"))
    app = create_app({"ZORGMARKT_MODE": "test", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite",
                      "SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789"})
    client_id = _setup(app)
    client = app.test_client()
    login = client.post("/api/v1/auth/login", json={"email": "family@bench.test", "password": "secret-password"})
    assert login.status_code == 200
    rows = [("GET /healthz (trivial)", _time(client, "/healthz")),
            (f"GET team options page ({TEAMS} teams)", _time(client, f"/clients/{client_id}/teams")),
            (f"GET team-options API ({TEAMS} teams)", _time(client, f"/api/v1/clients/{client_id}/team-options"))]
    trivial = statistics.fmean(rows[0][1])
    print(f"team choice benchmark: {CALLS} calls each after {WARMUP} warm-up calls, SQLite, in-process WSGI")
    print(f"{'endpoint':<38}{'p50 ms':>9}{'p95 ms':>9}{'req/s':>9}{'vs trivial':>12}")
    for name, samples in rows:
        mean = statistics.fmean(samples)
        print(f"{name:<38}{statistics.median(samples):>9.2f}{sorted(samples)[int(len(samples) * .95) - 1]:>9.2f}"
              f"{1000 / mean:>9.0f}{trivial / mean:>11.2f}x")
