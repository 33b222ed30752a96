"""Stripe webhooks through the real route: signed exactly as Stripe signs, verified by
``stripe.Webhook.construct_event``, stored once, booked once.

Ends with the chaos test: 1,000 deliveries of a realistic event stream with duplicates,
reorderings and forged or stale signatures book the same ledger as one clean delivery.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import random
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import delete, func, select, update

from billing import ledger
from billing.domain import AccountKind, account_key
from billing.gateway import sign
from billing.models import Account, CopayInvoice, JournalEntry, LedgerLine, Payment, WebhookEvent
from tests.conftest import csrf_from

WEBHOOK = "/billing/webhooks/stripe"
API_VERSION = "2025-01-27.acacia"
CLEARING = account_key(AccountKind.PAYMENT_CLEARING)


# -- Stripe-shaped events ------------------------------------------------------------------

_event_serial = iter(range(1, 10**9))


def new_event_id() -> str:
    return f"evt_1QzTest{next(_event_serial):010d}"


def event(event_type: str, obj: dict, event_id: str | None = None) -> str:
    """An Event object as Stripe's API reference shows it; the body exactly as it is signed."""
    return json.dumps({
        "id": event_id or new_event_id(), "object": "event", "api_version": API_VERSION,
        "created": int(time.time()), "data": {"object": obj}, "livemode": False, "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None}, "type": event_type,
    })


def session_object(payment: Payment, *, status: str = "complete", amount: int | None = None,
                   currency: str = "eur", payment_intent: str | None = None) -> dict:
    paid = status == "complete"
    return {
        "id": payment.provider_session_id, "object": "checkout.session",
        "amount_subtotal": payment.amount_cents if amount is None else amount,
        "amount_total": payment.amount_cents if amount is None else amount,
        "client_reference_id": f"payment-{payment.id}", "currency": currency,
        "customer_email": "dochter@example.nl", "livemode": False, "mode": "payment",
        "metadata": {"payment_id": str(payment.id), "invoice_id": str(payment.invoice_id),
                     "client_id": str(payment.client_id), "organisation_id": str(payment.organisation_id)},
        "payment_intent": (payment_intent or intent_of(payment)) if paid else None,
        "payment_method_types": ["card", "ideal"],
        "payment_status": "paid" if paid else "unpaid", "status": status,
        "url": None if status in ("complete", "expired") else payment.checkout_url,
    }


def intent_of(payment: Payment) -> str:
    return f"pi_3QzTest{payment.id:08d}"


def completed(payment: Payment, event_id: str | None = None, **changes) -> str:
    return event("checkout.session.completed", session_object(payment, **changes), event_id)


def expired(payment: Payment, event_id: str | None = None) -> str:
    return event("checkout.session.expired", session_object(payment, status="expired"), event_id)


def refund_created(payment: Payment, refund_id: str, amount: int, event_id: str | None = None) -> str:
    return event("refund.created", {
        "id": refund_id, "object": "refund", "amount": amount, "balance_transaction": f"txn_{refund_id[3:]}",
        "charge": f"ch_3QzTest{payment.id:08d}", "created": int(time.time()), "currency": "eur",
        "metadata": {"reference": f"payment-{payment.id}-refund"}, "payment_intent": intent_of(payment),
        "reason": "requested_by_customer", "receipt_number": None, "status": "succeeded",
    }, event_id)


def stripe_signature(body: str, secret: str, timestamp: int) -> str:
    """Computed here on its own as well, so a mistake in billing.gateway.sign cannot hide one in the check."""
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def deliver(client, body: str | bytes, signature: str | None = "sign", *, secret: str | None = None,
            timestamp: int | None = None):
    """POST the raw body to the webhook route as Stripe does. ``signature="sign"`` signs it properly."""
    if signature == "sign":
        secret = secret or client.application.config["STRIPE_WEBHOOK_SECRET"]
        text = body.decode() if isinstance(body, bytes) else body
        signature = stripe_signature(text, secret, int(time.time()) if timestamp is None else timestamp)
    headers = {"Stripe-Signature": signature} if signature is not None else {}
    return client.post(WEBHOOK, data=body, headers=headers, content_type="application/json")


