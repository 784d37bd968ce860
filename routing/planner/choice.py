"""Choosing the answer: the small Pareto set of itineraries shown for one request, labelled.

Each itinerary is kept only when no other one is at least as good in time (arrival, or
departure for arrive-by), transfers, walking and, when given, price; each kept one is
labelled with what it is best at. :func:`select_numbers` makes the same choice on transit
journeys' numbers before any leg is built, so only the kept itineraries are drawn.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import pairwise
from typing import Protocol, TypeVar

from routing.pareto import non_dominated
from routing.planner.itinerary import Itinerary
from routing.planner.request import Mode
from routing.transit.journeys import Journey, WalkLeg

MAX_ITINERARIES = 6


class Ranked(Protocol):
    """What the labels are computed from: an itinerary or a journey's numbers."""

    @property
    def transfers(self) -> int:
        """Changes between vehicles."""
        ...

    @property
    def walk_seconds(self) -> int:
        """Seconds on foot."""
        ...

    @property
    def duration_s(self) -> int:
        """Door-to-door seconds."""
        ...


T = TypeVar("T", bound=Ranked)


def _best_of(kept: Sequence[T], time_key: Callable[[T], float]) -> dict[str, T]:
    """The kept item best at each label: fastest, fewest transfers, least walking (ties broken by time)."""
    return {
        "fastest": min(kept, key=lambda item: (time_key(item), item.duration_s)),
        "fewest_transfers": min(kept, key=lambda item: (item.transfers, time_key(item))),
        "least_walking": min(kept, key=lambda item: (item.walk_seconds, time_key(item))),
    }


def _ordered(items: list[T], key: Callable[[T], tuple[float, ...]], time_key: Callable[[T], float]) -> list[T]:
    """The Pareto set of ``items`` under ``key``, ordered by time, then transfers, walking and duration."""
    kept = non_dominated(items, key)
    kept.sort(key=lambda item: (time_key(item), item.transfers, item.walk_seconds, item.duration_s))
    return kept


def longest_wait_s(itinerary: Itinerary, requested: datetime, *, arrive_by: bool) -> float:
    """The longest wait of ``itinerary``: from the requested time to leaving (arriving: arrive-by), or between legs."""
    edge = requested - itinerary.end if arrive_by else itinerary.start - requested
    legs = itinerary.legs
    gaps = [(later.start - earlier.end).total_seconds() for earlier, later in pairwise(legs)]
    return max([edge.total_seconds(), *gaps])


def _uses_transit(itinerary: Itinerary) -> bool:
    return any(leg.mode is Mode.TRANSIT for leg in itinerary.legs)


@dataclass(frozen=True)
class JourneyNumbers:
    """What :func:`select` reads of a transit journey's itinerary, computed from the journey's own legs.

    The same rules as the itinerary :meth:`~routing.planner.legs.LegBuilder.from_journey`
    would build: walks that go nowhere are left out (:func:`~routing.planner.legs.empty_walk`),
    runs of walks count as one (:func:`~routing.planner.legs.merge_walks`).
    """

    journey: Journey
    signature: tuple[object, ...]
    """Equal exactly when the itineraries' signatures are (stops by index instead of id)."""
    start: datetime
    end: datetime
    transfers: int
    walk_seconds: int
    gaps_s: tuple[float, ...]
    """Waits between consecutive legs."""

    @property
    def duration_s(self) -> int:
        """Door-to-door seconds."""
        return round((self.end - self.start).total_seconds())


def _journey_walk_goes_nowhere(leg: WalkLeg) -> bool:
    """:func:`~routing.planner.legs.empty_walk` for a journey's walk leg."""
    if leg.from_stop is not None and leg.from_stop == leg.to_stop:
        return True
    seconds = round((leg.arrival - leg.departure).total_seconds())
    return leg.meters < 0.5 and seconds == 0 and None in (leg.from_stop, leg.to_stop)


def journey_numbers(journey: Journey) -> JourneyNumbers:
    """The numbers of ``journey``'s itinerary (see :class:`JourneyNumbers`), without building it."""
    legs = [leg for leg in journey.legs if not (isinstance(leg, WalkLeg) and _journey_walk_goes_nowhere(leg))] or list(
        journey.legs
    )
    parts: list[tuple[bool, str | None, int | None, int | None, datetime, datetime]] = []
    for leg in legs:
        walk = isinstance(leg, WalkLeg)
        if walk and parts and parts[-1][0]:  # a run of walks is one walk leg
            first = parts[-1]
            parts[-1] = (True, None, first[2], leg.to_stop, first[4], leg.arrival)
            continue
        trip_id = None if isinstance(leg, WalkLeg) else leg.trip_id
        parts.append((walk, trip_id, leg.from_stop, leg.to_stop, leg.departure, leg.arrival))
    rides = sum(1 for part in parts if not part[0])
    return JourneyNumbers(
        journey=journey,
        signature=tuple(parts),
        start=parts[0][4],
        end=parts[-1][5],
        transfers=max(rides - 1, 0),
        walk_seconds=sum(round((part[5] - part[4]).total_seconds()) for part in parts if part[0]),
        gaps_s=tuple((later[4] - earlier[5]).total_seconds() for earlier, later in pairwise(parts)),
    )


