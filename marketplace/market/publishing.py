"""Publishing a team's offer: the next version, and the team's capacity with it.

Apart from :mod:`.offers` because a capacity that grows opens places, which the waiting list
offers to the next families at once (:func:`.waiting_list.refresh_teams`), and the waiting list
reads the offers for the team options: this module sits on top of both.
"""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from marketplace.accounts.models import User
from marketplace.core.db_types import local_today, utcnow
from marketplace.core.errors import Conflict
from marketplace.core.extensions import db
from marketplace.core.policy import Perm, authorize
from teams.models import Team

from .capacity import lock_team
from .models import TeamOffer
from .offers import OfferDraft, check_draft
from .waiting_list import refresh_teams


def publish_offer(actor: User, team: Team, draft: OfferDraft, *, today: date | None = None,
                  now: datetime | None = None) -> TeamOffer:
    """Publish ``draft`` as the team's next offer version and set the team's capacity; places it
    opens are offered to the waiting list. Commits.

    The team's row is locked (as a choice locks it) while the residents are counted, so a capacity
    is never set below the residents of the moment; two publications at once cannot take the same
    version number.

    :raises AccessDenied: the actor is not this team's lead.
    :raises InvalidInput: see :func:`.offers.check_draft`.
    :raises Conflict: another version was published at the same moment.
    """
    authorize(actor, Perm.TEAM_OFFER_EDIT, team)
    lock_team(team.id)
    draft = check_draft(team, draft)
    version = (db.session.scalar(select(func.max(TeamOffer.version)).where(TeamOffer.team_id == team.id)) or 0) + 1
    offer = TeamOffer(organisation_id=team.organisation_id, team_id=team.id, version=version,
                      published_on=today or local_today(), published_by_id=actor.id, text=draft.text,
                      way_of_working=draft.way_of_working, languages=draft.languages, known_for=draft.known_for,
                      member_languages={str(k): v for k, v in draft.member_languages.items()},
                      capacity=draft.capacity)
    db.session.add(offer)
    team.capacity = draft.capacity
    try:
        db.session.flush()
        refresh_teams([team.id], now or utcnow())
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_l("Another version of this offer was published at the same moment. Reload and try again."),
                       code="offer_conflict") from None
    return offer