# -- the database ------------------------------------------------------------------------------

def pending_payment(db, world, amount_cents: int = 1790, *, client=None, month: date = date(2026, 11, 1),
                    session_id: str | None = None) -> Payment:
    """An open invoice and the pending payment start_payment leaves behind (checkout created at Stripe)."""
    client = client or world.own
    payer = world.foreign_admin if client.organisation_id == world.other_org.id else world.users["family"]
    invoice = CopayInvoice(organisation_id=client.organisation_id, client_id=client.id, month=month,
                           amount_cents=amount_cents, status="open")
    db.session.add(invoice)
    db.session.flush()
    payment = Payment(organisation_id=client.organisation_id, client_id=client.id, invoice_id=invoice.id,
                      payer_id=payer.id, amount_cents=amount_cents, currency="eur", status="pending",
                      refunded_cents=0)
    db.session.add(payment)
    db.session.flush()
    payment.provider_session_id = session_id or f"cs_test_b1Zorg{payment.id:010d}"
    payment.checkout_url = f"https://checkout.stripe.com/c/pay/{payment.provider_session_id}"
    db.session.commit()
    return payment


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def entry_keys(db) -> set[str]:
    return set(db.session.scalars(select(JournalEntry.idempotency_key)))


def balances_by_key(db) -> dict[tuple[int, str], int]:
    """Every account's balance by (organisation, key): account ids differ between two databases."""
    accounts = {aid: (org, key) for aid, org, key in db.session.execute(
        select(Account.id, Account.organisation_id, Account.key))}
    return {accounts[aid]: total for aid, total in ledger.balances(list(accounts)).items()}


def org_balances(db, organisation_id: int) -> dict[str, int]:
    return {key: total for (org, key), total in balances_by_key(db).items() if org == organisation_id}


def fresh(db, payment: Payment) -> Payment:
    db.session.expire_all()
    return db.session.get(Payment, payment.id)


def assert_ledger_sound(app, db) -> None:
    db.session.expire_all()
    assert ledger.verify() == []
    result = app.test_cli_runner().invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output
    assert "ledger ok" in result.output


# -- paying ----------------------------------------------------------------------------------

def test_a_paid_checkout_marks_payment_and_invoice_paid_and_books_one_entry(world, db, client, auth, app):
    """The whole path: the family pays through the page (demo gateway), Stripe's event confirms it."""
    invoice = CopayInvoice(organisation_id=world.org.id, client_id=world.own.id, month=date(2026, 11, 1),
                           amount_cents=1790)
    db.session.add(invoice)
    db.session.commit()
    auth.login(world.email("family"))
    token = csrf_from(client.get(f"/clients/{world.own.id}/invoices").get_data(as_text=True))
    started = client.post(f"/clients/{world.own.id}/invoices/{invoice.id}/pay", data={"csrf_token": token})
    assert started.status_code == 303
    payment = db.session.scalar(select(Payment).where(Payment.invoice_id == invoice.id))
    assert payment.status == "pending" and started.location.endswith(payment.checkout_url)

    response = deliver(client, completed(payment))

    assert response.status_code == 200 and response.get_json() == {"status": "processed"}
    payment = fresh(db, payment)
    assert payment.status == "paid" and payment.paid_at is not None
    assert payment.provider_payment_id == intent_of(payment)
    assert db.session.get(CopayInvoice, invoice.id).status == "paid"
    entries = db.session.scalars(select(JournalEntry)).all()
    assert [e.idempotency_key for e in entries] == [f"payment:{payment.id}"]
    assert [(line.source.key, line.target.key, line.amount_cents, line.kind) for line in entries[0].lines] == [
        (CLEARING, account_key(AccountKind.COPAY_RECEIVABLE, world.own.id), 1790, "payment")]
    assert db.session.scalar(select(WebhookEvent.processed_at)) is not None
    assert_ledger_sound(app, db)


