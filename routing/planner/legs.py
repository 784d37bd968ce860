"""Itinerary legs from the routers' answers: transit journeys, shared-vehicle chains, walks with their streets.

:class:`LegBuilder` turns a :class:`~routing.transit.journeys.Journey` (and the
shared-vehicle chains standing in for its access or egress walks) into
:class:`~routing.planner.itinerary.Leg` objects with places, geometry and steps; the
functions below join consecutive walks and drop walks that go nowhere.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import numpy as np

from routing.errors import NoRoute
from routing.geo import haversine_m
from routing.planner.access import StreetAccess
from routing.planner.itinerary import Coordinates, Itinerary, Leg, Place, RideDetails, SharingDetails
from routing.planner.request import Mode, PlanRequest
from routing.planner.shared_rides import RIDE_PROFILE, SharedRide, ride_speeds
from routing.street.router import Snap, StreetRouter, TravelSpeeds
from routing.street.steps import Step
from routing.transit.journeys import Journey, TransitLeg, WalkLeg
from routing.transit.timetable import Timetable


class LegBuilder:
    """Builds the legs of itineraries on one region; stop places are made once and shared (they are immutable)."""

    def __init__(self, timetable: Timetable, access: StreetAccess) -> None:
        self.timetable = timetable
        self.access = access
        self._places: dict[int, Place] = {}

    def chain_legs(
        self,
        chain: SharedRide,
        start: datetime,
        a: Place,
        b: Place,
        a_snap: Snap | None,
        b_snap: Snap | None,
        router: StreetRouter,
        walk: TravelSpeeds,
        *,
        geometry: bool = True,
    ) -> list[Leg] | None:
        """Walk, ride and walk legs of a chain from ``a`` to ``b`` from ``start`` (None: a rule forbids the ride)."""
        system, offer = chain.system, chain.offer
        own_bike = system.mode is Mode.BIKE
        station_pickup = offer.vehicle_id is None
        pickup = (
            a
            if own_bike
            else Place(
                name=offer.name,
                lat=chain.pickup.lat,
                lon=chain.pickup.lon,
                kind="station" if station_pickup else "vehicle",
                station_id=offer.station_id,
            )
        )
        end = chain.dropoff
        if end.kind == "stop" or (end.kind == "parking" and chain.walk_from_m <= 0.5):
            dropoff = b
        elif own_bike:
            dropoff = Place(name="", lat=end.lat, lon=end.lon, kind="bike_parking")
        elif end.kind == "station":
            dropoff = Place(name=end.name, lat=end.lat, lon=end.lon, kind="station", station_id=end.station_id)
        else:
            dropoff = Place(name="", lat=end.ride.snapped_lat, lon=end.ride.snapped_lon, kind="parking")
        ride_line = [(pickup.lon, pickup.lat), (dropoff.lon, dropoff.lat)]
        ride_steps: tuple[Step, ...] = ()
        if geometry:
            speeds = ride_speeds(system, offer.vehicle_type_id, walk.normal * 3.6)
            try:
                route = self.access.street(RIDE_PROFILE[system.mode]).route(chain.pickup.ride, end.ride, speeds=speeds)
            except NoRoute:
                return None
            ride_line = joined([(pickup.lon, pickup.lat), *route.coordinates, (dropoff.lon, dropoff.lat)])
            ride_steps = tuple(route.steps)
            if system.rules is not None and not system.rules.may_pass(route.coordinates):
                return None
        kind = system.vehicle_types.get(offer.vehicle_type_id)
        details = (
            None
            if own_bike
            else SharingDetails(
                provider=system.provider,
                operator=system.operator,
                vehicle_type_id=offer.vehicle_type_id,
                vehicle_type=kind.name if kind is not None else offer.vehicle_type_id,
                vehicle_id=offer.vehicle_id,
                pickup_station_id=offer.station_id,
                dropoff_station_id=offer.station_id if system.round_trip else end.station_id,
                quote=None,
                bookable=system.bookable,
                round_trip=system.round_trip,
            )
        )
        reach = start + timedelta(seconds=round(chain.walk_to_s))
        leave = start + timedelta(seconds=round(chain.walk_to_s + chain.rental_s))
        arrive = start + timedelta(seconds=round(chain.total_s))
        legs = []
        if chain.walk_to_m > 0.5 and not own_bike:
            snaps = (a_snap, chain.pickup.walk)
            legs.append(self._walk_leg(router, snaps, (a, pickup), (start, reach), chain.walk_to_m, walk, geometry))
        legs.append(
            Leg(
                mode=system.mode,
                origin=pickup,
                destination=dropoff,
                start=reach,
                end=leave,
                distance_m=chain.ride_m,
                geometry=ride_line,
                sharing=details,
                steps=ride_steps,
            )
        )
        if chain.walk_from_m > 0.5 and dropoff is not b:
            snaps = (end.walk, b_snap)
            legs.append(self._walk_leg(router, snaps, (dropoff, b), (leave, arrive), chain.walk_from_m, walk, geometry))
        return legs

    def _walk_leg(
        self,
        router: StreetRouter,
        snaps: tuple[Snap | None, Snap | None],
        places: tuple[Place, Place],
        times: tuple[datetime, datetime],
        distance_m: float,
        walk: TravelSpeeds,
        geometry: bool,
    ) -> Leg:
        """A walk leg of a chain between two places (the street path when ``geometry``, else a straight line)."""
        a, b = places
        line, steps = self.walk_geometry(router, *snaps, a, b, walk) if geometry else _NONE
        return Leg(
            mode=Mode.WALK,
            origin=a,
            destination=b,
            start=times[0],
            end=times[1],
            distance_m=distance_m,
            geometry=line or [(a.lon, a.lat), (b.lon, b.lat)],
            steps=steps,
        )

    # Transit -------------------------------------------------------------------------

    def stop_place(self, stop: int) -> Place:
        """The place of ``stop`` (made once per planner, that is per region: places are immutable)."""
        place = self._places.get(stop)
        if place is None:
            timetable = self.timetable
            parent = int(timetable.stop_parent[stop])
            place = Place(
                name=timetable.stop_name[stop],
                lat=float(timetable.stop_lat[stop]),
                lon=float(timetable.stop_lon[stop]),
                kind="stop",
                stop_id=timetable.stop_id[stop],
                station_id=timetable.stop_id[parent] if parent >= 0 else None,
            )
            self._places[stop] = place
        return place

    def stop_snap(self, stop: int, profile: str) -> Snap | None:
        """Where ``stop`` lies on the ``profile`` graph (None: off that network)."""
        return self.access.stop_snap(stop, profile)

    def walk_geometry(
        self,
        router: StreetRouter,
        start: Snap | None,
        end: Snap | None,
        a: Place,
        b: Place,
        speeds: TravelSpeeds,
    ) -> tuple[Coordinates, tuple[Step, ...]]:
        """The street path of a walk leg and its steps; a straight line without steps when an end is off the network."""
        straight = [(a.lon, a.lat), (b.lon, b.lat)]
        if start is None or end is None:
            return straight, ()
        try:
            route = router.route(start, end, speeds=speeds)
        except NoRoute:
            return straight, ()
        return joined([(a.lon, a.lat), *route.coordinates, (b.lon, b.lat)]), tuple(route.steps)

    def from_journey(
        self,
        journey: Journey,
        request: PlanRequest,
        router: StreetRouter,
        origin: Snap,
        destination: Snap,
        speeds: TravelSpeeds,
        *,
        geometry: bool = True,
        access: dict[int, SharedRide] | None = None,
        egress: dict[int, SharedRide] | None = None,
    ) -> Itinerary | None:
        """The itinerary of a transit journey; walk legs follow the streets when ``geometry``.

        With ``access`` (``egress``), the street part to (from) a stop is that stop's
        shared-vehicle chain; None when a parking or ride-through rule forbids it.
        """
        legs: list[Leg] = []
        profile = router.profile
        origin_place = endpoint("origin", request.origin)
        destination_place = endpoint("destination", request.destination)
        for part in journey.legs:
            if isinstance(part, TransitLeg):
                legs.append(self.ride_leg(part, detailed=geometry))
                continue
            a = origin_place if part.from_stop is None else self.stop_place(part.from_stop)
            b = destination_place if part.to_stop is None else self.stop_place(part.to_stop)
            chain = feeder_chain(part, access, egress)
            if chain is not None:
                a_snap = origin if part.from_stop is None else self.stop_snap(part.from_stop, profile)
                b_snap = destination if part.to_stop is None else self.stop_snap(part.to_stop, profile)
                chain_legs = self.chain_legs(
                    chain, part.departure, a, b, a_snap, b_snap, router, speeds, geometry=geometry
                )
                if chain_legs is None:
                    return None
                legs += chain_legs
                continue
            line = [(a.lon, a.lat), (b.lon, b.lat)]
            steps: tuple[Step, ...] = ()
            if geometry:
                start_snap = origin if part.from_stop is None else self.stop_snap(part.from_stop, profile)
                end_snap = destination if part.to_stop is None else self.stop_snap(part.to_stop, profile)
                line, steps = self.walk_geometry(router, start_snap, end_snap, a, b, speeds)
            legs.append(
                Leg(
                    mode=Mode.WALK,
                    origin=a,
                    destination=b,
                    start=part.departure,
                    end=part.arrival,
                    distance_m=part.meters,
                    geometry=line,
                    steps=steps,
                )
            )
        return Itinerary(legs=merge_walks([leg for leg in legs if not empty_walk(leg)] or legs))

    def ride_leg(self, part: TransitLeg, *, detailed: bool = True) -> Leg:
        """A transit leg; without ``detailed`` its intermediate stops and line are left out (an outline)."""
        stops = [part.from_stop, *part.intermediate_stops, part.to_stop] if detailed else [part.from_stop, part.to_stop]
        places = [self.stop_place(stop) for stop in stops]
        ride = RideDetails(
            trip_id=part.trip_id,
            route_id=part.route_id,
            route_short_name=part.route_short_name,
            route_long_name=part.route_long_name,
            route_type=part.route_type,
            agency=part.agency,
            headsign=part.headsign,
            service_day=part.service_day,
            intermediate_stops=places[1:-1],
            realtime=part.realtime,
            scheduled_start=part.scheduled_departure or part.departure,
            scheduled_end=part.scheduled_arrival or part.arrival,
            occupancy=part.occupancy,
        )
        geometry = [(place.lon, place.lat) for place in places]
        return Leg(
            mode=Mode.TRANSIT,
            origin=places[0],
            destination=places[-1],
            start=part.departure,
            end=part.arrival,
            distance_m=_polyline_m(geometry),
            geometry=geometry,
            ride=ride,
        )


def feeder_chain(
    part: WalkLeg,
    access: dict[int, SharedRide] | None,
    egress: dict[int, SharedRide] | None,
) -> SharedRide | None:
    """The shared-vehicle chain standing in for an access or egress walk, if any."""
    if access is not None and part.from_stop is None and part.to_stop is not None:
        return access.get(part.to_stop)
    if egress is not None and part.to_stop is None and part.from_stop is not None:
        return egress.get(part.from_stop)
    return None


def endpoint(kind: str, point: tuple[float, float]) -> Place:
    """The request's ``origin`` or ``destination`` (``kind``) as a place at ``point`` (lat, lon)."""
    return Place(name=kind, lat=point[0], lon=point[1], kind=kind)


