"""Package versions, their lines, and reviews.

A version is never edited once written: saving a change writes a new version with who,
when and why, so every earlier version stays readable.
"""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.db_types import UTCDateTime, utcnow
from marketplace.core.extensions import db
from marketplace.core.db_types import sql_in


class Status(StrEnum):
    PROPOSAL = "proposal"    # by family with *decide* or the client supporter
    DRAFT = "draft"          # the carers' working version
    REPLACED = "replaced"    # a draft or proposal that a later version took over; a submitted version
                             # that stopped covering the health risks, replaced by one that does
    SUBMITTED = "submitted"  # waiting for the nurse's sign-off
    ACTIVE = "active"
    SUPERSEDED = "superseded"  # was active; a later version took over
    TAKEN_OVER = "taken_over"  # a proposal a carer took over into the team's draft
    DECLINED = "declined"      # a proposal the team declined, with a reason the proposer sees


class PackageVersion(db.Model):
    __tablename__ = "package_versions"
    __table_args__ = (
        UniqueConstraint("client_id", "number"),
        CheckConstraint(f"status IN ({sql_in(Status)})", name="known_status"),
        CheckConstraint("status <> 'declined' OR decline_reason <> ''", name="declined_has_a_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    number: Mapped[int]
    status: Mapped[str] = mapped_column(String(12))
    use_savings: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str] = mapped_column(String(500), default="")
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("package_versions.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active_from: Mapped[date | None]
    # Written as a proposal (by family with *decide*, the resident or the client supporter):
    # the proposal's history stays readable whatever became of it.
    proposed: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Who took the proposal over or declined it, when, and why it was declined.
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decline_reason: Mapped[str] = mapped_column(String(500), default="", server_default="")

    lines: Mapped[list[PackageLine]] = relationship(
        back_populates="version", cascade="all, delete-orphan", lazy="selectin", order_by="PackageLine.id"
    )
    created_by = relationship("User", foreign_keys=[created_by_id])
    signed_by = relationship("User", foreign_keys=[signed_by_id])
    submitted_by = relationship("User", foreign_keys=[submitted_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])


class PackageLine(db.Model):
    __tablename__ = "package_lines"
    __table_args__ = (
        UniqueConstraint("version_id", "service_id"),
        CheckConstraint("per_week >= 0 AND per_week <= 99", name="per_week_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("package_versions.id"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    per_week: Mapped[int]

    version: Mapped[PackageVersion] = relationship(back_populates="lines")
    service = relationship("Service", lazy="joined")


class ReviewOutcome(StrEnum):
    CONFIRMED = "confirmed"
    CHANGED = "changed"


class ReviewKind(StrEnum):
    REGULAR = "regular"  # the review that was due: the cycle continues from the day it was held
    EXTRA = "extra"      # held before it was due, for a reason: the cycle stays as it was


class Review(db.Model):
    __tablename__ = "reviews"
    __table_args__ = (
        CheckConstraint(f"outcome IN ({sql_in(ReviewOutcome)})", name="known_outcome"),
        CheckConstraint(f"kind IN ({sql_in(ReviewKind)})", name="known_kind"),
        CheckConstraint("(kind = 'regular' AND due_on IS NOT NULL AND reason = '') "
                        "OR (kind = 'extra' AND due_on IS NULL AND reason <> '')", name="extra_has_a_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    package_version_id: Mapped[int] = mapped_column(ForeignKey("package_versions.id"))
    kind: Mapped[str] = mapped_column(String(10), default=ReviewKind.REGULAR.value,
                                      server_default=ReviewKind.REGULAR.value)
    due_on: Mapped[date | None]  # the regular review's date; none for an extra review
    held_on: Mapped[date]
    outcome: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(String(2000), default="")
    reason: Mapped[str] = mapped_column(String(500), default="", server_default="")  # why an extra review
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    recorded_by = relationship("User")