def test_the_return_page_alone_never_marks_anything_paid(world, db, client, auth):
    payment = pending_payment(db, world)
    auth.login(world.email("family"))

    # Stripe sends the payer back to success_url; someone may also craft or reload that address.
    for url in (f"/billing/payments/{payment.id}",
                f"/billing/payments/{payment.id}?session_id={payment.provider_session_id}&redirect_status=succeeded",
                f"/billing/payments/{payment.id}?status=paid&payment_intent={intent_of(payment)}"):
        page = client.get(url)
        assert page.status_code == 200
        assert 'http-equiv="refresh"' in page.get_data(as_text=True)  # still waiting for Stripe

    payment = fresh(db, payment)
    assert payment.status == "pending" and payment.paid_at is None
    assert payment.invoice.status == "open"
    assert count(db, JournalEntry) == 0 and count(db, WebhookEvent) == 0


def test_an_expired_checkout_cancels_the_payment_and_books_nothing(world, db, client, app):
    payment = pending_payment(db, world)

    response = deliver(client, expired(payment))

    assert response.status_code == 200 and response.get_json() == {"status": "processed"}
    payment = fresh(db, payment)
    assert payment.status == "cancelled" and payment.invoice.status == "open"
    assert count(db, JournalEntry) == 0
    assert_ledger_sound(app, db)


# -- once, and only once ------------------------------------------------------------------------

def test_a_duplicate_event_id_is_a_200_and_nothing_new(world, db, client, app):
    payment = pending_payment(db, world)
    body = completed(payment)

    first = deliver(client, body)
    again = [deliver(client, body) for _ in range(3)]  # Stripe retries with the same event id

    assert first.get_json() == {"status": "processed"}
    assert [(r.status_code, r.get_json()) for r in again] == [(200, {"status": "duplicate"})] * 3
    assert count(db, JournalEntry) == 1 and count(db, WebhookEvent) == 1 and count(db, LedgerLine) == 1
    assert fresh(db, payment).status == "paid"
    assert_ledger_sound(app, db)


def test_a_new_event_id_for_the_same_session_and_type_is_a_no_op(world, db, client, app):
    payment = pending_payment(db, world)
    deliver(client, completed(payment))

    response = deliver(client, completed(payment))  # same session, same type, another event id

    assert response.status_code == 200 and response.get_json() == {"status": "duplicate"}
    assert entry_keys(db) == {f"payment:{payment.id}"} and count(db, WebhookEvent) == 1
    assert_ledger_sound(app, db)


def test_an_async_success_after_the_completion_books_nothing_new(world, db, client, app):
    payment = pending_payment(db, world)
    deliver(client, completed(payment))

    response = deliver(client, event("checkout.session.async_payment_succeeded", session_object(payment)))

    assert response.status_code == 200
    assert entry_keys(db) == {f"payment:{payment.id}"}
    assert_ledger_sound(app, db)



def test_a_completion_without_the_money_waits_for_the_async_success(world, db, client, app):
    payment = pending_payment(db, world)
    unpaid = session_object(payment)
    unpaid["payment_status"] = "unpaid"  # a delayed payment method: the session is complete, the money not yet
    assert deliver(client, event("checkout.session.completed", unpaid)).status_code == 200
    assert entry_keys(db) == set()
    assert fresh(db, payment).status == "pending"

    assert deliver(client, event("checkout.session.async_payment_succeeded", session_object(payment))).status_code == 200
    assert entry_keys(db) == {f"payment:{payment.id}"}
    assert fresh(db, payment).status == "paid"
    assert_ledger_sound(app, db)

# -- what is refused --------------------------------------------------------------------------

def tamper(body: str) -> str:
    data = json.loads(body)
    data["data"]["object"]["amount_total"] = 1
    return json.dumps(data)


BAD_SIGNATURES = {
    "forged digest": lambda body, secret, now: f"t={now},v1={'0' * 64}",
    "wrong secret": lambda body, secret, now: stripe_signature(body, "whsec_not_ours", now),
    "stale, more than 5 minutes": lambda body, secret, now: stripe_signature(body, secret, now - 301),
    "stale, an hour": lambda body, secret, now: stripe_signature(body, secret, now - 3600),
    "signed for another body": lambda body, secret, now: stripe_signature(tamper(body), secret, now),
    "no v1 scheme": lambda body, secret, now: stripe_signature(body, secret, now).replace("v1=", "v0="),
    "no timestamp": lambda body, secret, now: stripe_signature(body, secret, now).split(",", 1)[1],
    "empty header": lambda body, secret, now: "",
    "no header": lambda body, secret, now: None,
}


