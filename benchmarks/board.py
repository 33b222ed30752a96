"""The board's competition dashboard (issue 14) on a generated organisation, next to the trivial
endpoint of the same app in the same run; and its SQL statements for a small and the large
organisation (the count must not grow with the number of teams).

The generator (:func:`generate`) builds an organisation of ``teams`` teams with ten members
each, ``residents`` residents with a 5VV package (a quarter of them with a health risk, one in
twenty of those not covered), a tenth of them switched team half-way, a waiting list, a year of
weekly settlements booked straight into the ledger (the worked example of DOMAIN.md §4: four
lines a week per resident) and a few hundred extras with refunds, some of freelancers. Rows go
in with bulk inserts, so a year for 4,000 residents (about 208,000 entries, 830,000 lines) is
written in bounded time. BENCH_BOARD_WEEKS (default 52) shortens the year for a quick run.

In-process WSGI on a fresh SQLite database (and PostgreSQL when BENCH_DATABASE_URL is set), so the
figures are the server's own time: routing, session, access check, queries, template. "Cold"
sums the year of ledger lines on every call; "remembered" is the usual case, the ledger
unchanged since the last view (board/competition.py ``ledger_figures``). Other
helpers add their rows (the scenario tool) by calling :func:`generate` and ``timed``.
"""
from __future__ import annotations

import os
import statistics
import time
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import event, insert, select, text

from billing.domain import AccountKind, LineKind
from billing.models import Account, JournalEntry, LedgerLine
from care.catalogue import load_catalogue
from care.domain import settle
from care.models import Client, HealthRisk, PackageLine, PackageVersion, Service
from care.models.packages import Status
from care.risk_rules import load_rules
from marketplace import create_app
from marketplace.board import competition
from marketplace.core.extensions import db
from marketplace.core.roles import Role
from marketplace.market.models import WaitingEntry
from teams.models import Team, TeamAssignment, TeamMembership
from tests.factories import make_location, make_org, make_team, make_user

from .backends import drop, on_each_backend, p95

CALLS = 30
COLD_CALLS = 10
WARMUP = 3
FIRST_MONDAY = date(2025, 12, 1)
PERIOD = "date_from=2026-11-01&date_to=2026-11-30"
LEVELS = ("N2", "N2", "N3", "N3", "N3", "N3", "N4", "N4", "N5", "W")
WEEK = settle(22890, 51380, 88560)  # DOMAIN.md §4, the first worked example
CHUNK = 20_000


def _bulk(model, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(model), rows[start:start + CHUNK])


def _accounts(org_id: int, keys: dict[str, dict]) -> dict[str, int]:
    _bulk(Account, [{"organisation_id": org_id, "key": key, **fields} for key, fields in keys.items()])
    return dict(db.session.execute(select(Account.key, Account.id).where(Account.organisation_id == org_id)).all())


