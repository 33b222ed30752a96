"""The meter endpoint for a 40-line package next to a trivial endpoint of the same app.

Both are called through the WSGI app in-process (no network), on a fresh SQLite database,
so the figures are the server's own time: routing, session, access check, queries, JSON.
"""
from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import event

from care.catalogue import REFERENCE_FROM, load_catalogue
from care.models import Service, ServiceVersion, StaffLevel
from marketplace import create_app
from marketplace.core.extensions import db
from marketplace.core.roles import Role
from tests.factories import add_member, make_client, make_location, make_org, make_team, make_user

CALLS = 300
WARMUP = 20


def _percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def _setup(app):
    with app.app_context():
        db.create_all()
        org = make_org("Bench")
        location = make_location(org)
        team = make_team(org, location)
        carer = make_user(org, Role.CARER, email="carer@bench.test")
        add_member(team, carer, "carer")
        resident = make_client(org, location, team, profile="8VV")
        load_catalogue(org)
        n2 = db.session.scalar(db.select(StaffLevel).where(StaffLevel.organisation_id == org.id,
                                                           StaffLevel.code == "N2"))
        for i in range(1, 15):  # the reference catalogue has 26 package services; make it 40
            service = Service(organisation_id=org.id, code=f"B{i:02d}", name_nl=f"Extra dienst {i}",
                              name_en=f"Extra service {i}", category="core")
            service.versions = [ServiceVersion(minutes=5 + i, staff_level_id=n2.id, valid_from=REFERENCE_FROM)]
            db.session.add(service)
        db.session.commit()
        codes = [s.code for s in db.session.scalars(db.select(Service).where(
            Service.organisation_id == org.id, Service.category != "luxury").order_by(Service.code))]
        return resident.id, codes


def _time(client, call) -> list[float]:
    for _ in range(WARMUP):
        call(client)
    samples = []
    for _ in range(CALLS):
        start = time.perf_counter()
        response = call(client)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.get_data(as_text=True)
    return samples


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="zm-bench-"))
    app = create_app({"ZORGMARKT_MODE": "test", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite",
                      "SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789"})
    client_id, codes = _setup(app)
    client = app.test_client()
    login = client.post("/api/v1/auth/login", json={"email": "carer@bench.test", "password": "secret-password"})
    csrf = login.get_json()["csrf_token"]
    headers = {"X-CSRFToken": csrf}

    def meter_call(lines):
        return lambda c: c.post("/api/v1/meter", json={"client_id": client_id, "lines": lines}, headers=headers)

    lines_40 = [{"service": code, "per_week": 1 + i % 7} for i, code in enumerate(codes[:40])]
    assert len(lines_40) == 40
    trivial = _time(client, lambda c: c.get("/healthz"))
    meter_40 = _time(client, meter_call(lines_40))

    with app.app_context():
        engine = db.engine
    counts = {}
    for size in (1, 40):
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        meter_call(lines_40[:size])(client)
        event.remove(engine, "before_cursor_execute", listener)
        counts[size] = len(statements)

    print(f"meter benchmark: {CALLS} calls each after {WARMUP} warm-up calls, SQLite, in-process WSGI")
    print(f"{'endpoint':<34}{'p50 ms':>9}{'p95 ms':>9}{'mean ms':>9}")
    for name, samples in (("GET /healthz (trivial)", trivial), ("POST /api/v1/meter (40 lines)", meter_40)):
        print(f"{name:<34}{statistics.median(samples):>9.2f}{_percentile(samples, 95):>9.2f}"
              f"{statistics.fmean(samples):>9.2f}")
    print(f"SQL statements per meter call: {counts[1]} for 1 line, {counts[40]} for 40 lines")
