"""Freelancers with Stripe Connect (issue 13): the Connect endpoint keeps each account as its
newest ``account.updated`` says (out of order, twice, unknown accounts), payouts by their newest
event, the demo onboarding through the same handling, and a suspension that takes the
freelancer off the market and refunds their open bookings in full. Both backends."""
from __future__ import annotations

import json
import time
from datetime import datetime, time as clock, timezone

import pytest
from sqlalchemy import func, select

from billing.domain import AccountKind, account_key
from billing.gateway import DemoGateway, GatewayError, event_payload, sign
from billing.ledger import balance_of, verify
from billing.models import Payment, WebhookEvent
from marketplace import create_app
from marketplace.accounts.notifications import Notification
from marketplace.core.config import ConfigError
from marketplace.core.audit import AuditEvent
from marketplace.core.errors import AccessDenied, InvalidInput
from marketplace.core.extensions import db
from marketplace.market import bookings, freelancers
from marketplace.market.extras_domain import BookingStatus, Canceller
from marketplace.market.freelancers import ProfileInput
from marketplace.market.models import AvailabilityPattern, Booking, Extra, Freelancer, Payout, Provider
from marketplace.core.roles import Role
from tests.conftest import together
from tests.factories import build_world, make_user

from .test_extra_bookings_core import pay_by_event, slot

CONNECT = "/billing/webhooks/stripe-connect"
NOW = datetime.now(timezone.utc)


@pytest.fixture
def world(db):
    return build_world()


def make_freelancer(world, *, account: str | None = "acct_1ZZP", status: str = "approved",
                    charges: bool = True, user=None, team=None) -> Freelancer:
    freelancer = Freelancer(organisation_id=world.org.id, user_id=(user or world.users["freelancer"]).id,
                            name="Fenna de Vries", kvk_number="12345678", home_team_id=(team or world.team).id,
                            skills=["wandelen"], languages=["Nederlands"], bio="", status=status,
                            stripe_account_id=account, charges_enabled=charges, payouts_enabled=charges,
                            status_reason="test" if status == "suspended" else "")
    db.session.add(freelancer)
    db.session.commit()
    return freelancer


def freelancer_extra(world, freelancer: Freelancer, *, price: int = 4080, seats: int = 3) -> Extra:
    provider = Provider(organisation_id=world.org.id, kind="freelancer", freelancer_id=freelancer.id)
    db.session.add(provider)
    db.session.flush()
    extra = Extra(organisation_id=world.org.id, provider_id=provider.id, code="F01", category="pamper",
                  title="Handmassage", price_cents=price, duration_minutes=60, kind="timed", seats=seats)
    extra.patterns = [AvailabilityPattern(weekday=d, starts_at=clock(10), ends_at=clock(16)) for d in range(7)]
    db.session.add(extra)
    db.session.commit()
    return extra


def connect_event(event_type: str, obj: dict, *, created: int, account: str | None = None,
                  event_id: str | None = None) -> str:
    event = json.loads(event_payload(event_type, obj))
    event["created"] = created
    if account is not None:
        event["account"] = account
    if event_id is not None:
        event["id"] = event_id
    return json.dumps(event)


def deliver(client, body: str, *, secret: str | None = None, path: str = CONNECT):
    secret = secret or client.application.config["STRIPE_CONNECT_WEBHOOK_SECRET"]
    return client.post(path, data=body, headers={"Stripe-Signature": sign(body, secret)},
                       content_type="application/json")


def account_state(account: str = "acct_1ZZP", *, charges: bool, payouts: bool | None = None,
                  due: list[str] | None = None) -> dict:
    return {"id": account, "object": "account", "charges_enabled": charges,
            "payouts_enabled": charges if payouts is None else payouts, "details_submitted": charges,
            "requirements": {"currently_due": due or [], "past_due": [], "eventually_due": []}}


def fresh(freelancer_id: int) -> Freelancer:
    return db.session.get(Freelancer, freelancer_id, populate_existing=True)


# -- account.updated ----------------------------------------------------------------------------

