"""Leaving as late as possible: a journey's connections moved to the latest trips that still make them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import numpy as np
from numpy.typing import NDArray

from routing.transit._raptor import latest_ride
from routing.transit.journeys import Journey, JourneyBuilder, TransitLeg, WalkLeg
from routing.transit.network import Network
from routing.transit.options import TransitOptions
from routing.transit.service_time import elapsed_seconds, seconds_since_reference
from routing.transit.transfers import Transfers


def leave_late(
    journey: Journey,
    options: TransitOptions,
    *,
    network: Network,
    transfers: Transfers,
    days: tuple[NDArray[np.int64], NDArray[np.int64]],
    builder: JourneyBuilder,
) -> Journey:
    """``journey`` with the same connections, leaving the origin as late as they allow.

    A reverse pass over the rides, last to first: each ride is replaced by the latest
    trip from the same boarding stop to the same alighting stop that still makes the
    next (already moved) ride under the change rules of ``options`` (the last ride:
    one that arrives no later); the walks after a ride follow its arrival, and the
    access walk is moved to reach the first stop just in time for boarding. Arrival
    never gets later and every change keeps the time the search requires, so the
    journey stays feasible; its departure is the latest from the door for these
    connections (as range RAPTOR's reverse pass would find). ``days`` are the day bits
    and shifts of the journey's service day.
    """
    rides = [i for i, leg in enumerate(journey.legs) if isinstance(leg, TransitLeg)]
    if not rides:
        return journey
    legs: list[TransitLeg | WalkLeg] = list(journey.legs)
    day = journey.departure.astimezone(builder.zone).date()
    following: TransitLeg | None = None  # the next ride, original and as replaced
    replaced: TransitLeg | None = None
    for i in reversed(rides):
        ride = legs[i]
        assert isinstance(ride, TransitLeg)
        if following is None or replaced is None:
            deadline = ride.arrival
        else:
            change = transfers.change_s(ride.to_stop, following.from_stop, options)
            gap = following.departure - ride.arrival if change is None else timedelta(seconds=change)
            deadline = replaced.departure - gap
        later = _latest_ride(ride, deadline, day, network, days, builder, wheelchair=options.wheelchair)
        following, replaced = ride, later or ride
        legs[i] = replaced
        shift = replaced.arrival - ride.arrival
        j = i + 1
        while j < len(legs) and isinstance(legs[j], WalkLeg):  # walks after the ride start on arrival
            walk = legs[j]
            assert isinstance(walk, WalkLeg)
            legs[j] = replace(walk, departure=walk.departure + shift, arrival=walk.arrival + shift)
            j += 1
    first = legs[rides[0]]
    assert isinstance(first, TransitLeg)
    for j in range(rides[0] - 1, -1, -1):  # walks before the first ride end at its departure
        walk = legs[j]
        assert isinstance(walk, WalkLeg)
        end = first.departure if j == rides[0] - 1 else legs[j + 1].departure
        legs[j] = replace(walk, departure=end - (walk.arrival - walk.departure), arrival=end)
    walking = sum(elapsed_seconds(leg.departure, leg.arrival) for leg in legs if isinstance(leg, WalkLeg))
    return replace(journey, departure=legs[0].departure, arrival=legs[-1].arrival, legs=legs, walking_seconds=walking)


def _latest_ride(
    ride: TransitLeg,
    deadline: datetime,
    day: date,
    network: Network,
    days: tuple[NDArray[np.int64], NDArray[np.int64]],
    builder: JourneyBuilder,
    *,
    wheelchair: bool,
) -> TransitLeg | None:
    """The trip leaving ``ride.from_stop`` latest (after ``ride``) that reaches ``ride.to_stop`` by ``deadline``."""
    bits, shifts = days
    zone = builder.zone
    leave, reach, trip, d = latest_ride(  # the compiled scan (no Python in the loop over trips)
        network.kernel,
        bits,
        shifts,
        ride.from_stop,
        ride.to_stop,
        seconds_since_reference(ride.departure, day, zone),
        seconds_since_reference(deadline, day, zone),
        wheelchair,
    )
    if trip < 0:
        return None
    return builder.trip_leg(network, trip, d, (ride.from_stop, ride.to_stop), (int(leave), int(reach)), day)