@pytest.mark.parametrize("how", list(BAD_SIGNATURES))
def test_a_bad_signature_is_a_400_and_nothing_is_stored(world, db, client, app, how):
    payment = pending_payment(db, world)
    body = completed(payment)
    signature = BAD_SIGNATURES[how](body, app.config["STRIPE_WEBHOOK_SECRET"], int(time.time()))

    response = deliver(client, body, signature)

    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_signature"
    assert count(db, WebhookEvent) == 0 and count(db, JournalEntry) == 0
    assert fresh(db, payment).status == "pending"
    # The genuine delivery afterwards still counts: nothing of the bad one was kept.
    assert deliver(client, body).get_json() == {"status": "processed"}


def test_billing_gateway_sign_makes_what_stripe_accepts(world, db, client, app):
    payment = pending_payment(db, world)
    body = completed(payment)

    response = deliver(client, body, sign(body, app.config["STRIPE_WEBHOOK_SECRET"]))

    assert response.status_code == 200 and fresh(db, payment).status == "paid"


def test_a_signature_older_than_five_minutes_is_refused_by_the_clock(world, db, client):
    """Signed now, delivered six minutes later (the clock travels, Stripe's check reads it)."""
    payment = pending_payment(db, world)
    body = completed(payment)
    signature = sign(body, client.application.config["STRIPE_WEBHOOK_SECRET"])

    with time_machine.travel(datetime.now(timezone.utc) + timedelta(minutes=6), tick=True):
        late = deliver(client, body, signature)
    with time_machine.travel(datetime.now(timezone.utc) + timedelta(minutes=4), tick=True):
        in_time = deliver(client, body, signature)

    assert late.status_code == 400 and in_time.status_code == 200
    assert entry_keys(db) == {f"payment:{payment.id}"} and count(db, WebhookEvent) == 1


@pytest.mark.parametrize("event_type", ["customer.created", "payment_intent.succeeded", "charge.refunded",
                                        "checkout.session.async_payment_failed"])
def test_an_unknown_event_type_is_a_200_and_ignored(world, db, client, event_type):
    """Stripe retries anything but a 2xx for days: a type we do not handle is acknowledged, not kept."""
    payment = pending_payment(db, world)

    response = deliver(client, event(event_type, session_object(payment)))

    assert response.status_code == 200 and response.get_json() == {"status": "ignored"}
    assert count(db, WebhookEvent) == 0 and count(db, JournalEntry) == 0
    assert fresh(db, payment).status == "pending"


@pytest.mark.parametrize("body", [
    '{"id": "evt_1", "type": "checkout.session.completed", "data": {"object": ',
    "not json at all",
    "",
    "[]",
])
def test_malformed_json_is_a_400_and_nothing_is_stored(world, db, client, body):
    response = deliver(client, body)

    assert response.status_code == 400
    assert count(db, WebhookEvent) == 0


@pytest.mark.parametrize("shape", [
    {"data": {"object": {}}}, {"data": {"object": {"object": "checkout.session"}}}, {"data": {"object": {"id": ""}}},
    {"data": {"object": "cs_test_1"}}, {"data": {"object": None}}, {"data": ["cs_test_1"]}, {"data": "cs_test_1"},
    {"data": None}, {"data": {"object": {"id": "cs_test_1"}}, "id": None},
])
def test_an_event_without_an_id_or_object_id_is_a_400(world, db, client, shape):
    body = json.dumps({"id": new_event_id(), "object": "event", "type": "checkout.session.completed", **shape})

    response = deliver(client, body)

    assert response.status_code == 400
    assert count(db, WebhookEvent) == 0


@pytest.mark.parametrize("changes", [{"amount": 1789}, {"amount": 17900}, {"amount": 0}, {"currency": "usd"}])
def test_an_amount_or_currency_mismatch_is_a_400_and_nothing_is_booked(world, db, client, app, changes):
    payment = pending_payment(db, world)

    response = deliver(client, completed(payment, **changes))

    assert response.status_code == 400 and response.get_json()["error"]["code"] == "refused"
    assert count(db, WebhookEvent) == 0 and count(db, JournalEntry) == 0
    payment = fresh(db, payment)
    assert payment.status == "pending" and payment.invoice.status == "open"
    assert deliver(client, completed(payment)).get_json() == {"status": "processed"}
    assert_ledger_sound(app, db)