def test_account_updates_out_of_order_and_twice_end_in_the_newest_state(client, world):
    freelancer = make_freelancer(world, charges=False)
    t = int(time.time()) - 100
    oldest = connect_event("account.updated", account_state(charges=False, due=["external_account"]), created=t)
    newest = connect_event("account.updated", account_state(charges=True), created=t + 20)
    middle = connect_event("account.updated", account_state(charges=False, due=["individual.verification.document"]),
                           created=t + 10)

    for body in (newest, oldest, middle, newest, oldest):
        assert deliver(client, body).status_code == 200

    freelancer = fresh(freelancer.id)
    assert (freelancer.charges_enabled, freelancer.payouts_enabled, freelancer.requirements_due) == (True, True, [])
    assert freelancer.account_event_created == t + 20
    # Told once that payments can be taken, however often and in whatever order the events came.
    assert db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.kind == "freelancer_account_ready")) == 1
    # Each event stored once: the repeats were duplicates by event id, never by account.
    assert db.session.scalar(select(func.count()).select_from(WebhookEvent)
                             .where(WebhookEvent.type == "account.updated")) == 3
    # A new event of the same second as the newest one is applied (it arrived later).
    same_second = connect_event("account.updated", account_state(charges=False, due=["external_account"]),
                                created=t + 20)
    assert deliver(client, same_second).get_json()["status"] == "processed"
    assert fresh(freelancer.id).requirements_due == ["external_account"]
    assert fresh(freelancer.id).charges_enabled is False


def test_in_order_updates_are_all_applied_never_dropped_as_a_replay(client, world):
    freelancer = make_freelancer(world, charges=False)
    t = int(time.time()) - 100
    states = [account_state(charges=False, due=["external_account", "tos_acceptance.date"]),
              account_state(charges=False, due=["external_account"]), account_state(charges=True)]
    seen = []
    for n, state in enumerate(states):
        assert deliver(client, connect_event("account.updated", state, created=t + n)).get_json() == {
            "status": "processed"}
        seen.append(fresh(freelancer.id).requirements_due)
    assert seen == [["external_account", "tos_acceptance.date"], ["external_account"], []]


def test_an_update_for_an_unknown_account_is_acknowledged_logged_and_changes_nothing(client, world, caplog):
    freelancer = make_freelancer(world, charges=False)
    body = connect_event("account.updated", account_state("acct_nobody", charges=True), created=int(time.time()))
    response = deliver(client, body)
    assert response.status_code == 200  # Stripe must not retry it for days
    assert fresh(freelancer.id).charges_enabled is False
    assert fresh(freelancer.id).account_event_created is None
    assert "unknown account acct_nobody" in caplog.text


def test_the_connect_endpoint_has_its_own_secret(client, world):
    freelancer = make_freelancer(world, charges=False)
    body = connect_event("account.updated", account_state(charges=True), created=int(time.time()))
    # Signed with the platform endpoint's secret: refused on the Connect endpoint.
    refused = deliver(client, body, secret=client.application.config["STRIPE_WEBHOOK_SECRET"])
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "bad_signature"
    # On the platform endpoint, a Connect event is not handled (nothing stored, nothing changed).
    platform = deliver(client, body, secret=client.application.config["STRIPE_WEBHOOK_SECRET"],
                       path="/billing/webhooks/stripe")
    assert platform.status_code == 200 and platform.get_json()["status"] == "ignored"
    assert fresh(freelancer.id).charges_enabled is False
    assert db.session.scalar(select(func.count()).select_from(WebhookEvent)) == 0


@pytest.mark.parametrize("bad", [{"created": "1700000000"}, {"created": None}, {"created": 1.5}])
def test_an_update_without_a_created_time_is_refused_and_nothing_is_kept(client, world, bad):
    freelancer = make_freelancer(world, charges=False)
    event = json.loads(connect_event("account.updated", account_state(charges=True), created=1))
    event.update(bad)
    response = deliver(client, json.dumps(event))
    assert response.status_code == 400
    assert fresh(freelancer.id).charges_enabled is False
    assert db.session.scalar(select(func.count()).select_from(WebhookEvent)) == 0


# -- payouts -------------------------------------------------------------------------------------

