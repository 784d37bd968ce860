"""Flex rides (GTFS-Flex v2) as legs of itineraries: the whole trip, access to transit, egress from it.

As OpenTripPlanner's flex router does it, but exact about time: the rider walks to a
place a flex trip serves (into its zone, to its zone's boundary, or to one of its stops
or its group's stops), the in-vehicle time is the car's time on the region's streets
times the feed's factors plus its offsets (:mod:`routing.flex.timing`), and which rides
are offered is decided by :func:`routing.flex.rides.find_rides` relative to the booking
moment. A transfer to transit waits for the *safe* (upper) arrival estimate; the leg
itself ends at the mean estimate.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import shapely

from routing.errors import NoRoute, PointNotRoutable
from routing.flex.model import FlexNetwork
from routing.flex.rides import FlexRide, RideQuery, find_rides
from routing.geo import haversine_m
from routing.planner.itinerary import Coordinates, FlexDetails, Leg, Place
from routing.planner.request import Mode
from routing.street.router import Snap, StreetRouter, StreetTargets, TravelSpeeds, driving_speeds
from routing.transit.timetable import Timetable

CAR_PROFILE = "car"
CAR_BUDGET_S = 3600.0
"""Longest car time a flex ride is looked up for (the searches stop there)."""
MAX_MEETING_POINTS = 6
"""Meeting points (the point itself, zone boundaries, stops) tried at each end."""
ARRIVE_BY_SEARCH = timedelta(hours=3)
EDGE_NUDGE_M = 1.0
"""How far inside a zone the walk to its boundary ends (the point lies in the zone, not on its edge)."""


@dataclass(frozen=True)
class MeetingPoint:
    """Where a rider meets a flex vehicle: the place, the walk to (or from) it, the refs it lies in."""

    place: Place
    walk_s: float
    walk_m: float
    refs: frozenset[str]
    """Zones that contain it, the flex stop it is and the location groups with that stop."""
    walk_snap: Snap | None
    """Its place on the walking network (None: it is the traveller's own point)."""


@dataclass(frozen=True)
class FlexChain:
    """Walk, flex ride, walk: one way between two places by an on-demand ride."""

    pickup: MeetingPoint
    drop_off: MeetingPoint
    ride: FlexRide
    car_m: float
    booking_time: datetime
    """The booking moment the ride was found for."""

    @property
    def arrival(self) -> datetime:
        """Expected arrival at the end of the walk after the ride."""
        return self.ride.arrival + timedelta(seconds=round(self.drop_off.walk_s))

    @property
    def safe_arrival(self) -> datetime:
        """Arrival at the end of the walk after the ride by the safe (upper) estimate of the ride."""
        return self.ride.latest_arrival + timedelta(seconds=round(self.drop_off.walk_s))

    @property
    def departure(self) -> datetime:
        """When the walk to the pickup starts."""
        return self.ride.pickup - timedelta(seconds=round(self.pickup.walk_s))


def _nudged(lon: float, lat: float, towards: tuple[float, float]) -> tuple[float, float]:
    """(lon, lat) moved ``EDGE_NUDGE_M`` towards ``towards`` (a point inside the zone)."""
    distance = float(haversine_m(lat, lon, towards[1], towards[0]))
    if distance <= EDGE_NUDGE_M:
        return towards
    share = EDGE_NUDGE_M / distance
    return lon + (towards[0] - lon) * share, lat + (towards[1] - lat) * share


class FlexRouter:
    """Flex rides between points of one region: meeting points, car times, rides. Safe to share between threads."""

    def __init__(
        self,
        network: FlexNetwork,
        timetable: Timetable,
        street: Callable[[str], StreetRouter],
        profiles: Collection[str],
    ) -> None:
        self.network = network
        self.timetable = timetable
        self.street = street
        self.car: StreetRouter | None = street(CAR_PROFILE) if CAR_PROFILE in profiles else None
        self.zone_ids = list(network.zones)
        self.zone_shapes = [
            shapely.MultiPolygon([shapely.Polygon(poly[0], poly[1:]) for poly in network.zones[zone].polygons])
            for zone in self.zone_ids
        ]
        for shape in self.zone_shapes:
            shapely.prepare(shape)
        self.groups_of: dict[str, set[str]] = {}
        for group in network.groups.values():
            for stop in group.stop_ids:
                self.groups_of.setdefault(stop, set()).add(group.group_id)
        self.transfer_stops = self._transfer_stops()
        self._car_snaps: dict[int, Snap | None] = {}

    # Where riders meet the vehicle ------------------------------------------------------

    def zones_at(self, lat: float, lon: float) -> set[str]:
        """Ids of the zones that contain (or touch) the point."""
        point = shapely.Point(lon, lat)
        return {zone for zone, shape in zip(self.zone_ids, self.zone_shapes, strict=True) if shape.covers(point)}

    def _stop_refs(self, stop_id: str, lat: float, lon: float) -> frozenset[str]:
        return frozenset({stop_id, *self.groups_of.get(stop_id, ()), *self.zones_at(lat, lon)})

    def _transfer_stops(self) -> dict[int, frozenset[str]]:
        """Transit stops a flex trip can serve: inside a zone, or a flex stop themselves (same id)."""
        found: dict[int, frozenset[str]] = {}
        if not self.zone_ids and not self.network.stops:
            return found
        lats = np.asarray(self.timetable.stop_lat, dtype=np.float64)
        lons = np.asarray(self.timetable.stop_lon, dtype=np.float64)
        inside = np.zeros(lats.size, dtype=bool)
        points = shapely.points(lons, lats)
        for shape in self.zone_shapes:
            inside |= shapely.covers(shape, points)
        for stop, stop_id in enumerate(self.timetable.stop_id):
            if inside[stop] or stop_id in self.network.stops:
                refs = self._stop_refs(stop_id, float(lats[stop]), float(lons[stop]))
                found[stop] = refs
        return found

    def meeting_points(
        self,
        point: tuple[float, float],
        snap: Snap,
        *,
        kind: str,
        profile: str,
        speeds: TravelSpeeds,
        max_walk_s: float,
        max_walk_m: float,
    ) -> list[MeetingPoint]:
        """Where a rider at ``point`` (``kind`` origin: walking away from it; destination: to it) meets a vehicle.

        The point itself when a zone contains it; else the nearest point just inside each
        zone within ``max_walk_m``; and the flex stops within it. Walks are on the streets
        (``profile``) and at most ``max_walk_s``; the nearest ``MAX_MEETING_POINTS`` are kept.
        """
        lat, lon = point
        found: list[MeetingPoint] = []
        own = self.zones_at(lat, lon)
        if own:
            found.append(MeetingPoint(_place(kind, point), 0.0, 0.0, frozenset(own), None))
        candidates: list[tuple[float, Place, frozenset[str]]] = []
        here = shapely.Point(lon, lat)
        for zone, shape in zip(self.zone_ids, self.zone_shapes, strict=True):
            if zone in own:
                continue
            edge = shapely.shortest_line(shape, here)
            edge_lon, edge_lat = edge.coords[0]
            inner = shapely.Point(*shapely.get_coordinates(shapely.point_on_surface(shape))[0])
            e_lon, e_lat = _nudged(edge_lon, edge_lat, (inner.x, inner.y))
            distance = float(haversine_m(lat, lon, e_lat, e_lon))
            if distance <= max_walk_m:
                name = self.network.zones[zone].name
                refs = frozenset({zone, *self.zones_at(e_lat, e_lon)})
                candidates.append((distance, Place(name=name, lat=e_lat, lon=e_lon, kind="flex_zone"), refs))
        for stop in self.network.stops.values():
            distance = float(haversine_m(lat, lon, stop.lat, stop.lon))
            if distance <= max_walk_m:
                place = Place(name=stop.name, lat=stop.lat, lon=stop.lon, kind="stop", stop_id=stop.stop_id)
                candidates.append((distance, place, self._stop_refs(stop.stop_id, stop.lat, stop.lon)))
        candidates.sort(key=lambda item: item[0])
        router = self.street(profile)
        for _, place, refs in candidates[: MAX_MEETING_POINTS - len(found)]:
            try:
                target = router.snap(place.lat, place.lon)
                start, end = (snap, target) if kind == "origin" else (target, snap)
                route = router.route(start, end, speeds=speeds)
            except (PointNotRoutable, NoRoute):
                continue
            if route.cost <= max_walk_s:
                found.append(MeetingPoint(place, route.duration_s, route.distance_m, refs, target))
        return found

    # Car times and rides ----------------------------------------------------------------

    def car_snap(self, lat: float, lon: float) -> Snap | None:
        """The point on the car network (None: no car network, or too far from a road)."""
        if self.car is None:
            return None
        try:
            return self.car.snap(lat, lon)
        except PointNotRoutable:
            return None

    def stop_meeting_point(self, stop: int) -> MeetingPoint | None:
        """Transit ``stop`` as a place to meet a flex vehicle (None: no flex trip serves it)."""
        refs = self.transfer_stops.get(stop)
        return None if refs is None else MeetingPoint(self._transit_place(stop), 0.0, 0.0, refs, None)

    def stop_car_snap(self, stop: int) -> Snap | None:
        """Transit ``stop`` on the car network (cached; None: no car network, or too far from a road)."""
        return self._stop_car_snap(stop)

    def _stop_car_snap(self, stop: int) -> Snap | None:
        if stop not in self._car_snaps:
            self._car_snaps[stop] = self.car_snap(
                float(self.timetable.stop_lat[stop]), float(self.timetable.stop_lon[stop])
            )
        return self._car_snaps[stop]

    def car_times(self, origins: list[Snap | None], destinations: list[Snap | None]) -> tuple[np.ndarray, np.ndarray]:
        """Seconds and metres by car between every origin and destination (inf: no road between them)."""
        shape = (len(origins), len(destinations))
        seconds, metres = np.full(shape, np.inf), np.full(shape, np.inf)
        rows = [i for i, snap in enumerate(origins) if snap is not None]
        cols = [j for j, snap in enumerate(destinations) if snap is not None]
        if self.car is None or not rows or not cols:
            return seconds, metres
        _, time, length = self.car.many_to_many(
            [origins[i] for i in rows if origins[i] is not None],  # type: ignore[misc]
            [destinations[j] for j in cols if destinations[j] is not None],  # type: ignore[misc]
            speeds=driving_speeds(),
            budget_s=CAR_BUDGET_S,
        )
        seconds[np.ix_(rows, cols)] = time
        metres[np.ix_(rows, cols)] = length
        return seconds, metres

    def _car_times_to(
        self, origins: list[Snap | None], destinations: list[Snap | None]
    ) -> tuple[np.ndarray, np.ndarray]:
        """As :meth:`car_times`, searching backwards from each destination (few destinations, many origins)."""
        shape = (len(origins), len(destinations))
        seconds, metres = np.full(shape, np.inf), np.full(shape, np.inf)
        if self.car is None:
            return seconds, metres
        targets = StreetTargets.of(origins)
        for column, destination in enumerate(destinations):
            if destination is None:
                continue
            walks = self.car.walks(destination, targets, speeds=driving_speeds(), budget_s=CAR_BUDGET_S, reverse=True)
            seconds[walks.target, column] = walks.duration_s
            metres[walks.target, column] = walks.distance_m
        return seconds, metres

    def chains(
        self,
        pickups: list[MeetingPoint],
        drop_offs: list[MeetingPoint],
        *,
        earliest: datetime,
        booking_time: datetime,
        wheelchair: bool,
    ) -> list[FlexChain]:
        """The earliest-arriving chain of every flex trip between the meeting points, leaving at ``earliest``."""
        car_from = [self.car_snap(p.place.lat, p.place.lon) for p in pickups]
        car_to = [self.car_snap(d.place.lat, d.place.lon) for d in drop_offs]
        seconds, metres = self.car_times(car_from, car_to)
        best: dict[str, FlexChain] = {}
        for i, pickup in enumerate(pickups):
            for j, drop_off in enumerate(drop_offs):
                if not math.isfinite(seconds[i, j]):
                    continue
                query = RideQuery(
                    pickup_refs=pickup.refs,
                    drop_off_refs=drop_off.refs,
                    car_s=float(seconds[i, j]),
                    earliest_pickup=earliest + timedelta(seconds=round(pickup.walk_s)),
                    booking_time=booking_time,
                    wheelchair=wheelchair,
                )
                for ride in find_rides(self.network, query):
                    chain = FlexChain(pickup, drop_off, ride, float(metres[i, j]), booking_time)
                    known = best.get(ride.trip.trip_id)
                    if known is None or chain.arrival < known.arrival:
                        best[ride.trip.trip_id] = chain
        return sorted(best.values(), key=lambda chain: chain.arrival)

    def latest_chain(
        self,
        chain: FlexChain,
        *,
        deadline: datetime,
        booking_time: datetime,
        wheelchair: bool,
        safe: bool = False,
    ) -> FlexChain | None:
        """``chain``'s ride picked up as late as its windows and booking rules allow to arrive by ``deadline``.

        The pickup is at most the latest of the boarding row's window, the latest whose
        expected (mean) arrival still lies in the alighting row's drop-off window (the rule
        :func:`~routing.flex.rides.find_rides` applies), and the latest whose arrival at the
        end of the walk after the ride is by ``deadline``: the expected arrival, or with
        ``safe`` the safe (upper) estimate (a transfer to a fixed trip waits for that one).
        The booking rules are applied again for the later pickup (relative to
        ``booking_time``); None when no pickup of that ride is in time.
        """
        ride = chain.ride
        mean = ride.arrival - ride.pickup
        estimate = ride.latest_arrival - ride.pickup if safe else mean
        walk = timedelta(seconds=round(chain.drop_off.walk_s))
        latest = min(ride.pickup_window[1], ride.drop_off_window[1] - mean, deadline - walk - estimate)
        if latest < ride.pickup:
            return None
        query = RideQuery(
            pickup_refs=frozenset({ride.board.ref}),
            drop_off_refs=frozenset({ride.alight.ref}),
            car_s=ride.car_s,
            earliest_pickup=latest,
            booking_time=booking_time,
            wheelchair=wheelchair,
        )
        for later in find_rides(self.network, query):
            same = (later.trip.trip_id, later.service_day, later.board, later.alight)
            if same == (ride.trip.trip_id, ride.service_day, ride.board, ride.alight):
                candidate = FlexChain(chain.pickup, chain.drop_off, later, chain.car_m, booking_time)
                arrival = candidate.safe_arrival if safe else candidate.arrival
                return candidate if arrival <= deadline else None
        return None

    # Access and egress ------------------------------------------------------------------

    def to_stops(
        self, pickups: list[MeetingPoint], *, earliest: datetime, booking_time: datetime, wheelchair: bool
    ) -> dict[int, FlexChain]:
        """Per transit stop a flex trip serves, the chain reaching it first by the *safe* estimate."""
        stops = list(self.transfer_stops)
        drop_offs = [
            MeetingPoint(self._transit_place(stop), 0.0, 0.0, self.transfer_stops[stop], None) for stop in stops
        ]
        car_from = [self.car_snap(p.place.lat, p.place.lon) for p in pickups]
        seconds, metres = self.car_times(car_from, [self._stop_car_snap(stop) for stop in stops])
        found: dict[int, FlexChain] = {}
        for i, pickup in enumerate(pickups):
            for j, stop in enumerate(stops):
                if not math.isfinite(seconds[i, j]):
                    continue
                query = RideQuery(
                    pickup_refs=pickup.refs,
                    drop_off_refs=drop_offs[j].refs,
                    car_s=float(seconds[i, j]),
                    earliest_pickup=earliest + timedelta(seconds=round(pickup.walk_s)),
                    booking_time=booking_time,
                    wheelchair=wheelchair,
                )
                for ride in find_rides(self.network, query):
                    known = found.get(stop)
                    if known is None or ride.latest_arrival < known.ride.latest_arrival:
                        found[stop] = FlexChain(pickup, drop_offs[j], ride, float(metres[i, j]), booking_time)
        return found

    def from_stop_estimates(self, drop_offs: list[MeetingPoint]) -> dict[int, tuple[float, float, float]]:
        """Per transit stop a flex trip serves, a lower bound of (seconds, metres, walked seconds) to the destination.

        The bound takes the smallest mean factor and offset of the network; the ride itself is
        looked up for the actual arrival at the stop (:meth:`from_stop`).
        """
        stops = list(self.transfer_stops)
        seconds, metres = self._car_times_to(
            [self._stop_car_snap(stop) for stop in stops],
            [self.car_snap(d.place.lat, d.place.lon) for d in drop_offs],
        )
        rows = [row for trip in self.network.trips for row in trip.stop_times]
        factor = min((row.mean_factor for row in rows), default=1.0)
        offset = min((row.mean_offset_s for row in rows), default=0.0)
        estimates: dict[int, tuple[float, float, float]] = {}
        for i, stop in enumerate(stops):
            for j, drop_off in enumerate(drop_offs):
                if not math.isfinite(seconds[i, j]) or not (self.transfer_stops[stop] and drop_off.refs):
                    continue
                value = (
                    max(seconds[i, j] * factor + offset, 0.0) + drop_off.walk_s,
                    metres[i, j] + drop_off.walk_m,
                    drop_off.walk_s,
                )
                if stop not in estimates or value[0] < estimates[stop][0]:
                    estimates[stop] = value
        return estimates

    def from_stop(
        self,
        stop: int,
        drop_offs: list[MeetingPoint],
        *,
        earliest: datetime,
        booking_time: datetime,
        wheelchair: bool,
    ) -> FlexChain | None:
        """The chain from transit ``stop`` to the destination arriving first, boarding at ``earliest`` or later."""
        refs = self.transfer_stops.get(stop)
        if refs is None:
            return None
        pickup = MeetingPoint(self._transit_place(stop), 0.0, 0.0, refs, None)
        chains = self.chains([pickup], drop_offs, earliest=earliest, booking_time=booking_time, wheelchair=wheelchair)
        return chains[0] if chains else None

    def _transit_place(self, stop: int) -> Place:
        timetable = self.timetable
        parent = int(timetable.stop_parent[stop])
        return Place(
            name=timetable.stop_name[stop],
            lat=float(timetable.stop_lat[stop]),
            lon=float(timetable.stop_lon[stop]),
            kind="stop",
            stop_id=timetable.stop_id[stop],
            station_id=timetable.stop_id[parent] if parent >= 0 else None,
        )

    # Legs -------------------------------------------------------------------------------

    def legs(
        self,
        chain: FlexChain,
        a: Place,
        b: Place,
        a_snap: Snap | None,
        b_snap: Snap | None,
        walk: tuple[StreetRouter, TravelSpeeds],
        *,
        geometry: bool = True,
        wheelchair: bool = False,
    ) -> list[Leg]:
        """Walk to the pickup, the flex ride, walk from the drop-off (walks of no length left out)."""
        ride = chain.ride
        pickup, drop_off = chain.pickup.place, chain.drop_off.place
        legs: list[Leg] = []
        if chain.pickup.walk_m > 0.5:
            line = _walk_line(walk, a_snap, chain.pickup.walk_snap, a, pickup) if geometry else None
            legs.append(
                Leg(
                    mode=Mode.WALK,
                    origin=a,
                    destination=pickup,
                    start=chain.departure,
                    end=ride.pickup,
                    distance_m=chain.pickup.walk_m,
                    geometry=line or [(a.lon, a.lat), (pickup.lon, pickup.lat)],
                )
            )
        legs.append(
            Leg(
                mode=Mode.FLEX,
                origin=pickup if legs else a,
                destination=drop_off if chain.drop_off.walk_m > 0.5 else b,
                start=ride.pickup,
                end=ride.arrival,
                distance_m=chain.car_m,
                geometry=self._car_line(pickup, drop_off)
                if geometry
                else [(pickup.lon, pickup.lat), (drop_off.lon, drop_off.lat)],
                flex=self.details(chain, wheelchair=wheelchair),
            )
        )
        if chain.drop_off.walk_m > 0.5:
            line = _walk_line(walk, chain.drop_off.walk_snap, b_snap, drop_off, b) if geometry else None
            legs.append(
                Leg(
                    mode=Mode.WALK,
                    origin=drop_off,
                    destination=b,
                    start=ride.arrival,
                    end=chain.arrival,
                    distance_m=chain.drop_off.walk_m,
                    geometry=line or [(drop_off.lon, drop_off.lat), (b.lon, b.lat)],
                )
            )
        return legs

    def details(self, chain: FlexChain, *, wheelchair: bool = False) -> FlexDetails:
        """What the itinerary says about the ride: trip, pickup window, deadline, how to book."""
        ride = chain.ride
        zones = sorted((chain.pickup.refs | chain.drop_off.refs) & set(self.zone_ids))
        return FlexDetails(
            trip_id=ride.trip.trip_id,
            route_id=ride.trip.route_id,
            route_name=ride.trip.route_name,
            agency=ride.trip.agency_name,
            service_day=ride.service_day,
            pickup_window_start=ride.pickup_window[0],
            pickup_window_end=ride.pickup_window[1],
            latest_arrival=ride.latest_arrival,
            booking_deadline=ride.booking_deadline,
            booking_method=ride.method.value,
            phone=ride.phone,
            booking_url=ride.url,
            message=ride.message,
            wheelchair_accessible=ride.trip.wheelchair_accessible == 1,
            zone_ids=tuple(zones),
            booking_time=chain.booking_time,
            wheelchair_place=wheelchair,
        )

    def _car_line(self, a: Place, b: Place) -> Coordinates:
        straight = [(a.lon, a.lat), (b.lon, b.lat)]
        start, end = self.car_snap(a.lat, a.lon), self.car_snap(b.lat, b.lon)
        if self.car is None or start is None or end is None:
            return straight
        try:
            route = self.car.route(start, end, speeds=driving_speeds())
        except NoRoute:
            return straight
        return _joined([(a.lon, a.lat), *route.coordinates, (b.lon, b.lat)])


def _walk_line(
    walk: tuple[StreetRouter, TravelSpeeds], start: Snap | None, end: Snap | None, a: Place, b: Place
) -> Coordinates | None:
    router, speeds = walk
    if start is None or end is None:
        return None
    try:
        route = router.route(start, end, speeds=speeds)
    except NoRoute:
        return None
    return _joined([(a.lon, a.lat), *route.coordinates, (b.lon, b.lat)])


def _place(kind: str, point: tuple[float, float]) -> Place:
    return Place(name=kind, lat=point[0], lon=point[1], kind=kind)


def _joined(points: Coordinates) -> Coordinates:
    kept = [points[0]]
    for point in points[1:]:
        if point != kept[-1]:
            kept.append(point)
    return kept if len(kept) > 1 else [kept[0], kept[0]]
