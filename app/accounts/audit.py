"""The admin audit table: who acted on whose object through which operation, and why."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.models.base import Base, utc_now

__all__ = ["REFUSED", "AdminAudit", "record_audit", "refused_reason"]

REFUSED = "refused"
"""How the ``reason`` of the record of a refused call begins."""


class AdminAudit(Base):
    """One call of an audited operation (append-only).

    A call that took effect is written in the transaction of its effect, with the reason
    the actor gave. A refused call (any problem answer: a role outside the row, an object
    not found, a rule broken) is written on its own after the effect is rolled back; its
    ``reason`` is :func:`refused_reason`: ``refused <status> <slug>: <detail> | reason
    given: <reason>``.
    """

    __tablename__ = "admin_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    actor_role: Mapped[str] = mapped_column(String(20))
    operation: Mapped[str] = mapped_column(String(120))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))
    reason: Mapped[str] = mapped_column(Text)


def record_audit(
    db: Session, *, actor_id: int, actor_role: str, operation: str, method: str, path: str, reason: str
) -> AdminAudit:
    """Add the audit record of an audited call (the caller commits it with the operation's effect).

    Parameters
    ----------
    db
        The request's session.
    actor_id, actor_role
        The signed-in account acting.
    operation
        The operation's endpoint name (``bookings.refund_booking``).
    method, path
        The HTTP method and path called (the path names the object).
    reason
        The reason the actor gave.
    """
    entry = AdminAudit(
        actor_id=actor_id, actor_role=actor_role, operation=operation, method=method, path=path[:500], reason=reason
    )
    db.add(entry)
    return entry


def refused_reason(status: int, slug: str, detail: str, given: str) -> str:
    """The ``reason`` recorded for a refused call: the answer's status, problem slug and detail, and the reason given.

    Parameters
    ----------
    status, slug, detail
        The problem answer the caller got (``403``, ``forbidden``, why).
    given
        The reason the caller gave in the body (``-`` when none could be read).
    """
    return f"{REFUSED} {status} {slug}: {detail} | reason given: {given or '-'}"
