"""Payments that can pay for anything: a purpose registry, no lock across the provider call,
and webhook deduplication that keeps replays out but lets legitimately repeated events in."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, func, select, text

from billing import fulfilment, invoices, payments, webhooks
from billing.gateway import CheckoutSession, event_payload
from billing.ledger import verify
from billing.models import CopayInvoice, JournalEntry, Payment, WebhookEvent
from marketplace.core.extensions import db
from tests.functional.test_webhooks import deliver


class NoLockGateway:
    """A gateway fake at the edge that checks, at the moment the provider is called, that we
    hold no transaction and that no other connection sees a lock on what is being paid."""

    def __init__(self, database_url: str):
        self.database_url = database_url
        self.calls = 0

    def create_checkout(self, request):
        self.calls += 1
        assert not db.session().in_transaction(), "the provider is called inside a transaction"
        probe = create_engine(self.database_url)
        try:
            with probe.connect() as conn:
                if conn.dialect.name == "postgresql":
                    held = conn.execute(text(
                        "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                        "WHERE c.relname IN ('copay_invoices', 'payments') AND l.granted "
                        "AND l.mode IN ('RowExclusiveLock', 'RowShareLock', 'ExclusiveLock') "
                        "AND l.pid <> pg_backend_pid()")).scalar()
                    assert held == 0, "a row lock is held while the provider is called"
                else:
                    # Another writer can start: nobody holds SQLite's write lock.
                    conn.exec_driver_sql("PRAGMA busy_timeout = 0")
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
                    conn.exec_driver_sql("ROLLBACK")
        finally:
            probe.dispose()
        return CheckoutSession(f"cs_nolock_{request.reference}", f"https://checkout.test/{request.reference}")

    def refund(self, payment_intent_id, amount_cents, reference):
        assert not db.session().in_transaction(), "the provider is called inside a transaction"
        return f"re_nolock_{reference}"


@pytest.fixture
def no_lock_gateway(app, database_url):
    before = app.extensions["gateway"]
    gateway = NoLockGateway(database_url)
    app.extensions["gateway"] = gateway
    yield gateway
    app.extensions["gateway"] = before


def open_invoice(world, amount_cents: int = 1790) -> CopayInvoice:
    invoice = CopayInvoice(organisation_id=world.org.id, client_id=world.own.id, month=date(2026, 11, 1),
                           amount_cents=amount_cents)
    db.session.add(invoice)
    db.session.commit()
    return invoice


def test_the_provider_is_never_called_while_a_lock_or_transaction_is_held(app, world, no_lock_gateway):
    invoice = open_invoice(world)
    with app.test_request_context():
        payment = invoices.pay_invoice(world.users["family"], invoice)
        again = invoices.pay_invoice(world.users["family"], db.session.get(CopayInvoice, invoice.id))
    assert no_lock_gateway.calls == 1  # the second click reuses the open checkout
    assert again.id == payment.id and payment.checkout_url.endswith(f"payment-{payment.id}")
    assert (payment.purpose, payment.reference_id, payment.invoice_id) == ("copay_invoice", invoice.id, invoice.id)


def test_a_refund_is_requested_outside_any_transaction(app, world, no_lock_gateway):
    invoice = open_invoice(world)
    with app.test_request_context():
        payment = invoices.pay_invoice(world.users["family"], invoice)
        body = event_payload("checkout.session.completed", {
            "id": payment.provider_session_id, "object": "checkout.session", "payment_status": "paid",
            "amount_total": payment.amount_cents, "currency": "eur", "payment_intent": "pi_nolock"})
    assert deliver(app.test_client(), body).status_code == 200
    db.session.expire_all()  # the webhook's request booked the payment in its own session
    with app.test_request_context():
        refund_id = payments.request_refund(world.users["admin"], db.session.get(Payment, payment.id), 500)
    assert refund_id.startswith("re_nolock_")


def test_a_payment_of_an_unregistered_purpose_is_refused_with_a_clear_error(app, world, no_lock_gateway):
    with app.test_request_context(), pytest.raises(fulfilment.UnknownPurpose) as refused:
        payments.start_payment(world.users["family"], "gift_shop", 1)
    assert refused.value.status == 422 and refused.value.field == "purpose"
    with app.test_request_context(headers={"Accept-Language": "nl"}):
        assert str(refused.value.message) == "Voor dit doel kan niet betaald worden."
    assert no_lock_gateway.calls == 0
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 0


def test_a_confirmation_for_an_unregistered_purpose_books_nothing(app, world):
    payment = Payment(organisation_id=world.org.id, client_id=world.own.id, purpose="gift_shop", reference_id=7,
                      payer_id=world.users["family"].id, amount_cents=500, provider_session_id="cs_gift_1")
    db.session.add(payment)
    db.session.commit()
    body = event_payload("checkout.session.completed", {
        "id": "cs_gift_1", "object": "checkout.session", "payment_status": "paid", "amount_total": 500,
        "currency": "eur", "payment_intent": "pi_gift_1"})
    response = deliver(app.test_client(), body)
    db.session.expire_all()
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "unknown_purpose"
    db.session.expire_all()
    assert db.session.get(Payment, payment.id).status == "pending"
    assert db.session.scalar(select(func.count()).select_from(JournalEntry)) == 0
    assert db.session.scalar(select(func.count()).select_from(WebhookEvent)) == 0  # retried later
    assert verify() == []


def test_a_purpose_name_is_registered_once(app):
    with pytest.raises(ValueError, match="twice"):
        fulfilment.register(app, invoices.CopayInvoicePurpose())


@pytest.fixture
def account_updates(app):
    """A Connect-like event type whose repeats are news: deduplicated by event id only."""
    seen = []
    webhooks.subscribe(app, "account.updated", lambda obj: seen.append(obj["charges_enabled"]) or True,
                       replayed=False)
    yield seen
    del app.extensions["webhook_subscriptions"]["account.updated"]


def test_repeated_events_about_one_object_are_kept_when_they_are_news(app, db, account_updates):
    client = app.test_client()
    first = event_payload("account.updated", {"id": "acct_1", "object": "account", "charges_enabled": False})
    second = event_payload("account.updated", {"id": "acct_1", "object": "account", "charges_enabled": True})
    assert deliver(client, first).get_json()["status"] == "processed"
    assert deliver(client, second).get_json()["status"] == "processed"
    assert deliver(client, second).get_json()["status"] == "duplicate"  # the same event id again
    assert account_updates == [False, True]
    rows = db.session.scalars(select(WebhookEvent).where(WebhookEvent.object_id == "acct_1")).all()
    assert len(rows) == 2 and all(row.replay_key is None for row in rows)


def test_a_second_completion_of_one_checkout_is_a_replay(app, world, no_lock_gateway):
    invoice = open_invoice(world)
    with app.test_request_context():
        payment = invoices.pay_invoice(world.users["family"], invoice)
    completed = {"id": payment.provider_session_id, "object": "checkout.session", "payment_status": "paid",
                 "amount_total": payment.amount_cents, "currency": "eur", "payment_intent": "pi_replay"}
    client = app.test_client()
    assert deliver(client, event_payload("checkout.session.completed", completed)).get_json()["status"] == "processed"
    # Another event id for the same completed checkout: a replay, booked once.
    assert deliver(client, event_payload("checkout.session.completed", completed)).get_json()["status"] == "duplicate"
    assert db.session.scalar(select(func.count()).select_from(JournalEntry)) == 1
    assert json.loads(db.session.scalars(select(WebhookEvent.payload)).one())["type"] == "checkout.session.completed"


def _reservation(world, invoice, minutes_ago: int) -> Payment:
    payment = Payment(organisation_id=world.org.id, client_id=world.own.id, invoice_id=invoice.id,
                      payer_id=world.users["family"].id, amount_cents=invoice.amount_cents,
                      created_at=datetime.now(timezone.utc) - timedelta(minutes=minutes_ago))
    db.session.add(payment)
    db.session.commit()
    return payment


def test_a_checkout_being_opened_is_not_opened_twice(app, world, no_lock_gateway):
    invoice = open_invoice(world)
    opening = _reservation(world, invoice, minutes_ago=0)  # another click is calling the provider
    with app.test_request_context(), pytest.raises(payments.PaymentInProgress):
        invoices.pay_invoice(world.users["family"], invoice)
    assert no_lock_gateway.calls == 0
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 1
    assert db.session.get(Payment, opening.id).status == "pending"


def test_an_abandoned_reservation_is_cancelled_and_a_new_checkout_opened(app, world, no_lock_gateway):
    invoice = open_invoice(world)
    abandoned = _reservation(world, invoice, minutes_ago=10)
    with app.test_request_context():
        payment = invoices.pay_invoice(world.users["family"], db.session.get(CopayInvoice, invoice.id))
    db.session.expire_all()
    assert payment.id != abandoned.id and payment.checkout_url
    assert db.session.get(Payment, abandoned.id).status == "cancelled"
    assert no_lock_gateway.calls == 1


def test_the_pay_page_says_a_checkout_is_being_opened(app, world, client, auth, no_lock_gateway):
    invoice = open_invoice(world)
    _reservation(world, invoice, minutes_ago=0)
    auth.login(world.email("family"))
    response = client.post(f"/api/v1/invoices/{invoice.id}/pay", headers={"X-CSRFToken": auth.csrf})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "payment_in_progress"