def payout(payout_id: str = "po_1ZZP", *, amount: int = 3264, status: str = "paid", failure: str | None = None) -> dict:
    return {"id": payout_id, "object": "payout", "amount": amount, "arrival_date": 1_796_342_400,
            "currency": "eur", "status": status, "failure_message": failure, "method": "standard"}


def test_payouts_are_kept_by_their_newest_event(client, world):
    freelancer = make_freelancer(world)
    t = int(time.time()) - 100
    paid = connect_event("payout.paid", payout(), created=t, account="acct_1ZZP")
    failed = connect_event("payout.failed", payout(status="failed", failure="Het rekeningnummer bestaat niet."),
                           created=t + 30, account="acct_1ZZP")
    assert deliver(client, failed).status_code == 200
    assert deliver(client, paid).status_code == 200   # older, arriving later: changes nothing
    assert deliver(client, failed).get_json()["status"] == "duplicate"
    row, = db.session.scalars(select(Payout)).all()
    assert (row.freelancer_id, row.amount_cents, row.status, row.failure_message) == (
        freelancer.id, 3264, "failed", "Het rekeningnummer bestaat niet.")
    assert row.arrival_date.isoformat() == "2026-12-04"  # 1_796_342_400 is its midnight UTC
    assert row.event_created == t + 30
    second = connect_event("payout.paid", payout("po_2ZZP", amount=1000), created=t + 40, account="acct_1ZZP")
    assert deliver(client, second).status_code == 200
    assert [p.stripe_payout_id for p in freelancers.payouts_of(freelancer)] == ["po_2ZZP", "po_1ZZP"]


@pytest.mark.parametrize("account", ["acct_nobody", None])
def test_a_payout_of_an_unknown_account_is_acknowledged_and_kept_nowhere(client, world, caplog, account):
    make_freelancer(world)
    body = connect_event("payout.paid", payout(), created=int(time.time()), account=account)
    assert deliver(client, body).status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Payout)) == 0
    assert "unknown account" in caplog.text


def test_a_payout_with_an_amount_that_is_no_cents_is_refused(client, world):
    make_freelancer(world)
    body = connect_event("payout.paid", payout(amount=17.5), created=int(time.time()), account="acct_1ZZP")
    assert deliver(client, body).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Payout)) == 0


# -- the profile ---------------------------------------------------------------------------------

def profile(world, **overrides) -> ProfileInput:
    values = dict(name="Fenna de Vries", kvk_number="12345678", big_number="", home_team_id=world.team.id,
                  skills=["wandelen", " koken ", "wandelen"], languages=["Nederlands", "Engels"], bio="Ik kom graag.")
    values.update(overrides)
    return ProfileInput(**values)


def test_a_freelancer_makes_a_profile_that_waits_for_approval(app, world):
    with app.test_request_context():
        freelancer = freelancers.save_profile(world.users["freelancer"], profile(world, big_number="12345678901"))
    assert (freelancer.status, freelancer.kvk_number, freelancer.big_number) == ("pending", "12345678", "12345678901")
    assert freelancer.skills == ["wandelen", "koken"]
    told = db.session.scalars(select(Notification).where(Notification.kind == "freelancer_submitted")).all()
    assert [n.user_id for n in told] == [world.users["admin"].id]


@pytest.mark.parametrize(("field", "overrides"), [
    ("kvk_number", {"kvk_number": "1234567"}),
    ("kvk_number", {"kvk_number": "123456789"}),
    ("kvk_number", {"kvk_number": "1234567a"}),
    ("kvk_number", {"kvk_number": "١٢٣٤٥٦٧٨"}),      # Arabic-Indic digits
    ("kvk_number", {"kvk_number": "１２３４５６７８"}),  # full-width digits
    ("big_number", {"big_number": "1234567890"}),
    ("big_number", {"big_number": "٠١٢٣٤٥٦٧٨٩٠"}),
    ("home_team_id", {"home_team_id": None}),
    ("name", {"name": "  "}),
    ("skills", {"skills": ["x" * 61]}),
])
def test_bad_profile_input_is_refused_with_the_field_and_nothing_is_saved(app, world, field, overrides):
    with app.test_request_context(), pytest.raises(InvalidInput) as refused:
        freelancers.save_profile(world.users["freelancer"], profile(world, **overrides))
    assert field in refused.value.fields
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Freelancer)) == 0


