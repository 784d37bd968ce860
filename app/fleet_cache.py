"""Every provider's fleet, kept current by one background refresher thread per provider and worker.

Requests never wait on an operator's network: :meth:`FleetCache.snapshots` answers from
the last snapshot each refresher fetched. A snapshot older than ``refresh_s`` wakes its
refresher, and the request waits for the newer one only as long as its deadline allows
(:meth:`~app.deadlines.Deadline.share`, at most ``wait_s``); then it is served as it is,
marked stale, or, when there is none yet or it is older than ``max_age_s``, the provider is
reported unavailable. A slow or trickling operator therefore costs a request at most its
wait, never its budget, and parsing a huge feed happens on the refresher thread.

Threads start on first use in the process that serves (so they survive gunicorn's fork
model: each worker has its own) and end after ``idle_s`` without a request.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask

from app.deadlines import Deadline
from app.i18n import text
from app.schemas.plan import WarningOut
from app.settings import Settings
from app.sharing import FleetSnapshot
from providers.gbfs.client import serving_from_cache
from providers.http import call_deadline
from providers.interface import Provider
from providers.model import Capability
from providers.registry import ProviderRegistry

logger = logging.getLogger(__name__)

REFRESH_TIMEOUT_S = 30.0
"""How long one background refresh of one provider may take (every HTTP call in it shares this)."""
MIN_LOOP_S = 1.0
"""The refresher's shortest pause between refreshes that nobody asked for."""
IDLE_S = 600.0
MAX_AGE_S = 600.0


@dataclass(frozen=True)
class CachedFleets:
    """What the cache has for one request."""

    fleets: list[FleetSnapshot]
    unavailable: list[str]
    """Providers with nothing usable (never answered yet, failing for longer than the max age)."""
    stale: list[str]
    """Providers served from an older snapshot (refresh failing or still running)."""


@dataclass
class _Slot:
    provider: Provider
    snapshot: FleetSnapshot | None = None
    fetched_at: float = 0.0  # monotonic
    error: str | None = None
    asked: int = 0
    """Refreshes requests have asked for: a request's ticket is the count after its own."""
    answered: int = 0
    """The highest ticket a finished refresh began after: that refresh's snapshot is newer than the ask."""
    last_asked: float = 0.0
    thread: threading.Thread | None = None
    changed: threading.Condition = field(default_factory=threading.Condition)
    wake: threading.Event = field(default_factory=threading.Event)


