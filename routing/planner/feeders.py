"""Trips with vehicles as feeders: shared vehicles for the whole trip, and rides to or from transit.

A bikeshare, carsharing or own-bike ride stands in for the walk to the first stop
(access) or from the last one (egress); :func:`feeder_ends` makes the transit search's
ends of such rides, and the walk legs of a found journey are replaced by the ride's legs.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial

import numpy as np

from routing.errors import NoRoute, PointNotRoutable
from routing.planner.access import RequestPoints, StreetAccess
from routing.planner.itinerary import Itinerary
from routing.planner.legs import LegBuilder, endpoint
from routing.planner.request import ARRIVE_BY_SEARCH, Mode, PlanRequest
from routing.planner.shared_rides import ANCHOR_SNAP_M, RIDE_PROFILE, Anchor, SharedRide, SharedRideFinder
from routing.planner.sharing import ReturnStation, SharingSupply, SharingSystem, VehicleKind, VehicleOffer
from routing.street.compile import StreetNetwork
from routing.street.router import Snap, StreetRouter, TravelSpeeds, walking_speeds
from routing.transit.ends import AccessEgress
from routing.transit.journeys import TransitLeg
from routing.transit.queries import TransitRouter

OWN_BIKE = "own-bike"
"""The traveller's own bike as a one-vehicle "system" for bike+ride chains."""


