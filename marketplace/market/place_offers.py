"""Offers of a place from a team's waiting list: made when a place is open, expired when their time
is up (DOMAIN.md §6). Nothing scheduled has to run: :func:`refresh_teams` runs whenever a list is
read or changed, and in ``flask market expire-offers``."""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select, update

from care.models import Client
from marketplace.accounts.notifications import notify, register_kind
from marketplace.core import audit
from marketplace.core.audit import Action
from marketplace.core.db_types import LOCAL_ZONE
from marketplace.core.extensions import db
from teams.models import Team

from .capacity import lock_team, open_places
from .domain import OFFER_HOURS, Waiting, effective_monday, offer_expires_at, to_offer
from .models import EntryStatus, OfferStatus, PlaceOffer, WaitingEntry
from .recipients import deciders, options_link

register_kind("place_offered", _l("A place in team %(team)s is offered to %(client)s. Accept it before %(until)s; "
                                  "after that it passes to the next family."))
register_kind("place_offer_expired", _l("The place in team %(team)s offered to %(client)s was not accepted in time "
                                        "and has passed to the next family."))


def offer_hours() -> int:
    return int(current_app.config.get("WAITING_OFFER_HOURS", OFFER_HOURS))


def _when(moment: datetime) -> str:
    return moment.astimezone(LOCAL_ZONE).strftime("%Y-%m-%d %H:%M")


def refresh_teams(team_ids: list[int] | None, now: datetime) -> tuple[int, int]:
    """Expire the offers whose time is up and offer the open places to the next families. Flushes.

    Two queries find the teams with something to do (none: nothing is locked or written, so a
    page that reads many lists stays cheap); each of those is then settled under its lock.
    :returns: (offers expired, offers made).
    """
    if team_ids is not None and not team_ids:
        return 0, 0
    expired_q = select(PlaceOffer.team_id).where(PlaceOffer.status == OfferStatus.OPEN.value,
                                                 PlaceOffer.expires_at <= now).distinct()
    open_offer = select(PlaceOffer.id).where(and_(
        PlaceOffer.entry_id == WaitingEntry.id, PlaceOffer.status == OfferStatus.OPEN.value)).exists()
    waiting_q = select(WaitingEntry.team_id).where(WaitingEntry.status == EntryStatus.WAITING.value,
                                                   ~open_offer).distinct()
    if team_ids is not None:
        expired_q = expired_q.where(PlaceOffer.team_id.in_(team_ids))
        waiting_q = waiting_q.where(WaitingEntry.team_id.in_(team_ids))
    todo = set(db.session.scalars(expired_q))
    candidates = list(db.session.scalars(waiting_q))
    if candidates:
        todo |= {team_id for team_id, places in open_places(candidates, effective_monday(now), now=now).items()
                 if places > 0}
    expired = offered = 0
    for team_id in sorted(todo):
        more_expired, more_offered = _settle_team(team_id, now)
        expired += more_expired
        offered += more_offered
    return expired, offered


def _settle_team(team_id: int, now: datetime) -> tuple[int, int]:
    lock_team(team_id)
    team = db.session.get(Team, team_id)
    expired = 0
    for offer in db.session.scalars(select(PlaceOffer).where(
            PlaceOffer.team_id == team_id, PlaceOffer.status == OfferStatus.OPEN.value,
            PlaceOffer.expires_at <= now)).all():
        if db.session.execute(update(PlaceOffer).where(PlaceOffer.id == offer.id,
                                                       PlaceOffer.status == OfferStatus.OPEN.value)
                              .values(status=OfferStatus.EXPIRED.value, decided_at=now)
                              .execution_options(synchronize_session=False)).rowcount != 1:
            continue
        db.session.refresh(offer)
        entry = offer.entry
        entry.status, entry.ended_at = EntryStatus.EXPIRED.value, now
        client = db.session.get(Client, offer.client_id)
        audit.record(Action.UPDATE, organisation_id=offer.organisation_id, client_id=client.id, obj=offer,
                     detail=f"offer of a place in team {team_id} expired")
        notify(deciders(client), "place_offer_expired", link=options_link(client.id),
               params={"team": team.name, "client": client.name})
        expired += 1
    db.session.flush()
    places = open_places([team_id], effective_monday(now), now=now).get(team_id, 0)
    entries = list(db.session.scalars(select(WaitingEntry).where(
        WaitingEntry.team_id == team_id, WaitingEntry.status == EntryStatus.WAITING.value)))
    with_offer = set(db.session.scalars(select(PlaceOffer.entry_id).where(
        PlaceOffer.team_id == team_id, PlaceOffer.status == OfferStatus.OPEN.value)))
    by_id = {entry.id: entry for entry in entries}
    offered = 0
    for chosen in to_offer([Waiting(e.id, e.joined_at, e.id in with_offer) for e in entries], places):
        entry = by_id[chosen.entry_id]
        offer = PlaceOffer(organisation_id=entry.organisation_id, entry_id=entry.id, client_id=entry.client_id,
                           team_id=team_id, offered_at=now, expires_at=offer_expires_at(now, offer_hours()),
                           status=OfferStatus.OPEN.value)
        db.session.add(offer)
        db.session.flush()
        client = db.session.get(Client, entry.client_id)
        audit.record(Action.CREATE, organisation_id=offer.organisation_id, client_id=client.id, obj=offer,
                     detail=f"a place in team {team_id} offered until {offer.expires_at.isoformat()}")
        notify(deciders(client), "place_offered", link=options_link(client.id),
               params={"team": team.name, "client": client.name, "until": _when(offer.expires_at)})
        offered += 1
    return expired, offered
