"""Clients (clients) and their family contacts."""
from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.extensions import db
from marketplace.accounts.models import Location, Organisation, User
from marketplace.core.db_types import sql_in
from teams.models import Team, TargetGroup


class Client(db.Model):
    """A client of a nursing home."""

    __tablename__ = "clients"
    __table_args__ = (CheckConstraint(f"target_group IN ({sql_in(TargetGroup)})", name="known_target_group"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    # The client's own login, where they are able to use one.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[date]
    room: Mapped[str] = mapped_column(String(20), default="")
    care_profile: Mapped[str | None] = mapped_column(String(8))
    target_group: Mapped[str] = mapped_column(String(20))
    start_date: Mapped[date]

    organisation: Mapped[Organisation] = relationship()
    location: Mapped[Location] = relationship()
    team: Mapped[Team | None] = relationship()
    user: Mapped[User | None] = relationship()
    contacts: Mapped[list[FamilyContact]] = relationship(back_populates="client")

    @property
    def client_id(self) -> int:
        """Every object about a client names it as ``client_id`` (audit rows use it); a client is about itself."""
        return self.id


class FamilyContact(db.Model):
    """A family member or representative of one client, with per-client rights."""

    __tablename__ = "family_contacts"
    __table_args__ = (
        UniqueConstraint("client_id", "user_id"),
        CheckConstraint("can_view OR can_decide OR can_pay", name="some_right"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    relation: Mapped[str] = mapped_column(String(100), default="")
    can_view: Mapped[bool] = mapped_column(default=True)
    can_decide: Mapped[bool] = mapped_column(default=False)
    can_pay: Mapped[bool] = mapped_column(default=False)

    client: Mapped[Client] = relationship(back_populates="contacts")
    user: Mapped[User] = relationship()
