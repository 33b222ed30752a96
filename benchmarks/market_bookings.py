"""Booking throughput: holds per second over real HTTP (``POST /api/v1/bookings``), each hold taking
its provider's lock, counting the seats and opening the (demo) checkout, as a family's click does.

The app runs in a threaded WSGI server on a free local port; several families post at once, each
its own HTTP session, spread over a few providers (the lock is per provider, so one provider's
holds queue behind each other). On SQLite, and on PostgreSQL when BENCH_DATABASE_URL is set.
"""
from __future__ import annotations

import socket
import statistics
import threading
import time
from datetime import date, datetime, timedelta
from datetime import time as clock

import requests
from werkzeug.serving import WSGIRequestHandler, make_server

from marketplace import create_app
from marketplace.core.db_types import LOCAL_ZONE
from marketplace.core.extensions import db
from marketplace.core.roles import Role
from marketplace.market import bookings
from marketplace.market.models import AvailabilityPattern, Extra
from tests.factories import PASSWORD, add_contact, make_client, make_location, make_org, make_team, make_user

from .backends import drop, on_each_backend, p95

PROVIDERS = 4
FAMILIES = 8
HOLDS_PER_FAMILY = 40
WARMUP = 3
SLOT_MINUTES = 15


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _world() -> tuple[list[int], list[tuple[str, int]]]:
    """Providers with an extra open all day every day; families each with a resident. (extra ids,
    [(email, resident id)])"""
    org = make_org("Bench")
    location = make_location(org)
    extras = []
    for n in range(PROVIDERS):
        team = make_team(org, location, f"Team {n}")
        provider = bookings.provider_for_team(team)
        extra = Extra(organisation_id=org.id, provider_id=provider.id, code="X04", category="company",
                      title=f"Gezelschap {n}", price_cents=2500, duration_minutes=SLOT_MINUTES, kind="timed", seats=1)
        extra.patterns = [AvailabilityPattern(weekday=d, starts_at=clock(0), ends_at=clock(23, 45)) for d in range(7)]
        db.session.add(extra)
        db.session.flush()
        extras.append(extra.id)
    families = []
    for n in range(FAMILIES):
        email = f"family{n}@bench.test"
        resident = make_client(org, location, None, f"Bewoner {n}")
        add_contact(resident, make_user(org, Role.FAMILY, email=email), view=True, decide=True, pay=True)
        families.append((email, resident.id))
    db.session.commit()
    return extras, families


def _slot(n: int) -> str:
    """The n-th free 15-minute slot from the day after tomorrow (local time, with its offset)."""
    day = date.today() + timedelta(days=2 + n // 90)
    start = datetime.combine(day, clock(1), tzinfo=LOCAL_ZONE) + timedelta(minutes=SLOT_MINUTES * (n % 90))
    return start.isoformat()


def _bench(url: str, backend: str) -> None:
    app = create_app({"ZORGMARKT_MODE": "test", "SQLALCHEMY_DATABASE_URI": url,
                      "SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789", "RATELIMIT_ENABLED": False,
                      "PUBLIC_URL": "http://127.0.0.1"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        extras, families = _world()
    port = _free_port()
    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=_Quiet)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    base = f"http://127.0.0.1:{port}"
    counter = iter(range(10**6))
    lock = threading.Lock()
    latencies: list[float] = []
    failures: list[str] = []
    barrier = threading.Barrier(FAMILIES + 1)

    def family(i: int) -> None:
        email, resident_id = families[i]
        http = requests.Session()
        csrf = http.post(f"{base}/api/v1/auth/login", json={"email": email, "password": PASSWORD}).json()["csrf_token"]
        http.headers["X-CSRFToken"] = csrf

        def hold(extra_id: int) -> float:
            with lock:
                n = next(counter)
            started = time.perf_counter()
            response = http.post(f"{base}/api/v1/bookings",
                                 json={"extra_id": extra_id, "client_id": resident_id, "start": _slot(n)})
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 201:
                failures.append(f"{response.status_code} {response.text[:200]}")
            return elapsed

        for n in range(WARMUP):
            hold(extras[(i + n) % PROVIDERS])
        barrier.wait()
        for n in range(HOLDS_PER_FAMILY):
            elapsed = hold(extras[(i + n) % PROVIDERS])
            with lock:
                latencies.append(elapsed)

    threads = [threading.Thread(target=family, args=(i,)) for i in range(FAMILIES)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    server.shutdown()
    holds = FAMILIES * HOLDS_PER_FAMILY
    print(f"booking holds benchmark ({backend}): {FAMILIES} families at once, {holds} holds over real HTTP, "
          f"{PROVIDERS} providers")
    print(f"{holds / seconds:.0f} holds/s; per hold p50 {statistics.median(latencies):.1f} ms, "
          f"p95 {p95(latencies):.1f} ms; refused: {len(failures)}")
    if failures:
        print("  first refusal:", failures[0])
    drop(app)


def main() -> None:
    on_each_backend(_bench, "bookings")


if __name__ == "__main__":
    main()
