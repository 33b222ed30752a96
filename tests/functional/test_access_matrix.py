"""The access matrix: every registered route, for every role, on every kind of target.

``ROUTES`` classifies each (endpoint, method) of ``app.url_map``; a route that is missing
from it fails ``test_every_route_is_classified``, so a new route cannot ship unclassified.

Targets: ``own`` is the resident of team T1 that the family, resident, carer, nurse and team
lead users are related to; ``other`` lives in T2 of the same organisation with no relation
to them; ``foreign`` lives in organisation B. A route about a team takes the target's team
(T1, T2, B's team); a catalogue route an object of organisation A (``own``, ``other``) or B;
a token route the actor's own token, another user's of organisation A, or B's admin's.
Risks, observation points, package versions, invoices and payments are the target resident's.
A route that names no object sends the same request whatever the target: it runs once per
role (target "-"), and its no-leak check covers all three residents.

What a case expects:

* allowed: 2xx or 3xx, and a redirect does not go to /login (except logging out);
* denied within the organisation: 403 and one audit row with action "denied";
* an object of another organisation (or another user's token): 404, as for an id that does
  not exist, so that its existence is not revealed;
* anonymous: 401 JSON under /api/, a redirect to /login for pages;
* never a 500, and never a leak, whatever the route: no response contains a name of
  organisation B, the name of a resident the role may not view, or the health notes of a
  resident the role has no care relationship with (need-to-know).

The world is built once per module and backend (``live``) and no app context stays pushed
while a request runs, so every request gets a fresh app context, ``g`` and database session,
as in production.
"""
from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from billing.gateway import event_payload, sign
from billing.models import CopayInvoice, Payment
from care import health, packages, risk_rules, versions
from care.models import BudgetOverride, Client, RiskRule, Service, ServiceVersion, StaffLevel, StaffLevelRate
from care.lines import LineInput
from marketplace.accounts import invitations, notifications, tokens
from marketplace.core.audit import Action, AuditEvent, Outcome
from marketplace.core.extensions import db, limiter
from marketplace.accounts.models import ApiToken, Invitation, OrganisationSetting, User
from marketplace.accounts.notifications import Notification
from marketplace.board.models import BoardScenario
from marketplace.market.models import TeamRating
from marketplace.core.roles import Role
from marketplace.core.db_types import LOCAL_ZONE
from marketplace.market import bookings as market_bookings
from marketplace.market.bookings import provider_for_team
from marketplace.market.models import (AvailabilityPattern, Booking, Extra, Freelancer, PlaceOffer, TeamChoice,
                                       WaitingEntry)

from ..conftest import _empty_all_tables, csrf_from
from ..factories import (MATRIX_ROLES, PASSWORD, add_member, build_world, give_catalogue, make_location, make_team,
                         make_user)

ANONYMOUS = "anonymous"
ACTORS = (*MATRIX_ROLES, ANONYMOUS)
TARGETS = ("own", "other", "foreign")
NO_TARGET = "-"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
TEAM = frozenset({"carer", "nurse", "team_lead"})  # the team roles; the freelancer works in T1 but is none

# Perm.CLIENT_VIEW and Perm.PACKAGE_VIEW; the no-leak rule of every route rests on it.
VIEWERS = {
    "own": frozenset({"admin", "client_supporter", *TEAM, "family", "resident"}),
    "other": frozenset({"admin", "client_supporter"}),
    "foreign": frozenset(),
}
# Perm.API_TOKEN_CREATE: staff; a family contact only after asking for it (none in this world has).
TOKEN_MAKERS = frozenset(MATRIX_ROLES) - {"family", "resident"}
# Perm.CLIENT_INVITE_CONTACT: the administrator, and the resident's team.
INVITERS = {"own": frozenset({"admin", *TEAM}), "other": frozenset({"admin"})}
# Perm.PACKAGE_PROPOSE: the team, the client supporter, family with *decide*, the resident.
PROPOSERS = {"own": frozenset({*TEAM, "client_supporter", "family", "resident"}),
             "other": frozenset({"client_supporter"})}
# Perm.PACKAGE_COMPOSE and Perm.REVIEW_RECORD: the resident's team.
COMPOSERS = {"own": TEAM, "other": frozenset()}
# Perm.PACKAGE_SIGN: a nurse of the resident's team.
SIGNERS = {"own": frozenset({"nurse"}), "other": frozenset()}
# Perm.PACKAGE_USE_SAVINGS: family with *decide*, the resident.
SAVERS = {"own": frozenset({"family", "resident"}), "other": frozenset()}
# Perm.HEALTH_VIEW: carers and nurses of the team (not the team lead), the resident, family with *decide*.
HEALTH_VIEWERS = {"own": frozenset({"carer", "nurse", "resident", "family"}), "other": frozenset(),
                  "foreign": frozenset()}
# Perm.HEALTH_EDIT: a nurse of the resident's team.
HEALTH_EDITORS = {"own": frozenset({"nurse"}), "other": frozenset()}
# Perm.HEALTH_ACCESS_LOG: the resident and a representative.
ACCESS_LOG_READERS = {"own": frozenset({"resident", "family"}), "other": frozenset()}
# Perm.PAYMENT_MAKE: family with *pay*, the resident.
PAYERS = {"own": frozenset({"family", "resident"}), "other": frozenset()}
# Perm.TEAM_CHOOSE and Perm.WAITING_LIST_JOIN: family with *decide*, the resident, the client supporter
# on the family's behalf; no staff, no board.
CHOOSERS = {"own": frozenset({"family", "resident", "client_supporter"}), "other": frozenset({"client_supporter"})}
# Perm.PAYMENT_VIEW: the administrator and the payers.
PAYMENT_VIEWERS = {"own": frozenset({"admin", "family", "resident"}), "other": frozenset({"admin"})}
# Perm.TEAM_STATEMENT: administrator and board, and the team's own lead.
TEAM_STATEMENT = {"own": frozenset({"admin", "board", "team_lead"}), "other": frozenset({"admin", "board"})}
# Perm.TEAM_WORKLIST: the administrator and the team's own members.
WORKLIST = {"own": frozenset({"admin", *TEAM}), "other": frozenset({"admin"})}
# Perm.TEAM_OFFER_VIEW: everyone of the organisation with a relation to residents, the client supporter
# and the board; not a freelancer (no residents of their own).
OFFER_VIEWERS = {"own": frozenset(MATRIX_ROLES) - {"freelancer"}, "other": frozenset(MATRIX_ROLES) - {"freelancer"}}
# Perm.TEAM_OFFER_EDIT and Perm.RATING_REPLY: the team's own lead.
TEAM_LEAD = {"own": frozenset({"team_lead"}), "other": frozenset()}
# Rating a team: a family contact of a resident the team served (T1 serves ``own``); staff never.
RATERS = {"own": frozenset({"family"}), "other": frozenset()}
# Perm.BOOKING_PROVIDE: the members of the provider's team (T1's provider for ``own``); never the
# administrator, the board or a freelancer working in the team.
PROVIDERS = {"own": TEAM, "other": frozenset()}
# Perm.BOOKING_RATE: the resident's family contacts and the resident; staff never.
EXTRA_RATERS = {"own": frozenset({"family", "resident"}), "other": frozenset()}
# Perm.EXTRA_VIEW: everyone of the organisation (the family here has *decide*); B's extra is not found.
EXTRA_VIEWERS = {"own": frozenset(MATRIX_ROLES), "other": frozenset(MATRIX_ROLES)}
# Perm.BOOKING_MAKE (book, pay, cancel for a resident): family with *decide*, the resident; never staff.
BOOKERS = {"own": frozenset({"family", "resident"}), "other": frozenset()}
# Perm.BOOKING_VIEW: the administrator, the provider's team (T1 provides ``own``'s extra), the family side.
BOOKING_VIEWERS = {"own": frozenset({"admin", *TEAM, "family", "resident"}), "other": frozenset({"admin"})}
# Perm.CATALOGUE_EDIT: the administrator, for any object of the organisation.
EDITORS = {"own": frozenset({"admin"}), "other": frozenset({"admin"})}
# Freelancers (issue 13): each their own profile; the administrator, the freelancer and the lead of
# the home team (T1 for ``own``) see a profile; a team's freelancers: its lead and the administrator.
FREELANCER_ONLY = frozenset({"freelancer"})
FREELANCER_VIEWERS = {"own": frozenset({"admin", "freelancer", "team_lead"}), "other": frozenset({"admin"})}
TEAM_FREELANCERS = {"own": frozenset({"admin", "team_lead"}), "other": frozenset({"admin"})}
LOGGED_IN = frozenset(MATRIX_ROLES)
ADMIN_ONLY = frozenset({"admin"})
# Perm.ORG_AGGREGATES: the board and the administrator, each within the organisation.
BOARD = frozenset({"board", "admin"})
BOARD_TARGETS = {"own": BOARD, "other": BOARD}
CORE_LINES = [LineInput("C01", 7)]
# The risk the matrix records, rates, ends and prescribes for: rule "42 actual H01 21/week".
RISK = {"omaha": "42", "modifier": "actual"}
PRESCRIPTION = {"service": "H01", "min_per_week": 28, "reason": "matrix"}
_serial = itertools.count(1)


# -- the world, built once per module and backend ---------------------------------------------

@dataclass(frozen=True)
class Resident:
    id: int
    name: str


@dataclass(frozen=True)
class LiveWorld:
    """Plain values of the world: usable without an app context."""

    residents: dict[str, Resident]
    emails: dict[str, str]
    user_ids: dict[str, int]
    # Per kind of object ("team", "service", "level", "rule", "risk", "point", "invoice", "payment"),
    # its id per target.
    ids: dict[str, dict[str, int]]
    # Per target, a health note only its care relationship may read.
    health_notes: dict[str, str]
    checkout_sessions: dict[str, str]
    other_user_token_id: int
    foreign_token_id: int
    other_user_notification_id: int
    foreign_notification_id: int
    # Every string that would show that organisation B exists.
    foreign_strings: tuple[str, ...]


