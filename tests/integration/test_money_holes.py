"""The money holes of the review, each made impossible, and each caught by ``ledger verify``
when the bad state is written directly. Races run on SQLite and PostgreSQL: many threads,
each its own app context and database session, released together by a barrier."""
from __future__ import annotations

import threading
from datetime import date, datetime, timezone

import pytest
import time_machine
from sqlalchemy import func, select, update

from billing import invoices, payments, webhooks
from billing.domain import AccountKind, LineKind, Transfer, account_key, payment_transfers
from billing.gateway import event_payload, sign
from billing.ledger import book, verify
from billing.models import CopayInvoice, CopayInvoiceLine, JournalEntry, Payment
from billing.settlement import WeekNotOver, settle_week
from marketplace.core.calendar import InvalidWeek
from marketplace.core.extensions import db
from tests.conftest import csrf_from, together
from tests.functional.test_webhooks import deliver
from tests.integration.test_settlement import (  # noqa: F401  (after_the_weeks: a fixture)
    GREEN, HEALTH_5VV, NOVEMBER, RED, WEEK, after_the_weeks, give_package)

THURSDAY_OF_W49 = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)


def entries(kind: str | None = None) -> int:
    query = select(func.count()).select_from(JournalEntry)
    return db.session.scalar(query.where(JournalEntry.kind == kind) if kind else query)


def red_november(world) -> CopayInvoice:
    give_package(world, world.own, {**HEALTH_5VV, **RED})
    settle_week(WEEK)
    return invoices.create_invoices(NOVEMBER)[0]


def complete(app, payment: Payment, intent: str) -> str:
    body = event_payload("checkout.session.completed", {
        "id": payment.provider_session_id, "object": "checkout.session", "payment_status": "paid",
        "amount_total": payment.amount_cents, "currency": "eur", "payment_intent": intent})
    response = deliver(app.test_client(), body)
    db.session.expire_all()
    return response.get_json()["status"]


# -- 1. a week in another spelling ------------------------------------------------------------

@pytest.mark.parametrize("spelling", ["2026-W48 ", " 2026-W48", "\t2026-W48\n"])
def test_a_week_in_another_spelling_is_settled_once(priced_world, spelling):
    give_package(priced_world, priced_world.own, {**HEALTH_5VV, **GREEN})
    assert settle_week(WEEK).settled == 1
    run = settle_week(spelling)
    assert (run.week, run.settled, run.already) == (WEEK, 0, 1)
    assert entries("settlement") == 1 and verify() == []


@pytest.mark.parametrize("spelling", ["٢٠٢٦-W48", "２０２６-W48", "2026-W٤٨", "2026-w48", "2026W48", "2026-W48-1"])
def test_a_week_in_other_digits_is_refused(priced_world, spelling):
    with pytest.raises(InvalidWeek):
        settle_week(spelling)
    assert entries() == 0


# -- 2. weeks that are not over --------------------------------------------------------------

@pytest.mark.parametrize("week", ["2026-W49", "2026-W50", "9999-W52"])
def test_a_week_that_is_not_over_is_not_settled(priced_world, week):
    give_package(priced_world, priced_world.own, {**HEALTH_5VV, **GREEN})
    with time_machine.travel(THURSDAY_OF_W49, tick=False):
        with pytest.raises(WeekNotOver):
            settle_week(week)
        assert settle_week(WEEK).settled == 1  # the week before is over
    assert entries("settlement") == 1


def test_the_api_says_a_week_is_not_over_yet(priced_world, client, auth):
    with time_machine.travel(THURSDAY_OF_W49, tick=False):
        auth.login(priced_world.email("admin"))  # CSRF tokens carry a time: made on that day
        response = client.post("/api/v1/admin/settlements", json={"week": "2026-W49"},
                               headers={"X-CSRFToken": auth.csrf})
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] == "week_not_over"
    assert "2026-12-07" in response.get_json()["error"]["message"]


# -- 3. one invoice, paid once ------------------------------------------------------------------

