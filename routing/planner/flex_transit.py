"""Flex rides joined to fixed trips where the depart-at access and egress of :mod:`routing.planner.flex` stop.

Three kinds of itinerary, each exact about time (the rides come from
:func:`routing.flex.rides.find_rides`, so pickup windows, drop-off windows and booking
deadlines are applied relative to the booking moment):

- **flex access, arrive-by** (flex -> transit): range RAPTOR with the flex rides to every
  stop a flex trip serves as access; then the ride is picked up as late as its rules allow
  for its *safe* (upper) arrival to be at the stop by the boarding
  (:meth:`FlexRouter.latest_chain` with ``safe=True``);
- **flex egress, arrive-by** (transit -> flex): range RAPTOR to every such stop with a lower
  bound of the ride as egress; then the ride is looked up for the journey's arrival at the
  stop and kept when its expected (mean) arrival is by the requested time;
- **flex between two fixed trips** (transit -> flex -> transit): the earliest arrival by
  transit at every stop a flex trip serves (RAPTOR, one query per stop), the flex rides from
  there to the other such stops (one car search), and McRAPTOR on from where they set down,
  each stop's source time being its ride's *safe* arrival. Arrive-by runs range RAPTOR on
  that second part, then picks the ride up as late as the boarding after it allows (safe
  estimate) and plans the first part to arrive by that pickup (range RAPTOR again).

A change between a fixed trip and a flex ride at the same stop takes no slack: the vehicle
meets the rider at the stop when the trip arrives (the pickup is not before that arrival),
and the next trip is boarded at or after the ride's safe arrival.

Every call into :mod:`routing.transit` goes through the four ``_transit_*`` functions at the
end of this module (one per search kind), so that a change of the transit API is made there.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import numpy as np

from routing.errors import NoRoute
from routing.flex.rides import RideQuery, find_rides
from routing.planner.flex import FlexChain, FlexRouter, MeetingPoint
from routing.planner.itinerary import Itinerary, Leg, Place
from routing.planner.request import PlanRequest
from routing.street.router import Snap, StreetRouter, TravelSpeeds
from routing.transit.ends import AccessEgress
from routing.transit.journeys import Journey, TransitLeg, WalkLeg
from routing.transit.options import TransitOptions
from routing.transit.queries import TransitRouter
from routing.transit.service_time import elapsed_seconds, seconds_since_reference

SAME_PLACE_M = 0.5
"""A ride shorter than this by car joins two stops at the same place (platforms of one crossing): none is offered."""
ARRIVE_BY_WINDOW_H = 3
"""Hours before the requested arrival an arrive-by search looks for departures (then three times as far)."""


@dataclass(frozen=True)
class FlexTransit:
    """One request's routers, ends and leg builders: what the searches of this module need from the planner."""

    transit: TransitRouter
    flex: FlexRouter
    request: PlanRequest
    options: TransitOptions
    booking_time: datetime
    walk: tuple[StreetRouter, TravelSpeeds]
    origin: tuple[Place, Snap]
    destination: tuple[Place, Snap]
    street_ends: Callable[[datetime], AccessEgress]
    """The walking ends of the request at a moment (the planner's snaps)."""
    transit_legs: Callable[[Journey], list[Leg] | None]
    """The legs of a (part of a) transit journey, as the planner builds them."""
    stop_place: Callable[[int], Place]
    stop_snap: Callable[[int], Snap | None]
    join: Callable[[list[Leg]], list[Leg]]
    """Merge walks that follow each other (the planner's ``merge_walks``)."""

    def _flex_legs(self, chain: FlexChain, a: tuple[Place, Snap | None], b: tuple[Place, Snap | None]) -> list[Leg]:
        return self.flex.legs(chain, a[0], b[0], a[1], b[1], self.walk, wheelchair=self.request.wheelchair)

    def _stop_end(self, stop: int) -> tuple[Place, Snap | None]:
        return self.stop_place(stop), self.stop_snap(stop)

    def _itinerary(self, *parts: list[Leg] | None) -> Itinerary | None:
        if any(part is None for part in parts):
            return None
        return Itinerary(legs=self.join([leg for part in parts if part is not None for leg in part]))

    # Flex access and egress in arrive-by searches --------------------------------------

    def access_arrive_by(self, pickups: list[MeetingPoint]) -> list[Itinerary]:
        """Flex ride to a stop, then transit, arriving by the requested time; the ride leaves as late as it may."""
        seen: list[dict[int, FlexChain]] = []

        def ends_at(earliest: datetime) -> AccessEgress:
            access = self.flex.to_stops(
                pickups, earliest=earliest, booking_time=self.booking_time, wheelchair=self.request.wheelchair
            )
            seen.append(access)
            return _flex_sources(self.street_ends(earliest), access, self.transit)

        found = []
        for journey in _transit_arrive_by(self, ends_at, self.request.time):
            first = journey.legs[0]
            if not isinstance(first, WalkLeg) or first.to_stop is None or first.from_stop is not None:
                continue
            stop, board = first.to_stop, journey.legs[1].departure
            latest = self._latest([access[stop] for access in seen if stop in access], board)
            if latest is None:
                continue
            head = self._flex_legs(latest[1], (self.origin[0], self.origin[1]), self._stop_end(stop))
            itinerary = self._itinerary(head, self.transit_legs(replace(journey, legs=journey.legs[1:])))
            if itinerary is not None:
                found.append(itinerary)
        return found

    def _latest(self, chains: list[FlexChain], deadline: datetime) -> tuple[int, FlexChain] | None:
        """Of ``chains`` (rides found for earlier moments), the latest pickup whose safe arrival is by ``deadline``.

        Returns its position in ``chains`` and the ride as late as its rules allow; None: none is in time.
        """
        best: tuple[int, FlexChain] | None = None
        for number, chain in enumerate(chains):
            latest = self.flex.latest_chain(
                chain, deadline=deadline, booking_time=self.booking_time, wheelchair=self.request.wheelchair, safe=True
            )
            if latest is not None and (best is None or latest.departure > best[1].departure):
                best = number, latest
        return best

    def egress_arrive_by(self, drop_offs: list[MeetingPoint]) -> list[Itinerary]:
        """Transit, then a flex ride from the last stop, arriving (expected, mean estimate) by the requested time.

        The search takes a lower bound of each stop's ride; a journey whose actual ride arrives
        too late makes that stop's bound exact (the ride's time from the arrival at the stop)
        and the search runs once more.
        """
        deadline = self.request.time
        estimates = {
            stop: (float(math.ceil(seconds)), metres, walked)
            for stop, (seconds, metres, walked) in self.flex.from_stop_estimates(drop_offs).items()
        }
        found: list[Itinerary] = []
        for _ in range(2):
            if not estimates:
                break
            late: dict[int, float] = {}

            def ends_at(
                earliest: datetime, estimates: dict[int, tuple[float, float, float]] = estimates
            ) -> AccessEgress:
                return _flex_targets(self.street_ends(earliest), estimates)

            for journey in _transit_arrive_by(self, ends_at, deadline):
                last = journey.legs[-1]
                if not isinstance(last, WalkLeg) or last.from_stop is None or last.to_stop is not None:
                    continue
                stop = last.from_stop
                chain = self.flex.from_stop(
                    stop,
                    drop_offs,
                    earliest=last.departure,
                    booking_time=self.booking_time,
                    wheelchair=self.request.wheelchair,
                )
                if chain is None:
                    continue
                if chain.arrival > deadline:
                    late[stop] = elapsed_seconds(last.departure, chain.arrival)
                    continue
                head = self.transit_legs(replace(journey, legs=journey.legs[:-1]))
                tail = self._flex_legs(chain, self._stop_end(stop), (self.destination[0], self.destination[1]))
                itinerary = self._itinerary(head, tail)
                if itinerary is not None:
                    found.append(itinerary)
            if found or not late:
                break
            estimates = {
                stop: (max(value[0], float(math.ceil(late.get(stop, 0.0)))), value[1], value[2])
                for stop, value in estimates.items()
            }
        return found

    # Flex between two fixed trips --------------------------------------------------------

    def _via_flex(self, earliest: datetime) -> _ViaFlex:
        """Transit from the origin leaving at ``earliest`` to each flex stop, a flex ride on to the others."""
        ends = self.street_ends(earliest)
        firsts = _transit_earliest_at_stops(self, ends, list(self.flex.transfer_stops))
        rides = rides_between_stops(
            self.flex,
            {stop: journey.arrival for stop, journey in firsts.items()},
            booking_time=self.booking_time,
            wheelchair=self.request.wheelchair,
            max_wait=timedelta(seconds=self.request.max_wait_s),
        )
        zone = self.transit.zone
        sources = {
            stop: max(seconds_since_reference(chain.ride.latest_arrival, ends.day, zone), ends.start)
            for stop, (_, chain) in rides.items()
        }
        walked = {stop: round(firsts[pickup].walking_seconds) for stop, (pickup, _) in rides.items()}
        ends = replace(
            ends,
            sources=sources,
            source_walk=walked,
            access_meters={stop: chain.car_m for stop, (_, chain) in rides.items()},
            direct_arrival=None,
        )
        return _ViaFlex(ends=ends, firsts=firsts, rides=rides)

    def between(self) -> list[Itinerary]:
        """Transit, a flex ride between two stops, transit: depart-at (arriving first) or arrive-by (leaving last)."""
        if self.request.arrive_by:
            return self._between_arrive_by()
        via = self._via_flex(self.request.time)
        if not via.rides:
            return []
        found = []
        for journey in _transit_pareto(self, via.ends):
            drop_off = _access_stop(journey)
            if drop_off is None or drop_off not in via.rides:
                continue
            pickup, chain = via.rides[drop_off]
            first = _transit_leave_late(self, via.firsts[pickup])
            itinerary = self._between_itinerary(first, pickup, chain, drop_off, journey)
            if itinerary is not None:
                found.append(itinerary)
        return found

    def _between_arrive_by(self) -> list[Itinerary]:
        vias: list[_ViaFlex] = []

        def ends_at(earliest: datetime) -> AccessEgress:
            via = self._via_flex(earliest)
            vias.append(via)
            return via.ends

        found = []
        for journey in _transit_arrive_by(self, ends_at, self.request.time):
            drop_off = _access_stop(journey)
            if drop_off is None:
                continue
            rides = [via.rides[drop_off] for via in vias if drop_off in via.rides]
            latest = self._latest([ride for _, ride in rides], journey.legs[1].departure)
            if latest is None:
                continue
            pickup, chain = rides[latest[0]][0], latest[1]
            first = self._first_part_by(pickup, chain.ride.pickup)
            if first is None:
                continue
            itinerary = self._between_itinerary(first, pickup, chain, drop_off, journey)
            if itinerary is not None:
                found.append(itinerary)
        return found

    def _first_part_by(self, stop: int, deadline: datetime) -> Journey | None:
        """The transit journey from the origin reaching ``stop`` by trip by ``deadline``, leaving latest."""

        def ends_at(earliest: datetime) -> AccessEgress:
            ends = self.street_ends(earliest)
            return replace(
                ends, targets={stop: 0}, target_walk={stop: 0}, egress_meters={stop: 0.0}, direct_arrival=None
            )

        journeys = [
            journey
            for journey in _transit_arrive_by(self, ends_at, deadline)
            if any(isinstance(leg, TransitLeg) for leg in journey.legs)
        ]
        if not journeys:
            return None
        best = max(journeys, key=lambda journey: (journey.departure, -journey.transfers))
        legs = best.legs
        if legs and isinstance(legs[-1], WalkLeg) and legs[-1].to_stop is None:  # the empty walk at the stop
            legs = legs[:-1]
        return replace(best, legs=legs, arrival=legs[-1].arrival)

    def _between_itinerary(
        self, first: Journey, pickup: int, chain: FlexChain, drop_off: int, second: Journey
    ) -> Itinerary | None:
        if not any(isinstance(leg, TransitLeg) for leg in second.legs):
            return None
        ride = self._flex_legs(chain, self._stop_end(pickup), self._stop_end(drop_off))
        return self._itinerary(self.transit_legs(first), ride, self.transit_legs(replace(second, legs=second.legs[1:])))