class FeederPlanning:
    """Plans the trips of one region that use shared vehicles or the traveller's own bike."""

    def __init__(
        self,
        street: StreetNetwork,
        access: StreetAccess,
        transit: TransitRouter,
        shared: SharedRideFinder,
        legs: LegBuilder,
    ) -> None:
        self.street = street
        self.access = access
        self.transit = transit
        self.shared = shared
        self.legs = legs

    def bike_and_ride(self, request: PlanRequest, points: RequestPoints) -> tuple[list[Itinerary], list[str]]:
        """Own bike from the origin to bicycle parking by a stop, then transit."""
        parking = np.asarray(self.street.bike_parking)
        if parking.shape[0] == 0:
            return [], ["bike_and_ride_unavailable"]
        lat, lon = request.origin
        own_bike = SharingSystem(
            provider=OWN_BIKE,
            operator="",
            mode=Mode.BIKE,
            vehicle_types={OWN_BIKE: VehicleKind("bicycle")},
            offers=(VehicleOffer(lat=lat, lon=lon, name="", vehicle_type_id=OWN_BIKE, vehicle_id=OWN_BIKE),),
            stations=tuple(
                ReturnStation(lat=float(a), lon=float(b), name="", station_id=f"bike-parking-{i}", free_docks=None)
                for i, (a, b) in enumerate(parking.tolist())
            ),
            free_floating=False,
        )
        router = self.access.street(request.walk_profile)
        origin = points.origin(router.profile)
        destination = points.destination(router.profile)
        walk = walking_speeds(request.walk_kmh)
        return self.transit_with_feeders(request, [own_bike], [], origin, destination, router, walk), []

    def shared_vehicle_trips(
        self, request: PlanRequest, points: RequestPoints, mode: Mode, supply: SharingSupply
    ) -> tuple[list[Itinerary], list[str]]:
        """Whole trips on shared vehicles of ``mode`` and, for bikeshare, feeder rides to and from transit."""
        systems = [system for system in supply.of_mode(mode) if RIDE_PROFILE[mode] in self.street.profiles]
        if not systems:
            return [], [f"{mode.value}_unavailable"]
        if mode is Mode.BIKESHARE and request.wheelchair:
            return [], ["bikeshare_not_step_free"]
        profile = request.walk_profile
        router = self.access.street(profile)
        origin = points.origin(router.profile)
        destination = points.destination(router.profile)
        walk = walking_speeds(request.walk_kmh)
        found: list[Itinerary] = []
        for system in systems:
            for chain in self.shared.whole_trip(system, profile, origin, destination, walk, request.max_walk_s):
                start = request.time - timedelta(seconds=round(chain.total_s)) if request.arrive_by else request.time
                legs = self.legs.chain_legs(
                    chain,
                    start.astimezone(self.transit.zone),
                    endpoint("origin", request.origin),
                    endpoint("destination", request.destination),
                    origin,
                    destination,
                    router,
                    walk,
                )
                if legs is not None:
                    found.append(Itinerary(legs=legs))
                    break
        if mode is Mode.BIKESHARE and Mode.TRANSIT in request.modes:
            found += self.transit_with_feeders(request, systems, systems, origin, destination, router, walk)
        return found, []

    # On-demand rides (GTFS-Flex) ---------------------------------------------------------

    def _stop_anchor(self, stop: int, walk_profile: str, ride_profile: str) -> Anchor | None:
        """A stop as the end of a free-floating ride (parked at the stop)."""
        lat, lon = float(self.legs.timetable.stop_lat[stop]), float(self.legs.timetable.stop_lon[stop])
        try:
            ride = self.access.street(ride_profile).snap(lat, lon, max_distance_m=ANCHOR_SNAP_M)
        except PointNotRoutable:
            return None
        return Anchor(
            lat=lat,
            lon=lon,
            name=self.legs.timetable.stop_name[stop],
            kind="stop",
            walk=self.legs.stop_snap(stop, walk_profile),
            ride=ride,
            stop=stop,
        )

    def transit_with_feeders(
        self,
        request: PlanRequest,
        access_systems: list[SharingSystem],
        egress_systems: list[SharingSystem],
        origin: Snap,
        destination: Snap,
        router: StreetRouter,
        walk: TravelSpeeds,
    ) -> list[Itinerary]:
        """Transit journeys with a ride to the first stop, or from the last one."""
        profile = router.profile
        if profile not in self.transit.footpaths:
            return []
        stops = self.access.stop_targets(profile)
        access: dict[int, SharedRide] = {}
        egress: dict[int, SharedRide] = {}
        for system in access_systems:
            found = self.shared.access(
                system,
                profile,
                origin,
                walk,
                request.max_walk_s,
                stops,
                partial(self._stop_anchor, walk_profile=profile, ride_profile=RIDE_PROFILE[system.mode]),
            )
            for stop, chain in found.items():
                if stop not in access or chain.total_s < access[stop].total_s:
                    access[stop] = chain
        for system in egress_systems:
            for stop, chain in self.shared.egress(
                system, profile, destination, walk, request.max_walk_s, stops
            ).items():
                if stop not in egress or chain.total_s < egress[stop].total_s:
                    egress[stop] = chain
        options = request.transit_options()
        itineraries: list[Itinerary] = []
        walk_ends = self.access.ends_by_moment(origin, destination, options)  # shared by both sides

        for by_access, by_egress in ((access, None), (None, egress)):
            if not (by_access or by_egress):
                continue

            def ends_at(
                moment: datetime,
                by_access: dict[int, SharedRide] | None = by_access,
                by_egress: dict[int, SharedRide] | None = by_egress,
            ) -> AccessEgress:
                return feeder_ends(walk_ends(moment), access=by_access, egress=by_egress)

            try:
                if request.arrive_by:
                    journeys = self.transit.arrive_by(ends_at, request.time, options, window=ARRIVE_BY_SEARCH)
                else:
                    journeys = self.transit.pareto(ends_at(request.time), options)
            except NoRoute:
                continue
            for journey in journeys:
                if not any(isinstance(leg, TransitLeg) for leg in journey.legs):
                    continue
                journey = self.transit.leave_late(journey, options)
                itinerary = self.legs.from_journey(
                    journey, request, router, origin, destination, walk, access=by_access, egress=by_egress
                )
                if itinerary is not None and any(leg.mode not in (Mode.WALK, Mode.TRANSIT) for leg in itinerary.legs):
                    itineraries.append(itinerary)
        return itineraries


def feeder_ends(
    ends: AccessEgress,
    *,
    access: dict[int, SharedRide] | None = None,
    egress: dict[int, SharedRide] | None = None,
) -> AccessEgress:
    """``ends`` with the access (or egress) walks replaced by ride chains, which count as walking only where walked."""
    if access is not None:
        return replace(
            ends,
            sources={stop: ends.start + math.ceil(chain.total_s) for stop, chain in access.items()},
            source_walk={stop: round(chain.walk_s) for stop, chain in access.items()},
            access_meters={stop: chain.walk_to_m + chain.ride_m + chain.walk_from_m for stop, chain in access.items()},
            direct_arrival=None,
        )
    assert egress is not None
    return replace(
        ends,
        targets={stop: math.ceil(chain.total_s) for stop, chain in egress.items()},
        target_walk={stop: round(chain.walk_s) for stop, chain in egress.items()},
        egress_meters={stop: chain.walk_to_m + chain.ride_m + chain.walk_from_m for stop, chain in egress.items()},
        direct_arrival=None,
    )