def test_a_paid_invoice_is_never_settled_twice_a_late_checkout_is_refunded(app, priced_world):
    invoice = red_november(priced_world)
    family = priced_world.users["family"]
    with app.test_request_context():
        old = invoices.pay_invoice(family, invoice)
    payments.cancel_payment(db.session.get(Payment, old.id))  # the checkout expired
    db.session.commit()
    with app.test_request_context():
        new = invoices.pay_invoice(family, db.session.get(CopayInvoice, invoice.id))
    assert new.id != old.id
    assert complete(app, new, "pi_new") == "processed"
    assert complete(app, old, "pi_old") == "processed"  # paid after all, at the provider

    old, new = db.session.get(Payment, old.id), db.session.get(Payment, new.id)
    assert (new.status, new.overpaid_cents) == ("paid", 0)
    # The late payment settled nothing: it was booked apart and given back (the demo provider's
    # refund event came through the same webhook).
    assert (old.overpaid_cents, old.refunded_cents, old.status) == (1790, 1790, "refunded")
    assert db.session.get(CopayInvoice, invoice.id).paid_cents == 1790
    assert verify() == []


def test_ten_pay_clicks_at_once_open_one_checkout(app, priced_world):
    invoice_id = red_november(priced_world).id
    family_id = priced_world.users["family"].id
    from marketplace.accounts.models import User

    def click(_i):
        with app.test_request_context():
            return invoices.pay_invoice(db.session.get(User, family_id),
                                        db.session.get(CopayInvoice, invoice_id)).id

    results = together(app, 10, click)
    paid_ids = {r for r in results if isinstance(r, int)}
    others = [r for r in results if not isinstance(r, int)]
    assert len(paid_ids) == 1, results
    assert all(isinstance(r, payments.PaymentInProgress) for r in others), others
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 1


