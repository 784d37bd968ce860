"""The door-to-door planner: one request, itineraries across the allowed modes.

It combines the street router (walk, wheelchair, bike) and the transit router (RAPTOR
and McRAPTOR over the region's timetable) and turns their answers into
:class:`~routing.planner.itinerary.Itinerary` objects with geometry for every leg. The
answer is a small Pareto set: each itinerary is kept only when no other one is at least
as good in arrival (departure for arrive-by), transfers and walking, and each is labelled
with what it is best at.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from itertools import pairwise
from typing import Generic, TypeVar

import numpy as np

from routing.errors import NoRoute, PointNotRoutable
from routing.geo import haversine_m
from routing.pareto import non_dominated
from routing.planner.access import RequestPoints, StreetAccess
from routing.planner.errors import NoItinerary, NoTransitInRegion, TimeOutsideTimetable
from routing.planner.errors import PlanningError as PlanningError  # re-exported: callers import it from here
from routing.planner.errors import PointNotOnNetwork as PointNotOnNetwork
from routing.planner.flex import FlexChain, FlexRouter, MeetingPoint
from routing.planner.flex_transit import FlexTransit
from routing.planner.itinerary import Coordinates, Itinerary, Leg, Place, PlanResult, RideDetails, SharingDetails
from routing.planner.region_data import RegionData
from routing.planner.request import BIKE_KMH, Mode, PlanRequest
from routing.planner.shared_rides import ANCHOR_SNAP_M, RIDE_PROFILE, Anchor, SharedRide, SharedRideFinder, ride_speeds
from routing.planner.sharing import (
    LegQuoter,
    ReturnStation,
    SharingSupply,
    SharingSystem,
    VehicleKind,
    VehicleOffer,
)
from routing.street.router import (
    Snap,
    StreetRouter,
    TravelSpeeds,
    cycling_speeds,
    walking_speeds,
)
from routing.street.steps import Step
from routing.transit.empty import has_transit
from routing.transit.ends import AccessEgress
from routing.transit.journeys import Journey, TransitLeg, WalkLeg
from routing.transit.options import TransitOptions
from routing.transit.queries import TransitRouter
from routing.transit.service_time import seconds_since_reference

logger = logging.getLogger(__name__)

ARRIVE_BY_SEARCH = timedelta(hours=3)
"""How far before the requested arrival an arrive-by search looks for departures."""
MAX_ITINERARIES = 6
MAX_FLEX_TRIPS = 3
"""Whole trips by flex ride kept per request (one per flex trip, earliest arrival first)."""
OWN_BIKE = "own-bike"
"""The traveller's own bike as a one-vehicle "system" for bike+ride chains."""


R = TypeVar("R", bound=RegionData, covariant=True)

NO_TRANSIT_WARNING = "no_transit"
"""Warning code: transit was asked for with other modes on a street-only region; the others were planned."""


