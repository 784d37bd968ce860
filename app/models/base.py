"""Declarative base shared by every model, with constraint names Alembic can rely on, and the UTC time type."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class NaiveDatetimeError(ValueError):
    """A time without a zone was about to be stored; the caller must say which zone it is in."""


def utc_now() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC time (a naive ``moment`` is taken to be UTC already)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A moment stored in UTC on every database, read back timezone-aware in UTC.

    SQLite has no zone-aware type: SQLAlchemy writes the wall-clock digits of an aware
    value and drops its offset, so a local time would be read back as if it were UTC.
    This type converts every value to UTC before it is written and refuses naive ones
    (their zone is unknown), so what is read back is always the same instant.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        """Convert to UTC (naive UTC digits on SQLite, aware on PostgreSQL).

        Raises
        ------
        NaiveDatetimeError
            ``value`` carries no zone.
        """
        if value is None:
            return None
        if not isinstance(value, datetime):
            msg = f"expected a datetime, got {type(value).__name__} {value!r}"
            raise TypeError(msg)
        if value.tzinfo is None or value.utcoffset() is None:
            msg = f"refusing to store the naive time {value.isoformat()}: give it a zone (e.g. datetime.now(UTC))"
            raise NaiveDatetimeError(msg)
        moment = value.astimezone(UTC)
        return moment.replace(tzinfo=None) if dialect.name == "sqlite" else moment

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """The stored moment, aware in UTC."""
        if value is None:
            return None
        assert isinstance(value, datetime)
        return as_utc(value)


class Base(DeclarativeBase):
    """Base class of all models."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TimestampMixin:
    """Creation time stamp, timezone-aware."""

    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
