"""Demo data of the team choice and the waiting list (issue 11, item 7): switches over the last
months (so the board has some to show), one team full with two families waiting, a pending choice
for the next Monday and a withdrawn one. Called by ``marketplace.demo`` for a new organisation,
after its offers and ratings (the ratings go to the teams' first residents)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from care.models import Client, FamilyContact
from marketplace.accounts.models import Organisation, User
from marketplace.core.db_types import LOCAL_ZONE, local_today
from marketplace.core.extensions import db
from marketplace.core.roles import Role
from teams.assignments import move_to_team
from teams.models import Team

from .domain import next_monday
from .models import ChoiceStatus, TeamChoice, WaitingEntry

# (from team, its resident by number, to team, weeks ago): moves into Zonnebloem fill it to its capacity.
SWITCHES = (("Team Lindehof", 3, "Team Zonnebloem", 11), ("Team Vlinder", 1, "Team Kastanje", 9),
            ("Team Lindehof", 5, "Team Zonnebloem", 7), ("Team Lindehof", 6, "Team Zonnebloem", 4))
FULL_TEAM = "Team Zonnebloem"
WAITING = (("Team Lindehof", 1, 5), ("Team Lindehof", 2, 3))  # (team, resident number, days ago)
PENDING = ("Team Kastanje", 0, "Team Vlinder")
WITHDRAWN = ("Team Kastanje", 2, "Team Vlinder", 3)  # weeks ago


def _at(day: date, hour: int = 11) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LOCAL_ZONE)


def load_choices(org: Organisation) -> None:
    """The choices and waiting lists of the organisation's demo (flushes; the demo loader commits).

    Only for an organisation with the De Linde teams; another is left as it is.
    """
    teams = {team.name: team for team in db.session.scalars(select(Team).where(Team.organisation_id == org.id))}
    if not {FULL_TEAM, "Team Lindehof", "Team Vlinder", "Team Kastanje"} <= teams.keys():
        return
    residents = {name: list(db.session.scalars(select(Client).where(Client.team_id == team.id).order_by(Client.id)))
                 for name, team in teams.items()}
    supporter = db.session.scalar(select(User).where(
        User.organisation_id == org.id, User.role_rows.any(role=Role.CLIENT_SUPPORTER.value)).order_by(User.id))
    today = local_today()
    this_monday = today - timedelta(days=today.weekday())

    def family(client: Client) -> tuple[User, bool]:
        """Who chose: a family contact with *decide*, else the client supporter on the family's behalf."""
        contact = db.session.scalar(select(FamilyContact).where(FamilyContact.client_id == client.id,
                                                                FamilyContact.can_decide.is_(True)))
        return (contact.user, False) if contact is not None else (supporter, True)

    for old, number, new, weeks in SWITCHES:
        client, monday = residents[old][number], this_monday - timedelta(weeks=weeks)
        if monday <= client.start_date:
            continue
        who, on_behalf = family(client)
        db.session.add(TeamChoice(organisation_id=org.id, client_id=client.id, team_id=teams[new].id,
                                  previous_team_id=teams[old].id, chosen_by_id=who.id, on_behalf=on_behalf,
                                  effective_from=monday, status=ChoiceStatus.APPLIED.value,
                                  created_at=_at(monday - timedelta(days=4)), ended_at=_at(monday, 0)))
        move_to_team(client, teams[new], monday)
    old, number, new, weeks = WITHDRAWN
    client = residents[old][number]
    who, on_behalf = family(client)
    chosen = this_monday - timedelta(weeks=weeks, days=3)
    db.session.add(TeamChoice(organisation_id=org.id, client_id=client.id, team_id=teams[new].id,
                              previous_team_id=teams[old].id, chosen_by_id=who.id, on_behalf=on_behalf,
                              effective_from=next_monday(chosen), status=ChoiceStatus.WITHDRAWN.value,
                              created_at=_at(chosen), ended_at=_at(chosen + timedelta(days=1)), ended_by_id=who.id))
    old, number, new = PENDING
    client = residents[old][number]
    who, on_behalf = family(client)
    db.session.add(TeamChoice(organisation_id=org.id, client_id=client.id, team_id=teams[new].id,
                              previous_team_id=teams[old].id, chosen_by_id=who.id, on_behalf=on_behalf,
                              effective_from=next_monday(today), status=ChoiceStatus.PENDING.value,
                              created_at=_at(today - timedelta(days=1))))
    full = teams[FULL_TEAM]
    for old, number, days in WAITING:
        client = residents[old][number]
        who, on_behalf = family(client)
        db.session.add(WaitingEntry(organisation_id=org.id, client_id=client.id, team_id=full.id, joined_by_id=who.id,
                                    on_behalf=on_behalf, joined_at=_at(today - timedelta(days=days))))
    db.session.flush()
