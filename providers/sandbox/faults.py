"""Faults the sandbox operator injects on request, so tests meet a misbehaving operator for real.

A fault applies to requests whose path contains ``path`` (all when empty), for the next
``count`` matching requests (always when ``None``):

- ``latency``: answer normally after ``seconds``;
- ``timeout``: hold the connection for ``seconds`` (longer than the client waits), then 504;
- ``error``: answer ``status`` (default 503) with a problem body;
- ``malformed``: answer 200 with a truncated JSON body;
- ``vehicle_taken``: refuse a booking with 409 as if someone else was faster.

Set with ``--fault`` on ``mobility sandbox-operator`` or at run time through
``PUT /_sandbox/faults`` (a JSON list of faults; ``DELETE`` clears them).
"""

from __future__ import annotations

import enum
import threading
from dataclasses import dataclass
from typing import Any


class FaultKind(enum.StrEnum):
    """What the fault does."""

    LATENCY = "latency"
    TIMEOUT = "timeout"
    ERROR = "error"
    MALFORMED = "malformed"
    VEHICLE_TAKEN = "vehicle_taken"


class FaultSpecError(ValueError):
    """A fault description cannot be read; the message names the field."""


@dataclass
class Fault:
    """One configured fault."""

    kind: FaultKind
    path: str = ""
    count: int | None = None
    seconds: float = 0.0
    status: int = 503

    @classmethod
    def from_json(cls, raw: object, where: str = "fault") -> Fault:
        """A fault from ``{"kind": ..., "path": ..., "count": ..., "seconds": ..., "status": ...}``."""
        if not isinstance(raw, dict):
            msg = f"{where}: expected an object"
            raise FaultSpecError(msg)
        unknown = set(raw) - {"kind", "path", "count", "seconds", "status"}
        if unknown:
            msg = f"{where}: unknown field(s) {', '.join(sorted(unknown))}"
            raise FaultSpecError(msg)
        try:
            kind = FaultKind(str(raw.get("kind")))
        except ValueError as exc:
            msg = f"{where}.kind: one of {', '.join(FaultKind)}"
            raise FaultSpecError(msg) from exc
        count, seconds, status = raw.get("count"), raw.get("seconds", 0.0), raw.get("status", 503)
        if count is not None and (not isinstance(count, int) or isinstance(count, bool) or count < 1):
            msg = f"{where}.count: a positive integer or null"
            raise FaultSpecError(msg)
        if not isinstance(seconds, int | float) or isinstance(seconds, bool) or not 0 <= seconds <= 120:
            msg = f"{where}.seconds: a number of seconds between 0 and 120"
            raise FaultSpecError(msg)
        if not isinstance(status, int) or isinstance(status, bool) or not 400 <= status <= 599:
            msg = f"{where}.status: an HTTP error status 400..599"
            raise FaultSpecError(msg)
        path = raw.get("path", "")
        if not isinstance(path, str):
            msg = f"{where}.path: a string"
            raise FaultSpecError(msg)
        return cls(kind=kind, path=path, count=count, seconds=float(seconds), status=status)

    @classmethod
    def from_option(cls, text: str) -> Fault:
        """A fault from the command line: ``KIND[:PATH][:COUNT][:SECONDS]``, e.g. ``error:/bookings:2``."""
        kind, *rest = text.split(":")
        fields: dict[str, Any] = {"kind": kind}
        for name, value in zip(("path", "count", "seconds"), rest, strict=False):
            if value:
                fields[name] = value if name == "path" else (int(value) if name == "count" else float(value))
        return cls.from_json(fields, where=f"--fault {text}")

    def to_json(self) -> dict[str, Any]:
        """The fault as ``from_json`` reads it."""
        return {
            "kind": str(self.kind),
            "path": self.path,
            "count": self.count,
            "seconds": self.seconds,
            "status": self.status,
        }


class FaultPlan:
    """The active faults; ``take`` consumes one match for a request (thread-safe)."""

    def __init__(self, faults: list[Fault] | None = None) -> None:
        self._faults = list(faults or [])
        self._lock = threading.Lock()

    def replace(self, faults: list[Fault]) -> None:
        """Make ``faults`` the active set."""
        with self._lock:
            self._faults = list(faults)

    def listed(self) -> list[Fault]:
        """The active faults."""
        with self._lock:
            return list(self._faults)

    def take(self, path: str, *, booking: bool) -> Fault | None:
        """The first fault matching ``path`` (``vehicle_taken`` only on booking requests), consumed once."""
        with self._lock:
            for fault in self._faults:
                if fault.path and fault.path not in path:
                    continue
                if fault.kind is FaultKind.VEHICLE_TAKEN and not booking:
                    continue
                if fault.count is not None:
                    fault.count -= 1
                    if fault.count == 0:
                        self._faults.remove(fault)
                return fault
            return None
