"""Bike+ride on real data: Heidelberg's OSM bicycle parkings beside its VRN stops."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from routing.planner.planner import NoItinerary, Planner
from routing.planner.request import Mode, PlanRequest
from routing.region.region import Region

pytestmark = pytest.mark.realdata

HANDSCHUHSHEIM = (49.475112, 8.660217)
SOUTH_OF_THE_CITY = (49.383321, 8.692464)


def test_bike_and_ride_across_heidelberg_is_strictly_the_fastest_and_labelled(heidelberg: Region) -> None:
    """Tuesday 08:00, walking at most 400 m: bike+ride beats cycling and walk+transit.

    Cycling the 10 km arrives later; walk+transit either arrives later or cannot be made
    within the walking bound.
    """
    planner = Planner(heidelberg)
    ask = PlanRequest(
        origin=HANDSCHUHSHEIM,
        destination=SOUTH_OF_THE_CITY,
        time=datetime(2022, 7, 5, 8, 0, tzinfo=ZoneInfo("Europe/Berlin")),
        modes=frozenset({Mode.BIKE, Mode.TRANSIT, Mode.WALK}),
        max_walk_m=400,
    )
    answer = planner.plan(ask)
    assert "bike_and_ride_unavailable" not in answer.warnings
    bike_and_ride = [it for it in answer.itineraries if it.legs[0].mode is Mode.BIKE and Mode.TRANSIT in it.modes]
    assert len(bike_and_ride) == 1, [(it.modes, it.labels) for it in answer.itineraries]
    [winner] = bike_and_ride
    assert "fastest" in winner.labels
    cycling = planner.plan(replace(ask, modes=frozenset({Mode.BIKE}))).itineraries
    try:
        transit = planner.plan(replace(ask, modes=frozenset({Mode.WALK, Mode.TRANSIT}))).itineraries
    except NoItinerary:  # with the walks to and from the stops counted whole, 400 m reach no stop
        transit = []
    others = [*cycling, *transit, *(it for it in answer.itineraries if it is not winner)]
    assert others and all(winner.end < other.end for other in others)
    bike = winner.legs[0]
    first_ride = next(leg for leg in winner.legs if leg.mode is Mode.TRANSIT)
    assert bike.destination.kind == "bike_parking" and bike.distance_m > 300 and bike.end <= first_ride.start
    assert all(it.labels for it in answer.itineraries)