def build_live_world() -> LiveWorld:
    """``factories.build_world`` with catalogue, risk rules, packages, health and tokens; committed.

    Every resident has version 1 active and version 2 as a draft, then a risk (Omaha 42,
    actual) whose required care makes draft 3, and an observation point; all by a nurse of its
    team (T2 and B's team get a nurse who is none of the matrix users).
    """
    world = build_world()
    give_catalogue(world)
    risk_rules.load_rules(world.org)
    risk_rules.load_rules(world.other_org)
    t2_nurse = make_user(world.org, Role.NURSE, email="nurse-t2@a.test", name="Verpleegkundige T2")
    b_nurse = make_user(world.other_org, Role.NURSE, email="nurse@b.test", name="Verpleegkundige Haven")
    add_member(world.other_team, t2_nurse, "nurse", "N4")
    add_member(world.foreign_team, b_nurse, "nurse", "N4")
    db.session.commit()
    for resident, nurse in ((world.own, world.users["nurse"]), (world.other, t2_nurse), (world.foreign, b_nurse)):
        packages.save_version(nurse, resident, CORE_LINES, False, "start")
        packages.submit_draft(nurse, resident)
        packages.sign_off(nurse, resident, 1)
        packages.save_version(nurse, resident, [*CORE_LINES, LineInput("C03", 7)], False, "more")
    targets = {"own": (world.own, world.users["nurse"]), "other": (world.other, t2_nurse),
               "foreign": (world.foreign, b_nurse)}
    notes = {target: f"Geheime zorgnotitie {target} {next(_serial)}" for target in TARGETS}
    risks = {target: health.record_risk(nurse, resident, **RISK, note=notes[target]).id
             for target, (resident, nurse) in targets.items()}
    points = {target: health.add_observation(nurse, resident, f"Observatie {notes[target]}").id
              for target, (resident, nurse) in targets.items()}
    # An open co-payment invoice and a pending payment of each resident; the matrix never pays
    # them (a paid invoice would turn "allowed to pay" into "already paid").
    invoices, payments = {}, {}
    for target, (resident, nurse) in targets.items():
        invoices[target] = CopayInvoice(organisation_id=resident.organisation_id, client_id=resident.id,
                                        month=date(2026, 1, 1), amount_cents=1790)
        payments[target] = Payment(organisation_id=resident.organisation_id, client_id=resident.id,
                                   invoice=invoices[target], payer_id=nurse.id, amount_cents=1790,
                                   provider_session_id=f"cs_matrix_{target}_{next(_serial)}")
        db.session.add(payments[target])
    db.session.commit()

    def org_object(model, org, code) -> int:
        return db.session.scalar(select(model.id).where(model.organisation_id == org.id, model.code == code))

    def rule(org, omaha: str) -> int:
        return db.session.scalar(select(RiskRule.id).where(RiskRule.organisation_id == org.id, RiskRule.omaha == omaha,
                                                           RiskRule.modifier == "actual"))

    # Running the organisation (issue 10): spare staff, locations and teams without residents
    # that the administrator's cases edit, and dated rows of organisation B that nobody may touch.
    spare_users = [make_user(world.org, Role.CARER, email=f"spare{n}@a.test", name=f"Reserve {n}") for n in (1, 2)]
    spare_locations = [make_location(world.org, "Reservelocatie") for _ in (1, 2)]
    spare_teams = [make_team(world.org, spare_locations[0], "Reserveteam") for _ in (1, 2)]
    far = date.today() + timedelta(days=3000)
    b_level = db.session.scalar(select(StaffLevel).where(StaffLevel.organisation_id == world.other_org.id,
                                                         StaffLevel.code == "N3"))
    b_rate = StaffLevelRate(staff_level_id=b_level.id, base_hourly_cents=4100, valid_from=far)
    b_budget = BudgetOverride(organisation_id=world.other_org.id, care_profile="5VV", weekly_cents=88560,
                              valid_from=far)
    b_service = db.session.scalar(select(Service).where(Service.organisation_id == world.other_org.id,
                                                        Service.code == "C01"))
    b_version = ServiceVersion(service=b_service, minutes=30, staff_level_id=b_level.id, valid_from=far)
    b_setting = OrganisationSetting(organisation_id=world.other_org.id, valid_from=far, orange_from_pct=90,
                                    red_above_pct=100, overhead_pct=20)
    db.session.add_all([b_rate, b_budget, b_version, b_setting])
    # The board's saved scenarios (issue 14): two of organisation A, one of B.
    scenarios = {target: BoardScenario(organisation_id=org.id, name=f"Scenario {target}", changes={"wage_tenths": 50},
                                       created_by_id=author.id)
                 for target, org, author in (("own", world.org, world.users["board"]),
                                             ("other", world.org, world.users["admin"]),
                                             ("foreign", world.other_org, world.foreign_admin))}
    db.session.add_all(scenarios.values())
    db.session.commit()
    other_user_token = tokens.create_token(world.view_only_family, "someone else's").token
    other_user_notification, = notifications.notify([world.view_only_family], "welcome")
    foreign_notification, = notifications.notify([world.foreign_admin], "welcome")
    db.session.commit()
    foreign_token = tokens.create_token(world.foreign_admin, "organisation B's").token
    freelancer_ids = build_freelancers(world)
    # A rating of each team, by a family the matrix users are not (rated on behalf of another
    # team's resident: the matrix's own ratings of T1 for ``own`` never replace these).
    extras = market_extras(world)
    ratings = {target: new_rating(team_id, resident.organisation_id, resident.id, author.id)
               for target, team_id, resident, author in (
                   ("own", world.team.id, world.other, world.view_only_family),
                   ("other", world.other_team.id, world.own, world.view_only_family),
                   ("foreign", world.foreign_team.id, world.foreign, world.foreign_admin))}
    extra_ids = {target: matrix_extra(team).id for target, team in
              (("own", world.team), ("other", world.other_team), ("foreign", world.foreign_team))}
    booking_extra_ids, foreign_booking, foreign_extra_title = booking_extras(world)
    return LiveWorld(
        residents={name: Resident(client.id, client.name)
                   for name, client in (("own", world.own), ("other", world.other), ("foreign", world.foreign))},
        emails={role: user.email for role, user in world.users.items()},
        user_ids={role: user.id for role, user in world.users.items()},
        ids={
            "team": {"own": world.team.id, "other": world.other_team.id, "foreign": world.foreign_team.id},
            "service": {"own": org_object(Service, world.org, "C01"), "other": org_object(Service, world.org, "C02"),
                        "foreign": org_object(Service, world.other_org, "C01")},
            "level": {"own": org_object(StaffLevel, world.org, "N3"), "other": org_object(StaffLevel, world.org, "N4"),
                      "foreign": org_object(StaffLevel, world.other_org, "N3")},
            "rule": {"own": rule(world.org, "42"), "other": rule(world.org, "38"),
                     "foreign": rule(world.other_org, "42")},
            "risk": risks,
            "point": points,
            "invoice": {target: invoice.id for target, invoice in invoices.items()},
            "payment": {target: payment.id for target, payment in payments.items()},
            # A team serving the target resident that is not its own (T2 for ``own``, T1 for ``other``).
            "alt_team": {"own": world.other_team.id, "other": world.team.id, "foreign": world.foreign_team.id},
            "rating": ratings,
            # Extras (issue 12): the provider of T1 (``own``), of T2 (``other``) and of B's team, and
            # an extra of each, available every day from 10 to 16.
            **extras,
            "extra": extra_ids,
            # A timed extra of each target's team to book (open every day, 100 seats; never edited by
            # the extras routes' cases) and B's paid booking.
            "booking_extra": booking_extra_ids,
            "booking": {"own": 0, "other": 0, "foreign": foreign_booking},
            "user": {"own": spare_users[0].id, "other": spare_users[1].id, "foreign": world.foreign_admin.id},
            "location": {"own": spare_locations[0].id, "other": spare_locations[1].id,
                         "foreign": world.foreign.location_id},
            "spare_team": {"own": spare_teams[0].id, "other": spare_teams[1].id, "foreign": world.foreign_team.id},
            # The matrix freelancer's own profile (home T1), another freelancer's (home T2), B's.
            "freelancer": freelancer_ids,
            "scenario": {target: scenario.id for target, scenario in scenarios.items()},
            # Dated rows: ``own`` and ``other`` get a fresh one per case (dated_row); 0 is never asked for.
            **{kind: {"own": 0, "other": 0, "foreign": row.id}
               for kind, row in (("rate", b_rate), ("budget", b_budget), ("version", b_version),
                                 ("setting", b_setting))},
        },
        health_notes=notes,
        checkout_sessions={target: payment.provider_session_id for target, payment in payments.items()},
        other_user_token_id=other_user_token.id,
        foreign_token_id=foreign_token.id,
        other_user_notification_id=other_user_notification.id,
        foreign_notification_id=foreign_notification.id,
        foreign_strings=(world.foreign.name, world.other_org.name, world.foreign_team.name,
                         world.foreign_admin.email, world.foreign_admin.name, world.foreign.location.name,
                         b_nurse.name, b_nurse.email, B_FREELANCER, foreign_extra_title),
    )


B_FREELANCER = "Zelfstandige Haven"


def build_freelancers(world) -> dict[str, int]:
    """Freelancers' profiles: the matrix freelancer's own (approved and onboarded in the demo,
    at home in T1), another freelancer's of organisation A (T2), and one of organisation B."""
    other = make_user(world.org, Role.FREELANCER, email="zzp-t2@a.test", name="Zelfstandige Beuk")
    foreign = make_user(world.other_org, Role.FREELANCER, email="zzp@b.test", name=B_FREELANCER)
    rows = {}
    for target, user, team, name in (("own", world.users["freelancer"], world.team, "Zelfstandige Eik"),
                                     ("other", other, world.other_team, "Zelfstandige Beuk"),
                                     ("foreign", foreign, world.foreign_team, B_FREELANCER)):
        rows[target] = Freelancer(organisation_id=team.organisation_id, user_id=user.id, name=name,
                                  kvk_number="12345678", home_team_id=team.id, status="approved",
                                  stripe_account_id=f"acct_demo_matrix_{target}", charges_enabled=True,
                                  payouts_enabled=True)
        db.session.add(rows[target])
    db.session.commit()
    return {target: row.id for target, row in rows.items()}


_booking_slots = itertools.count(0)


