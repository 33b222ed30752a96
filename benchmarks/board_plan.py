"""The board's scenario tool and staffing page (issue 14) on a generated organisation of 40 teams
and 4,000 residents, next to the trivial endpoint of the same app in the same run; and their SQL
statements for 4 and for 40 teams (the count must not grow with the teams).

Residents get the three 5VV packages of DOMAIN.md §4's worked examples in turn (health lines
H01×21, H04×14, H10×14 and the core lines of each) with C09 and C10 varied, 60 different packages
in all; every team has ten members of mixed levels.
Rows go in with bulk inserts. The scenario changes wages +5 %, budgets +2 %, one team's 5VV
residents and C02's frequency: every resident's week is recomputed from the snapshot.

In-process WSGI on a fresh SQLite database (and PostgreSQL when BENCH_DATABASE_URL is set), so
the figures are the server's own time: routing, session, access check, queries, computation,
rendering.
"""
from __future__ import annotations

import statistics
import time
from datetime import date

from sqlalchemy import insert, select

from care.catalogue import load_catalogue
from care.models import Client, PackageLine, PackageVersion, Service
from care.models.packages import Status
from marketplace import create_app
from marketplace.core.extensions import db
from marketplace.core.roles import Role
from teams.models import TeamMembership
from tests.factories import make_location, make_org, make_team, make_user

from .backends import drop, on_each_backend, p95
from .market_offers import _statements, _timed

CALLS = 20
WARMUP = 3
LEVELS = ("N2", "N2", "N3", "N3", "N3", "N3", "N4", "N4", "N5", "W")
HEALTH = {"H01": 21, "H04": 14, "H10": 14}
PACKAGES = (
    {"C01": 7, "C02": 2, "C03": 7, "C07": 8, "C08": 3},
    {"C01": 7, "C02": 2, "C03": 7, "C04": 7, "C07": 8, "C08": 5},
    {"C01": 7, "C02": 2, "C03": 7, "C04": 7, "C07": 10, "C08": 5},
)
CHUNK = 20_000


def _package(i: int) -> dict[str, int]:
    """Resident ``i``'s lines: a worked example with attention (C09) and walks (C10) varied: 60 packages."""
    return {**HEALTH, **PACKAGES[i % 3], "C09": i % 4, "C10": i % 5}


def _bulk(model, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(model), rows[start:start + CHUNK])


def add_teams(org, location, teams: int, residents_per_team: int, nurse_id: int) -> None:
    """``teams`` teams of ten members, each with ``residents_per_team`` residents and packages; commits."""
    services = dict(db.session.execute(select(Service.code, Service.id).where(Service.organisation_id == org.id)).all())
    team_rows = [make_team(org, location, "Team", capacity=residents_per_team + 10) for _ in range(teams)]
    members = []
    for team in team_rows:
        for i, level in enumerate(LEVELS):
            members.append({"team_id": team.id, "user_id": make_user(org, Role.CARER).id, "role": "carer",
                            "staff_level": level, "contract_hours": 24 + 4 * (i % 4)})
    _bulk(TeamMembership, members)
    first = (db.session.scalar(select(Client.id).order_by(Client.id.desc()).limit(1)) or 0) + 1
    count = teams * residents_per_team
    _bulk(Client, [{"id": first + i, "organisation_id": org.id, "location_id": location.id,
                    "team_id": team_rows[i % teams].id, "name": f"Bewoner {first + i}",
                    "date_of_birth": date(1940, 1, 1), "room": str(i), "care_profile": "5VV",
                    "target_group": "pg", "start_date": date(2025, 1, 6)} for i in range(count)])
    _bulk(PackageVersion, [{"id": first + i, "client_id": first + i, "number": 1, "status": Status.ACTIVE.value,
                            "created_by_id": nurse_id, "active_from": date(2025, 1, 6)} for i in range(count)])
    _bulk(PackageLine, [{"version_id": first + i, "service_id": services[code], "per_week": n}
                        for i in range(count) for code, n in _package(i).items() if n])
    db.session.commit()
    if db.engine.dialect.name == "postgresql":  # as autovacuum would: plans from real row counts
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")


def _bench(url: str, backend: str) -> None:
    app = create_app({"ZORGMARKT_MODE": "test", "SQLALCHEMY_DATABASE_URI": url,
                      "SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789"})
    started = time.perf_counter()
    with app.app_context():
        db.drop_all()
        db.create_all()
        org = make_org("Bench")
        location = make_location(org)
        load_catalogue(org)
        make_user(org, Role.BOARD, email="board@bench.test")
        nurse_id = make_user(org, Role.NURSE).id
        add_teams(org, location, 4, 100, nurse_id)
        org_id, location_id = org.id, location.id
    client = app.test_client()
    login = client.post("/api/v1/auth/login", json={"email": "board@bench.test", "password": "secret-password"})
    csrf = login.get_json()["csrf_token"]
    created = client.post("/api/v1/board/scenarios", headers={"X-CSRFToken": csrf}, json={
        "name": "Bench", "wage_pct": 5, "budget_pct": 2, "frequencies": [{"service": "C02", "per_week": 3}]})
    assert created.status_code == 201, created.get_data(as_text=True)
    scenario = created.get_json()["id"]
    paths = {"scenario (API)": f"/api/v1/board/scenarios/{scenario}", "scenario page": f"/board/scenarios/{scenario}",
             "staffing page": "/board/staffing"}
    small = {name: _statements(app, client, path) for name, path in paths.items()}
    with app.app_context():
        org, location = db.session.get(type(org), org_id), db.session.get(type(location), location_id)
        add_teams(org, location, 36, 100, nurse_id)
    print(f"board plan benchmark ({backend}): 40 teams, 4,000 residents with packages, 400 members; "
          f"generated in {time.perf_counter() - started:.1f} s")
    large = {name: _statements(app, client, path) for name, path in paths.items()}
    trivial = _timed(client, "/healthz", CALLS, WARMUP)
    timings = {name: _timed(client, path, CALLS, WARMUP) for name, path in paths.items()}
    print(f"{CALLS} calls each after {WARMUP} warm-up calls, in-process WSGI")
    print(f"{'endpoint':<40}{'p50 ms':>9}{'p95 ms':>9}{'x trivial':>11}{'SQL 4/40 teams':>16}")
    base = statistics.median(trivial)
    for name, samples in (("GET /healthz (trivial)", trivial), *timings.items()):
        sql = f"{small[name]}/{large[name]}" if name in small else ""
        print(f"{name:<40}{statistics.median(samples):>9.2f}{p95(samples):>9.2f}"
              f"{statistics.median(samples) / base:>11.1f}{sql:>16}")
    drop(app)


def main() -> None:
    on_each_backend(_bench, "board-plan")


if __name__ == "__main__":
    main()
