"""The departures range RAPTOR runs from: every origin departure that catches a boardable, running trip."""

from __future__ import annotations

from datetime import timedelta
from itertools import islice

import pytest

from routing.planner.errors import PointNotOnNetwork
from routing.region.region import Region
from routing.transit.ends import AccessEgress
from routing.transit.options import TransitOptions
from routing.transit.queries import TransitRouter
from routing.transit.service_time import seconds_since_reference
from tests.routing.transit.od_samples import od_queries
from tests.routing.transit.point_queries import points_of


def by_definition(router: TransitRouter, ends: AccessEgress, end: int, options: TransitOptions) -> list[int]:
    """From :meth:`TransitRouter.boardings`: each boarding's time minus the walk, inside the window."""
    candidates: set[int] = set()
    for stop, arrival in ends.sources.items():
        walk = arrival - ends.start
        for run in router.boardings(stop, ends.day, wheelchair=options.wheelchair):
            leave = run.times - walk
            candidates.update(leave[(leave >= ends.start) & (leave <= end)].tolist())
    return sorted(candidates, reverse=True)


@pytest.mark.parametrize("wheelchair", [False, True])
def test_demo_city_candidates(demo_region: Region, wheelchair: bool) -> None:
    queries = points_of(demo_region)
    options = TransitOptions(wheelchair=wheelchair)
    checked = 0
    for origin, destination, departure in islice(od_queries(demo_region, 5, first_hour=0, hours=24), 90):
        try:
            ends = queries.ends(origin, destination, departure, options)
        except PointNotOnNetwork:
            continue
        end = seconds_since_reference(departure + timedelta(hours=2), ends.day, queries.transit.zone)
        found = queries.transit._departure_candidates(ends, end, options)
        assert found == by_definition(queries.transit, ends, end, options)
        checked += bool(found)
    assert checked > 10
