"""The whole walk counts: connectors in every walk, one walk leg per walk, no impossible arrivals.

Property checks over seeded origin/destination pairs on the demo city and the real regions
(each built once per session by its fixture), against the independent door-to-door
reference (street walks by scipy's Dijkstra with connectors, rides by connection scan).
Feature tests in the OTP style cover the connector and the one-walk-leg rule directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from routing.geo import haversine_m
from routing.planner.itinerary import Leg, Place
from routing.planner.planner import Planner, PlanningError, merge_walks
from routing.planner.request import Mode, PlanRequest
from routing.region.region import Region, load_region
from routing.street.router import STEPS_SLOWDOWN, StreetRouter, walking_speeds
from routing.transit._raptor import INF
from routing.transit.options import TransitOptions
from routing.transit.reference import door_to_door_arrival
from routing.transit.service_time import moment_at
from tests.routing.transit.od_samples import od_queries

BERLIN = ZoneInfo("Europe/Berlin")


def line_m(points: list[tuple[float, float]]) -> float:
    lon, lat = np.asarray(points, dtype=np.float64).T
    return float(haversine_m(lat[:-1], lon[:-1], lat[1:], lon[1:]).sum())


@dataclass
class Counts:
    pairs: int = 0
    itineraries: int = 0
    walk_legs: int = 0
    violations: int = 0


def check_pairs(region: Region, pairs: int, seed: int) -> Counts:
    """Plan ``pairs`` seeded walk+transit requests and check every itinerary; returns the counts."""
    planner = Planner(region)
    counts = Counts()
    problems: list[str] = []
    for origin, destination, departure in od_queries(region, seed):
        if counts.pairs == pairs:
            break
        request = PlanRequest(origin=origin, destination=destination, time=departure)
        try:
            plan = planner.plan(request)
        except PlanningError:
            continue
        counts.pairs += 1
        speed = request.walk_kmh / 3.6
        router = planner.transit
        options = TransitOptions(walk_speed_kmh=request.walk_kmh, max_walk_s=request.max_walk_s)
        street = planner.access.street("walk")
        lower = door_to_door_arrival(
            router,
            street,
            street.snap(*origin),
            street.snap(*destination),
            departure,
            options=options,
            walk_only_m=2 * request.max_walk_m,  # the planner's bound for walking the whole way beside transit
        )
        day, _ = router.service_day_of(departure)
        for itinerary in plan.itineraries:
            counts.itineraries += 1
            where = f"{origin} -> {destination} at {departure:%Y-%m-%d %H:%M}"
            if lower >= INF or itinerary.end < moment_at(day, lower, router.zone):
                problems.append(f"{where}: arrives {itinerary.end:%H:%M:%S}, reference {lower}")
            for before, after in zip(itinerary.legs, itinerary.legs[1:], strict=False):
                if before.mode is Mode.WALK and after.mode is Mode.WALK:
                    problems.append(f"{where}: two walk legs in a row")
            for leg in itinerary.legs:
                if leg.mode is not Mode.WALK:
                    continue
                counts.walk_legs += 1
                drawn = line_m(leg.geometry)
                if abs(drawn - leg.distance_m) > 0.01 * leg.distance_m + 1.0:
                    problems.append(f"{where}: walk of {leg.distance_m:.0f} m drawn {drawn:.0f} m")
                fastest, slowest = leg.distance_m / speed, leg.distance_m / (speed * STEPS_SLOWDOWN)
                if not fastest - 1.5 <= leg.duration_s <= slowest + 1.5:
                    problems.append(f"{where}: walk of {leg.distance_m:.0f} m takes {leg.duration_s} s")
                if leg.distance_m > request.max_walk_m * 1.001 and len(itinerary.legs) > 1:
                    problems.append(f"{where}: walk of {leg.distance_m:.0f} m beyond maxWalkMeters")
    counts.violations = len(problems)
    print(f"{region.manifest.name}: {counts}")
    assert not problems, "\n".join(problems[:20])
    return counts


def test_demo_walks_are_whole_and_arrivals_possible(demo_region: Region) -> None:
    counts = check_pairs(demo_region, 40, seed=21)
    assert counts.pairs == 40 and counts.itineraries >= 40 and counts.walk_legs > 0


@pytest.mark.realdata
def test_porto_alegre_walks_are_whole_and_arrivals_possible(porto_alegre: Region) -> None:
    counts = check_pairs(porto_alegre, 20, seed=22)
    assert counts.pairs == 20 and counts.walk_legs > 0


@pytest.mark.realdata
def test_heidelberg_walks_are_whole_and_arrivals_possible(heidelberg: Region) -> None:
    counts = check_pairs(heidelberg, 20, seed=23)
    assert counts.pairs == 20 and counts.walk_legs > 0


@pytest.mark.realdata
def test_herrenberg_walks_are_whole_and_arrivals_possible(herrenberg: Path) -> None:
    region = load_region(herrenberg)
    counts = check_pairs(region, 20, seed=24)
    assert counts.pairs == 20 and counts.walk_legs > 0


# Feature tests --------------------------------------------------------------------------


def off_street_point(router: StreetRouter, region: Region) -> tuple[float, float]:
    """A point between 350 and 450 m from the nearest walkable street (north of the demo city)."""
    west, _, east, north = region.manifest.bbox
    lon = (west + east) / 2
    for step in range(1, 200):
        lat = north + step * 0.0002
        snap = router.snap(lat, lon)
        if 350 <= snap.distance_m <= 450:
            return lat, lon
    pytest.fail("no point 350-450 m off the streets north of the demo city")


def test_connector_counted_in_a_walk(demo_region: Region) -> None:
    """A point ~400 m off the street: the leg is connector + street path, in distance, time and line."""
    planner = Planner(demo_region)
    router = planner.access.street("walk")
    origin = off_street_point(router, demo_region)
    snap = router.snap(*origin)
    west, south, east, north = demo_region.manifest.bbox
    destination = (south + 0.5 * (north - south), west + 0.5 * (east - west))
    street_only = router.route(
        router.snap(snap.snapped_lat, snap.snapped_lon), router.snap(*destination), speeds=walking_speeds()
    )
    plan = planner.plan(
        PlanRequest(
            origin=origin,
            destination=destination,
            time=datetime(2026, 11, 23, 8, 0, tzinfo=BERLIN),
            modes=frozenset({Mode.WALK}),
        )
    )
    (leg,) = plan.itineraries[0].legs
    assert snap.distance_m > 350
    assert leg.distance_m == pytest.approx(snap.distance_m + street_only.distance_m, abs=1.0)
    assert line_m(leg.geometry) == pytest.approx(leg.distance_m, rel=0.01)
    assert leg.duration_s == pytest.approx(leg.distance_m / (4.8 / 3.6), abs=2)
    assert leg.geometry[0] == pytest.approx((origin[1], origin[0]))


def test_connector_counted_in_access_to_stops(demo_region: Region) -> None:
    """The walk from a point off the street to every stop includes its connector."""
    planner = Planner(demo_region)
    access = planner.access
    router = access.street("walk")
    origin = off_street_point(router, demo_region)
    snap = router.snap(*origin)
    on_street = router.snap(snap.snapped_lat, snap.snapped_lon)
    options = TransitOptions(max_walk_s=3600)
    departure = datetime(2026, 11, 23, 8, 0, tzinfo=BERLIN)
    far = access.ends(snap, snap, departure, options)
    near = access.ends(on_street, on_street, departure, options)
    assert far.access_meters and set(far.access_meters) <= set(near.access_meters)
    for stop, meters in far.access_meters.items():
        assert meters == pytest.approx(near.access_meters[stop] + snap.distance_m, abs=0.5)
        assert far.sources[stop] - far.start == pytest.approx(
            near.sources[stop] - near.start + snap.distance_m / (4.8 / 3.6), abs=1
        )


def test_consecutive_walks_become_one_leg() -> None:
    """Walk, walk, ride, walk, walk: two walk legs, each with one continuous line and the summed distance."""
    start = datetime(2026, 11, 23, 8, 0, tzinfo=BERLIN)
    a, b, c, d, e = (Place(name=n, lat=51.3 + i * 0.001, lon=9.5) for i, n in enumerate("abcde"))

    def leg(mode: Mode, x: Place, y: Place, minute: int) -> Leg:
        return Leg(
            mode=mode,
            origin=x,
            destination=y,
            start=start + timedelta(minutes=minute),
            end=start + timedelta(minutes=minute + 1),
            distance_m=100.0,
            geometry=[(x.lon, x.lat), (y.lon, y.lat)],
        )

    legs = merge_walks(
        [leg(Mode.WALK, a, b, 0), leg(Mode.WALK, b, c, 1), leg(Mode.TRANSIT, c, d, 2), leg(Mode.WALK, d, e, 3)]
    )
    assert [item.mode for item in legs] == [Mode.WALK, Mode.TRANSIT, Mode.WALK]
    first = legs[0]
    assert (first.origin, first.destination, first.distance_m) == (a, c, 200.0)
    assert first.geometry == [(a.lon, a.lat), (b.lon, b.lat), (c.lon, c.lat)]
    assert first.start == start and first.end == start + timedelta(minutes=2)


def test_transfer_walks_longer_than_the_walking_bound_are_not_taken(demo_region: Region) -> None:
    """The maxWalkMeters bound holds between vehicles too (docs/trip-api.md): longer footpaths are no transfer."""
    router = Planner(demo_region).transit
    bound_s = 120.0
    _, _, _, unbounded = router.transfer_rules(TransitOptions(max_walk_s=10_000))
    _, _, _, bounded = router.transfer_rules(TransitOptions(max_walk_s=bound_s))
    walked = router.transfers(TransitOptions()).walk_seconds  # at the reference speed, which these options use
    long_walks = walked > bound_s
    assert long_walks.any() and (~long_walks & (unbounded < INF)).any()
    assert (bounded[long_walks] >= INF).all()
    assert (bounded[~long_walks] == unbounded[~long_walks]).all()
