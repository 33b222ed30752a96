"""Several workers, one truth (issue 15, item 4): the login limits are counted in a shared store.

Two real gunicorn processes serve the same app; failed logins from one address alternate between
them. With Redis as the store (``RATELIMIT_STORAGE_URI=redis://...``) the address is locked after
ten failures in all, whichever worker saw them; with each process's own memory (the one-process
default of ``make run``) each worker counts only its half, which is why production needs the
shared store. And the address the limits count is the real one: X-Forwarded-For is honoured only
from the number of proxies configured (``TRUSTED_PROXIES``), so a client cannot choose it.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import ExitStack, contextmanager
from json import dumps
from pathlib import Path

import pytest

from marketplace import create_app
from marketplace.core.extensions import db as _db
from marketplace.core.roles import Role
from tests.conftest import free_port, require
from tests.factories import make_org, make_user

ROOT = Path(__file__).resolve().parents[2]
SECRET = "shared-limits-secret-key-0123456789abcdef"
RIGHT = "secret-password"  # the factories' password


@contextmanager
def redis_server():
    binary = shutil.which("redis-server")
    if binary is None:
        require("Redis: install redis-server (Debian package redis-server; .ci/run does)")
    port = free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: _redis_ping(port))
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)


def _redis_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def wait_for(ready, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.1)
    raise TimeoutError("the server did not start")


@pytest.fixture
def database(tmp_path) -> str:
    """A SQLite file with one organisation and one family user, made by the app itself."""
    url = f"sqlite:///{tmp_path}/limits.sqlite"
    app = create_app({"ZORGMARKT_MODE": "test", "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET})
    with app.app_context():
        _db.create_all()
        make_user(make_org("Zorggroep Limiet"), Role.FAMILY, email="dochter@limiet.test")
        _db.session.commit()
        _db.engine.dispose()
    return url


@contextmanager
def worker(database_url: str, storage: str, *, proxies: int = 0):
    """One gunicorn process serving wsgi:app; yields its base URL."""
    port = free_port()
    env = {**os.environ, "ZORGMARKT_MODE": "test", "DATABASE_URL": database_url, "SECRET_KEY": SECRET,
           "RATELIMIT_STORAGE_URI": storage, "TRUSTED_PROXIES": str(proxies), "LOGIN_LIMIT": "10 per minute"}
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}",
                                "wsgi:app"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(base))
        yield base
    finally:
        process.terminate()
        process.wait(10)


def _answers(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=1) as response:
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


def login(base: str, password: str = "wrong-password", forwarded_for: str | None = None) -> int:
    headers = {"Content-Type": "application/json"}
    if forwarded_for:
        headers["X-Forwarded-For"] = forwarded_for
    body = dumps({"email": "dochter@limiet.test", "password": password}).encode()
    try:
        with urllib.request.urlopen(urllib.request.Request(f"{base}/api/v1/auth/login", data=body, headers=headers),
                                    timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as refused:
        return refused.code


def failures_across(bases: list[str], count: int) -> list[int]:
    return [login(bases[i % len(bases)]) for i in range(count)]


def test_ten_failures_spread_over_two_workers_lock_the_address_when_redis_counts(database):
    with redis_server() as redis_url, ExitStack() as stack:
        bases = [stack.enter_context(worker(database, redis_url)) for _ in range(2)]
        assert failures_across(bases, 10) == [401] * 10
        # Even the right password, at either worker: the shared count locked the address.
        assert [login(bases[0], RIGHT), login(bases[1], RIGHT)] == [429, 429]


def test_with_each_workers_own_memory_the_same_attack_is_not_locked(database):
    """Why production needs the shared store: two memories count five each."""
    with ExitStack() as stack:
        bases = [stack.enter_context(worker(database, "memory://")) for _ in range(2)]
        assert failures_across(bases, 10) == [401] * 10
        assert login(bases[0], RIGHT) == 200  # this worker saw five: the address is not locked


def test_without_a_trusted_proxy_a_forged_forwarded_for_does_not_escape_the_limit(database):
    with worker(database, "memory://") as base:
        statuses = [login(base, forwarded_for=f"10.0.0.{i}") for i in range(10)]
        assert statuses == [401] * 10
        assert login(base, RIGHT, forwarded_for="10.0.0.77") == 429  # the real address is locked


def test_behind_one_trusted_proxy_the_limit_counts_the_address_the_proxy_saw(database):
    with worker(database, "memory://", proxies=1) as base:
        # The proxy appends the client's address; what the client put before it is ignored.
        statuses = [login(base, forwarded_for=f"6.6.6.{i}, 192.0.2.7") for i in range(10)]
        assert statuses == [401] * 10
        assert login(base, RIGHT, forwarded_for="6.6.6.99, 192.0.2.7") == 429  # that client's address is locked
        assert login(base, RIGHT, forwarded_for="192.0.2.8") == 200  # another client behind the proxy is not
