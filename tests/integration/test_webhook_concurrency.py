"""The same webhook delivered to two app processes at once books once (PostgreSQL).

Two real processes, each its own app and connection pool on the same database, serve the
webhook route over HTTP on 127.0.0.1. Each round both receive a signed event at the same
moment. In the *locked* rounds the test makes the overlap certain: it holds an EXCLUSIVE lock on
``webhook_events`` until both requests wait for a lock (that one, or one the app takes), then
lets go. The other rounds race on timing alone.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from billing.models import CopayInvoice, JournalEntry, Payment, WebhookEvent

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
SERVER = """
import sys
from werkzeug.serving import make_server
from marketplace import create_app

app = create_app({"ZORGMARKT_MODE": "test", "SQLALCHEMY_DATABASE_URI": sys.argv[1],
                  "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
                  "STRIPE_WEBHOOK_SECRET": sys.argv[2], "STRIPE_SECRET_KEY": ""})
server = make_server("127.0.0.1", 0, app, threaded=True)
print(server.server_port, flush=True)
server.serve_forever()
"""


class AppProcess:
    """One app in its own Python process behind werkzeug's server on a free port."""

    def __init__(self, database_url: str, secret: str, log: Path):
        self.log = log.open("w")
        self.process = subprocess.Popen([sys.executable, "-c", SERVER, database_url, secret], cwd=ROOT,
                                        stdout=subprocess.PIPE, stderr=self.log, text=True,
                                        env={**os.environ, "PYTHONPATH": str(ROOT)})
        line = self.process.stdout.readline()
        if not line.strip().isdigit():
            self.stop()
            raise RuntimeError(f"the app process did not start; see {log}")
        self.url = f"http://127.0.0.1:{int(line)}/billing/webhooks/stripe"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        self.log.close()


@pytest.fixture(scope="module")
def two_apps(app, database_url, tmp_path_factory):
    logs = tmp_path_factory.mktemp("webhook-apps")
    secret = app.config["STRIPE_WEBHOOK_SECRET"]
    started = []
    try:
        for name in ("a", "b"):
            started.append(AppProcess(database_url, secret, logs / f"app-{name}.log"))
        yield started
    finally:
        for process in started:
            process.stop()


def post(url: str, body: str, signature: str) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body.encode(), method="POST", headers={
        "Content-Type": "application/json", "Stripe-Signature": signature})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def signed(body: str, secret: str) -> str:
    timestamp = int(time.time())
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def event(event_id: str, event_type: str, obj: dict) -> str:
    return json.dumps({"id": event_id, "object": "event", "api_version": "2025-01-27.acacia",
                       "created": int(time.time()), "data": {"object": obj}, "livemode": False,
                       "pending_webhooks": 1, "request": {"id": None, "idempotency_key": None},
                       "type": event_type})


def completed(payment: Payment, event_id: str) -> str:
    return event(event_id, "checkout.session.completed", {
        "id": payment.provider_session_id, "object": "checkout.session", "amount_total": payment.amount_cents,
        "currency": "eur", "mode": "payment", "payment_intent": f"pi_3QzRace{payment.id:08d}",
        "payment_status": "paid", "status": "complete", "metadata": {"payment_id": str(payment.id)}})


def refund_created(payment: Payment, refund_id: str, amount: int, event_id: str) -> str:
    return event(event_id, "refund.created", {
        "id": refund_id, "object": "refund", "amount": amount, "currency": "eur", "status": "succeeded",
        "payment_intent": f"pi_3QzRace{payment.id:08d}", "charge": f"ch_3QzRace{payment.id:08d}"})


