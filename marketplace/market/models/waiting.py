"""A team's waiting list and the offers of a place made from it; the rows are the log."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.db_types import UTCDateTime, sql_in, utcnow
from marketplace.core.extensions import db
from teams.models import Team


class EntryStatus(StrEnum):
    WAITING = "waiting"    # on the list (maybe with an open offer)
    ACCEPTED = "accepted"  # accepted an offered place
    DECLINED = "declined"  # declined an offered place: off the list
    EXPIRED = "expired"    # let an offer expire: off the list, the place went to the next
    LEFT = "left"          # left the list


class OfferStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"


class WaitingEntry(db.Model):
    __tablename__ = "waiting_entries"
    __table_args__ = (
        CheckConstraint(f"status IN ({sql_in(EntryStatus)})", name="known_status"),
        Index("uq_waiting_entries_once", "client_id", "team_id", unique=True,
              sqlite_where=text("status = 'waiting'"), postgresql_where=text("status = 'waiting'")),
        Index("ix_waiting_entries_team_status", "team_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    joined_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    on_behalf: Mapped[bool] = mapped_column(default=False)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default=EntryStatus.WAITING.value)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    team: Mapped[Team] = relationship()


class PlaceOffer(db.Model):
    """A place offered to the first family of the list; open until ``expires_at`` (exclusive)."""

    __tablename__ = "place_offers"
    __table_args__ = (
        CheckConstraint(f"status IN ({sql_in(OfferStatus)})", name="known_status"),
        CheckConstraint("expires_at > offered_at", name="expires_after_offer"),
        Index("uq_place_offers_one_open", "entry_id", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
        Index("ix_place_offers_team_status", "team_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("waiting_entries.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default=OfferStatus.OPEN.value)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    entry: Mapped[WaitingEntry] = relationship()
    team: Mapped[Team] = relationship()
