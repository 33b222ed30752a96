"""Extras (DOMAIN.md §7): what a provider sells beside the covered package, when it is available,
and the organisation's market settings.

A **provider** is whoever sells extras: a team now, a freelance carer in part 3. Extras,
availability and bookings name the provider, never a team, so a second kind of provider
needs a row here and nothing else in the machinery.
"""
from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Integer, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.db_types import UTCDateTime, sql_in, utcnow
from marketplace.core.extensions import db
from teams.models import Team

from ..extras_domain import EXTRA_CODES, ExtraKind
from .freelancers import Freelancer


class ProviderKind(StrEnum):
    TEAM = "team"
    FREELANCER = "freelancer"


class Provider(db.Model):
    """One seller of extras. A team's provider row is made when its lead first offers an extra."""

    __tablename__ = "providers"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_in(ProviderKind)})", name="known_kind"),
        CheckConstraint("kind <> 'team' OR team_id IS NOT NULL", name="team_named"),
        CheckConstraint("kind <> 'freelancer' OR freelancer_id IS NOT NULL", name="freelancer_named"),
        UniqueConstraint("team_id"),
        UniqueConstraint("freelancer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    freelancer_id: Mapped[int | None] = mapped_column(ForeignKey("freelancers.id"))
    # Bumped under the lock that serialises a provider's bookings (see bookings.lock_provider).
    bookings_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    team: Mapped[Team | None] = relationship()
    freelancer: Mapped[Freelancer | None] = relationship()

    @property
    def name(self) -> str:
        if self.team is not None:
            return self.team.name
        return self.freelancer.name if self.freelancer is not None else ""


class Extra(db.Model):
    """An extra as the provider offers it; edits change it in place (bookings keep their price)."""

    __tablename__ = "extras"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_in(ExtraKind)})", name="known_kind"),
        CheckConstraint("code IN ({})".format(", ".join(f"'{c}'" for c in EXTRA_CODES)), name="known_code"),
        CheckConstraint("price_cents > 0", name="price_positive"),
        CheckConstraint("duration_minutes > 0 AND duration_minutes <= 1440", name="duration_in_a_day"),
        CheckConstraint("seats >= 1 AND seats <= 100", name="seats_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    code: Mapped[str] = mapped_column(String(3))          # X01–X09 or F01–F06
    category: Mapped[str] = mapped_column(String(12), index=True)  # from the code (extras_domain)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(2000), default="")
    price_cents: Mapped[int] = mapped_column(Integer)
    duration_minutes: Mapped[int] = mapped_column(SmallInteger)
    kind: Mapped[str] = mapped_column(String(12), default=ExtraKind.TIMED.value)
    seats: Mapped[int] = mapped_column(SmallInteger, default=1)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    provider: Mapped[Provider] = relationship()
    patterns: Mapped[list[AvailabilityPattern]] = relationship(
        back_populates="extra", cascade="all, delete-orphan",
        order_by="(AvailabilityPattern.weekday, AvailabilityPattern.starts_at)")
    exceptions: Mapped[list[AvailabilityException]] = relationship(
        back_populates="extra", cascade="all, delete-orphan",
        order_by="(AvailabilityException.day, AvailabilityException.starts_at)")


class AvailabilityPattern(db.Model):
    """A weekly window: every ``weekday`` from ``starts_at`` to ``ends_at`` (local time)."""

    __tablename__ = "extra_availability"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("starts_at < ends_at", name="starts_before_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    extra_id: Mapped[int] = mapped_column(ForeignKey("extras.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(SmallInteger)
    starts_at: Mapped[time]
    ends_at: Mapped[time]

    extra: Mapped[Extra] = relationship(back_populates="patterns")


class AvailabilityException(db.Model):
    """A closed date (all day, or from–to) or an extra date with its window."""

    __tablename__ = "extra_exceptions"
    __table_args__ = (
        CheckConstraint("(starts_at IS NULL AND ends_at IS NULL AND closed) OR "
                        "(starts_at IS NOT NULL AND ends_at IS NOT NULL AND starts_at < ends_at)",
                        name="window_or_whole_closed_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    extra_id: Mapped[int] = mapped_column(ForeignKey("extras.id", ondelete="CASCADE"), index=True)
    day: Mapped[date]
    closed: Mapped[bool]
    starts_at: Mapped[time | None]
    ends_at: Mapped[time | None]

    extra: Mapped[Extra] = relationship(back_populates="exceptions")


class MarketSettings(db.Model):
    """The organisation's settings of the extras market (DOMAIN.md §7 defaults)."""

    __tablename__ = "market_settings"
    __table_args__ = (
        CheckConstraint("team_org_share_pct BETWEEN 0 AND 100", name="team_share_range"),
        CheckConstraint("freelancer_org_share_pct BETWEEN 0 AND 100 AND home_team_share_pct BETWEEN 0 AND 100 "
                        "AND freelancer_org_share_pct + home_team_share_pct <= 100", name="freelancer_shares_range"),
        CheckConstraint("late_refund_pct BETWEEN 0 AND 100", name="late_refund_range"),
        CheckConstraint("free_cancel_hours BETWEEN 0 AND 720", name="cancel_hours_range"),
        CheckConstraint("hold_minutes BETWEEN 30 AND 1440", name="hold_range"),
        CheckConstraint("min_price_cents >= 1", name="min_price_positive"),
    )

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    team_org_share_pct: Mapped[int] = mapped_column(SmallInteger, default=10)
    freelancer_org_share_pct: Mapped[int] = mapped_column(SmallInteger, default=5)
    home_team_share_pct: Mapped[int] = mapped_column(SmallInteger, default=15)
    min_price_cents: Mapped[int] = mapped_column(Integer, default=50)
    hold_minutes: Mapped[int] = mapped_column(SmallInteger, default=30)
    free_cancel_hours: Mapped[int] = mapped_column(SmallInteger, default=24)
    late_refund_pct: Mapped[int] = mapped_column(SmallInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
