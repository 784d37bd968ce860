"""McRAPTOR target pruning is exact: the pruned search finds the Pareto set of the plain one.

Random timetables on the tiny stops, the demo city and Porto Alegre (when its data is
present); every journey (criteria and legs) must be the same with and without pruning
(unless the plain search's bags overflowed: then the pruned one may only find more).
"""

from __future__ import annotations

import logging
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
from tests.routing.transit.od_samples import od_queries
from tests.routing.transit.point_queries import points_of, stop_ends
from tests.routing.transit.random_timetables import TRANSFERS, random_trips
from tests.routing.transit.tiny_transit import tiny_router

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2026, 11, 23)


def criteria(journey: Journey) -> tuple[float, float, int, int]:
    return (journey.arrival.timestamp(), journey.walking_seconds, journey.transfers, journey.price_cents or 0)


def assert_same_pareto(
    router: TransitRouter, ends: AccessEgress, options: TransitOptions, caplog: pytest.LogCaptureFixture
) -> int:
    """Both searches agree (answer or NoRoute); returns the number of journeys.

    Where the plain search's bags overflowed (it then refuses labels and may miss Pareto
    points, as it logs), the pruned one, with fuller bags of fewer labels, must find every
    point the plain one found or one that dominates it.
    """
    with caplog.at_level(logging.INFO, logger="routing.transit.queries"):
        caplog.clear()
        try:
            plain: list[Journey] = router.pareto(ends, options, target_pruning=False)
        except NoRoute:
            plain = []
        overflowed = any("overflowed" in record.getMessage() for record in caplog.records)
    try:
        pruned: list[Journey] = router.pareto(ends, options)
    except NoRoute:
        pruned = []
    if overflowed:
        for journey in plain:
            assert any(all(x <= y for x, y in zip(criteria(j), criteria(journey), strict=True)) for j in pruned)
    else:
        assert pruned == plain
    return len(plain)


@pytest.mark.parametrize("seed", range(6))
def test_random_tiny_timetables(tmp_path: Path, seed: int, caplog: pytest.LogCaptureFixture) -> None:
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
        found += assert_same_pareto(router, ends, options, caplog)
    assert found > 0


def assert_same_on_region(region: Region, pairs: int, seed: int, caplog: pytest.LogCaptureFixture) -> int:
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
        assert_same_pareto(queries.transit, ends, options, caplog)
        checked += 1
    return checked


def test_demo_city(demo_region: Region, caplog: pytest.LogCaptureFixture) -> None:
    assert assert_same_on_region(demo_region, 30, seed=11, caplog=caplog) == 30


@pytest.mark.realdata
def test_porto_alegre(porto_alegre: Region, caplog: pytest.LogCaptureFixture) -> None:
    assert assert_same_on_region(porto_alegre, 60, seed=12, caplog=caplog) == 60
