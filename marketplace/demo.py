"""Demo data: two organisations with teams, clients, families and staff.

Loading is idempotent: an organisation that already exists is left as it is.
Every demo account has the password ``demo``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select

from billing.invoices import create_invoices
from billing.settlement import settle_week
from care.catalogue import load_catalogue
from care.models import Client, FamilyContact, HealthRisk, ObservationPoint, PackageLine, PackageVersion, Service
from care.models.packages import Status
from care.risk_rules import load_rules
from marketplace.accounts import notifications
from marketplace.accounts.models import Location, Organisation, User, UserRole
from marketplace.accounts.sessions import new_session_nonce
from marketplace.core.calendar import Week, month_start
from marketplace.core.db_types import local_today
from marketplace.core.extensions import db
from marketplace.core.passwords import hash_password
from marketplace.core.roles import Role
from marketplace.market.demo_choice import load_choices
from marketplace.market.demo_freelancers import load_freelancers
from marketplace.market.demo_extras import load_extras
from marketplace.market.demo_offers import load_offers_and_ratings
from teams.models import Team, TeamMembership

DEMO_PASSWORD = "demo"


@dataclass(frozen=True)
class TeamSpec:
    name: str
    location: str
    target_groups: str
    capacity: int
    description: str


@dataclass(frozen=True)
class OrgSpec:
    name: str
    slug: str
    domain: str
    locations: tuple[tuple[str, str], ...]
    teams: tuple[TeamSpec, ...]
    clients: tuple[tuple[str, date, str, str], ...]  # name, born, profile, target group
    # Staff sign in with a second factor: off at De Linde (quick to try), on at Het Anker, whose
    # staff accounts show the enrolment with an authenticator app.
    second_factor: bool = False


LINDE_CLIENTS = (
    ("Johanna de Vries", date(1938, 3, 14), "5VV", "pg"),
    ("Hendrik Jansen", date(1935, 11, 2), "4VV", "somatic"),
    ("Wilhelmina Bakker", date(1941, 6, 23), "6VV", "somatic"),
    ("Cornelis Visser", date(1933, 1, 30), "5VV", "pg"),
    ("Geertruida Smit", date(1940, 9, 9), "7VV", "structured_living"),
    ("Pieter Meijer", date(1937, 4, 18), "4VV", "structured_living"),
    ("Maria van den Berg", date(1936, 12, 5), "6VV", "pg"),
    ("Jacobus Mulder", date(1939, 2, 11), "4VV", "somatic"),
    ("Aaltje de Boer", date(1934, 8, 27), "5VV", "pg"),
    ("Gerrit Bos", date(1942, 5, 3), "6VV", "somatic"),
    ("Trijntje Vos", date(1931, 10, 19), "8VV", "somatic"),
    ("Willem Peters", date(1940, 7, 7), "4VV", "pg"),
    ("Elisabeth Hendriks", date(1937, 3, 22), "5VV", "structured_living"),
    ("Johannes van Leeuwen", date(1936, 1, 15), "6VV", "pg"),
    ("Grietje Dekker", date(1943, 11, 28), "4VV", "somatic"),
    ("Adrianus Brouwer", date(1938, 6, 1), "5VV", "somatic"),
    ("Catharina de Wit", date(1935, 4, 12), "6VV", "structured_living"),
    ("Dirk Dijkstra", date(1932, 9, 25), "10VV", "somatic"),
    ("Neeltje Smits", date(1939, 12, 31), "4VV", "pg"),
    ("Theodorus de Graaf", date(1941, 2, 8), "5VV", "pg"),
    ("Hendrika van der Meer", date(1936, 7, 16), "6VV", "somatic"),
    ("Albertus van der Linden", date(1934, 3, 4), "9bVV", "somatic"),
    ("Jannetje Kok", date(1940, 10, 10), "4VV", "structured_living"),
    ("Gerardus Jacobs", date(1937, 5, 29), "5VV", "somatic"),
    ("Antonia de Haan", date(1942, 8, 21), "6VV", "pg"),
    ("Marinus Vermeulen", date(1933, 12, 13), "4VV", "pg"),
    ("Sophia van den Heuvel", date(1938, 1, 6), "5VV", "structured_living"),
    ("Lambertus van der Veen", date(1935, 6, 17), "6VV", "somatic"),
)

ANKER_CLIENTS = (
    ("Frederika van Dam", date(1939, 4, 2), "5VV", "pg"),
    ("Bernardus Schouten", date(1936, 9, 14), "4VV", "somatic"),
    ("Everdina de Jong", date(1941, 1, 20), "6VV", "somatic"),
    ("Hermanus Willems", date(1934, 7, 9), "7VV", "structured_living"),
    ("Alida Hoekstra", date(1937, 11, 30), "5VV", "pg"),
    ("Jozef Koster", date(1940, 3, 26), "8VV", "somatic"),
    ("Margaretha Prins", date(1938, 5, 5), "4VV", "pg"),
    ("Nicolaas Huisman", date(1935, 2, 17), "6VV", "somatic"),
    ("Dina Kuipers", date(1942, 10, 3), "5VV", "structured_living"),
    ("Evert Postma", date(1933, 8, 12), "4VV", "somatic"),
    ("Klaasje Sanders", date(1939, 6, 24), "5VV", "pg"),
    ("Arie van Wijk", date(1936, 12, 8), "6VV", "somatic"),
)

ORGANISATIONS = (
    OrgSpec(
        name="Zorggroep De Linde", slug="de-linde", domain="delinde.demo",
        locations=(("De Linde Noord", "Zwolle"), ("De Linde Zuid", "Zwolle")),
        teams=(
            TeamSpec("Team Lindehof", "De Linde Noord", "pg,structured_living,somatic", 10,
                     "Kleinschalig wonen met vaste gezichten in de huiskamer."),
            TeamSpec("Team Zonnebloem", "De Linde Noord", "somatic,pg,structured_living", 10,
                     "Veel aandacht voor buiten zijn en bewegen."),
            TeamSpec("Team Vlinder", "De Linde Zuid", "pg,structured_living,somatic", 10,
                     "Muziek, beleving en rust voor mensen met dementie."),
            TeamSpec("Team Kastanje", "De Linde Zuid", "somatic,pg,structured_living", 10,
                     "Verpleging en verzorging met een persoonlijke aanpak."),
        ),
        clients=LINDE_CLIENTS,
    ),
    OrgSpec(
        name="Stichting Het Anker", slug="het-anker", domain="hetanker.demo", second_factor=True,
        locations=(("Het Anker", "Kampen"),),
        teams=(
            TeamSpec("Team Haven", "Het Anker", "pg,structured_living,somatic", 8, "Kleine groepen, veel structuur."),
            TeamSpec("Team Vuurtoren", "Het Anker", "somatic,pg,structured_living", 8, "Samen koken en eten."),
        ),
        clients=ANKER_CLIENTS,
    ),
)

STAFF_NAMES = ("Sanne", "Fatima", "Joost", "Esra", "Lotte", "Mohamed", "Anouk", "Bram", "Yara", "Kees")


def _user(org: Organisation, email: str, name: str, roles: tuple[Role, ...], password_hash: str) -> User:
    user = User(organisation=org, email=email, name=name, password_hash=password_hash,
                session_nonce=new_session_nonce())
    user.role_rows = [UserRole(role=role.value) for role in roles]
    db.session.add(user)
    return user


def _member(team: Team, user: User, role: str, level: str, hours: int) -> None:
    db.session.add(TeamMembership(team=team, user=user, role=role, staff_level=level, contract_hours=hours))


# Core lines per week of the demo packages, by care profile; the health lines of the worked
# example (DOMAIN.md §4) go to the first client.
DEMO_CORE = {
    "4VV": {"C01": 7, "C03": 7, "C07": 8, "C08": 3},
    "5VV": {"C01": 7, "C02": 2, "C03": 7, "C04": 7, "C07": 8, "C08": 5},
}
DEMO_CORE_DEFAULT = {"C01": 7, "C02": 2, "C03": 7, "C04": 7, "C07": 10, "C08": 5}
DEMO_HEALTH = {"H01": 21, "H04": 14, "H10": 14}


def _demo_package(client: Client, services: dict[str, Service], nurse: User, lines: dict[str, int]) -> None:
    db.session.flush()
    db.session.add(PackageVersion(
        client_id=client.id, number=1, status=Status.ACTIVE.value, reason="Eerste pakket (demo)",
        created_by=nurse, signed_by=nurse, created_at=client_start(client), signed_at=client_start(client), active_from=client.start_date,
        lines=[PackageLine(service_id=services[code].id, per_week=n) for code, n in lines.items()],
    ))


def _demo_risks(client: Client, nurse: User) -> None:
    """The worked example's risks: medication, incontinence and wandering at night."""
    for omaha, modifier, note in (("42", "actual", "Medicatie drie keer per dag aanreiken."),
                                  ("30", "actual", "Incontinent voor urine, vooral 's nachts."),
                                  ("21", "potential", "Dwaalt soms 's nachts; valrisico.")):
        db.session.add(HealthRisk(client_id=client.id, omaha=omaha, modifier=modifier, note=note,
                                  recorded_by=nurse))
    db.session.add(ObservationPoint(client_id=client.id, text="Let op onrust in de avond; bied drinken aan.",
                                    created_by_id=nurse.id))


