"""Families' ratings of teams (ZorgkaartNederland-style: five marks 1-10, a recommendation)."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, SmallInteger, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.db_types import UTCDateTime, sql_in, utcnow
from marketplace.core.extensions import db
from teams.models import Team

from ..rating_rules import ASPECTS


class RatingStatus(StrEnum):
    # The newest rating of a resident's family for a team: at most one (a partial unique index).
    CURRENT = "current"
    # An earlier rating, given more than 6 months before the next one: it still counts.
    EARLIER = "earlier"
    # Replaced by a new one within 6 months: kept for the record, never counted.
    REPLACED = "replaced"


class TeamRating(db.Model):
    __tablename__ = "team_ratings"
    __table_args__ = (
        *(CheckConstraint(f"{aspect} BETWEEN 1 AND 10", name=f"{aspect}_range") for aspect in ASPECTS),
        CheckConstraint(f"status IN ({sql_in(RatingStatus)})", name="known_status"),
        CheckConstraint("hidden_at IS NULL OR hidden_reason <> ''", name="hidden_with_reason"),
        Index("uq_team_ratings_current", "team_id", "client_id", unique=True,
              sqlite_where=text("status = 'current'"), postgresql_where=text("status = 'current'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default=RatingStatus.CURRENT.value)
    care: Mapped[int] = mapped_column(SmallInteger)
    attention: Mapped[int] = mapped_column(SmallInteger)
    communication: Mapped[int] = mapped_column(SmallInteger)
    reliability: Mapped[int] = mapped_column(SmallInteger)
    atmosphere: Mapped[int] = mapped_column(SmallInteger)
    recommend: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str] = mapped_column(String(2000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    replaced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The team lead's one reply.
    reply: Mapped[str | None] = mapped_column(String(2000))
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Hidden by an administrator, with the reason the family is told.
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_reason: Mapped[str] = mapped_column(String(500), default="")
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    team: Mapped[Team] = relationship()

    @property
    def scores(self) -> dict[str, int]:
        return {aspect: getattr(self, aspect) for aspect in ASPECTS}
