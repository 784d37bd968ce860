"""Departure boards: schedule, delays, cancellations and skipped stops, on a tiny timetable."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from routing.transit.departures import departure_board
from routing.transit.queries import TransitRouter
from routing.transit.realtime import TripLocator
from routing.transit.realtime_parse import parse_trip_updates
from tests.routing.transit.realtime_feeds import BERLIN, MONDAY, TRIPS, message, trip_update
from tests.routing.transit.tiny_transit import tiny_router


@pytest.fixture
def router(tmp_path: Path) -> TransitRouter:
    return tiny_router(tmp_path, TRIPS, first_day=MONDAY)


def board(router: TransitRouter, stop: str, clock: datetime, limit: int = 10) -> list[str]:
    index = router.timetable.stop_id.to_list().index(f"kvg:{stop}")
    return [
        f"{d.trip_id} {d.scheduled:%H:%M} {d.expected:%H:%M}"
        + (" cancelled" if d.cancelled else "")
        + (" rt" if d.realtime else "")
        for d in departure_board(router, [index], clock, limit=limit)
    ]


def test_scheduled_board_from_a_time(router: TransitRouter) -> None:
    assert board(router, "B", datetime(2026, 11, 23, 8, 0, tzinfo=BERLIN)) == [
        "kvg:t1 08:10 08:10",
        "kvg:t2 08:40 08:40",
    ]
    assert board(router, "B", datetime(2026, 11, 23, 8, 11, tzinfo=BERLIN)) == ["kvg:t2 08:40 08:40"]
    assert board(router, "B", datetime(2026, 11, 23, 8, 0, tzinfo=BERLIN), limit=1) == ["kvg:t1 08:10 08:10"]


def test_terminus_has_no_departures(router: TransitRouter) -> None:
    assert board(router, "E", datetime(2026, 11, 23, 8, 0, tzinfo=BERLIN)) == []


def test_delay_cancellation_and_skip_show_on_the_board(router: TransitRouter) -> None:
    locator = TripLocator(router.timetable)
    router.apply_realtime(parse_trip_updates(message(trip_update("t1", ("B", 2, 300))), locator, BERLIN, feed="kvg"))
    assert board(router, "B", datetime(2026, 11, 23, 8, 0, tzinfo=BERLIN)) == [
        "kvg:t1 08:10 08:15 rt",
        "kvg:t2 08:40 08:40",
    ]
    router.apply_realtime(parse_trip_updates(message(trip_update("t1", cancelled=True)), locator, BERLIN, feed="kvg"))
    assert board(router, "B", datetime(2026, 11, 23, 8, 0, tzinfo=BERLIN)) == [
        "kvg:t1 08:10 08:10 cancelled",
        "kvg:t2 08:40 08:40",
    ]
    router.apply_realtime(parse_trip_updates(message(trip_update("t1", ("B", 2, None))), locator, BERLIN, feed="kvg"))
    assert board(router, "B", datetime(2026, 11, 23, 8, 0, tzinfo=BERLIN)) == ["kvg:t2 08:40 08:40"]