_NONE: tuple[None, tuple[Step, ...]] = (None, ())
"""No geometry asked for: no line and no steps."""


def joined(points: Coordinates) -> Coordinates:
    """``points`` without repeats of the same point in a row (a line of at least two points)."""
    kept = [points[0]]
    for point in points[1:]:
        if point != kept[-1]:
            kept.append(point)
    return kept if len(kept) > 1 else [kept[0], kept[0]]


def _joined_steps(first: tuple[Step, ...], second: tuple[Step, ...]) -> tuple[Step, ...]:
    """The steps of two walks in a row: the first one's arrival dropped, the second's departure a continue."""
    if not first or not second:
        return first or second
    head = first[:-1] if first[-1].action == "arrive" else first
    start = second[0]
    if start.action == "depart":
        start = replace(start, action="continue", modifier="straight")
    return (*head, start, *second[1:])


def merge_walks(legs: list[Leg]) -> list[Leg]:
    """``legs`` with every run of consecutive walk legs made one walk leg with one geometry.

    The merged leg goes from the first walk's origin to the last one's destination, its
    distance is the sum of theirs and its line the joined lines (each ends where the next
    begins), so distance and geometry stay the same walk.
    """
    merged: list[Leg] = []
    for leg in legs:
        previous = merged[-1] if merged else None
        if previous is not None and previous.mode is Mode.WALK and leg.mode is Mode.WALK:
            merged[-1] = replace(
                previous,
                destination=leg.destination,
                end=leg.end,
                distance_m=previous.distance_m + leg.distance_m,
                geometry=joined([*previous.geometry, *leg.geometry]),
                steps=_joined_steps(previous.steps, leg.steps),
            )
        else:
            merged.append(leg)
    return merged


def empty_walk(leg: Leg) -> bool:
    """A walk that goes nowhere: from a stop to itself, or a zero-length access or egress."""
    if leg.mode is not Mode.WALK:
        return False
    same_stop = leg.origin.stop_id is not None and leg.origin.stop_id == leg.destination.stop_id
    return same_stop or (
        leg.distance_m < 0.5 and leg.duration_s == 0 and None in (leg.origin.stop_id, leg.destination.stop_id)
    )


def _polyline_m(points: Coordinates) -> float:
    if len(points) < 2:
        return 0.0
    lon, lat = np.asarray(points, dtype=np.float64).T
    return float(haversine_m(lat[:-1], lon[:-1], lat[1:], lon[1:]).sum())
