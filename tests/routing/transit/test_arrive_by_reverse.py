"""Arrive-by by reverse RAPTOR is exact: the same latest departures as the range search over the window.

Per query, the Pareto set over (later departure, fewer trips) of ``arrive_by`` must be the
one of ``arrive_by_ranges`` (range RAPTOR over 3 h, then 9 h: what ``arrive_by`` did
before), with the same arrivals, on random tiny timetables (with wheelchair queries and
a real-time delay), the demo city and Porto Alegre (when its data is present).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from itertools import islice
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from google.transit import gtfs_realtime_pb2 as rt

from routing.errors import NoRoute
from routing.planner.errors import PointNotOnNetwork
from routing.region.region import Region
from routing.transit.ends import AccessEgress
from routing.transit.options import TransitOptions
from routing.transit.queries import TransitRouter
from routing.transit.realtime import TripLocator
from routing.transit.realtime_parse import parse_trip_updates
from tests.routing.transit.od_samples import od_queries
from tests.routing.transit.point_queries import points_of, stop_ends
from tests.routing.transit.random_timetables import TRANSFERS, random_trips
from tests.routing.transit.realtime_feeds import message
from tests.routing.transit.tiny_transit import tiny_router

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2026, 11, 23)


def assert_same_latest(
    router: TransitRouter,
    ends_at: Callable[[datetime], AccessEgress],
    arrival: datetime,
    options: TransitOptions,
    caplog: pytest.LogCaptureFixture,
) -> int:
    """Both searches agree, the reverse one without falling back; returns the number of journeys."""
    with caplog.at_level(logging.WARNING, logger="routing.transit.queries"):
        caplog.clear()
        try:
            reverse = [(j.departure, j.transfers, j.arrival) for j in router.arrive_by(ends_at, arrival, options)]
        except NoRoute:
            reverse = []
        assert not caplog.records, "reverse and forward RAPTOR disagree"
    try:
        ranges = [(j.departure, j.transfers, j.arrival) for j in router.arrive_by_ranges(ends_at, arrival, options)]
    except NoRoute:
        ranges = []
    assert reverse == ranges
    return len(reverse)


def stop_query(router: TransitRouter, rng: np.random.Generator) -> Callable[[datetime], AccessEgress]:
    count = len(router.timetable.stop_id)
    origins = {
        int(s): int(rng.integers(0, 600)) for s in rng.choice(count, size=int(rng.integers(1, 3)), replace=False)
    }
    targets = {
        int(s): int(rng.integers(0, 600)) for s in rng.choice(count, size=int(rng.integers(1, 3)), replace=False)
    }
    return lambda moment: stop_ends(router, moment, origins, targets)


@pytest.mark.parametrize("seed", range(6))
def test_random_tiny_timetables(tmp_path: Path, seed: int, caplog: pytest.LogCaptureFixture) -> None:
    rng = np.random.default_rng(seed)
    trips = random_trips(rng, routes=6, trips_per_route=8)
    accessible = frozenset(line.split()[0] for line in trips.splitlines() if rng.random() < 0.6)
    router = tiny_router(tmp_path, trips, first_day=MONDAY, transfers_txt=TRANSFERS, wheelchair_trips=accessible)
    found = 0
    for _ in range(40):
        arrival = datetime(2026, 11, 23, 7, 20, tzinfo=BERLIN) + timedelta(minutes=int(rng.integers(0, 180)))
        options = TransitOptions(wheelchair=bool(rng.random() < 0.3), max_transfers=int(rng.integers(0, 4)))
        found += assert_same_latest(router, stop_query(router, rng), arrival, options, caplog)
    assert found > 0


def test_a_real_time_delay_is_respected(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    rng = np.random.default_rng(99)
    router = tiny_router(tmp_path, random_trips(rng, routes=5, trips_per_route=8), first_day=MONDAY)
    delays = []
    for route in range(5):
        for trip in (2, 5):
            update = rt.TripUpdate()
            update.trip.trip_id, update.trip.start_date = f"r{route}t{trip}", "20261123"
            first = update.stop_time_update.add(stop_sequence=1)
            first.arrival.delay = first.departure.delay = 420
            delays.append(update)
    overlay = parse_trip_updates(message(*delays), TripLocator(router.timetable), BERLIN, feed="kvg")
    assert overlay.trips
    router.apply_realtime(overlay)
    found = 0
    for _ in range(40):
        arrival = datetime(2026, 11, 23, 7, 30, tzinfo=BERLIN) + timedelta(minutes=int(rng.integers(0, 150)))
        found += assert_same_latest(router, stop_query(router, rng), arrival, TransitOptions(), caplog)
    assert found > 0


def assert_same_on_region(region: Region, pairs: int, seed: int, caplog: pytest.LogCaptureFixture) -> int:
    queries = points_of(region)
    options = TransitOptions()
    checked = 0
    for origin, destination, arrival in islice(od_queries(region, seed, first_hour=6, hours=14), pairs * 3):
        if checked == pairs:
            break
        try:
            points = queries.access.points(origin, destination)
        except PointNotOnNetwork:
            continue
        start, end = points.origin(options.profile), points.destination(options.profile)

        def ends_at(moment: datetime, start: object = start, end: object = end) -> AccessEgress:
            return queries.access.ends(start, end, moment, options)  # type: ignore[arg-type]

        assert_same_latest(queries.transit, ends_at, arrival, options, caplog)
        checked += 1
    return checked


def test_demo_city(demo_region: Region, caplog: pytest.LogCaptureFixture) -> None:
    assert assert_same_on_region(demo_region, 30, seed=13, caplog=caplog) == 30


@pytest.mark.realdata
def test_porto_alegre(porto_alegre: Region, caplog: pytest.LogCaptureFixture) -> None:
    assert assert_same_on_region(porto_alegre, 30, seed=14, caplog=caplog) == 30
