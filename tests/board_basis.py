"""The hand-computed market of November 2026 for the board's tests (see
tests/functional/test_board_competition.py for the figures it gives)."""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import select

from billing.domain import AccountKind, LineKind, Transfer, account_key, settlement_transfers
from billing.ledger import book
from care.domain import settle
from care.models import Client, HealthRisk, PackageLine, PackageVersion, Service
from care.models.packages import Status
from marketplace.board import competition as comp
from marketplace.core.db_types import utcnow
from marketplace.core.extensions import db
from marketplace.market.choice import apply_due_choices, choose_team
from teams.assignments import move_to_team

from .factories import make_client, make_team

NOVEMBER = comp.Period(date(2026, 11, 1), date(2026, 11, 30))
CLEARING = account_key(AccountKind.PAYMENT_CLEARING)
FEES = account_key(AccountKind.FEES)


def active_package(client, lines: dict[str, int], author) -> PackageVersion:
    services = {s.code: s for s in db.session.scalars(select(Service).where(
        Service.organisation_id == client.organisation_id, Service.code.in_(list(lines))))}
    version = PackageVersion(client_id=client.id, number=1, status=Status.ACTIVE.value, created_by_id=author.id,
                             active_from=date(2026, 1, 5))
    version.lines = [PackageLine(service_id=services[code].id, per_week=n) for code, n in lines.items()]
    db.session.add(version)
    return version


def open_risk(client, nurse, omaha="42", modifier="actual") -> None:
    db.session.add(HealthRisk(client_id=client.id, omaha=omaha, modifier=modifier, recorded_by_id=nurse.id,
                              recorded_at=utcnow()))


def settle_week(org, client, team, monday: date, week) -> None:
    book(org.id, f"settlement:{monday}:{client.id}", "settlement", settlement_transfers(week, client.id, team.id),
         booked_on=monday, client_id=client.id, team_id=team.id)


def team_extra(org, key: str, team, amount: int, fee: int, day: date):
    return book(org.id, f"payment:{key}", "payment",
                [Transfer(CLEARING, FEES, fee, LineKind.FEE),
                 Transfer(CLEARING, account_key(AccountKind.TEAM_BUDGET, team.id), amount - fee, LineKind.EXTRA)],
                booked_on=day)


def build_market(w):
    """The market of test_board_competition's docstring in the health world ``w``; commits.
    Every resident gets a room number that appears nowhere else, for the scans."""
    org, t1, t2 = w.org, w.team, w.other_team
    location = t1.locations[0]
    t3 = make_team(org, location, "Team Linde")
    c3 = make_client(org, location, t1, "Derde Bewoner")
    make_client(org, location, t1, "Vierde Bewoner", profile="4VV")
    c5 = make_client(org, location, t2, "Vijfde Bewoner")
    c6 = make_client(org, location, t1, "Zesde Bewoner", group="pg")
    db.session.commit()

    # The family chooses T2 for ``own`` on Wednesday 4 November: it takes effect on Monday 9.
    choose_team(w.users["family"], w.own, t2.id, now=datetime(2026, 11, 4, 10, tzinfo=timezone.utc))
    apply_due_choices(date(2026, 11, 9), now=datetime(2026, 11, 9, 6, tzinfo=timezone.utc))
    move_to_team(c5, t1, date(2026, 11, 16))
    move_to_team(c6, t3, date(2026, 12, 7))

    nurse = w.users["nurse"]
    open_risk(c3, nurse)
    active_package(c3, {"H01": 21, "C01": 7}, nurse)
    open_risk(w.other, nurse)
    active_package(w.other, {"C01": 7}, nurse)
    db.session.flush()

    worked = settle(22890, 51380, 88560)
    for monday in (date(2026, 10, 26), date(2026, 11, 2), date(2026, 11, 9)):
        settle_week(org, c3, t1, monday, worked)
    settle_week(org, w.other, t2, date(2026, 11, 16), settle(90650, 3690, 61500))

    paid = team_extra(org, "t1-extra", t1, 4080, 408, date(2026, 11, 10))
    book(org.id, "refund:t1-extra", "refund",
         [Transfer(account_key(AccountKind.TEAM_BUDGET, t1.id), CLEARING, 1836, LineKind.REFUND),
          Transfer(FEES, CLEARING, 204, LineKind.REFUND)], booked_on=date(2026, 11, 12))
    assert paid.id
    book(org.id, "payment:freelancer-extra", "payment",
         [Transfer(CLEARING, FEES, 204, LineKind.FEE),
          Transfer(CLEARING, account_key(AccountKind.TEAM_BUDGET, t1.id), 612, LineKind.EXTRA),
          Transfer(CLEARING, account_key(AccountKind.FREELANCER, 99), 3264, LineKind.EXTRA)],
         booked_on=date(2026, 11, 20))
    team_extra(org, "t2-extra", t2, 100000, 10000, date(2026, 11, 25))
    team_extra(org, "t1-december", t1, 4080, 408, date(2026, 12, 1))  # after the period
    for client in db.session.scalars(select(Client).where(Client.organisation_id == org.id)):
        client.room = f"Kamer-{client.id}-QZ"
    db.session.commit()
    w.third_team = t3
    return w


