"""Tickets that no longer count: the rows behind the inspectors' signed revocation list."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UtcDateTime, utc_now


class TicketRevocation(Base):
    """One revoked ticket (a pass or a single ticket); rows are only ever added.

    The id is a growing number, so the largest id is the version of the list: a device
    that holds version N has every revocation up to N.
    """

    __tablename__ = "ticket_revocations"
    __table_args__ = (CheckConstraint("kind IN ('pass', 'single')", name="known_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text, default="")
    revoked_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