# -- refunds ---------------------------------------------------------------------------------

def test_a_refund_before_the_completion_is_kept_pending_and_applied_when_it_arrives(world, db, client, app):
    payment = pending_payment(db, world, 1790)

    early = deliver(client, refund_created(payment, "re_3QzEarly0001", 500))

    assert early.status_code == 200 and early.get_json() == {"status": "pending"}
    assert count(db, JournalEntry) == 0
    assert db.session.scalar(select(WebhookEvent.processed_at)) is None
    assert deliver(client, refund_created(payment, "re_3QzEarly0001", 500)).get_json() == {"status": "duplicate"}

    done = deliver(client, completed(payment))

    assert done.get_json() == {"status": "processed"}
    payment = fresh(db, payment)
    assert payment.status == "partially_refunded" and payment.refunded_cents == 500
    assert entry_keys(db) == {f"payment:{payment.id}", "refund:re_3QzEarly0001"}
    assert db.session.scalars(select(WebhookEvent.processed_at)).all() and None not in db.session.scalars(
        select(WebhookEvent.processed_at)).all()
    receivable = account_key(AccountKind.COPAY_RECEIVABLE, world.own.id)
    assert org_balances(db, world.org.id) == {CLEARING: -1290, receivable: 1290}
    assert_ledger_sound(app, db)


def test_pending_refunds_of_another_payment_stay_pending(world, db, client):
    first, second = pending_payment(db, world), pending_payment(db, world, month=date(2026, 12, 1))
    deliver(client, refund_created(second, "re_3QzOther0001", 300))

    deliver(client, completed(first))

    assert entry_keys(db) == {f"payment:{first.id}"}
    assert fresh(db, second).status == "pending"
    assert deliver(client, completed(second)).status_code == 200
    assert fresh(db, second).refunded_cents == 300


def test_partial_refunds_add_up_and_the_last_one_makes_it_refunded(world, db, client, app):
    payment = pending_payment(db, world, 1790)
    deliver(client, completed(payment))
    receivable = account_key(AccountKind.COPAY_RECEIVABLE, world.own.id)

    assert deliver(client, refund_created(payment, "re_3QzPart0001", 500)).get_json() == {"status": "processed"}
    payment = fresh(db, payment)
    assert (payment.status, payment.refunded_cents) == ("partially_refunded", 500)
    assert payment.invoice.status == "open"  # not fully paid any more

    deliver(client, refund_created(payment, "re_3QzPart0002", 790))
    deliver(client, refund_created(payment, "re_3QzPart0002", 790))  # Stripe's retry
    assert fresh(db, payment).refunded_cents == 1290

    deliver(client, refund_created(payment, "re_3QzPart0003", 500))
    payment = fresh(db, payment)
    assert (payment.status, payment.refunded_cents) == ("refunded", 1790)
    assert entry_keys(db) == {f"payment:{payment.id}", "refund:re_3QzPart0001", "refund:re_3QzPart0002",
                              "refund:re_3QzPart0003"}
    assert org_balances(db, world.org.id) == {CLEARING: 0, receivable: 0}
    assert_ledger_sound(app, db)


@pytest.mark.parametrize("already, amount", [(0, 1791), (0, 100_000), (1000, 791), (1790, 1)])
def test_a_refund_larger_than_what_is_left_is_refused_and_nothing_booked(world, db, client, app, already, amount):
    payment = pending_payment(db, world, 1790)
    deliver(client, completed(payment))
    if already:
        assert deliver(client, refund_created(payment, "re_3QzBefore001", already)).status_code == 200
    keys_before = entry_keys(db)

    response = deliver(client, refund_created(payment, "re_3QzTooMuch01", amount))

    assert response.status_code == 400 and response.get_json()["error"]["code"] == "refused"
    assert entry_keys(db) == keys_before
    assert db.session.scalar(select(WebhookEvent).where(WebhookEvent.object_id == "re_3QzTooMuch01")) is None
    assert fresh(db, payment).refunded_cents == already
    assert_ledger_sound(app, db)


