"""Flex with fixed trips: arrive-by access and egress, the ride between two fixed trips, windows and deadlines.

On the tiny inline region of :mod:`tests.routing.flex.transit_region` (SYNTHETIC). Every
expected time is derived here from the feed's rules as the test writes them: the bus
timetables (``L1_MINUTES``, ``L2_MINUTES``, six minutes a ride), the ride's mean and safe
in-vehicle time (``factor x car time + offset``, the car time from scipy's Dijkstra on the
car graph, :func:`routing.street.reference.reference_cost`), the pickup and drop-off
windows and the 30 minutes' notice relative to the booking moment.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from routing.planner.flex_transit import rides_between_stops
from routing.planner.itinerary import Itinerary, Leg
from routing.planner.planner import Planner
from routing.planner.request import Mode, PlanRequest
from routing.region.region import Region
from routing.street.reference import reference_cost
from routing.street.router import StreetRouter, driving_speeds, walking_speeds
from tests.conftest_d.regions import DEMO_FIRST_DAY
from tests.routing.flex.transit_region import (
    BERLIN,
    DROP_OFF_WINDOW,
    L1_MINUTES,
    L2_MINUTES,
    MEAN,
    NOTICE_MIN,
    PICKUP_WINDOW,
    RIDE_MINUTES,
    SAFE,
    at,
    load_flex_transit_region,
    point,
)

MODES = frozenset({Mode.WALK, Mode.TRANSIT, Mode.FLEX})
RIDE = timedelta(minutes=RIDE_MINUTES)
TOLERANCE_S = 2.0
"""Rounding of seconds in the planner (walks, rides) against the float reference."""


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> Region:
    return load_flex_transit_region(tmp_path_factory)


@pytest.fixture(scope="module")
def planner(region: Region) -> Planner:
    return Planner(region)


def _car_s(region: Region, a: str, b: str) -> float:
    car = StreetRouter(region.street, "car")
    return reference_cost(car, car.snap(*point(a)), car.snap(*point(b)), driving_speeds(), weight="time")


def _walk_s(region: Region, a: str, b: str) -> float:
    walk = StreetRouter(region.street, "walk")
    return reference_cost(walk, walk.snap(*point(a)), walk.snap(*point(b)), walking_speeds(4.8), weight="time")


def _mean_s(car_s: float) -> float:
    return MEAN[0] * car_s + MEAN[1]


def _safe_s(car_s: float) -> float:
    return SAFE[0] * car_s + SAFE[1]


def _departures(minutes: list[int]) -> list[datetime]:
    return [at(0) + timedelta(minutes=m) for m in minutes]


def _candidates(planner: Planner, origin: str, destination: str, time: datetime, **extra: object) -> list[Itinerary]:
    request = PlanRequest(
        origin=point(origin),
        destination=point(destination),
        time=time,
        modes=MODES,
        booking_time=extra.pop("booking_time", at(17)),  # type: ignore[arg-type]
        **extra,  # type: ignore[arg-type]
    )
    return planner._flex(request)[0]  # the flex candidates before the Pareto choice


def _shape(itinerary: Itinerary) -> list[str]:
    return [leg.mode.value for leg in itinerary.legs if leg.mode is not Mode.WALK]


def _one(itineraries: list[Itinerary], shape: list[str]) -> Itinerary:
    found = [itinerary for itinerary in itineraries if _shape(itinerary) == shape]
    assert found, [_shape(itinerary) for itinerary in itineraries]
    return found[0]


def _near(a: datetime, b: datetime) -> bool:
    return abs((a - b).total_seconds()) <= TOLERANCE_S


def _flex(itinerary: Itinerary) -> Leg:
    return next(leg for leg in itinerary.legs if leg.mode is Mode.FLEX)


def _rides(itinerary: Itinerary) -> list[Leg]:
    return [leg for leg in itinerary.legs if leg.mode is Mode.TRANSIT]


def _check_rules(leg: Leg, car_s: float, booking: datetime) -> None:
    """The ride's own rules: windows, mean and safe durations, the booking deadline (30 minutes' notice)."""
    assert leg.flex is not None
    assert at(0, second=PICKUP_WINDOW[0]) <= leg.start <= at(0, second=PICKUP_WINDOW[1])
    assert abs((leg.end - leg.start).total_seconds() - _mean_s(car_s)) <= TOLERANCE_S
    assert abs((leg.flex.latest_arrival - leg.start).total_seconds() - _safe_s(car_s)) <= TOLERANCE_S
    assert leg.end <= at(0, second=DROP_OFF_WINDOW[1])
    assert leg.flex.booking_deadline == leg.start - timedelta(minutes=NOTICE_MIN)
    assert leg.flex.booking_deadline >= booking


def test_flex_access_arrive_by_leaves_as_late_as_the_safe_estimate_allows(planner: Planner, region: Region) -> None:
    deadline = at(20)
    walk = timedelta(seconds=_walk_s(region, "D", "X"))
    bus = max(d for d in _departures(L2_MINUTES) if d + RIDE + walk <= deadline)
    car = _car_s(region, "P", "C")
    pickup = bus - timedelta(seconds=_safe_s(car))  # inside the windows and the notice: nothing else binds
    itinerary = _one(_candidates(planner, "P", "X", deadline, arrive_by=True), ["flex", "transit"])
    leg, ride = _flex(itinerary), _rides(itinerary)[0]
    assert ride.start == bus and ride.origin.stop_id == "kx:C"
    assert _near(leg.start, pickup)
    assert leg.flex is not None and leg.flex.latest_arrival <= ride.start
    assert itinerary.end <= deadline
    _check_rules(leg, car, at(17))


def test_flex_egress_arrive_by_takes_the_latest_bus_whose_ride_arrives_in_time(
    planner: Planner, region: Region
) -> None:
    deadline = at(20)
    car = _car_s(region, "B", "Q")
    floor = max(at(0, second=PICKUP_WINDOW[0]), at(17) + timedelta(minutes=NOTICE_MIN))

    def arrival(departure: datetime) -> datetime:
        return max(departure + RIDE, floor) + timedelta(seconds=_mean_s(car))

    bus = max(d for d in _departures(L1_MINUTES) if arrival(d) <= deadline)
    itinerary = _one(_candidates(planner, "O", "Q", deadline, arrive_by=True), ["transit", "flex"])
    leg, ride = _flex(itinerary), _rides(itinerary)[0]
    assert ride.start == bus and ride.destination.stop_id == "kx:B"
    assert leg.start == ride.end  # picked up where and when the bus arrives
    assert _near(leg.end, arrival(bus)) and leg.end <= deadline
    _check_rules(leg, car, at(17))


def test_flex_between_two_fixed_trips_depart_at(planner: Planner, region: Region) -> None:
    leave = at(18, 50)
    first = min(d for d in _departures(L1_MINUTES) if d >= leave + timedelta(seconds=_walk_s(region, "O", "A")))
    pickup = first + RIDE
    car = _car_s(region, "B", "C")
    safe_arrival = pickup + timedelta(seconds=_safe_s(car))
    second = min(d for d in _departures(L2_MINUTES) if d >= safe_arrival)
    itinerary = _one(_candidates(planner, "O", "X", leave), ["transit", "flex", "transit"])
    leg = _flex(itinerary)
    one, two = _rides(itinerary)
    assert (one.start, one.origin.stop_id, one.destination.stop_id) == (first, "kx:A", "kx:B")
    assert leg.start == pickup and (leg.origin.stop_id, leg.destination.stop_id) == ("kx:B", "kx:C")
    assert (two.start, two.origin.stop_id) == (second, "kx:C")
    _check_rules(leg, car, at(17))


def test_flex_between_two_fixed_trips_arrive_by(planner: Planner, region: Region) -> None:
    deadline = at(20)
    walk = timedelta(seconds=_walk_s(region, "D", "X"))
    second = max(d for d in _departures(L2_MINUTES) if d + RIDE + walk <= deadline)
    car = _car_s(region, "B", "C")
    pickup = second - timedelta(seconds=_safe_s(car))
    first = max(d for d in _departures(L1_MINUTES) if d + RIDE <= pickup)
    itinerary = _one(_candidates(planner, "O", "X", deadline, arrive_by=True), ["transit", "flex", "transit"])
    leg = _flex(itinerary)
    one, two = _rides(itinerary)
    assert two.start == second and one.start == first
    assert _near(leg.start, pickup) and leg.start >= one.end
    assert leg.flex is not None and leg.flex.latest_arrival <= two.start
    assert itinerary.end <= deadline
    _check_rules(leg, car, at(17))


def test_the_transfer_after_the_ride_waits_for_the_safe_estimate(planner: Planner, region: Region) -> None:
    leave = at(19, 20)
    first = min(d for d in _departures(L1_MINUTES) if d >= leave + timedelta(seconds=_walk_s(region, "O", "A")))
    car = _car_s(region, "B", "C")
    pickup = first + RIDE
    by_mean = min(d for d in _departures(L2_MINUTES) if d >= pickup + timedelta(seconds=_mean_s(car)))
    by_safe = min(d for d in _departures(L2_MINUTES) if d >= pickup + timedelta(seconds=_safe_s(car)))
    assert by_mean < by_safe  # the feed is written so that the two estimates catch different buses
    itinerary = _one(_candidates(planner, "O", "X", leave), ["transit", "flex", "transit"])
    leg, second = _flex(itinerary), _rides(itinerary)[1]
    assert leg.start == pickup
    assert second.start == by_safe
    assert leg.end < by_mean <= second.start  # the expected arrival would have made the earlier bus


def test_the_drop_off_window_bounds_the_latest_pickup(planner: Planner, region: Region) -> None:
    closes = at(0, second=DROP_OFF_WINDOW[1])
    whole = _one(_candidates(planner, "P", "Q", at(22, 30), arrive_by=True), ["flex"])
    car = _car_s(region, "P", "Q")
    leg = _flex(whole)
    assert _near(leg.start, closes - timedelta(seconds=_mean_s(car)))  # not 22:30 - mean: the drop-off closes
    assert leg.end <= closes
    _check_rules(leg, car, at(17))
    deadline = at(22, 40)  # between two fixed trips: the safe estimate would allow a later pickup than the window
    walk = timedelta(seconds=_walk_s(region, "D", "X"))
    second = max(d for d in _departures(L2_MINUTES) if d + RIDE + walk <= deadline)
    car = _car_s(region, "B", "C")
    assert second - timedelta(seconds=_safe_s(car)) > closes - timedelta(seconds=_mean_s(car))
    itinerary = _one(_candidates(planner, "O", "X", deadline, arrive_by=True), ["transit", "flex", "transit"])
    leg = _flex(itinerary)
    assert _near(leg.start, closes - timedelta(seconds=_mean_s(car)))
    assert leg.end <= closes and _rides(itinerary)[1].start == second
    _check_rules(leg, car, at(17))


def test_a_ride_whose_deadline_has_passed_is_not_offered(planner: Planner, region: Region) -> None:
    booking = at(19)
    floor = booking + timedelta(minutes=NOTICE_MIN)  # the 19:06 pickup after the bus closed for booking at 18:36
    itinerary = _one(_candidates(planner, "O", "X", at(18, 50), booking_time=booking), ["transit", "flex", "transit"])
    leg = _flex(itinerary)
    assert _rides(itinerary)[0].end < floor
    assert leg.start == floor
    _check_rules(leg, _car_s(region, "B", "C"), booking)
    late = _candidates(planner, "P", "X", at(19, 40), arrive_by=True, booking_time=booking)
    assert not [it for it in late if any(leg.mode is Mode.FLEX for leg in it.legs)]  # 19:30 + safe is after 19:40
    in_time = _candidates(planner, "P", "X", at(19, 40), arrive_by=True, booking_time=at(17))
    assert [it for it in in_time if _shape(it) == ["flex", "transit"]]  # booked earlier, the same ride is offered


def test_flex_access_and_egress_in_arrive_by_through_the_planner(planner: Planner) -> None:
    request = PlanRequest(
        origin=point("O"), destination=point("X"), time=at(20), modes=MODES, arrive_by=True, booking_time=at(17)
    )
    itineraries = planner.plan(request).itineraries
    assert any(_shape(itinerary) == ["transit", "flex", "transit"] for itinerary in itineraries)
    assert all(itinerary.end <= at(20) for itinerary in itineraries)


def test_the_region_is_labelled_synthetic(region: Region) -> None:
    assert region.flex is not None
    assert [zone.name for zone in region.flex.zones.values()] == ["AST-Zone Mitte (synthetic)"]


def test_no_ride_between_two_stops_of_one_crossing(demo_region: Region) -> None:
    flex = Planner(demo_region).flex
    assert flex is not None
    index = {demo_region.timetable.stop_id[stop]: stop for stop in flex.transfer_stops}
    tram, bus, far = index["demo:x8_8"], index["demo:r8_8"], index["demo:x10_10"]  # x8_8 and r8_8: one crossing
    evening = datetime.combine(DEMO_FIRST_DAY, datetime.min.time(), tzinfo=BERLIN) + timedelta(hours=19)
    rides = rides_between_stops(
        flex, {tram: evening}, booking_time=evening - timedelta(hours=2), wheelchair=False, max_wait=timedelta(hours=2)
    )
    assert far in rides and rides[far][0] == tram
    assert tram not in rides and bus not in rides


def test_egress_arrive_by_runs_again_when_the_rides_bound_was_too_low(
    planner: Planner, region: Region, monkeypatch: pytest.MonkeyPatch
) -> None:
    flex = planner.flex
    assert flex is not None
    exact = flex.from_stop_estimates
    monkeypatch.setattr(  # a bound of no ride at all: the first search takes a bus too late for the ride
        flex, "from_stop_estimates", lambda drop_offs: {s: (0.0, m, 0.0) for s, (_, m, _) in exact(drop_offs).items()}
    )
    deadline = at(19, 40)
    car = _car_s(region, "B", "Q")
    in_time = [d for d in _departures(L1_MINUTES) if d + RIDE + timedelta(seconds=_mean_s(car)) <= deadline]
    too_late = [d for d in _departures(L1_MINUTES) if in_time[-1] < d and d + RIDE <= deadline]
    assert too_late  # the bound alone would choose one of these
    itinerary = _one(_candidates(planner, "O", "Q", deadline, arrive_by=True), ["transit", "flex"])
    assert _rides(itinerary)[0].start == in_time[-1]
    assert _flex(itinerary).end <= deadline
