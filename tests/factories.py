"""Test data. Factories add and flush; the ``world`` fixture commits once."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from itertools import count

from care.models import Client, FamilyContact
from marketplace.accounts.sessions import new_session_nonce
from marketplace.core.extensions import db
from marketplace.accounts.models import Location, Organisation, User, UserRole
from marketplace.core.passwords import hash_password
from marketplace.core.roles import Role
from teams.models import Team, TeamMembership

PASSWORD = "secret-password"
_serial = count(1)
_hash_cache: dict[str, str] = {}


def password_hash(password: str = PASSWORD) -> str:
    if password not in _hash_cache:
        _hash_cache[password] = hash_password(password)
    return _hash_cache[password]


def make_org(name: str = "Org") -> Organisation:
    n = next(_serial)
    # A second factor is off in the tests' world; the tests of the second factor turn it on.
    org = Organisation(name=f"{name} {n}", slug=f"org-{n}", require_second_factor=False)
    db.session.add(org)
    db.session.flush()
    return org


def make_location(org: Organisation, name: str = "Locatie") -> Location:
    location = Location(organisation=org, name=f"{name} {next(_serial)}", city="Zwolle")
    db.session.add(location)
    db.session.flush()
    return location


def make_team(org: Organisation, location: Location, name: str = "Team", capacity: int = 12) -> Team:
    team = Team(organisation=org, name=f"{name} {next(_serial)}", capacity=capacity,
                target_groups=["somatic", "pg", "structured_living"], locations=[location])
    db.session.add(team)
    db.session.flush()
    return team


def make_user(org: Organisation, *roles: Role, email: str | None = None, name: str = "Gebruiker") -> User:
    n = next(_serial)
    user = User(organisation=org, email=email or f"user{n}@example.test", name=f"{name} {n}",
                password_hash=password_hash(), session_nonce=new_session_nonce())
    user.role_rows = [UserRole(role=Role(role).value) for role in roles]
    db.session.add(user)
    db.session.flush()
    return user


def add_member(team: Team, user: User, role: str, level: str = "N3", hours: int = 24) -> TeamMembership:
    membership = TeamMembership(team=team, user=user, role=role, staff_level=level, contract_hours=hours)
    db.session.add(membership)
    db.session.flush()
    return membership


def make_client(org: Organisation, location: Location, team: Team | None, name: str = "Bewoner",
                profile: str | None = "5VV", group: str = "somatic") -> Client:
    client = Client(organisation=org, location=location, team=team, name=f"{name} {next(_serial)}",
                    date_of_birth=date(1938, 5, 1), care_profile=profile, target_group=group,
                    room="12", start_date=date(2026, 1, 5))
    db.session.add(client)
    db.session.flush()
    return client


def add_contact(client: Client, user: User, *, view=True, decide=False, pay=False) -> FamilyContact:
    contact = FamilyContact(client=client, user=user, relation="dochter", can_view=view,
                            can_decide=decide, can_pay=pay)
    db.session.add(contact)
    db.session.flush()
    return contact


# Roles that the access matrix enumerates, each a user of organisation A.
MATRIX_ROLES = ("family", "resident", "carer", "nurse", "freelancer", "team_lead",
                "client_supporter", "board", "admin")


@dataclass
class World:
    """Organisation A with teams T1 (own) and T2, organisation B.

    ``own`` is a resident of T1: the family user has all rights for it, the resident user is
    it, and the carer, nurse and team lead work in T1. ``other`` lives in T2 of the same
    organisation with no relation to those users. ``foreign`` lives in organisation B.
    """

    org: Organisation
    other_org: Organisation
    team: Team
    other_team: Team
    foreign_team: Team
    own: Client
    other: Client
    foreign: Client
    users: dict[str, User] = field(default_factory=dict)
    foreign_admin: User | None = None
    view_only_family: User | None = None

    def email(self, role: str) -> str:
        return self.users[role].email


def build_world() -> World:
    org = make_org("Zorggroep A")
    other_org = make_org("Stichting B")
    loc = make_location(org)
    foreign_loc = make_location(other_org)
    team = make_team(org, loc, "Team Eik")
    other_team = make_team(org, loc, "Team Beuk")
    foreign_team = make_team(other_org, foreign_loc, "Team Haven")
    own = make_client(org, loc, team, "Eigen Bewoner")
    other = make_client(org, loc, other_team, "Andere Bewoner")
    foreign = make_client(other_org, foreign_loc, foreign_team, "Vreemde Bewoner")

    users = {role: make_user(org, Role(role), email=f"{role}@a.test", name=role) for role in MATRIX_ROLES}
    add_contact(own, users["family"], view=True, decide=True, pay=True)
    own.user = users["resident"]
    add_member(team, users["carer"], "carer")
    add_member(team, users["nurse"], "nurse", "N4")
    add_member(team, users["team_lead"], "team_lead", "N4")
    add_member(team, users["freelancer"], "carer", "N3", 0)
    view_only = make_user(org, Role.FAMILY, email="viewonly@a.test")
    add_contact(own, view_only, view=True)
    foreign_admin = make_user(other_org, Role.ADMIN, email="admin@b.test")
    db.session.commit()
    return World(org, other_org, team, other_team, foreign_team, own, other, foreign, users,
                 foreign_admin, view_only)


def give_catalogue(world: World) -> None:
    """Load the reference catalogue (shared/data) into both organisations of the world."""
    from care.catalogue import load_catalogue

    load_catalogue(world.org)
    load_catalogue(world.other_org)
    db.session.commit()
