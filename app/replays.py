"""Answering a repeated request (the same ``Idempotency-Key``) with its original, once the original has settled.

The original may be in the middle of its work in another thread, worker or host (a payment
being authorised, an operator being asked). :func:`await_settled` reads it afresh until it
has its final answer, so the repeat replays that answer instead of a half-done state or a
second purchase. It knows no Flask, so both the API (passes) and the booking saga use it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

__all__ = ["POLL_S", "REPLAY_WAIT_S", "await_settled"]

T = TypeVar("T")

REPLAY_WAIT_S = 15.0
"""Longest a repeat waits for its original; then it is answered as the original stands."""
POLL_S = 0.05
"""How often the original is read again while it is not settled."""


def await_settled(
    read: Callable[[], T | None],
    settled: Callable[[T], bool],
    *,
    seconds: float = REPLAY_WAIT_S,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> T | None:
    """The original of a duplicate request once it has settled (another worker may still be paying).

    Parameters
    ----------
    read
        Reads the original afresh (None: there is none).
    settled
        Whether the original has its final answer.
    seconds
        How long to wait for another process to finish it; then it is answered as it stands.
    sleep, clock
        How to wait and tell the time (tests give their own).
    """
    deadline = clock() + seconds
    original = read()
    while original is not None and not settled(original) and clock() < deadline:
        sleep(POLL_S)
        original = read()
    return original
