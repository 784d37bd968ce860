"""The time budget of one saga run (the request's deadline): checked before each provider or gateway call."""

from __future__ import annotations

from typing import Protocol

from app.booking.saga.errors import OutOfBudget


class Deadline(Protocol):
    """Anything that can say how many seconds are left (the request deadline of the API layer fits)."""

    @property
    def budget_s(self) -> float:
        """The whole budget in seconds (every request of a kind gets the same)."""
        ...

    def remaining(self) -> float:
        """Seconds left; zero or less when the budget is spent."""
        ...


def check_budget(deadline: Deadline | None, step: str) -> None:
    """Raise :class:`OutOfBudget` when ``deadline`` is spent (None: no budget).

    Raises
    ------
    OutOfBudget
        No time is left for ``step``.
    """
    if deadline is not None and deadline.remaining() <= 0:
        raise OutOfBudget(step)
