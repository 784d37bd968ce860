"""The booking saga's outbox: one row per step attempt, written before the provider or gateway call."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utc_now

__all__ = ["SagaStep", "StepOperation", "StepState"]


class StepOperation(enum.StrEnum):
    """What a step asks of a provider or of the payment gateway."""

    RESERVE = "reserve"
    CONFIRM = "confirm"
    START = "start"
    END = "end"
    CANCEL = "cancel"
    REFUND = "refund"


class StepState(enum.StrEnum):
    """``intent`` until the call's result is recorded; then ``done`` or ``failed``."""

    INTENT = "intent"
    DONE = "done"
    FAILED = "failed"


_OPERATIONS = ", ".join(f"'{operation.value}'" for operation in StepOperation)
_STEP_STATES = ", ".join(f"'{state.value}'" for state in StepState)


class SagaStep(Base):
    """One attempt of one saga step: the intent (with what the call needs to be repeated) and its result.

    The idempotency key is derived from (booking, leg, operation, attempt) and stored, so a
    retry of the same attempt sends the same key with the same request (the same offer),
    and a new offer always gets a new attempt and a new key.
    """

    __tablename__ = "saga_steps"
    __table_args__ = (
        CheckConstraint(f"operation IN ({_OPERATIONS})", name="known_operation"),
        CheckConstraint(f"state IN ({_STEP_STATES})", name="known_state"),
        Index("ix_saga_steps_open", "state", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[str] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    leg_position: Mapped[int | None] = mapped_column(Integer, default=None)
    operation: Mapped[str] = mapped_column(String(20))
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    request: Mapped[str] = mapped_column(Text, default="{}")
    """JSON of what the call needs to be repeated exactly (the quote of a reservation, a refund's amount)."""
    state: Mapped[str] = mapped_column(String(10), default=StepState.INTENT.value)
    result: Mapped[str | None] = mapped_column(Text, default=None)
    """JSON of the provider's answer, or the reason of a failure."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