@dataclass(frozen=True)
class _ViaFlex:
    """The first transit part and the flex rides after it, as the access of the second transit part."""

    ends: AccessEgress
    """Sources: the stops the rides set down at, at their safe arrivals."""
    firsts: dict[int, Journey] = field(default_factory=dict)
    """Pickup stop -> the earliest transit journey there."""
    rides: dict[int, tuple[int, FlexChain]] = field(default_factory=dict)
    """Drop-off stop -> (pickup stop, the ride with the earliest safe arrival there)."""


def rides_between_stops(
    flex: FlexRouter,
    arrivals: dict[int, datetime],
    *,
    booking_time: datetime,
    wheelchair: bool,
    max_wait: timedelta,
) -> dict[int, tuple[int, FlexChain]]:
    """Per stop a flex trip serves, the ride from another such stop (reached at ``arrivals``) arriving first (safe).

    One car search from every pickup stop to every drop-off stop; the rides are those
    :func:`~routing.flex.rides.find_rides` offers from the arrival at the pickup stop on,
    picked up at most ``max_wait`` after it (a longer wait between two trips is no connection).
    """
    pickups = [stop for stop in arrivals if stop in flex.transfer_stops]
    drop_offs = list(flex.transfer_stops)
    if not pickups:
        return {}
    seconds, metres = flex.car_times(
        [flex.stop_car_snap(stop) for stop in pickups], [flex.stop_car_snap(stop) for stop in drop_offs]
    )
    found: dict[int, tuple[int, FlexChain]] = {}
    for i, pickup in enumerate(pickups):
        start = flex.stop_meeting_point(pickup)
        for j, drop_off in enumerate(drop_offs):
            end = flex.stop_meeting_point(drop_off)
            if start is None or end is None or not np.isfinite(seconds[i, j]) or metres[i, j] <= SAME_PLACE_M:
                continue  # no ride between a stop and itself, or a stop at the same place of the road
            query = RideQuery(
                pickup_refs=start.refs,
                drop_off_refs=end.refs,
                car_s=float(seconds[i, j]),
                earliest_pickup=arrivals[pickup],
                booking_time=booking_time,
                wheelchair=wheelchair,
                latest_pickup=arrivals[pickup] + max_wait,
            )
            for ride in find_rides(flex.network, query):
                chain = FlexChain(start, end, ride, float(metres[i, j]), booking_time)
                known = found.get(drop_off)
                if known is None or chain.ride.latest_arrival < known[1].ride.latest_arrival:
                    found[drop_off] = (pickup, chain)
    return found


