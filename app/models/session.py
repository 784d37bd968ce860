"""Sign-in sessions: one per login, holding the current refresh token's hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, TimestampMixin, UtcDateTime


class AuthSession(TimestampMixin, Base):
    """A login. Access tokens name it and die with it; its refresh token rotates on every use."""

    __tablename__ = "auth_sessions"

    id: Mapped[str] = mapped_column(String(43), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    refresh_hash: Mapped[str] = mapped_column(String(64))
    """SHA-256 of the current refresh token (the token itself is never stored)."""
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    revoked_reason: Mapped[str | None] = mapped_column(String(40), default=None)
