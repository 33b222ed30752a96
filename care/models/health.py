"""Health risks (Omaha System), the rules that turn them into required care, prescriptions
and observation points. Health data: read only through care/health.py, which logs access."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.db_types import UTCDateTime, utcnow
from marketplace.core.extensions import db
from marketplace.core.db_types import sql_in


class Modifier(StrEnum):
    HEALTH_PROMOTION = "health_promotion"
    POTENTIAL = "potential"
    ACTUAL = "actual"


class Scope(StrEnum):
    INDIVIDUAL = "individual"
    FAMILY = "family"


class OmahaProblem(db.Model):
    """One of the 42 problems of the Omaha System; reference data."""

    __tablename__ = "omaha_problems"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    domain: Mapped[str] = mapped_column(String(40))
    name_en: Mapped[str] = mapped_column(String(100))
    name_nl: Mapped[str] = mapped_column(String(100))


class RiskRule(db.Model):
    """Problem + modifier requires a service at a minimum frequency (editable per organisation)."""

    __tablename__ = "risk_rules"
    __table_args__ = (
        UniqueConstraint("organisation_id", "omaha", "modifier", "service_id"),
        CheckConstraint(f"modifier IN ({sql_in(Modifier)})", name="known_modifier"),
        CheckConstraint("min_per_week >= 1 AND min_per_week <= 99", name="min_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    omaha: Mapped[str] = mapped_column(ForeignKey("omaha_problems.code"))
    modifier: Mapped[str] = mapped_column(String(20))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    min_per_week: Mapped[int]
    note: Mapped[str] = mapped_column(String(200), default="")

    service = relationship("Service", lazy="joined")


class HealthRisk(db.Model):
    """A problem in a client's profile; ``ended_at`` closes it (history stays)."""

    __tablename__ = "health_risks"
    __table_args__ = (
        CheckConstraint(f"modifier IN ({sql_in(Modifier)})", name="known_modifier"),
        CheckConstraint(f"scope IN ({sql_in(Scope)})", name="known_scope"),
        # At most one open entry per problem per client.
        Index("uq_health_risks_open_problem", "client_id", "omaha", unique=True,
              sqlite_where=text("ended_at IS NULL"), postgresql_where=text("ended_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    omaha: Mapped[str] = mapped_column(ForeignKey("omaha_problems.code"))
    modifier: Mapped[str] = mapped_column(String(20))
    scope: Mapped[str] = mapped_column(String(12), default=Scope.INDIVIDUAL.value)
    note: Mapped[str] = mapped_column(String(2000), default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    problem: Mapped[OmahaProblem] = relationship(lazy="joined")
    recorded_by = relationship("User")
    ratings: Mapped[list[RiskRating]] = relationship(back_populates="risk", order_by="RiskRating.rated_on",
                                                     lazy="selectin")
    prescriptions: Mapped[list[Prescription]] = relationship(back_populates="risk", lazy="selectin")


class RiskRating(db.Model):
    """Knowledge, Behaviour and Status on the Omaha scale of 1 to 5, on a date."""

    __tablename__ = "risk_ratings"
    __table_args__ = tuple(
        CheckConstraint(f"{name} BETWEEN 1 AND 5", name=f"{name}_range") for name in ("knowledge", "behaviour", "status")
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    risk_id: Mapped[int] = mapped_column(ForeignKey("health_risks.id"), index=True)
    knowledge: Mapped[int]
    behaviour: Mapped[int]
    status: Mapped[int]
    rated_on: Mapped[date]
    rated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    risk: Mapped[HealthRisk] = relationship(back_populates="ratings")


class Prescription(db.Model):
    """A nurse's higher minimum for one client's risk, with the reason."""

    __tablename__ = "prescriptions"
    __table_args__ = (
        UniqueConstraint("risk_id", "service_id"),
        CheckConstraint("min_per_week >= 1 AND min_per_week <= 99", name="min_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    risk_id: Mapped[int] = mapped_column(ForeignKey("health_risks.id"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    min_per_week: Mapped[int]
    reason: Mapped[str] = mapped_column(String(500))
    prescribed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    prescribed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    risk: Mapped[HealthRisk] = relationship(back_populates="prescriptions")
    service = relationship("Service", lazy="joined")


class ObservationPoint(db.Model):
    """What carers must watch for, shown to the client's team."""

    __tablename__ = "observation_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    text: Mapped[str] = mapped_column(String(500))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