@pytest.mark.parametrize("amount", [0, -500])
def test_a_refund_without_a_positive_amount_is_refused(world, db, client, amount):
    payment = pending_payment(db, world, 1790)
    deliver(client, completed(payment))

    response = deliver(client, refund_created(payment, "re_3QzZero0001", amount))

    assert response.status_code == 400
    assert entry_keys(db) == {f"payment:{payment.id}"}


def test_ledger_verify_passes_after_payments_refunds_and_refusals(world, db, client, app):
    paid, refunded, cancelled = (pending_payment(db, world, 1790), pending_payment(db, world, 2500, client=world.other),
                                 pending_payment(db, world, 900, client=world.foreign))
    deliver(client, refund_created(refunded, "re_3QzVerify001", 2000))  # early: kept pending
    for body in (completed(paid), completed(refunded), expired(cancelled),
                 refund_created(refunded, "re_3QzVerify002", 500), refund_created(refunded, "re_3QzVerify003", 1)):
        deliver(client, body)

    assert {p.id: (p.status, p.refunded_cents) for p in map(lambda p: fresh(db, p), (paid, refunded, cancelled))} == {
        paid.id: ("paid", 0), refunded.id: ("refunded", 2500), cancelled.id: ("cancelled", 0)}
    assert org_balances(db, world.org.id)[CLEARING] == -1790
    assert org_balances(db, world.other_org.id) == {}
    assert_ledger_sound(app, db)


# -- the chaos test -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Delivery:
    body: str
    kind: str  # "genuine", "duplicate", "forged", "stale"
    age: int = 0  # seconds the signature is older than the delivery
    signed_body: str | None = None  # forged: a genuine signature, but of another body

    def signature(self, secret: str) -> str:
        now = int(time.time())
        if self.kind == "forged" and self.signed_body is None:
            return stripe_signature(self.body, "whsec_attacker", now)
        return stripe_signature(self.signed_body or self.body, secret, now - self.age)

    @property
    def expected_status(self) -> int:
        return 400 if self.kind in ("forged", "stale") else 200


def realistic_stream(payments: list[Payment], rng: random.Random) -> list[str]:
    """What Stripe sends for a month of co-payments, in the order it happens: most checkouts are
    paid, some expire; some paid ones are refunded, partly, in one or two steps, or fully."""
    stream, refunds = [], []
    for n, payment in enumerate(payments):
        if n % 5 == 4:
            stream.append(expired(payment, f"evt_1QzChaos{len(stream):06d}"))
            continue
        stream.append(completed(payment, f"evt_1QzChaos{len(stream):06d}"))
        if n % 3 == 0:
            first = rng.randint(1, payment.amount_cents - 1)
            refunds.append((payment, first))
            if n % 2 == 0:
                refunds.append((payment, rng.randint(1, payment.amount_cents - first)))
        elif n % 11 == 1:
            refunds.append((payment, payment.amount_cents))
    for i, (payment, amount) in enumerate(refunds):
        stream.append(refund_created(payment, f"re_3QzChaos{i:06d}", amount, f"evt_1QzChaos{len(stream):06d}"))
    return stream


def chaotic(stream: list[str], rng: random.Random, total: int = 1000) -> list[Delivery]:
    """Every event at least once, then duplicates, forgeries and stale replays, all shuffled."""
    deliveries = [Delivery(body, "genuine") for body in stream]
    while len(deliveries) < total:
        body = rng.choice(stream)
        roll = rng.random()
        if roll < 0.55:
            deliveries.append(Delivery(body, "duplicate", age=rng.randint(0, 280)))  # retried in time
        elif roll < 0.70:
            deliveries.append(Delivery(body, "stale", age=rng.randint(301, 3 * 86400)))  # a replay
        elif roll < 0.85:
            deliveries.append(Delivery(body, "forged"))  # signed with another secret
        else:  # tampered: more money back, or "paid" for an expired session, under a genuine signature
            data = json.loads(body)
            data["id"] = f"evt_1QzForged{len(deliveries):06d}"
            obj = data["data"]["object"]
            if data["type"] == "refund.created":
                obj["amount"] = obj["amount"] * 10
            else:
                data["type"], obj["status"], obj["payment_status"] = "checkout.session.completed", "complete", "paid"
            deliveries.append(Delivery(json.dumps(data), "forged", signed_body=body))
    rng.shuffle(deliveries)
    return deliveries


