"""The ledger under a random sequence of real operations (Hypothesis stateful testing).

Rules: settle a random week for residents with random packages (with or without savings),
make the month's invoices, start and pay a co-payment through the real webhook route with
signed events, refund part of a payment, deliver a duplicate webhook, deliver a payment's
webhooks out of order. After every step: every entry balances, no savings pot is negative,
no idempotency key is booked twice, ``verify()`` is empty, and every pot holds what a simple
model of the rules (DOMAIN.md §4 and §7) says it should.

Each example starts from an empty database with a fresh world (built in the machine's
``__init__``, emptied again in ``teardown``). Runs on SQLite and on PostgreSQL.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone

import time_machine

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from sqlalchemy import func, select

from billing import invoices, payments
from billing.domain import AccountKind, account_key
from billing.gateway import event_payload, sign
from billing.ledger import balances, savings_balances, verify
from billing.models import Account, CopayInvoice, JournalEntry, LedgerLine, Payment
from billing.settlement import monday_of, settle_week, week_of
from care.catalogue import budget_table, load_catalogue, price_list
from care.domain import Category, settle
from care.models import PackageLine, PackageVersion, Service
from marketplace.core.extensions import db
from marketplace.core.extensions import limiter
from tests.conftest import IsolatedClient, _empty_all_tables
from tests.factories import add_contact, build_world, make_client

WEBHOOK = "/billing/webhooks/stripe"
WEEKS = [f"2026-W{n}" for n in range(45, 53)]  # 2 November .. 21 December 2026: two months
MONTHS = [date(2026, 11, 1), date(2026, 12, 1)]
HEALTH_5VV = {"H01": 21, "H04": 14, "H10": 14}
REINDICATION = {"H01": 21, "H02": 7, "H03": 28, "H04": 21, "H05": 7, "H12": 14, "H13": 7}
CORE_CODES = ["C01", "C02", "C03", "C04", "C07", "C08", "C09", "C10"]
GREEN = {"C01": 7, "C02": 2, "C03": 7, "C07": 8, "C08": 3}  # with HEALTH_5VV: 14290 into savings
RED = {"C01": 7, "C02": 2, "C03": 7, "C04": 7, "C07": 10, "C08": 5}  # with HEALTH_5VV: co-pay 1790
SUCCESS_EVENTS = ["checkout.session.completed", "checkout.session.async_payment_succeeded"]

packages = st.one_of(
    st.none(),  # no new version this week: the last one stays active (or none at all)
    st.tuples(
        st.sampled_from([{}, {"H01": 7}, HEALTH_5VV, REINDICATION]),
        st.one_of(st.sampled_from([GREEN, RED]),
                  st.dictionaries(st.sampled_from(CORE_CODES), st.integers(1, 21), max_size=6)),
        st.booleans(),
    ),
)


@dataclass
class ModelPayment:
    id: int
    client_id: int
    invoice_id: int
    amount: int
    session_id: str
    intent: str
    status: str = "pending"
    refunded: int = 0
    overpaid: int = 0  # paid beyond what was due when it was confirmed: booked apart, given back
    pending_refunds: list[tuple[str, int]] = field(default_factory=list)

    @property
    def kept(self) -> int:
        """What it settles of its invoice: refunds take the overpaid part first."""
        if self.status not in ("paid", "partially_refunded", "refunded"):
            return 0
        return self.amount - max(self.refunded, self.overpaid)


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self, app):
        super().__init__()
        self.app = app
        _empty_all_tables()
        limiter.reset()
        world = build_world()
        load_catalogue(world.org)
        third = make_client(world.org, world.own.location, world.team, "Derde Bewoner", profile="4VV")
        add_contact(world.other, world.users["family"], pay=True)
        add_contact(third, world.users["family"], pay=True)
        db.session.commit()
        self.world = world
        self.org_id = world.org.id
        self.family = world.users["family"]
        self.admin = world.users["admin"]
        self.residents = {c.id: c.care_profile for c in (world.own, world.other, third)}
        self.teams = {world.own.id: world.team.id, world.other.id: world.other_team.id, third.id: world.team.id}
        self.service_ids = dict(db.session.execute(select(Service.code, Service.id).where(
            Service.organisation_id == self.org_id)).all())
        prices = price_list(world.org, monday_of(WEEKS[0]))
        self.unit = {code: p.unit_cents for code, p in prices.items()}
        self.health_codes = {code for code, p in prices.items() if p.category == Category.HEALTH}
        self.budgets = budget_table(world.org, monday_of(WEEKS[0]))
        self.http = IsolatedClient(app, app.response_class)
        self.secret = app.config["STRIPE_WEBHOOK_SECRET"]
        # The model.
        self.versions: dict[int, list[tuple[date, dict[str, int], bool]]] = {cid: [] for cid in self.residents}
        self.settled: set[tuple[str, int]] = set()
        self.copays: dict[tuple[int, date], int] = {}  # (client, month) → co-pay booked in that month
        self.invoiced: dict[tuple[int, date], int] = {}  # (client, month) → co-pay on its invoices so far
        self.invoice_amounts: dict[int, int] = {}
        self.invoice_status: dict[int, str] = {}
        self.payments: dict[int, ModelPayment] = {}
        self.pots: dict[str, int] = {}
        self.entries = 0
        self.delivered: list[tuple[str, str, dict]] = []  # (body, type, object) of stored events
        self.stored: set[tuple[str, str]] = set()  # (type, object id): the webhook keeps each once

    def teardown(self):
        _empty_all_tables()

    # -- helpers ---------------------------------------------------------------------------

    def move(self, source: str, target: str, amount: int) -> None:
        if amount:
            self.pots[source] = self.pots.get(source, 0) - amount
            self.pots[target] = self.pots.get(target, 0) + amount

    def deliver(self, event_type: str, obj: dict, body: str | None = None) -> str:
        """POST a signed event to the real webhook route; returns the outcome."""
        db.session.commit()  # the route runs in its own session: end ours first
        body = body or event_payload(event_type, obj)
        response = self.http.post(WEBHOOK, data=body, content_type="application/json",
                                  headers={"Stripe-Signature": sign(body, self.secret)})
        db.session.expire_all()
        assert response.status_code == 200, response.get_data(as_text=True)
        status = response.get_json()["status"]
        if status != "duplicate":
            self.delivered.append((body, event_type, obj))
            self.stored.add((event_type, obj["id"]))
        return status

    def open_invoices(self) -> list[int]:
        return sorted(i for i, status in self.invoice_status.items() if status == "open")

    def confirmed(self) -> list[ModelPayment]:
        return [p for p in self.payments.values() if p.status not in ("pending", "cancelled")]

    def refundable(self) -> list[ModelPayment]:
        return [p for p in self.payments.values() if p.status in ("paid", "partially_refunded")]

    def start(self, invoice_id: int) -> ModelPayment:
        with self.app.test_request_context():
            invoice = db.session.get(CopayInvoice, invoice_id)
            payment = invoices.pay_invoice(self.family, invoice)
        model = ModelPayment(payment.id, payment.client_id, invoice_id, payment.amount_cents,
                             payment.provider_session_id, f"pi_sm_{payment.id}")
        # What is still due: the invoice less what came in and was not refunded.
        received = sum(p.kept for p in self.payments.values() if p.invoice_id == invoice_id)
        assert model.amount == self.invoice_amounts[invoice_id] - received
        if model.id in self.payments:  # an open checkout for the same amount is reused
            return self.payments[model.id]
        self.payments[model.id] = model
        return model

    def completed(self, payment: ModelPayment, event_type: str = "checkout.session.completed") -> str:
        obj = {"id": payment.session_id, "object": "checkout.session", "amount_total": payment.amount,
               "currency": "eur", "payment_intent": payment.intent, "payment_status": "paid",
               "metadata": {"payment_id": str(payment.id)}}
        status = self.deliver(event_type, obj)
        assert status == "processed"
        if payment.status in ("pending", "cancelled"):
            due = self.invoice_amounts[payment.invoice_id] - sum(
                p.kept for p in self.payments.values() if p.invoice_id == payment.invoice_id and p is not payment)
            kept = min(payment.amount, max(due, 0))
            payment.status, payment.overpaid = "paid", payment.amount - kept
            self.entries += 1
            self.move(account_key(AccountKind.PAYMENT_CLEARING),
                      account_key(AccountKind.COPAY_RECEIVABLE, payment.client_id), kept)
            self.move(account_key(AccountKind.PAYMENT_CLEARING),
                      account_key(AccountKind.OVERPAYMENT, payment.client_id), payment.overpaid)
            for refund_id, amount in payment.pending_refunds:
                self.booked_refund(payment, amount)
            payment.pending_refunds = []
            if payment.overpaid > payment.refunded:  # given back at once (the demo provider's event)
                self.booked_refund(payment, payment.overpaid - payment.refunded)
            self.recount(payment.invoice_id)
        return status

    def recount(self, invoice_id: int) -> None:
        kept = sum(p.kept for p in self.payments.values() if p.invoice_id == invoice_id)
        self.invoice_status[invoice_id] = "paid" if kept >= self.invoice_amounts[invoice_id] else "open"

    def expired(self, payment: ModelPayment) -> None:
        obj = {"id": payment.session_id, "object": "checkout.session", "amount_total": payment.amount,
               "currency": "eur", "payment_intent": None, "payment_status": "unpaid"}
        assert self.deliver("checkout.session.expired", obj) == "processed"
        if payment.status == "pending":
            payment.status = "cancelled"

    def refund_event(self, payment: ModelPayment, refund_id: str, amount: int) -> str:
        obj = {"id": refund_id, "object": "refund", "amount": amount, "currency": "eur",
               "payment_intent": payment.intent, "status": "succeeded"}
        status = self.deliver("refund.created", obj)
        if payment.status in ("paid", "partially_refunded"):
            assert status == "processed"
            self.booked_refund(payment, amount)
        else:
            assert status == "pending"  # kept until the payment's completion arrives
            payment.pending_refunds.append((refund_id, amount))
        return status

    def booked_refund(self, payment: ModelPayment, amount: int) -> None:
        self.entries += 1
        from_overpaid = min(amount, max(payment.overpaid - payment.refunded, 0))
        payment.refunded += amount
        payment.status = "refunded" if payment.refunded == payment.amount else "partially_refunded"
        self.move(account_key(AccountKind.OVERPAYMENT, payment.client_id),
                  account_key(AccountKind.PAYMENT_CLEARING), from_overpaid)
        self.move(account_key(AccountKind.COPAY_RECEIVABLE, payment.client_id),
                  account_key(AccountKind.PAYMENT_CLEARING), amount - from_overpaid)
        self.recount(payment.invoice_id)  # a refund of what was kept leaves something due again

    # -- rules -----------------------------------------------------------------------------

    @rule(week=st.sampled_from(WEEKS), data=st.data())
    def settle_a_week(self, week, data):
        monday = monday_of(week)
        for client_id in sorted(self.residents):
            if (week, client_id) in self.settled:
                continue  # a settled week books nothing new, whatever changes later
            choice = data.draw(packages, label=f"package of {client_id}")
            if choice is None:
                continue
            health, core, use = choice
            lines = {**health, **core}
            number = db.session.scalar(select(func.count()).select_from(PackageVersion).where(
                PackageVersion.client_id == client_id)) + 1
            db.session.add(PackageVersion(
                client_id=client_id, number=number, status="active", created_by_id=self.world.users["nurse"].id,
                active_from=monday, use_savings=use,
                lines=[PackageLine(service_id=self.service_ids[code], per_week=n) for code, n in lines.items()]))
            self.versions[client_id].append((monday, lines, use))
        db.session.commit()

        # The model: per resident the latest version from on or before Monday, if not settled yet.
        expected = {}
        for client_id, versions in self.versions.items():
            current = [v for v in versions if v[0] <= monday]  # in the order they were written
            if (week, client_id) in self.settled or not current:
                continue
            # The latest start on or before Monday; on one Monday the later number wins.
            _, lines, use = max(enumerate(current), key=lambda iv: (iv[1][0], iv[0]))[1]
            health = sum(self.unit[c] * n for c, n in lines.items() if c in self.health_codes)
            core = sum(self.unit[c] * n for c, n in lines.items() if c not in self.health_codes)
            savings = self.pots.get(account_key(AccountKind.CLIENT_SAVINGS, client_id), 0)
            expected[client_id] = settle(health, core, self.budgets[self.residents[client_id]], savings, use)
        already = sum(1 for (w, _c) in self.settled if w == week)

        # Weeks in any spelling: the key is built from the normalised week.
        spelling = data.draw(st.sampled_from([week, f" {week}", f"{week} ", f"\t{week}\n"]), label="spelling")
        run = settle_week(spelling)
        db.session.expire_all()
        assert (run.week, run.settled, run.already, run.skipped) == (week, len(expected), already, [])

        for client_id, result in expected.items():
            self.settled.add((week, client_id))
            self.entries += 1
            budget = account_key(AccountKind.CLIENT_BUDGET, client_id)
            savings = account_key(AccountKind.CLIENT_SAVINGS, client_id)
            team = account_key(AccountKind.TEAM_BUDGET, self.teams[client_id])
            self.move(account_key(AccountKind.FUNDING), budget, result.budget_cents)
            self.move(budget, team, result.health_from_budget)
            self.move(account_key(AccountKind.RESERVE), team, result.reserve_cents)
            self.move(budget, team, result.core_from_budget)
            self.move(savings, team, result.from_savings)
            self.move(account_key(AccountKind.COPAY_RECEIVABLE, client_id), team, result.copay_cents)
            self.move(budget, savings, result.to_savings)
            assert result.copay_cents <= result.core_cents  # health never produces a co-payment
            assert result.from_savings <= result.core_cents  # savings pay core lines only
            if result.copay_cents:
                month = monday.replace(day=1)
                self.copays[(client_id, month)] = self.copays.get((client_id, month), 0) + result.copay_cents

    def uninvoiced_months(self) -> list[date]:
        return sorted({m for key, m in ((key, key[1]) for key in self.copays)
                       if self.copays[key] > self.invoiced.get(key, 0)})

    @precondition(lambda self: self.uninvoiced_months())
    @rule(data=st.data())
    def make_invoices(self, data):
        month = data.draw(st.sampled_from(self.uninvoiced_months()), label="month")
        created = invoices.create_invoices(month)
        db.session.expire_all()
        # Every co-paid week up to the end of the month that is on no invoice yet: weeks settled
        # after their month was invoiced go on a supplementary invoice of that month.
        expected = {(cid, m): amount - self.invoiced.get((cid, m), 0) for (cid, m), amount in self.copays.items()
                    if m <= month and amount > self.invoiced.get((cid, m), 0)}
        assert {(i.client_id, i.month): i.amount_cents for i in created} == expected
        for invoice in created:
            assert invoice.amount_cents == sum(line.amount_cents for line in invoice.lines)
            key = (invoice.client_id, invoice.month)
            self.invoiced[key] = self.invoiced.get(key, 0) + invoice.amount_cents
            self.invoice_amounts[invoice.id] = invoice.amount_cents
            self.invoice_status[invoice.id] = "open"

    @precondition(lambda self: self.open_invoices())
    @rule(data=st.data())
    def pay_a_co_payment(self, data):
        invoice_id = data.draw(st.sampled_from(self.open_invoices()), label="invoice")
        payment = self.start(invoice_id)
        assert db.session.scalar(select(func.count()).select_from(JournalEntry)) == self.entries  # books nothing
        event_type = data.draw(st.sampled_from(SUCCESS_EVENTS), label="event")
        self.completed(payment, event_type)
        stored = db.session.get(Payment, payment.id)
        assert (stored.status, stored.provider_payment_id) == ("paid", payment.intent)
        assert db.session.get(CopayInvoice, invoice_id).status == "paid"
        with self.app.test_request_context():  # paying it again is refused
            try:
                invoices.pay_invoice(self.family, db.session.get(CopayInvoice, invoice_id))
            except invoices.InvoiceNotPayable:
                pass
            else:
                raise AssertionError("a paid invoice could be paid again")

    @precondition(lambda self: self.refundable())
    @rule(data=st.data())
    def refund_part_of_a_payment(self, data):
        payment = data.draw(st.sampled_from(self.refundable()), label="payment")
        amount = data.draw(st.integers(1, payment.amount - payment.refunded), label="amount")
        with self.app.test_request_context():
            refund_id = payments.request_refund(self.admin, db.session.get(Payment, payment.id), amount)
        assert self.refund_event(payment, refund_id, amount) == "processed"
        stored = db.session.get(Payment, payment.id)
        assert (stored.status, stored.refunded_cents) == (payment.status, payment.refunded)

    @precondition(lambda self: self.delivered)
    @rule(data=st.data())
    def deliver_a_duplicate_webhook(self, data):
        body, event_type, obj = data.draw(st.sampled_from(self.delivered), label="event")
        fresh_id = data.draw(st.booleans(), label="new event id")  # a retry, or a replay under a new id
        assert self.deliver(event_type, obj, body=None if fresh_id else body) == "duplicate"
        # Nothing booked or changed: the invariants compare the ledger with the unchanged model.

    @precondition(lambda self: self.confirmed())
    @rule(data=st.data())
    def deliver_a_second_success_event(self, data):
        """Stripe sends ``completed`` and, for delayed methods, ``async_payment_succeeded`` too."""
        payment = data.draw(st.sampled_from(self.confirmed()), label="payment")
        event_type = data.draw(st.sampled_from(SUCCESS_EVENTS), label="event")
        if (event_type, payment.session_id) in self.stored:
            obj = next(o for _b, t, o in self.delivered if t == event_type and o["id"] == payment.session_id)
            assert self.deliver(event_type, obj) == "duplicate"
        else:
            before = (payment.status, payment.refunded)
            self.completed(payment, event_type)  # processed, and books nothing again
            assert (payment.status, payment.refunded) == before

    @precondition(lambda self: self.open_invoices())
    @rule(data=st.data())
    def deliver_webhooks_out_of_order(self, data):
        invoice_id = data.draw(st.sampled_from(self.open_invoices()), label="invoice")
        payment = self.start(invoice_id)
        events = ["completed"]
        if data.draw(st.booleans(), label="with a refund"):
            events.append("refund")
        if data.draw(st.booleans(), label="with an expiry"):
            events.append("expired")
        order = data.draw(st.permutations(events), label="order")
        refund_amount = data.draw(st.integers(1, payment.amount), label="refund") if "refund" in events else 0
        for name in order:
            if name == "completed":
                self.completed(payment)
            elif name == "expired":
                self.expired(payment)
            else:
                self.refund_event(payment, f"re_sm_{payment.id}", refund_amount)
        stored = db.session.get(Payment, payment.id)
        assert stored.status == payment.status
        assert payment.status in ("paid", "partially_refunded", "refunded")  # the completion always wins
        assert stored.refunded_cents == refund_amount == payment.refunded
        assert not payment.pending_refunds

    @precondition(lambda self: self.open_invoices())
    @rule(data=st.data())
    def pay_an_expired_checkout_late(self, data):
        """Cancel then pay: a new checkout pays the invoice, then the expired one is paid after all."""
        invoice_id = data.draw(st.sampled_from(self.open_invoices()), label="invoice")
        old = self.start(invoice_id)
        self.expired(old)
        new = self.start(invoice_id)
        assert new.id != old.id  # a cancelled checkout is never reused
        self.completed(new)
        self.completed(old)
        stored = db.session.get(Payment, old.id)
        assert (stored.overpaid_cents, stored.refunded_cents, stored.status) == (old.amount, old.amount, "refunded")
        assert db.session.get(CopayInvoice, invoice_id).status == self.invoice_status[invoice_id]

    @precondition(lambda self: self.refundable())
    @rule(data=st.data())
    def ask_for_the_same_full_refund_twice(self, data):
        """Concurrent-looking refunds: the second request finds the first's reservation."""
        payment = data.draw(st.sampled_from(self.refundable()), label="payment")
        amount = payment.amount - payment.refunded
        with self.app.test_request_context():
            refund_id = payments.request_refund(self.admin, db.session.get(Payment, payment.id), amount)
            try:
                payments.request_refund(self.admin, db.session.get(Payment, payment.id), amount)
            except payments.RefundTooLarge:
                pass
            else:
                raise AssertionError("a payment could be refunded twice")
        assert self.refund_event(payment, refund_id, amount) == "processed"
        assert db.session.get(Payment, payment.id).refunded_cents == payment.amount

    # -- invariants ------------------------------------------------------------------------

    @invariant()
    def every_entry_balances(self):
        lines = db.session.execute(select(LedgerLine.entry_id, LedgerLine.source_account_id,
                                          LedgerLine.target_account_id, LedgerLine.amount_cents)).all()
        sums: dict[int, int] = {}
        for entry_id, source, target, amount in lines:
            assert amount > 0 and source != target
            for posting in (-amount, amount):  # the source's posting and the target's
                sums[entry_id] = sums.get(entry_id, 0) + posting
        entry_ids = set(db.session.scalars(select(JournalEntry.id)))
        assert set(sums) == entry_ids, "an entry without transfers"
        assert all(total == 0 for total in sums.values())
        postings: dict[int, int] = {}
        for _entry, source, target, amount in lines:
            postings[source] = postings.get(source, 0) - amount
            postings[target] = postings.get(target, 0) + amount
        assert sum(postings.values()) == 0

    @invariant()
    def savings_never_negative(self):
        saved = savings_balances(sorted(self.residents))
        assert all(amount >= 0 for amount in saved.values()), saved

    @invariant()
    def no_key_booked_twice(self):
        twice = db.session.execute(select(JournalEntry.idempotency_key).group_by(JournalEntry.idempotency_key)
                                   .having(func.count() > 1)).all()
        assert twice == []
        assert db.session.scalar(select(func.count()).select_from(JournalEntry)) == self.entries
        settled = db.session.scalars(select(JournalEntry.idempotency_key).where(JournalEntry.kind == "settlement"))
        assert sorted(settled) == sorted(f"settle:{w}:{c}" for w, c in self.settled)
        paid = db.session.scalars(select(JournalEntry.idempotency_key).where(JournalEntry.kind == "payment"))
        assert sorted(paid) == sorted(f"payment:{p.id}" for p in self.payments.values()
                                      if p.status != "pending" and p.status != "cancelled")

    @invariant()
    def the_ledger_verifies(self):
        assert verify() == []

    @invariant()
    def every_pot_holds_what_the_model_says(self):
        accounts = dict(db.session.execute(select(Account.id, Account.key).where(
            Account.organisation_id == self.org_id)).all())
        actual = {accounts[account_id]: total for account_id, total in balances(list(accounts)).items()}
        assert {k: v for k, v in actual.items() if v} == {k: v for k, v in self.pots.items() if v}
        stored = {row.id: (row.status, row.refunded_cents) for row in db.session.execute(
            select(Payment.id, Payment.status, Payment.refunded_cents))}
        assert stored == {p.id: (p.status, p.refunded) for p in self.payments.values()}
        invoices = dict(db.session.execute(select(CopayInvoice.id, CopayInvoice.status)).all())
        assert invoices == self.invoice_status

def test_the_ledger_stays_sound_under_random_operations(app, db):
    # The machine builds its own world per example inside the ``db`` fixture's app context,
    # so the function-scoped fixtures are set up once on purpose. The clock stands after the
    # weeks it settles (only finished weeks are settled).
    with time_machine.travel(datetime(2027, 1, 11, 9, 0, tzinfo=timezone.utc), tick=True):
        run_state_machine_as_test(lambda: LedgerMachine(app), settings=settings(
            max_examples=12, stateful_step_count=25, deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))


def test_week_helpers_agree():
    assert all(week_of(monday_of(week)) == week for week in WEEKS)
    assert {monday_of(week).replace(day=1) for week in WEEKS} == set(MONTHS)