def booking_slot() -> datetime:
    """A moment of the matrix's extras no booking of the matrix has yet (six a day, from the day after
    tomorrow), so that each allowed booking gets a free seat and a fresh booking of its own."""
    n = next(_booking_slots)
    day = date.today() + timedelta(days=2 + n // 6)
    return datetime.combine(day, time(10 + n % 6), tzinfo=LOCAL_ZONE)


def booking_extras(world) -> tuple[dict[str, int], int, str]:
    """A timed extra of T1 (``own``), T2 (``other``) and B's team, and a paid booking of B's resident."""
    ids = {}
    titles = {"own": "Matrixuitje Eik", "other": "Matrixuitje Beuk", "foreign": "Matrixuitje Haven"}
    for target, team in (("own", world.team), ("other", world.other_team), ("foreign", world.foreign_team)):
        provider = market_bookings.provider_for_team(team)
        extra = Extra(organisation_id=team.organisation_id, provider_id=provider.id, code="X01", category="outing",
                      title=titles[target], price_cents=4080, duration_minutes=60, kind="timed", seats=100)
        extra.patterns = [AvailabilityPattern(weekday=d, starts_at=time(10), ends_at=time(16)) for d in range(7)]
        db.session.add(extra)
        db.session.flush()
        ids[target] = extra.id
    db.session.commit()
    foreign = write_family_booking(ids["foreign"], world.foreign.id, world.foreign_admin.id, paid=True)
    return ids, foreign, titles["foreign"]


def write_family_booking(extra_id: int, client_id: int, user_id: int, *, paid: bool) -> int:
    """A booking written directly (held for 30 minutes, or paid and confirmed): who may book is not
    what these cases test. Commits."""
    extra = db.session.get(Extra, extra_id)
    start = booking_slot()
    now = datetime.now(timezone.utc)
    booking = Booking(organisation_id=extra.organisation_id, extra_id=extra.id, provider_id=extra.provider_id,
                      client_id=client_id, booked_by_id=user_id, starts_at=start,
                      ends_at=start + timedelta(minutes=60), status="confirmed" if paid else "pending_payment",
                      price_cents=4080, org_share_pct=10, hold_expires_at=now + timedelta(minutes=30))
    db.session.add(booking)
    db.session.flush()
    if paid:
        payment = Payment(organisation_id=extra.organisation_id, client_id=client_id, purpose="extra_booking",
                          reference_id=booking.id, payer_id=user_id, amount_cents=4080, status="paid", paid_at=now,
                          provider_session_id=f"cs_matrix_booking_{booking.id}")
        db.session.add(payment)
        db.session.flush()
        booking.payment_id = payment.id
    db.session.commit()
    return booking.id


@pytest.fixture(scope="module")
def live(app):
    with app.app_context():
        limiter.reset()
        _empty_all_tables()
        world = build_live_world()
        db.session.remove()
    yield world
    with app.app_context():
        _empty_all_tables()


class Sessions:
    """One login per role, reused: every case gets a fresh client with that session cookie.

    A fresh client keeps cases apart (a flash of one case never shows in the next); the
    cookie saves a login per case. Logging out rotates the user's session nonce, so a
    route that logs out drops the role's cookie.
    """

    def __init__(self, app, live: LiveWorld):
        self.app = app
        self.live = live
        self.cookies: dict[str, tuple[str, str]] = {}

    def client(self, role: str, *, fresh: bool = False, writes: bool = True):
        """A test client for ``role`` and its CSRF token (an anonymous visitor's only for ``writes``)."""
        client = self.app.test_client()
        if role == ANONYMOUS:
            return client, anonymous_csrf(client) if writes else None
        if role in self.cookies and not fresh:
            cookie, csrf = self.cookies[role]
            client.set_cookie("session", cookie)
            return client, csrf
        csrf = login(client, self.live.emails[role])
        if not fresh:
            self.cookies[role] = (client.get_cookie("session").value, csrf)
        return client, csrf

    def forget(self, role: str) -> None:
        self.cookies.pop(role, None)


@pytest.fixture(scope="module")
def sessions(app, live) -> Sessions:
    return Sessions(app, live)


def login(client, email: str) -> str:
    response = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["csrf_token"]


def anonymous_csrf(client) -> str:
    """An anonymous visitor's CSRF token, as a browser has it from any page with a form."""
    return csrf_from(client.get("/login").get_data(as_text=True))


# -- one case: a role, a target, and what to send -----------------------------------------------

@dataclass
class Case:
    app: object
    live: LiveWorld
    role: str
    target: str
    client: object = None  # the role's test client, for builders that read before they write

    @property
    def resident(self) -> Resident:
        return self.live.residents[self.target]

    def object_id(self, kind: str) -> int:
        return self.resident.id if kind == "resident" else self.live.ids[kind][self.target]

    def in_app(self, work: Callable):
        # A request context, for services that build URLs.
        with self.app.test_request_context():
            try:
                return work()
            finally:
                db.session.remove()

    def token_id(self) -> int:
        if self.target == "own" and self.role != ANONYMOUS:
            def mine():
                return tokens.create_token(db.session.get(User, self.live.user_ids[self.role]), "matrix").token.id
            return self.in_app(mine)
        return self.live.foreign_token_id if self.target == "foreign" else self.live.other_user_token_id

    def notification_id(self) -> int:
        """The actor's own fresh notification; or another user's of organisation A, or B's."""
        if self.target == "own" and self.role != ANONYMOUS:
            def mine():
                user = db.session.get(User, self.live.user_ids[self.role])
                notification, = notifications.notify([user], "welcome")
                db.session.commit()
                return notification.id
            return self.in_app(mine)
        return self.live.foreign_notification_id if self.target == "foreign" else self.live.other_user_notification_id

    def fresh_rating(self) -> int:
        """For ``own`` and ``other``: a fresh rating of the target's team, without a reply and not hidden
        (a reply or hiding is done once); B's is its fixed one."""
        if self.target == "foreign":
            return self.live.ids["rating"]["foreign"]

        def work():
            rating = db.session.get(TeamRating, self.live.ids["rating"][self.target])
            return new_rating(rating.team_id, rating.organisation_id, rating.client_id, rating.author_id)
        return self.in_app(work)

    def fresh_booking(self, status: str, *, started: bool) -> int:
        """A booking of the target's resident with the target's provider (T1 for ``own``, T2 for
        ``other``, B's team for ``foreign``) in ``status``; started an hour ago, or half a year ahead
        at a moment no other case uses (the booking cases book the next weeks), so an answer never
        finds the provider busy."""
        def work():
            n = next(_serial)
            start = datetime.now(timezone.utc).replace(microsecond=0) + (
                -timedelta(hours=1, minutes=n) if started else timedelta(days=200, hours=2 * n))
            booking = Booking(organisation_id=self.live.ids["booking_org"][self.target],
                              extra_id=self.live.ids["extra"][self.target],
                              provider_id=self.live.ids["provider"][self.target], client_id=self.resident.id,
                              booked_by_id=self.live.ids["booker"][self.target], starts_at=start,
                              ends_at=start + timedelta(hours=1), status=status, price_cents=4080, org_share_pct=10,
                              hold_expires_at=None, notes="matrix")
            db.session.add(booking)
            db.session.commit()
            return booking.id
        return self.in_app(work)

    def invitation_token(self) -> str:
        """A fresh, open invitation for the ``own`` resident, issued by the administrator."""
        def work():
            admin = db.session.get(User, self.live.user_ids["admin"])
            resident = db.session.get(Client, self.live.residents["own"].id)
            return invitations.invite_contact(admin, resident, email=fresh_email(), name="Nieuw Contact",
                                           relation="zoon", can_view=True, can_decide=False, can_pay=False).token
        return self.in_app(work)

    def package_ready(self, submitted: bool) -> int:
        """For ``own``: a fresh draft by the team's carer, submitted when asked; its number.

        Other targets are refused before their versions are looked at: version 1 will do.
        """
        if self.target != "own":
            return 1

        def work():
            carer = db.session.get(User, self.live.user_ids["carer"])
            resident = db.session.get(Client, self.resident.id)
            version = packages.save_version(carer, resident, working_lines(resident), False, "matrix")
            if submitted:
                packages.submit_draft(carer, resident)
            return version.number
        return self.in_app(work)

    def proposal_ready(self) -> int:
        """For ``own``: a fresh proposal by the family user (with *decide*); its number."""
        if self.target != "own":
            return 1

        def work():
            family = db.session.get(User, self.live.user_ids["family"])
            resident = db.session.get(Client, self.resident.id)
            return packages.save_version(family, resident, working_lines(resident), False, "matrix").number
        return self.in_app(work)

    def open_risk(self) -> int:
        """For ``own``: the open risk (recorded again by the team's nurse if a case ended it)."""
        if self.target != "own":
            return self.live.ids["risk"][self.target]

        def work():
            nurse = db.session.get(User, self.live.user_ids["nurse"])
            resident = db.session.get(Client, self.resident.id)
            return health.record_risk(nurse, resident, **RISK, note=self.live.health_notes["own"]).id
        return self.in_app(work)

    def open_point(self) -> int:
        """For ``own``: a fresh observation point by the team's nurse."""
        if self.target != "own":
            return self.live.ids["point"][self.target]

        def work():
            nurse = db.session.get(User, self.live.user_ids["nurse"])
            return health.add_observation(nurse, db.session.get(Client, self.resident.id), "matrix").id
        return self.in_app(work)

    def pending_choice(self) -> None:
        """A choice of the target resident's other team waits for its Monday (there is one to withdraw)."""
        def work():
            resident = db.session.get(Client, self.resident.id)
            if db.session.scalar(select(TeamChoice.id).where(TeamChoice.client_id == resident.id,
                                                             TeamChoice.status == "pending")) is None:
                db.session.add(TeamChoice(organisation_id=resident.organisation_id, client_id=resident.id,
                                          team_id=self.object_id("alt_team"), previous_team_id=resident.team_id,
                                          chosen_by_id=self.live.user_ids["admin"], effective_from=date(2099, 1, 5)))
                db.session.commit()
        self.in_app(work)

    def waiting_entry(self) -> int:
        """The target resident waits for its other team; its entry's id."""
        def work():
            resident = db.session.get(Client, self.resident.id)
            entry = db.session.scalar(select(WaitingEntry).where(
                WaitingEntry.client_id == resident.id, WaitingEntry.team_id == self.object_id("alt_team"),
                WaitingEntry.status == "waiting"))
            if entry is None:
                entry = WaitingEntry(organisation_id=resident.organisation_id, client_id=resident.id,
                                     team_id=self.object_id("alt_team"), joined_by_id=self.live.user_ids["admin"])
                db.session.add(entry)
                db.session.commit()
            return entry.id
        return self.in_app(work)

    def open_offer(self) -> int:
        """An open offer of a place in its other team to the target resident."""
        entry_id = self.waiting_entry()

        def work():
            offer = db.session.scalar(select(PlaceOffer).where(PlaceOffer.entry_id == entry_id,
                                                               PlaceOffer.status == "open"))
            if offer is None:
                entry = db.session.get(WaitingEntry, entry_id)
                now = datetime.now(timezone.utc)
                offer = PlaceOffer(organisation_id=entry.organisation_id, entry_id=entry.id, client_id=entry.client_id,
                                   team_id=entry.team_id, offered_at=now, expires_at=now + timedelta(hours=48))
                db.session.add(offer)
                db.session.commit()
            return offer.id
        return self.in_app(work)

    def email(self) -> str:
        return self.live.emails["family" if self.role == ANONYMOUS else self.role]

    def family_booking(self, *, paid: bool) -> int:
        """A fresh booking of the target resident on its team's extra (B's fixed one for ``foreign``)."""
        if self.target == "foreign":
            return self.live.ids["booking"]["foreign"]
        return self.in_app(lambda: write_family_booking(self.object_id("booking_extra"), self.resident.id,
                                                 self.live.user_ids["admin"], paid=paid))


def working_lines(resident) -> list[LineInput]:
    """The working version's lines with C01 at 7 a week: health lines as they are, covered."""
    planned = {line.service: line.per_week for line in versions.lines_of(versions.working_version(resident))}
    planned["C01"] = 7
    return [LineInput(code, per_week) for code, per_week in planned.items()]


def new_rating(team_id: int, organisation_id: int, client_id: int, author_id: int) -> int:
    """A new current rating of the team on behalf of the resident (the previous one becomes an earlier
    one, still shown): written directly, as its eligibility is not what the matrix tests. Commits."""
    db.session.execute(TeamRating.__table__.update().where(
        TeamRating.team_id == team_id, TeamRating.client_id == client_id, TeamRating.status == "current")
        .values(status="earlier"))
    rating = TeamRating(organisation_id=organisation_id, team_id=team_id, client_id=client_id, author_id=author_id,
                        recommend=True, comment="Matrixbeoordeling", care=8, attention=8, communication=8,
                        reliability=8, atmosphere=8)
    db.session.add(rating)
    db.session.commit()
    return rating.id


def matrix_extra(team) -> Extra:
    """A timed extra of ``team`` available every day from 10 to 16 (commits)."""
    extra = Extra(organisation_id=team.organisation_id, provider_id=market_bookings.provider_for_team(team).id,
                  code="X01", category="outing", title="Matrixuitje", price_cents=4080, duration_minutes=60, seats=2)
    extra.patterns = [AvailabilityPattern(weekday=d, starts_at=time(10), ends_at=time(16)) for d in range(7)]
    db.session.add(extra)
    db.session.commit()
    return extra


def extra_form(_case: Case) -> dict:
    return {"code": "X01", "title": "Matrixuitje", "price": "40,80", "duration_minutes": "60", "kind": "timed",
            "seats": "2", "active": "y", "pattern-0-weekday": "0", "pattern-0-start": "10:00",
            "pattern-0-end": "16:00"}


def extra_json(_case: Case) -> dict:
    return {"code": "X01", "title": "Matrixuitje", "price_cents": 4080, "duration_minutes": 60,
            "patterns": [{"weekday": 0, "start": "10:00", "end": "16:00"}]}


def fresh_email() -> str:
    return f"matrix{next(_serial)}@example.org"


_days_ahead = itertools.count(30)


def fresh_date() -> str:
    """A date no catalogue change has yet: each allowed edit must be accepted, not refused as a duplicate.
    Within the two years ahead that the catalogue accepts (issue 9)."""
    return (date.today() + timedelta(days=next(_days_ahead) % 700)).isoformat()


_settings_days = itertools.count(1)
_far_days = itertools.count(3001)


def fresh_settings_date() -> str:
    """A date ahead that no settings change has yet (the values are the defaults: harmless)."""
    return (date.today() + timedelta(days=next(_settings_days) % 700 + 1)).isoformat()


def dated_row(case: Case, kind: str) -> int:
    """For ``own`` and ``other``: a fresh row of organisation A dated years ahead (not yet in effect),
    so that each allowed correction or withdrawal has its own; for ``foreign``: organisation B's."""
    if case.target == "foreign":
        return case.live.ids[kind]["foreign"]

    def work():
        day = date.today() + timedelta(days=next(_far_days))
        org_id = db.session.get(User, case.live.user_ids["admin"]).organisation_id
        code = {"own": "N3", "other": "N4"}[case.target]
        level = db.session.scalar(select(StaffLevel).where(StaffLevel.organisation_id == org_id,
                                                           StaffLevel.code == code))
        if kind == "rate":
            row = StaffLevelRate(staff_level_id=level.id, base_hourly_cents=4100, valid_from=day)
        elif kind == "budget":
            row = BudgetOverride(organisation_id=org_id, care_profile={"own": "5VV", "other": "6VV"}[case.target],
                                 weekly_cents=88560, valid_from=day)
        elif kind == "version":
            row = ServiceVersion(service_id=case.live.ids["service"][case.target], minutes=30,
                                 staff_level_id=level.id, valid_from=day)
        else:
            row = OrganisationSetting(organisation_id=org_id, valid_from=day, orange_from_pct=90,
                                      red_above_pct=100, overhead_pct=20)
        db.session.add(row)
        db.session.commit()
        return row.id
    return case.in_app(work)


def on_dated(kind: str, template: str) -> Callable[[Case], str]:
    return lambda case: template.format(id=dated_row(case, kind))


def on(kind: str, template: str) -> Callable[[Case], str]:
    """A path naming the target's object of ``kind`` (see ``LiveWorld.ids``)."""
    return lambda case: template.format(id=case.object_id(kind))


def fixed(path: str) -> Callable[[Case], str]:
    return lambda case: path


def invitation_path(case: Case) -> str:
    return f"/invite/{case.invitation_token()}"


def rating_path(template: str) -> Callable[[Case], str]:
    return lambda case: template.format(id=case.fresh_rating())


def offer_form(_case: Case) -> dict:
    return {"text": "Wij zijn het team.", "way_of_working": "Rustig.", "languages": "Nederlands", "capacity": "12",
            "action": "preview"}


def rating_form(case: Case) -> dict:
    return {"client_id": str(case.resident.id), "care": "8", "attention": "8", "communication": "8",
            "reliability": "8", "atmosphere": "8", "recommend": "yes", "comment": ""}


def token_path(template: str) -> Callable[[Case], str]:
    return lambda case: template.format(id=case.token_id())


def notification_path(template: str) -> Callable[[Case], str]:
    return lambda case: template.format(id=case.notification_id())


def package_path(template: str, *, submitted: bool) -> Callable[[Case], str]:
    return lambda case: template.format(id=case.resident.id, number=case.package_ready(submitted))


def proposal_path(template: str) -> Callable[[Case], str]:
    return lambda case: template.format(id=case.resident.id, number=case.proposal_ready())


def risk_path(template: str) -> Callable[[Case], str]:
    return lambda case: template.format(id=case.resident.id, risk=case.open_risk())


def point_path(template: str) -> Callable[[Case], str]:
    return lambda case: template.format(id=case.resident.id, point=case.open_point())


def alt_team_path(template: str) -> Callable[[Case], str]:
    return lambda case: template.format(id=case.resident.id, team=case.object_id("alt_team"))


def pending_path(template: str) -> Callable[[Case], str]:
    def path(case: Case) -> str:
        case.pending_choice()
        return template.format(id=case.resident.id)
    return path


def waiting_path(template: str) -> Callable[[Case], str]:
    def path(case: Case) -> str:
        case.waiting_entry()
        return template.format(id=case.resident.id, team=case.object_id("alt_team"))
    return path


def booking_path(template: str, status: str, *, started: bool) -> Callable[[Case], str]:
    return lambda case: template.format(id=case.fresh_booking(status, started=started))


def market_extras(world) -> dict[str, dict[str, int]]:
    """A provider with an extra for T1, T2 and B's team (rows only: the matrix books by rows)."""
    ids: dict[str, dict[str, int]] = {"provider": {}, "extra": {}, "booking_org": {}, "booker": {}}
    for target, team, booker in (("own", world.team, world.users["family"]),
                                 ("other", world.other_team, world.users["family"]),
                                 ("foreign", world.foreign_team, world.foreign_admin)):
        provider = provider_for_team(team)  # one per team: made here, or found if another part made it
        extra = Extra(organisation_id=team.organisation_id, provider=provider, code="X01", category="outing",
                      title=f"Uitje {target}", price_cents=4080, duration_minutes=60, kind="timed", seats=100)
        db.session.add(extra)
        db.session.flush()
        ids["provider"][target], ids["extra"][target] = provider.id, extra.id
        ids["booking_org"][target], ids["booker"][target] = team.organisation_id, booker.id
    db.session.commit()
    return ids


def offer_path(template: str) -> Callable[[Case], str]:
    return lambda case: template.format(offer=case.open_offer())


def family_booking_path(template: str, *, paid: bool = False) -> Callable[[Case], str]:
    return lambda case: template.format(id=case.family_booking(paid=paid))


def book_form(case: Case) -> dict:
    return {"client_id": str(case.resident.id), "start": booking_slot().isoformat(), "notes": "matrix"}


def book_json(case: Case) -> dict:
    return {"extra_id": case.object_id("booking_extra"), "client_id": case.resident.id,
            "start": booking_slot().isoformat()}


PUBLIC = "public"        # anyone, logged in or not; the target plays no part
USER = "user"            # the logged-in roles of ``roles``; the URL names no object
TARGETED = "targeted"    # the request names the target's object; ``per_target`` says who may
TOKEN = "token"          # the URL names a token or notification: only its owner may, anyone else gets 404


@dataclass(frozen=True)
class Route:
    scope: str
    path: Callable[[Case], str]
    roles: frozenset[str] = LOGGED_IN
    per_target: dict[str, frozenset[str]] = field(default_factory=dict)
    kind: str = "resident"  # what a TARGETED route names
    form: Callable[[Case], dict] | None = None
    json: Callable[[Case], dict] | None = None
    raw: Callable[[Case], tuple[str, dict]] | None = None  # a body and headers, sent as they are
    # Where an allowed request must redirect, when it redirects somewhere specific.
    redirect_to: str | None = None
    # An allowed page shows the target resident's name (a check that "allowed" is real).
    shows_name: bool = False
    ends_session: bool = False
    # Roles that may never do this are refused (403) before the object is looked up.
    role_gate_first: bool = False
    # A route that names no object still takes the target when it filters on it.
    filters_on_target: bool = False


def resident_route(path: str, per_target, **kwargs) -> Route:
    return Route(TARGETED, on("resident", path), per_target=per_target, **kwargs)


def invite_form(_case: Case) -> dict:
    return {"name": "Nieuw Contact", "email": fresh_email(), "relation": "zoon", "can_view": "y"}


def invite_json(_case: Case) -> dict:
    return {"name": "Nieuw Contact", "email": fresh_email(), "relation": "zoon", "can_view": True}


def lines_json(case: Case) -> dict:
    return {"lines": [{"service": line.service, "per_week": line.per_week} for line in CORE_LINES]}


def draft_json(case: Case) -> dict:
    """What an API client sends: the draft as this role sees it, with C01 at 7 a week.

    Health lines stay as they are for those who see them, and are kept unseen for those who
    do not; roles that cannot read the draft send the core lines.
    """
    draft = case.client.get(f"/api/v1/clients/{case.resident.id}/package/draft")
    if draft.status_code != 200:
        return lines_json(case)
    planned = {line["service"]: line["per_week"] for line in draft.get_json()["draft"]["lines"]}
    planned["C01"] = 7
    return {"lines": [{"service": code, "per_week": n} for code, n in planned.items()]}


def no_fields(_case: Case) -> dict:
    return {}


def connect_webhook_event(case: Case) -> tuple[str, dict]:
    """A correctly signed Connect event about an account nobody knows: acknowledged, changes nothing."""
    body = event_payload("account.updated", {"id": f"acct_unknown_{next(_serial)}", "object": "account",
                                             "charges_enabled": True, "payouts_enabled": True})
    return body, {"Stripe-Signature": sign(body, case.app.config["STRIPE_CONNECT_WEBHOOK_SECRET"]),
                  "Content-Type": "application/json"}


def profile_form(case: Case) -> dict:
    return {"name": "Zelfstandige Eik", "kvk_number": "12345678", "home_team_id": str(case.live.ids["team"]["own"])}


def profile_json(case: Case) -> dict:
    return {"name": "Zelfstandige Eik", "kvk_number": "12345678", "home_team_id": case.live.ids["team"]["own"]}


def webhook_event(case: Case) -> tuple[str, dict]:
    """A correctly signed provider event about a checkout nobody knows: booked, changes nothing."""
    body = event_payload("checkout.session.expired",
                         {"id": f"cs_unknown_{next(_serial)}", "object": "checkout.session"})
    return body, {"Stripe-Signature": sign(body, case.app.config["STRIPE_WEBHOOK_SECRET"]),
                  "Content-Type": "application/json"}


ROUTES: dict[tuple[str, str], Route] = {
    # -- public
    ("static", "GET"): Route(PUBLIC, fixed("/static/css/app.css")),
    ("main.set_language", "POST"): Route(PUBLIC, fixed("/language"), redirect_to="/",
                                         form=lambda case: {"language": "nl", "next": "/"}),
    ("auth.login", "GET"): Route(PUBLIC, fixed("/login")),
    ("auth.login", "POST"): Route(PUBLIC, fixed("/login"), redirect_to="/",
                                  form=lambda case: {"email": case.email(), "password": PASSWORD}),
    ("auth.accept_invitation", "GET"): Route(PUBLIC, invitation_path),
    ("auth.accept_invitation", "POST"): Route(PUBLIC, invitation_path, redirect_to="/",
                                              form=lambda case: {"password": "a-new-password-1",
                                                                 "confirm": "a-new-password-1"}),
    ("api.login", "POST"): Route(PUBLIC, fixed("/api/v1/auth/login"),
                                 json=lambda case: {"email": case.email(), "password": PASSWORD}),
    ("web_api.openapi", "GET"): Route(PUBLIC, fixed("/api/v1/openapi.json")),
    ("main.health", "GET"): Route(PUBLIC, fixed("/healthz")),
    # Anyone may deliver a provider event; only a correct signature gets it booked.
    ("billing.stripe_webhook", "POST"): Route(PUBLIC, fixed("/billing/webhooks/stripe"), raw=webhook_event),
    ("billing.stripe_connect_webhook", "POST"): Route(PUBLIC, fixed("/billing/webhooks/stripe-connect"),
                                                      raw=connect_webhook_event),
    # -- any logged-in user; lists are scoped (test_client_list_is_scoped_per_role)
    ("main.home", "GET"): Route(USER, fixed("/")),
    ("auth.logout", "POST"): Route(USER, fixed("/logout"), form=no_fields, redirect_to="/login", ends_session=True),
    ("auth.tokens", "GET"): Route(USER, fixed("/account/tokens")),
    # Tokens: staff, and family contacts who asked for them in their settings; never a resident.
    ("auth.tokens", "POST"): Route(USER, fixed("/account/tokens"), form=lambda case: {"name": "matrix"},
                                   roles=TOKEN_MAKERS),
    ("api.logout", "POST"): Route(USER, fixed("/api/v1/auth/logout"), ends_session=True),
    ("api.me", "GET"): Route(USER, fixed("/api/v1/me")),
    # The second factor's steps serve a half-logged-in session; a logged-in user is sent home
    # (the API answers with the user), anyone else is sent to log in.
    ("auth.second_factor", "GET"): Route(USER, fixed("/login/second-factor"), redirect_to="/"),
    ("auth.second_factor", "POST"): Route(USER, fixed("/login/second-factor"), redirect_to="/",
                                          form=lambda case: {"code": "000000"}),
    ("auth.second_factor_setup", "GET"): Route(USER, fixed("/account/second-factor"), redirect_to="/"),
    ("auth.second_factor_setup", "POST"): Route(USER, fixed("/account/second-factor"), redirect_to="/",
                                                form=lambda case: {"code": "000000"}),
    ("api.second_factor_login", "POST"): Route(USER, fixed("/api/v1/auth/second-factor"),
                                               json=lambda case: {"code": "000000"}),
    ("api.list_tokens", "GET"): Route(USER, fixed("/api/v1/tokens")),
    ("api.create_token", "POST"): Route(USER, fixed("/api/v1/tokens"), json=lambda case: {"name": "matrix"},
                                        roles=TOKEN_MAKERS),
    ("care_api.list_clients", "GET"): Route(USER, fixed("/api/v1/clients")),
    ("teams_api.list_teams", "GET"): Route(USER, fixed("/api/v1/teams")),
    ("care_api.catalogue", "GET"): Route(USER, fixed("/api/v1/catalogue")),
    # -- the administrator only; the audit log is filtered on the target (a filter: B's id is no 404)
    ("main.audit_log", "GET"): Route(USER, on("resident", "/admin/audit?client={id}"), roles=ADMIN_ONLY,
                                     filters_on_target=True),
    ("web_api.audit_log", "GET"): Route(USER, on("resident", "/api/v1/audit?client={id}"), roles=ADMIN_ONLY,
                                    filters_on_target=True),
    ("catalogue.index", "GET"): Route(USER, fixed("/admin/catalogue"), roles=ADMIN_ONLY),
    ("catalogue.set_budget", "POST"): Route(USER, fixed("/admin/catalogue/budgets"), roles=ADMIN_ONLY,
                                            redirect_to="/admin/catalogue",
                                            form=lambda case: {"care_profile": "5VV", "weekly": "885,60",
                                                               "valid_from": fresh_date()}),
    ("catalogue.edit_service", "GET"): Route(TARGETED, on("service", "/admin/catalogue/services/{id}"),
                                             per_target=EDITORS, kind="service"),
    ("catalogue.edit_service", "POST"): Route(
        TARGETED, on("service", "/admin/catalogue/services/{id}"), per_target=EDITORS, kind="service",
        redirect_to="/admin/catalogue",
        form=lambda case: {"minutes": "30", "level": "N3", "material": "0", "valid_from": fresh_date(),
                           "active": "y"}),
    ("catalogue.change_rate", "POST"): Route(TARGETED, on("level", "/admin/catalogue/levels/{id}"),
                                             per_target=EDITORS, kind="level", redirect_to="/admin/catalogue",
                                             form=lambda case: {"rate": "41,00", "valid_from": fresh_date()}),
    # -- one's own tokens only
    ("auth.revoke_token", "POST"): Route(TOKEN, token_path("/account/tokens/{id}/revoke"), form=no_fields,
                                         redirect_to="/account/tokens"),
    ("api.revoke_token", "DELETE"): Route(TOKEN, token_path("/api/v1/tokens/{id}")),
    ("notifications.read", "POST"): Route(TOKEN, notification_path("/notifications/{id}/read"), form=no_fields,
                                          redirect_to="/notifications", kind="notification"),
    ("notifications_api.read", "POST"): Route(TOKEN, notification_path("/api/v1/notifications/{id}/read"),
                                              kind="notification"),
    # -- one's own notifications and settings
    ("notifications.index", "GET"): Route(USER, fixed("/notifications")),
    ("notifications.read_all", "POST"): Route(USER, fixed("/notifications/read-all"), form=no_fields,
                                              redirect_to="/notifications"),
    ("notifications.settings", "GET"): Route(USER, fixed("/settings")),
    ("notifications.settings", "POST"): Route(USER, fixed("/settings"), form=lambda case: {"email_notifications": "y"},
                                              redirect_to="/settings"),
    ("notifications.outbox_page", "GET"): Route(USER, fixed("/outbox")),
    ("notifications_api.list_notifications", "GET"): Route(USER, fixed("/api/v1/notifications")),
    ("notifications_api.read_all", "POST"): Route(USER, fixed("/api/v1/notifications/read-all")),
    ("notifications_api.get_settings", "GET"): Route(USER, fixed("/api/v1/settings")),
    ("notifications_api.change_settings", "PATCH"): Route(USER, fixed("/api/v1/settings"),
                                                          json=lambda case: {"email_notifications": True}),
    # -- teams' offers and ratings (issue 11); nobody sees a resident's name with a rating
    ("offers.index", "GET"): Route(USER, fixed("/offers"), roles=OFFER_VIEWERS["own"]),
    ("offers.team_offer", "GET"): Route(TARGETED, on("team", "/teams/{id}/offer"), per_target=OFFER_VIEWERS,
                                        kind="team"),
    ("offers.offer_history", "GET"): Route(TARGETED, on("team", "/teams/{id}/offer/history"),
                                           per_target=OFFER_VIEWERS, kind="team"),
    ("offers.edit_offer", "GET"): Route(TARGETED, on("team", "/teams/{id}/offer/edit"), per_target=TEAM_LEAD,
                                        kind="team"),
    ("offers.edit_offer", "POST"): Route(TARGETED, on("team", "/teams/{id}/offer/edit"), per_target=TEAM_LEAD,
                                         kind="team", form=offer_form),
    ("offers.rate_team", "GET"): Route(TARGETED, on("team", "/teams/{id}/ratings/new"), per_target=RATERS,
                                       kind="team"),
    ("offers.rate_team", "POST"): Route(TARGETED, on("team", "/teams/{id}/ratings/new"), per_target=RATERS,
                                        kind="team", form=rating_form, redirect_to="/teams/{id}/offer"),
    ("offers.reply", "POST"): Route(TARGETED, rating_path("/ratings/{id}/reply"), per_target=TEAM_LEAD,
                                    kind="rating", form=lambda case: {"reply": "Dank u wel."}),
    ("offers.hide", "POST"): Route(TARGETED, rating_path("/ratings/{id}/hide"), per_target=EDITORS,
                                   kind="rating", form=lambda case: {"reason": "Matrix"}),
    ("offers_api.get_offer", "GET"): Route(TARGETED, on("team", "/api/v1/teams/{id}/offer"),
                                           per_target=OFFER_VIEWERS, kind="team"),
    ("offers_api.put_offer", "PUT"): Route(TARGETED, on("team", "/api/v1/teams/{id}/offer"), per_target=TEAM_LEAD,
                                           kind="team", json=lambda case: {"text": "Wij", "capacity": 12}),
    ("offers_api.list_ratings", "GET"): Route(TARGETED, on("team", "/api/v1/teams/{id}/ratings"),
                                              per_target=OFFER_VIEWERS, kind="team"),
    # The resident is named in the body: the target's resident, rating the target's team.
    ("offers_api.give_rating", "POST"): Route(
        TARGETED, on("team", "/api/v1/teams/{id}/ratings"), per_target=RATERS, kind="team",
        json=lambda case: {"client_id": case.resident.id, "recommend": True,
                           "scores": {a: 8 for a in ("care", "attention", "communication", "reliability",
                                                     "atmosphere")}}),
    ("offers_api.reply", "POST"): Route(TARGETED, rating_path("/api/v1/ratings/{id}/reply"), per_target=TEAM_LEAD,
                                        kind="rating", json=lambda case: {"text": "Dank u wel."}),
    ("offers_api.hide", "POST"): Route(TARGETED, rating_path("/api/v1/ratings/{id}/hide"), per_target=EDITORS,
                                       kind="rating", json=lambda case: {"reason": "Matrix"}),
    # -- extras (issue 12): the catalogue, an extra and its slots; the team lead's extras; market settings
    ("extras.index", "GET"): Route(USER, fixed("/extras"), roles=EXTRA_VIEWERS["own"]),
    ("extras.extra", "GET"): Route(TARGETED, on("extra", "/extras/{id}"), per_target=EXTRA_VIEWERS, kind="extra"),
    ("extras.team_extras", "GET"): Route(TARGETED, on("team", "/teams/{id}/extras"), per_target=TEAM_LEAD,
                                         kind="team"),
    ("extras.new_extra", "GET"): Route(TARGETED, on("team", "/teams/{id}/extras/new"), per_target=TEAM_LEAD,
                                       kind="team"),
    ("extras.new_extra", "POST"): Route(TARGETED, on("team", "/teams/{id}/extras/new"), per_target=TEAM_LEAD,
                                        kind="team", form=extra_form, redirect_to="/teams/{id}/extras"),
    ("extras.edit_extra", "GET"): Route(TARGETED, on("extra", "/extras/{id}/edit"), per_target=TEAM_LEAD,
                                        kind="extra"),
    ("extras.edit_extra", "POST"): Route(TARGETED, on("extra", "/extras/{id}/edit"), per_target=TEAM_LEAD,
                                         kind="extra", form=extra_form),
    # A freelancer's own extras (issue 13): only the freelancer, of their own profile.
    ("extras.freelancer_extras", "GET"): Route(USER, fixed("/freelancers/me/extras"), roles=FREELANCER_ONLY),
    ("extras.new_freelancer_extra", "GET"): Route(USER, fixed("/freelancers/me/extras/new"), roles=FREELANCER_ONLY),
    ("extras.new_freelancer_extra", "POST"): Route(USER, fixed("/freelancers/me/extras/new"), roles=FREELANCER_ONLY,
                                                   form=extra_form, redirect_to="/freelancers/me/extras"),
    ("extras_api.freelancer_extras", "GET"): Route(USER, fixed("/api/v1/freelancers/me/extras"),
                                                   roles=FREELANCER_ONLY),
    ("extras_api.create_freelancer_extra", "POST"): Route(USER, fixed("/api/v1/freelancers/me/extras"),
                                                          roles=FREELANCER_ONLY, json=extra_json),
    ("extras.market_settings", "GET"): Route(USER, fixed("/admin/market-settings"), roles=ADMIN_ONLY),
    ("extras.market_settings", "POST"): Route(
        USER, fixed("/admin/market-settings"), roles=ADMIN_ONLY, redirect_to="/admin/market-settings",
        form=lambda case: {"team_org_share_pct": "10", "freelancer_org_share_pct": "5", "home_team_share_pct": "15",
                           "min_price": "0,50", "hold_minutes": "30", "free_cancel_hours": "24",
                           "late_refund_pct": "0"}),
    ("extras_api.list_extras", "GET"): Route(USER, fixed("/api/v1/extras"), roles=EXTRA_VIEWERS["own"]),
    ("extras_api.get_extra", "GET"): Route(TARGETED, on("extra", "/api/v1/extras/{id}"), per_target=EXTRA_VIEWERS,
                                           kind="extra"),
    ("extras_api.extra_slots", "GET"): Route(TARGETED, on("extra", "/api/v1/extras/{id}/slots"),
                                             per_target=EXTRA_VIEWERS, kind="extra"),
    ("extras_api.update_extra", "PUT"): Route(TARGETED, on("extra", "/api/v1/extras/{id}"), per_target=TEAM_LEAD,
                                              kind="extra", json=lambda case: {"price_cents": 4080}),
    ("extras_api.team_extras", "GET"): Route(TARGETED, on("team", "/api/v1/teams/{id}/extras"),
                                             per_target=TEAM_LEAD, kind="team"),
    ("extras_api.create_extra", "POST"): Route(TARGETED, on("team", "/api/v1/teams/{id}/extras"),
                                               per_target=TEAM_LEAD, kind="team", json=extra_json),
    ("extras_api.get_settings", "GET"): Route(USER, fixed("/api/v1/market/settings"), roles=ADMIN_ONLY),
    ("extras_api.put_settings", "PUT"): Route(USER, fixed("/api/v1/market/settings"), roles=ADMIN_ONLY,
                                              json=lambda case: {"free_cancel_hours": 24}),
    # -- a team's review worklist
    ("teams.review_worklist", "GET"): Route(TARGETED, on("team", "/teams/{id}/reviews"), per_target=WORKLIST,
                                            kind="team"),
    ("teams_api.review_worklist", "GET"): Route(TARGETED, on("team", "/api/v1/teams/{id}/reviews"),
                                                per_target=WORKLIST, kind="team"),
    # -- one resident
    ("care.client", "GET"): resident_route("/clients/{id}", VIEWERS, shows_name=True),
    ("care_api.get_client", "GET"): resident_route("/api/v1/clients/{id}", VIEWERS, shows_name=True),
    ("care.invite_contact", "GET"): resident_route("/clients/{id}/invite", INVITERS, shows_name=True),
    ("care.invite_contact", "POST"): resident_route("/clients/{id}/invite", INVITERS, form=invite_form,
                                                    redirect_to="/clients/{id}"),
    ("care_api.invite_contact", "POST"): resident_route("/api/v1/clients/{id}/invitations", INVITERS,
                                                        json=invite_json),
    # -- a resident's package and budget
    ("packages.budget", "GET"): resident_route("/clients/{id}/budget", VIEWERS, shows_name=True),
    ("packages.versions", "GET"): resident_route("/clients/{id}/package/versions", VIEWERS, shows_name=True),
    ("packages.version", "GET"): resident_route("/clients/{id}/package/versions/1", VIEWERS, shows_name=True),
    ("packages.compare", "GET"): resident_route("/clients/{id}/package/compare?a=1&b=2", VIEWERS,
                                                shows_name=True),
    ("packages.composer", "GET"): resident_route("/clients/{id}/package", PROPOSERS, shows_name=True),
    ("packages.composer", "POST"): resident_route("/clients/{id}/package", PROPOSERS, shows_name=True,
                                                  form=lambda case: {"n_C01": "7"}),
    ("packages.submit", "POST"): Route(TARGETED, package_path("/clients/{id}/package/submit", submitted=False),
                                       per_target=COMPOSERS, form=no_fields, redirect_to="/clients/{id}/package"),
    ("packages.sign", "POST"): Route(TARGETED, package_path("/clients/{id}/package/versions/{number}/sign",
                                                            submitted=True),
                                     per_target=SIGNERS, form=no_fields, redirect_to="/clients/{id}/package/versions"),
    ("packages.sign", "GET"): Route(TARGETED, package_path("/clients/{id}/package/versions/{number}/sign",
                                                           submitted=True), per_target=SIGNERS, shows_name=True),
    ("packages.cover_risks", "POST"): resident_route("/clients/{id}/package/cover-risks", SIGNERS, form=no_fields),
    ("packages.take_over", "POST"): Route(TARGETED, proposal_path("/clients/{id}/package/proposals/{number}/take-over"),
                                          per_target=COMPOSERS, form=no_fields, redirect_to="/clients/{id}/package"),
    ("packages.decline", "POST"): Route(TARGETED, proposal_path("/clients/{id}/package/proposals/{number}/decline"),
                                        per_target=COMPOSERS, form=lambda case: {"reason": "matrix"},
                                        redirect_to="/clients/{id}/package"),
    ("packages.use_savings", "POST"): resident_route("/clients/{id}/package/use-savings", SAVERS,
                                                     form=lambda case: {"use_savings": "on"},
                                                     redirect_to="/clients/{id}/budget"),
    ("care_api.sign_off_preview", "GET"): Route(
        TARGETED, package_path("/api/v1/clients/{id}/package/versions/{number}/sign-off", submitted=True),
        per_target=SIGNERS),
    ("care_api.list_proposals", "GET"): resident_route("/api/v1/clients/{id}/package/proposals", VIEWERS),
    ("care_api.take_over_proposal", "POST"): Route(
        TARGETED, proposal_path("/api/v1/clients/{id}/package/proposals/{number}/take-over"), per_target=COMPOSERS),
    ("care_api.decline_proposal", "POST"): Route(
        TARGETED, proposal_path("/api/v1/clients/{id}/package/proposals/{number}/decline"), per_target=COMPOSERS,
        json=lambda case: {"reason": "matrix"}),
    ("care_api.use_savings", "PUT"): resident_route("/api/v1/clients/{id}/package/use-savings", SAVERS,
                                                    json=lambda case: {"use_savings": True}),
    ("packages.record_review", "POST"): resident_route("/clients/{id}/reviews", COMPOSERS,
                                                       form=lambda case: {"outcome": "confirmed", "note": "", "reason": "family asked"},
                                                       redirect_to="/clients/{id}/budget"),
    ("care_api.client_budget", "GET"): resident_route("/api/v1/clients/{id}/budget", VIEWERS),
    ("care_api.list_versions", "GET"): resident_route("/api/v1/clients/{id}/package/versions", VIEWERS),
    ("care_api.get_draft", "GET"): resident_route("/api/v1/clients/{id}/package/draft", PROPOSERS),
    ("care_api.put_draft", "PUT"): resident_route("/api/v1/clients/{id}/package/draft", PROPOSERS, json=draft_json),
    ("care_api.submit_draft", "POST"): Route(TARGETED, package_path("/api/v1/clients/{id}/package/draft/submit",
                                                                    submitted=False), per_target=COMPOSERS),
    ("care_api.sign_version", "POST"): Route(
        TARGETED, package_path("/api/v1/clients/{id}/package/versions/{number}/sign", submitted=True),
        per_target=SIGNERS),
    ("care_api.record_review", "POST"): resident_route("/api/v1/clients/{id}/reviews", COMPOSERS,
                                                       json=lambda case: {"outcome": "confirmed", "reason": "family asked"}),
    # -- a resident's health profile (need-to-know)
    ("health.profile", "GET"): resident_route("/clients/{id}/health", HEALTH_VIEWERS, shows_name=True),
    ("health.record_risk", "POST"): resident_route("/clients/{id}/health/risks", HEALTH_EDITORS,
                                                   form=lambda case: {**RISK, "scope": "individual", "note": ""},
                                                   redirect_to="/clients/{id}/health"),
    ("health.rate_risk", "POST"): Route(TARGETED, risk_path("/clients/{id}/health/risks/{risk}/rating"),
                                        per_target=HEALTH_EDITORS, redirect_to="/clients/{id}/health",
                                        form=lambda case: {"knowledge": "3", "behaviour": "3", "status": "3"}),
    ("health.end_risk", "POST"): Route(TARGETED, risk_path("/clients/{id}/health/risks/{risk}/end"),
                                       per_target=HEALTH_EDITORS, form=no_fields, redirect_to="/clients/{id}/health"),
    ("health.prescribe", "POST"): Route(TARGETED, risk_path("/clients/{id}/health/risks/{risk}/prescription"),
                                        per_target=HEALTH_EDITORS, redirect_to="/clients/{id}/health",
                                        form=lambda case: {**PRESCRIPTION, "min_per_week": "28"}),
    ("health.add_observation", "POST"): resident_route("/clients/{id}/health/observations", HEALTH_EDITORS,
                                                       form=lambda case: {"text": "Let op het drinken"},
                                                       redirect_to="/clients/{id}/health"),
    ("health.end_observation", "POST"): Route(TARGETED, point_path("/clients/{id}/health/observations/{point}/end"),
                                              per_target=HEALTH_EDITORS, form=no_fields,
                                              redirect_to="/clients/{id}/health"),
    ("health.access_log", "GET"): resident_route("/clients/{id}/access-log", ACCESS_LOG_READERS, shows_name=True),
    ("health_api.get_profile", "GET"): resident_route("/api/v1/clients/{id}/health", HEALTH_VIEWERS),
    ("health_api.record_risk", "POST"): resident_route("/api/v1/clients/{id}/health/risks", HEALTH_EDITORS,
                                                       json=lambda case: dict(RISK)),
    ("health_api.rate_risk", "POST"): Route(TARGETED, risk_path("/api/v1/clients/{id}/health/risks/{risk}/ratings"),
                                            per_target=HEALTH_EDITORS,
                                            json=lambda case: {"knowledge": 3, "behaviour": 3, "status": 3}),
    ("health_api.end_risk", "DELETE"): Route(TARGETED, risk_path("/api/v1/clients/{id}/health/risks/{risk}"),
                                             per_target=HEALTH_EDITORS),
    ("health_api.prescribe", "POST"): Route(TARGETED,
                                            risk_path("/api/v1/clients/{id}/health/risks/{risk}/prescriptions"),
                                            per_target=HEALTH_EDITORS, json=lambda case: dict(PRESCRIPTION)),
    ("health_api.add_observation", "POST"): resident_route("/api/v1/clients/{id}/health/observations",
                                                           HEALTH_EDITORS, json=lambda case: {"text": "Let op"}),
    ("health_api.access_log", "GET"): resident_route("/api/v1/clients/{id}/access-log", ACCESS_LOG_READERS),
    # -- re-indications (Perm.REINDICATION_VIEW) and risk rules (Perm.RISK_RULES_EDIT)
    ("health.reindications", "GET"): Route(USER, fixed("/reindications"), roles=frozenset({"admin", "nurse"})),
    ("health.reindications_csv", "GET"): Route(USER, fixed("/reindications.csv"), roles=frozenset({"admin", "nurse"})),
    ("health_api.reindications", "GET"): Route(USER, fixed("/api/v1/reindications"),
                                               roles=frozenset({"admin", "nurse"})),
    ("health.risk_rules", "GET"): Route(USER, fixed("/admin/risk-rules"), roles=ADMIN_ONLY),
    # The administrator's gate comes first, so anyone else gets 403 whatever rule the form names;
    # the administrator gets 404 for a rule of organisation B.
    ("health.risk_rules", "POST"): Route(TARGETED, fixed("/admin/risk-rules"), per_target=EDITORS, kind="rule",
                                         role_gate_first=True, redirect_to="/admin/risk-rules",
                                         form=lambda case: {"rule": str(case.object_id("rule")),
                                                            "min_per_week": "21"}),
    # -- co-payments, payments and statements
    ("billing.invoices", "GET"): resident_route("/clients/{id}/invoices", PAYMENT_VIEWERS, shows_name=True),
    ("billing.invoice", "GET"): Route(TARGETED, lambda case: "/clients/{id}/invoices/{invoice}".format(
        id=case.resident.id, invoice=case.object_id("invoice")), per_target=PAYMENT_VIEWERS, shows_name=True),
    ("billing.pay_invoice", "POST"): Route(TARGETED, lambda case: "/clients/{id}/invoices/{invoice}/pay".format(
        id=case.resident.id, invoice=case.object_id("invoice")), per_target=PAYERS, form=no_fields),
    ("billing.payment_return", "GET"): Route(TARGETED, on("payment", "/billing/payments/{id}"),
                                             per_target=PAYMENT_VIEWERS, kind="payment"),
    # "cancel", not "pay": the invoice stays open for the other cases.
    ("billing.demo_checkout", "GET"): Route(TARGETED, lambda case: f"/billing/demo-checkout/"
                                            f"{case.live.checkout_sessions[case.target]}",
                                            per_target=PAYERS, kind="payment", shows_name=True),
    ("billing.demo_checkout", "POST"): Route(TARGETED, lambda case: f"/billing/demo-checkout/"
                                             f"{case.live.checkout_sessions[case.target]}",
                                             per_target=PAYERS, kind="payment",
                                             form=lambda case: {"action": "cancel"},
                                             redirect_to="/billing/payments/{id}"),
    ("billing.client_statement", "GET"): resident_route("/clients/{id}/statements/2026-01", VIEWERS,
                                                        shows_name=True),
    ("billing.budget_history", "GET"): resident_route("/clients/{id}/budget/history", VIEWERS, shows_name=True),
    # -- the board's staffing, budget and scenarios (issue 14): aggregates for the board and the administrator
    ("board_plan.staffing", "GET"): Route(USER, fixed("/board/staffing?week=2026-W49"), roles=BOARD),
    ("board_plan.budget", "GET"): Route(USER, fixed("/board/budget?year=2026"), roles=BOARD),
    ("board_plan.scenarios", "GET"): Route(USER, fixed("/board/scenarios"), roles=BOARD),
    ("board_plan.save", "POST"): Route(USER, fixed("/board/scenarios"), roles=BOARD,
                                       form=lambda case: {"wage_pct": "5", "action": "show"}),
    ("board_plan.scenario", "GET"): Route(TARGETED, on("scenario", "/board/scenarios/{id}"),
                                          per_target=BOARD_TARGETS, kind="scenario"),
    ("board_plan.compare", "GET"): Route(TARGETED, on("scenario", "/board/scenarios/compare?a={id}&b={id}"),
                                         per_target=BOARD_TARGETS, kind="scenario", role_gate_first=True),
    ("board_plan_api.staffing", "GET"): Route(USER, fixed("/api/v1/board/staffing?week=2026-W49"), roles=BOARD),
    ("board_plan_api.budget", "GET"): Route(USER, fixed("/api/v1/board/budget?year=2026"), roles=BOARD),
    ("board_plan_api.list_scenarios", "GET"): Route(USER, fixed("/api/v1/board/scenarios"), roles=BOARD),
    ("board_plan_api.create_scenario", "POST"): Route(USER, fixed("/api/v1/board/scenarios"), roles=BOARD,
                                                      json=lambda case: {"name": f"Matrix {next(_serial)}",
                                                                         "wage_pct": 5}),
    ("board_plan_api.get_scenario", "GET"): Route(TARGETED, on("scenario", "/api/v1/board/scenarios/{id}"),
                                                  per_target=BOARD_TARGETS, kind="scenario"),
    ("board_plan_api.compare", "GET"): Route(TARGETED, on("scenario", "/api/v1/board/scenarios/compare?a={id}&b={id}"),
                                             per_target=BOARD_TARGETS, kind="scenario", role_gate_first=True),
    # -- a freelancer's earnings (issue 13): only freelancers, each their own; the home team's view
    ("earnings.dashboard", "GET"): Route(USER, fixed("/freelancer/dashboard"), roles=frozenset({"freelancer"})),
    ("earnings.statement", "GET"): Route(USER, fixed("/freelancer/statements/2026-11"),
                                         roles=frozenset({"freelancer"})),
    ("earnings_api.earnings_json", "GET"): Route(USER, fixed("/api/v1/freelancers/me/earnings?month=2026-11"),
                                                 roles=frozenset({"freelancer"})),
    ("earnings_api.payouts_json", "GET"): Route(USER, fixed("/api/v1/freelancers/me/payouts"),
                                                roles=frozenset({"freelancer"})),
    # -- the board's competition dashboard (issue 14): the board and the administrator; aggregates only
    ("board.dashboard", "GET"): Route(USER, fixed("/board/?date_from=2026-11-01&date_to=2026-11-30"), roles=BOARD),
    ("board.competition_csv", "GET"): Route(USER, fixed("/board/competition.csv?table=teams"), roles=BOARD),
    ("board_api.competition", "GET"): Route(USER, fixed("/api/v1/board/competition?date_from=2026-11-01"),
                                            roles=BOARD),
    ("earnings.home_team", "GET"): Route(TARGETED, on("team", "/teams/{id}/freelancers"), per_target=TEAM_STATEMENT,
                                         kind="team"),
    ("billing.team_statement", "GET"): Route(TARGETED, on("team", "/teams/{id}/statement"), per_target=TEAM_STATEMENT,
                                             kind="team"),
    ("billing.admin", "GET"): Route(USER, fixed("/admin/billing"), roles=ADMIN_ONLY),
    ("billing.admin_settle", "POST"): Route(USER, fixed("/admin/billing/settle"), roles=ADMIN_ONLY,
                                            form=lambda case: {"week": "2026-W02"}, redirect_to="/admin/billing"),
    ("billing.admin_invoices", "POST"): Route(USER, fixed("/admin/billing/invoices"), roles=ADMIN_ONLY,
                                              form=lambda case: {"month": "2026-01"}, redirect_to="/admin/billing"),
    ("billing.admin_refund", "POST"): Route(TARGETED, on("payment", "/admin/billing/payments/{id}/refund"),
                                            per_target=EDITORS, kind="payment", redirect_to="/admin/billing",
                                            form=lambda case: {"amount": "1,00"}),
    ("billing_api.list_invoices", "GET"): resident_route("/api/v1/clients/{id}/invoices", PAYMENT_VIEWERS),
    ("billing_api.get_invoice", "GET"): Route(TARGETED, lambda case: "/api/v1/clients/{id}/invoices/{invoice}".format(
        id=case.resident.id, invoice=case.object_id("invoice")), per_target=PAYMENT_VIEWERS),
    ("billing_api.budget_history", "GET"): resident_route("/api/v1/clients/{id}/budget/history", VIEWERS),
    ("billing_api.pay_invoice", "POST"): Route(TARGETED, on("invoice", "/api/v1/invoices/{id}/pay"),
                                               per_target=PAYERS, kind="invoice"),
    ("billing_api.client_statement", "GET"): resident_route("/api/v1/clients/{id}/statements/2026-01", VIEWERS),
    ("billing_api.settle", "POST"): Route(USER, fixed("/api/v1/admin/settlements"), roles=ADMIN_ONLY,
                                          json=lambda case: {"week": "2026-W02"}),
    ("billing_api.make_invoices", "POST"): Route(USER, fixed("/api/v1/admin/invoices"), roles=ADMIN_ONLY,
                                                 json=lambda case: {"month": "2026-01"}),
    ("billing_api.ledger_verify", "GET"): Route(USER, fixed("/api/v1/admin/ledger/verify"), roles=ADMIN_ONLY),
    # -- running the organisation (issue 10): the administrator only, within the organisation
    ("admin.settings", "GET"): Route(USER, fixed("/admin/settings"), roles=ADMIN_ONLY),
    ("admin.settings", "POST"): Route(USER, fixed("/admin/settings"), roles=ADMIN_ONLY, redirect_to="/admin/settings",
                                      form=lambda case: {"orange_from_pct": "90", "red_above_pct": "100",
                                                         "overhead_pct": "20", "valid_from": fresh_settings_date()}),
    ("admin.withdraw_settings", "POST"): Route(TARGETED, on_dated("setting", "/admin/settings/{id}/withdraw"),
                                               per_target=EDITORS, kind="setting", form=no_fields,
                                               redirect_to="/admin/settings"),
    ("admin.users", "GET"): Route(USER, fixed("/admin/users"), roles=ADMIN_ONLY),
    ("admin.users", "POST"): Route(USER, fixed("/admin/users"), roles=ADMIN_ONLY, redirect_to="/admin/users",
                                   form=lambda case: {"name": "Matrix Nieuw", "email": fresh_email(), "roles": "carer",
                                                      "password": "een-goed-wachtwoord"}),
    ("admin.edit_user", "GET"): Route(TARGETED, on("user", "/admin/users/{id}"), per_target=EDITORS, kind="user"),
    ("admin.edit_user", "POST"): Route(TARGETED, on("user", "/admin/users/{id}"), per_target=EDITORS, kind="user",
                                       redirect_to="/admin/users",
                                       form=lambda case: {"name": "Reserve", "email": fresh_email(), "roles": "carer",
                                                          "active": "y"}),
    ("admin.locations", "GET"): Route(USER, fixed("/admin/locations"), roles=ADMIN_ONLY),
    ("admin.locations", "POST"): Route(USER, fixed("/admin/locations"), roles=ADMIN_ONLY,
                                       redirect_to="/admin/locations",
                                       form=lambda case: {"name": f"Matrixlocatie {next(_serial)}", "city": "Zwolle"}),
    ("admin.edit_location", "GET"): Route(TARGETED, on("location", "/admin/locations/{id}"), per_target=EDITORS,
                                          kind="location"),
    ("admin.edit_location", "POST"): Route(TARGETED, on("location", "/admin/locations/{id}"), per_target=EDITORS,
                                           kind="location", redirect_to="/admin/locations",
                                           form=lambda case: {"name": f"Reservelocatie {next(_serial)}",
                                                              "city": "Zwolle", "active": "y"}),
    ("admin.teams", "GET"): Route(USER, fixed("/admin/teams"), roles=ADMIN_ONLY),
    ("admin.teams", "POST"): Route(USER, fixed("/admin/teams"), roles=ADMIN_ONLY, redirect_to="/admin/teams",
                                   form=lambda case: {"name": f"Matrixteam {next(_serial)}", "target_groups": "pg",
                                                      "locations": str(case.live.ids["location"]["own"]),
                                                      "capacity": "8"}),
    ("admin.edit_team", "GET"): Route(TARGETED, on("spare_team", "/admin/teams/{id}"), per_target=EDITORS,
                                      kind="spare_team"),
    ("admin.edit_team", "POST"): Route(TARGETED, on("spare_team", "/admin/teams/{id}"), per_target=EDITORS,
                                       kind="spare_team", redirect_to="/admin/teams",
                                       form=lambda case: {"name": f"Reserveteam {next(_serial)}", "target_groups": "pg",
                                                          "locations": str(case.live.ids["location"]["own"]),
                                                          "capacity": "8", "active": "y"}),
    ("admin_api.get_settings", "GET"): Route(USER, fixed("/api/v1/admin/settings"), roles=ADMIN_ONLY),
    ("admin_api.change_settings", "POST"): Route(USER, fixed("/api/v1/admin/settings"), roles=ADMIN_ONLY,
                                                 json=lambda case: {"orange_from_pct": 90, "red_above_pct": 100,
                                                                    "overhead_pct": 20,
                                                                    "valid_from": fresh_settings_date()}),
    ("admin_api.withdraw_settings", "DELETE"): Route(TARGETED, on_dated("setting", "/api/v1/admin/settings/{id}"),
                                                     per_target=EDITORS, kind="setting"),
    ("admin_api.list_users", "GET"): Route(USER, fixed("/api/v1/admin/users"), roles=ADMIN_ONLY),
    ("admin_api.create_user", "POST"): Route(USER, fixed("/api/v1/admin/users"), roles=ADMIN_ONLY,
                                             json=lambda case: {"name": "Matrix Nieuw", "email": fresh_email(),
                                                                "roles": ["carer"], "password": "een-goed-wachtwoord"}),
    ("admin_api.update_user", "PATCH"): Route(TARGETED, on("user", "/api/v1/admin/users/{id}"), per_target=EDITORS,
                                              kind="user", json=lambda case: {"name": "Reserve"}),
    ("admin_api.list_locations", "GET"): Route(USER, fixed("/api/v1/admin/locations"), roles=ADMIN_ONLY),
    ("admin_api.create_location", "POST"): Route(USER, fixed("/api/v1/admin/locations"), roles=ADMIN_ONLY,
                                                 json=lambda case: {"name": f"Matrixlocatie {next(_serial)}"}),
    ("admin_api.update_location", "PATCH"): Route(TARGETED, on("location", "/api/v1/admin/locations/{id}"),
                                                  per_target=EDITORS, kind="location",
                                                  json=lambda case: {"city": "Kampen"}),
    ("admin_api.list_all_teams", "GET"): Route(USER, fixed("/api/v1/admin/teams"), roles=ADMIN_ONLY),
    ("admin_api.create_team", "POST"): Route(USER, fixed("/api/v1/admin/teams"), roles=ADMIN_ONLY,
                                             json=lambda case: {"name": f"Matrixteam {next(_serial)}",
                                                                "locations": [case.live.ids["location"]["own"]],
                                                                "target_groups": ["pg"], "capacity": 8}),
    ("admin_api.update_team", "PATCH"): Route(TARGETED, on("spare_team", "/api/v1/admin/teams/{id}"),
                                              per_target=EDITORS, kind="spare_team", json=lambda case: {"capacity": 9}),
    ("admin_api.correct_rate", "PATCH"): Route(TARGETED, on_dated("rate", "/api/v1/admin/rates/{id}"),
                                               per_target=EDITORS, kind="rate",
                                               json=lambda case: {"base_hourly_cents": 4200}),
    ("admin_api.withdraw_rate", "DELETE"): Route(TARGETED, on_dated("rate", "/api/v1/admin/rates/{id}"),
                                                 per_target=EDITORS, kind="rate"),
    ("admin_api.correct_budget", "PATCH"): Route(TARGETED, on_dated("budget", "/api/v1/admin/budgets/{id}"),
                                                 per_target=EDITORS, kind="budget",
                                                 json=lambda case: {"weekly_cents": 90000}),
    ("admin_api.withdraw_budget", "DELETE"): Route(TARGETED, on_dated("budget", "/api/v1/admin/budgets/{id}"),
                                                   per_target=EDITORS, kind="budget"),
    ("admin_api.correct_version", "PATCH"): Route(TARGETED, on_dated("version", "/api/v1/admin/service-versions/{id}"),
                                                  per_target=EDITORS, kind="version", json=lambda case: {"minutes": 35}),
    ("admin_api.withdraw_version", "DELETE"): Route(TARGETED,
                                                    on_dated("version", "/api/v1/admin/service-versions/{id}"),
                                                    per_target=EDITORS, kind="version"),
    ("catalogue.correct_rate", "POST"): Route(TARGETED, on_dated("rate", "/admin/catalogue/rates/{id}"),
                                              per_target=EDITORS, kind="rate", redirect_to="/admin/catalogue",
                                              form=lambda case: {"rate": "42,00", "action": "correct"}),
    ("catalogue.correct_budget", "POST"): Route(TARGETED, on_dated("budget", "/admin/catalogue/budgets/{id}"),
                                                per_target=EDITORS, kind="budget", redirect_to="/admin/catalogue",
                                                form=lambda case: {"action": "withdraw"}),
    ("catalogue.withdraw_version", "POST"): Route(TARGETED,
                                                  on_dated("version", "/admin/catalogue/versions/{id}/withdraw"),
                                                  per_target=EDITORS, kind="version", form=no_fields),
    ("billing_api.list_payments", "GET"): Route(USER, fixed("/api/v1/admin/payments"), roles=ADMIN_ONLY),
    # The resident is named in the body, not in the URL.
    ("care_api.meter", "POST"): Route(TARGETED, fixed("/api/v1/meter"), per_target=PROPOSERS,
                                      json=lambda case: {"client_id": case.resident.id, **lines_json(case)}),
    # -- the team choice and the waiting list (issue 11): a family chooses only for its own resident
    ("market.team_options", "GET"): resident_route("/clients/{id}/teams", VIEWERS, shows_name=True),
    ("market.choose_team", "GET"): Route(TARGETED, alt_team_path("/clients/{id}/teams/{team}/choose"),
                                         per_target=VIEWERS, shows_name=True),
    ("market.choose_team", "POST"): Route(TARGETED, alt_team_path("/clients/{id}/teams/{team}/choose"),
                                          per_target=CHOOSERS, form=no_fields, redirect_to="/clients/{id}/teams"),
    ("market.withdraw_choice", "POST"): resident_route("/clients/{id}/teams/withdraw", CHOOSERS, form=no_fields,
                                                       redirect_to="/clients/{id}/teams"),
    ("market.join_waiting_list", "POST"): Route(TARGETED, alt_team_path("/clients/{id}/teams/{team}/waiting-list"),
                                                per_target=CHOOSERS, form=no_fields,
                                                redirect_to="/clients/{id}/teams"),
    ("market.leave_waiting_list", "POST"): Route(TARGETED,
                                                 alt_team_path("/clients/{id}/teams/{team}/waiting-list/leave"),
                                                 per_target=CHOOSERS, form=no_fields,
                                                 redirect_to="/clients/{id}/teams"),
    ("market.decide_offer", "POST"): Route(TARGETED, offer_path("/waiting-list/offers/{offer}/accept"),
                                           per_target=CHOOSERS, form=no_fields, kind="offer"),
    ("bookings.book", "POST"): Route(TARGETED, on("booking_extra", "/extras/{id}/book"),
                                     per_target=BOOKERS, kind="booking_extra", form=book_form),
    ("bookings.booking", "GET"): Route(TARGETED, family_booking_path("/bookings/{id}"), per_target=BOOKING_VIEWERS,
                                       kind="booking", shows_name=True),
    ("bookings.receipt", "GET"): Route(TARGETED, family_booking_path("/bookings/{id}/receipt", paid=True),
                                       per_target=BOOKING_VIEWERS, kind="booking", shows_name=True),
    ("bookings.pay", "POST"): Route(TARGETED, family_booking_path("/bookings/{id}/pay"), per_target=BOOKERS,
                                    kind="booking", form=no_fields),
    ("bookings.cancel", "POST"): Route(TARGETED, family_booking_path("/bookings/{id}/cancel"), per_target=BOOKERS,
                                       kind="booking", form=no_fields, redirect_to=None),
    ("bookings.client_bookings", "GET"): resident_route("/clients/{id}/bookings", VIEWERS, shows_name=True),
    ("bookings_api.book", "POST"): Route(TARGETED, fixed("/api/v1/bookings"), per_target=BOOKERS,
                                         kind="booking_extra",
                                         json=book_json),
    ("bookings_api.booking", "GET"): Route(TARGETED, family_booking_path("/api/v1/bookings/{id}"),
                                           per_target=BOOKING_VIEWERS, kind="booking"),
    ("bookings_api.client_bookings", "GET"): resident_route("/api/v1/clients/{id}/bookings", VIEWERS),
    ("bookings_api.pay", "POST"): Route(TARGETED, family_booking_path("/api/v1/bookings/{id}/pay"), per_target=BOOKERS,
                                        kind="booking"),
    ("bookings_api.cancel", "POST"): Route(TARGETED, family_booking_path("/api/v1/bookings/{id}/cancel"),
                                           per_target=BOOKERS, kind="booking", json=no_fields),
    ("choice_api.team_options", "GET"): resident_route("/api/v1/clients/{id}/team-options", VIEWERS),
    ("choice_api.team_history", "GET"): resident_route("/api/v1/clients/{id}/team-history", VIEWERS),
    ("choice_api.choose_team", "POST"): resident_route("/api/v1/clients/{id}/team-choice", CHOOSERS,
                                                       json=lambda case: {"team_id": case.object_id("alt_team")}),
    ("choice_api.withdraw_choice", "DELETE"): Route(TARGETED, pending_path("/api/v1/clients/{id}/team-choice"),
                                                    per_target=CHOOSERS),
    ("choice_api.waiting_entries", "GET"): resident_route("/api/v1/clients/{id}/waiting-list", VIEWERS),
    ("choice_api.join_waiting_list", "POST"): resident_route(
        "/api/v1/clients/{id}/waiting-list", CHOOSERS, json=lambda case: {"team_id": case.object_id("alt_team")}),
    ("choice_api.leave_waiting_list", "DELETE"): Route(TARGETED,
                                                       waiting_path("/api/v1/clients/{id}/waiting-list/{team}"),
                                                       per_target=CHOOSERS),
    ("choice_api.accept_offer", "POST"): Route(TARGETED, offer_path("/api/v1/waiting-list/offers/{offer}/accept"),
                                               per_target=CHOOSERS, kind="offer"),
    ("choice_api.decline_offer", "POST"): Route(TARGETED, offer_path("/api/v1/waiting-list/offers/{offer}/decline"),
                                                per_target=CHOOSERS, kind="offer"),

    # The provider's side of extras (issue 12): only the provider's own members; rating by the family.
    ("provider.day", "GET"): Route(TARGETED, on("provider", "/providers/{id}/day"), per_target=PROVIDERS,
                                   kind="provider"),
    ("provider.mark", "POST"): Route(TARGETED, booking_path("/bookings/{id}/delivered", "confirmed", started=True),
                                     per_target=PROVIDERS, kind="booking", form=lambda case: {"outcome": "delivered"}),
    ("provider.cancel", "POST"): Route(
        TARGETED, booking_path("/bookings/{id}/provider-cancel", "confirmed", started=False), per_target=PROVIDERS,
        kind="booking", form=lambda case: {"reason": "De bus is kapot"}),
    ("provider.answer", "POST"): Route(TARGETED, booking_path("/bookings/{id}/answer", "requested", started=False),
                                       per_target=PROVIDERS, kind="booking", form=lambda case: {"accept": "yes"}),
    ("provider.rate", "POST"): Route(TARGETED, booking_path("/bookings/{id}/rating", "delivered", started=True),
                                     per_target=EXTRA_RATERS, kind="booking", form=lambda case: {"stars": "5"}),
    ("provider.revenue", "GET"): Route(TARGETED, on("team", "/teams/{id}/extras/revenue"), per_target=TEAM_LEAD,
                                       kind="team"),
    ("provider_api.team_bookings", "GET"): Route(TARGETED, on("team", "/api/v1/teams/{id}/bookings"),
                                                 per_target=PROVIDERS, kind="team"),
    ("provider_api.delivered", "POST"): Route(
        TARGETED, booking_path("/api/v1/bookings/{id}/delivered", "confirmed", started=True), per_target=PROVIDERS,
        kind="booking"),
    ("provider_api.no_show", "POST"): Route(
        TARGETED, booking_path("/api/v1/bookings/{id}/no-show", "confirmed", started=True), per_target=PROVIDERS,
        kind="booking"),
    ("provider_api.provider_cancel", "POST"): Route(
        TARGETED, booking_path("/api/v1/bookings/{id}/provider-cancel", "confirmed", started=False),
        per_target=PROVIDERS, kind="booking", json=lambda case: {"reason": "De bus is kapot"}),
    ("provider_api.answer", "POST"): Route(
        TARGETED, booking_path("/api/v1/bookings/{id}/answer", "requested", started=False), per_target=PROVIDERS,
        kind="booking", json=lambda case: {"accept": True}),
    ("provider_api.rate", "POST"): Route(
        TARGETED, booking_path("/api/v1/bookings/{id}/rating", "delivered", started=True), per_target=EXTRA_RATERS,
        kind="booking", json=lambda case: {"stars": 5, "comment": "Fijn"}),
    ("provider_api.revenue", "GET"): Route(TARGETED, on("team", "/api/v1/teams/{id}/extras/revenue"),
                                           per_target=TEAM_LEAD, kind="team"),
    # -- freelancers (issue 13): only their own profile; the administrator approves and suspends;
    #    the lead of the home team sees the profile; never across organisations
    ("freelancers.me", "GET"): Route(USER, fixed("/freelancers/me"), roles=FREELANCER_ONLY),
    ("freelancers.me", "POST"): Route(USER, fixed("/freelancers/me"), roles=FREELANCER_ONLY, form=profile_form,
                                      redirect_to="/freelancers/me"),
    ("freelancers.start_onboarding", "POST"): Route(USER, fixed("/freelancers/me/onboarding"),
                                                    roles=FREELANCER_ONLY, form=no_fields),
    ("freelancers.onboarding_refresh", "GET"): Route(USER, fixed("/freelancers/me/onboarding/refresh"),
                                                     roles=FREELANCER_ONLY),
    ("freelancers.stripe_dashboard", "POST"): Route(USER, fixed("/freelancers/me/stripe-dashboard"),
                                                    roles=FREELANCER_ONLY, form=no_fields),
    ("freelancers.demo_onboarding", "GET"): Route(USER, fixed("/freelancers/me/demo-onboarding"),
                                                  roles=FREELANCER_ONLY),
    ("freelancers.demo_onboarding", "POST"): Route(USER, fixed("/freelancers/me/demo-onboarding"),
                                                   roles=FREELANCER_ONLY, form=lambda case: {"action": "complete"},
                                                   redirect_to="/freelancers/me"),
    ("freelancers.admin_list", "GET"): Route(USER, fixed("/admin/freelancers"), roles=ADMIN_ONLY),
    ("freelancers.profile", "GET"): Route(TARGETED, on("freelancer", "/freelancers/{id}"),
                                          per_target=FREELANCER_VIEWERS, kind="freelancer"),
    ("freelancers.approve", "POST"): Route(TARGETED, on("freelancer", "/freelancers/{id}/approve"),
                                           per_target=EDITORS, kind="freelancer", form=no_fields),
    ("freelancers.suspend", "POST"): Route(TARGETED, on("freelancer", "/freelancers/{id}/suspend"),
                                           per_target=EDITORS, kind="freelancer",
                                           form=lambda case: {"reason": "matrix"}),
    ("freelancers_api.get_me", "GET"): Route(USER, fixed("/api/v1/freelancers/me"), roles=FREELANCER_ONLY),
    ("freelancers_api.put_me", "PUT"): Route(USER, fixed("/api/v1/freelancers/me"), roles=FREELANCER_ONLY,
                                             json=profile_json),
    ("freelancers_api.onboarding", "POST"): Route(USER, fixed("/api/v1/freelancers/me/onboarding"),
                                                  roles=FREELANCER_ONLY),
    ("freelancers_api.approve", "POST"): Route(TARGETED, on("freelancer", "/api/v1/freelancers/{id}/approve"),
                                               per_target=EDITORS, kind="freelancer"),
    ("freelancers_api.suspend", "POST"): Route(TARGETED, on("freelancer", "/api/v1/freelancers/{id}/suspend"),
                                               per_target=EDITORS, kind="freelancer",
                                               json=lambda case: {"reason": "matrix"}),
    ("freelancers_api.team_freelancers", "GET"): Route(TARGETED, on("team", "/api/v1/teams/{id}/freelancers"),
                                                       per_target=TEAM_FREELANCERS, kind="team"),
}


def registered_routes(app) -> set[tuple[str, str]]:
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


ALLOW, LOGIN, FORBIDDEN, NOT_FOUND = "allow", "login", "403", "404"


def expected(route: Route, role: str, target: str) -> str:
    if route.scope == PUBLIC:
        return ALLOW
    if role == ANONYMOUS:
        return LOGIN
    if route.scope == TOKEN:
        return ALLOW if target == "own" else NOT_FOUND
    if route.scope == TARGETED:
        if route.role_gate_first and role not in route.per_target["own"]:
            return FORBIDDEN
        if target == "foreign":
            return NOT_FOUND
        return ALLOW if role in route.per_target[target] else FORBIDDEN
    return ALLOW if role in route.roles else FORBIDDEN


def targets_of(route: Route) -> tuple[str, ...]:
    """The targets a route is tried on. A route that names no object sends the same request
    whatever the target, so it runs once per role; its no-leak check covers every resident."""
    if route.scope in (TARGETED, TOKEN) or route.filters_on_target:
        return TARGETS
    return (NO_TARGET,)


def matrix_cases() -> list:
    return [
        pytest.param(endpoint, method, role, target, id=f"{endpoint} {method} {role} {target}")
        for (endpoint, method), route in ROUTES.items()
        for role in ACTORS
        for target in targets_of(route)
    ]


# -- the tests --------------------------------------------------------------------------------

def test_every_route_is_classified(app):
    registered = registered_routes(app)
    unclassified = sorted(registered - set(ROUTES))
    stale = sorted(set(ROUTES) - registered)
    assert not unclassified, (
        "routes missing from ROUTES in tests/functional/test_access_matrix.py: "
        + ", ".join(f"{endpoint} {method}" for endpoint, method in unclassified)
    )
    assert not stale, "ROUTES names routes that no longer exist: " + ", ".join(
        f"{endpoint} {method}" for endpoint, method in stale
    )


def test_matrix_is_consistent():
    for (endpoint, method), route in ROUTES.items():
        if route.scope == TARGETED:
            assert {"own", "other"} <= set(route.per_target), f"{endpoint} {method}"
            assert not route.per_target.get("foreign"), f"{endpoint} {method}: nobody acts across organisations"
            assert route.per_target["other"] <= route.per_target["own"], f"{endpoint} {method}"
            # Whoever may act on a resident may view that resident.
            if route.kind == "resident":
                assert route.per_target["own"] <= VIEWERS["own"], f"{endpoint} {method}"
                assert route.per_target["other"] <= VIEWERS["other"], f"{endpoint} {method}"


def test_the_board_reaches_no_resident_page_and_no_health_endpoint():
    """The board sees aggregates only: every route about one resident, every health route and the
    re-indication list (names and health cost) refuse it, 403 within the organisation."""
    for (endpoint, method), route in ROUTES.items():
        about_health = endpoint.startswith(("health.", "health_api."))
        if route.scope == TARGETED and (route.kind == "resident" or about_health):
            for target in ("own", "other"):
                assert expected(route, "board", target) == FORBIDDEN, f"{endpoint} {method} on {target}"
        elif about_health:
            assert expected(route, "board", NO_TARGET) == FORBIDDEN, f"{endpoint} {method}"


class Probe:
    """Reads what requests wrote, beside the app, on one connection held for the module
    (each read ends its transaction, so SQLite's writers are never blocked)."""

    def __init__(self, engine):
        self.connection = engine.connect()

    def read(self, query) -> list:
        try:
            return list(self.connection.execute(query))
        finally:
            self.connection.rollback()

    def last_audit_id(self) -> int:
        return self.read(select(func.max(AuditEvent.id)))[0][0] or 0

    def denials(self, user_id: int, *, after_id: int = 0, since: datetime | None = None) -> list:
        query = select(AuditEvent.__table__).where(AuditEvent.user_id == user_id,
                                                   AuditEvent.action == Action.DENIED.value, AuditEvent.id > after_id)
        if since is not None:
            query = query.where(AuditEvent.at >= since)
        return self.read(query.order_by(AuditEvent.id))

    def token_revoked(self, token_id: int) -> bool:
        return self.read(select(ApiToken.revoked_at).where(ApiToken.id == token_id))[0][0] is not None

    def notification_read(self, notification_id: int) -> bool:
        return self.read(select(Notification.read_at).where(Notification.id == notification_id))[0][0] is not None


@pytest.fixture(scope="module")
def probe(app, live):
    with app.app_context():
        engine = db.engine
    reader = Probe(engine)
    yield reader
    reader.connection.close()


def request_kwargs(method: str, path: str, route: Route, case: Case, csrf: str) -> dict:
    """The body and headers; built before the request, as builders may read or write first."""
    kwargs = {}
    if route.form is not None:
        kwargs["data"] = {**route.form(case), "csrf_token": csrf}
    if route.json is not None:
        kwargs["json"] = route.json(case)
    if route.raw is not None:
        kwargs["data"], kwargs["headers"] = route.raw(case)
    if path.startswith("/api/") and method not in SAFE_METHODS:
        kwargs["headers"] = {"X-CSRFToken": csrf}
    return kwargs


@pytest.mark.parametrize(("endpoint", "method", "role", "target"), matrix_cases())
def test_access(app, live, sessions, probe, endpoint, method, role, target):
    route = ROUTES[(endpoint, method)]
    where = f"{endpoint} {method} as {role} on {target}"
    want = expected(route, role, target)
    client, csrf = sessions.client(role, fresh=route.scope == PUBLIC, writes=method not in SAFE_METHODS)
    case = Case(app, live, role, target, client)
    path = route.path(case)
    kwargs = request_kwargs(method, path, route, case, csrf)
    started = datetime.now(timezone.utc)

    response = client.open(path, method=method, **kwargs)
    if route.ends_session:
        sessions.forget(role)
    status = response.status_code
    body = response.get_data(as_text=True)
    response.close()  # a static file's response holds the file open until closed
    location = urlsplit(response.headers.get("Location", ""))

    assert status != 500, f"{where}: 500"
    if want == ALLOW:
        assert 200 <= status < 400, f"{where}: allowed, got {status}"
        if 300 <= status < 400:
            assert location.path != "/login" or route.redirect_to == "/login", f"{where}: sent to log in"
        if route.redirect_to is not None:
            wanted = route.redirect_to.format(id=case.object_id(route.kind)) \
                if target in TARGETS and "{id}" in route.redirect_to else route.redirect_to
            assert 300 <= status < 400 and location.path == wanted, \
                f"{where}: expected a redirect to {wanted}, got {status} {location.path}"
        if route.shows_name:
            assert case.resident.name in body, f"{where}: allowed but the resident is not shown"
    elif want == LOGIN:
        if path.startswith("/api/"):
            assert status == 401, f"{where}: anonymous API call got {status}"
            assert response.get_json()["error"]["code"] == "unauthorized", where
        else:
            assert status == 302, f"{where}: anonymous page got {status}"
            assert location.path == "/login", f"{where}: redirected to {location.path}"
            assert parse_qs(location.query).get("next"), f"{where}: no way back after logging in"
    elif want == FORBIDDEN:
        assert status == 403, f"{where}: denied within the organisation, got {status}"
        rows = probe.denials(live.user_ids[role], since=started)
        assert len(rows) == 1, f"{where}: a denial writes one audit row, found {len(rows)}"
        assert rows[0].outcome == Outcome.DENIED.value, where
        if route.scope == TARGETED and route.kind == "resident":
            assert rows[0].client_id == case.resident.id, f"{where}: the audit row names the wrong resident"
    else:
        assert status == 404, f"{where}: another organisation's or another user's object, got {status}"

    for secret in live.foreign_strings:
        assert secret not in body, f"{where}: the response shows {secret!r} of organisation B"
    if route.scope != PUBLIC:  # an invitation link shows its resident to whoever holds it
        for name, resident in live.residents.items():
            if role not in VIEWERS[name]:
                assert resident.name not in body, f"{where}: the response shows {name}, whom the role may not view"
    for name, note in live.health_notes.items():
        if role not in HEALTH_VIEWERS[name]:
            assert note not in body, f"{where}: the response shows health notes of {name} without a care relationship"
    if route.scope == TOKEN and want == NOT_FOUND and route.kind == "resident":
        assert not probe.token_revoked(case.token_id()), f"{where}: revoked someone else's token"
    if route.scope == TOKEN and want == NOT_FOUND and route.kind == "notification":
        assert not probe.notification_read(case.notification_id()), f"{where}: marked someone else's notification"


# Ids of /api/v1/clients per role: ``own`` and ``other`` by name ("Andere ..." before "Eigen ...").
EXPECTED_CLIENTS = {
    "family": ("own",),
    "resident": ("own",),
    "carer": ("own",),
    "nurse": ("own",),
    "team_lead": ("own",),
    "freelancer": (),
    "client_supporter": ("other", "own"),
    "board": (),
    "admin": ("other", "own"),
}


@pytest.mark.parametrize("role", MATRIX_ROLES)
def test_client_list_is_scoped_per_role(app, live, sessions, role):
    client, _csrf = sessions.client(role)
    listed = [row["id"] for row in client.get("/api/v1/clients").get_json()["clients"]]
    assert listed == [live.residents[name].id for name in EXPECTED_CLIENTS[role]], role

    home = client.get("/").get_data(as_text=True)
    for name in TARGETS:
        shown = live.residents[name].name in home
        assert shown == (name in EXPECTED_CLIENTS[role]), f"home page of {role}: {name} shown={shown}"


def test_board_sees_no_resident(app, live, sessions):
    client, _csrf = sessions.client("board")
    assert client.get("/api/v1/clients").get_json() == {"clients": []}
    for name in TARGETS:
        response = client.get(f"/api/v1/clients/{live.residents[name].id}")
        assert response.status_code == (404 if name == "foreign" else 403), name


def test_denial_is_audited_with_actor_resident_and_permission(app, live, sessions, probe):
    client, csrf = sessions.client("carer")
    other = live.residents["other"]
    mark = probe.last_audit_id()

    assert client.get(f"/clients/{other.id}").status_code == 403
    assert client.post(f"/api/v1/clients/{other.id}/invitations", json={"email": fresh_email(), "name": "X"},
                       headers={"X-CSRFToken": csrf}).status_code == 403

    rows = probe.denials(live.user_ids["carer"], after_id=mark)
    assert [(row.action, row.outcome, row.role, row.client_id, row.object_type, row.object_id, row.detail)
            for row in rows] == [
        ("denied", "denied", "carer", other.id, "clients", str(other.id), "client.view"),
        ("denied", "denied", "carer", other.id, "clients", str(other.id), "client.view"),
    ]
    assert all(row.ip for row in rows)


def test_refused_invitation_leaves_nothing_but_the_audit_row(app, live, sessions, probe):
    client, csrf = sessions.client("client_supporter")
    own = live.residents["own"]

    def invitations() -> int:
        return probe.read(select(func.count()).select_from(Invitation).where(Invitation.client_id == own.id))[0][0]

    before, mark = invitations(), probe.last_audit_id()
    response = client.post(f"/api/v1/clients/{own.id}/invitations", json={"email": fresh_email(), "name": "X"},
                           headers={"X-CSRFToken": csrf})
    assert response.status_code == 403
    assert invitations() == before
    assert [row.detail for row in probe.denials(live.user_ids["client_supporter"], after_id=mark)] \
        == ["client.invite_contact"]
