"""The arrival-only RAPTOR path is exact: ``TransitRouter.earliest_arrival`` is what ``earliest`` finds.

It must equal the earliest arrival of :meth:`TransitRouter.earliest`'s journeys (None where
that raises NoRoute) and the connection-scan reference (with walking the whole way): on
random tiny timetables over three service days (trips past midnight, the next morning's
first trips), with wheelchair and transfer limits and a direct walk that sometimes wins,
on the demo city and on Porto Alegre (when its data is present), coordinate to coordinate.
Queries run one after another on one router, so labels reused between queries must not
leak from one into the next.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from itertools import islice
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from routing.bench.points import PointQueries
from routing.errors import NoRoute
from routing.planner.errors import PointNotOnNetwork
from routing.region.region import Region
from routing.transit._raptor import INF
from routing.transit.ends import AccessEgress
from routing.transit.options import TransitOptions
from routing.transit.queries import TransitRouter
from routing.transit.reference import earliest_arrival_csa
from routing.transit.service_time import moment_at
from tests.routing.transit.od_samples import od_queries
from tests.routing.transit.point_queries import points_of, stop_ends
from tests.routing.transit.random_timetables import TRANSFERS, random_trips
from tests.routing.transit.tiny_transit import tiny_router

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2026, 11, 23)
UNLIMITED = 8
"""Transfers no journey on the tiny stops or the sampled region pairs needs more of (the reference has no limit)."""


def journeys_arrival(router: TransitRouter, ends: AccessEgress, options: TransitOptions) -> int | None:
    """The earliest arrival among ``earliest``'s journeys, in seconds after the day's reference."""
    try:
        journeys = router.earliest(ends, options)
    except NoRoute:
        return None
    reference = moment_at(ends.day, 0, router.zone)
    return min(round((journey.arrival - reference).total_seconds()) for journey in journeys)


def reference_arrival(router: TransitRouter, ends: AccessEgress, options: TransitOptions) -> int:
    """The connection-scan earliest arrival, or walking the whole way when that is earlier."""
    expected = earliest_arrival_csa(router, ends.day, ends.sources, ends.targets, options=options)
    return expected if ends.direct_arrival is None else min(expected, ends.direct_arrival)


def assert_exact(router: TransitRouter, ends: AccessEgress, options: TransitOptions) -> int | None:
    """earliest_arrival equals the journeys' arrival and the reference (returns it, None: no route).

    The reference knows no transfer limit: it is checked for equality under ``UNLIMITED`` transfers.

    The one difference allowed: the reference also counts walking to a stop and on from
    it without a ride, which is no journey of ``earliest`` (it then gives the direct walk,
    or nothing).
    """
    found = router.earliest_arrival(ends, options)
    assert found == journeys_arrival(router, ends, options)
    expected = reference_arrival(router, ends, options)
    if options.max_transfers < UNLIMITED:  # the reference has no transfer limit: a bound only
        assert (INF if found is None else found) >= expected
    elif found != expected:
        via_stop = min((ends.sources[s] + ends.targets[s] for s in ends.sources if s in ends.targets), default=INF)
        assert expected == via_stop
        assert found == ends.direct_arrival
    return found


@pytest.mark.parametrize("seed", range(8))
def test_random_tiny_timetables(tmp_path: Path, seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    first_hour = (7, 22)[seed % 2]  # evening trips run past midnight into the next service day
    trips = random_trips(rng, routes=6, trips_per_route=6, first_hour=first_hour)
    accessible = frozenset(line.split()[0] for line in trips.splitlines() if rng.random() < 0.6)
    router = tiny_router(tmp_path, trips, first_day=MONDAY, transfers_txt=TRANSFERS, wheelchair_trips=accessible)
    ids = router.timetable.stop_id.to_list()
    found = 0
    for _ in range(60):
        origins = rng.choice(len(ids), size=int(rng.integers(1, 3)), replace=False)
        destinations = rng.choice(len(ids), size=int(rng.integers(1, 3)), replace=False)
        # Monday evening to Tuesday morning: the day before's late trips, the day after's first ones.
        departure = datetime(2026, 11, 23, 6, tzinfo=BERLIN) + timedelta(minutes=int(rng.integers(0, 26 * 60)))
        ends = stop_ends(
            router,
            departure,
            {int(s): int(rng.integers(0, 600)) for s in origins},
            {int(s): int(rng.integers(0, 600)) for s in destinations},
        )
        if rng.random() < 0.3:  # walking the whole way, sometimes the fastest
            ends = replace(ends, direct_arrival=ends.start + int(rng.integers(300, 7200)), direct_meters=1.0)
        limit = (0, 1, 3, UNLIMITED, UNLIMITED)[int(rng.integers(0, 5))]
        options = TransitOptions(wheelchair=bool(rng.random() < 0.3), max_transfers=limit)
        if assert_exact(router, ends, options) is not None:
            found += 1
    assert found > 0  # what was checked: arrivals, not only empty answers


def assert_exact_on_region(queries: PointQueries, region: Region, pairs: int, seed: int) -> int:
    """earliest_arrival is exact coordinate to coordinate; returns how many pairs were checked."""
    checked = answered = 0
    for i, (origin, destination, departure) in enumerate(
        islice(od_queries(region, seed, first_hour=5, hours=19), pairs * 3)
    ):
        if checked == pairs:
            break
        options = TransitOptions(max_transfers=(4, UNLIMITED, 1)[i % 3], wheelchair=i % 5 == 0)
        try:
            ends = queries.ends(origin, destination, departure, options)
        except PointNotOnNetwork:
            continue
        found = assert_exact(queries.transit, ends, options)
        moment = queries.earliest_arrival(origin, destination, departure, options)
        assert moment == (None if found is None else moment_at(ends.day, found, queries.transit.zone))
        answered += found is not None
        checked += 1
    assert answered > 0
    return checked


def test_demo_city(demo_region: Region) -> None:
    assert assert_exact_on_region(points_of(demo_region), demo_region, 40, seed=31) == 40


@pytest.mark.realdata
def test_porto_alegre(porto_alegre: Region) -> None:
    assert assert_exact_on_region(points_of(porto_alegre), porto_alegre, 80, seed=32) == 80
