"""One-time tokens sent by e-mail: verifying the address, resetting the password."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, TimestampMixin, UtcDateTime


class TokenPurpose(enum.StrEnum):
    """What a token sent by e-mail lets its holder do."""

    VERIFY_EMAIL = "verify-email"
    PASSWORD_RESET = "password-reset"


class EmailToken(TimestampMixin, Base):
    """A link sent to an address. Only the SHA-256 of the token is stored; it works once, until ``expires_at``."""

    __tablename__ = "email_tokens"
    __table_args__ = (CheckConstraint("purpose IN ('verify-email', 'password-reset')", name="known_purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    """SHA-256 (hex) of the token in the link; the token itself is never stored."""
    email: Mapped[str] = mapped_column(String(254))
    """The address the link was sent to (a verification only counts for that address)."""
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    """When the token was used, or made void by a newer one or a completed reset."""
