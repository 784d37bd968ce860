"""Range pruning is exact: a range query finds the same journeys with and without it.

With pruning, each run of a range query looks only for journeys that beat, with as many
trips, what the later departures found, marks only the access stops that catch a trip
the later run did not, and drops labels that a lower bound of the time left shows beaten.
Random timetables on the tiny stops (wheelchair, transfer limits; seeded and drawn by
hypothesis), the demo city and Porto Alegre (when its data is present): every journey
(departure, arrival, trips and legs, up to which of two trips with the same times at
the same stops a leg rides) must be the same as the unpruned search's (every access stop
marked in every run, no bounds: the search before pruning). And per departure
the range search runs from, the earliest arrival of its journeys leaving then or later
is the connection-scan reference's (:mod:`routing.transit.reference`).
"""

from __future__ import annotations

import tempfile
from datetime import date, datetime, timedelta
from itertools import islice
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing.planner.errors import PointNotOnNetwork
from routing.region.region import Region
from routing.transit._raptor import INF
from routing.transit.ends import AccessEgress
from routing.transit.journeys import Journey
from routing.transit.options import TransitOptions
from routing.transit.queries import TransitRouter
from routing.transit.reference import earliest_arrival_csa
from routing.transit.service_time import seconds_since_reference
from tests.routing.transit.od_samples import od_queries
from tests.routing.transit.point_queries import points_of, stop_ends
from tests.routing.transit.random_timetables import TRANSFERS, random_trips
from tests.routing.transit.tiny_transit import tiny_router

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2026, 11, 23)


def _shape(journey: Journey) -> tuple[object, ...]:
    """A journey without the identity of its vehicles: times, stops and walks of every leg."""
    legs = tuple(
        (type(leg).__name__, leg.from_stop, leg.to_stop, leg.departure, leg.arrival, getattr(leg, "meters", None))
        for leg in journey.legs
    )
    return journey.departure, journey.arrival, journey.transfers, journey.walking_seconds, legs


def assert_same_range(router: TransitRouter, ends: AccessEgress, latest: datetime, options: TransitOptions) -> int:
    """Both range searches return the same journeys; returns how many.

    Equal leg for leg, but for exact ties: two trips leaving one stop and reaching the next
    stop of the journey at the same times are the same ride here (which one a search
    keeps depends on the order it scans routes in, and the pruned search scans fewer).
    """
    plain = router.range_departures(ends, latest, options, range_pruning=False)
    pruned = router.range_departures(ends, latest, options)
    assert [_shape(j) for j in pruned] == [_shape(j) for j in plain]
    return len(plain)


def assert_profile_is_reference(
    router: TransitRouter, ends: AccessEgress, latest: datetime, options: TransitOptions
) -> int:
    """Per departure run from: the best arrival of the journeys leaving then or later is the connection scan's.

    Needs ends without a direct walk and without a stop that is both a source and a
    target (RAPTOR's round 0 walks to such a stop and on; the scan counts only rides).
    Returns how many departures had a journey.
    """
    journeys = router.range_departures(ends, latest, options)

    def seconds(moment: datetime) -> int:
        return seconds_since_reference(moment, ends.day, router.zone)

    end = seconds(latest)
    answered = 0
    for leave in router._departure_candidates(ends, end, options):
        sources = {stop: leave + arrival - ends.start for stop, arrival in ends.sources.items()}
        expected = earliest_arrival_csa(router, ends.day, sources, ends.targets, options=options)
        found = min((seconds(j.arrival) for j in journeys if seconds(j.departure) >= leave), default=int(INF))
        assert found == expected, f"leaving at {leave}"
        answered += found < INF
    return answered


def random_range_case(
    rng: np.random.Generator, folder: Path
) -> tuple[TransitRouter, AccessEgress, datetime, TransitOptions]:
    """A random tiny timetable and range query (origins and destinations apart, no direct walk)."""
    trips = random_trips(rng, routes=6, trips_per_route=6)
    accessible = frozenset(line.split()[0] for line in trips.splitlines() if rng.random() < 0.6)
    router = tiny_router(folder, trips, first_day=MONDAY, transfers_txt=TRANSFERS, wheelchair_trips=accessible)
    stops = rng.permutation(len(router.timetable.stop_id))
    origins, destinations = stops[: int(rng.integers(1, 4))], stops[-int(rng.integers(1, 3)) :]
    departure = datetime(2026, 11, 23, 7, tzinfo=BERLIN) + timedelta(minutes=int(rng.integers(0, 60)))
    ends = stop_ends(
        router,
        departure,
        {int(s): int(rng.integers(0, 600)) for s in origins},
        {int(s): int(rng.integers(0, 600)) for s in destinations},
    )
    options = TransitOptions(wheelchair=bool(rng.random() < 0.3), max_transfers=int(rng.integers(0, 5)))
    return router, ends, departure + timedelta(minutes=int(rng.integers(10, 120))), options


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_drawn_tiny_timetables(seed: int) -> None:
    """Pruned = plain, and the profile is the reference's (enough transfers for the unlimited scan)."""
    rng = np.random.default_rng(seed)
    with tempfile.TemporaryDirectory() as folder:
        router, ends, latest, options = random_range_case(rng, Path(folder))
        assert_same_range(router, ends, latest, options)
        assert_profile_is_reference(
            router, ends, latest, TransitOptions(wheelchair=options.wheelchair, max_transfers=8)
        )


@pytest.mark.parametrize("seed", range(4))
def test_random_tiny_profiles_are_the_reference(tmp_path: Path, seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    answered = 0
    for case in range(20):
        router, ends, latest, options = random_range_case(rng, tmp_path / str(case))
        answered += assert_profile_is_reference(
            router, ends, latest, TransitOptions(wheelchair=options.wheelchair, max_transfers=8)
        )
    assert answered > 0


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