def _access_stop(journey: Journey) -> int | None:
    """The stop the journey's access leads to (None: it starts otherwise, or has no ride after it)."""
    first = journey.legs[0] if journey.legs else None
    if not isinstance(first, WalkLeg) or first.from_stop is not None or first.to_stop is None or len(journey.legs) < 2:
        return None
    return first.to_stop


def _flex_sources(ends: AccessEgress, access: dict[int, FlexChain], transit: TransitRouter) -> AccessEgress:
    """``ends`` with flex rides to stops as the access: each stop from its ride's safe arrival."""
    return replace(
        ends,
        sources={
            stop: max(seconds_since_reference(chain.ride.latest_arrival, ends.day, transit.zone), ends.start)
            for stop, chain in access.items()
        },
        source_walk={stop: round(chain.pickup.walk_s) for stop, chain in access.items()},
        access_meters={stop: chain.pickup.walk_m + chain.car_m for stop, chain in access.items()},
        direct_arrival=None,
    )


def _flex_targets(ends: AccessEgress, estimates: dict[int, tuple[float, float, float]]) -> AccessEgress:
    """``ends`` with flex rides from stops as the egress (seconds, metres and walked seconds per stop)."""
    return replace(
        ends,
        targets={stop: math.ceil(seconds) for stop, (seconds, _, _) in estimates.items()},
        target_walk={stop: round(walked) for stop, (_, _, walked) in estimates.items()},
        egress_meters={stop: metres for stop, (_, metres, _) in estimates.items()},
        direct_arrival=None,
    )