class FleetCache:
    """The fleets of a registry's providers with availability, refreshed off the request path."""

    def __init__(
        self,
        registry: ProviderRegistry,
        *,
        refresh_s: float,
        wait_s: float,
        max_age_s: float = MAX_AGE_S,
        idle_s: float = IDLE_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.registry = registry
        self.refresh_s = refresh_s
        self.wait_s = wait_s
        self.max_age_s = max_age_s
        self.idle_s = idle_s
        self._clock = clock
        self._lock = threading.Lock()
        self._slots: dict[str, _Slot] = {}
        self._pid = os.getpid()

    def snapshots(self, deadline: Deadline) -> CachedFleets:
        """Each provider's latest fleet, waiting for a due refresh only within ``deadline``'s share."""
        fleets: list[FleetSnapshot] = []
        unavailable: list[str] = []
        stale: list[str] = []
        slots = self._current_slots()
        due = {name: self._ask(slot) for name, slot in slots.items() if self._due(slot)}
        for name in due:
            self._ensure_running(slots[name])
            slots[name].wake.set()
        if due:
            self._wait_for(slots, due, deadline)
        now = self._clock()
        for name, slot in sorted(slots.items()):
            slot.last_asked = now
            snapshot = slot.snapshot
            if snapshot is None or now - slot.fetched_at > self.max_age_s:
                unavailable.append(name)
                continue
            fleets.append(snapshot)
            waited_in_vain = name in due and slot.answered < due[name]
            if slot.error is not None or waited_in_vain:  # the feed's own age: Availability.stale
                stale.append(name)
        return CachedFleets(fleets, unavailable, stale)

    def stop(self) -> None:
        """End every refresher (they also end by themselves when idle)."""
        for slot in list(self._slots.values()):
            slot.last_asked = -self.idle_s - 1
            slot.wake.set()

    # -- inside -----------------------------------------------------------------------------

    def _current_slots(self) -> dict[str, _Slot]:
        if os.getpid() != self._pid:  # forked: the refreshers (and whatever lock they held) did not come along
            self._lock, self._slots, self._pid = threading.Lock(), {}, os.getpid()
        with self._lock:
            for name, provider in self.registry.providers.items():
                if Capability.AVAILABILITY in provider.capabilities and name not in self._slots:
                    self._slots[name] = _Slot(provider)
            return dict(self._slots)

    @staticmethod
    def _ask(slot: _Slot) -> int:
        """A ticket for a refresh beginning after now (one already running may predate a change the caller saw)."""
        with slot.changed:
            slot.asked += 1
            return slot.asked

    def _due(self, slot: _Slot) -> bool:
        return slot.snapshot is None or self._clock() - slot.fetched_at >= self.refresh_s

    def _ensure_running(self, slot: _Slot) -> None:
        with self._lock:
            if slot.thread is not None and slot.thread.is_alive():
                return
            slot.last_asked = self._clock()
            slot.thread = threading.Thread(
                target=self._run, args=(slot,), name=f"fleet-refresh-{slot.provider.name}", daemon=True
            )
            slot.thread.start()

    def _wait_for(self, slots: dict[str, _Slot], due: dict[str, int], deadline: Deadline) -> None:
        until = self._clock() + deadline.share(0.5, cap_s=self.wait_s)
        for name, ticket in due.items():
            slot = slots[name]
            with slot.changed:
                while slot.answered < ticket:
                    left = until - self._clock()
                    if left <= 0:
                        break
                    slot.changed.wait(left)

    def _run(self, slot: _Slot) -> None:
        while self._clock() - slot.last_asked < self.idle_s:
            self._refresh(slot)
            slot.wake.wait(max(self.refresh_s, MIN_LOOP_S) if self.refresh_s > 0 else self.idle_s)
            slot.wake.clear()

    def _refresh(self, slot: _Slot) -> None:
        provider = slot.provider
        error: str | None = None
        snapshot: FleetSnapshot | None = None
        with slot.changed:
            serving = slot.asked  # every ticket handed out so far is older than this refresh
        try:
            with call_deadline(time.monotonic() + REFRESH_TIMEOUT_S):
                snapshot = FleetSnapshot(provider, provider.static_info(), provider.availability())
        except Exception as exc:
            logger.warning("provider %s could not say what it has now", provider.name, exc_info=True)
            error = f"{type(exc).__name__}: {exc}"
        with slot.changed:
            if snapshot is not None:
                slot.snapshot, slot.fetched_at = snapshot, self._clock()
            slot.error = error
            slot.answered = max(slot.answered, serving)
            slot.changed.notify_all()


def fleet_cache(app: Flask) -> FleetCache:
    """The application's fleet cache (made on first use)."""
    cache = app.extensions.get("mobility.fleets")
    if cache is None:
        settings: Settings = app.extensions["mobility.settings"]
        cache = FleetCache(
            app.extensions["mobility.providers"],
            refresh_s=settings.sharing_refresh_seconds,
            wait_s=settings.sharing_wait_seconds,
        )
        app.extensions["mobility.fleets"] = cache
    assert isinstance(cache, FleetCache)
    return cache


class RequestFleets:
    """One request's view of the cache: called (at most once) by :func:`app.sharing.sharing_supply`."""

    def __init__(self, cache: FleetCache, deadline: Deadline) -> None:
        self.cache = cache
        self.deadline = deadline
        self.result: CachedFleets | None = None

    def __call__(self) -> tuple[list[FleetSnapshot], list[str]]:
        """The fleets and the unavailable providers' names."""
        if self.result is None:
            self.result = self.cache.snapshots(self.deadline)
        return self.result.fleets, self.result.unavailable

    @property
    def answered(self) -> list[FleetSnapshot]:
        """The fleets the request got (empty when the cache was not asked)."""
        return [] if self.result is None else self.result.fleets

    @property
    def stale(self) -> list[str]:
        """Providers served from an older snapshot (empty when the cache was not asked)."""
        return [] if self.result is None else self.result.stale


__all__ = ["CachedFleets", "FleetCache", "RequestFleets", "fleet_cache", "serving_from_cache", "stale_warnings"]


def stale_warnings(providers: list[str], language: str) -> list[WarningOut]:
    """One ``provider_stale`` warning per provider served from an older snapshot."""
    return [
        WarningOut(
            code="provider_stale", message=text("warning.provider_stale", language, provider=name), provider=name
        )
        for name in providers
    ]
