"""The team's offer: who the team is, how it works, what it is known for, its capacity.

The team lead previews a draft (nothing is stored) and publishes it as the next version
(:mod:`.publishing`); the versions are the history and the newest is the offer. :func:`published_offers` is what the
other market pages read (the team-options page of the choice), in two queries for any number
of teams.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from care.models import Client, Service
from marketplace.accounts.models import Location, User
from marketplace.core.db_types import LOCAL_ZONE, local_today
from marketplace.core.errors import InvalidInput
from marketplace.core.extensions import db
from marketplace.core.i18n import locale as current_locale
from teams.models import Team, TeamMembership, TeamTargetGroup, team_locations

from .capacity import open_places, waiting_lengths
from .domain import effective_monday
from .models import TeamOffer
from .rating_rules import RatingSummary
from .ratings import rating_summaries

MAX_TEXT = 2000
MAX_LANGUAGES = 10
MAX_LANGUAGE = 40
MAX_KNOWN_FOR = 12
MAX_CAPACITY = 500


@dataclass(frozen=True)
class OfferDraft:
    """What the team lead enters; checked by :func:`check_draft`."""

    text: str
    way_of_working: str
    languages: list[str]
    known_for: list[str]  # catalogue service codes
    capacity: int
    # Per member (user id), the languages they speak.
    member_languages: dict[int, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class OfferSummary:
    """The published offer of one team, as other pages show it (the contract with the choice)."""

    team_id: int
    version: int
    published_on: date
    way_of_working: str
    languages: list[str]
    known_for: list[str]  # service names in the reader's language
    text: str
    known_for_codes: list[str] = field(default_factory=list)
    member_languages: dict[int, list[str]] = field(default_factory=dict)


def published_offers(team_ids: Sequence[int]) -> dict[int, OfferSummary]:
    """The newest published version of each team's offer, by team id (teams without one are absent).

    Two queries whatever the number of teams: the offers, then the names of the services they name.
    """
    ids = list(dict.fromkeys(team_ids))
    if not ids:
        return {}
    newest = (select(TeamOffer.team_id, func.max(TeamOffer.version).label("version"))
              .where(TeamOffer.team_id.in_(ids)).group_by(TeamOffer.team_id).subquery())
    offers = list(db.session.scalars(select(TeamOffer).join(
        newest, (TeamOffer.team_id == newest.c.team_id) & (TeamOffer.version == newest.c.version))))
    names = _service_names(offers)
    return {offer.team_id: _summary(offer, names) for offer in offers}


def _service_names(offers: Sequence[TeamOffer]) -> dict[tuple[int, str], str]:
    codes = {code for offer in offers for code in offer.known_for}
    if not codes:
        return {}
    english = current_locale().startswith("en")
    rows = db.session.execute(select(Service.organisation_id, Service.code, Service.name_nl, Service.name_en).where(
        Service.organisation_id.in_({offer.organisation_id for offer in offers}), Service.code.in_(codes)))
    return {(org, code): (name_en if english else name_nl) for org, code, name_nl, name_en in rows}


def _summary(offer: TeamOffer, names: dict[tuple[int, str], str]) -> OfferSummary:
    return OfferSummary(
        team_id=offer.team_id, version=offer.version, published_on=offer.published_on,
        way_of_working=offer.way_of_working, languages=list(offer.languages),
        known_for=[names.get((offer.organisation_id, code), code) for code in offer.known_for],
        text=offer.text, known_for_codes=list(offer.known_for),
        member_languages={int(user_id): list(langs) for user_id, langs in (offer.member_languages or {}).items()})


def offer_history(team: Team) -> list[TeamOffer]:
    """Every published version, newest first."""
    return list(db.session.scalars(select(TeamOffer).where(TeamOffer.team_id == team.id)
                                   .order_by(TeamOffer.version.desc())))


def residents_of(team_ids: Sequence[int]) -> dict[int, int]:
    """How many residents each team has today (``Client.team_id``), in one query."""
    ids = list(team_ids)
    if not ids:
        return {}
    return dict(db.session.execute(select(Client.team_id, func.count()).where(Client.team_id.in_(ids))
                                   .group_by(Client.team_id)).all())


def members_of(team_ids: Sequence[int], today: date | None = None) -> dict[int, list[TeamMembership]]:
    """The current members of each team (first the lead), in one query."""
    ids = list(team_ids)
    if not ids:
        return {}
    today = today or local_today()
    rows = db.session.scalars(
        select(TeamMembership).join(User).where(
            TeamMembership.team_id.in_(ids), User.active.is_(True),
            (TeamMembership.starts_on.is_(None)) | (TeamMembership.starts_on <= today),
            (TeamMembership.ends_on.is_(None)) | (TeamMembership.ends_on > today))
        .options(contains_eager(TeamMembership.user)).order_by(TeamMembership.team_id, TeamMembership.id))
    result: dict[int, list[TeamMembership]] = {team_id: [] for team_id in ids}
    order = {"team_lead": 0, "nurse": 1, "carer": 2}
    for membership in rows:
        result[membership.team_id].append(membership)
    for members in result.values():
        members.sort(key=lambda m: order.get(m.role, 3))
    return result


def catalogue_choices(organisation_id: int) -> list[Service]:
    """The services a team may say it is known for: the organisation's active catalogue."""
    return list(db.session.scalars(select(Service).where(Service.organisation_id == organisation_id,
                                                         Service.active.is_(True)).order_by(Service.code)))