def test_the_demo_checkout_refuses_a_closed_session(app, priced_world, client, auth):
    invoice = red_november(priced_world)
    with app.test_request_context():
        payment = invoices.pay_invoice(priced_world.users["family"], invoice)
    payments.cancel_payment(db.session.get(Payment, payment.id))
    db.session.commit()
    auth.login(priced_world.email("family"))
    page = client.get(f"/billing/demo-checkout/{payment.provider_session_id}")
    assert page.status_code == 302
    token = csrf_from(client.get(f"/clients/{priced_world.own.id}/invoices").get_data(as_text=True))
    response = client.post(f"/billing/demo-checkout/{payment.provider_session_id}",
                           data={"action": "pay", "csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Payment, payment.id).status == "cancelled"
    assert entries("payment") == 0


# -- 4. refunds never exceed the payment ---------------------------------------------------------

def paid(app, world) -> Payment:
    invoice = red_november(world)
    with app.test_request_context():
        payment = invoices.pay_invoice(world.users["family"], invoice)
    assert complete(app, payment, "pi_paid") == "processed"
    return db.session.get(Payment, payment.id)


def test_six_full_refunds_asked_at_once_refund_once(app, priced_world):
    payment = paid(app, priced_world)
    admin_id = priced_world.users["admin"].id
    from marketplace.accounts.models import User

    def ask(_i):
        return payments.request_refund(db.session.get(User, admin_id), db.session.get(Payment, payment.id), 1790)

    results = together(app, 6, ask)
    asked = [r for r in results if isinstance(r, str)]
    assert len(asked) == 1, results
    assert all(isinstance(r, payments.RefundTooLarge) for r in results if not isinstance(r, str))
    db.session.expire_all()
    assert db.session.get(Payment, payment.id).refund_requested_cents == 1790


def test_six_refund_events_at_once_book_one_refund(app, priced_world):
    payment = paid(app, priced_world)
    secret = app.config["STRIPE_WEBHOOK_SECRET"]

    def refund_event(i):
        body = event_payload("refund.created", {"id": f"re_race_{i}", "object": "refund", "amount": 1790,
                                                "currency": "eur", "payment_intent": "pi_paid"})
        try:
            return webhooks.handle(body.encode(), sign(body, secret)).status
        except payments.RefundTooLarge:
            return "refused"

    results = together(app, 6, refund_event)
    assert sorted(results) == ["processed"] + ["refused"] * 5, results
    db.session.expire_all()
    assert db.session.get(Payment, payment.id).refunded_cents == 1790
    assert entries("refund") == 1 and verify() == []


# -- 6. a refund matched only by the provider's ids ----------------------------------------------

def test_a_refund_without_payment_intent_is_refused_and_never_applied_elsewhere(app, priced_world):
    invoice = red_november(priced_world)
    body = event_payload("refund.created", {"id": "re_orphan", "object": "refund", "amount": 500, "currency": "eur"})
    assert deliver(app.test_client(), body).status_code == 400
    with app.test_request_context():
        payment = invoices.pay_invoice(priced_world.users["family"], invoice)
    assert complete(app, payment, "pi_someone") == "processed"
    assert db.session.get(Payment, payment.id).refunded_cents == 0
    assert entries("refund") == 0 and verify() == []


def test_a_refund_that_waits_is_applied_only_to_its_own_payment(app, priced_world):
    invoice = red_november(priced_world)
    early = event_payload("refund.created", {"id": "re_early", "object": "refund", "amount": 500,
                                             "currency": "eur", "payment_intent": "pi_other"})
    assert deliver(app.test_client(), early).get_json()["status"] == "pending"
    with app.test_request_context():
        payment = invoices.pay_invoice(priced_world.users["family"], invoice)
    assert complete(app, payment, "pi_mine") == "processed"
    assert db.session.get(Payment, payment.id).refunded_cents == 0  # not ours: still waiting
    assert entries("refund") == 0


# -- 15. two settlements at once ------------------------------------------------------------------

def test_two_settlements_at_once_book_once(app, priced_world):
    give_package(priced_world, priced_world.own, {**HEALTH_5VV, **GREEN})
    give_package(priced_world, priced_world.other, {**HEALTH_5VV, **RED})
    results = together(app, 2, lambda _i: settle_week(WEEK))
    assert not any(isinstance(r, Exception) for r in results), results
    assert sorted((r.settled, r.already) for r in results) == [(0, 2), (2, 0)]
    db.session.expire_all()
    assert entries("settlement") == 2 and verify() == []


# -- ledger verify catches each hole when the bad state is written directly ---------------------

def rules() -> set[str]:
    return {breach.rule for breach in verify()}


def test_verify_catches_a_week_settled_twice(priced_world):
    give_package(priced_world, priced_world.own, {**HEALTH_5VV, **GREEN})
    settle_week(WEEK)
    entry = db.session.scalar(select(JournalEntry).where(JournalEntry.kind == "settlement"))
    # What the raw-string key did: the same week booked again under "2026-W48 ".
    book(priced_world.org.id, f"settle:{WEEK} :{priced_world.own.id}", "settlement",
         [Transfer(line.source.key, line.target.key, line.amount_cents, LineKind(line.kind)) for line in entry.lines],
         booked_on=entry.booked_on, client_id=priced_world.own.id, team_id=entry.team_id)
    db.session.commit()
    assert {"client settled twice in one week", "settlement key not built from its week"} <= rules()


def test_verify_catches_a_week_left_off_an_invoice(priced_world):
    give_package(priced_world, priced_world.own, {**HEALTH_5VV, **RED})
    settle_week(WEEK)
    settle_week("2026-W49")
    invoice = invoices.create_invoices(NOVEMBER)[0]
    # What the old invoicing did: the invoice holds one week; the other week was never invoiced.
    line = invoice.lines[-1]
    db.session.delete(line)
    db.session.execute(update(CopayInvoice).where(CopayInvoice.id == invoice.id).values(amount_cents=1790))
    db.session.commit()
    assert "settled co-payment left off an invoice" in rules()


def test_verify_catches_an_invoice_that_differs_from_its_lines(priced_world):
    invoice = red_november(priced_world)
    db.session.execute(update(CopayInvoice).where(CopayInvoice.id == invoice.id).values(amount_cents=9999))
    db.session.commit()
    assert "invoice differs from its lines" in rules()


def test_verify_catches_an_invoice_paid_twice(priced_world):
    invoice = red_november(priced_world)
    for n in (1, 2):  # what the old code booked: two payments, both settling the receivable
        payment = Payment(organisation_id=priced_world.org.id, client_id=priced_world.own.id, invoice_id=invoice.id,
                          payer_id=priced_world.users["family"].id, amount_cents=1790, status="paid",
                          provider_session_id=f"cs_twice_{n}", provider_payment_id=f"pi_twice_{n}")
        db.session.add(payment)
        db.session.flush()
        book(priced_world.org.id, f"payment:{payment.id}", "payment", payment_transfers(priced_world.own.id, 1790),
             client_id=priced_world.own.id)
    db.session.commit()
    assert "invoice paid beyond its amount" in rules()


def test_verify_catches_refunds_beyond_the_payment_and_an_overpayment_not_given_back(priced_world):
    invoice = red_november(priced_world)
    payment = Payment(organisation_id=priced_world.org.id, client_id=priced_world.own.id, invoice_id=invoice.id,
                      payer_id=priced_world.users["family"].id, amount_cents=1790, status="refunded",
                      refunded_cents=1790, refund_requested_cents=1790, overpaid_cents=0)
    db.session.add(payment)
    db.session.flush()
    book(priced_world.org.id, f"payment:{payment.id}", "payment", payment_transfers(priced_world.own.id, 1790),
         client_id=priced_world.own.id)
    for n in range(3):  # the lost update: three full refunds booked, refunded_cents says one
        book(priced_world.org.id, f"refund:re_lost_{n}", "refund", [Transfer(
            account_key(AccountKind.COPAY_RECEIVABLE, priced_world.own.id), account_key(AccountKind.PAYMENT_CLEARING),
            1790, LineKind.REFUND)], memo=f"refund re_lost_{n} of payment {payment.id}", client_id=priced_world.own.id)
    overpaid = Payment(organisation_id=priced_world.org.id, client_id=priced_world.own.id, invoice_id=invoice.id,
                       payer_id=priced_world.users["family"].id, amount_cents=1790, status="paid", overpaid_cents=1790)
    db.session.add(overpaid)
    db.session.flush()
    book(priced_world.org.id, f"payment:{overpaid.id}", "payment", [Transfer(
        account_key(AccountKind.PAYMENT_CLEARING), account_key(AccountKind.OVERPAYMENT, priced_world.own.id), 1790,
        LineKind.OVERPAYMENT)], client_id=priced_world.own.id)
    db.session.commit()
    assert {"refunds exceed the payment", "refunds booked differ from the payment's",
            "overpayment awaiting refund"} <= rules()


def test_verify_catches_a_paid_payment_that_was_never_booked_and_the_cli_fails(app, priced_world):
    invoice = red_november(priced_world)
    db.session.add(Payment(organisation_id=priced_world.org.id, client_id=priced_world.own.id, invoice_id=invoice.id,
                           payer_id=priced_world.users["family"].id, amount_cents=1790, status="paid"))
    db.session.commit()
    assert "paid payment not booked once" in rules()
    result = app.test_cli_runner().invoke(args=["ledger", "verify"])
    assert result.exit_code == 1 and "paid payment not booked once" in result.output


def test_a_paid_invoice_never_changes(priced_world):
    give_package(priced_world, priced_world.own, {**HEALTH_5VV, **RED})
    settle_week(WEEK)
    first = invoices.create_invoices(NOVEMBER)[0]
    weeks_before = [(line.week, line.amount_cents) for line in first.lines]
    settle_week("2026-W49")  # settled after the month was invoiced
    supplementary = invoices.create_invoices(NOVEMBER)
    db.session.expire_all()
    assert [(line.week, line.amount_cents) for line in db.session.get(CopayInvoice, first.id).lines] == weeks_before
    assert [(i.sequence, [line.week for line in i.lines], i.amount_cents) for i in supplementary] == [
        (2, ["2026-W49"], 1790)]
    assert invoices.create_invoices(NOVEMBER) == []
    assert db.session.scalar(select(func.count()).select_from(CopayInvoiceLine)) == 2
    assert verify() == []


def test_a_week_settled_after_invoicing_waits_for_the_next_run_without_a_breach(priced_world):
    give_package(priced_world, priced_world.own, {**HEALTH_5VV, **RED})
    settle_week(WEEK)
    invoices.create_invoices(NOVEMBER)
    settle_week("2026-W49")
    assert verify() == []  # not yet invoiced is not lost: the next run takes it
    assert date(2026, 11, 30) in [line.booked_on for i in invoices.create_invoices(NOVEMBER) for line in i.lines]


# -- found by attacking the fixes ----------------------------------------------------------------

@pytest.mark.parametrize("amount", [999_999, 1791])
def test_a_parked_refund_that_cannot_be_applied_never_blocks_its_payment(app, priced_world, amount):
    invoice = red_november(priced_world)
    with app.test_request_context():
        payment = invoices.pay_invoice(priced_world.users["family"], invoice)
    early = event_payload("refund.created", {"id": "re_too_much", "object": "refund", "amount": amount,
                                             "currency": "eur", "payment_intent": "pi_blocked"})
    assert deliver(app.test_client(), early).get_json()["status"] == "pending"
    assert complete(app, payment, "pi_blocked") == "processed"
    stored = db.session.get(Payment, payment.id)
    assert (stored.status, stored.refunded_cents) == ("paid", 0)
    assert entries("payment") == 1 and entries("refund") == 0 and verify() == []


@pytest.mark.parametrize("refund", [{"amount": 0}, {"amount": 500, "id": "re_" + "x" * 200}])
def test_a_refund_of_nothing_or_with_an_overlong_id_is_refused_at_once(app, priced_world, refund):
    body = event_payload("refund.created", {"id": "re_odd", "object": "refund", "currency": "eur",
                                            "payment_intent": "pi_odd", **refund})
    assert deliver(app.test_client(), body).status_code == 400
    assert entries() == 0


def test_two_give_backs_of_one_overpayment_at_once_refund_it_once(app, priced_world, monkeypatch):
    invoice = red_november(priced_world)
    with app.test_request_context():
        payment = invoices.pay_invoice(priced_world.users["family"], invoice)
    # Booked as an overpayment, its give-back held back so that two can race for it.
    monkeypatch.setattr(webhooks, "_give_back_overpayment", lambda session_id: None)
    # 500 of the invoice was paid another way meanwhile: of the 1790 that now arrives, 1290
    # settles what is due and 500 is an overpayment (less than half the payment, so a second
    # give-back would still fit in the payment: only the overpaid part stops it).
    elsewhere = Payment(organisation_id=priced_world.org.id, client_id=priced_world.own.id, invoice_id=invoice.id,
                        payer_id=priced_world.users["family"].id, amount_cents=500, status="paid")
    db.session.add(elsewhere)
    db.session.flush()
    book(priced_world.org.id, f"payment:{elsewhere.id}", "payment", payment_transfers(priced_world.own.id, 500),
         client_id=priced_world.own.id)
    db.session.commit()
    assert complete(app, payment, "pi_over") == "processed"
    assert db.session.get(Payment, payment.id).overpaid_cents == 500
    barrier = threading.Barrier(2)
    reserve = payments._reserve_refund

    def both_read_before_either_reserves(payment_id, amount, **kwargs):
        barrier.wait(10)
        return reserve(payment_id, amount, **kwargs)

    monkeypatch.setattr(payments, "_reserve_refund", both_read_before_either_reserves)
    results = together(app, 2, lambda _i: payments.overpayments_to_refund([payment.id]))
    assert sorted(len(r) for r in results) == [0, 1], results
    db.session.expire_all()
    assert db.session.get(Payment, payment.id).refund_requested_cents == 500


@pytest.mark.postgres
def test_an_expiry_racing_the_completion_never_cancels_a_booked_payment(app, priced_world, monkeypatch):
    invoice = red_november(priced_world)
    with app.test_request_context():
        payment = invoices.pay_invoice(priced_world.users["family"], invoice)
    session_id, secret = payment.provider_session_id, app.config["STRIPE_WEBHOOK_SECRET"]
    read, go, outcome = threading.Event(), threading.Event(), {}
    find = payments.payment_for_session

    def expiry_reads_then_waits(sid):
        found = find(sid)
        if threading.current_thread().name == "expiry":
            assert found.status == "pending"
            read.set()
            go.wait(3)  # the completion arrives meanwhile
        return found

    monkeypatch.setattr(payments, "payment_for_session", expiry_reads_then_waits)

    def expire():
        with app.app_context():
            body = event_payload("checkout.session.expired", {"id": session_id, "object": "checkout.session"})
            outcome["status"] = webhooks.handle(body.encode(), sign(body, secret)).status
            db.session.remove()

    thread = threading.Thread(target=expire, name="expiry")
    thread.start()
    read.wait(10)
    assert complete(app, payment, "pi_race") == "processed"
    go.set()
    thread.join(20)
    db.session.expire_all()
    stored = db.session.get(Payment, payment.id)
    assert outcome["status"] == "processed" and stored.status == "paid"
    assert db.session.get(CopayInvoice, invoice.id).status == "paid"
    assert verify() == []
