"""Choosing transit journeys on their numbers gives what choosing on their built itineraries gives.

The reference builds every journey's itinerary (legs, names, street geometry) and runs
:func:`select` over them, as the planner did before; the planner now selects on
:func:`journey_numbers` and builds only the kept. Both run on real data (Porto Alegre)
and on the demo city, leaving at and arriving by a time.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from routing.errors import NoRoute
from routing.planner.itinerary import Itinerary
from routing.planner.planner import ARRIVE_BY_SEARCH, Planner, PlanningError, journey_numbers, select
from routing.planner.request import PlanRequest
from routing.region.region import Region
from routing.street.router import walking_speeds
from routing.transit.journeys import TransitLeg

PAIRS = 40


def _reference(planner: Planner, request: PlanRequest) -> list[Itinerary]:
    """Every journey's itinerary built in full, then :func:`select` (the planner before choosing on numbers)."""
    options = request.transit_options()
    router = planner.access.street("walk")
    origin, destination = router.snap(*request.origin), router.snap(*request.destination)

    def ends_at(moment: datetime):  # type: ignore[no-untyped-def]
        return planner.access.ends(origin, destination, moment, options)

    try:
        if request.arrive_by:
            journeys = planner.transit.arrive_by(ends_at, request.time, options, window=ARRIVE_BY_SEARCH)
        else:
            journeys = planner.transit.pareto(ends_at(request.time), options)
    except NoRoute:
        return []
    speeds = walking_speeds(request.walk_kmh)
    built = []
    for journey in journeys:
        if not any(isinstance(leg, TransitLeg) for leg in journey.legs):
            continue
        late = planner.transit.leave_late(journey, options)
        full = planner.legs.from_journey(late, request, router, origin, destination, speeds)
        assert full is not None
        numbers = journey_numbers(late)  # the numbers are the built itinerary's
        assert (numbers.start, numbers.end) == (full.start, full.end)
        assert (numbers.transfers, numbers.walk_seconds) == (full.transfers, full.walk_seconds)
        built.append(full)
    return select(built, arrive_by=request.arrive_by, requested=request.time, max_wait_s=request.max_wait_s)


def _requests(region: Region, seed: int, zone: ZoneInfo, day: datetime) -> list[PlanRequest]:
    timetable = region.timetable
    rng = random.Random(seed)
    stops = [i for i in range(len(timetable.stop_id)) if timetable.stop_location_type[i] == 0]
    requests = []
    for _ in range(PAIRS):
        a, b = rng.sample(stops, 2)
        moment = day.replace(tzinfo=zone) + timedelta(minutes=rng.randrange(6 * 60, 21 * 60))
        requests.append(
            PlanRequest(
                origin=(float(timetable.stop_lat[a]) + 0.001, float(timetable.stop_lon[a])),
                destination=(float(timetable.stop_lat[b]), float(timetable.stop_lon[b]) - 0.001),
                time=moment,
                arrive_by=rng.random() < 0.3,
            )
        )
    return requests


def _check(region: Region, seed: int) -> int:
    planner = Planner(region)
    day = datetime.combine(region.timetable.day0 + timedelta(days=1), datetime.min.time())
    compared = 0
    for request in _requests(region, seed, planner.transit.zone, day):
        try:
            chosen = planner._transit(request)
        except PlanningError:
            continue
        assert chosen == _reference(planner, request), request
        compared += bool(chosen)
    return compared


def test_choosing_on_numbers_on_real_data(porto_alegre: Region) -> None:
    assert _check(porto_alegre, seed=19) >= PAIRS // 5  # many stops lie outside the OSM extract


@pytest.mark.parametrize("seed", [3])
def test_choosing_on_numbers_on_the_demo_city(demo_region: Region, seed: int) -> None:
    assert _check(demo_region, seed=seed) >= PAIRS // 2
