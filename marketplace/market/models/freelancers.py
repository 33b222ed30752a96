"""Freelance carers (zzp'ers, issue 13): their profile, the organisation's approval, their Stripe
Connect account as Stripe reports it, and the payouts to them."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.core.db_types import UTCDateTime, sql_in, utcnow
from marketplace.core.extensions import db
from teams.models import Team


class FreelancerStatus(StrEnum):
    PENDING = "pending"      # waiting for the organisation's approval
    APPROVED = "approved"
    SUSPENDED = "suspended"  # with a reason; their extras are off the market


class Freelancer(db.Model):
    __tablename__ = "freelancers"
    __table_args__ = (
        CheckConstraint(f"status IN ({sql_in(FreelancerStatus)})", name="known_status"),
        CheckConstraint("status <> 'suspended' OR status_reason <> ''", name="suspended_with_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kvk_number: Mapped[str] = mapped_column(String(8))
    big_number: Mapped[str | None] = mapped_column(String(11))
    home_team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    skills: Mapped[list] = mapped_column(JSON, default=list)
    languages: Mapped[list] = mapped_column(JSON, default=list)
    bio: Mapped[str] = mapped_column(String(1000), default="")
    status: Mapped[str] = mapped_column(String(12), default=FreelancerStatus.PENDING.value)
    status_reason: Mapped[str] = mapped_column(String(500), default="")
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status_changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The Stripe Connect account, as its latest account.updated event says (by the event's
    # ``created`` time: an older event arriving later never overwrites a newer state).
    stripe_account_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    charges_enabled: Mapped[bool] = mapped_column(default=False)
    payouts_enabled: Mapped[bool] = mapped_column(default=False)
    requirements_due: Mapped[list] = mapped_column(JSON, default=list)
    account_event_created: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    home_team: Mapped[Team] = relationship()


class PayoutStatus(StrEnum):
    PAID = "paid"
    FAILED = "failed"


class Payout(db.Model):
    """A payout of Stripe to a freelancer's bank, as its payout.* events on the connected account say."""

    __tablename__ = "payouts"
    __table_args__ = (CheckConstraint(f"status IN ({sql_in(PayoutStatus)})", name="known_status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    freelancer_id: Mapped[int] = mapped_column(ForeignKey("freelancers.id"), index=True)
    stripe_payout_id: Mapped[str] = mapped_column(String(255), unique=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="eur")
    status: Mapped[str] = mapped_column(String(10))
    arrival_date: Mapped[date | None]
    failure_message: Mapped[str] = mapped_column(String(500), default="")
    event_created: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    freelancer: Mapped[Freelancer] = relationship()