def test_a_home_team_of_another_organisation_is_refused(app, world):
    with app.test_request_context(), pytest.raises(InvalidInput) as refused:
        freelancers.save_profile(world.users["freelancer"], profile(world, home_team_id=world.foreign_team.id))
    assert set(refused.value.fields) == {"home_team_id"}


def test_only_a_freelancer_keeps_a_profile(app, world):
    with app.test_request_context(), pytest.raises(AccessDenied):
        freelancers.save_profile(world.users["carer"], profile(world))


# -- approval, suspension and the market ----------------------------------------------------------

def test_nobody_but_the_administrator_approves(app, world):
    freelancer = make_freelancer(world, status="pending")
    for role in ("freelancer", "team_lead", "board"):
        with app.test_request_context(), pytest.raises(AccessDenied):
            freelancers.approve(world.users[role], freelancer.id)
    with app.test_request_context():
        freelancers.approve(world.users["admin"], freelancer.id)
    assert fresh(freelancer.id).status == "approved"
    assert db.session.scalar(select(AuditEvent.detail).where(AuditEvent.detail == "freelancer approved"))


def test_bookable_providers_says_what_can_take_bookings_says(app, world):
    cases = [dict(), dict(status="pending"), dict(status="suspended"), dict(charges=False), dict(account=None)]
    users = [world.users["freelancer"], *(build_user(world, n) for n in range(len(cases) - 1))]
    providers = []
    for user, case in zip(users, cases):
        freelancer = make_freelancer(world, user=user, account=None if "account" in case else f"acct_{user.id}",
                                     status=case.get("status", "approved"), charges=case.get("charges", True))
        providers.append(freelancer_extra(world, freelancer).provider_id)
    team_provider = bookings.provider_for_team(world.team)
    db.session.commit()
    expected = {p.id for p in db.session.scalars(select(Provider)) if bookings.can_take_bookings(p)}
    assert freelancers.bookable_provider_ids(world.org.id) == expected == {providers[0], team_provider.id}


def build_user(world, n: int):
    return make_user(world.org, Role.FREELANCER, email=f"zzp-extra{n}@a.test", name=f"ZZP {n}")


def test_suspension_takes_the_freelancer_off_the_market_and_refunds_open_bookings_in_full(app, client, world):
    freelancer = make_freelancer(world)
    extra = freelancer_extra(world, freelancer)
    family = world.users["family"]
    with app.test_request_context():
        paid = bookings.book(family, extra_id=extra.id, client_id=world.own.id, start=slot(3), now=NOW)
        held = bookings.book(family, extra_id=extra.id, client_id=world.own.id, start=slot(4), now=NOW)
    pay_by_event(client, paid.id)
    home = account_key(AccountKind.TEAM_BUDGET, world.team.id)
    mine = account_key(AccountKind.FREELANCER, freelancer.id)
    assert (balance_of(world.org.id, account_key(AccountKind.FEES)), balance_of(world.org.id, home),
            balance_of(world.org.id, mine)) == (204, 612, 3264)

    with app.test_request_context():
        with pytest.raises(InvalidInput):
            freelancers.suspend(world.users["admin"], freelancer.id, "   ")
        assert fresh(freelancer.id).status == "approved"  # nothing changed
        result = freelancers.suspend(world.users["admin"], freelancer.id, "KvK-inschrijving verlopen")

    assert fresh(freelancer.id).status == "suspended"
    assert fresh(freelancer.id).status_reason == "KvK-inschrijving verlopen"
    assert sorted(result.cancelled) == sorted([paid.id, held.id]) and result.refunds_pending == []
    paid_row = db.session.get(Booking, paid.id, populate_existing=True)
    held_row = db.session.get(Booking, held.id, populate_existing=True)
    assert paid_row.status == BookingStatus.REFUNDED.value and paid_row.refund_cents == 4080
    assert paid_row.cancelled_by == Canceller.PROVIDER.value
    assert "KvK" not in paid_row.cancel_reason  # the families never read the organisation's reason
    assert held_row.status == BookingStatus.CANCELLED.value and held_row.refund_cents == 0
    payment = db.session.scalar(select(Payment).where(Payment.id == paid_row.payment_id))
    assert payment.refunded_cents == 4080
    assert (balance_of(world.org.id, account_key(AccountKind.FEES)), balance_of(world.org.id, home),
            balance_of(world.org.id, mine)) == (0, 0, 0)
    assert verify() == []
    assert db.session.scalar(select(Notification).where(Notification.kind == "freelancer_suspended",
                                                        Notification.user_id == freelancer.user_id))
    # Off the market: not bookable, not listed.
    assert extra.provider_id not in freelancers.bookable_provider_ids(world.org.id)
    with app.test_request_context(), pytest.raises(bookings.ProviderUnavailable):
        bookings.book(family, extra_id=extra.id, client_id=world.own.id, start=slot(5), now=NOW)