def draft_from(offer: TeamOffer | None, team: Team) -> OfferDraft:
    """The draft to start editing from: the published offer, or an empty one with the team's capacity."""
    if offer is None:
        return OfferDraft(text=team.description or "", way_of_working="", languages=["Nederlands"], known_for=[],
                          capacity=team.capacity)
    return OfferDraft(offer.text, offer.way_of_working, list(offer.languages), list(offer.known_for),
                      team.capacity, {int(k): list(v) for k, v in (offer.member_languages or {}).items()})


def newest_offer(team: Team) -> TeamOffer | None:
    return db.session.scalar(select(TeamOffer).where(TeamOffer.team_id == team.id)
                             .order_by(TeamOffer.version.desc()).limit(1))


def check_draft(team: Team, draft: OfferDraft, *, residents: int | None = None) -> OfferDraft:
    """The draft, normalised.

    :raises InvalidInput: texts too long, too many or too long languages, a service not in the
        catalogue, a capacity below zero or below the team's current number of residents.
    """
    fields: dict[str, object] = {}
    if len(draft.text) > MAX_TEXT:
        fields["text"] = _l("Use at most %(max)d characters.", max=MAX_TEXT)
    if len(draft.way_of_working) > MAX_TEXT:
        fields["way_of_working"] = _l("Use at most %(max)d characters.", max=MAX_TEXT)
    languages = clean_languages(draft.languages)
    if languages is None:
        fields["languages"] = _l("Name at most %(count)d languages of at most %(max)d characters each.",
                                 count=MAX_LANGUAGES, max=MAX_LANGUAGE)
    members = {m.user_id for m in members_of([team.id])[team.id]}
    member_languages: dict[int, list[str]] = {}
    for user_id, spoken in draft.member_languages.items():
        cleaned = clean_languages(spoken)
        if user_id not in members:
            fields["member_languages"] = _l("Name languages of the team's members only.")
        elif cleaned is None:
            fields[f"member_{user_id}"] = _l("Name at most %(count)d languages of at most %(max)d characters each.",
                                             count=MAX_LANGUAGES, max=MAX_LANGUAGE)
        elif cleaned:
            member_languages[user_id] = cleaned
    known_for = list(dict.fromkeys(draft.known_for))
    if len(known_for) > MAX_KNOWN_FOR:
        fields["known_for"] = _l("Choose at most %(max)d services.", max=MAX_KNOWN_FOR)
    elif known_for:
        existing = set(db.session.scalars(select(Service.code).where(
            Service.organisation_id == team.organisation_id, Service.active.is_(True),
            Service.code.in_(known_for))))
        if set(known_for) - existing:
            fields["known_for"] = _l("Choose services of the catalogue.")
    if draft.capacity < 0 or draft.capacity > MAX_CAPACITY:
        fields["capacity"] = _l("Enter a whole number from 0 to %(max)d.", max=MAX_CAPACITY)
    else:
        if residents is None:
            residents = residents_of([team.id]).get(team.id, 0)
        if draft.capacity < residents:
            fields["capacity"] = _l("The team has %(count)d residents now: the capacity cannot be lower.",
                                    count=residents)
    if fields:
        field_name = next(iter(fields))
        raise InvalidInput(field_name, fields[field_name], fields=fields)
    return OfferDraft(draft.text.strip(), draft.way_of_working.strip(), languages, known_for, draft.capacity,
                      member_languages)


