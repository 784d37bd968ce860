"""The saga's outbox: an intent row committed before each provider call, its result after.

A step's idempotency key is ``booking:ID:leg:N:OPERATION:ATTEMPT``: an open intent is
retried with its own key and its own stored request (for a reservation: the offer), and
a new attempt (after the previous one finished) gets a new key. So a key is never sent
for two different offers, and a crash between the call and the result leaves an intent
the reconciler can repeat safely.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Booking, BookingLeg, SagaStep, StepOperation, StepState, utc_now
from providers.model import BookingStatus, Quote


def step_key(booking_id: str, position: int | None, operation: StepOperation, attempt: int) -> str:
    """The idempotency key of one attempt of one step."""
    where = "" if position is None else f":leg:{position}"
    return f"booking:{booking_id}{where}:{operation.value}:{attempt}"


def open_step(db: Session, booking: Booking, leg: BookingLeg | None, operation: StepOperation) -> SagaStep | None:
    """The unfinished attempt of this step, if one was recorded (a crash or an unknown outcome)."""
    return db.scalar(
        select(SagaStep).where(
            SagaStep.booking_id == booking.id,
            SagaStep.leg_position == (None if leg is None else leg.position),
            SagaStep.operation == operation.value,
            SagaStep.state == StepState.INTENT.value,
        )
    )


def record_intent(
    db: Session, booking: Booking, leg: BookingLeg | None, operation: StepOperation, request: dict[str, Any]
) -> SagaStep:
    """Add a new attempt of this step (not committed: the caller commits it with what belongs to it)."""
    position = None if leg is None else leg.position
    attempts = db.scalar(
        select(func.count())
        .select_from(SagaStep)
        .where(
            SagaStep.booking_id == booking.id,
            SagaStep.leg_position == position,
            SagaStep.operation == operation.value,
        )
    )
    attempt = int(attempts or 0) + 1
    step = SagaStep(
        booking_id=booking.id,
        leg_position=position,
        operation=operation.value,
        attempt=attempt,
        idempotency_key=step_key(booking.id, position, operation, attempt),
        request=json.dumps(request, default=str),
        state=StepState.INTENT.value,
    )
    db.add(step)
    db.flush()
    return step


def finish(step: SagaStep, result: BookingStatus | dict[str, Any] | str) -> None:
    """Mark the attempt done with its result (committed by the caller together with the state it caused)."""
    step.state = StepState.DONE.value
    step.result = json.dumps(_plain(result), default=str)
    step.finished_at = utc_now()


def fail(step: SagaStep, reason: str) -> None:
    """Mark the attempt failed: the operator did not do it, or it no longer matters."""
    step.state = StepState.FAILED.value
    step.result = json.dumps({"failed": reason})
    step.finished_at = utc_now()


def close_open(db: Session, booking: Booking, leg: BookingLeg | None, reason: str) -> None:
    """Fail every open attempt of a leg (or of the booking): a later step made them moot."""
    query = select(SagaStep).where(SagaStep.booking_id == booking.id, SagaStep.state == StepState.INTENT.value)
    if leg is not None:
        query = query.where(SagaStep.leg_position == leg.position)
    for step in db.scalars(query):
        fail(step, reason)


def open_steps(db: Session, booking: Booking) -> list[SagaStep]:
    """The booking's unfinished attempts, oldest first."""
    return list(
        db.scalars(
            select(SagaStep)
            .where(SagaStep.booking_id == booking.id, SagaStep.state == StepState.INTENT.value)
            .order_by(SagaStep.id)
        )
    )


def bookings_with_open_steps(db: Session, older_than: datetime) -> list[str]:
    """Ids of bookings with an attempt left open since before ``older_than``."""
    return list(
        db.scalars(
            select(SagaStep.booking_id)
            .where(SagaStep.state == StepState.INTENT.value, SagaStep.created_at <= older_than)
            .distinct()
        )
    )


def _plain(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return value


def quote_to_json(quote: Quote) -> dict[str, Any]:
    """A quote as stored in a reservation's intent."""
    data = dataclasses.asdict(quote)
    data["valid_until"] = quote.valid_until.isoformat() if quote.valid_until else None
    return data


def quote_from_json(raw: str) -> Quote:
    """The quote a reservation's intent was recorded with."""
    data = json.loads(raw)
    valid_until = data.get("valid_until")
    return Quote(**{**data, "valid_until": datetime.fromisoformat(valid_until) if valid_until else None})


def request_of(step: SagaStep) -> dict[str, Any]:
    """The stored request of an attempt."""
    value = json.loads(step.request)
    return value if isinstance(value, dict) else {}
