"""Request deadlines: each request has a time budget that every slow thing it waits for shares.

The budget depends on the operation (``MOBILITY_PLAN_BUDGET_SECONDS`` for /plan and
/vehicles and everything else, ``MOBILITY_BOOKING_BUDGET_SECONDS`` for booking actions).
:func:`init_app` starts a :class:`Deadline` for every request and keeps it on
``flask.g``; views pass it on explicitly (:func:`request_deadline`). Provider HTTP calls
made while handling the request are limited to the same instant through
:func:`providers.http.call_deadline`, because the provider interface has no deadline
parameter of its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask, Response, g, request

from app.settings import Settings
from providers.http import call_deadline

BOOKING_PATHS = ("/api/v1/bookings", "/api/v1/passes")
"""Path prefixes whose operations get the booking budget (they run sagas with operators and payments)."""


@dataclass(frozen=True)
class Deadline:
    """A time budget that started at ``started`` (seconds on ``clock``, :func:`time.monotonic` by default)."""

    budget_s: float
    started: float
    clock: Callable[[], float] = field(default=time.monotonic, compare=False, repr=False)

    @classmethod
    def start(cls, budget_s: float, *, clock: Callable[[], float] = time.monotonic) -> Deadline:
        """A budget of ``budget_s`` seconds from now."""
        return cls(budget_s, clock(), clock)

    @property
    def at(self) -> float:
        """The instant (on ``clock``) the budget runs out."""
        return self.started + self.budget_s

    def remaining(self) -> float:
        """Seconds left (0 when the budget is used up)."""
        return max(0.0, self.at - self.clock())

    def expired(self) -> bool:
        """Whether the budget is used up."""
        return self.remaining() <= 0.0

    def share(self, fraction: float, *, cap_s: float | None = None) -> float:
        """Seconds a step may wait: ``fraction`` of what is left, at most ``cap_s``."""
        seconds = self.remaining() * fraction
        return seconds if cap_s is None else min(seconds, cap_s)


def budget_for(settings: Settings, path: str, method: str) -> float:
    """The budget of the operation at ``path``: booking actions get the longer one."""
    if method != "GET" and path.startswith(BOOKING_PATHS):
        return settings.booking_budget_seconds
    return settings.plan_budget_seconds


def request_deadline() -> Deadline:
    """The current request's deadline (a fresh plan-sized one outside a request that has none)."""
    deadline = g.get("deadline")
    if isinstance(deadline, Deadline):
        return deadline
    return Deadline.start(Settings.model_fields["plan_budget_seconds"].default)


def init_app(app: Flask) -> None:
    """Start a deadline for every request and limit provider calls made during it to the same instant."""
    settings: Settings = app.extensions["mobility.settings"]

    @app.before_request
    def _start_deadline() -> None:
        deadline = Deadline.start(budget_for(settings, request.path, request.method))
        g.deadline = deadline
        scope = call_deadline(deadline.at)
        scope.__enter__()
        g.deadline_scope = scope

    @app.teardown_request
    def _end_deadline(_error: BaseException | None) -> None:
        scope = g.pop("deadline_scope", None)
        if scope is not None:
            scope.__exit__(None, None, None)

    @app.after_request
    def _say_budget(response: Response) -> Response:
        deadline = g.get("deadline")
        if isinstance(deadline, Deadline):
            timing = f'budget;desc="request budget";dur={deadline.budget_s * 1000:.0f}'
            response.headers.setdefault("Server-Timing", timing)
        return response