def test_suspension_cancels_only_as_the_administrator(app, world):
    freelancer = make_freelancer(world)
    with app.test_request_context(), pytest.raises(AccessDenied):
        freelancers.suspend(world.users["team_lead"], freelancer.id, "nee")
    with app.test_request_context(), pytest.raises(AccessDenied):
        freelancers.suspend(world.users["freelancer"], freelancer.id, "nee")
    assert fresh(freelancer.id).status == "approved"


# -- onboarding in the demo ----------------------------------------------------------------------

def test_demo_onboarding_makes_one_account_and_completes_through_the_connect_endpoint(client, auth, world):
    freelancer = make_freelancer(world, account=None, charges=False)
    auth.login(world.users["freelancer"].email)
    csrf = auth.csrf
    first = client.post("/freelancers/me/onboarding", data={"csrf_token": csrf})
    assert first.status_code == 303 and first.headers["Location"].endswith("/freelancers/me/demo-onboarding")
    account = fresh(freelancer.id).stripe_account_id
    assert account.startswith("acct_demo_")
    again = client.post("/freelancers/me/onboarding", data={"csrf_token": csrf})
    assert again.status_code == 303 and fresh(freelancer.id).stripe_account_id == account
    assert client.get("/freelancers/me/demo-onboarding").status_code == 200
    halfway = client.post("/freelancers/me/demo-onboarding", data={"csrf_token": csrf, "action": "later"})
    assert halfway.status_code == 303
    assert fresh(freelancer.id).requirements_due == ["external_account", "individual.verification.document"]
    page = client.get("/freelancers/me").get_data(as_text=True)
    assert "een bankrekening voor de uitbetalingen" in page
    assert "Families kunnen je extra&#39;s nog niet boeken" in page or "nog niet boeken" in page
    done = client.post("/freelancers/me/demo-onboarding", data={"csrf_token": csrf, "action": "complete"})
    assert done.status_code == 303
    freelancer = fresh(freelancer.id)
    assert (freelancer.charges_enabled, freelancer.payouts_enabled, freelancer.requirements_due) == (True, True, [])
    rows = db.session.scalars(select(WebhookEvent).where(WebhookEvent.type == "account.updated")).all()
    assert len(rows) == 2 and all(row.processed_at is not None for row in rows)
    ready = db.session.scalars(select(Notification).where(Notification.kind == "freelancer_account_ready")).all()
    assert [n.user_id for n in ready] == [freelancer.user_id]


# -- at the same moment, and the configuration ------------------------------------------------------

