"""Teams and their members."""
from __future__ import annotations

from datetime import date

from sqlalchemy import Column, CheckConstraint, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.models import Location, Organisation, User
from marketplace.roles import StaffLevel, sql_in

team_locations = Table(
    "team_locations",
    db.metadata,
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column("location_id", ForeignKey("locations.id", ondelete="CASCADE"), primary_key=True),
)

MEMBER_ROLES = ("carer", "nurse", "team_lead")


class Team(db.Model):
    __tablename__ = "teams"
    __table_args__ = (
        UniqueConstraint("organisation_id", "name"),
        CheckConstraint("capacity >= 0", name="capacity_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[int] = mapped_column(default=16)
    # Comma-separated TargetGroup values this team serves, e.g. "pg,structured_living".
    target_groups: Mapped[str] = mapped_column(String(100), default="somatic")
    description: Mapped[str] = mapped_column(String(2000), default="")

    organisation: Mapped[Organisation] = relationship()
    locations: Mapped[list[Location]] = relationship(secondary=team_locations, order_by="Location.name")
    memberships: Mapped[list[TeamMembership]] = relationship(back_populates="team")


class TeamMembership(db.Model):
    __tablename__ = "team_memberships"
    __table_args__ = (
        UniqueConstraint("team_id", "user_id", "role"),
        CheckConstraint(f"role IN ({', '.join(repr(r) for r in MEMBER_ROLES)})", name="member_role"),
        CheckConstraint(f"staff_level IN ({sql_in(StaffLevel)})", name="known_level"),
        CheckConstraint("contract_hours >= 0 AND contract_hours <= 40", name="contract_hours_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    staff_level: Mapped[str] = mapped_column(String(3))
    contract_hours: Mapped[int] = mapped_column(default=24)
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]

    team: Mapped[Team] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship()


class TeamAssignment(db.Model):
    """Which team delivers a resident's care from when: the history behind ``Client.team_id``."""

    __tablename__ = "team_assignments"
    __table_args__ = (
        UniqueConstraint("client_id", "starts_on"),
        CheckConstraint("ends_on IS NULL OR ends_on > starts_on", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]  # exclusive
