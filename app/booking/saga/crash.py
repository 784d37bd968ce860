"""Named crash points for the fault-injection tests: the process kills itself (SIGKILL) at the named step.

Set ``MOBILITY_SAGA_CRASH_AT`` to a point name such as ``reserve:intent`` (right after the
intent of a reservation is committed) or ``end:call`` (right after the operator answered,
before the result is recorded). Unset, :func:`crash_point` does nothing.
"""

from __future__ import annotations

import os
import signal

CRASH_ENV = "MOBILITY_SAGA_CRASH_AT"
POINTS = tuple(
    f"{operation}:{moment}"
    for operation in ("reserve", "confirm", "start", "end", "cancel", "refund", "capture")
    for moment in ("intent", "call")
)
"""Every named point: ``OPERATION:intent`` after the intent is recorded, ``OPERATION:call`` after the call."""


def crash_point(name: str) -> None:
    """Kill this process with SIGKILL when ``MOBILITY_SAGA_CRASH_AT`` names ``name``."""
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
