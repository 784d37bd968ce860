"""The fleet cache never answers a request with a refresh that began before the request asked."""

from __future__ import annotations

import threading
from collections import defaultdict
from typing import Any

from app.deadlines import Deadline
from app.fleet_cache import CachedFleets, FleetCache
from providers.model import Capability
from providers.registry import ProviderRegistry

WAIT_S = 60.0  # only an upper bound: every wait below ends by an event, never by this running out


class GatedProvider:
    """A provider whose fleet is ``version``; with ``hold`` on, each refresh reads it, then waits for its own gate."""

    name = "gated"
    capabilities = frozenset({Capability.AVAILABILITY})

    def __init__(self) -> None:
        self.version = 0
        self.hold = False
        self.calls = 0
        self.entered: defaultdict[int, threading.Event] = defaultdict(threading.Event)
        self.gates: defaultdict[int, threading.Event] = defaultdict(threading.Event)

    def static_info(self) -> str:
        return "info"

    def availability(self) -> int:
        call, seen = self.calls, self.version
        self.calls += 1
        self.entered[call].set()
        if self.hold:
            self.gates[call].wait(WAIT_S)
        return seen


def _versions(answer: CachedFleets) -> list[Any]:
    return [fleet.availability for fleet in answer.fleets]


def test_a_request_after_a_change_waits_for_a_refresh_begun_after_it_not_the_one_in_flight() -> None:
    provider = GatedProvider()
    registry = ProviderRegistry(providers={"gated": provider})  # type: ignore[dict-item]
    cache = FleetCache(registry, refresh_s=0, wait_s=WAIT_S)
    try:
        assert _versions(cache.snapshots(Deadline.start(WAIT_S))) == [0]
        slot = cache._slots["gated"]
        with slot.changed:  # the refresher is idle now (a refresh the first request woke may have run)
            provider.hold = True
            in_flight = provider.calls
        slot.wake.set()  # a refresh begins (as after another request) and reads version 0
        assert provider.entered[in_flight].wait(WAIT_S)
        provider.version = 1  # then the fleet changes: a bike is reserved

        asked = threading.Event()
        waiting = cache._wait_for

        def wait_for(*arguments: Any) -> None:
            asked.set()  # the request has taken its ticket and now waits
            waiting(*arguments)

        cache._wait_for = wait_for  # type: ignore[method-assign,assignment]
        answers: list[CachedFleets] = []
        request = threading.Thread(target=lambda: answers.append(cache.snapshots(Deadline.start(2 * WAIT_S))))
        request.start()
        assert asked.wait(WAIT_S)
        provider.gates[in_flight].set()  # the old refresh ends with version 0: the request must not take it
        if provider.entered[in_flight + 1].wait(WAIT_S):  # the refresh the request asked for reads version 1
            provider.gates[in_flight + 1].set()
        request.join(2 * WAIT_S)
        assert not request.is_alive()
        assert _versions(answers[0]) == [1] and answers[0].stale == []
    finally:
        provider.hold = False
        for gate in list(provider.gates.values()):
            gate.set()
        cache.stop()