# The calls into routing.transit --------------------------------------------------------------


def _transit_pareto(context: FlexTransit, ends: AccessEgress) -> list[Journey]:
    """McRAPTOR from prepared ends, journeys with at least one ride (none: empty)."""
    try:
        journeys = context.transit.pareto(ends, context.options)
    except NoRoute:
        return []
    return [journey for journey in journeys if any(isinstance(leg, TransitLeg) for leg in journey.legs)]


def _transit_arrive_by(
    context: FlexTransit, ends_at: Callable[[datetime], AccessEgress], deadline: datetime
) -> list[Journey]:
    """Range RAPTOR arriving by ``deadline``, leaving as late as the connections allow (with a ride each)."""
    try:
        journeys = context.transit.arrive_by(
            ends_at, deadline, context.options, window=timedelta(hours=ARRIVE_BY_WINDOW_H)
        )
    except NoRoute:
        return []
    return [
        _transit_leave_late(context, journey)
        for journey in journeys
        if any(isinstance(leg, TransitLeg) for leg in journey.legs)
    ]


def _transit_leave_late(context: FlexTransit, journey: Journey) -> Journey:
    """``journey`` with the same connections, leaving as late as they allow."""
    return context.transit.leave_late(journey, context.options)


def _transit_earliest_at_stops(context: FlexTransit, ends: AccessEgress, stops: list[int]) -> dict[int, Journey]:
    """Per stop of ``stops``, the earliest arrival by trip (one ride at least) from ``ends``' sources.

    One RAPTOR query per stop (``earliest`` with that stop as the only target, reached with
    no walk on); of its journeys the earliest arriving, fewest trips on a tie, without the
    empty walk at the stop.
    """
    found: dict[int, Journey] = {}
    if not ends.sources:
        return found
    for stop in stops:
        to_stop = replace(ends, targets={stop: 0}, target_walk=None, egress_meters={stop: 0.0}, direct_arrival=None)
        try:
            journeys = context.transit.earliest(to_stop, context.options)
        except NoRoute:
            continue
        rides = [journey for journey in journeys if any(isinstance(leg, TransitLeg) for leg in journey.legs)]
        if not rides:
            continue
        best = min(rides, key=lambda journey: (journey.arrival, journey.transfers))
        legs = best.legs
        if isinstance(legs[-1], WalkLeg) and legs[-1].to_stop is None:
            legs = legs[:-1]
        found[stop] = replace(best, legs=legs, arrival=legs[-1].arrival)
    return found
