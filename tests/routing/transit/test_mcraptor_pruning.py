"""McRAPTOR target pruning is exact: the pruned search finds the Pareto set of the plain one.

Random timetables on the tiny stops, the demo city and Porto Alegre (when its data is
present); every journey (criteria and legs) must be the same with and without pruning.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from itertools import islice
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from routing.errors import NoRoute
from routing.planner.errors import PointNotOnNetwork
from routing.region.region import Region
from routing.transit.ends import AccessEgress
from routing.transit.journeys import Journey
from routing.transit.options import TransitOptions
from routing.transit.queries import TransitRouter
from tests.routing.od_samples import od_queries
from tests.routing.point_queries import points_of, stop_ends
from tests.routing.tiny_transit import tiny_router
from tests.routing.transit.random_timetables import TRANSFERS, random_trips

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2026, 11, 23)


def assert_same_pareto(router: TransitRouter, ends: AccessEgress, options: TransitOptions) -> int:
    """Both searches agree (answer or NoRoute); returns the number of journeys."""
    try:
        plain: list[Journey] | None = router.pareto(ends, options, target_pruning=False)
    except NoRoute:
        plain = None
    try:
        pruned: list[Journey] | None = router.pareto(ends, options)
    except NoRoute:
        pruned = None
    assert pruned == plain
    return len(plain or [])


@pytest.mark.parametrize("seed", range(6))
def test_random_tiny_timetables(tmp_path: Path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    trips = random_trips(rng, routes=6, trips_per_route=6)
    accessible = frozenset(line.split()[0] for line in trips.splitlines() if rng.random() < 0.6)
    router = tiny_router(tmp_path, trips, first_day=MONDAY, transfers_txt=TRANSFERS, wheelchair_trips=accessible)
    ids = router.timetable.stop_id.to_list()
    prices = {f"kvg:{route}": int(rng.integers(100, 400)) for route in range(6)}
    found = 0
    for _ in range(40):
        origins = rng.choice(len(ids), size=int(rng.integers(1, 3)), replace=False)
        destinations = rng.choice(len(ids), size=int(rng.integers(1, 3)), replace=False)
        departure = datetime(2026, 11, 23, 7, tzinfo=BERLIN) + timedelta(minutes=int(rng.integers(0, 90)))
        ends = stop_ends(
            router,
            departure,
            {int(s): int(rng.integers(0, 600)) for s in origins},
            {int(s): int(rng.integers(0, 600)) for s in destinations},
        )
        options = TransitOptions(
            ride_price_cents=prices if rng.random() < 0.3 else None, wheelchair=bool(rng.random() < 0.3)
        )
        found += assert_same_pareto(router, ends, options)
    assert found > 0


def assert_same_on_region(region: Region, pairs: int, seed: int) -> int:
    queries = points_of(region)
    options = TransitOptions()
    checked = 0
    for origin, destination, departure in islice(od_queries(region, seed, first_hour=6, hours=14), pairs * 3):
        if checked == pairs:
            break
        try:
            ends = queries.ends(origin, destination, departure, options)
        except PointNotOnNetwork:
            continue
        assert_same_pareto(queries.transit, ends, options)
        checked += 1
    return checked


def test_demo_city(demo_region: Region) -> None:
    assert assert_same_on_region(demo_region, 30, seed=11) == 30


@pytest.mark.realdata
def test_porto_alegre(porto_alegre: Region) -> None:
    assert assert_same_on_region(porto_alegre, 30, seed=12) == 30
