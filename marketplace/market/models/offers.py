"""A team's published offer: one row per publication, never changed afterwards (the history)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.core.db_types import UTCDateTime, utcnow
from marketplace.core.extensions import db
from teams.models import Team


class TeamOffer(db.Model):
    """Version ``version`` of a team's offer, published on ``published_on``.

    The newest version is the offer families see. Two publications at the same moment cannot
    both become version n: (team_id, version) is unique.
    """

    __tablename__ = "team_offers"
    __table_args__ = (
        UniqueConstraint("team_id", "version"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("capacity >= 0", name="capacity_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    version: Mapped[int]
    published_on: Mapped[date]
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Who the team is, and how it works (free text of the team lead).
    text: Mapped[str] = mapped_column(String(2000), default="")
    way_of_working: Mapped[str] = mapped_column(String(2000), default="")
    languages: Mapped[list] = mapped_column(JSON, default=list)
    # Catalogue service codes the team is known for.
    known_for: Mapped[list] = mapped_column(JSON, default=list)
    # Per member, the languages they speak: {"<user id>": ["Nederlands", "Turks"]}.
    member_languages: Mapped[dict] = mapped_column(JSON, default=dict)
    # The capacity this version set on the team (kept for the history).
    capacity: Mapped[int]

    team: Mapped[Team] = relationship()
    published_by: Mapped[User | None] = relationship()