def client_start(client: Client):
    return datetime.combine(client.start_date, time(9), tzinfo=timezone.utc)


def load_organisation(spec: OrgSpec, password_hash: str) -> Organisation:
    # Demo accounts log in with the password alone (the setting is on by default).
    org = Organisation(name=spec.name, slug=spec.slug, require_second_factor=spec.second_factor)
    db.session.add(org)
    db.session.flush()
    load_catalogue(org)
    load_rules(org)
    services = {s.code: s for s in db.session.scalars(select(Service).where(Service.organisation_id == org.id))}
    locations = {name: Location(organisation=org, name=name, city=city) for name, city in spec.locations}
    db.session.add_all(locations.values())
    teams = []
    for team_spec in spec.teams:
        team = Team(organisation=org, name=team_spec.name, capacity=team_spec.capacity,
                    target_groups=team_spec.target_groups.split(","), description=team_spec.description,
                    locations=[locations[team_spec.location]])
        teams.append(team)
    db.session.add_all(teams)

    d = spec.domain
    _user(org, f"admin@{d}", "Functioneel beheer", (Role.ADMIN,), password_hash)
    _user(org, f"bestuur@{d}", "Ingrid Bestuur", (Role.BOARD,), password_hash)
    _user(org, f"klantondersteuner@{d}", "Karin Klantondersteuner", (Role.CLIENT_SUPPORTER,), password_hash)
    names = iter(STAFF_NAMES * 3)
    nurses = []
    for number, team in enumerate(teams, start=1):
        lead = _user(org, f"teamleider{number}@{d}", f"{next(names)} (teamleider)", (Role.TEAM_LEAD,), password_hash)
        _member(team, lead, "team_lead", "N4", 32)
        carer = _user(org, f"verzorgende{number}@{d}", f"{next(names)} (verzorgende)", (Role.CARER,), password_hash)
        _member(team, carer, "carer", "N3", 28)
        nurse = _user(org, f"verpleegkundige{number}@{d}", f"{next(names)} (verpleegkundige)", (Role.NURSE,),
                      password_hash)
        _member(team, nurse, "nurse", "N5" if number % 2 else "N4", 32)
        nurses.append(nurse)
    for number in (1, 2):
        freelancer = _user(org, f"zzp{number}@{d}", f"{STAFF_NAMES[-number]} (zzp)", (Role.FREELANCER,),
                           password_hash)
        _member(teams[number % len(teams)], freelancer, "carer", "N3", 0)

    for index, (name, born, profile, group) in enumerate(spec.clients):
        team = teams[index % len(teams)]
        client = Client(organisation=org, location=team.locations[0], team=team, name=name,
                        date_of_birth=born, care_profile=profile, target_group=group, room=str(101 + index),
                        start_date=date(2026, 1 + index % 9, 1 + index % 27))
        db.session.add(client)
        if index == 0:
            client.user = _user(org, f"bewoner1@{d}", name, (Role.RESIDENT,), password_hash)
        lines = dict(DEMO_CORE.get(profile, DEMO_CORE_DEFAULT))
        if index == 0:  # the worked example's red package: € 17,90 co-payment a week
            lines = {**DEMO_CORE_DEFAULT, **DEMO_HEALTH}
        if index % 7 != 6:  # a few clients have no package yet
            _demo_package(client, services, nurses[index % len(teams)], lines)
        if index == 0:
            _demo_risks(client, nurses[0])
        family_number = index + 1
        surname = name.split(" ", 1)[1]
        family = _user(org, f"familie{family_number}@{d}", f"Familie {surname}", (Role.FAMILY,), password_hash)
        db.session.add(FamilyContact(
            client=client, user=family, relation="zoon/dochter",
            can_view=True, can_decide=family_number % 3 != 2, can_pay=family_number % 3 != 0,
        ))
    return org


