"""Range pruning is exact: a range query finds the same journeys with and without it.

With pruning, each run of a range query looks only for journeys that beat, with as many
trips, what the later departures found. Random timetables on the tiny stops (wheelchair,
transfer limits), the demo city and Porto Alegre (when its data is present): every
journey (departure, arrival, trips and legs) must be the same as the unpruned search's.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from itertools import islice
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from routing.planner.errors import PointNotOnNetwork
from routing.region.region import Region
from routing.transit.ends import AccessEgress
from routing.transit.options import TransitOptions
from routing.transit.queries import TransitRouter
from tests.routing.transit.od_samples import od_queries
from tests.routing.transit.point_queries import points_of, stop_ends
from tests.routing.transit.random_timetables import TRANSFERS, random_trips
from tests.routing.transit.tiny_transit import tiny_router

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2026, 11, 23)


def assert_same_range(router: TransitRouter, ends: AccessEgress, latest: datetime, options: TransitOptions) -> int:
    """Both range searches return the same journeys; returns how many."""
    plain = router.range_departures(ends, latest, options, range_pruning=False)
    pruned = router.range_departures(ends, latest, options)
    assert pruned == plain
    return len(plain)


@pytest.mark.parametrize("seed", range(6))
def test_random_tiny_timetables(tmp_path: Path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    trips = random_trips(rng, routes=6, trips_per_route=6)
    accessible = frozenset(line.split()[0] for line in trips.splitlines() if rng.random() < 0.6)
    router = tiny_router(tmp_path, trips, first_day=MONDAY, transfers_txt=TRANSFERS, wheelchair_trips=accessible)
    ids = router.timetable.stop_id.to_list()
    found = 0
    for _ in range(40):
        origins = rng.choice(len(ids), size=int(rng.integers(1, 3)), replace=False)
        destinations = rng.choice(len(ids), size=int(rng.integers(1, 3)), replace=False)
        departure = datetime(2026, 11, 23, 7, tzinfo=BERLIN) + timedelta(minutes=int(rng.integers(0, 60)))
        ends = stop_ends(
            router,
            departure,
            {int(s): int(rng.integers(0, 600)) for s in origins},
            {int(s): int(rng.integers(0, 600)) for s in destinations},
        )
        options = TransitOptions(wheelchair=bool(rng.random() < 0.3), max_transfers=int(rng.integers(0, 5)))
        found += assert_same_range(router, ends, departure + timedelta(minutes=int(rng.integers(10, 120))), options)
    assert found > 0  # what was checked: journeys, not only empty answers


def assert_same_on_region(region: Region, pairs: int, seed: int) -> int:
    queries = points_of(region)
    options = TransitOptions()
    checked = found = 0
    for origin, destination, departure in islice(od_queries(region, seed, first_hour=6, hours=14), pairs * 3):
        if checked == pairs:
            break
        try:
            ends = queries.ends(origin, destination, departure, options)
        except PointNotOnNetwork:
            continue
        found += assert_same_range(queries.transit, ends, departure + timedelta(hours=1), options)
        checked += 1
    assert found > 0
    return checked


def test_demo_city(demo_region: Region) -> None:
    assert assert_same_on_region(demo_region, 30, seed=21) == 30


@pytest.mark.realdata
def test_porto_alegre(porto_alegre: Region) -> None:
    assert assert_same_on_region(porto_alegre, 60, seed=22) == 60