def ledger_state(db) -> dict:
    db.session.expire_all()
    return {
        "balances": balances_by_key(db),
        "entries": entry_keys(db),
        "lines": sorted(db.session.execute(
            select(JournalEntry.idempotency_key, LedgerLine.kind, LedgerLine.amount_cents)
            .join(LedgerLine, LedgerLine.entry_id == JournalEntry.id)).all()),
        "payments": {p.id: (p.status, p.refunded_cents, p.provider_payment_id)
                     for p in db.session.scalars(select(Payment))},
        "invoices": {i.id: i.status for i in db.session.scalars(select(CopayInvoice))},
        "events": set(db.session.scalars(select(WebhookEvent.event_id))),
        "unprocessed": count(db, WebhookEvent) - db.session.scalar(
            select(func.count()).select_from(WebhookEvent).where(WebhookEvent.processed_at.is_not(None))),
    }


def back_to_the_start(db) -> None:
    """A fresh state for the same payments: no ledger, no events, every payment pending again."""
    db.session.rollback()
    for table in (LedgerLine, JournalEntry, Account, WebhookEvent):
        db.session.execute(delete(table))
    db.session.execute(update(Payment).values(status="pending", refunded_cents=0, provider_payment_id=None,
                                              paid_at=None))
    db.session.execute(update(CopayInvoice).values(status="open", paid_at=None))
    db.session.commit()