def settle_recent_weeks(weeks: int = 4) -> None:
    """Settle the last full weeks and invoice the co-payments, so statements have figures."""
    today = local_today()
    mondays = [today - timedelta(days=today.weekday() + 7 * n) for n in range(weeks, 0, -1)]
    for monday in mondays:
        settle_week(str(Week.of(monday)))
    for month in sorted({month_start(monday) for monday in mondays}):
        if month < month_start(today):
            create_invoices(month)


def load_demo() -> list[str]:
    """Load what is missing. :returns: the names of the organisations it created."""
    created, new_organisations = [], []
    # One hash for all demo accounts: they share the password anyway, and hashing each
    # with the production parameters would make `make run` wait seconds for nothing.
    password_hash = hash_password(DEMO_PASSWORD)
    for spec in ORGANISATIONS:
        if db.session.scalar(select(Organisation.id).where(Organisation.slug == spec.slug)) is not None:
            continue
        organisation = load_organisation(spec, password_hash)
        db.session.flush()
        load_offers_and_ratings(organisation)
        load_choices(organisation)
        load_freelancers(organisation)
        notifications.notify(db.session.scalars(select(User).where(User.organisation_id == organisation.id)),
                             "welcome")
        created.append(spec.name)
        new_organisations.append(organisation)
    db.session.commit()
    for organisation in new_organisations:
        load_extras(organisation)  # books and pays through the real flow: commits on its own
    settle_recent_weeks()
    return created
