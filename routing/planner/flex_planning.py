"""On-demand rides (GTFS-Flex) in a plan: as the whole trip, as access to transit, as egress and between two trips.

Depart-at access and egress are planned here; arrive-by access and egress and the ride
between two fixed trips by :class:`~routing.planner.flex_transit.FlexTransit`, which gets
this request's routers, street ends and leg builders from :meth:`FlexPlanning._joined_transit`.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime
from functools import partial

from routing.errors import NoRoute
from routing.planner.access import RequestPoints, StreetAccess
from routing.planner.flex import FlexChain, FlexRouter, MeetingPoint
from routing.planner.flex_transit import FlexTransit
from routing.planner.itinerary import Itinerary, Leg
from routing.planner.legs import LegBuilder, endpoint, merge_walks
from routing.planner.request import ARRIVE_BY_SEARCH, Mode, PlanRequest
from routing.planner.window import check_time
from routing.street.router import Snap, StreetRouter, TravelSpeeds, walking_speeds
from routing.transit.ends import AccessEgress
from routing.transit.journeys import Journey, TransitLeg, WalkLeg
from routing.transit.queries import TransitRouter
from routing.transit.service_time import seconds_since_reference

MAX_FLEX_TRIPS = 3
"""Whole trips by flex ride kept per request (one per flex trip, earliest arrival first)."""


class FlexPlanning:
    """Plans the flex rides of one region's requests (``flex`` None: the region has no flex network to ride)."""

    def __init__(self, flex: FlexRouter | None, access: StreetAccess, transit: TransitRouter, legs: LegBuilder) -> None:
        self.flex = flex
        self.access = access
        self.transit = transit
        self.legs = legs

    def plan(self, request: PlanRequest, points: RequestPoints | None = None) -> tuple[list[Itinerary], list[str]]:
        """Flex rides as the whole trip, as access to transit, as egress from it and between two fixed trips.

        Depart-at access and egress are planned here; arrive-by access and egress and the
        ride between two fixed trips by :class:`~routing.planner.flex_transit.FlexTransit`.
        """
        points = points or self.access.points(request.origin, request.destination)
        if self.flex is None or self.flex.car is None:
            return [], ["flex_unavailable"]
        flex = self.flex
        profile = request.walk_profile
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
        a, b = endpoint("origin", request.origin), endpoint("destination", request.destination)
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
            check_time(self.transit, request.time)
            joined = self._joined_transit(request, booking, router, origin, destination, walk)
            if request.arrive_by:
                found += joined.access_arrive_by(pickups) if pickups else []
                found += joined.egress_arrive_by(drop_offs) if drop_offs else []
            else:
                ends = joined.street_ends(request.time)
                if pickups:
                    found += self._access(request, ends, pickups, booking, router, origin, destination, walk)
                if drop_offs:
                    found += self._egress(request, ends, drop_offs, booking, router, origin, destination, walk)
            found += joined.between()
        return found, []

    def _joined_transit(
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
        options = request.transit_options()
        street_ends = self.access.ends_by_moment(origin, destination, options)

        def transit_legs(journey: Journey) -> list[Leg] | None:
            itinerary = self.legs.from_journey(journey, request, router, origin, destination, walk)
            return None if itinerary is None else itinerary.legs

        return FlexTransit(
            transit=self.transit,
            flex=self.flex,
            request=request,
            options=options,
            booking_time=booking,
            walk=(router, walk),
            origin=(endpoint("origin", request.origin), origin),
            destination=(endpoint("destination", request.destination), destination),
            street_ends=street_ends,
            transit_legs=transit_legs,
            stop_place=self.legs.stop_place,
            stop_snap=partial(self.legs.stop_snap, profile=router.profile),
            join=merge_walks,
        )

    def _journeys(self, ends: AccessEgress, request: PlanRequest) -> list[Journey]:
        try:
            journeys = self.transit.pareto(ends, request.transit_options())
        except NoRoute:
            return []
        return [journey for journey in journeys if any(isinstance(leg, TransitLeg) for leg in journey.legs)]

    def _access(
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
        a = endpoint("origin", request.origin)
        for journey in self._journeys(flex_ends, request):
            first = journey.legs[0]
            if not isinstance(first, WalkLeg) or first.to_stop is None or first.to_stop not in access:
                continue
            rest = self.legs.from_journey(
                replace(journey, legs=journey.legs[1:]), request, router, origin, destination, walk
            )
            if rest is None:
                continue
            stop = first.to_stop
            head = self.flex.legs(
                access[stop],
                a,
                self.legs.stop_place(stop),
                origin,
                self.legs.stop_snap(stop, router.profile),
                (router, walk),
                wheelchair=request.wheelchair,
            )
            found.append(Itinerary(legs=merge_walks([*head, *rest.legs])))
        return found

    def _egress(
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
        b = endpoint("destination", request.destination)
        for journey in self._journeys(flex_ends, request):
            last = journey.legs[-1]
            if not isinstance(last, WalkLeg) or last.from_stop is None or last.to_stop is not None:
                continue
            stop = last.from_stop
            chain: FlexChain | None = self.flex.from_stop(
                stop, drop_offs, earliest=last.departure, booking_time=booking, wheelchair=request.wheelchair
            )
            if chain is None:
                continue
            head = self.legs.from_journey(
                replace(journey, legs=journey.legs[:-1]), request, router, origin, destination, walk
            )
            if head is None:
                continue
            tail = self.flex.legs(
                chain,
                self.legs.stop_place(stop),
                b,
                self.legs.stop_snap(stop, router.profile),
                destination,
                (router, walk),
                wheelchair=request.wheelchair,
            )
            found.append(Itinerary(legs=merge_walks([*head.legs, *tail])))
        return found