def clean_languages(spoken: Sequence[str]) -> list[str] | None:
    """The languages without blanks and repeats; None when there are too many or one is too long."""
    languages = list(dict.fromkeys(lang.strip() for lang in spoken if lang.strip()))
    if len(languages) > MAX_LANGUAGES or any(len(lang) > MAX_LANGUAGE for lang in languages):
        return None
    return languages


@dataclass(frozen=True)
class TeamRow:
    """A team as the offers page lists it: plain values, however many teams (no ORM objects to track)."""

    id: int
    name: str
    capacity: int
    locations: list[str]
    target_groups: list[str]


@dataclass(frozen=True)
class OfferCard:
    """One team on the offers page."""

    team: TeamRow
    offer: OfferSummary | None
    rating: RatingSummary
    residents: int
    members: int
    open_places: int
    waiting: int  # families on the waiting list


def organisation_teams(organisation_id: int) -> list[TeamRow]:
    """The organisation's active teams by name, with their location names and target groups, in three
    queries (a deactivated team takes no new residents: it is no offer)."""
    teams = db.session.execute(select(Team.id, Team.name, Team.capacity).where(
        Team.organisation_id == organisation_id, Team.active.is_(True)).order_by(Team.name)).all()
    ids = [row.id for row in teams]
    locations: dict[int, list[str]] = {team_id: [] for team_id in ids}
    groups: dict[int, list[str]] = {team_id: [] for team_id in ids}
    if ids:
        for team_id, name in db.session.execute(
                select(team_locations.c.team_id, Location.name).join(Location, Location.id == team_locations.c.location_id)
                .where(team_locations.c.team_id.in_(ids)).order_by(Location.name)):
            locations[team_id].append(name)
        for team_id, group in db.session.execute(
                select(TeamTargetGroup.team_id, TeamTargetGroup.target_group)
                .where(TeamTargetGroup.team_id.in_(ids)).order_by(TeamTargetGroup.target_group)):
            groups[team_id].append(group)
    return [TeamRow(row.id, row.name, row.capacity, locations[row.id], groups[row.id]) for row in teams]


def offer_cards(organisation_id: int, now: datetime) -> list[OfferCard]:
    """Every team of the organisation with its offer, rating, residents, size, open places and waiting
    list, in a constant number of queries however many teams there are."""
    teams = organisation_teams(organisation_id)
    ids = [team.id for team in teams]
    published = published_offers(ids)
    summaries = rating_summaries(ids, now.astimezone(LOCAL_ZONE).date())
    residents, members = residents_of(ids), member_counts(ids)
    places, waiting = open_places(ids, effective_monday(now), now=now), waiting_lengths(ids)
    return [OfferCard(team, published.get(team.id), summaries[team.id], residents.get(team.id, 0),
                      members.get(team.id, 0), places.get(team.id, 0), waiting.get(team.id, 0)) for team in teams]


def member_counts(team_ids: Sequence[int]) -> dict[int, int]:
    """How many different people work in each team (continuity until routes exist: the team's size)."""
    ids = list(team_ids)
    if not ids:
        return {}
    return dict(db.session.execute(select(TeamMembership.team_id, func.count(func.distinct(TeamMembership.user_id)))
                                   .where(TeamMembership.team_id.in_(ids)).group_by(TeamMembership.team_id)).all())


def initials(name: str) -> str:
    """``"Team Lindehof"`` → ``"L"``; ``"Team Rode Beuk"`` → ``"RB"`` (the word "Team" is left out)."""
    words = [word for word in name.split() if word.lower() != "team"] or name.split()
    return "".join(word[0] for word in words[:2]).upper()


def preview(team: Team, draft: OfferDraft, today: date | None = None) -> OfferSummary:
    """The draft as families would see it once published today (version 0: not published)."""
    english = current_locale().startswith("en")
    names = {s.code: (s.name_en if english else s.name_nl) for s in catalogue_choices(team.organisation_id)}
    return OfferSummary(team_id=team.id, version=0, published_on=today or local_today(),
                        way_of_working=draft.way_of_working, languages=list(draft.languages),
                        known_for=[names.get(code, code) for code in draft.known_for], text=draft.text,
                        known_for_codes=list(draft.known_for), member_languages=dict(draft.member_languages))
