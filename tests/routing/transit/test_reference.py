"""The connection-scan reference counts only journeys as the planner defines them.

A journey takes at least one trip, or it is walking the whole way (the ends'
``direct_arrival``). An access walk to a stop and its egress walk on, each rounded on
its own, can come out a second under the direct walk; it is no journey, so the
reference must not answer it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from routing.transit._raptor import INF
from routing.transit.options import TransitOptions
from routing.transit.queries import TransitRouter
from routing.transit.reference import earliest_arrival_csa
from tests.routing.transit.point_queries import stop_ends
from tests.routing.transit.tiny_transit import tiny_router

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2026, 11, 23)


def _router(tmp_path: Path) -> tuple[TransitRouter, int, int]:
    router = tiny_router(tmp_path, "t1 1 WD: A 08:00, B 08:10", first_day=MONDAY)
    stops = router.timetable.stop_id.to_list()
    return router, stops.index("kvg:A"), stops.index("kvg:B")


def test_access_and_egress_through_a_stop_is_no_journey(tmp_path: Path) -> None:
    router, a, b = _router(tmp_path)
    options = TransitOptions()
    # 07:50: A on foot in 100 s (catches t1 at 08:00, B 08:10), B in 200 s and on from B in 100 s;
    # the direct walk, rounded once, takes 301 s: a second more than the chain through B.
    ends = stop_ends(router, datetime(2026, 11, 23, 7, 50, tzinfo=BERLIN), {a: 100, b: 200}, {b: 100})
    ends = replace(ends, direct_arrival=ends.start + 301, direct_meters=400.0)
    ride = ends.start + 20 * 60 + 100  # t1 to B, then the egress walk
    assert earliest_arrival_csa(router, ends.day, ends.sources, ends.targets, options=options) == ride
    planned = min(journey.arrival for journey in router.earliest(ends, options))
    expected = min(ride, ends.direct_arrival)
    assert round((planned - datetime(2026, 11, 23, 7, 50, tzinfo=BERLIN)).total_seconds()) == expected - ends.start


def test_a_source_that_is_a_target_without_a_trip_is_unreachable(tmp_path: Path) -> None:
    router, _, b = _router(tmp_path)
    ends = stop_ends(router, datetime(2026, 11, 23, 8, 30, tzinfo=BERLIN), {b: 60}, {b: 30})  # no trip after 08:10
    assert earliest_arrival_csa(router, ends.day, ends.sources, ends.targets, options=TransitOptions()) == INF
