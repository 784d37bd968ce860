"""Departure boards: the next trips leaving a stop (or a station's platforms), with real-time.

Read from the network the router currently plans on, so a board and a plan made at the
same moment agree: delayed trips show their expected time next to the scheduled one,
cancelled trips stay on the board marked as cancelled, skipped stops are left out, added
trips appear like any other. Each departure carries its platform and the service alerts
that concern it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np

from routing.transit.alerts import ServiceAlert, ride_alerts
from routing.transit.queries import TransitRouter
from routing.transit.service_time import moment_at


@dataclass(frozen=True)
class Departure:
    """One trip leaving one platform."""

    stop: int
    trip_id: str
    route_id: str
    route_short_name: str
    route_type: int
    agency: str
    headsign: str
    service_day: date
    scheduled: datetime
    expected: datetime
    realtime: bool
    cancelled: bool
    wheelchair_accessible: bool | None
    occupancy: str | None
    platform: str | None = None
    """GTFS ``platform_code`` of the stop, or the platform its name ends with."""
    alerts: tuple[ServiceAlert, ...] = ()
    """Service alerts that concern this departure (its stop, route, trip or agency)."""


def departure_board(
    router: TransitRouter,
    stops: list[int],
    moment: datetime,
    *,
    limit: int,
    window: timedelta = timedelta(hours=2),
) -> list[Departure]:
    """Departures from ``stops`` in ``[moment, moment + window)``, earliest first, at most ``limit``."""
    day, start = router.service_day_of(moment)
    end = start + int(window.total_seconds())
    found: list[tuple[int, int, int, int, int]] = []  # (time, trip, day index, stop, position)
    for stop in stops:
        for run in router.boardings(stop, day):
            if run.position == run.stop_count - 1:
                continue  # the trip ends here
            for t in np.flatnonzero((run.times >= start) & (run.times < end)).tolist():
                found.append((int(run.times[t]), int(run.trips[t]), run.day_index, stop, run.position))
    found += _cancelled(router, stops, day, start, end)
    found.sort()
    return [_departure(router, day, *item) for item in found[:limit]]


def _cancelled(
    router: TransitRouter, stops: list[int], day: date, start: int, end: int
) -> list[tuple[int, int, int, int, int]]:
    """Cancelled trips that were due to leave ``stops`` in the window (marked with day index -1)."""
    overlay = router.network.overlay
    if overlay is None:
        return []
    timetable = router.timetable
    wanted = set(stops)
    found = []
    for (trip, trip_day), state in overlay.trips.items():
        if not state.cancelled:
            continue
        offset = (trip_day - day).days
        if offset not in (-1, 0, 1):
            continue
        pattern, base, n = timetable.trip_layout(trip)
        first_stop = int(timetable.pattern_stop_offsets[pattern])
        shift = router.days(day)[1][offset + 1]
        for position, stop in enumerate(np.asarray(timetable.pattern_stops[first_stop : first_stop + n]).tolist()):
            time = int(timetable.departure[base + position]) + int(shift)
            if stop in wanted and start <= time < end and position < n - 1:
                found.append((time, -1 - trip, offset + 1, stop, position))
    return found


def _departure(
    router: TransitRouter, day: date, time: int, trip: int, day_index: int, stop: int, position: int
) -> Departure:
    timetable = router.timetable
    network = router.network
    cancelled = trip < 0
    static_trip = -1 - trip if cancelled else int(network.trip_origin[trip])
    realtime = not cancelled and bool(network.realtime[trip])
    added = None if cancelled else network.added.get(trip)
    scheduled = time
    if added is not None:
        route, trip_id, headsign, wheelchair = added.route, added.trip_id, added.headsign, 0
    else:
        pattern, base, _ = timetable.trip_layout(static_trip)
        route = int(timetable.pattern_route[pattern])
        trip_id, headsign = timetable.trip_id[static_trip], timetable.trip_headsign[static_trip]
        wheelchair = int(timetable.trip_wheelchair[static_trip])
        if realtime:
            scheduled = int(timetable.departure[base + position]) + int(router.days(day)[1][day_index])
    overlay = network.overlay
    occupancy = overlay.occupancy.get(static_trip) if overlay is not None and added is None else None
    if occupancy is None and overlay is not None and trip_id in overlay.vehicles:
        occupancy = overlay.vehicles[trip_id].occupancy
    expected = moment_at(day, time, router.zone)
    alerts = (
        ride_alerts(overlay.alerts, timetable, route=route, trip_id=trip_id, stops=(stop,), start=expected)
        if overlay is not None
        else ()
    )
    return Departure(
        stop=stop,
        trip_id=trip_id,
        route_id=timetable.route_id[route],
        route_short_name=timetable.route_short_name[route],
        route_type=int(timetable.route_type[route]),
        agency=timetable.route_agency[route],
        headsign=headsign,
        service_day=day + timedelta(days=day_index - 1),
        scheduled=moment_at(day, scheduled, router.zone),
        expected=expected,
        realtime=realtime,
        cancelled=cancelled,
        wheelchair_accessible=None if wheelchair == 0 else wheelchair == 1,
        occupancy=occupancy,
        platform=timetable.platform(stop),
        alerts=alerts,
    )
