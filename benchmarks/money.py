"""Settling a week for 2,000 residents, and webhook events processed per second.

Fresh SQLite database (and PostgreSQL when BENCH_DATABASE_URL is set), in-process WSGI.
"""
from __future__ import annotations

import time
from datetime import date

from sqlalchemy import func, select

from billing.gateway import event_payload, sign
from billing.models import CopayInvoice, JournalEntry, Payment
from billing.settlement import settle_week
from care.catalogue import REFERENCE_FROM, load_catalogue
from care.models import Client, PackageLine, PackageVersion, Service
from marketplace import create_app
from marketplace.core.extensions import db
from marketplace.core.roles import Role
from tests.factories import add_member, make_location, make_org, make_team, make_user

from .backends import on_each_backend

RESIDENTS = 2000
EVENTS = 500
WEEK = "2026-W48"
LINES = {"C01": 7, "C02": 2, "C03": 7, "C04": 7, "C07": 10, "C08": 5, "H01": 21, "H04": 14, "H10": 14}


def _setup(app) -> None:
    with app.app_context():
        db.drop_all()
        db.create_all()
        org = make_org("Bench")
        location = make_location(org)
        teams = [make_team(org, location, capacity=RESIDENTS) for _ in range(8)]
        nurse = make_user(org, Role.NURSE, email="nurse@bench.test")
        add_member(teams[0], nurse, "nurse")
        payer = make_user(org, Role.FAMILY, email="payer@bench.test")
        load_catalogue(org)
        services = dict(db.session.execute(select(Service.code, Service.id).where(
            Service.organisation_id == org.id)).all())
        profiles = ["4VV", "5VV", "6VV", "7VV", "8VV"]
        clients = [Client(organisation_id=org.id, location_id=location.id, team_id=teams[i % 8].id,
                          name=f"Bewoner {i}", date_of_birth=date(1940, 1, 1), care_profile=profiles[i % 5],
                          target_group="somatic", start_date=REFERENCE_FROM) for i in range(RESIDENTS)]
        db.session.add_all(clients)
        db.session.flush()
        db.session.add_all([PackageVersion(
            client_id=c.id, number=1, status="active", created_by_id=nurse.id, active_from=REFERENCE_FROM,
            use_savings=i % 3 == 0,
            lines=[PackageLine(service_id=services[code], per_week=n) for code, n in LINES.items()])
            for i, c in enumerate(clients)])
        invoices = [CopayInvoice(organisation_id=org.id, client_id=c.id, month=date(2026, 10, 1), amount_cents=1790)
                    for c in clients[:EVENTS]]
        db.session.add_all(invoices)
        db.session.flush()
        db.session.add_all([Payment(organisation_id=org.id, client_id=inv.client_id, invoice_id=inv.id,
                                    payer_id=payer.id, amount_cents=1790, provider_session_id=f"cs_bench_{inv.id}")
                            for inv in invoices])
        db.session.commit()


def _bench(url: str, label: str) -> None:
    app = create_app({"ZORGMARKT_MODE": "test", "SQLALCHEMY_DATABASE_URI": url,
                      "SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789"})
    _setup(app)
    with app.app_context():
        start = time.perf_counter()
        run = settle_week(WEEK)
        first = time.perf_counter() - start
        start = time.perf_counter()
        again = settle_week(WEEK)
        second = time.perf_counter() - start
        assert run.settled == RESIDENTS and again.settled == 0, (run, again)
        sessions = list(db.session.scalars(select(Payment.provider_session_id).order_by(Payment.id)))
        db.session.remove()
    secret = app.config["STRIPE_WEBHOOK_SECRET"]
    bodies = [event_payload("checkout.session.completed", {
        "id": sid, "object": "checkout.session", "amount_total": 1790, "currency": "eur",
        "payment_intent": f"pi_{sid}", "payment_status": "paid"}) for sid in sessions]
    client = app.test_client()
    start = time.perf_counter()
    for body in bodies:
        response = client.post("/billing/webhooks/stripe", data=body,
                               headers={"Stripe-Signature": sign(body, secret), "Content-Type": "application/json"})
        assert response.status_code == 200, response.get_data(as_text=True)
    fresh = time.perf_counter() - start
    start = time.perf_counter()
    for body in bodies:  # the same events again: duplicates, booked nothing
        client.post("/billing/webhooks/stripe", data=body,
                    headers={"Stripe-Signature": sign(body, secret), "Content-Type": "application/json"})
    duplicate = time.perf_counter() - start
    with app.app_context():
        payments_booked = db.session.scalar(select(func.count()).select_from(JournalEntry).where(
            JournalEntry.kind == "payment"))
        assert payments_booked == len(bodies)
        db.session.remove()
        db.engine.dispose()
    print(f"[{label}] settle {WEEK} for {RESIDENTS} residents: {first:.2f} s "
          f"({RESIDENTS / first:.0f} residents/s); again (nothing to book): {second:.2f} s")
    print(f"[{label}] webhooks: {len(bodies)} new checkout.session.completed events in {fresh:.2f} s = "
          f"{len(bodies) / fresh:.0f} events/s; duplicates: {len(bodies) / duplicate:.0f} events/s")


def main() -> None:
    on_each_backend(_bench, "money")
