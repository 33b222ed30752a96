"""The board's one table: named scenarios. A scenario stores its changes, never its figures:
it is computed anew from the organisation's snapshot whenever it is shown."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.core.db_types import UTCDateTime, utcnow
from marketplace.core.extensions import db


class BoardScenario(db.Model):
    __tablename__ = "board_scenarios"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # The changes as board/scenarios.py's Changes.as_json gives them (percentages in tenths).
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by: Mapped[User] = relationship()
