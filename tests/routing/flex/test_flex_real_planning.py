"""A real flex feed planned door to door: random pairs inside its zone, every flex leg checked by the spec.

The Aspen Downtowner feed (``../shared/data/flex``; skipped without it) comes without
streets, so the region is built over a SYNTHETIC street grid covering its zone (plus one
synthetic fixed trip, which the build needs). For random pickup and drop-off points inside
the zone (point-in-polygon by ray casting, written here), times and booking moments,
each flex leg the planner returns is checked against the GTFS-Flex rules as written in
the reference, independently of the code: the pickup lies in the boarding row's window
and not before the request's time (nor before the booking, the feed's rule being
real-time), ``MeanTravelDuration = mean_duration_factor x DrivingDuration +
mean_duration_offset`` with the driving time of scipy's Dijkstra on the car graph
(:mod:`routing.street.reference`), the expected arrival lies in the drop-off window, and
the safe arrival is ``safe_duration_factor x DrivingDuration + safe_duration_offset``.
"""

from __future__ import annotations

import json
import random
from datetime import date, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from routing.planner.planner import NoItinerary, Planner
from routing.planner.request import Mode, PlanRequest
from routing.region.build import GtfsInput, RegionInputs, build_region
from routing.region.region import Region, load_region
from routing.street.reference import reference_cost
from routing.street.router import StreetRouter, driving_speeds
from tests.routing.flex.street_grid import write_fixed_feed, write_grid

FEED = "aspen-flex-on-demand.gtfs"
ZONE = ZoneInfo("America/Denver")
DAY = date(2021, 5, 4)


def _inside(ring: list[list[float]], lon: float, lat: float) -> bool:
    """Ray casting: an odd number of ring edges crossed by the ray east of the point."""
    inside = False
    for (x1, y1), (x2, y2) in pairwise(ring):
        if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


@pytest.fixture(scope="module")
def aspen(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Region, list[list[float]]]:
    feed = shared_data / "flex" / FEED
    features = json.loads((feed / "locations.geojson").read_text(encoding="utf-8"))["features"]
    ring = features[0]["geometry"]["coordinates"][0]
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    base = tmp_path_factory.mktemp("aspen")
    grid = write_grid(base / "grid.osm", south=min(lats), west=min(lons), north=max(lats), east=max(lons))
    fixed = write_fixed_feed(base / "fixed", timezone="America/Denver", lat=sum(lats) / len(lats), lon=min(lons))
    inputs = RegionInputs(
        name="aspen (synthetic streets)",
        gtfs=[GtfsInput("aspen", feed), GtfsInput("fixed", fixed)],
        osm_file=grid,
        first_day=DAY,
        days=2,
    )
    build_region(inputs, base / "region")
    return load_region(base / "region"), ring


def test_random_pairs_in_the_zone_follow_the_spec(aspen: tuple[Region, list[list[float]]]) -> None:
    region, ring = aspen
    assert region.flex is not None
    planner = Planner(region)
    car = StreetRouter(region.street, "car")
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    generator = random.Random(4)

    def point() -> tuple[float, float]:
        while True:
            lat, lon = generator.uniform(min(lats), max(lats)), generator.uniform(min(lons), max(lons))
            if _inside(ring, lon, lat):
                return lat, lon

    checked = 0
    for _ in range(25):
        origin, destination = point(), point()
        moment = datetime.combine(DAY, datetime.min.time(), tzinfo=ZONE) + timedelta(
            minutes=generator.randrange(6 * 60, 23 * 60)
        )
        booking = moment - timedelta(minutes=generator.randrange(0, 180))
        request = PlanRequest(
            origin=origin, destination=destination, time=moment, modes=frozenset({Mode.FLEX}), booking_time=booking
        )
        try:
            itineraries = planner.plan(request).itineraries
        except NoItinerary:
            continue
        for itinerary in itineraries:
            for leg in itinerary.legs:
                if leg.mode is not Mode.FLEX:
                    continue
                assert leg.flex is not None
                trip = next(trip for trip in region.flex.trips if trip.trip_id == leg.flex.trip_id)
                board, alight = trip.stop_times[0], trip.stop_times[-1]
                midnight = datetime.combine(leg.flex.service_day, datetime.min.time(), tzinfo=ZONE)
                opens = midnight + timedelta(seconds=board.window_start_s)
                assert opens <= leg.start <= midnight + timedelta(seconds=board.window_end_s)
                assert leg.start >= max(moment, booking)
                driving = reference_cost(
                    car,
                    car.snap(leg.origin.lat, leg.origin.lon),
                    car.snap(leg.destination.lat, leg.destination.lon),
                    driving_speeds(),
                    weight="time",
                )
                mean = board.mean_factor * driving + board.mean_offset_s
                safe = board.safe_factor * driving + board.safe_offset_s
                assert abs((leg.end - leg.start).total_seconds() - mean) <= 2
                assert abs((leg.flex.latest_arrival - leg.start).total_seconds() - safe) <= 2
                assert leg.end <= midnight + timedelta(seconds=alight.window_end_s)
                assert leg.flex.booking_deadline == leg.start  # real-time rule: up to the pickup
                checked += 1
    assert checked >= 10
