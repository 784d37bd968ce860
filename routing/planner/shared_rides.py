"""Walk to a shared vehicle, ride it, leave it, walk on: the street half of sharing trips.

A :class:`SharedRide` is one such chain without clock times. :class:`SharedRideFinder`
finds the best chains for a whole trip (origin to destination), as access to transit
(origin to every stop it can reach) and as egress from transit (every stop to the
destination). Only vehicles that are available now are picked up, only stations with
free docks take them back, and free-floating rides end only where the system's parking
rules allow (at the destination itself, at a stop, or at the nearest allowed point
around it).

Searches are budgeted multi-target searches on the walk and ride graphs
(:meth:`~routing.street.router.StreetRouter.walks`); station places on the graphs and
the walks from stations to stops are cached, since stations do not move.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from routing.errors import PointNotRoutable
from routing.geo import haversine_m
from routing.planner.request import BIKE_KMH, Mode
from routing.planner.sharing import ReturnStation, SharingSystem, VehicleOffer
from routing.street.router import (
    Snap,
    StreetRouter,
    StreetTargets,
    TravelSpeeds,
    cycling_speeds,
    driving_speeds,
)

RIDE_PROFILE = {Mode.BIKESHARE: "bike", Mode.CARSHARING: "car", Mode.BIKE: "bike"}
"""The street graph each mode rides on (``bike``: the traveller's own bike, for bike+ride)."""
PICKUP_S = {Mode.BIKESHARE: 60, Mode.CARSHARING: 180, Mode.BIKE: 60}
"""Finding, unlocking and adjusting the vehicle."""
DROPOFF_S = {Mode.BIKESHARE: 60, Mode.CARSHARING: 120, Mode.BIKE: 120}
"""Parking, locking and ending the rental (own bike: finding a stand and locking it)."""
WHOLE_TRIP_RIDE_BUDGET_S = {Mode.BIKESHARE: 60 * 60, Mode.CARSHARING: 120 * 60}
FEEDER_RIDE_BUDGET_S = 20 * 60
"""Longest bikeshare ride to or from transit."""
STOP_WALK_BUDGET_S = 6 * 60
"""Longest walk between a sharing station and a stop in a feeder chain (the request's walk limit may be shorter)."""
E_BIKE_KMH = 20.0
NEAREST_CANDIDATES = 24
"""Pickup or drop-off places (nearest in a straight line) searched per end of a trip."""
BEST_PICKUPS = 4
"""Pickups (quickest to walk to) whose rides are searched."""
FEEDER_VEHICLES = 40
"""Free-floating vehicles (best placed) walked to from stops in an egress search."""
PARKING_RINGS_M = (100.0, 200.0, 350.0, 500.0)
PARKING_BEARINGS = 8
"""Where a free-floating ride that may not end at its goal looks for an allowed parking point."""
ANCHOR_SNAP_M = 150.0
MIN_RIDE_M = 300.0
"""Shorter rides are not worth renting a vehicle for."""


@dataclass(frozen=True)
class Anchor:
    """A place on both the walk graph and the ride graph (a station, a vehicle, a parking point)."""

    lat: float
    lon: float
    name: str
    kind: str
    """``station``, ``vehicle``, ``parking`` or ``stop``."""
    walk: Snap | None
    ride: Snap
    station_id: str | None = None
    stop: int | None = None


@dataclass(frozen=True)
class SharedRide:
    """Walk to ``pickup``, ride to ``dropoff``, walk on; durations in seconds, lengths in metres."""

    system: SharingSystem
    offer: VehicleOffer
    pickup: Anchor
    dropoff: Anchor
    walk_to_s: float
    walk_to_m: float
    ride_s: float
    ride_m: float
    walk_from_s: float
    walk_from_m: float

    @property
    def rental_s(self) -> float:
        """From reaching the vehicle to leaving it: unlock, ride, park."""
        return PICKUP_S[self.system.mode] + self.ride_s + DROPOFF_S[self.system.mode]

    @property
    def total_s(self) -> float:
        """Door to door of the chain."""
        return self.walk_to_s + self.rental_s + self.walk_from_s

    @property
    def walk_s(self) -> float:
        """Seconds on foot."""
        return self.walk_to_s + self.walk_from_s


@dataclass(frozen=True)
class _Reached:
    anchor: Anchor
    seconds: float
    meters: float


def ride_speeds(system: SharingSystem, vehicle_type_id: str, walk_kmh: float) -> TravelSpeeds:
    """How fast a vehicle of the system goes (e-bikes faster than bikes; cars by road class)."""
    if system.mode is Mode.CARSHARING:
        return driving_speeds()
    kind = system.vehicle_types.get(vehicle_type_id)
    return cycling_speeds(E_BIKE_KMH if kind is not None and kind.electric else BIKE_KMH, walking_kmh=walk_kmh)


class SharedRideFinder:
    """Finds walk-ride-walk chains on one region's street graphs. Safe to share between threads."""

    def __init__(self, street: Callable[[str], StreetRouter]) -> None:
        self._street = street
        self._lock = threading.Lock()
        self._stations: dict[tuple[str, str, str, float, float], Anchor | None] = {}
        self._station_stops: dict[tuple[object, ...], dict[int, tuple[float, float]]] = {}
        self._ride_stops: dict[tuple[str, int], StreetTargets] = {}

    # Places on the graphs -------------------------------------------------------

    def _anchor(
        self,
        walk_profile: str,
        ride_profile: str,
        lat: float,
        lon: float,
        name: str,
        kind: str,
        *,
        station_id: str | None = None,
        stop: int | None = None,
    ) -> Anchor | None:
        try:
            ride = self._street(ride_profile).snap(lat, lon, max_distance_m=ANCHOR_SNAP_M)
            walk = self._street(walk_profile).snap(lat, lon, max_distance_m=ANCHOR_SNAP_M)
        except PointNotRoutable:
            return None
        return Anchor(lat=lat, lon=lon, name=name, kind=kind, walk=walk, ride=ride, station_id=station_id, stop=stop)

    def _station_anchor(
        self, system: SharingSystem, walk_profile: str, station: ReturnStation | VehicleOffer
    ) -> Anchor | None:
        station_id = station.station_id or ""
        key = (system.provider, station_id, walk_profile, station.lat, station.lon)
        with self._lock:
            if key in self._stations:
                return self._stations[key]
        anchor = self._anchor(
            walk_profile,
            RIDE_PROFILE[system.mode],
            station.lat,
            station.lon,
            station.name,
            "station",
            station_id=station_id,
        )
        with self._lock:
            self._stations[key] = anchor
        return anchor

    def _offer_anchor(self, system: SharingSystem, walk_profile: str, offer: VehicleOffer) -> Anchor | None:
        if offer.vehicle_id is None and offer.station_id is not None:
            return self._station_anchor(system, walk_profile, offer)
        return self._anchor(walk_profile, RIDE_PROFILE[system.mode], offer.lat, offer.lon, offer.name, "vehicle")

    # Ends of a trip ----------------------------------------------------------------

    def pickups(
        self,
        system: SharingSystem,
        walk_profile: str,
        point: Snap,
        walk: TravelSpeeds,
        budget_s: float,
    ) -> list[tuple[VehicleOffer, _Reached]]:
        """Offers reachable on foot from ``point``, quickest first."""
        near = _nearest(system.offers, point.lat, point.lon, budget_s * walk.normal)
        anchors = [(offer, self._offer_anchor(system, walk_profile, offer)) for offer in near if offer.count > 0]
        usable = [(offer, anchor) for offer, anchor in anchors if anchor is not None]
        reached = _walk_to(
            self._street(walk_profile), point, [anchor for _, anchor in usable], walk, budget_s, reverse=False
        )
        found = [(usable[i][0], hit) for i, hit in reached.items()]
        found.sort(key=lambda item: item[1].seconds)
        return found

    def dropoffs(
        self,
        system: SharingSystem,
        walk_profile: str,
        point: Snap,
        walk: TravelSpeeds,
        budget_s: float,
    ) -> list[_Reached]:
        """Places near ``point`` where a ride may end, with the walk from each to ``point``, quickest first."""
        ride_profile = RIDE_PROFILE[system.mode]
        anchors: list[Anchor] = []
        if system.round_trip:  # park near the goal; the car goes back to its station later
            here = self._anchor(walk_profile, ride_profile, point.lat, point.lon, "", "parking")
            anchors += [here] if here is not None else []
        else:
            for station in _nearest(system.stations, point.lat, point.lon, budget_s * walk.normal):
                anchor = self._station_anchor(system, walk_profile, station)
                if anchor is not None:
                    anchors.append(anchor)
            if system.free_floating:
                anchors += self._parking_near(system, walk_profile, point)
        reached = _walk_to(self._street(walk_profile), point, anchors, walk, budget_s, reverse=True)
        return sorted(reached.values(), key=lambda hit: hit.seconds)

    def _parking_near(self, system: SharingSystem, walk_profile: str, point: Snap) -> list[Anchor]:
        """The goal itself when a ride may end there, else the nearest allowed points around it."""
        rules = system.rules
        ride_profile = RIDE_PROFILE[system.mode]
        if rules is None or rules.may_end_at(point.lat, point.lon):
            here = self._anchor(walk_profile, ride_profile, point.lat, point.lon, "", "parking")
            return [] if here is None else [here]
        for radius in PARKING_RINGS_M:
            ring = []
            for k in range(PARKING_BEARINGS):
                lat, lon = _offset(point.lat, point.lon, radius, 2 * math.pi * k / PARKING_BEARINGS)
                if rules.may_end_at(lat, lon):
                    anchor = self._anchor(walk_profile, ride_profile, lat, lon, "", "parking")
                    if anchor is not None and rules.may_end_at(anchor.ride.snapped_lat, anchor.ride.snapped_lon):
                        ring.append(anchor)
            if ring:
                return ring
        return []

    # Chains ----------------------------------------------------------------------------

    def whole_trip(
        self,
        system: SharingSystem,
        walk_profile: str,
        origin: Snap,
        destination: Snap,
        walk: TravelSpeeds,
        walk_budget_s: float,
    ) -> list[SharedRide]:
        """Chains from ``origin`` to ``destination`` on this system, quickest first (at most one per pickup)."""
        pickups = self.pickups(system, walk_profile, origin, walk, walk_budget_s)[:BEST_PICKUPS]
        dropoffs = self.dropoffs(system, walk_profile, destination, walk, walk_budget_s)[:NEAREST_CANDIDATES]
        if not pickups or not dropoffs:
            return []
        router = self._street(RIDE_PROFILE[system.mode])
        targets = StreetTargets.of([hit.anchor.ride for hit in dropoffs])
        chains = []
        for offer, to_vehicle in pickups:
            speeds = ride_speeds(system, offer.vehicle_type_id, walk.normal * 3.6)
            rides = router.walks(
                to_vehicle.anchor.ride,
                targets,
                speeds=speeds,
                budget_s=WHOLE_TRIP_RIDE_BUDGET_S[system.mode] * 3,
            )
            best: SharedRide | None = None
            for j, seconds, meters in zip(
                rides.target.tolist(), rides.duration_s.tolist(), rides.distance_m.tolist(), strict=True
            ):
                end = dropoffs[j]
                if meters < MIN_RIDE_M or seconds > WHOLE_TRIP_RIDE_BUDGET_S[system.mode]:
                    continue
                chain = SharedRide(
                    system,
                    offer,
                    to_vehicle.anchor,
                    end.anchor,
                    to_vehicle.seconds,
                    to_vehicle.meters,
                    seconds,
                    meters,
                    end.seconds,
                    end.meters,
                )
                if best is None or chain.total_s < best.total_s:
                    best = chain
            if best is not None:
                chains.append(best)
        return sorted(chains, key=lambda chain: chain.total_s)

    def access(
        self,
        system: SharingSystem,
        walk_profile: str,
        origin: Snap,
        walk: TravelSpeeds,
        walk_budget_s: float,
        stops: StreetTargets,
        stop_anchor: Callable[[int], Anchor | None],
    ) -> dict[int, SharedRide]:
        """Per stop, the quickest chain from ``origin`` that ends walking (or parking) at that stop."""
        pickups = self.pickups(system, walk_profile, origin, walk, walk_budget_s)[:BEST_PICKUPS]
        if not pickups:
            return {}
        reach_m = FEEDER_RIDE_BUDGET_S * (E_BIKE_KMH / 3.6)
        stations = [
            (station, anchor)
            for station in _nearest(system.stations, origin.lat, origin.lon, reach_m, limit=None)
            if (anchor := self._station_anchor(system, walk_profile, station)) is not None
        ]
        router = self._street(RIDE_PROFILE[system.mode])
        station_targets = StreetTargets.of([anchor.ride for _, anchor in stations])
        best: dict[int, SharedRide] = {}
        for offer, to_vehicle in pickups:
            speeds = ride_speeds(system, offer.vehicle_type_id, walk.normal * 3.6)
            rides = router.walks(
                to_vehicle.anchor.ride, station_targets, speeds=speeds, budget_s=FEEDER_RIDE_BUDGET_S * 3
            )
            for j, seconds, meters in zip(
                rides.target.tolist(), rides.duration_s.tolist(), rides.distance_m.tolist(), strict=True
            ):
                if meters < MIN_RIDE_M or seconds > FEEDER_RIDE_BUDGET_S:
                    continue
                anchor = stations[j][1]
                for stop, (walk_s, walk_m) in self._stops_near_station(
                    system, anchor, walk_profile, walk, stops, walk_budget_s, reverse=False
                ).items():
                    chain = SharedRide(
                        system,
                        offer,
                        to_vehicle.anchor,
                        anchor,
                        to_vehicle.seconds,
                        to_vehicle.meters,
                        seconds,
                        meters,
                        walk_s,
                        walk_m,
                    )
                    _keep(best, stop, chain)
            if system.free_floating:
                self._ride_to_stops(system, offer, to_vehicle, speeds, stops, stop_anchor, best)
        return best

    def _ride_to_stops(
        self,
        system: SharingSystem,
        offer: VehicleOffer,
        to_vehicle: _Reached,
        speeds: TravelSpeeds,
        stops: StreetTargets,
        stop_anchor: Callable[[int], Anchor | None],
        best: dict[int, SharedRide],
    ) -> None:
        """Free-floating: ride straight to stops where parking is allowed and leave the vehicle there."""
        router = self._street(RIDE_PROFILE[system.mode])
        ride_stops = self._ride_stop_targets(system, stops, stop_anchor)
        rides = router.walks(to_vehicle.anchor.ride, ride_stops, speeds=speeds, budget_s=FEEDER_RIDE_BUDGET_S * 3)
        for stop, seconds, meters in zip(
            rides.target.tolist(), rides.duration_s.tolist(), rides.distance_m.tolist(), strict=True
        ):
            if meters < MIN_RIDE_M or seconds > FEEDER_RIDE_BUDGET_S:
                continue
            anchor = stop_anchor(stop)
            if anchor is None or (system.rules is not None and not system.rules.may_end_at(anchor.lat, anchor.lon)):
                continue
            _keep(
                best,
                stop,
                SharedRide(
                    system,
                    offer,
                    to_vehicle.anchor,
                    anchor,
                    to_vehicle.seconds,
                    to_vehicle.meters,
                    seconds,
                    meters,
                    0.0,
                    0.0,
                ),
            )

    def _ride_stop_targets(
        self,
        system: SharingSystem,
        stops: StreetTargets,
        stop_anchor: Callable[[int], Anchor | None],
    ) -> StreetTargets:
        """Every stop's place on the ride graph (built once per ride profile)."""
        key = (RIDE_PROFILE[system.mode], stops.count)
        with self._lock:
            cached = self._ride_stops.get(key)
        if cached is None:
            anchors = [stop_anchor(stop) for stop in range(stops.count)]
            cached = StreetTargets.of([None if anchor is None else anchor.ride for anchor in anchors])
            with self._lock:
                self._ride_stops[key] = cached
        return cached

    def egress(
        self,
        system: SharingSystem,
        walk_profile: str,
        destination: Snap,
        walk: TravelSpeeds,
        walk_budget_s: float,
        stops: StreetTargets,
    ) -> dict[int, SharedRide]:
        """Per stop, the quickest chain from that stop to ``destination``."""
        dropoffs = self.dropoffs(system, walk_profile, destination, walk, walk_budget_s)[:BEST_PICKUPS]
        if not dropoffs:
            return {}
        reach_m = FEEDER_RIDE_BUDGET_S * (E_BIKE_KMH / 3.6)
        offers = [
            (offer, anchor)
            for offer in _nearest(system.offers, destination.lat, destination.lon, reach_m, limit=None)
            if offer.count > 0 and (anchor := self._offer_anchor(system, walk_profile, offer)) is not None
        ]
        if not offers:
            return {}
        router = self._street(RIDE_PROFILE[system.mode])
        offer_targets = StreetTargets.of([anchor.ride for _, anchor in offers])
        # Per offer: the quickest ride to some drop-off and walk on from there.
        after: dict[int, tuple[float, float, float, _Reached]] = {}
        for end in dropoffs:
            speeds = ride_speeds(system, "", walk.normal * 3.6)
            rides = router.walks(
                end.anchor.ride, offer_targets, speeds=speeds, budget_s=FEEDER_RIDE_BUDGET_S * 3, reverse=True
            )
            for j, seconds, meters in zip(
                rides.target.tolist(), rides.duration_s.tolist(), rides.distance_m.tolist(), strict=True
            ):
                if meters < MIN_RIDE_M or seconds > FEEDER_RIDE_BUDGET_S:
                    continue
                rest = seconds + end.seconds
                if j not in after or rest < after[j][0]:
                    after[j] = (rest, seconds, meters, end)
        best: dict[int, SharedRide] = {}
        vehicles = sorted((j for j in after if offers[j][0].vehicle_id is not None), key=lambda j: after[j][0])
        chosen = [j for j in after if offers[j][0].vehicle_id is None] + vehicles[:FEEDER_VEHICLES]
        for j in chosen:
            offer, anchor = offers[j]
            _, seconds, meters, end = after[j]
            for stop, (walk_s, walk_m) in self._stops_near_station(
                system, anchor, walk_profile, walk, stops, walk_budget_s, reverse=True
            ).items():
                chain = SharedRide(
                    system,
                    offer,
                    anchor,
                    end.anchor,
                    walk_s,
                    walk_m,
                    seconds,
                    meters,
                    end.seconds,
                    end.meters,
                )
                _keep(best, stop, chain)
        return best

    def _stops_near_station(
        self,
        system: SharingSystem,
        anchor: Anchor,
        walk_profile: str,
        walk: TravelSpeeds,
        stops: StreetTargets,
        walk_budget_s: float,
        *,
        reverse: bool,
    ) -> dict[int, tuple[float, float]]:
        """Stops within a short walk of ``anchor`` (``reverse``: walking from the stops to it); cached for stations."""
        if anchor.walk is None:
            return {}
        budget_s = min(STOP_WALK_BUDGET_S, walk_budget_s)
        key = (
            system.provider,
            anchor.station_id,
            anchor.lat,
            anchor.lon,
            walk_profile,
            walk.normal,
            budget_s,
            reverse,
            stops.count,
        )
        cacheable = anchor.kind == "station"
        if cacheable:
            with self._lock:
                cached = self._station_stops.get(key)
            if cached is not None:
                return cached
        found = self._street(walk_profile).walks(anchor.walk, stops, speeds=walk, budget_s=budget_s, reverse=reverse)
        result = dict(
            zip(
                found.target.tolist(),
                zip(found.duration_s.tolist(), found.distance_m.tolist(), strict=True),
                strict=True,
            )
        )
        if cacheable:
            with self._lock:
                self._station_stops[key] = result
        return result


def _keep(best: dict[int, SharedRide], stop: int, chain: SharedRide) -> None:
    current = best.get(stop)
    if current is None or chain.total_s < current.total_s:
        best[stop] = chain


def _nearest(
    places: Sequence[VehicleOffer] | Sequence[ReturnStation],
    lat: float,
    lon: float,
    radius_m: float,
    *,
    limit: int | None = NEAREST_CANDIDATES,
) -> list:  # type: ignore[type-arg]
    """Places within ``radius_m`` in a straight line, nearest first (at most ``limit``)."""
    if not places:
        return []
    lats = np.fromiter((place.lat for place in places), dtype=np.float64, count=len(places))
    lons = np.fromiter((place.lon for place in places), dtype=np.float64, count=len(places))
    meters = np.asarray(haversine_m(lats, lons, lat, lon), dtype=np.float64)
    order = np.argsort(meters, kind="stable")
    order = order[meters[order] <= radius_m]
    if limit is not None:
        order = order[:limit]
    return [places[i] for i in order.tolist()]


def _walk_to(
    router: StreetRouter,
    point: Snap,
    anchors: list[Anchor],
    walk: TravelSpeeds,
    budget_s: float,
    *,
    reverse: bool,
) -> dict[int, _Reached]:
    """Walks from ``point`` to each anchor (``reverse``: from each anchor to ``point``), by anchor index."""
    if not anchors:
        return {}
    found = router.walks(
        point,
        StreetTargets.of([anchor.walk for anchor in anchors]),
        speeds=walk,
        budget_s=budget_s,
        reverse=reverse,
    )
    return {
        i: _Reached(anchors[i], seconds, meters)
        for i, seconds, meters in zip(
            found.target.tolist(), found.duration_s.tolist(), found.distance_m.tolist(), strict=True
        )
    }


def _offset(lat: float, lon: float, meters: float, bearing: float) -> tuple[float, float]:
    """The point ``meters`` from (lat, lon) towards ``bearing`` (radians from north); fine for a few hundred metres."""
    dlat = meters * math.cos(bearing) / 111_320.0
    dlon = meters * math.sin(bearing) / (111_320.0 * math.cos(math.radians(lat)))
    return lat + dlat, lon + dlon


__all__ = ["Anchor", "SharedRide", "SharedRideFinder", "ride_speeds"]
