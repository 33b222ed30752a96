"""Tenants and accounts: organisations, locations, users, roles, invitations, API tokens."""
from __future__ import annotations

from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.db_types import UTCDateTime, utcnow
from marketplace.core.extensions import db
from marketplace.core.db_types import sql_in
from marketplace.core.roles import Role


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    # The overhead and the meter thresholds (percent of the budget, DOMAIN.md §4) from the start;
    # changes from a date are rows of OrganisationSetting. Read them through
    # accounts.org_settings.settings_on(organisation, day), never here.
    overhead_pct: Mapped[int] = mapped_column(default=20)
    orange_from_pct: Mapped[int] = mapped_column(default=90, server_default="90")
    red_above_pct: Mapped[int] = mapped_column(default=100, server_default="100")
    # Carers, nurses, team leads and administrators log in with a second factor (TOTP).
    # On unless an organisation turns it off (the demo data does).
    require_second_factor: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    locations: Mapped[list[Location]] = relationship(back_populates="organisation", order_by="Location.name")

    @property
    def organisation_id(self) -> int:
        """An organisation is in its own scope (the policy compares ``organisation_id``)."""
        return self.id


class Location(db.Model):
    __tablename__ = "locations"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100), default="")
    # A deactivated location keeps its history (residents, teams) but takes no new ones.
    active: Mapped[bool] = mapped_column(default=True, server_default=true())

    organisation: Mapped[Organisation] = relationship(back_populates="locations")


class OrganisationSetting(db.Model):
    """The meter thresholds and the overhead from a date (issue 10). Rows are history: the
    organisation's own columns hold the values before the first row; each row holds from its
    ``valid_from`` until the next one."""

    __tablename__ = "organisation_settings"
    __table_args__ = (
        UniqueConstraint("organisation_id", "valid_from"),
        CheckConstraint("orange_from_pct > 0 AND orange_from_pct < red_above_pct AND red_above_pct <= 200",
                        name="thresholds_in_order"),
        CheckConstraint("overhead_pct >= 0 AND overhead_pct <= 100", name="overhead_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    valid_from: Mapped[date]
    orange_from_pct: Mapped[int]
    red_above_pct: Mapped[int]
    overhead_pct: Mapped[int]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by: Mapped[User | None] = relationship()


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    # Stored lower-case; login is by e-mail across the whole deployment.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    locale: Mapped[str | None] = mapped_column(String(5))
    active: Mapped[bool] = mapped_column(default=True)
    # Part of the session identity: rotating it ends every session of this user.
    session_nonce: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The second factor: the TOTP secret, encrypted (accounts.second_factor); confirmed once the
    # first code was right; the last time step accepted, so a code is never accepted twice.
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    # Settings of the user: an e-mail for each notification; personal API tokens (staff always
    # may; a family contact only after asking for them here).
    email_notifications: Mapped[bool] = mapped_column(default=True, server_default=true())
    api_access: Mapped[bool] = mapped_column(default=False, server_default=false())

    organisation: Mapped[Organisation] = relationship()
    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(row.role) for row in self.role_rows)

    def has_role(self, *roles: Role) -> bool:
        return not self.roles.isdisjoint(roles)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:  # Flask-Login
        return f"{self.id}.{self.session_nonce}"

    @property
    def primary_role(self) -> Role | None:
        """The role that shapes the home page and navigation: the most privileged one."""
        for role in (Role.ADMIN, Role.BOARD, Role.TEAM_LEAD, Role.NURSE, Role.CARER,
                     Role.CLIENT_SUPPORTER, Role.FREELANCER, Role.FAMILY, Role.RESIDENT):
            if role in self.roles:
                return role
        return None


class UserRole(db.Model):
    __tablename__ = "user_roles"
    __table_args__ = (
        UniqueConstraint("user_id", "role"),
        CheckConstraint(f"role IN ({sql_in(Role)})", name="known_role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(30))

    user: Mapped[User] = relationship(back_populates="role_rows")


class Invitation(db.Model):
    """A one-time link for a family contact of a client; only the token's hash is stored."""

    __tablename__ = "invitations"
    __table_args__ = (
        CheckConstraint("can_view OR can_decide OR can_pay", name="some_right"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    relation: Mapped[str] = mapped_column(String(100), default="")
    can_view: Mapped[bool] = mapped_column(default=True)
    can_decide: Mapped[bool] = mapped_column(default=False)
    can_pay: Mapped[bool] = mapped_column(default=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    client = relationship("Client")


class ApiToken(db.Model):
    """A personal access token. The secret is shown once; we keep its SHA-256."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class RecoveryCode(db.Model):
    """A single-use code for when the authenticator is lost; we keep its SHA-256."""

    __tablename__ = "recovery_codes"
    __table_args__ = (UniqueConstraint("user_id", "code_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


__all__ = ["Organisation", "OrganisationSetting", "Location", "User", "UserRole", "Invitation", "ApiToken", "RecoveryCode"]
