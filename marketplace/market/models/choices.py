"""A family's choice of a team for a resident: pending until its Monday, then applied (history kept)."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.core.db_types import UTCDateTime, sql_in, utcnow
from marketplace.core.extensions import db
from teams.models import Team


class ChoiceStatus(StrEnum):
    PENDING = "pending"      # waits for its Monday; holds a place in the team
    APPLIED = "applied"      # the team delivers the care since ``effective_from``
    WITHDRAWN = "withdrawn"  # taken back before its Monday
    REPLACED = "replaced"    # a later choice before the Monday took its place


class TeamChoice(db.Model):
    __tablename__ = "team_choices"
    __table_args__ = (
        CheckConstraint(f"status IN ({sql_in(ChoiceStatus)})", name="known_status"),
        # One pending choice per resident, whatever happens at the same moment.
        Index("uq_team_choices_one_pending", "client_id", unique=True,
              sqlite_where=text("status = 'pending'"), postgresql_where=text("status = 'pending'")),
        Index("ix_team_choices_team_status", "team_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    previous_team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    chosen_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The client supporter chose on the family's behalf (recorded as such, shown in the history).
    on_behalf: Mapped[bool] = mapped_column(default=False)
    # The choice came from accepting a waiting-list offer.
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("place_offers.id"))
    effective_from: Mapped[date]
    status: Mapped[str] = mapped_column(String(20), default=ChoiceStatus.PENDING.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    team: Mapped[Team] = relationship(foreign_keys=[team_id])
    previous_team: Mapped[Team | None] = relationship(foreign_keys=[previous_team_id])
    chosen_by: Mapped[User] = relationship(foreign_keys=[chosen_by_id])
