"""Accounts of residents, city staff, operators and administrators."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, TimestampMixin, UtcDateTime


class Role(enum.StrEnum):
    """What an account may do; residents are the default."""

    RESIDENT = "resident"
    CITY_STAFF = "city_staff"
    OPERATOR = "operator"
    ADMIN = "admin"


class User(TimestampMixin, Base):
    """An account. The e-mail address is stored lower-cased and is unique."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("email = lower(email)", name="email_lower_case"),
        CheckConstraint("role IN ('resident', 'city_staff', 'operator', 'admin')", name="known_role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default=Role.RESIDENT.value)
    locale: Mapped[str] = mapped_column(String(5), default="de")
    provider: Mapped[str | None] = mapped_column(String(80), default=None)
    """For operator accounts: the provider instance whose bookings they may read."""
    email_verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    """When the owner of the address followed a verification (or password reset) link; None: not verified."""
    district: Mapped[str | None] = mapped_column(String(64), default=None)
    """The district (id in the region's districts file) the resident says they live in, if they chose to;
    used only for the anonymised per-district open-data statistics (:mod:`app.open_data`)."""
