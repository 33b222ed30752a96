"""The catalogue: staff levels and their rates, services and their versions, care profiles.

Rates and service times change from a date; older rows stay, so a package of last month
is still priced as it was last month.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.extensions import db


class CareProfile(db.Model):
    """A zorgprofiel (e.g. 5VV) with its indicated hours; national reference data."""

    __tablename__ = "care_profiles"
    __table_args__ = (CheckConstraint("hours_per_week_centi > 0", name="hours_positive"),)

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name_nl: Mapped[str] = mapped_column(String(200))
    old_zzp: Mapped[str] = mapped_column(String(8), default="")
    # Hundredths of an hour: 12.5 h is 1250, so no float ever enters a budget.
    hours_per_week_centi: Mapped[int]
    daily_tariff_excl_cents: Mapped[int | None] = mapped_column(BigInteger)
    daily_tariff_incl_cents: Mapped[int | None] = mapped_column(BigInteger)


class BudgetOverride(db.Model):
    """An organisation's own weekly budget for a profile, from a date."""

    __tablename__ = "budget_overrides"
    __table_args__ = (
        UniqueConstraint("organisation_id", "care_profile", "valid_from"),
        CheckConstraint("weekly_cents > 0", name="weekly_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    care_profile: Mapped[str] = mapped_column(ForeignKey("care_profiles.code"))
    weekly_cents: Mapped[int] = mapped_column(BigInteger)
    valid_from: Mapped[date]


class StaffLevel(db.Model):
    __tablename__ = "staff_levels"
    __table_args__ = (UniqueConstraint("organisation_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    code: Mapped[str] = mapped_column(String(3))
    name_nl: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))

    rates: Mapped[list[StaffLevelRate]] = relationship(
        back_populates="level", order_by="StaffLevelRate.valid_from", lazy="selectin"
    )


class StaffLevelRate(db.Model):
    """Base hourly employee cost of a level, from a date (overhead comes on top)."""

    __tablename__ = "staff_level_rates"
    __table_args__ = (
        UniqueConstraint("staff_level_id", "valid_from"),
        CheckConstraint("base_hourly_cents > 0", name="rate_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_level_id: Mapped[int] = mapped_column(ForeignKey("staff_levels.id"), index=True)
    base_hourly_cents: Mapped[int] = mapped_column(BigInteger)
    valid_from: Mapped[date]

    level: Mapped[StaffLevel] = relationship(back_populates="rates")

    @property
    def organisation_id(self) -> int:
        return self.level.organisation_id


class Service(db.Model):
    __tablename__ = "services"
    __table_args__ = (
        UniqueConstraint("organisation_id", "code"),
        CheckConstraint("category IN ('core', 'health', 'luxury')", name="known_category"),
        CheckConstraint("default_per_week >= 0 AND default_per_week <= 99", name="default_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    code: Mapped[str] = mapped_column(String(10))
    name_nl: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(10))
    omaha: Mapped[str | None] = mapped_column(String(2))
    default_per_week: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    versions: Mapped[list[ServiceVersion]] = relationship(
        back_populates="service", order_by="ServiceVersion.valid_from", lazy="selectin"
    )


class ServiceVersion(db.Model):
    """Minutes, staff level and material cost of a service, from a date."""

    __tablename__ = "service_versions"
    __table_args__ = (
        UniqueConstraint("service_id", "valid_from"),
        CheckConstraint("minutes > 0 AND minutes <= 1440", name="minutes_range"),
        CheckConstraint("material_cents >= 0", name="material_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), index=True)
    minutes: Mapped[int]
    staff_level_id: Mapped[int] = mapped_column(ForeignKey("staff_levels.id"))
    material_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    valid_from: Mapped[date]

    service: Mapped[Service] = relationship(back_populates="versions")
    level: Mapped[StaffLevel] = relationship(lazy="joined")

    @property
    def organisation_id(self) -> int:
        return self.service.organisation_id
