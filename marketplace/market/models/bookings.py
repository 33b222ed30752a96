"""Bookings of extras and their ratings."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from care.models import Client
from marketplace.accounts.models import User
from marketplace.core.db_types import UTCDateTime, sql_in, utcnow
from marketplace.core.extensions import db

from ..extras_domain import BookingStatus, Canceller
from .extras import Extra, Provider


class Booking(db.Model):
    """One resident's booking of one extra at one moment.

    The price and the shares' percentages are fixed when the booking is made, so a later price
    or setting never changes what was paid or what a refund takes back. A pending payment
    holds its seat until ``hold_expires_at``; after that it counts as expired without any job
    having to store it (extras_domain.effective_status).
    """

    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint(f"status IN ({sql_in(BookingStatus)})", name="known_status"),
        CheckConstraint("price_cents > 0", name="price_positive"),
        CheckConstraint("starts_at < ends_at", name="starts_before_end"),
        CheckConstraint("refund_cents >= 0 AND refund_cents <= price_cents", name="refund_within_price"),
        CheckConstraint(f"cancelled_by IS NULL OR cancelled_by IN ({sql_in(Canceller)})", name="known_canceller"),
        CheckConstraint("org_share_pct BETWEEN 0 AND 100 AND home_team_share_pct BETWEEN 0 AND 100",
                        name="shares_range"),
        Index("ix_bookings_provider_time", "provider_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    extra_id: Mapped[int] = mapped_column(ForeignKey("extras.id"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    booked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20))
    price_cents: Mapped[int] = mapped_column(Integer)
    org_share_pct: Mapped[int] = mapped_column(SmallInteger)
    home_team_share_pct: Mapped[int] = mapped_column(SmallInteger, default=0)
    hold_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The payment that paid it (set by the verified payment event).
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"), unique=True)
    notes: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Cancellation: who, why (the family sees the provider's reason), and what is given back.
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by: Mapped[str | None] = mapped_column(String(10))
    cancel_reason: Mapped[str] = mapped_column(String(500), default="")
    refund_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    # A payment that came in after the hold lapsed and the seat was gone: refunded in full.
    refund_reason: Mapped[str] = mapped_column(String(30), default="")
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    extra: Mapped[Extra] = relationship()
    provider: Mapped[Provider] = relationship()
    client: Mapped[Client] = relationship()
    booked_by: Mapped[User] = relationship()


class ExtraRating(db.Model):
    """A family's 1–5 stars for a delivered booking: one per booking."""

    __tablename__ = "extra_ratings"
    __table_args__ = (CheckConstraint("stars BETWEEN 1 AND 5", name="stars_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"), unique=True)
    extra_id: Mapped[int] = mapped_column(ForeignKey("extras.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    stars: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    booking: Mapped[Booking] = relationship()
    author: Mapped[User] = relationship()