def pending_payment(db, world, n: int, amount_cents: int = 1790) -> Payment:
    invoice = CopayInvoice(organisation_id=world.org.id, client_id=world.own.id,
                           month=date(2020 + n // 12, n % 12 + 1, 1), amount_cents=amount_cents)
    db.session.add(invoice)
    db.session.flush()
    payment = Payment(organisation_id=world.org.id, client_id=world.own.id, invoice_id=invoice.id,
                      payer_id=world.users["family"].id, amount_cents=amount_cents, currency="eur",
                      status="pending", refunded_cents=0, provider_session_id=f"cs_test_race{n:06d}")
    db.session.add(payment)
    db.session.commit()
    return payment


def waiting_for_locks(db) -> int:
    """Backends of this database waiting for a table, row or advisory lock."""
    return db.session.scalar(text(
        "SELECT count(*) FROM pg_locks WHERE NOT granted AND (database = (SELECT oid FROM pg_database "
        "WHERE datname = current_database()) OR locktype = 'transactionid')"))


def deliver_at_once(db, deliveries: list[tuple[str, str, str]], *, locked: bool) -> list[tuple[int, dict]]:
    """POST each (url, body, signature) from its own thread, released together.

    ``locked``: first take an EXCLUSIVE lock on webhook_events (reads go on, inserts wait), let
    go only when every request waits for a lock, so the transactions surely overlap.
    """
    results: list = [None] * len(deliveries)
    gate = threading.Barrier(len(deliveries))

    def send(i: int, url: str, body: str, signature: str) -> None:
        gate.wait(timeout=30)
        results[i] = post(url, body, signature)

    connection = db.engine.connect()
    transaction = connection.begin()
    try:
        if locked:
            connection.execute(text("LOCK TABLE webhook_events IN EXCLUSIVE MODE"))
        threads = [threading.Thread(target=send, args=(i, *d)) for i, d in enumerate(deliveries)]
        for thread in threads:
            thread.start()
        if locked:
            deadline = time.monotonic() + 20
            while waiting_for_locks(db) < len(deliveries):
                db.session.rollback()  # a fresh snapshot of pg_locks, no locks of ours kept
                assert time.monotonic() < deadline, "the requests never reached the insert"
                time.sleep(0.01)
            db.session.rollback()
    finally:
        transaction.commit()  # let go: both inserts run now
        connection.close()
    for thread in threads:
        thread.join(timeout=60)
    assert all(result is not None for result in results), "a request did not come back"
    return results


ROUNDS = [True, False] * 4  # locked, then on timing alone


def test_the_same_webhook_delivered_to_two_app_processes_at_once_books_once(world, db, two_apps, app):
    secret = app.config["STRIPE_WEBHOOK_SECRET"]
    a, b = two_apps
    for n, locked in enumerate(ROUNDS):
        payment = pending_payment(db, world, n)
        body = completed(payment, f"evt_1QzRace{n:08d}")

        results = deliver_at_once(db, [(a.url, body, signed(body, secret)), (b.url, body, signed(body, secret))],
                                  locked=locked)

        assert [code for code, _ in results] == [200, 200], (n, results)
        assert sorted(answer["status"] for _, answer in results) == ["duplicate", "processed"], (n, results)
        db.session.expire_all()
        assert db.session.scalar(select(func.count()).select_from(JournalEntry).where(
            JournalEntry.idempotency_key == f"payment:{payment.id}")) == 1
        assert db.session.scalar(select(func.count()).select_from(WebhookEvent).where(
            WebhookEvent.event_id == f"evt_1QzRace{n:08d}")) == 1
        assert db.session.get(Payment, payment.id).status == "paid"
    assert db.session.scalar(select(func.count()).select_from(JournalEntry)) == len(ROUNDS)
    assert db.session.scalar(select(func.count()).select_from(WebhookEvent)) == len(ROUNDS)


def test_two_events_for_the_same_session_at_once_book_once(world, db, two_apps, app):
    """Another event id for the same session and type (a re-sent event) racing the first."""
    secret = app.config["STRIPE_WEBHOOK_SECRET"]
    a, b = two_apps
    for n, locked in enumerate(ROUNDS[:4]):
        payment = pending_payment(db, world, n)
        first, second = completed(payment, f"evt_1QzOne{n:08d}"), completed(payment, f"evt_1QzTwo{n:08d}")

        results = deliver_at_once(db, [(a.url, first, signed(first, secret)), (b.url, second, signed(second, secret))],
                                  locked=locked)

        assert sorted(answer.get("status") for _, answer in results) == ["duplicate", "processed"], (n, results)
        db.session.expire_all()
        assert db.session.scalar(select(func.count()).select_from(JournalEntry)) == n + 1
        assert db.session.scalar(select(func.count()).select_from(WebhookEvent)) == n + 1


def paid_payment(db, world, n: int, a, secret: str, amount_cents: int = 1790) -> Payment:
    payment = pending_payment(db, world, n, amount_cents)
    body = completed(payment, f"evt_1QzPaid{n:08d}")
    assert post(a.url, body, signed(body, secret))[0] == 200
    return payment


def test_two_refunds_of_one_payment_at_once_both_count(world, db, two_apps, app):
    """Stripe does not deliver in order, nor one at a time: two partial refunds of one payment
    racing must both be booked and both counted in refunded_cents."""
    secret = app.config["STRIPE_WEBHOOK_SECRET"]
    a, b = two_apps
    for n, locked in enumerate(ROUNDS[:4]):
        payment = paid_payment(db, world, n, a, secret)
        one = refund_created(payment, f"re_3QzOne{n:06d}", 500, f"evt_1QzRefOne{n:08d}")
        two = refund_created(payment, f"re_3QzTwo{n:06d}", 700, f"evt_1QzRefTwo{n:08d}")

        results = deliver_at_once(db, [(a.url, one, signed(one, secret)), (b.url, two, signed(two, secret))],
                                  locked=locked)

        assert [(code, answer.get("status")) for code, answer in results] == [(200, "processed")] * 2, (n, results)
        db.session.expire_all()
        stored = db.session.get(Payment, payment.id)
        assert (stored.status, stored.refunded_cents) == ("partially_refunded", 1200), n
        assert set(db.session.scalars(select(JournalEntry.idempotency_key).where(
            JournalEntry.client_id == world.own.id, JournalEntry.kind == "refund",
            JournalEntry.memo.like(f"% of payment {payment.id}")))) == {f"refund:re_3QzOne{n:06d}",
                                                                        f"refund:re_3QzTwo{n:06d}"}


def test_two_refunds_together_larger_than_the_payment_at_once_book_only_one(world, db, two_apps, app):
    secret = app.config["STRIPE_WEBHOOK_SECRET"]
    a, b = two_apps
    for n, locked in enumerate(ROUNDS[:4]):
        payment = paid_payment(db, world, n, a, secret)
        one = refund_created(payment, f"re_3QzBigOne{n:06d}", 1000, f"evt_1QzBigOne{n:08d}")
        two = refund_created(payment, f"re_3QzBigTwo{n:06d}", 1000, f"evt_1QzBigTwo{n:08d}")

        results = deliver_at_once(db, [(a.url, one, signed(one, secret)), (b.url, two, signed(two, secret))],
                                  locked=locked)

        assert sorted(code for code, _ in results) == [200, 400], (n, results)
        db.session.expire_all()
        assert db.session.get(Payment, payment.id).refunded_cents == 1000, n
        assert db.session.scalar(select(func.count()).select_from(JournalEntry).where(
            JournalEntry.kind == "refund", JournalEntry.memo.like(f"% of payment {payment.id}"))) == 1


def test_a_refund_racing_its_payments_completion_is_not_lost(world, db, two_apps, app):
    """A refund delivered while its payment's completion is being handled, 0 to 20 ms after it,
    so it lands in every phase of that transaction: whichever commits first, the refund is booked,
    never kept pending for ever."""
    secret = app.config["STRIPE_WEBHOOK_SECRET"]
    a, b = two_apps
    lost = []
    for n in range(80):
        payment = pending_payment(db, world, n)
        done = completed(payment, f"evt_1QzDone{n:08d}")
        refund = refund_created(payment, f"re_3QzRacing{n:06d}", 400, f"evt_1QzRacing{n:08d}")
        results = []
        first = threading.Thread(target=lambda: results.append(post(a.url, done, signed(done, secret))))
        first.start()
        time.sleep((n % 40) * 0.0005)
        results.append(post(b.url, refund, signed(refund, secret)))
        first.join(timeout=60)

        assert [code for code, _ in results] == [200, 200], (n, results)
        db.session.expire_all()
        stored = db.session.get(Payment, payment.id)
        if (stored.status, stored.refunded_cents) != ("partially_refunded", 400):
            lost.append((n, stored.status, stored.refunded_cents))
    assert lost == []
    assert db.session.scalar(select(func.count()).select_from(WebhookEvent).where(
        WebhookEvent.processed_at.is_(None))) == 0