def test_chaos_1000_deliveries_book_the_same_ledger_as_one_clean_delivery(world, db, client, app):
    """1,000 deliveries of a realistic stream with duplicates, reorderings and forged or stale
    signatures: forged and stale ones get a 400, and the ledger ends equal to a clean delivery."""
    rng = random.Random(20261124)
    clients = [world.own, world.other, world.foreign]
    payments = [pending_payment(db, world, rng.randint(150, 60_000), client=clients[n % 3],
                                month=date(2024 + n // 12, n % 12 + 1, 1)) for n in range(40)]
    stream = realistic_stream(payments, rng)
    secret = app.config["STRIPE_WEBHOOK_SECRET"]

    for body in stream:
        response = deliver(client, body)
        assert response.status_code == 200 and response.get_json() == {"status": "processed"}
    clean = ledger_state(db)
    assert clean["unprocessed"] == 0 and len(clean["events"]) == len(stream)
    assert {status for status, _, _ in clean["payments"].values()} == {
        "paid", "cancelled", "partially_refunded", "refunded"}
    assert_ledger_sound(app, db)

    back_to_the_start(db)
    assert ledger_state(db)["entries"] == set()
    deliveries = chaotic(stream, rng)
    assert len(deliveries) == 1000
    assert {d.kind for d in deliveries} == {"genuine", "duplicate", "forged", "stale"}
    statuses = []
    for delivery in deliveries:
        response = client.post(WEBHOOK, data=delivery.body, content_type="application/json",
                               headers={"Stripe-Signature": delivery.signature(secret)})
        statuses.append((delivery.kind, response.status_code, (response.get_json() or {}).get("status")))

    wrong = [(kind, code) for (kind, code, _), d in zip(statuses, deliveries) if code != d.expected_status]
    assert wrong == []
    outcomes = [outcome for _, code, outcome in statuses if code == 200]
    # Each event is taken once, on its first good delivery; every other good delivery is a duplicate.
    assert outcomes.count("processed") + outcomes.count("pending") == len(stream)
    assert outcomes.count("duplicate") == len(outcomes) - len(stream) > 500
    assert outcomes.count("pending") > 0  # refunds did overtake their payment's completion
    assert ledger_state(db) == clean
    assert_ledger_sound(app, db)


# -- issue 9: signed events of the wrong shape, and signatures from the future ------------------

def _malformed_amount(payment, value):
    obj = session_object(payment)
    obj["amount_total"] = value
    return event("checkout.session.completed", obj)


@pytest.mark.parametrize("make", [
    pytest.param(lambda p: _malformed_amount(p, "abc"), id="amount_total text"),
    pytest.param(lambda p: _malformed_amount(p, p.amount_cents + 0.9), id="amount_total float, int() would cut"),
    pytest.param(lambda p: _malformed_amount(p, float(p.amount_cents)), id="amount_total whole float"),
    pytest.param(lambda p: _malformed_amount(p, True), id="amount_total boolean"),
    pytest.param(lambda p: _malformed_amount(p, None), id="amount_total missing"),
    pytest.param(lambda p: event("checkout.session.completed",
                                 {**session_object(p), "id": {"id": p.provider_session_id}}), id="object as id"),
    pytest.param(lambda p: event("checkout.session.completed", {**session_object(p), "payment_intent": {"id": "pi"}}),
                 id="object as payment_intent"),
    pytest.param(lambda p: event("checkout.session.completed", {**session_object(p), "currency": 978}),
                 id="number as currency"),
    pytest.param(lambda p: event("checkout.session.completed", {**session_object(p), "id": "cs_" + "x" * 300}),
                 id="id longer than its column"),
    pytest.param(lambda p: json.dumps({"id": ["evt_1"], "object": "event", "type": "checkout.session.completed",
                                       "data": {"object": session_object(p)}}), id="event id as list"),
    pytest.param(lambda p: json.dumps({"id": new_event_id(), "object": "event", "type": "checkout.session.completed"}),
                 id="data missing"),
    pytest.param(lambda p: json.dumps({"id": new_event_id(), "object": "event", "type": None,
                                       "data": {"object": session_object(p)}}), id="type missing"),
    pytest.param(lambda p: event("checkout.session.completed", {**session_object(p), "id": "cs_\ud800"}),
                 id="lone surrogate in the id"),
    pytest.param(lambda p: '{"id": "evt_deep", "type": "checkout.session.completed", "data": '
                 + "[" * 5000 + "]" * 5000 + "}", id="nested 5,000 deep"),
])
def test_a_signed_event_of_the_wrong_shape_is_a_400_and_books_nothing(world, db, client, make):
    payment = pending_payment(db, world)

    response = deliver(client, make(payment))

    assert response.status_code == 400 and response.get_json()["error"]["code"] == "malformed_event"
    assert count(db, WebhookEvent) == 0 and count(db, JournalEntry) == 0
    assert fresh(db, payment).status == "pending"
    assert deliver(client, completed(payment)).get_json() == {"status": "processed"}


@pytest.mark.parametrize("amount", ["abc", 500.5, None, {"value": 500}])
def test_a_refund_of_the_wrong_shape_is_a_400_and_books_nothing(world, db, client, amount):
    payment = pending_payment(db, world)
    assert deliver(client, completed(payment)).status_code == 200
    entries = count(db, JournalEntry)
    body = json.loads(refund_created(payment, "re_3QzTestBad", 500))
    body["data"]["object"]["amount"] = amount

    response = deliver(client, json.dumps(body))

    assert response.status_code == 400
    assert count(db, JournalEntry) == entries and fresh(db, payment).refunded_cents == 0
    assert count(db, WebhookEvent) == 1


@pytest.mark.parametrize("ahead, status", [(60 * 60, 400), (6 * 60, 400), (4 * 60, 200), (0, 200)])
def test_a_signature_from_the_future_is_refused(world, db, client, ahead, status):
    """stripe's own check only looks back: a t= of next year would stay fresh until next year."""
    payment = pending_payment(db, world)

    response = deliver(client, completed(payment), timestamp=int(time.time()) + ahead)

    assert response.status_code == status
    if status == 400:
        assert response.get_json()["error"]["code"] == "bad_signature"
        assert count(db, WebhookEvent) == 0 and fresh(db, payment).status == "pending"


def test_an_unknown_event_of_any_shape_is_ignored_once_signed(world, db, client):
    body = json.dumps({"id": new_event_id(), "object": "event", "type": "invoice.paid", "data": "anything"})

    response = deliver(client, body)

    assert response.status_code == 200 and response.get_json() == {"status": "ignored"}
    assert count(db, WebhookEvent) == 0
