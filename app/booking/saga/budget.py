"""The time budget of one saga run: checked before each provider or gateway call."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from app.booking.saga.errors import OutOfBudget

DEFAULT_BUDGET_S = 20.0
"""Booking actions get 20 s unless the request's deadline says otherwise."""


class Deadline(Protocol):
    """Anything that can say how many seconds are left (the request deadline of the API layer fits)."""

    def remaining(self) -> float:
        """Seconds left; zero or less when the budget is spent."""
        ...


@dataclass
class Budget:
    """A monotonic-clock deadline ``seconds`` from now (``clock`` is replaceable in tests)."""

    seconds: float = DEFAULT_BUDGET_S
    clock: Callable[[], float] = time.monotonic
    started: float = field(default=0.0)

    def __post_init__(self) -> None:
        self.started = self.clock()

    def remaining(self) -> float:
        """Seconds left."""
        return self.seconds - (self.clock() - self.started)


def check_budget(deadline: Deadline | None, step: str) -> None:
    """Raise :class:`OutOfBudget` when ``deadline`` is spent (None: no budget).

    Raises
    ------
    OutOfBudget
        No time is left for ``step``.
    """
    if deadline is not None and deadline.remaining() <= 0:
        raise OutOfBudget(step)
