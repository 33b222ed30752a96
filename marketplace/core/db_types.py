"""Column types and helpers shared by every package's models."""
from datetime import date, datetime, timezone
from enum import Enum
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

LOCAL_ZONE = ZoneInfo("Europe/Amsterdam")


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime on every backend.

    SQLite drops the offset; we store naive UTC and hand back aware UTC, so code never
    compares a naive with an aware datetime.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def local_today() -> date:
    """Today's date in the Netherlands: weeks, reviews and prices follow the local calendar."""
    return utcnow().astimezone(LOCAL_ZONE).date()


def sql_in(enum: type[Enum]) -> str:
    """SQL list literal of an enum's values, for a CheckConstraint."""
    return ", ".join(f"'{member.value}'" for member in enum)
