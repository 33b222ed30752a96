"""Settling weeks into the ledger (DOMAIN.md §4 and §7): the worked examples, idempotency, the CLI,
team history, savings, every kind of entry, the append-only rule, co-payment invoices and statements.

Every test runs on SQLite and on PostgreSQL (``TEST_DATABASE_URL``).
"""
from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from billing.domain import AccountKind, LineKind, Transfer, UnbalancedEntry, account_key, payment_transfers
from billing.gateway import event_payload, sign
from billing.ledger import (DuplicateEntry, balance_of, book, reverse, savings_balances, transfers_of, verify)
from billing.models import (Account, CopayInvoice, JournalEntry, LedgerIsAppendOnly, LedgerLine, Payment,
                            WebhookEvent)
from billing.invoices import WeekCopay, copay_weeks, create_invoices
from billing.payments import apply_refund
from billing.settlement import entry_key, monday_of, settle_week
from billing.statements import client_month, team_period
from care.models import PackageLine, PackageVersion, Service
from teams.models import TeamAssignment
from tests.unit.test_budget_domain import B_5VV, HEALTH_5VV, WORKED_EXAMPLES

WEEK = "2026-W48"
MONDAY = date(2026, 11, 23)
NOVEMBER = date(2026, 11, 1)
H_5VV = 22890
RED = {"C01": 7, "C02": 2, "C03": 7, "C04": 7, "C07": 10, "C08": 5}  # C 67460: co-pay 1790 a week
GREEN = {"C01": 7, "C02": 2, "C03": 7, "C07": 8, "C08": 3}  # C 51380: 14290 a week into savings
BIG = {"C01": 7, "C02": 3, "C03": 7, "C04": 7, "C07": 10, "C08": 5, "C09": 3, "C10": 2}  # C 77470: excess 11800
REINDICATION_HEALTH = {"H01": 21, "H02": 7, "H03": 28, "H04": 21, "H05": 7, "H12": 14, "H13": 7}  # 90650


