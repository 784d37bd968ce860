"""The door-to-door planner: one request, itineraries across the allowed modes.

It combines the street router (walk, wheelchair, bike) and the transit router (RAPTOR
and McRAPTOR over the region's timetable) and turns their answers into
:class:`~routing.planner.itinerary.Itinerary` objects with geometry for every leg
(:mod:`routing.planner.legs`). Trips with shared vehicles or the own bike are planned by
:mod:`routing.planner.feeders`, on-demand rides by :mod:`routing.planner.flex_planning`.
The answer is a small Pareto set chosen by :mod:`routing.planner.choice`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from routing.errors import NoRoute
from routing.planner.access import RequestPoints, StreetAccess
from routing.planner.choice import MAX_ITINERARIES as MAX_ITINERARIES
from routing.planner.choice import journey_numbers as journey_numbers
from routing.planner.choice import longest_wait_s as longest_wait_s
from routing.planner.choice import select, select_numbers
from routing.planner.errors import NoItinerary, NoTransitInRegion
from routing.planner.errors import PlanningError as PlanningError  # re-exported: callers import it from here
from routing.planner.errors import PointNotOnNetwork as PointNotOnNetwork
from routing.planner.feeders import OWN_BIKE as OWN_BIKE
from routing.planner.feeders import FeederPlanning
from routing.planner.flex import FlexRouter
from routing.planner.flex_planning import FlexPlanning
from routing.planner.itinerary import Itinerary, Leg, PlanResult
from routing.planner.legs import LegBuilder, endpoint
from routing.planner.legs import merge_walks as merge_walks
from routing.planner.region_data import RegionData
from routing.planner.request import ARRIVE_BY_SEARCH as ARRIVE_BY_SEARCH
from routing.planner.request import BIKE_KMH, Mode, PlanRequest
from routing.planner.shared_rides import SharedRideFinder
from routing.planner.sharing import LegQuoter, SharingSupply
from routing.planner.window import check_time
from routing.street.router import cycling_speeds, walking_speeds
from routing.transit.empty import has_transit
from routing.transit.ends import AccessEgress
from routing.transit.journeys import Journey, TransitLeg
from routing.transit.queries import TransitRouter

logger = logging.getLogger(__name__)

R = TypeVar("R", bound=RegionData, covariant=True)

NO_TRANSIT_WARNING = "no_transit"
"""Warning code: transit was asked for with other modes on a street-only region; the others were planned."""


class Planner(Generic[R]):
    """Plans door-to-door trips on one region. Safe to share between threads.

    ``transit`` answers the transit queries; ``access`` snaps the request's points (once
    per point and profile) and makes the street ends of those queries; ``legs`` builds
    the itineraries' legs, ``feeders`` and ``flex_planning`` the trips with shared
    vehicles and with on-demand rides.
    """

    def __init__(self, region: R, transit: TransitRouter | None = None) -> None:
        self.region = region
        self.transit = transit or TransitRouter(region.timetable, region.manifest.timezone, region.footpaths)
        self.access = StreetAccess(region.street, region.footpaths, self.transit)
        self.timetable = region.timetable
        self.legs = LegBuilder(self.timetable, self.access)
        self.feeders = FeederPlanning(
            region.street, self.access, self.transit, SharedRideFinder(self.access.street), self.legs
        )
        flex = region.flex
        self.flex = (
            FlexRouter(flex, self.timetable, self.access.street, region.street.profiles)
            if flex is not None and flex.trips
            else None
        )
        self.flex_planning = FlexPlanning(self.flex, self.access, self.transit, self.legs)

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
            check_time(self.transit, request.time)
            candidates += self._transit(request, points, price)
        if Mode.WALK in modes:
            walk = self._street_only(request, points, request.walk_profile, Mode.WALK)
            if walk is not None and (Mode.TRANSIT not in modes or walk.legs[0].distance_m <= request.max_walk_m * 2):
                candidates.append(walk)
        if Mode.BIKE in modes:
            bike = self._street_only(request, points, "bike", Mode.BIKE)
            if bike is not None:
                candidates.append(bike)
            if Mode.TRANSIT in modes:
                found, notes = self.feeders.bike_and_ride(request, points)
                candidates += found
                warnings += notes
        if Mode.FLEX in modes:
            found, notes = self._flex(request, points)
            candidates += found
            warnings += notes
        for mode in (Mode.BIKESHARE, Mode.CARSHARING):
            if mode in modes:
                found, notes = self.feeders.shared_vehicle_trips(request, points, mode, sharing)
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
            origin=endpoint("origin", request.origin),
            destination=endpoint("destination", request.destination),
            start=start,
            end=start + duration,
            distance_m=route.distance_m,
            geometry=route.coordinates,  # from the origin point to the destination point, connectors included
            steps=tuple(route.steps),
        )
        return Itinerary(legs=[leg])

    def _flex(self, request: PlanRequest, points: RequestPoints | None = None) -> tuple[list[Itinerary], list[str]]:
        """Flex candidates before the choice (see :meth:`FlexPlanning.plan`)."""
        return self.flex_planning.plan(request, points)

    # Transit -------------------------------------------------------------------------

    def _transit(
        self,
        request: PlanRequest,
        points: RequestPoints | None = None,
        price: Callable[[Itinerary], float] | None = None,
    ) -> list[Itinerary]:
        points = points or self.access.points(request.origin, request.destination)
        options = request.transit_options()
        profile = request.walk_profile
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
                full = self.legs.from_journey(numbers.journey, request, router, origin, destination, walk_speeds)
                assert full is not None  # only feeder chains can be refused
                built.append(replace(full, labels=labels, long_wait=long_wait))
            return built
        # A price needs the itineraries: choose on outlines (straight walk lines), then draw geometry for the chosen.
        by_signature: dict[tuple[object, ...], Journey] = {}
        outlines = []
        for journey in rides:
            outline = self.legs.from_journey(journey, request, router, origin, destination, walk_speeds, geometry=False)
            assert outline is not None  # only feeder chains can be refused
            by_signature.setdefault(outline.signature(), journey)
            outlines.append(outline)
        chosen = []
        chosen_outlines = select(
            outlines, arrive_by=request.arrive_by, price=price, requested=request.time, max_wait_s=request.max_wait_s
        )
        for outline in chosen_outlines:
            full = self.legs.from_journey(
                by_signature[outline.signature()], request, router, origin, destination, walk_speeds
            )
            assert full is not None
            chosen.append(replace(full, labels=outline.labels, long_wait=outline.long_wait))
        return chosen


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