def select_numbers(
    candidates: Iterable[JourneyNumbers],
    *,
    arrive_by: bool,
    requested: datetime | None = None,
    max_wait_s: float | None = None,
) -> list[tuple[JourneyNumbers, list[str], bool]]:
    """:func:`select` without prices on transit journeys' numbers: (kept, its labels, long wait), best first.

    The same steps as :func:`select` (de-duplication, long waits, Pareto set over time,
    transfers and walking, order, at most ``MAX_ITINERARIES``, labels), so building the
    itineraries of the kept journeys gives what :func:`select` returns for all of them.
    """
    unique: dict[tuple[object, ...], JourneyNumbers] = {}
    for numbers in candidates:
        unique.setdefault(numbers.signature, numbers)
    items = list(unique.values())

    def time_key(numbers: JourneyNumbers) -> float:
        return -numbers.start.timestamp() if arrive_by else numbers.end.timestamp()

    long_wait = False
    if requested is not None and max_wait_s is not None:

        def wait(numbers: JourneyNumbers) -> float:
            edge = requested - numbers.end if arrive_by else numbers.start - requested
            return max([edge.total_seconds(), *numbers.gaps_s])

        short = [item for item in items if wait(item) <= max_wait_s]
        items, long_wait = (short, False) if short else (items, True)

    def key(numbers: JourneyNumbers) -> tuple[float, ...]:
        return (time_key(numbers), float(numbers.transfers), float(numbers.walk_seconds))

    kept = _ordered(items, key, time_key)[:MAX_ITINERARIES]
    if not kept:
        return []
    best = _best_of(kept, time_key)
    labelled = [(item, [label for label, chosen in best.items() if chosen is item], long_wait) for item in kept]
    return [entry for entry in labelled if entry[1]]


def select(
    candidates: Iterable[Itinerary],
    *,
    arrive_by: bool,
    price: Callable[[Itinerary], float] | None = None,
    requested: datetime | None = None,
    max_wait_s: float | None = None,
) -> list[Itinerary]:
    """De-duplicate, keep the Pareto set (time, transfers, walking, and price when given), label and order it.

    Time is the arrival for departure queries and the departure (later is better) for
    arrive-by queries; the set is ordered by that time, best first, at most
    ``MAX_ITINERARIES`` (the cheapest is always among them). Before that, a transit
    itinerary goes when a trip without transit is at least as good in time and costs
    no more (without ``price``: when that trip is free, on foot or by own bike); with
    ``requested`` and ``max_wait_s``, itineraries waiting longer (see
    :func:`longest_wait_s`) go when others do not, and are flagged ``long_wait`` when
    they are all there is. Every itinerary returned has at least one label (``fastest``,
    ``fewest_transfers``, ``least_walking``, ``cheapest``); one best at nothing is left out.
    """
    unique: dict[tuple[object, ...], Itinerary] = {}
    for itinerary in candidates:
        unique.setdefault(itinerary.signature(), itinerary)
    items = list(unique.values())

    def time_key(itinerary: Itinerary) -> float:
        return -itinerary.start.timestamp() if arrive_by else itinerary.end.timestamp()

    if requested is not None and max_wait_s is not None:
        waits = {id(item): longest_wait_s(item, requested, arrive_by=arrive_by) for item in items}
        short = [item for item in items if waits[id(item)] <= max_wait_s]
        items = (
            [replace(item, long_wait=False) for item in short]
            if short
            else [replace(item, long_wait=True) for item in items]
        )

    prices = {id(item): price(item) for item in items} if price is not None else {}

    def cost(itinerary: Itinerary) -> float | None:
        """The price when known; None (unknown) for trips using transit or shared vehicles without prices."""
        if prices:
            return prices[id(itinerary)]
        free = all(leg.mode in (Mode.WALK, Mode.BIKE) for leg in itinerary.legs)
        return 0.0 if free else None

    street = [item for item in items if not _uses_transit(item)]

    def beaten_by_street(itinerary: Itinerary) -> bool:
        if not _uses_transit(itinerary):
            return False
        mine = cost(itinerary)
        for other in street:
            theirs = cost(other)
            if time_key(other) > time_key(itinerary) or theirs is None:
                continue
            if mine is None or theirs <= mine:
                return True
        return False

    items = [item for item in items if not beaten_by_street(item)]

    def key(itinerary: Itinerary) -> tuple[float, ...]:
        base = (time_key(itinerary), float(itinerary.transfers), float(itinerary.walk_seconds))
        return (*base, prices[id(itinerary)]) if prices else base

    kept = _ordered(items, key, time_key)
    cheapest = min(kept, key=lambda item: (prices[id(item)], time_key(item))) if prices and kept else None
    kept = kept[:MAX_ITINERARIES]
    if cheapest is not None and cheapest not in kept:
        kept[-1] = cheapest
    if not kept:
        return []
    best = _best_of(kept, time_key)
    if cheapest is not None:
        best["cheapest"] = cheapest
    labelled = [replace(item, labels=[label for label, chosen in best.items() if chosen is item]) for item in kept]
    return [item for item in labelled if item.labels]