# Only finished weeks are settled: the clock of these tests stands after the weeks they settle.
AFTER_THE_WEEKS = datetime(2027, 1, 11, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def after_the_weeks():
    with time_machine.travel(AFTER_THE_WEEKS, tick=True):
        yield


# -- helpers -------------------------------------------------------------------------------

def key(kind: AccountKind, owner: int | None = None) -> str:
    return account_key(kind, owner)


def bal(world, kind: AccountKind, owner: int | None = None) -> int:
    return balance_of(world.org.id, key(kind, owner))


def give_package(world, client, lines: dict[str, int], *, use_savings: bool = False,
                 active_from: date = date(2026, 11, 2)) -> PackageVersion:
    """A signed package version of ``client`` from ``active_from``; the previous one is superseded."""
    from marketplace.core.extensions import db

    ids = dict(db.session.execute(select(Service.code, Service.id).where(
        Service.organisation_id == client.organisation_id)).all())
    earlier = list(db.session.scalars(select(PackageVersion).where(PackageVersion.client_id == client.id)))
    for version in earlier:
        if version.status == "active":
            version.status = "superseded"
    version = PackageVersion(client_id=client.id, number=len(earlier) + 1, status="active",
                             created_by_id=world.users["nurse"].id, active_from=active_from,
                             use_savings=use_savings,
                             lines=[PackageLine(service_id=ids[code], per_week=n) for code, n in lines.items()])
    db.session.add(version)
    db.session.commit()
    return version


def seed_savings(world, client, amount: int, idem: str = "setup:savings") -> None:
    """A savings balance as if an earlier week had put it aside: funding → budget → savings."""
    from marketplace.core.extensions import db

    book(world.org.id, f"{idem}:{client.id}", "setup", [
        Transfer(key(AccountKind.FUNDING), key(AccountKind.CLIENT_BUDGET, client.id), amount, LineKind.ALLOCATION),
        Transfer(key(AccountKind.CLIENT_BUDGET, client.id), key(AccountKind.CLIENT_SAVINGS, client.id), amount,
                 LineKind.TO_SAVINGS),
    ], client_id=client.id, booked_on=date(2026, 11, 16))
    db.session.commit()


def settlement_of(client, week: str = WEEK) -> JournalEntry:
    from marketplace.core.extensions import db

    return db.session.scalar(select(JournalEntry).where(JournalEntry.idempotency_key == entry_key(week, client.id)))


def by_kind(entry: JournalEntry) -> dict[str, int]:
    totals: dict[str, int] = {}
    for line in entry.lines:
        totals[line.kind] = totals.get(line.kind, 0) + line.amount_cents
    return totals


def count(model) -> int:
    from marketplace.core.extensions import db

    return db.session.scalar(select(func.count()).select_from(model))


def week_str(monday: date) -> str:
    year, number, _ = monday.isocalendar()
    return f"{year}-W{number:02d}"


def deliver(client, body: str):
    """POST a provider event, signed, to the real webhook endpoint."""
    secret = client.application.config["STRIPE_WEBHOOK_SECRET"]
    return client.post("/billing/webhooks/stripe", data=body, content_type="application/json",
                       headers={"Stripe-Signature": sign(body, secret)})


def completed(payment: Payment) -> dict:
    return {"id": payment.provider_session_id, "object": "checkout.session", "amount_total": payment.amount_cents,
            "currency": "eur", "payment_intent": f"pi_test_{payment.id}", "payment_status": "paid"}


# -- the worked examples ---------------------------------------------------------------------

@pytest.mark.parametrize("core, balance, use, c, load, colour, from_savings, copay, to_savings", WORKED_EXAMPLES)
def test_worked_examples_settle_into_the_ledger(priced_world, db, core, balance, use, c, load, colour,
                                                from_savings, copay, to_savings):
    world, own = priced_world, priced_world.own
    give_package(world, own, {**HEALTH_5VV, **core}, use_savings=use)
    if balance:
        seed_savings(world, own, balance)

    run = settle_week(WEEK)

    assert (run.settled, run.already, run.skipped) == (1, 0, [])
    entry = settlement_of(own)
    assert (entry.kind, entry.booked_on, entry.client_id, entry.team_id) == ("settlement", MONDAY, own.id,
                                                                            world.team.id)
    core_from_budget = c - from_savings - copay
    expected = {LineKind.ALLOCATION: B_5VV, LineKind.HEALTH: H_5VV, LineKind.CORE: core_from_budget,
                LineKind.SAVINGS_DRAW: from_savings, LineKind.COPAY: copay, LineKind.TO_SAVINGS: to_savings}
    assert by_kind(entry) == {kind.value: amount for kind, amount in expected.items() if amount}
    assert LineKind.RESERVE.value not in by_kind(entry)

    # The pots: the whole budget is spent or saved, the team is paid for all it delivered.
    assert bal(world, AccountKind.CLIENT_BUDGET, own.id) == 0
    assert bal(world, AccountKind.CLIENT_SAVINGS, own.id) == balance - from_savings + to_savings
    assert bal(world, AccountKind.COPAY_RECEIVABLE, own.id) == -copay
    assert bal(world, AccountKind.TEAM_BUDGET, world.team.id) == H_5VV + c
    assert bal(world, AccountKind.FUNDING) == -B_5VV - balance
    assert bal(world, AccountKind.RESERVE) == 0
    assert verify() == []


def test_the_worked_examples_table(priced_world, db):
    """The five core packages side by side: co-pay 0/0/1790/6800/11800, to savings 14290/3130/0/0/0."""
    from tests.factories import make_client

    world = priced_world
    location = world.own.location
    residents = [world.own] + [make_client(world.org, location, world.team, f"Voorbeeld {i}") for i in range(4)]
    db.session.commit()
    for resident, (core, balance, use, *_rest) in zip(residents, WORKED_EXAMPLES):
        give_package(world, resident, {**HEALTH_5VV, **core}, use_savings=use)
        if balance:
            seed_savings(world, resident, balance)

    assert settle_week(WEEK).settled == 5

    rows = [by_kind(settlement_of(r)) for r in residents]
    assert [row.get("copay", 0) for row in rows] == [0, 0, 1790, 6800, 11800]
    assert [row.get("to_savings", 0) for row in rows] == [14290, 3130, 0, 0, 0]
    assert [row.get("savings_draw", 0) for row in rows] == [0, 0, 0, 5000, 0]
    assert [row["health"] for row in rows] == [H_5VV] * 5
    assert bal(world, AccountKind.TEAM_BUDGET, world.team.id) == sum(H_5VV + ex[3] for ex in WORKED_EXAMPLES)
    assert bal(world, AccountKind.FUNDING) == -5 * B_5VV - 2 * 5000
    assert savings_balances([r.id for r in residents]) == {
        residents[0].id: 14290, residents[1].id: 3130, residents[3].id: 0, residents[4].id: 5000}
    assert verify() == []


def test_reindication_example_books_the_shortfall_from_the_reserve(priced_world, db):
    world, own = priced_world, priced_world.own
    own.care_profile = "4VV"
    db.session.commit()
    give_package(world, own, {**REINDICATION_HEALTH, "C09": 3})

    settle_week(WEEK)

    assert by_kind(settlement_of(own)) == {"allocation": 61500, "health": 61500, "reserve": 29150, "copay": 3690}
    assert bal(world, AccountKind.RESERVE) == -29150
    assert bal(world, AccountKind.TEAM_BUDGET, world.team.id) == 90650 + 3690
    assert bal(world, AccountKind.COPAY_RECEIVABLE, own.id) == -3690
    assert bal(world, AccountKind.CLIENT_SAVINGS, own.id) == 0
    assert bal(world, AccountKind.CLIENT_BUDGET, own.id) == 0
    assert verify() == []


# -- idempotency, the command line, verification -------------------------------------------

def test_settling_a_week_twice_books_nothing_new(priced_world, db):
    world = priced_world
    give_package(world, world.own, {**HEALTH_5VV, **RED})
    give_package(world, world.other, {**HEALTH_5VV, **GREEN})

    first = settle_week(WEEK)
    entries, lines = count(JournalEntry), count(LedgerLine)
    team_balance = bal(world, AccountKind.TEAM_BUDGET, world.team.id)
    second = settle_week(WEEK)

    assert (first.settled, first.already) == (2, 0)
    assert (second.settled, second.already) == (0, 2)
    assert (count(JournalEntry), count(LedgerLine)) == (entries, lines) == (2, lines)
    assert bal(world, AccountKind.TEAM_BUDGET, world.team.id) == team_balance
    keys = db.session.scalars(select(JournalEntry.idempotency_key).order_by(JournalEntry.idempotency_key)).all()
    assert keys == sorted([f"settle:{WEEK}:{world.own.id}", f"settle:{WEEK}:{world.other.id}"])
    assert verify() == []


def test_only_residents_with_a_version_active_on_monday_are_settled(priced_world, db):
    world = priced_world
    give_package(world, world.own, {**HEALTH_5VV, **GREEN}, active_from=MONDAY)
    give_package(world, world.other, {**HEALTH_5VV, **GREEN}, active_from=MONDAY + timedelta(days=1))
    draft = PackageVersion(client_id=world.foreign.id, number=1, status="draft",
                           created_by_id=world.foreign_admin.id, active_from=date(2026, 11, 2))
    db.session.add(draft)
    db.session.commit()

    run = settle_week(WEEK)

    assert run.settled == 1
    assert settlement_of(world.own) is not None
    assert settlement_of(world.other) is None and settlement_of(world.foreign) is None


def test_a_resident_without_team_or_profile_is_skipped_and_reported(priced_world, db):
    world = priced_world
    give_package(world, world.own, {**HEALTH_5VV, **GREEN})
    give_package(world, world.other, {**HEALTH_5VV, **GREEN})
    world.own.team_id = None
    world.other.care_profile = None
    db.session.commit()

    run = settle_week(WEEK)

    assert run.settled == 0
    assert sorted(run.skipped) == sorted([f"{world.own.id}: no team", f"{world.other.id}: no budget"])
    assert count(JournalEntry) == 0


def test_the_commands_settle_a_week_and_verify_the_ledger(app, priced_world, db):
    world = priced_world
    give_package(world, world.own, {**HEALTH_5VV, **RED})
    runner = app.test_cli_runner()

    result = runner.invoke(args=["settle-week", "--week", WEEK])
    assert result.exit_code == 0, result.output
    assert f"{WEEK}: settled 1, already settled 0" in result.output
    again = runner.invoke(args=["settle-week", "--week", WEEK])
    assert again.exit_code == 0, again.output
    assert "settled 0, already settled 1" in again.output
    assert count(JournalEntry) == 1

    bad = runner.invoke(args=["settle-week", "--week", "2026-48"])
    assert bad.exit_code != 0 and "2026-W48" in bad.output
    assert count(JournalEntry) == 1

    ok = runner.invoke(args=["ledger", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "ledger ok" in ok.output

    # A breach: savings spent that were never saved.
    book(world.org.id, "manual:overdraw", "manual", [Transfer(
        key(AccountKind.CLIENT_SAVINGS, world.own.id), key(AccountKind.TEAM_BUDGET, world.team.id), 500,
        LineKind.SAVINGS_DRAW)], client_id=world.own.id)
    db.session.commit()
    assert [b.rule for b in verify()] == ["negative savings"]
    breach = runner.invoke(args=["ledger", "verify"])
    assert breach.exit_code == 1
    assert "BREACH negative savings" in breach.output
    assert "ledger ok" not in breach.output


def test_verify_finds_an_unsettled_weekly_budget(priced_world, db):
    world = priced_world
    book(world.org.id, "manual:allocation", "manual", [Transfer(
        key(AccountKind.FUNDING), key(AccountKind.CLIENT_BUDGET, world.own.id), 100, LineKind.ALLOCATION)])
    db.session.commit()
    assert [b.rule for b in verify()] == ["weekly budget not fully settled"]
    assert [b.rule for b in verify(world.other_org.id)] == []


# -- team history ----------------------------------------------------------------------------

def test_a_team_switch_mid_way_settles_with_the_team_of_monday(priced_world, db):
    world, own = priced_world, priced_world.own
    give_package(world, own, {**HEALTH_5VV, **RED})
    # The family chose Team Beuk on Wednesday of W48; the switch took effect on Monday of W49.
    # Client.team_id already names the new team: the history decides who delivered W48.
    switch = MONDAY + timedelta(days=7)
    db.session.add_all([
        TeamAssignment(client_id=own.id, team_id=world.team.id, starts_on=date(2026, 1, 5), ends_on=switch),
        TeamAssignment(client_id=own.id, team_id=world.other_team.id, starts_on=switch),
    ])
    own.team_id = world.other_team.id
    db.session.commit()

    settle_week("2026-W47")
    settle_week(WEEK)
    settle_week("2026-W49")

    assert settlement_of(own, "2026-W47").team_id == world.team.id
    assert settlement_of(own, WEEK).team_id == world.team.id
    assert settlement_of(own, "2026-W49").team_id == world.other_team.id
    week_cost = H_5VV + 67460
    assert bal(world, AccountKind.TEAM_BUDGET, world.team.id) == 2 * week_cost
    assert bal(world, AccountKind.TEAM_BUDGET, world.other_team.id) == week_cost
    assert verify() == []


def test_a_switch_on_a_wednesday_counts_from_the_next_settled_monday(priced_world, db):
    world, own = priced_world, priced_world.own
    give_package(world, own, {**HEALTH_5VV, **GREEN})
    wednesday = MONDAY + timedelta(days=2)
    db.session.add_all([
        TeamAssignment(client_id=own.id, team_id=world.team.id, starts_on=date(2026, 1, 5), ends_on=wednesday),
        TeamAssignment(client_id=own.id, team_id=world.other_team.id, starts_on=wednesday),
    ])
    own.team_id = world.other_team.id
    db.session.commit()

    settle_week(WEEK)
    settle_week("2026-W49")

    assert settlement_of(own, WEEK).team_id == world.team.id
    assert settlement_of(own, "2026-W49").team_id == world.other_team.id


def test_without_history_the_current_team_is_used(priced_world, db):
    world = priced_world
    give_package(world, world.other, {**HEALTH_5VV, **GREEN})
    settle_week(WEEK)
    assert settlement_of(world.other).team_id == world.other_team.id
    assert bal(world, AccountKind.TEAM_BUDGET, world.other_team.id) == H_5VV + 51380


# -- savings -------------------------------------------------------------------------------

def test_savings_accumulate_and_pay_core_only_when_chosen(priced_world, db):
    world, own = priced_world, priced_world.own
    w45 = monday_of("2026-W45")
    give_package(world, own, {**HEALTH_5VV, **GREEN}, active_from=w45)
    for week in ("2026-W45", "2026-W46", "2026-W47"):
        settle_week(week)
    assert savings_balances([own.id]) == {own.id: 3 * 14290}

    # A bigger package without using savings: the excess is co-paid, savings untouched.
    give_package(world, own, {**HEALTH_5VV, **BIG}, use_savings=False, active_from=MONDAY)
    settle_week(WEEK)
    assert by_kind(settlement_of(own)).get("copay") == 11800
    assert "savings_draw" not in by_kind(settlement_of(own))
    assert savings_balances([own.id]) == {own.id: 42870}

    # The same package using savings: the excess comes from savings, no co-payment.
    give_package(world, own, {**HEALTH_5VV, **BIG}, use_savings=True, active_from=monday_of("2026-W49"))
    settle_week("2026-W49")
    week = by_kind(settlement_of(own, "2026-W49"))
    assert week.get("savings_draw") == 11800 and "copay" not in week
    assert savings_balances([own.id]) == {own.id: 42870 - 11800}

    # Savings run out: the rest is the co-payment, and the balance stops at zero.
    give_package(world, own, {**HEALTH_5VV, **BIG, "C10": 20}, use_savings=True, active_from=monday_of("2026-W50"))
    settle_week("2026-W50")
    week = by_kind(settlement_of(own, "2026-W50"))
    assert week["savings_draw"] == 31070 and week["copay"] > 0
    assert savings_balances([own.id]) == {own.id: 0}
    assert bal(world, AccountKind.COPAY_RECEIVABLE, own.id) == -(11800 + week["copay"])
    assert verify() == []


def test_health_never_produces_a_co_payment_and_savings_never_pay_health(priced_world, db):
    world, own = priced_world, priced_world.own
    own.care_profile = "4VV"
    db.session.commit()
    seed_savings(world, own, 50000)
    # Health far above the budget, savings available and chosen: the reserve pays the health
    # care, savings pay only the core line.
    give_package(world, own, {**REINDICATION_HEALTH, "C09": 3}, use_savings=True)
    settle_week(WEEK)
    week = by_kind(settlement_of(own))
    assert week == {"allocation": 61500, "health": 61500, "reserve": 29150, "savings_draw": 3690}
    assert savings_balances([own.id]) == {own.id: 50000 - 3690}

    # Only health lines, over budget, no savings: still no co-payment.
    give_package(world, own, REINDICATION_HEALTH, use_savings=False, active_from=monday_of("2026-W49"))
    settle_week("2026-W49")
    week = by_kind(settlement_of(own, "2026-W49"))
    assert week == {"allocation": 61500, "health": 61500, "reserve": 29150}
    assert bal(world, AccountKind.COPAY_RECEIVABLE, own.id) == 0
    assert verify() == []


# -- every kind of entry, one at a time ----------------------------------------------------

KINDS = [
    # line kind, source pot, target pot
    (LineKind.ALLOCATION, (AccountKind.FUNDING, None), (AccountKind.CLIENT_BUDGET, "client")),
    (LineKind.HEALTH, (AccountKind.CLIENT_BUDGET, "client"), (AccountKind.TEAM_BUDGET, "team")),
    (LineKind.CORE, (AccountKind.CLIENT_BUDGET, "client"), (AccountKind.TEAM_BUDGET, "team")),
    (LineKind.RESERVE, (AccountKind.RESERVE, None), (AccountKind.TEAM_BUDGET, "team")),
    (LineKind.SAVINGS_DRAW, (AccountKind.CLIENT_SAVINGS, "client"), (AccountKind.TEAM_BUDGET, "team")),
    (LineKind.COPAY, (AccountKind.COPAY_RECEIVABLE, "client"), (AccountKind.TEAM_BUDGET, "team")),
    (LineKind.TO_SAVINGS, (AccountKind.CLIENT_BUDGET, "client"), (AccountKind.CLIENT_SAVINGS, "client")),
    (LineKind.PAYMENT, (AccountKind.PAYMENT_CLEARING, None), (AccountKind.COPAY_RECEIVABLE, "client")),
    (LineKind.REFUND, (AccountKind.COPAY_RECEIVABLE, "client"), (AccountKind.PAYMENT_CLEARING, None)),
]


@pytest.mark.parametrize("line_kind, source, target", KINDS, ids=[k[0].value for k in KINDS])
def test_each_kind_of_transfer_moves_money_from_source_to_target(priced_world, db, line_kind, source, target):
    world = priced_world
    owners = {"client": world.own.id, "team": world.team.id, None: None}
    source_key, target_key = key(source[0], owners[source[1]]), key(target[0], owners[target[1]])

    entry = book(world.org.id, f"test:{line_kind.value}", line_kind.value,
                 [Transfer(source_key, target_key, 1234, line_kind)], client_id=world.own.id)
    db.session.commit()
    db.session.expire_all()

    stored = db.session.get(JournalEntry, entry.id)
    assert [(l.source.key, l.target.key, l.amount_cents, l.kind) for l in stored.lines] == [
        (source_key, target_key, 1234, line_kind.value)]
    assert transfers_of(stored) == [Transfer(source_key, target_key, 1234, line_kind)]
    assert balance_of(world.org.id, source_key) == -1234
    assert balance_of(world.org.id, target_key) == 1234
    accounts = {a.key: a for a in db.session.scalars(select(Account))}
    assert accounts[source_key].kind == source[0].value and accounts[target_key].kind == target[0].value
    if source[1] == "client" or target[1] == "client":
        client_account = accounts[source_key if source[1] == "client" else target_key]
        assert client_account.client_id == world.own.id
    if target[1] == "team":
        assert accounts[target_key].team_id == world.team.id


def test_a_settled_week_is_one_entry_with_every_settlement_kind(priced_world, db):
    """Allocation, health, reserve, savings draw and co-pay in one entry, in §4's order (no core from
    the budget: the health care took all of it)."""
    world, own = priced_world, priced_world.own
    own.care_profile = "4VV"
    db.session.commit()
    seed_savings(world, own, 1000)
    give_package(world, own, {**REINDICATION_HEALTH, "C09": 3}, use_savings=True)
    settle_week(WEEK)
    entry = settlement_of(own)
    assert [l.kind for l in entry.lines] == ["allocation", "health", "reserve", "savings_draw", "copay"]
    assert by_kind(entry) == {"allocation": 61500, "health": 61500, "reserve": 29150, "savings_draw": 1000,
                              "copay": 2690}
    assert sum(l.amount_cents for l in entry.lines if l.target.key == key(AccountKind.TEAM_BUDGET, world.team.id)) \
        == 90650 + 3690


def test_a_payment_and_a_refund_through_the_services(priced_world, db):
    world, own = priced_world, priced_world.own
    give_package(world, own, {**HEALTH_5VV, **RED})
    settle_week(WEEK)
    invoice = create_invoices(NOVEMBER)[0]
    payment = Payment(organisation_id=world.org.id, client_id=own.id, invoice_id=invoice.id,
                      payer_id=world.users["family"].id, amount_cents=1790, provider_session_id="cs_unit",
                      provider_payment_id="pi_unit", status="paid")
    db.session.add(payment)
    db.session.flush()
    book(world.org.id, f"payment:{payment.id}", "payment",
         payment_transfers(own.id, 1790), client_id=own.id)
    db.session.commit()
    assert bal(world, AccountKind.COPAY_RECEIVABLE, own.id) == 0
    assert bal(world, AccountKind.PAYMENT_CLEARING) == -1790

    assert apply_refund(payment, "re_unit", 500) is True
    db.session.commit()
    assert apply_refund(payment, "re_unit", 500) is False  # the same refund twice: booked once
    db.session.commit()
    assert (payment.status, payment.refunded_cents) == ("partially_refunded", 500)
    assert bal(world, AccountKind.COPAY_RECEIVABLE, own.id) == -500
    assert bal(world, AccountKind.PAYMENT_CLEARING) == -1290
    refund = db.session.scalar(select(JournalEntry).where(JournalEntry.idempotency_key == "refund:re_unit"))
    assert [(l.kind, l.amount_cents) for l in refund.lines] == [("refund", 500)]
    assert verify() == []


def test_a_reversal_undoes_an_entry_once(priced_world, db):
    world, own = priced_world, priced_world.own
    give_package(world, own, {**HEALTH_5VV, **GREEN})
    settle_week(WEEK)
    entry = settlement_of(own)

    correction = reverse(entry, f"reverse:{entry.idempotency_key}", memo="wrong package")
    db.session.commit()

    assert correction.reverses_id == entry.id and correction.kind == "reversal"
    assert all(l.kind == "refund" for l in correction.lines)
    assert [(l.source.key, l.target.key, l.amount_cents) for l in correction.lines] == [
        (l.target.key, l.source.key, l.amount_cents) for l in entry.lines]
    for account in db.session.scalars(select(Account)):
        assert balance_of(world.org.id, account.key) == 0, account.key
    with pytest.raises(DuplicateEntry):
        reverse(entry, f"reverse:{entry.idempotency_key}")
    db.session.rollback()
    with pytest.raises(IntegrityError):  # an entry is reversed at most once
        reverse(entry, "reverse:again")
        db.session.commit()
    db.session.rollback()
    assert verify() == []


# -- the append-only rule and refused entries ------------------------------------------------

@pytest.fixture
def booked(priced_world, db) -> JournalEntry:
    world = priced_world
    entry = book(world.org.id, "test:booked", "manual", [
        Transfer(key(AccountKind.FUNDING), key(AccountKind.CLIENT_BUDGET, world.own.id), 700, LineKind.ALLOCATION),
        Transfer(key(AccountKind.CLIENT_BUDGET, world.own.id), key(AccountKind.TEAM_BUDGET, world.team.id), 700,
                 LineKind.CORE)], client_id=world.own.id)
    db.session.commit()
    return entry


def _change_memo(entry, db):
    entry.memo = "changed"


def _change_booked_on(entry, db):
    entry.booked_on = date(2000, 1, 1)


def _change_amount(entry, db):
    entry.lines[0].amount_cents = 1


def _change_target(entry, db):
    entry.lines[1].target_account_id = entry.lines[0].source_account_id


def _delete_entry(entry, db):
    db.session.delete(entry)


def _delete_line(entry, db):
    db.session.delete(entry.lines[0])


def _add_line(entry, db):
    entry.lines.append(LedgerLine(source_account_id=entry.lines[0].source_account_id,
                                  target_account_id=entry.lines[0].target_account_id, amount_cents=5,
                                  kind=LineKind.ALLOCATION.value))


@pytest.mark.parametrize("change", [_change_memo, _change_booked_on, _change_amount, _change_target, _delete_entry,
                                    _delete_line, _add_line])
def test_journal_entries_and_lines_cannot_be_changed_through_the_orm(booked, db, change):
    before = [(l.id, l.source_account_id, l.target_account_id, l.amount_cents) for l in booked.lines]
    entry_id = booked.id
    change(booked, db)
    with pytest.raises(LedgerIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    db.session.expire_all()
    stored = db.session.get(JournalEntry, entry_id)
    assert stored.memo == "" and stored.booked_on != date(2000, 1, 1)
    assert [(l.id, l.source_account_id, l.target_account_id, l.amount_cents) for l in stored.lines] == before
    assert verify() == []


@pytest.mark.parametrize("transfers", [
    [],
    [("funding:", "team_budget:1", 0)],
    [("funding:", "team_budget:1", -100)],
    [("funding:", "team_budget:1", 1.5)],
    [("funding:", "team_budget:1", True)],
    [("funding:", "funding:", 100)],
    [("funding:", "team_budget:1", 100), ("team_budget:1", "reserve:", 0)],
], ids=["empty", "zero", "negative", "fraction", "bool", "same-account", "one-bad-of-two"])
def test_an_invalid_entry_is_refused_and_nothing_is_booked(priced_world, db, transfers):
    world = priced_world
    with pytest.raises(UnbalancedEntry):
        book(world.org.id, "test:invalid", "manual",
             [Transfer(s, t.replace(":1", f":{world.team.id}"), a, LineKind.CORE) for s, t, a in transfers])
    db.session.commit()
    assert count(JournalEntry) == count(LedgerLine) == 0


@pytest.mark.parametrize("amount", [0, -100])
def test_the_database_refuses_a_line_without_a_positive_amount(booked, db, amount):
    db.session.add(JournalEntry(organisation_id=booked.organisation_id, idempotency_key="raw", kind="manual",
                                booked_on=date(2026, 11, 23), lines=[LedgerLine(
                                    source_account_id=booked.lines[0].source_account_id,
                                    target_account_id=booked.lines[0].target_account_id,
                                    amount_cents=amount, kind="core")]))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert count(JournalEntry) == 1


def test_the_database_refuses_a_line_within_one_account(booked, db):
    account = booked.lines[0].source_account_id
    db.session.add(JournalEntry(organisation_id=booked.organisation_id, idempotency_key="raw", kind="manual",
                                booked_on=date(2026, 11, 23), lines=[LedgerLine(
                                    source_account_id=account, target_account_id=account, amount_cents=5,
                                    kind="core")]))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_a_duplicate_idempotency_key_is_refused(booked, priced_world, db):
    world = priced_world
    transfer = Transfer(key(AccountKind.FUNDING), key(AccountKind.CLIENT_BUDGET, world.own.id), 1, LineKind.ALLOCATION)
    with pytest.raises(DuplicateEntry):
        book(world.org.id, "test:booked", "manual", [transfer])
    db.session.rollback()
    # A concurrent writer that skipped the check meets the unique constraint.
    db.session.add(JournalEntry(organisation_id=world.org.id, idempotency_key="test:booked", kind="manual",
                                booked_on=MONDAY))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert count(JournalEntry) == 1 and count(LedgerLine) == 2


# -- co-payment invoices ---------------------------------------------------------------------

@pytest.fixture
def invoiced(priced_world, db):
    """Two red weeks in November for ``own`` (co-pay 1790 each); ``other`` saves and owes nothing."""
    world = priced_world
    give_package(world, world.own, {**HEALTH_5VV, **RED})
    give_package(world, world.other, {**HEALTH_5VV, **GREEN})
    settle_week(WEEK)
    settle_week("2026-W49")  # Monday 30 November
    settle_week("2026-W50")  # Monday 7 December: another month
    return world


def test_one_invoice_per_resident_with_co_payments_and_idempotent(invoiced, db):
    world = invoiced
    created = create_invoices(NOVEMBER)
    assert [(i.client_id, i.month, i.amount_cents, i.status) for i in created] == [
        (world.own.id, NOVEMBER, 3580, "open")]
    assert create_invoices(NOVEMBER) == []
    assert create_invoices(date(2026, 11, 17)) == []  # any day of the month means the month
    assert count(CopayInvoice) == 1
    assert copay_weeks(world.own.id, NOVEMBER) == [WeekCopay("2026-W48", MONDAY, 1790),
                                                   WeekCopay("2026-W49", date(2026, 11, 30), 1790)]
    december = create_invoices(date(2026, 12, 1))
    assert [(i.client_id, i.amount_cents) for i in december] == [(world.own.id, 1790)]
    assert create_invoices(date(2026, 10, 1)) == []


def test_the_cli_makes_invoices(app, invoiced, db):
    runner = app.test_cli_runner()
    assert "1 invoices made" in runner.invoke(args=["invoice-copays", "--month", "2026-11"]).output
    assert "0 invoices made" in runner.invoke(args=["invoice-copays", "--month", "2026-11"]).output
    assert count(CopayInvoice) == 1


def test_the_invoice_shows_its_weeks_to_the_family(invoiced, client, auth, db):
    world = invoiced
    invoice = create_invoices(NOVEMBER)[0]
    auth.login(world.email("family"))

    body = client.get(f"/api/v1/clients/{world.own.id}/invoices").get_json()
    # Invoiced on the (time-travelled) day of create_invoices, due 14 days later.
    assert body["invoices"] == [{"id": invoice.id, "client_id": world.own.id, "month": "2026-11", "sequence": 1,
                                 "number": f"202611-{invoice.id:06d}", "issued_on": "2027-01-11",
                                 "due_on": "2027-01-25", "overdue": False, "due_cents": 3580,
                                 "amount_cents": 3580, "status": "open",
                                 "weeks": [{"week": "2026-W48", "monday": "2026-11-23", "amount_cents": 1790},
                                           {"week": "2026-W49", "monday": "2026-11-30", "amount_cents": 1790}]}]
    page = client.get(f"/clients/{world.own.id}/invoices")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # A family reads weeks as dates, not ISO week numbers (issue 10, words people understand).
    assert "november 2026" in html and f"202611-{invoice.id:06d}" in html
    page = client.get(f"/clients/{world.own.id}/invoices/{invoice.id}")
    assert page.status_code == 200
    weeks = page.get_data(as_text=True)
    # A family reads weeks as dates, not ISO week numbers (issue 10, words people understand).
    assert "23 november" in weeks and "30 november" in weeks and "2026-W48" not in weeks
    assert "€ 17,90" in weeks and "€ 35,80" in html
    assert f"/clients/{world.own.id}/invoices/{invoice.id}/pay" in html  # the Pay button


@pytest.mark.parametrize("who", ["viewonly@a.test", "carer@a.test", "nurse@a.test"])
def test_without_the_pay_right_an_invoice_cannot_be_paid(invoiced, client, auth, db, who):
    world = invoiced
    invoice = create_invoices(NOVEMBER)[0]
    auth.login(who)
    response = client.post(f"/api/v1/invoices/{invoice.id}/pay", headers={"X-CSRFToken": auth.csrf})
    assert response.status_code == 403
    assert client.get(f"/clients/{world.own.id}/invoices").status_code == 403
    assert count(Payment) == 0


def test_another_organisation_cannot_see_the_invoice(invoiced, client, auth, db):
    invoice = create_invoices(NOVEMBER)[0]
    auth.login("admin@b.test")
    assert client.post(f"/api/v1/invoices/{invoice.id}/pay", headers={"X-CSRFToken": auth.csrf}).status_code == 404


def test_paying_an_invoice_through_the_webhook_and_twice_is_refused(invoiced, client, auth, db):
    world = invoiced
    invoice = create_invoices(NOVEMBER)[0]
    auth.login(world.email("family"))

    started = client.post(f"/api/v1/invoices/{invoice.id}/pay", headers={"X-CSRFToken": auth.csrf})
    assert started.status_code == 201, started.get_json()
    body = started.get_json()["payment"]
    assert body["status"] == "pending" and body["checkout_url"].startswith("/billing/demo-checkout/cs_demo_")
    db.session.expire_all()
    payment = db.session.get(Payment, body["id"])
    assert (payment.amount_cents, payment.payer_id, payment.invoice_id) == (3580, world.users["family"].id,
                                                                             invoice.id)
    assert bal(world, AccountKind.COPAY_RECEIVABLE, world.own.id) == -(3 * 1790)  # nothing booked yet

    # The browser's return never marks it paid; only the provider's signed event does.
    assert client.get(f"/billing/payments/{payment.id}").status_code == 200
    db.session.expire_all()
    assert db.session.get(Payment, payment.id).status == "pending"

    forged = event_payload("checkout.session.completed", completed(payment))
    response = client.post("/billing/webhooks/stripe", data=forged, content_type="application/json",
                           headers={"Stripe-Signature": sign(forged, "whsec_wrong")})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Payment, payment.id).status == "pending"

    event = event_payload("checkout.session.completed", completed(payment))
    assert deliver(client, event).get_json() == {"status": "processed"}
    assert deliver(client, event).get_json() == {"status": "duplicate"}
    db.session.expire_all()
    payment, invoice = db.session.get(Payment, payment.id), db.session.get(CopayInvoice, invoice.id)
    assert (payment.status, payment.provider_payment_id, invoice.status) == ("paid", f"pi_test_{payment.id}",
                                                                             "paid")
    assert bal(world, AccountKind.COPAY_RECEIVABLE, world.own.id) == -1790  # December's week still owed
    assert bal(world, AccountKind.PAYMENT_CLEARING) == -3580
    assert count(WebhookEvent) == 1

    again = client.post(f"/api/v1/invoices/{invoice.id}/pay", headers={"X-CSRFToken": auth.csrf})
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "already_paid"
    assert count(Payment) == 1
    entries = db.session.scalars(select(JournalEntry.idempotency_key).where(JournalEntry.kind == "payment")).all()
    assert entries == [f"payment:{payment.id}"]
    assert verify() == []


def test_a_payment_with_the_wrong_amount_is_refused(invoiced, client, auth, db):
    world = invoiced
    invoice = create_invoices(NOVEMBER)[0]
    auth.login(world.email("family"))
    payment_id = client.post(f"/api/v1/invoices/{invoice.id}/pay",
                             headers={"X-CSRFToken": auth.csrf}).get_json()["payment"]["id"]
    payment = db.session.get(Payment, payment_id)
    response = deliver(client, event_payload("checkout.session.completed",
                                             {**completed(payment), "amount_total": 100}))
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Payment, payment_id).status == "pending"
    assert count(WebhookEvent) == 0  # not kept: the provider's retry is processed again
    assert db.session.scalar(select(func.count()).select_from(JournalEntry).where(JournalEntry.kind == "payment")) == 0


# -- statements ------------------------------------------------------------------------------

def _ledger_sums(client_id: int, start: date, end: date) -> dict[str, int]:
    from marketplace.core.extensions import db

    rows = db.session.execute(
        select(LedgerLine.kind, func.sum(LedgerLine.amount_cents)).join(JournalEntry)
        .where(JournalEntry.client_id == client_id, JournalEntry.kind == "settlement",
               JournalEntry.booked_on >= start, JournalEntry.booked_on < end).group_by(LedgerLine.kind)).all()
    return {kind: int(total) for kind, total in rows}


@pytest.fixture
def statement_world(priced_world, db):
    """``own`` (team T1): W47 green, W48 big using savings, W50 red; ``other`` (T2): W50 red."""
    world, own = priced_world, priced_world.own
    give_package(world, own, {**HEALTH_5VV, **GREEN}, active_from=date(2026, 11, 16))
    give_package(world, own, {**HEALTH_5VV, **BIG}, use_savings=True, active_from=MONDAY)
    give_package(world, own, {**HEALTH_5VV, **RED}, active_from=date(2026, 12, 7))
    give_package(world, world.other, {**HEALTH_5VV, **RED}, active_from=date(2026, 12, 7))
    for week in ("2026-W47", "2026-W48", "2026-W50"):
        settle_week(week)
    return world


def test_the_client_month_statement_equals_the_ledger(statement_world, db):
    world, own = statement_world, statement_world.own
    s = client_month(world.users["family"], own, NOVEMBER)
    sums = _ledger_sums(own.id, NOVEMBER, date(2026, 12, 1))
    assert (s.budget, s.health, s.core, s.reserve, s.copay, s.savings_in, s.savings_out, s.extras) == (
        sums.get("allocation", 0), sums.get("health", 0), sums.get("core", 0), sums.get("reserve", 0),
        sums.get("copay", 0), sums.get("to_savings", 0), sums.get("savings_draw", 0), sums.get("extra", 0))
    # W47 green: 14290 saved; W48 big with savings: 11800 from savings, no co-pay.
    assert (s.budget, s.health, s.savings_in, s.savings_out, s.copay) == (2 * B_5VV, 2 * H_5VV, 14290, 11800, 0)
    assert s.package_cost == (H_5VV + 51380) + (H_5VV + 77470)
    assert s.budget == s.health + s.core + s.savings_in  # every euro of the budget is accounted for
    december = client_month(world.users["family"], own, date(2026, 12, 1))
    assert (december.budget, december.copay, december.savings_in) == (B_5VV, 1790, 0)


def test_the_client_statement_through_the_api_and_as_csv(statement_world, client, auth, db):
    world, own = statement_world, statement_world.own
    auth.login(world.email("family"))
    body = client.get(f"/api/v1/clients/{own.id}/statements/2026-11").get_json()
    assert body == {"client_id": own.id, "month": "2026-11", "budget_cents": 2 * B_5VV,
                    "package_cost_cents": 2 * H_5VV + 51380 + 77470, "health_cents": 2 * H_5VV,
                    "paid_by_organisation_cents": 0, "core_from_budget_cents": 51380 + (B_5VV - H_5VV),
                    "copay_cents": 0, "to_savings_cents": 14290, "from_savings_cents": 11800, "extras_cents": 0,
                    "extras_paid_cents": 0, "extras_refunded_cents": 0, "extra_payments": []}

    response = client.get(f"/clients/{own.id}/statements/2026-11?format=csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert f"overzicht-{own.id}-2026-11.csv" in response.headers["Content-Disposition"]
    header, row = list(csv.reader(io.StringIO(response.get_data(as_text=True)), delimiter=";"))
    figures = dict(zip(header, row))
    assert figures["month"] == "2026-11"
    for name in ("budget_cents", "package_cost_cents", "health_cents", "paid_by_organisation_cents",
                 "core_from_budget_cents", "copay_cents", "to_savings_cents", "from_savings_cents", "extras_cents"):
        assert int(figures[name]) == body[name], name
    page = client.get(f"/clients/{own.id}/statements/2026-11")
    assert page.status_code == 200 and "€ 1.771,20" in page.get_data(as_text=True)  # 2 × 88560


def test_the_team_period_statement_equals_the_ledger(statement_world, db):
    world = statement_world
    admin = world.users["admin"]
    whole = team_period(admin, world.team, date(2026, 11, 1), date(2026, 12, 31))
    # Everything the team ever received is inside the period: the statement is its balance.
    assert whole.total == bal(world, AccountKind.TEAM_BUDGET, world.team.id)
    incoming = dict(db.session.execute(
        select(LedgerLine.kind, func.sum(LedgerLine.amount_cents))
        .join(Account, Account.id == LedgerLine.target_account_id)
        .where(Account.organisation_id == world.org.id, Account.key == key(AccountKind.TEAM_BUDGET, world.team.id))
        .group_by(LedgerLine.kind)).all())
    assert (whole.health, whole.core, whole.reserve, whole.savings, whole.copay, whole.extras) == (
        incoming.get("health", 0), incoming.get("core", 0), incoming.get("reserve", 0),
        incoming.get("savings_draw", 0), incoming.get("copay", 0), incoming.get("extra", 0))
    assert whole.packages == whole.health + whole.core
    assert (whole.health, whole.savings, whole.copay) == (3 * H_5VV, 11800, 1790)
    assert whole.total == (H_5VV + 51380) + (H_5VV + 77470) + (H_5VV + 67460)

    # The period's edges are inclusive and follow the weeks' Mondays.
    w48 = team_period(admin, world.team, MONDAY, MONDAY + timedelta(days=6))
    assert w48.total == H_5VV + 77470 and w48.savings == 11800
    assert team_period(admin, world.team, date(2026, 12, 1), date(2026, 12, 31)).total == H_5VV + 67460
    other = team_period(admin, world.other_team, date(2026, 12, 1), date(2026, 12, 31))
    assert other.total == H_5VV + 67460 == bal(world, AccountKind.TEAM_BUDGET, world.other_team.id)


def test_the_team_statement_csv(statement_world, client, auth, db):
    world = statement_world
    auth.login(world.email("team_lead"))
    response = client.get(f"/teams/{world.team.id}/statement?from=2026-11-01&to=2026-12-31&format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    header, row = list(csv.reader(io.StringIO(response.get_data(as_text=True)), delimiter=";"))
    figures = dict(zip(header, row))
    assert figures["from"] == "2026-11-01" and figures["to"] == "2026-12-31"
    assert int(figures["total_cents"]) == bal(world, AccountKind.TEAM_BUDGET, world.team.id)
    assert int(figures["health_cents"]) == 3 * H_5VV
    assert int(figures["savings_cents"]) == 11800 and int(figures["copay_cents"]) == 1790
    # A team lead of another team sees nothing of this one.
    assert client.get(f"/teams/{world.other_team.id}/statement?format=csv").status_code in (403, 404)


def test_statements_keep_savings_in_step_with_the_ledger(statement_world, db):
    world, own = statement_world, statement_world.own
    november = client_month(world.users["admin"], own, NOVEMBER)
    december = client_month(world.users["admin"], own, date(2026, 12, 1))
    saved = november.savings_in + december.savings_in - november.savings_out - december.savings_out
    assert saved == savings_balances([own.id])[own.id] == bal(world, AccountKind.CLIENT_SAVINGS, own.id)
    assert json.dumps(verify(), default=str) == "[]"
