"""Coordinate-to-coordinate transit queries, checked against the connection-scan reference."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from routing.bench.points import PointQueries
from routing.errors import NoRoute
from routing.planner.errors import PointNotOnNetwork
from routing.region.region import Region, load_region
from routing.transit._raptor import INF
from routing.transit.journeys import TransitLeg, WalkLeg
from routing.transit.options import TransitOptions
from routing.transit.reference import earliest_arrival_csa
from routing.transit.service_time import elapsed_seconds
from tests.routing.transit.od_samples import od_queries
from tests.routing.transit.point_queries import points_of

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(scope="module")
def demo_router(demo_region: Region) -> PointQueries:
    return points_of(demo_region)


def corner(region: Region, fx: float, fy: float) -> tuple[float, float]:
    west, south, east, north = region.manifest.bbox
    return south + fy * (north - south), west + fx * (east - west)


def assert_matches_reference(router: PointQueries, region: Region, pairs: int, seed: int) -> int:
    checked = 0
    for i, (origin, destination, departure) in zip(range(pairs * 3), od_queries(region, seed), strict=False):
        if checked == pairs:
            break
        options = TransitOptions(max_transfers=8, wheelchair=bool(i % 5 == 0))
        try:
            ends = router.ends(origin, destination, departure, options)
        except PointNotOnNetwork:
            continue
        front = router.transit.run(
            ends.day,
            ends.sources,
            ends.targets,
            options=options,
            labels=router.transit.new_labels(options),
            direct_arrival=ends.direct_arrival,
        )
        expected = earliest_arrival_csa(router.transit, ends.day, ends.sources, ends.targets, options=options)
        if ends.direct_arrival is not None:
            expected = min(expected, ends.direct_arrival)
        rides = [arrival for trips, arrival in front if trips > 0]  # the planner's journeys: >= 1 trip, or the walk
        found = min(rides + ([ends.direct_arrival] if ends.direct_arrival is not None else []), default=INF)
        assert found == expected, f"pair {i}: {origin} -> {destination} at {departure}"
        checked += 1
    return checked


def test_demo_matches_connection_scan(demo_router: PointQueries, demo_region: Region) -> None:
    assert assert_matches_reference(demo_router, demo_region, 40, seed=5) == 40


def test_plan_returns_consistent_journeys(demo_router: PointQueries, demo_region: Region) -> None:
    departure = datetime(2026, 11, 23, 8, 3, tzinfo=BERLIN)
    journeys = demo_router.earliest(corner(demo_region, 0.1, 0.1), corner(demo_region, 0.9, 0.9), departure)
    # One journey: the one-ride way used to end with a 500 m footpath plus a 975 m egress walk
    # (1475 m after the last vehicle, beyond the walking bound); egress now starts where a ride ends.
    assert len(journeys) >= 1
    arrivals = [journey.arrival for journey in journeys]
    transfers = [journey.transfers for journey in journeys]
    assert arrivals == sorted(arrivals, reverse=True), "more transfers only when they arrive earlier"
    assert transfers == sorted(transfers)
    for journey in journeys:
        assert journey.departure == departure
        legs = journey.legs
        assert isinstance(legs[0], WalkLeg) and legs[0].from_stop is None
        assert isinstance(legs[-1], WalkLeg) and legs[-1].to_stop is None
        assert isinstance(legs[-2], TransitLeg), "the egress walk starts where the last ride ends"
        for before, after in itertools.pairwise(legs):
            assert before.arrival <= after.departure
        rides = [leg for leg in legs if isinstance(leg, TransitLeg)]
        assert len(rides) == journey.transfers + 1
        for ride in rides:
            assert ride.route_short_name and ride.agency.endswith("(synthetic)")
            assert elapsed_seconds(ride.departure, ride.arrival) > 0
        assert journey.arrival == legs[-1].arrival


def test_walking_only_when_close(demo_router: PointQueries, demo_region: Region) -> None:
    departure = datetime(2026, 11, 23, 8, 3, tzinfo=BERLIN)
    journeys = demo_router.earliest(corner(demo_region, 0.30, 0.30), corner(demo_region, 0.33, 0.31), departure)
    assert journeys[0].transfers == 0
    assert len(journeys[0].legs) == 1 and isinstance(journeys[0].legs[0], WalkLeg)


def test_slow_walkers_get_later_or_equal_arrivals(demo_router: PointQueries, demo_region: Region) -> None:
    departure = datetime(2026, 11, 23, 8, 3, tzinfo=BERLIN)
    origin, destination = corner(demo_region, 0.1, 0.05), corner(demo_region, 0.95, 0.9)
    normal = demo_router.earliest(origin, destination, departure)
    slow = demo_router.earliest(origin, destination, departure, options=TransitOptions(walk_speed_kmh=3.5))
    assert min(j.arrival for j in slow) >= min(j.arrival for j in normal)


def test_wheelchair_journeys_use_accessible_trips(demo_router: PointQueries, demo_region: Region) -> None:
    departure = datetime(2026, 11, 23, 8, 3, tzinfo=BERLIN)
    journeys = demo_router.earliest(
        corner(demo_region, 0.1, 0.05),
        corner(demo_region, 0.95, 0.9),
        departure,
        options=TransitOptions(wheelchair=True),
    )
    wheelchair = np.asarray(demo_region.timetable.trip_wheelchair)
    for journey in journeys:
        for leg in journey.legs:
            if isinstance(leg, TransitLeg):
                assert wheelchair[leg.trip] == 1


def test_outside_the_network(demo_router: PointQueries) -> None:
    with pytest.raises(PointNotOnNetwork):  # a planning error (4xx), no longer the street router's own
        demo_router.earliest((51.0, 9.0), (51.3155, 9.4915), datetime(2026, 11, 23, 8, 0, tzinfo=BERLIN))


def test_no_service_and_too_far_to_walk(demo_router: PointQueries, demo_region: Region) -> None:
    # Outside the timetable window nothing runs; the two corners are too far to walk.
    departure = datetime(2027, 6, 1, 8, 0, tzinfo=BERLIN)
    with pytest.raises(NoRoute):
        demo_router.earliest(corner(demo_region, 0.02, 0.02), corner(demo_region, 0.98, 0.98), departure)


@pytest.mark.realdata
def test_porto_alegre_matches_connection_scan(porto_alegre: Region) -> None:
    assert porto_alegre.manifest.timezone == "America/Sao_Paulo"
    assert assert_matches_reference(points_of(porto_alegre), porto_alegre, 40, seed=2) == 40


@pytest.mark.realdata
def test_heidelberg_matches_connection_scan(heidelberg: Region) -> None:
    # The session's Heidelberg region (the same inputs: VRN cut + OSM, 2022-07-04, 3 days).
    assert assert_matches_reference(points_of(heidelberg), heidelberg, 30, seed=3) == 30


def test_range_covers_every_departure_in_the_window(demo_router: PointQueries, demo_region: Region) -> None:
    origin, destination = corner(demo_region, 0.1, 0.05), corner(demo_region, 0.95, 0.9)
    earliest = datetime(2026, 11, 23, 8, 0, tzinfo=BERLIN)
    latest = earliest + timedelta(minutes=45)
    journeys = demo_router.range_departures(origin, destination, earliest, latest)
    assert journeys
    for journey in journeys:
        assert earliest <= journey.departure <= latest
        assert journey.legs[0].departure == journey.departure
    # Pareto: no journey leaves no earlier, arrives no later with no more trips, and differs.
    for a in journeys:
        for b in journeys:
            if a is not b:
                assert not (
                    b.departure >= a.departure
                    and b.arrival <= a.arrival
                    and b.transfers <= a.transfers
                    and (b.departure, b.arrival, b.transfers) != (a.departure, a.arrival, a.transfers)
                )
    rng = np.random.default_rng(1)
    options = TransitOptions()
    ends = demo_router.ends(origin, destination, earliest, options)
    assert ends.direct_arrival is None
    for offset in sorted(rng.integers(0, 45 * 60, 25).tolist()):
        moment = earliest + timedelta(seconds=offset)
        best = demo_router.earliest_arrival(origin, destination, moment, options=options)
        from_range = [j.arrival for j in journeys if j.departure >= moment]
        if from_range:
            assert best is not None
            assert best == min(from_range), f"departing {moment:%H:%M:%S}"


def test_arrive_by_leaves_as_late_as_possible(demo_router: PointQueries, demo_region: Region) -> None:
    origin, destination = corner(demo_region, 0.1, 0.05), corner(demo_region, 0.95, 0.9)
    deadline = datetime(2026, 11, 23, 9, 0, tzinfo=BERLIN)
    journeys = demo_router.arrive_by(origin, destination, deadline)
    assert journeys
    for journey in journeys:
        assert journey.arrival <= deadline
        later = demo_router.earliest_arrival(
            origin,
            destination,
            journey.departure + timedelta(minutes=1),
            options=TransitOptions(max_transfers=journey.transfers),
        )
        assert later is None or later > deadline, "leaving a minute later would still arrive in time"


def test_arrive_by_early_morning_uses_the_previous_evening(demo_router: PointQueries, demo_region: Region) -> None:
    origin, destination = corner(demo_region, 0.1, 0.05), corner(demo_region, 0.95, 0.9)
    journeys = demo_router.arrive_by(origin, destination, datetime(2026, 11, 24, 0, 35, tzinfo=BERLIN))
    assert all(j.departure.date() == date(2026, 11, 23) for j in journeys)


@pytest.mark.realdata
def test_herrenberg_matches_connection_scan(herrenberg: Path) -> None:
    # The session's Herrenberg region (the same inputs: VVS buses + OSM centre, 2021-07-05, 3 days).
    region = load_region(herrenberg)
    assert assert_matches_reference(points_of(region), region, 25, seed=8) == 25
