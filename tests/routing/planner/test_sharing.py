"""Bikeshare and carsharing in the planner, on the demo city with hand-made fleets.

Fleets are plain :mod:`routing.planner.sharing` data here (the app fills them from the
provider layer; ``tests/app/api/test_sharing.py`` covers that path over HTTP).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from shapely.geometry import LineString, Point, box

from routing.demo.city import plan_city
from routing.geo import distance_m
from routing.planner.itinerary import Itinerary, Leg, PriceQuote
from routing.planner.planner import Planner
from routing.planner.request import Mode, PlanRequest
from routing.planner.sharing import (
    LegPrice,
    ReturnStation,
    SharingSupply,
    SharingSystem,
    VehicleKind,
    VehicleOffer,
)
from routing.region.region import Region
from tests.conftest_d.regions import DEMO_FIRST_DAY

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY_8 = datetime.combine(DEMO_FIRST_DAY, datetime.min.time(), tzinfo=BERLIN) + timedelta(hours=8)

# Street corners of the demo city (stations of its bikeshare feed sit on them).
WEST, MIDDLE_WEST, MIDDLE_EAST, EAST = 9.475313, 9.4861043, 9.4968957, 9.507687
SOUTH, MIDDLE_SOUTH, MIDDLE_NORTH, NORTH = 51.3053826, 51.3121275, 51.3188725, 51.3256174
ORIGIN = (SOUTH + 0.0004, WEST + 0.0006)
DESTINATION = (NORTH - 0.0004, EAST - 0.0006)
BIKE = {"bike": VehicleKind("bicycle")}


def station(
    station_id: str, lat: float, lon: float, *, bikes: int = 5, docks: int | None = 5
) -> tuple[VehicleOffer, ReturnStation]:
    offer = VehicleOffer(
        lat=lat,
        lon=lon,
        name=f"Station {station_id}",
        vehicle_type_id="bike",
        station_id=station_id,
        count=bikes,
    )
    return offer, ReturnStation(lat=lat, lon=lon, name=f"Station {station_id}", station_id=station_id, free_docks=docks)


def bikeshare(
    *stations: tuple[VehicleOffer, ReturnStation],
    free: Sequence[VehicleOffer] = (),
    free_floating: bool = False,
    rules: object = None,
) -> SharingSystem:
    return SharingSystem(
        provider="rad",
        operator="Rad GmbH",
        mode=Mode.BIKESHARE,
        vehicle_types=BIKE,
        offers=tuple(offer for offer, _ in stations) + tuple(free),
        stations=tuple(back for _, back in stations if back.free_docks != 0),
        free_floating=free_floating,
        rules=rules,
        bookable=True,  # type: ignore[arg-type]
    )


@dataclass(frozen=True)
class BoxRules:
    """Parking forbidden inside a box; riding through it forbidden when ``closed``."""

    south: float
    west: float
    north: float
    east: float
    closed: bool = False

    @property
    def shape(self):  # type: ignore[no-untyped-def]
        return box(self.west, self.south, self.east, self.north)

    def may_end_at(self, lat: float, lon: float) -> bool:
        return not self.shape.covers(Point(lon, lat))

    def may_pass(self, path: Sequence[tuple[float, float]]) -> bool:
        return not self.closed or not LineString(path).intersects(self.shape)


@pytest.fixture(scope="module")
def planner(demo_region: Region) -> Planner:
    return Planner(demo_region)


def request(modes: set[Mode], **changes: object) -> PlanRequest:
    base = PlanRequest(origin=ORIGIN, destination=DESTINATION, time=MONDAY_8, modes=frozenset(modes))
    return replace(base, **changes)


def shared_legs(itinerary: Itinerary) -> list[Leg]:
    return [leg for leg in itinerary.legs if leg.sharing is not None]


def test_whole_trip_walks_to_a_station_with_bikes_rides_and_docks_near_the_destination(
    planner: Planner,
) -> None:
    system = bikeshare(station("a", SOUTH, WEST), station("b", NORTH, EAST))
    result = planner.plan(request({Mode.BIKESHARE}), SharingSupply(systems=(system,)))
    itinerary = result.itineraries[0]
    assert [leg.mode for leg in itinerary.legs][:2] == [Mode.WALK, Mode.BIKESHARE]
    ride = shared_legs(itinerary)[0]
    assert ride.sharing is not None
    assert (ride.sharing.pickup_station_id, ride.sharing.dropoff_station_id) == ("a", "b")
    assert ride.origin.kind == ride.destination.kind == "station"
    assert ride.distance_m > 2000 and len(ride.geometry) > 2
    times = [(leg.start, leg.end) for leg in itinerary.legs]
    assert all(end >= start for start, end in times)
    assert all(times[i][1] == times[i + 1][0] for i in range(len(times) - 1))
    assert itinerary.start == MONDAY_8
    assert itinerary.legs[-1].destination.kind == "destination"


def test_an_empty_station_is_no_pickup_and_a_full_one_takes_no_bike(planner: Planner) -> None:
    system = bikeshare(
        station("empty", SOUTH, WEST, bikes=0),
        station("next", SOUTH, MIDDLE_WEST),
        station("full", NORTH, EAST, docks=0),
        station("free", NORTH, MIDDLE_EAST),
    )
    ride = shared_legs(planner.plan(request({Mode.BIKESHARE}), SharingSupply(systems=(system,))).itineraries[0])[0]
    assert ride.sharing is not None
    assert ride.sharing.pickup_station_id == "next"
    assert ride.sharing.dropoff_station_id == "free"


def test_unknown_dock_counts_still_take_bikes_back(planner: Planner) -> None:
    system = bikeshare(station("a", SOUTH, WEST), station("virtual", NORTH, EAST, docks=None))
    ride = shared_legs(planner.plan(request({Mode.BIKESHARE}), SharingSupply(systems=(system,))).itineraries[0])[0]
    assert ride.sharing is not None and ride.sharing.dropoff_station_id == "virtual"


def test_free_floating_bike_is_parked_at_the_destination_when_allowed(planner: Planner) -> None:
    bike = VehicleOffer(lat=ORIGIN[0] + 0.001, lon=ORIGIN[1], name="Rad 7", vehicle_type_id="bike", vehicle_id="rad-7")
    system = bikeshare(free=[bike], free_floating=True)
    itinerary = planner.plan(request({Mode.BIKESHARE}), SharingSupply(systems=(system,))).itineraries[0]
    ride = shared_legs(itinerary)[0]
    assert ride.sharing is not None and ride.sharing.vehicle_id == "rad-7"
    assert ride.origin.kind == "vehicle"
    assert itinerary.legs[-1] is ride and ride.destination.kind == "destination"


def test_free_floating_ride_ends_outside_a_no_parking_zone_and_walks_on(planner: Planner) -> None:
    bike = VehicleOffer(lat=ORIGIN[0] + 0.001, lon=ORIGIN[1], name="Rad 7", vehicle_type_id="bike", vehicle_id="rad-7")
    lat, lon = DESTINATION
    rules = BoxRules(lat - 0.0012, lon - 0.0018, lat + 0.0012, lon + 0.0018)
    system = bikeshare(free=[bike], free_floating=True, rules=rules)
    itinerary = planner.plan(request({Mode.BIKESHARE}), SharingSupply(systems=(system,))).itineraries[0]
    ride = shared_legs(itinerary)[0]
    assert ride.destination.kind == "parking"
    assert rules.may_end_at(ride.destination.lat, ride.destination.lon)
    assert itinerary.legs[-1].mode is Mode.WALK and itinerary.legs[-1].destination.kind == "destination"
    assert distance_m(ride.destination.lat, ride.destination.lon, lat, lon) >= 100


def test_a_ride_through_a_closed_zone_is_not_offered(planner: Planner) -> None:
    around_destination = BoxRules(SOUTH + 0.003, WEST - 0.01, NORTH + 0.01, EAST + 0.01, closed=True)
    system = bikeshare(station("a", SOUTH, WEST), station("b", NORTH, EAST), rules=around_destination)
    result = planner.plan(request({Mode.BIKESHARE, Mode.WALK}), SharingSupply(systems=(system,)))
    assert all(not shared_legs(itinerary) for itinerary in result.itineraries)


def test_station_carsharing_is_a_round_trip_on_the_car_network(planner: Planner) -> None:
    car = VehicleOffer(
        lat=SOUTH, lon=MIDDLE_WEST, name="Auto-Station Süd", vehicle_type_id="small", station_id="s1", count=1
    )
    system = SharingSystem(
        provider="auto",
        operator="Auto eG",
        mode=Mode.CARSHARING,
        vehicle_types={"small": VehicleKind("electric car", electric=True)},
        offers=(car,),
        stations=(),
        free_floating=False,
        round_trip=True,
        bookable=True,
    )
    itinerary = planner.plan(request({Mode.CARSHARING}), SharingSupply(systems=(system,))).itineraries[0]
    drive = shared_legs(itinerary)[0]
    assert drive.mode is Mode.CARSHARING and drive.sharing is not None
    assert drive.sharing.round_trip and drive.sharing.dropoff_station_id == drive.sharing.pickup_station_id == "s1"
    assert drive.sharing.vehicle_type == "electric car"
    assert drive.distance_m > 2000
    assert itinerary.legs[0].mode is Mode.WALK and itinerary.legs[0].destination.station_id == "s1"


def test_bikeshare_feeds_transit_when_no_station_is_near_the_destination(planner: Planner) -> None:
    # Bikes near the origin, docks only in the south: the destination is reached by tram or bus.
    system = bikeshare(station("a", SOUTH, WEST), station("b", SOUTH, EAST), station("c", MIDDLE_SOUTH, MIDDLE_EAST))
    result = planner.plan(request({Mode.BIKESHARE, Mode.TRANSIT}), SharingSupply(systems=(system,)))
    feeders = [it for it in result.itineraries if shared_legs(it) and any(leg.mode is Mode.TRANSIT for leg in it.legs)]
    assert feeders, [it.modes for it in result.itineraries]
    itinerary = feeders[0]
    modes = [leg.mode for leg in itinerary.legs]
    assert modes.index(Mode.BIKESHARE) < modes.index(Mode.TRANSIT)
    ride = shared_legs(itinerary)[0]
    first_ride = next(leg for leg in itinerary.legs if leg.mode is Mode.TRANSIT)
    assert ride.end <= first_ride.start
    for earlier, later in zip(itinerary.legs, itinerary.legs[1:], strict=False):
        assert earlier.end <= later.start


def test_bikeshare_from_the_last_stop_to_a_destination_no_stop_is_near(planner: Planner, demo_region: Region) -> None:
    # The destination is ~350 m from every stop, beyond the walk limit: only a bike from the last stop gets there.
    timetable = demo_region.timetable
    far = (51.32338, 9.48259)
    stop = min(
        range(len(timetable.stop_id)),
        key=lambda s: distance_m(far[0], far[1], float(timetable.stop_lat[s]), float(timetable.stop_lon[s])),
    )
    assert distance_m(far[0], far[1], float(timetable.stop_lat[stop]), float(timetable.stop_lon[stop])) > 300
    at_stop = station("at-stop", float(timetable.stop_lat[stop]), float(timetable.stop_lon[stop]))
    system = bikeshare(at_stop, station("at-destination", far[0], far[1], bikes=0))
    origin = (51.3076309 + 0.0002, 9.4789101)  # next to a stop
    result = planner.plan(
        request({Mode.BIKESHARE, Mode.TRANSIT, Mode.WALK}, origin=origin, destination=far, max_walk_m=250),
        SharingSupply(systems=(system,)),
    )
    itinerary = result.itineraries[0]
    modes = [leg.mode for leg in itinerary.legs]
    assert Mode.TRANSIT in modes and modes.index(Mode.TRANSIT) < modes.index(Mode.BIKESHARE), modes
    ride = shared_legs(itinerary)[0]
    assert ride.sharing is not None
    assert (ride.sharing.pickup_station_id, ride.sharing.dropoff_station_id) == ("at-stop", "at-destination")
    last_ride = [leg for leg in itinerary.legs if leg.mode is Mode.TRANSIT][-1]
    assert last_ride.end <= ride.start


def test_quotes_come_from_the_quoter_for_answered_sharing_legs(planner: Planner) -> None:
    seen: list[Leg] = []

    def quoter(leg: Leg) -> LegPrice:
        seen.append(leg)
        return LegPrice(PriceQuote(amount_cents=150, source="rad", estimated=True), deep_link="rad://open")

    system = bikeshare(station("a", SOUTH, WEST), station("b", NORTH, EAST))
    itinerary = planner.plan(request({Mode.BIKESHARE}), SharingSupply(systems=(system,), quoter=quoter)).itineraries[0]
    ride = shared_legs(itinerary)[0]
    assert ride.sharing is not None and ride.sharing.quote == PriceQuote(150, source="rad", estimated=True)
    assert ride.sharing.deep_link == "rad://open"
    assert len(seen) == 1 and seen[0].sharing is not None and seen[0].sharing.pickup_station_id == "a"


def test_arrive_by_bikeshare_arrives_in_time(planner: Planner) -> None:
    system = bikeshare(station("a", SOUTH, WEST), station("b", NORTH, EAST))
    itinerary = planner.plan(request({Mode.BIKESHARE}, arrive_by=True), SharingSupply(systems=(system,))).itineraries[0]
    assert itinerary.end == MONDAY_8
    assert shared_legs(itinerary)


def test_without_fleets_or_for_wheelchair_users_bikeshare_is_a_warning(planner: Planner) -> None:
    result = planner.plan(request({Mode.BIKESHARE, Mode.WALK}), SharingSupply())
    assert "bikeshare_unavailable" in result.warnings
    system = bikeshare(station("a", SOUTH, WEST), station("b", NORTH, EAST))
    result = planner.plan(request({Mode.BIKESHARE, Mode.WALK}, wheelchair=True), SharingSupply(systems=(system,)))
    assert "bikeshare_not_step_free" in result.warnings
    assert all(not shared_legs(itinerary) for itinerary in result.itineraries)


def test_bike_and_ride_uses_the_bicycle_parking_of_the_region(planner: Planner, demo_region: Region) -> None:
    assert demo_region.street.bike_parking.shape[0] >= 10  # the demo maps parking beside its tram stops
    depart = planner.plan(request({Mode.BIKE, Mode.TRANSIT}))
    assert "bike_and_ride_unavailable" not in depart.warnings
    assert all(leg.sharing is None for itinerary in depart.itineraries for leg in itinerary.legs)
    arrive = planner.plan(request({Mode.BIKE, Mode.TRANSIT}, arrive_by=True))
    assert arrive.warnings == [] and all(itinerary.end <= MONDAY_8 for itinerary in arrive.itineraries)


def test_arrive_by_with_a_bikeshare_feeder_arrives_in_time_and_leaves_late(
    planner: Planner, demo_region: Region
) -> None:
    system = bikeshare(station("a", SOUTH, WEST), station("b", SOUTH, EAST), station("c", MIDDLE_SOUTH, MIDDLE_EAST))
    deadline = MONDAY_8 + timedelta(hours=1)
    result = planner.plan(
        request({Mode.BIKESHARE, Mode.TRANSIT}, arrive_by=True, time=deadline),
        SharingSupply(systems=(system,)),
    )
    feeders = [it for it in result.itineraries if shared_legs(it) and any(leg.mode is Mode.TRANSIT for leg in it.legs)]
    assert feeders, [it.modes for it in result.itineraries]
    for itinerary in feeders:
        assert itinerary.end <= deadline
        assert itinerary.start >= deadline - timedelta(minutes=75)  # a late departure, not any journey of the morning
        for earlier, later in zip(itinerary.legs, itinerary.legs[1:], strict=False):
            assert earlier.end <= later.start


def test_cheapest_counts_the_sharing_quotes_before_choosing(planner: Planner) -> None:
    """A 4 EUR car and a 1 EUR bike in one answer: the bike is the cheapest (quotes were added after choosing)."""
    car = VehicleOffer(lat=SOUTH, lon=WEST, name="Auto-Station Süd", vehicle_type_id="small", station_id="s1", count=1)
    cars = SharingSystem(
        provider="auto",
        operator="Auto eG",
        mode=Mode.CARSHARING,
        vehicle_types={"small": VehicleKind("car")},
        offers=(car,),
        stations=(),
        free_floating=False,
        round_trip=True,
        bookable=True,
    )
    bikes = bikeshare(station("a", SOUTH, WEST), station("b", NORTH, EAST))

    def quoter(leg: Leg) -> LegPrice:
        return LegPrice(PriceQuote(amount_cents=400 if leg.mode is Mode.CARSHARING else 100, source="q"))

    def price(itinerary: Itinerary) -> float:
        return float(sum(leg.sharing.quote.amount_cents for leg in shared_legs(itinerary) if leg.sharing.quote))

    result = planner.plan(
        request({Mode.BIKESHARE, Mode.CARSHARING}), SharingSupply(systems=(cars, bikes), quoter=quoter), price
    )
    by_mode = {shared_legs(it)[0].mode: it for it in result.itineraries}
    assert set(by_mode) == {Mode.CARSHARING, Mode.BIKESHARE}, [it.modes for it in result.itineraries]
    assert "cheapest" in by_mode[Mode.BIKESHARE].labels and "cheapest" not in by_mode[Mode.CARSHARING].labels
    assert by_mode[Mode.CARSHARING].end < by_mode[Mode.BIKESHARE].end and "fastest" in by_mode[Mode.CARSHARING].labels
    assert all(leg.sharing.quote is not None for it in result.itineraries for leg in shared_legs(it))


def test_bike_and_ride_to_the_regional_train_is_strictly_the_fastest_and_labelled(planner: Planner) -> None:
    """Cycle 900 m to the RB5 station (bicycle parking beside it), ride 2.5 km at 60 km/h, walk 75 m.

    The demo's trams and buses are no faster than a bike, so only its regional train lets bike+ride win.
    """
    plan = plan_city()
    home, work = plan.position(3.6, 1), plan.position(0.3, 11)
    ask = request(
        {Mode.BIKE, Mode.TRANSIT, Mode.WALK},
        origin=(home.lat, home.lon),
        destination=(work.lat, work.lon),
        time=MONDAY_8 + timedelta(minutes=18),
    )
    answer = planner.plan(ask).itineraries
    bike_and_ride = [it for it in answer if it.legs[0].mode is Mode.BIKE and Mode.TRANSIT in it.modes]
    assert len(bike_and_ride) == 1, [(it.modes, it.labels) for it in answer]
    [winner] = bike_and_ride
    assert "fastest" in winner.labels
    cycling = planner.plan(replace(ask, modes=frozenset({Mode.BIKE}))).itineraries[0]
    transit = planner.plan(replace(ask, modes=frozenset({Mode.WALK, Mode.TRANSIT}))).itineraries
    assert all(winner.end < other.end for other in [cycling, *transit, *(it for it in answer if it is not winner)])
    bike, ride = winner.legs[0], next(leg for leg in winner.legs if leg.mode is Mode.TRANSIT)
    assert bike.destination.kind == "bike_parking" and bike.end <= ride.start
    assert ride.ride is not None and ride.ride.route_short_name == "RB5"
    assert ask.time <= winner.start < ask.time + timedelta(minutes=1)  # the train is caught just in time