class Planner(Generic[R]):
    """Plans door-to-door trips on one region. Safe to share between threads.

    ``transit`` answers the transit queries; ``access`` snaps the request's points (once
    per point and profile) and makes the street ends of those queries.
    """

    def __init__(self, region: R, transit: TransitRouter | None = None) -> None:
        self.region = region
        self.transit = transit or TransitRouter(region.timetable, region.manifest.timezone, region.footpaths)
        self.access = StreetAccess(region.street, region.footpaths, self.transit)
        self.timetable = region.timetable
        self.shared = SharedRideFinder(self.access.street)
        flex = region.flex
        self.flex = (
            FlexRouter(flex, self.timetable, self.access.street, region.street.profiles)
            if flex is not None and flex.trips
            else None
        )
        self._places: dict[int, Place] = {}

    # Public ------------------------------------------------------------------------

    def plan(
        self,
        request: PlanRequest,
        sharing: SharingSupply | None = None,
        price: Callable[[Itinerary], float] | None = None,
    ) -> PlanResult:
        """Itineraries for ``request``, best first, with warnings about modes left out.

        ``sharing`` holds the shared vehicles available now (bikeshare and carsharing
        modes are planned only with it); their legs are priced through its quoter before
        the answer is chosen, so ``price`` (what an itinerary costs this traveller,
        sharing quotes included) is a criterion of the answer and labels the ``cheapest``.
        Transit itineraries leave as late as their connections allow.

        Raises
        ------
        PointNotOnNetwork, TimeOutsideTimetable, NoItinerary
        """
        warnings: list[str] = []
        candidates: list[Itinerary] = []
        points = self.access.points(request.origin, request.destination)  # each snapped once per profile
        modes = request.modes
        sharing = sharing or SharingSupply()
        if Mode.TRANSIT in modes and not has_transit(self.timetable):
            modes = modes - {Mode.TRANSIT}
            if not modes:
                msg = "this region has no public transport (built from streets only); ask for walk, bike or sharing"
                raise NoTransitInRegion(msg, parameter="modes")
            warnings.append(NO_TRANSIT_WARNING)
            request = replace(request, modes=modes)
        if Mode.TRANSIT in modes:
            self._check_time(request.time)
            candidates += self._transit(request, points, price)
        if Mode.WALK in modes:
            walk = self._street_only(request, points, self._walk_profile(request), Mode.WALK)
            if walk is not None and (Mode.TRANSIT not in modes or walk.legs[0].distance_m <= request.max_walk_m * 2):
                candidates.append(walk)
        if Mode.BIKE in modes:
            bike = self._street_only(request, points, "bike", Mode.BIKE)
            if bike is not None:
                candidates.append(bike)
            if Mode.TRANSIT in modes:
                found, notes = self._bike_and_ride(request, points)
                candidates += found
                warnings += notes
        if Mode.FLEX in modes:
            found, notes = self._flex(request, points)
            candidates += found
            warnings += notes
        for mode in (Mode.BIKESHARE, Mode.CARSHARING):
            if mode in modes:
                found, notes = self._sharing(request, points, mode, sharing)
                candidates += found
                warnings += notes
        if sharing.quoter is not None:  # priced before choosing: the price is a criterion and labels the cheapest
            candidates = [_priced(itinerary, sharing.quoter) for itinerary in candidates]
        itineraries = select(
            candidates,
            arrive_by=request.arrive_by,
            price=price,
            requested=request.time,
            max_wait_s=request.max_wait_s,
        )
        if not itineraries:
            allowed = ", ".join(sorted(mode.value for mode in modes))
            msg = f"no itinerary with the modes {allowed} connects the two points at this time"
            raise NoItinerary(msg, parameter="modes")
        if any(itinerary.long_wait for itinerary in itineraries):
            warnings.append("long_wait")
        return PlanResult(itineraries=itineraries, warnings=warnings)

    # Street-only trips ---------------------------------------------------------------

    @staticmethod
    def _walk_profile(request: PlanRequest) -> str:
        return "wheelchair" if request.wheelchair else "walk"

    def _street_only(self, request: PlanRequest, points: RequestPoints, profile: str, mode: Mode) -> Itinerary | None:
        """The whole trip on one street profile (None when the network does not connect the points)."""
        router = self.access.street(profile)
        origin = points.origin(router.profile)
        destination = points.destination(router.profile)
        speeds = (
            cycling_speeds(BIKE_KMH, walking_kmh=request.walk_kmh)
            if mode is Mode.BIKE
            else walking_speeds(request.walk_kmh)
        )
        try:
            route = router.route(origin, destination, speeds=speeds)
        except NoRoute:
            return None
        duration = timedelta(seconds=round(route.duration_s))
        start = request.time - duration if request.arrive_by else request.time
        start = start.astimezone(self.transit.zone)
        leg = Leg(
            mode=mode,
            origin=_point("origin", request.origin),
            destination=_point("destination", request.destination),
            start=start,
            end=start + duration,
            distance_m=route.distance_m,
            geometry=route.coordinates,  # from the origin point to the destination point, connectors included
            steps=tuple(route.steps),
        )
        return Itinerary(legs=[leg])

    # Shared vehicles ---------------------------------------------------------------------

    def _bike_and_ride(self, request: PlanRequest, points: RequestPoints) -> tuple[list[Itinerary], list[str]]:
        """Own bike from the origin to bicycle parking by a stop, then transit."""
        parking = np.asarray(self.region.street.bike_parking)
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
        router = self.access.street(self._walk_profile(request))
        origin = points.origin(router.profile)
        destination = points.destination(router.profile)
        walk = walking_speeds(request.walk_kmh)
        return self._transit_with_feeders(request, [own_bike], [], origin, destination, router, walk), []

    def _sharing(
        self, request: PlanRequest, points: RequestPoints, mode: Mode, supply: SharingSupply
    ) -> tuple[list[Itinerary], list[str]]:
        """Whole trips on shared vehicles of ``mode`` and, for bikeshare, feeder rides to and from transit."""
        systems = [system for system in supply.of_mode(mode) if RIDE_PROFILE[mode] in self.region.street.profiles]
        if not systems:
            return [], [f"{mode.value}_unavailable"]
        if mode is Mode.BIKESHARE and request.wheelchair:
            return [], ["bikeshare_not_step_free"]
        profile = self._walk_profile(request)
        router = self.access.street(profile)
        origin = points.origin(router.profile)
        destination = points.destination(router.profile)
        walk = walking_speeds(request.walk_kmh)
        found: list[Itinerary] = []
        for system in systems:
            for chain in self.shared.whole_trip(system, profile, origin, destination, walk, request.max_walk_s):
                start = request.time - timedelta(seconds=round(chain.total_s)) if request.arrive_by else request.time
                legs = self._chain_legs(
                    chain,
                    start.astimezone(self.transit.zone),
                    _point("origin", request.origin),
                    _point("destination", request.destination),
                    origin,
                    destination,
                    router,
                    walk,
                )
                if legs is not None:
                    found.append(Itinerary(legs=legs))
                    break
        if mode is Mode.BIKESHARE and Mode.TRANSIT in request.modes:
            found += self._transit_with_feeders(request, systems, systems, origin, destination, router, walk)
        return found, []

    # On-demand rides (GTFS-Flex) ---------------------------------------------------------

    def _flex(self, request: PlanRequest, points: RequestPoints | None = None) -> tuple[list[Itinerary], list[str]]:
        """Flex rides as the whole trip, as access to transit, as egress from it and between two fixed trips.

        Depart-at access and egress are planned here; arrive-by access and egress and the
        ride between two fixed trips by :class:`~routing.planner.flex_transit.FlexTransit`.
        """
        points = points or self.access.points(request.origin, request.destination)
        if self.flex is None or self.flex.car is None:
            return [], ["flex_unavailable"]
        flex = self.flex
        profile = self._walk_profile(request)
        router = self.access.street(profile)
        origin = points.origin(router.profile)
        destination = points.destination(router.profile)
        walk = walking_speeds(request.walk_kmh)
        booking = request.booking_time or datetime.now(self.transit.zone)
        pickups, drop_offs = (
            flex.meeting_points(
                point,
                snap,
                kind=kind,
                profile=profile,
                speeds=walk,
                max_walk_s=request.max_walk_s,
                max_walk_m=request.max_walk_m,
            )
            for point, snap, kind in (
                (request.origin, origin, "origin"),
                (request.destination, destination, "destination"),
            )
        )
        a, b = _point("origin", request.origin), _point("destination", request.destination)
        found: list[Itinerary] = []
        if pickups and drop_offs:
            earliest = request.time - ARRIVE_BY_SEARCH if request.arrive_by else request.time
            chains = flex.chains(
                pickups, drop_offs, earliest=earliest, booking_time=booking, wheelchair=request.wheelchair
            )
            for chain in chains:
                if request.arrive_by:
                    latest = flex.latest_chain(
                        chain, deadline=request.time, booking_time=booking, wheelchair=request.wheelchair
                    )
                    if latest is None:
                        continue
                    chain = latest
                found.append(
                    Itinerary(
                        legs=flex.legs(chain, a, b, origin, destination, (router, walk), wheelchair=request.wheelchair)
                    )
                )
                if len(found) >= MAX_FLEX_TRIPS:
                    break
        if Mode.TRANSIT in request.modes and profile in self.transit.footpaths:
            self._check_time(request.time)
            joined = self._flex_transit(request, booking, router, origin, destination, walk)
            if request.arrive_by:
                found += joined.access_arrive_by(pickups) if pickups else []
                found += joined.egress_arrive_by(drop_offs) if drop_offs else []
            else:
                ends = joined.street_ends(request.time)
                if pickups:
                    found += self._flex_access(request, ends, pickups, booking, router, origin, destination, walk)
                if drop_offs:
                    found += self._flex_egress(request, ends, drop_offs, booking, router, origin, destination, walk)
            found += joined.between()
        return found, []

    def _flex_transit(
        self,
        request: PlanRequest,
        booking: datetime,
        router: StreetRouter,
        origin: Snap,
        destination: Snap,
        walk: TravelSpeeds,
    ) -> FlexTransit:
        """What :mod:`routing.planner.flex_transit` needs of this request: routers, street ends, leg builders."""
        assert self.flex is not None
        options = self._transit_options(request)
        walked: dict[datetime, AccessEgress] = {}

        def street_ends(moment: datetime) -> AccessEgress:
            if moment not in walked:
                walked[moment] = self.access.ends(origin, destination, moment, options)
            return walked[moment]

        def transit_legs(journey: Journey) -> list[Leg] | None:
            itinerary = self._from_journey(journey, request, router, origin, destination, walk)
            return None if itinerary is None else itinerary.legs

        return FlexTransit(
            transit=self.transit,
            flex=self.flex,
            request=request,
            options=options,
            booking_time=booking,
            walk=(router, walk),
            origin=(_point("origin", request.origin), origin),
            destination=(_point("destination", request.destination), destination),
            street_ends=street_ends,
            transit_legs=transit_legs,
            stop_place=self._stop_place,
            stop_snap=partial(self._stop_snap, profile=router.profile),
            join=merge_walks,
        )

    def _flex_journeys(self, ends: AccessEgress, request: PlanRequest) -> list[Journey]:
        try:
            journeys = self.transit.pareto(ends, self._transit_options(request))
        except NoRoute:
            return []
        return [journey for journey in journeys if any(isinstance(leg, TransitLeg) for leg in journey.legs)]

    def _flex_access(
        self,
        request: PlanRequest,
        ends: AccessEgress,
        pickups: list[MeetingPoint],
        booking: datetime,
        router: StreetRouter,
        origin: Snap,
        destination: Snap,
        walk: TravelSpeeds,
    ) -> list[Itinerary]:
        """A flex ride to a stop, then transit: transit leaves after the ride's safe arrival estimate."""
        assert self.flex is not None
        access = self.flex.to_stops(pickups, earliest=request.time, booking_time=booking, wheelchair=request.wheelchair)
        if not access:
            return []
        zone = self.transit.zone
        flex_ends = replace(
            ends,
            sources={
                stop: max(seconds_since_reference(chain.ride.latest_arrival, ends.day, zone), ends.start)
                for stop, chain in access.items()
            },
            source_walk={stop: round(chain.pickup.walk_s) for stop, chain in access.items()},
            access_meters={stop: chain.pickup.walk_m + chain.car_m for stop, chain in access.items()},
            direct_arrival=None,
        )
        found = []
        a = _point("origin", request.origin)
        for journey in self._flex_journeys(flex_ends, request):
            first = journey.legs[0]
            if not isinstance(first, WalkLeg) or first.to_stop is None or first.to_stop not in access:
                continue
            rest = self._from_journey(
                replace(journey, legs=journey.legs[1:]), request, router, origin, destination, walk
            )
            if rest is None:
                continue
            stop = first.to_stop
            head = self.flex.legs(
                access[stop],
                a,
                self._stop_place(stop),
                origin,
                self._stop_snap(stop, router.profile),
                (router, walk),
                wheelchair=request.wheelchair,
            )
            found.append(Itinerary(legs=merge_walks([*head, *rest.legs])))
        return found

    def _flex_egress(
        self,
        request: PlanRequest,
        ends: AccessEgress,
        drop_offs: list[MeetingPoint],
        booking: datetime,
        router: StreetRouter,
        origin: Snap,
        destination: Snap,
        walk: TravelSpeeds,
    ) -> list[Itinerary]:
        """Transit, then a flex ride from the last stop: the ride is looked up for the actual arrival there."""
        assert self.flex is not None
        estimates = self.flex.from_stop_estimates(drop_offs)
        if not estimates:
            return []
        flex_ends = replace(
            ends,
            targets={stop: math.ceil(seconds) for stop, (seconds, _, _) in estimates.items()},
            target_walk={stop: round(walked) for stop, (_, _, walked) in estimates.items()},
            egress_meters={stop: metres for stop, (_, metres, _) in estimates.items()},
            direct_arrival=None,
        )
        found = []
        b = _point("destination", request.destination)
        for journey in self._flex_journeys(flex_ends, request):
            last = journey.legs[-1]
            if not isinstance(last, WalkLeg) or last.from_stop is None or last.to_stop is not None:
                continue
            stop = last.from_stop
            chain: FlexChain | None = self.flex.from_stop(
                stop, drop_offs, earliest=last.departure, booking_time=booking, wheelchair=request.wheelchair
            )
            if chain is None:
                continue
            head = self._from_journey(
                replace(journey, legs=journey.legs[:-1]), request, router, origin, destination, walk
            )
            if head is None:
                continue
            tail = self.flex.legs(
                chain,
                self._stop_place(stop),
                b,
                self._stop_snap(stop, router.profile),
                destination,
                (router, walk),
                wheelchair=request.wheelchair,
            )
            found.append(Itinerary(legs=merge_walks([*head.legs, *tail])))
        return found

    def _stop_anchor(self, stop: int, walk_profile: str, ride_profile: str) -> Anchor | None:
        """A stop as the end of a free-floating ride (parked at the stop)."""
        lat, lon = float(self.timetable.stop_lat[stop]), float(self.timetable.stop_lon[stop])
        try:
            ride = self.access.street(ride_profile).snap(lat, lon, max_distance_m=ANCHOR_SNAP_M)
        except PointNotRoutable:
            return None
        return Anchor(
            lat=lat,
            lon=lon,
            name=self.timetable.stop_name[stop],
            kind="stop",
            walk=self._stop_snap(stop, walk_profile),
            ride=ride,
            stop=stop,
        )

    def _transit_with_feeders(
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
        options = self._transit_options(request)
        itineraries: list[Itinerary] = []
        walked: dict[datetime, AccessEgress] = {}  # the street ends of a moment, shared by both sides

        def walk_ends(moment: datetime) -> AccessEgress:
            if moment not in walked:
                walked[moment] = self.access.ends(origin, destination, moment, options)
            return walked[moment]

        for by_access, by_egress in ((access, None), (None, egress)):
            if not (by_access or by_egress):
                continue

            def ends_at(
                moment: datetime,
                by_access: dict[int, SharedRide] | None = by_access,
                by_egress: dict[int, SharedRide] | None = by_egress,
            ) -> AccessEgress:
                return _feeder_ends(walk_ends(moment), access=by_access, egress=by_egress)

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
                itinerary = self._from_journey(
                    journey, request, router, origin, destination, walk, access=by_access, egress=by_egress
                )
                if itinerary is not None and any(leg.mode not in (Mode.WALK, Mode.TRANSIT) for leg in itinerary.legs):
                    itineraries.append(itinerary)
        return itineraries

    def _chain_legs(
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
            ride_line = _joined([(pickup.lon, pickup.lat), *route.coordinates, (dropoff.lon, dropoff.lat)])
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
            line, steps = self._walk_geometry(router, a_snap, chain.pickup.walk, a, pickup, walk) if geometry else _NONE
            legs.append(
                Leg(
                    mode=Mode.WALK,
                    origin=a,
                    destination=pickup,
                    start=start,
                    end=reach,
                    distance_m=chain.walk_to_m,
                    geometry=line or [(a.lon, a.lat), (pickup.lon, pickup.lat)],
                    steps=steps,
                )
            )
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
            line, steps = self._walk_geometry(router, end.walk, b_snap, dropoff, b, walk) if geometry else _NONE
            legs.append(
                Leg(
                    mode=Mode.WALK,
                    origin=dropoff,
                    destination=b,
                    start=leave,
                    end=arrive,
                    distance_m=chain.walk_from_m,
                    geometry=line or [(dropoff.lon, dropoff.lat), (b.lon, b.lat)],
                    steps=steps,
                )
            )
        return legs

    # Transit -------------------------------------------------------------------------

    def _check_time(self, moment: datetime) -> None:
        first = self.timetable.day0
        last = first + timedelta(days=self.timetable.day_count - 1)
        day = moment.astimezone(self.transit.zone).date()
        if not first - timedelta(days=1) <= day <= last:
            msg = f"the timetable covers {first.isoformat()} to {last.isoformat()}; {moment.isoformat()} is outside it"
            raise TimeOutsideTimetable(msg, parameter="time")

    @staticmethod
    def _transit_options(request: PlanRequest) -> TransitOptions:
        return TransitOptions(
            max_transfers=request.max_transfers,
            walk_speed_kmh=request.walk_kmh,
            wheelchair=request.wheelchair,
            max_walk_s=request.max_walk_s,
        )

    def _transit(
        self,
        request: PlanRequest,
        points: RequestPoints | None = None,
        price: Callable[[Itinerary], float] | None = None,
    ) -> list[Itinerary]:
        points = points or self.access.points(request.origin, request.destination)
        options = self._transit_options(request)
        profile = self._walk_profile(request)
        router = self.access.street(profile)
        origin = points.origin(router.profile)
        destination = points.destination(router.profile)

        def ends_at(moment: datetime) -> AccessEgress:  # the planner's snaps, not a second snap in transit
            return self.access.ends(origin, destination, moment, options)

        try:
            if request.arrive_by:
                journeys = self.transit.arrive_by(ends_at, request.time, options, window=ARRIVE_BY_SEARCH)
            else:
                journeys = self.transit.pareto(ends_at(request.time), options)
        except NoRoute:
            return []
        walk_speeds = walking_speeds(request.walk_kmh)
        rides = [
            self.transit.leave_late(journey, options)
            for journey in journeys
            if any(isinstance(leg, TransitLeg) for leg in journey.legs)
        ]
        if price is None:  # choose on the journeys' numbers; build legs, names and geometry for the kept only
            kept = select_numbers(
                [journey_numbers(journey) for journey in rides],
                arrive_by=request.arrive_by,
                requested=request.time,
                max_wait_s=request.max_wait_s,
            )
            built = []
            for numbers, labels, long_wait in kept:
                full = self._from_journey(numbers.journey, request, router, origin, destination, walk_speeds)
                assert full is not None  # only feeder chains can be refused
                built.append(replace(full, labels=labels, long_wait=long_wait))
            return built
        # A price needs the itineraries: choose on outlines (straight walk lines), then draw geometry for the chosen.
        by_signature: dict[tuple[object, ...], Journey] = {}
        outlines = []
        for journey in rides:
            outline = self._from_journey(journey, request, router, origin, destination, walk_speeds, geometry=False)
            assert outline is not None  # only feeder chains can be refused
            by_signature.setdefault(outline.signature(), journey)
            outlines.append(outline)
        chosen = []
        chosen_outlines = select(
            outlines, arrive_by=request.arrive_by, price=price, requested=request.time, max_wait_s=request.max_wait_s
        )
        for outline in chosen_outlines:
            full = self._from_journey(
                by_signature[outline.signature()], request, router, origin, destination, walk_speeds
            )
            assert full is not None
            chosen.append(replace(full, labels=outline.labels, long_wait=outline.long_wait))
        return chosen

    def _stop_place(self, stop: int) -> Place:
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

    def _stop_snap(self, stop: int, profile: str) -> Snap | None:
        return self.access.stop_snap(stop, profile)

    def _walk_geometry(
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
        return _joined([(a.lon, a.lat), *route.coordinates, (b.lon, b.lat)]), tuple(route.steps)

    def _from_journey(
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
        origin_place = _point("origin", request.origin)
        destination_place = _point("destination", request.destination)
        for part in journey.legs:
            if isinstance(part, TransitLeg):
                legs.append(self._ride_leg(part, detailed=geometry))
                continue
            a = origin_place if part.from_stop is None else self._stop_place(part.from_stop)
            b = destination_place if part.to_stop is None else self._stop_place(part.to_stop)
            chain = _feeder_chain(part, access, egress)
            if chain is not None:
                a_snap = origin if part.from_stop is None else self._stop_snap(part.from_stop, profile)
                b_snap = destination if part.to_stop is None else self._stop_snap(part.to_stop, profile)
                chain_legs = self._chain_legs(
                    chain, part.departure, a, b, a_snap, b_snap, router, speeds, geometry=geometry
                )
                if chain_legs is None:
                    return None
                legs += chain_legs
                continue
            line = [(a.lon, a.lat), (b.lon, b.lat)]
            steps: tuple[Step, ...] = ()
            if geometry:
                start_snap = origin if part.from_stop is None else self._stop_snap(part.from_stop, profile)
                end_snap = destination if part.to_stop is None else self._stop_snap(part.to_stop, profile)
                line, steps = self._walk_geometry(router, start_snap, end_snap, a, b, speeds)
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
        return Itinerary(legs=merge_walks([leg for leg in legs if not _empty_walk(leg)] or legs))

    def _ride_leg(self, part: TransitLeg, *, detailed: bool = True) -> Leg:
        """A transit leg; without ``detailed`` its intermediate stops and line are left out (an outline)."""
        stops = [part.from_stop, *part.intermediate_stops, part.to_stop] if detailed else [part.from_stop, part.to_stop]
        places = [self._stop_place(stop) for stop in stops]
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


def _feeder_ends(
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


def _feeder_chain(
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


def _priced(itinerary: Itinerary, quoter: LegQuoter) -> Itinerary:
    """``itinerary`` with a price quote (and deep link) on each shared-vehicle leg."""
    if all(leg.sharing is None for leg in itinerary.legs):
        return itinerary
    legs = []
    for leg in itinerary.legs:
        if leg.sharing is not None:
            price = quoter(leg)
            leg = replace(
                leg, sharing=replace(leg.sharing, quote=price.quote, deep_link=price.deep_link or leg.sharing.deep_link)
            )
        legs.append(leg)
    return replace(itinerary, legs=legs)


def _point(kind: str, point: tuple[float, float]) -> Place:
    return Place(name=kind, lat=point[0], lon=point[1], kind=kind)


_NONE: tuple[None, tuple[Step, ...]] = (None, ())
"""No geometry asked for: no line and no steps."""


def _joined(points: Coordinates) -> Coordinates:
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
                geometry=_joined([*previous.geometry, *leg.geometry]),
                steps=_joined_steps(previous.steps, leg.steps),
            )
        else:
            merged.append(leg)
    return merged


def _empty_walk(leg: Leg) -> bool:
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


def longest_wait_s(itinerary: Itinerary, requested: datetime, *, arrive_by: bool) -> float:
    """The longest wait of ``itinerary``: from the requested time to leaving (arriving: arrive-by), or between legs."""
    edge = requested - itinerary.end if arrive_by else itinerary.start - requested
    legs = itinerary.legs
    gaps = [(later.start - earlier.end).total_seconds() for earlier, later in pairwise(legs)]
    return max([edge.total_seconds(), *gaps])


def _uses_transit(itinerary: Itinerary) -> bool:
    return any(leg.mode is Mode.TRANSIT for leg in itinerary.legs)


@dataclass(frozen=True)
class JourneyNumbers:
    """What :func:`select` reads of a transit journey's itinerary, computed from the journey's own legs.

    The same rules as the itinerary :meth:`Planner._from_journey` would build: walks that go
    nowhere are left out (:func:`_empty_walk`), runs of walks count as one (:func:`merge_walks`).
    """

    journey: Journey
    signature: tuple[object, ...]
    """Equal exactly when the itineraries' signatures are (stops by index instead of id)."""
    start: datetime
    end: datetime
    transfers: int
    walk_seconds: int
    gaps_s: tuple[float, ...]
    """Waits between consecutive legs."""

    @property
    def duration_s(self) -> int:
        """Door-to-door seconds."""
        return round((self.end - self.start).total_seconds())


def _journey_walk_goes_nowhere(leg: WalkLeg) -> bool:
    """:func:`_empty_walk` for a journey's walk leg."""
    if leg.from_stop is not None and leg.from_stop == leg.to_stop:
        return True
    seconds = round((leg.arrival - leg.departure).total_seconds())
    return leg.meters < 0.5 and seconds == 0 and None in (leg.from_stop, leg.to_stop)


def journey_numbers(journey: Journey) -> JourneyNumbers:
    """The numbers of ``journey``'s itinerary (see :class:`JourneyNumbers`), without building it."""
    legs = [leg for leg in journey.legs if not (isinstance(leg, WalkLeg) and _journey_walk_goes_nowhere(leg))] or list(
        journey.legs
    )
    parts: list[tuple[bool, str | None, int | None, int | None, datetime, datetime]] = []
    for leg in legs:
        walk = isinstance(leg, WalkLeg)
        if walk and parts and parts[-1][0]:  # a run of walks is one walk leg
            first = parts[-1]
            parts[-1] = (True, None, first[2], leg.to_stop, first[4], leg.arrival)
            continue
        trip_id = None if isinstance(leg, WalkLeg) else leg.trip_id
        parts.append((walk, trip_id, leg.from_stop, leg.to_stop, leg.departure, leg.arrival))
    rides = sum(1 for part in parts if not part[0])
    return JourneyNumbers(
        journey=journey,
        signature=tuple(parts),
        start=parts[0][4],
        end=parts[-1][5],
        transfers=max(rides - 1, 0),
        walk_seconds=sum(round((part[5] - part[4]).total_seconds()) for part in parts if part[0]),
        gaps_s=tuple((later[4] - earlier[5]).total_seconds() for earlier, later in pairwise(parts)),
    )


def select_numbers(
    candidates: Iterable[JourneyNumbers],
    *,
    arrive_by: bool,
    requested: datetime | None = None,
    max_wait_s: float | None = None,
) -> list[tuple[JourneyNumbers, list[str], bool]]:
    """:func:`select` without prices on transit journeys' numbers: (kept, its labels, long wait), best first.

    The same steps as :func:`select` (de-duplication, long waits, Pareto set over time,
    transfers and walking, order, at most ``MAX_ITINERARIES``, labels), so building the
    itineraries of the kept journeys gives what :func:`select` returns for all of them.
    """
    unique: dict[tuple[object, ...], JourneyNumbers] = {}
    for numbers in candidates:
        unique.setdefault(numbers.signature, numbers)
    items = list(unique.values())

    def time_key(numbers: JourneyNumbers) -> float:
        return -numbers.start.timestamp() if arrive_by else numbers.end.timestamp()

    long_wait = False
    if requested is not None and max_wait_s is not None:

        def wait(numbers: JourneyNumbers) -> float:
            edge = requested - numbers.end if arrive_by else numbers.start - requested
            return max([edge.total_seconds(), *numbers.gaps_s])

        short = [item for item in items if wait(item) <= max_wait_s]
        items, long_wait = (short, False) if short else (items, True)

    def key(numbers: JourneyNumbers) -> tuple[float, ...]:
        return (time_key(numbers), float(numbers.transfers), float(numbers.walk_seconds))

    kept = non_dominated(items, key)
    kept.sort(key=lambda item: (time_key(item), item.transfers, item.walk_seconds, item.duration_s))
    kept = kept[:MAX_ITINERARIES]
    if not kept:
        return []
    best = {
        "fastest": min(kept, key=lambda item: (time_key(item), item.duration_s)),
        "fewest_transfers": min(kept, key=lambda item: (item.transfers, time_key(item))),
        "least_walking": min(kept, key=lambda item: (item.walk_seconds, time_key(item))),
    }
    labelled = [(item, [label for label, chosen in best.items() if chosen is item], long_wait) for item in kept]
    return [entry for entry in labelled if entry[1]]


def select(
    candidates: Iterable[Itinerary],
    *,
    arrive_by: bool,
    price: Callable[[Itinerary], float] | None = None,
    requested: datetime | None = None,
    max_wait_s: float | None = None,
) -> list[Itinerary]:
    """De-duplicate, keep the Pareto set (time, transfers, walking, and price when given), label and order it.

    Time is the arrival for departure queries and the departure (later is better) for
    arrive-by queries; the set is ordered by that time, best first, at most
    ``MAX_ITINERARIES`` (the cheapest is always among them). Before that, a transit
    itinerary goes when a trip without transit is at least as good in time and costs
    no more (without ``price``: when that trip is free, on foot or by own bike); with
    ``requested`` and ``max_wait_s``, itineraries waiting longer (see
    :func:`longest_wait_s`) go when others do not, and are flagged ``long_wait`` when
    they are all there is. Every itinerary returned has at least one label (``fastest``,
    ``fewest_transfers``, ``least_walking``, ``cheapest``); one best at nothing is left out.
    """
    unique: dict[tuple[object, ...], Itinerary] = {}
    for itinerary in candidates:
        unique.setdefault(itinerary.signature(), itinerary)
    items = list(unique.values())

    def time_key(itinerary: Itinerary) -> float:
        return -itinerary.start.timestamp() if arrive_by else itinerary.end.timestamp()

    if requested is not None and max_wait_s is not None:
        waits = {id(item): longest_wait_s(item, requested, arrive_by=arrive_by) for item in items}
        short = [item for item in items if waits[id(item)] <= max_wait_s]
        items = (
            [replace(item, long_wait=False) for item in short]
            if short
            else [replace(item, long_wait=True) for item in items]
        )

    prices = {id(item): price(item) for item in items} if price is not None else {}

    def cost(itinerary: Itinerary) -> float | None:
        """The price when known; None (unknown) for trips using transit or shared vehicles without prices."""
        if prices:
            return prices[id(itinerary)]
        free = all(leg.mode in (Mode.WALK, Mode.BIKE) for leg in itinerary.legs)
        return 0.0 if free else None

    street = [item for item in items if not _uses_transit(item)]

    def beaten_by_street(itinerary: Itinerary) -> bool:
        if not _uses_transit(itinerary):
            return False
        mine = cost(itinerary)
        for other in street:
            theirs = cost(other)
            if time_key(other) > time_key(itinerary) or theirs is None:
                continue
            if mine is None or theirs <= mine:
                return True
        return False

    items = [item for item in items if not beaten_by_street(item)]

    def key(itinerary: Itinerary) -> tuple[float, ...]:
        base = (time_key(itinerary), float(itinerary.transfers), float(itinerary.walk_seconds))
        return (*base, prices[id(itinerary)]) if prices else base

    kept = non_dominated(items, key)
    kept.sort(key=lambda item: (time_key(item), item.transfers, item.walk_seconds, item.duration_s))
    cheapest = min(kept, key=lambda item: (prices[id(item)], time_key(item))) if prices and kept else None
    kept = kept[:MAX_ITINERARIES]
    if cheapest is not None and cheapest not in kept:
        kept[-1] = cheapest
    if not kept:
        return []
    best = {
        "fastest": min(kept, key=lambda item: (time_key(item), item.duration_s)),
        "fewest_transfers": min(kept, key=lambda item: (item.transfers, time_key(item))),
        "least_walking": min(kept, key=lambda item: (item.walk_seconds, time_key(item))),
    }
    if cheapest is not None:
        best["cheapest"] = cheapest
    labelled = [replace(item, labels=[label for label, chosen in best.items() if chosen is item]) for item in kept]
    return [item for item in labelled if item.labels]