def test_account_updates_arriving_at_once_end_in_the_newest_state(app, world):
    """Twelve events of one account delivered together, each twice: the newest by ``created`` wins
    (on PostgreSQL they are handled one after the other per account, on SQLite one writer at a time)."""
    freelancer = make_freelancer(world, charges=False)
    t = int(time.time()) - 100
    bodies = [connect_event("account.updated",
                            account_state(charges=n == 7, due=[] if n == 7 else [f"individual.dob.day{n}"]),
                            created=t + n) for n in range(12)]
    bodies = [body for body in bodies for _ in (1, 2)]
    order = [5, 11, 0, 7, 3, 9, 1, 6, 10, 2, 8, 4]
    bodies = [bodies[2 * i + k] for i in order for k in (0, 1)]

    def work(i):
        client = app.test_client()
        return deliver(client, bodies[i]).status_code

    results = together(app, len(bodies), work)
    assert results == [200] * len(bodies), results
    freelancer = fresh(freelancer.id)
    assert freelancer.account_event_created == t + 11
    assert (freelancer.charges_enabled, freelancer.requirements_due) == (False, ["individual.dob.day11"])
    assert db.session.scalar(select(func.count()).select_from(WebhookEvent)) == 12


def test_production_with_stripe_needs_the_connect_secret(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/p.sqlite")
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_x")
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", "whsec_platform")
    monkeypatch.delenv("STRIPE_CONNECT_WEBHOOK_SECRET", raising=False)
    with pytest.raises(ConfigError, match="STRIPE_CONNECT_WEBHOOK_SECRET"):
        create_app({"ZORGMARKT_MODE": "production"})
    monkeypatch.delenv("STRIPE_SECRET_KEY")
    app = create_app({"ZORGMARKT_MODE": "production"})
    assert app.config["STRIPE_CONNECT_WEBHOOK_SECRET"] not in ("whsec_demo_connect", app.config["STRIPE_WEBHOOK_SECRET"])


def test_new_registration_numbers_wait_for_approval_again(app, world):
    freelancer = make_freelancer(world)
    with app.test_request_context():
        freelancers.save_profile(world.users["freelancer"], profile(world, bio="Nieuw"))
        assert fresh(freelancer.id).status == "approved"  # a new bio needs no approval
        freelancers.save_profile(world.users["freelancer"], profile(world, big_number="12345678901"))
    assert fresh(freelancer.id).status == "pending"
    assert not freelancers.may_take_bookings(fresh(freelancer.id))


def test_the_home_team_stays_while_bookings_are_open(app, client, world):
    freelancer = make_freelancer(world)
    extra = freelancer_extra(world, freelancer)
    with app.test_request_context():
        booking = bookings.book(world.users["family"], extra_id=extra.id, client_id=world.own.id, start=slot(3),
                                now=NOW)
    pay_by_event(client, booking.id)
    with app.test_request_context(), pytest.raises(freelancers.HomeTeamBusy) as refused:
        freelancers.save_profile(world.users["freelancer"], profile(world, home_team_id=world.other_team.id))
    assert set(refused.value.fields) == {"home_team_id"}
    db.session.rollback()
    assert fresh(freelancer.id).home_team_id == world.team.id
    with app.test_request_context():
        bookings.cancel(world.users["family"], booking.id, now=NOW)  # refunded in full (more than 24 h ahead)
        freelancers.save_profile(world.users["freelancer"], profile(world, home_team_id=world.other_team.id))
    assert fresh(freelancer.id).home_team_id == world.other_team.id
    assert verify() == []


def test_a_refund_the_provider_refuses_leaves_the_suspension_and_the_cancellation_standing(app, client, world,
                                                                                          monkeypatch):
    freelancer = make_freelancer(world)
    extra = freelancer_extra(world, freelancer)
    with app.test_request_context():
        booking = bookings.book(world.users["family"], extra_id=extra.id, client_id=world.own.id, start=slot(3),
                                now=NOW)
    pay_by_event(client, booking.id)

    def refused(*args, **kwargs):
        raise GatewayError("Stripe is down", "gateway_error")

    monkeypatch.setattr(DemoGateway, "refund", refused)
    with app.test_request_context():
        result = freelancers.suspend(world.users["admin"], freelancer.id, "Geen VOG")
    assert result.cancelled == [booking.id] and result.refunds_pending == [booking.id]
    assert db.session.get(Booking, booking.id, populate_existing=True).status == BookingStatus.CANCELLED.value
    monkeypatch.undo()
    with app.test_request_context():
        assert bookings.retry_refunds() == 1
    assert db.session.get(Booking, booking.id, populate_existing=True).status == BookingStatus.REFUNDED.value
    assert verify() == []