def generate(teams: int, residents: int, weeks: int, email: str) -> int:
    """An organisation as in the module docstring, with a board user ``email``; commits.
    :returns: the organisation's id."""
    org = make_org("Bench")
    location = make_location(org)
    load_catalogue(org)
    load_rules(org)
    board = make_user(org, Role.BOARD, email=email)
    team_rows = [make_team(org, location, "Team", capacity=residents // teams + 10) for _ in range(teams)]
    db.session.flush()
    members = []
    for team in team_rows:
        for i, level in enumerate(LEVELS):
            user = make_user(org, Role.CARER)
            members.append({"team_id": team.id, "user_id": user.id, "role": "carer", "staff_level": level,
                            "contract_hours": 24 + 4 * (i % 4)})
    _bulk(TeamMembership, members)
    team_ids = [t.id for t in team_rows]
    _bulk(Client, [{"organisation_id": org.id, "location_id": location.id, "team_id": team_ids[i % teams],
                    "name": f"Bewoner {i}", "date_of_birth": date(1940, 1, 1), "room": str(i), "care_profile": "5VV",
                    "target_group": "pg" if i % 3 == 0 else "somatic", "start_date": date(2025, 1, 6)}
                   for i in range(residents)])
    clients = db.session.execute(select(Client.id, Client.team_id).where(Client.organisation_id == org.id)
                                 .order_by(Client.id)).all()
    # A tenth switched team on 1 June 2026 (their history has two assignments).
    switched = clients[::10]
    _bulk(TeamAssignment, [row for cid, tid in switched for row in (
        {"client_id": cid, "team_id": tid, "starts_on": date(2025, 1, 6), "ends_on": date(2026, 6, 1)},
        {"client_id": cid, "team_id": team_ids[(team_ids.index(tid) + 1) % teams], "starts_on": date(2026, 6, 1),
         "ends_on": None})])
    for cid, tid in switched:
        db.session.execute(Client.__table__.update().where(Client.id == cid).values(
            team_id=team_ids[(team_ids.index(tid) + 1) % teams]))
    # Packages: C01×7 C02×2 C03×7 C07×8 C08×3, plus H01×21 for those with risk 42 (one in twenty missing it).
    services = dict(db.session.execute(select(Service.code, Service.id).where(Service.organisation_id == org.id)).all())
    _bulk(PackageVersion, [{"client_id": cid, "number": 1, "status": Status.ACTIVE.value, "created_by_id": board.id,
                            "active_from": date(2025, 1, 6)} for cid, _t in clients])
    versions = dict(db.session.execute(select(PackageVersion.client_id, PackageVersion.id).join(
        Client, Client.id == PackageVersion.client_id).where(Client.organisation_id == org.id)).all())
    core = {"C01": 7, "C02": 2, "C03": 7, "C07": 8, "C08": 3}
    lines, risks = [], []
    for n, (cid, _t) in enumerate(clients):
        planned = dict(core)
        if n % 4 == 0:
            risks.append({"client_id": cid, "omaha": "42", "modifier": "actual", "recorded_by_id": board.id,
                          "recorded_at": datetime(2025, 1, 6, tzinfo=timezone.utc)})
            if n % 80 != 0:
                planned["H01"] = 21
        lines += [{"version_id": versions[cid], "service_id": services[code], "per_week": k}
                  for code, k in planned.items()]
    _bulk(PackageLine, lines)
    _bulk(HealthRisk, risks)
    # The waiting list: two residents per team, one still waiting, one placed after 20 days.
    waiting = []
    for n, team_id in enumerate(team_ids):
        for k, (cid, _t) in enumerate(clients[2 * n:2 * n + 2]):
            joined = datetime(2026, 10, 1, 9, tzinfo=timezone.utc)
            waiting.append({"organisation_id": org.id, "client_id": cid, "team_id": team_id, "joined_by_id": board.id,
                            "joined_at": joined, "status": "accepted" if k else "waiting",
                            "ended_at": joined + timedelta(days=20) if k else None})
    _bulk(WaitingEntry, waiting)

    keys = {"funding:": {"kind": AccountKind.FUNDING.value}, "fees:": {"kind": AccountKind.FEES.value},
            "payment_clearing:": {"kind": AccountKind.PAYMENT_CLEARING.value}}
    keys.update({f"team_budget:{t}": {"kind": AccountKind.TEAM_BUDGET.value, "team_id": t} for t in team_ids})
    keys.update({f"freelancer:{n}": {"kind": AccountKind.FREELANCER.value} for n in range(1, 11)})
    for cid, _t in clients:
        keys[f"client_budget:{cid}"] = {"kind": AccountKind.CLIENT_BUDGET.value, "client_id": cid}
        keys[f"client_savings:{cid}"] = {"kind": AccountKind.CLIENT_SAVINGS.value, "client_id": cid}
    account = _accounts(org.id, keys)
    next_id = (db.session.scalar(select(JournalEntry.id).order_by(JournalEntry.id.desc()).limit(1)) or 0) + 1
    now = datetime.now(timezone.utc)
    current_team = {cid: tid for cid, tid in clients}
    before_switch = {cid: tid for cid, tid in switched}
    for week in range(weeks):
        monday = FIRST_MONDAY + timedelta(days=7 * week)
        entries, ledger = [], []
        for cid, _t in clients:
            team_id = before_switch.get(cid, current_team[cid]) if monday < date(2026, 6, 1) else current_team[cid]
            budget, team = account[f"client_budget:{cid}"], account[f"team_budget:{team_id}"]
            entries.append({"id": next_id, "organisation_id": org.id, "idempotency_key": f"settlement:{monday}:{cid}",
                            "kind": "settlement", "memo": "", "booked_on": monday, "created_at": now,
                            "client_id": cid, "team_id": team_id})
            ledger += [
                {"entry_id": next_id, "source_account_id": account["funding:"], "target_account_id": budget,
                 "amount_cents": WEEK.budget_cents, "kind": LineKind.ALLOCATION.value},
                {"entry_id": next_id, "source_account_id": budget, "target_account_id": team,
                 "amount_cents": WEEK.health_from_budget, "kind": LineKind.HEALTH.value},
                {"entry_id": next_id, "source_account_id": budget, "target_account_id": team,
                 "amount_cents": WEEK.core_from_budget, "kind": LineKind.CORE.value},
                {"entry_id": next_id, "source_account_id": budget, "target_account_id": account[f"client_savings:{cid}"],
                 "amount_cents": WEEK.to_savings, "kind": LineKind.TO_SAVINGS.value}]
            next_id += 1
        _bulk(JournalEntry, entries)
        _bulk(LedgerLine, ledger)
    # Extras: 10 a team a month of the last 12 (4080: 408 fee, 3672 team; a freelancer's 204/612/3264),
    # one in ten refunded in full.
    entries, ledger = [], []
    clearing, fees = account["payment_clearing:"], account["fees:"]
    for month in range(12):
        day = date(2025, 12, 15) + timedelta(days=30 * month)
        for t_index, team_id in enumerate(team_ids):
            team = account[f"team_budget:{team_id}"]
            for k in range(10):
                freelancer = k % 3 == 0
                shares = ([(fees, 204), (team, 612), (account[f"freelancer:{1 + t_index % 10}"], 3264)] if freelancer
                          else [(fees, 408), (team, 3672)])
                kinds = [LineKind.FEE.value] + [LineKind.EXTRA.value] * (len(shares) - 1)
                entries.append({"id": next_id, "organisation_id": org.id, "idempotency_key": f"payment:b{next_id}",
                                "kind": "payment", "memo": "", "booked_on": day, "created_at": now})
                ledger += [{"entry_id": next_id, "source_account_id": clearing, "target_account_id": target,
                            "amount_cents": cents, "kind": kind} for (target, cents), kind in zip(shares, kinds)]
                next_id += 1
                if k == 9:
                    entries.append({"id": next_id, "organisation_id": org.id, "idempotency_key": f"refund:b{next_id}",
                                    "kind": "refund", "memo": "", "booked_on": day + timedelta(days=2),
                                    "created_at": now})
                    ledger += [{"entry_id": next_id, "source_account_id": target, "target_account_id": clearing,
                                "amount_cents": cents, "kind": LineKind.REFUND.value} for target, cents in shares]
                    next_id += 1
    _bulk(JournalEntry, entries)
    _bulk(LedgerLine, ledger)
    db.session.commit()
    # Statistics as a live database has them (autovacuum would gather them within minutes):
    # without, PostgreSQL plans the freshly loaded tables as if they were empty.
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            for table in db.metadata.sorted_tables:
                connection.execute(text(f'ANALYZE "{table.name}"'))
    return org.id


def timed(client, path: str, calls: int = CALLS, before=None) -> list[float]:
    """Server time of ``path`` in ms; ``before()`` runs before each call, outside the clock."""
    for _ in range(WARMUP):
        client.get(path)
    samples = []
    for _ in range(calls):
        if before is not None:
            before()
        start = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return samples


def statements(app, client, path: str) -> int:
    with app.app_context():
        engine = db.engine
    seen = []
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    response = client.get(path)
    event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 200
    return len(seen)


def login(app, email: str):
    client = app.test_client()
    response = client.post("/api/v1/auth/login", json={"email": email, "password": "secret-password"})
    assert response.status_code == 200
    return client


def _bench(url: str, backend: str) -> None:
    weeks = int(os.environ.get("BENCH_BOARD_WEEKS", "52"))
    app = create_app({"ZORGMARKT_MODE": "test", "SQLALCHEMY_DATABASE_URI": url,
                      "SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        generate(4, 40, 4, "small@bench.test")
        started = time.perf_counter()
        generate(40, 4000, weeks, "board@bench.test")
        generated = time.perf_counter() - started
        counts = (db.session.query(Team).count(), db.session.query(Client).count(),
                  db.session.query(JournalEntry).count(), db.session.query(LedgerLine).count())
    small_client, client = login(app, "small@bench.test"), login(app, "board@bench.test")
    page = f"/board/?{PERIOD}"
    small, large = statements(app, small_client, page), statements(app, client, page)
    trivial = timed(client, "/healthz")
    cold = timed(client, page, COLD_CALLS, before=competition.forget_ledger_figures)
    dashboard = timed(client, page)
    api = timed(client, f"/api/v1/board/competition?{PERIOD}")
    print(f"board benchmark ({backend}): generated {counts[0]} teams, {counts[1]} residents, {counts[2]} journal "
          f"entries, {counts[3]} ledger lines ({weeks} weeks) in {generated:.0f} s")
    print(f"{CALLS} calls each after {WARMUP} warm-up calls, in-process WSGI")
    print(f"{'endpoint':<44}{'p50 ms':>9}{'p95 ms':>9}{'x trivial':>11}")
    base = statistics.median(trivial)
    for name, samples in (("GET /healthz (trivial)", trivial),
                          ("GET /board/ (40 teams, ledger summed: cold)", cold),
                          ("GET /board/ (ledger unchanged: remembered)", dashboard),
                          ("GET /api/v1/board/competition (remembered)", api)):
        print(f"{name:<44}{statistics.median(samples):>9.2f}{p95(samples):>9.2f}"
              f"{statistics.median(samples) / base:>11.1f}")
    print(f"SQL statements per dashboard: {small} for 4 teams, {large} for 40 teams")
    drop(app)


def main() -> None:
    on_each_backend(_bench, "board")


if __name__ == "__main__":
    main()
