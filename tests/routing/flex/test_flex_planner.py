"""Flex legs in planned itineraries on the demo city's AST zone (SYNTHETIC: evening 18-24 h, 60 min notice).

Expected times are derived here from the GTFS-Flex rules the demo feed states (mean
duration = 1.3 x the car's direct time + 3 min, safe = 1.6 x + 6 min; booking closes 60
minutes before the pickup), with the car time of a plain A* search on the car profile.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from routing.demo.city import plan_city
from routing.planner.itinerary import Itinerary, Leg
from routing.planner.planner import NoItinerary, Planner
from routing.planner.request import Mode, PlanRequest
from routing.region.region import Region
from routing.street.router import StreetRouter, driving_speeds
from tests.conftest_d.regions import DEMO_FIRST_DAY

BERLIN = ZoneInfo("Europe/Berlin")
CITY = plan_city()
IN_ZONE = CITY.position(10, 10)
ALSO_IN_ZONE = CITY.position(7, 8)
CENTRE = CITY.position(2, 2)


def _at(hour: int, minute: int = 0, days: int = 0) -> datetime:
    day = DEMO_FIRST_DAY + timedelta(days=days)
    return datetime(day.year, day.month, day.day, tzinfo=BERLIN) + timedelta(hours=hour, minutes=minute)


@pytest.fixture(scope="module")
def planner(demo_region: Region) -> Planner:
    return Planner(demo_region)


def _request(origin: object, destination: object, time: datetime, booking: datetime, **extra: object) -> PlanRequest:
    values: dict[str, object] = {
        "origin": (origin.lat, origin.lon),  # type: ignore[attr-defined]
        "destination": (destination.lat, destination.lon),  # type: ignore[attr-defined]
        "time": time,
        "modes": frozenset({Mode.FLEX}),
        "booking_time": booking,
    }
    values.update(extra)
    return PlanRequest(**values)  # type: ignore[arg-type]


def _flex_legs(itinerary: Itinerary) -> list[Leg]:
    return [leg for leg in itinerary.legs if leg.mode is Mode.FLEX]


def _car_s(region: Region, a: tuple[float, float], b: tuple[float, float]) -> float:
    car = StreetRouter(region.street, "car")
    return car.route(car.snap(*a), car.snap(*b), speeds=driving_speeds()).duration_s


def test_the_demo_zone_is_built_and_labelled_synthetic(demo_region: Region) -> None:
    assert demo_region.flex is not None
    zones = demo_region.flex.zones
    assert [zone.name for zone in zones.values()] == ["AST-Zone Nordost (synthetic)"]


def test_zone_to_zone_ride_follows_the_feed_durations_and_deadline(planner: Planner, demo_region: Region) -> None:
    result = planner.plan(_request(IN_ZONE, ALSO_IN_ZONE, _at(19), _at(17)))
    leg = _flex_legs(result.itineraries[0])[0]
    assert leg.flex is not None
    car = _car_s(demo_region, (IN_ZONE.lat, IN_ZONE.lon), (ALSO_IN_ZONE.lat, ALSO_IN_ZONE.lon))
    assert leg.start == _at(19)
    assert abs((leg.end - leg.start).total_seconds() - (1.3 * car + 180)) <= 2
    assert abs((leg.flex.latest_arrival - leg.start).total_seconds() - (1.6 * car + 360)) <= 2
    assert leg.flex.booking_deadline == _at(18)
    assert leg.flex.booking_time == _at(17)
    assert (leg.flex.pickup_window_start, leg.flex.pickup_window_end) == (_at(18), _at(24))
    assert leg.flex.booking_method == "online"
    assert leg.flex.phone == "+49 561 0000000"
    assert leg.flex.wheelchair_accessible
    assert leg.flex.zone_ids == ("demo:ast-nordost",)


def test_a_booking_inside_the_notice_is_picked_up_an_hour_after_booking(planner: Planner) -> None:
    leg = _flex_legs(planner.plan(_request(IN_ZONE, ALSO_IN_ZONE, _at(19), _at(18, 30))).itineraries[0])[0]
    assert leg.start == _at(19, 30)
    assert leg.flex is not None and leg.flex.booking_deadline == _at(18, 30)


def test_deadline_passed_for_tonight_offers_tomorrow_evening(planner: Planner) -> None:
    result = planner.plan(_request(IN_ZONE, ALSO_IN_ZONE, _at(23, 30), _at(23, 10)))
    starts = [leg.start for itinerary in result.itineraries for leg in _flex_legs(itinerary)]
    assert starts and min(starts) == _at(18, days=1)
    assert all(itinerary.long_wait for itinerary in result.itineraries)


def test_far_from_every_zone_there_is_no_flex_ride(planner: Planner) -> None:
    with pytest.raises(NoItinerary):  # the origin is not in any zone and no zone is within walking distance
        planner.plan(_request(CENTRE, IN_ZONE, _at(19), _at(17)))


def test_daytime_request_waits_for_the_evening_window(planner: Planner) -> None:
    leg = _flex_legs(planner.plan(_request(IN_ZONE, ALSO_IN_ZONE, _at(10), _at(9))).itineraries[0])[0]
    assert leg.start == _at(18)


def test_outside_the_zone_the_rider_walks_to_its_edge(planner: Planner) -> None:
    near = CITY.position(5.5, 9)  # a block south of the zone's edge (row 6.5)
    itinerary = planner.plan(_request(near, ALSO_IN_ZONE, _at(19), _at(17))).itineraries[0]
    walk, ride = itinerary.legs[0], itinerary.legs[1]
    assert walk.mode is Mode.WALK and ride.mode is Mode.FLEX
    assert ride.origin.kind == "flex_zone"
    assert walk.end == ride.start
    assert 150 <= walk.distance_m <= 600


def test_flex_as_access_to_a_tram_waits_for_the_safe_arrival(planner: Planner) -> None:
    request = _request(IN_ZONE, CENTRE, _at(19), _at(17), modes=frozenset({Mode.WALK, Mode.TRANSIT, Mode.FLEX}))
    result = planner.plan(request)
    found = [it for it in result.itineraries if _flex_legs(it) and any(leg.mode is Mode.TRANSIT for leg in it.legs)]
    candidates = planner._flex(request)[0]  # the flex candidates before the Pareto choice
    access = [it for it in candidates if it.legs[0].mode is Mode.FLEX and any(leg.ride for leg in it.legs)]
    assert access, "a flex ride to a stop in the zone, then transit"
    for itinerary in access + found:
        legs = itinerary.legs
        flex_index = next(i for i, leg in enumerate(legs) if leg.mode is Mode.FLEX)
        ride = legs[flex_index]
        assert ride.flex is not None
        board = next(leg for leg in legs[flex_index:] if leg.ride is not None)
        assert board.start >= ride.flex.latest_arrival
        assert ride.destination.kind == "stop"


def test_flex_as_egress_from_a_tram_is_looked_up_at_the_arrival(planner: Planner) -> None:
    request = _request(CENTRE, IN_ZONE, _at(19), _at(17), modes=frozenset({Mode.WALK, Mode.TRANSIT, Mode.FLEX}))
    candidates = planner._flex(request)[0]
    egress = [it for it in candidates if it.legs[-1].mode is Mode.FLEX and any(leg.ride for leg in it.legs)]
    assert egress, "transit to a stop in the zone, then a flex ride"
    for itinerary in egress:
        last_ride = [leg for leg in itinerary.legs if leg.ride is not None][-1]
        ride = itinerary.legs[-1]
        assert ride.origin.stop_id == last_ride.destination.stop_id
        assert ride.start >= last_ride.end
        assert ride.start >= _at(18)  # the booking at 17:00 allows pickups from 18:00
        assert ride.flex is not None and ride.flex.booking_deadline == ride.start - timedelta(minutes=60)


def test_arrive_by_picks_up_as_late_as_the_rules_allow(planner: Planner, demo_region: Region) -> None:
    leg = _flex_legs(planner.plan(_request(IN_ZONE, ALSO_IN_ZONE, _at(21), _at(17), arrive_by=True)).itineraries[0])[0]
    assert leg.end <= _at(21)
    assert (_at(21) - leg.end).total_seconds() <= 2
