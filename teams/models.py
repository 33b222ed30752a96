"""Teams and their members."""
from __future__ import annotations

from datetime import date
from enum import StrEnum

from sqlalchemy import Column, CheckConstraint, ForeignKey, String, Table, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import Location, Organisation, User
from marketplace.core.db_types import sql_in
from marketplace.core.extensions import db


class TargetGroup(StrEnum):
    SOMATIC = "somatic"
    PG = "pg"
    STRUCTURED_LIVING = "structured_living"


class StaffLevelCode(StrEnum):
    N1 = "N1"
    N2 = "N2"
    N3 = "N3"
    N4 = "N4"
    N5 = "N5"
    W = "W"
    HH = "HH"

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
    description: Mapped[str] = mapped_column(String(2000), default="")
    # A deactivated team keeps its history but is chosen by nobody new.
    active: Mapped[bool] = mapped_column(default=True, server_default=true())

    organisation: Mapped[Organisation] = relationship()
    locations: Mapped[list[Location]] = relationship(secondary=team_locations, order_by="Location.name")
    memberships: Mapped[list[TeamMembership]] = relationship(back_populates="team")
    target_group_rows: Mapped[list[TeamTargetGroup]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="TeamTargetGroup.target_group")

    @property
    def target_groups(self) -> list[str]:
        """The target groups this team serves (TargetGroup values), e.g. ``["pg", "structured_living"]``."""
        return [row.target_group for row in self.target_group_rows]

    @target_groups.setter
    def target_groups(self, groups) -> None:
        """:raises ValueError: an unknown target group."""
        wanted = [TargetGroup(group).value for group in dict.fromkeys(groups)]
        self.target_group_rows = [row for row in self.target_group_rows if row.target_group in wanted] + [
            TeamTargetGroup(target_group=group) for group in wanted
            if group not in {row.target_group for row in self.target_group_rows}]


class TeamTargetGroup(db.Model):
    """A target group a team serves (DOMAIN.md: somatic, psychogeriatric, living with structure)."""

    __tablename__ = "team_target_groups"
    __table_args__ = (CheckConstraint(f"target_group IN ({sql_in(TargetGroup)})", name="known_target_group"),)

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    target_group: Mapped[str] = mapped_column(String(20), primary_key=True)


class TeamMembership(db.Model):
    __tablename__ = "team_memberships"
    __table_args__ = (
        UniqueConstraint("team_id", "user_id", "role"),
        CheckConstraint(f"role IN ({', '.join(repr(r) for r in MEMBER_ROLES)})", name="member_role"),
        CheckConstraint(f"staff_level IN ({sql_in(StaffLevelCode)})", name="known_level"),
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
    """Which team delivers a client's care from when: the history behind ``Client.team_id``."""

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
