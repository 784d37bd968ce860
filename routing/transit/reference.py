"""An independent reference for transit: a plain connection scan (CSA).

Expands every trip running on the query's service day and its neighbours into
elementary connections, sorts them by departure and scans once, with the same transfer
rules as RAPTOR (change time at a stop, footpaths only after alighting, egress only
after a ride, forbidden transfers, wheelchair accessibility). No round limit: it answers the earliest arrival
with any number of transfers. A journey takes at least one trip, as the planner defines
it: the only journey without one is walking the whole way (``AccessEgress.direct_arrival``,
which the callers add), never an access walk to a stop and its egress walk on (each part
rounded on its own, that chain can come out a second under the direct walk). Slow and
simple on purpose, and written apart from the RAPTOR kernels (nothing imported from
them); tests and benchmarks compare RAPTOR against it. :func:`door_to_door_arrival` adds the street ends (connectors
counted) from the street reference, for point-to-point checks of the planner.
"""

from __future__ import annotations

import math
from datetime import date, datetime

import numpy as np

from routing.street.reference import reference_cost, reference_walks
from routing.street.router import EdgePosition, Snap, StreetRouter, walking_speeds
from routing.transit.options import TransitOptions
from routing.transit.queries import TransitRouter
from routing.transit.timetable import ALIGHT, BOARD

INF = 1 << 30
"""'Never' in seconds: the value the kernels use, so callers compare answers with either."""


def earliest_arrival_csa(
    router: TransitRouter,
    day: date,
    sources: dict[int, int],
    targets: dict[int, int],
    *,
    options: TransitOptions,
) -> int:
    """Earliest arrival at a target (plus its extra seconds) with at least one trip; ``INF`` when none.

    ``sources``: stop -> arrival there on foot, ``targets``: stop -> seconds on from it, in
    seconds after ``day``'s reference. Reaching a target on foot alone (a source that is
    also a target) is no journey here: walking the whole way is the caller's to add.
    """
    timetable = router.timetable
    change, transfer_offsets, transfer_to, transfer_seconds = router.transfer_rules(options)
    bits, shifts = router.days(day)
    arrays = router.network.kernel  # the same network, with any real-time overlay
    accessible = arrays.stop_accessible
    stop_offsets = arrays.pattern_stop_offsets
    trip_offsets = arrays.pattern_trip_offsets
    time_offsets = arrays.pattern_time_offsets
    pattern_stops = arrays.pattern_stops
    flags = arrays.pattern_flags
    arrival = arrays.arrival
    departure = arrays.departure
    trip_days = arrays.trip_days
    trip_wheelchair = arrays.trip_wheelchair

    connections = []
    instance = 0
    for pattern in range(stop_offsets.size - 1):
        stops = pattern_stops[stop_offsets[pattern] : stop_offsets[pattern + 1]]
        pattern_flags = flags[stop_offsets[pattern] : stop_offsets[pattern + 1]]
        n = stops.size
        for trip in range(int(trip_offsets[pattern]), int(trip_offsets[pattern + 1])):
            if options.wheelchair and trip_wheelchair[trip] != 1:
                continue
            base = int(time_offsets[pattern]) + (trip - int(trip_offsets[pattern])) * n
            for d in range(3):
                if bits[d] < 0 or not (int(trip_days[trip]) >> int(bits[d])) & 1:
                    continue
                for i in range(n - 1):
                    connections.append(
                        (
                            int(departure[base + i]) + int(shifts[d]),
                            int(arrival[base + i + 1]) + int(shifts[d]),
                            instance,
                            i,
                            int(stops[i]),
                            int(stops[i + 1]),
                            int(pattern_flags[i]),
                            int(pattern_flags[i + 1]),
                        )
                    )
                instance += 1
    connections.sort(key=lambda c: (c[0], c[2], c[3]))

    stop_count = len(timetable.stop_id)
    target_extra = np.full(stop_count, INF, dtype=np.int64)
    for stop, extra in targets.items():
        target_extra[stop] = min(int(target_extra[stop]), extra)
    walk_arrival = np.full(stop_count, INF, dtype=np.int64)
    trip_arrival = np.full(stop_count, INF, dtype=np.int64)
    for stop, time in sources.items():
        walk_arrival[stop] = min(walk_arrival[stop], time)
    best = INF
    on_board = np.zeros(instance, dtype=bool)
    for dep, arr, inst, _, from_stop, to_stop, from_flags, to_flags in connections:
        if dep >= best:
            break
        if not on_board[inst]:
            if not (from_flags & BOARD) or (options.wheelchair and not accessible[from_stop]):
                continue
            ready = walk_arrival[from_stop]
            if trip_arrival[from_stop] < INF and change[from_stop] >= 0:
                ready = min(ready, trip_arrival[from_stop] + change[from_stop])
            if ready > dep:
                continue
            on_board[inst] = True
        if not (to_flags & ALIGHT) or (options.wheelchair and not accessible[to_stop]):
            continue
        if arr < trip_arrival[to_stop]:
            trip_arrival[to_stop] = arr
            if target_extra[to_stop] < INF:  # egress after a ride only: not after a footpath, nor the access walk
                best = min(best, arr + int(target_extra[to_stop]))
            for j in range(int(transfer_offsets[to_stop]), int(transfer_offsets[to_stop + 1])):
                other = int(transfer_to[j])
                walk_arrival[other] = min(walk_arrival[other], arr + int(transfer_seconds[j]))
    return best


def door_to_door_arrival(
    router: TransitRouter,
    street: StreetRouter,
    origin: Snap,
    destination: Snap,
    departure: datetime,
    *,
    options: TransitOptions,
    walk_only_m: float | None = None,
) -> int:
    """Earliest arrival (seconds after the service day's reference) from point to point; ``INF`` if none.

    The whole trip on ``street`` (the options' walking profile), modelled independently of
    the planner's street ends: each access and egress walk is the quickest street walk
    (scipy Dijkstra, :mod:`routing.street.reference`)
    including the point's connector and the stop's, to or from every stop whose cheapest
    walk is within ``options.max_walk_s``; the rides come from :func:`earliest_arrival_csa`;
    walking the whole way counts when its cheapest walk is within twice the budget (or,
    with ``walk_only_m``, when its shortest walk is no longer than that, as the planner's
    walk mode allows). Times
    are rounded down, so the answer is a lower bound for any itinerary the planner may give.
    """
    profile = options.profile
    speeds = walking_speeds(options.walk_speed_kmh)
    footpaths = router.footpaths[profile]
    offsets = np.asarray(footpaths.stop_position_offsets)
    stop_snaps: list[Snap | None] = []
    for stop in range(offsets.size - 1):
        first, last = int(offsets[stop]), int(offsets[stop + 1])
        if first == last:
            stop_snaps.append(None)
            continue
        lat, lon = float(router.timetable.stop_lat[stop]), float(router.timetable.stop_lon[stop])
        positions = tuple(
            EdgePosition(int(footpaths.position_edge[j]), float(footpaths.position_offset_m[j]))
            for j in range(first, last)
        )
        stop_snaps.append(Snap(lat, lon, lat, lon, float(footpaths.connector_m[stop]), positions))
    day, start = router.service_day_of(departure)
    budget = options.max_walk_s

    def ends(snap: Snap, *, reverse: bool) -> dict[int, int]:
        cost = reference_walks(street, snap, stop_snaps, speeds, reverse=reverse)
        seconds = reference_walks(street, snap, stop_snaps, speeds, reverse=reverse, weight="time")
        within = np.flatnonzero(cost <= budget)
        return {int(stop): math.floor(float(seconds[stop])) for stop in within.tolist()}

    sources = {stop: start + walk for stop, walk in ends(origin, reverse=False).items()}
    targets = ends(destination, reverse=True)
    best = INF
    walkable = reference_cost(street, origin, destination, speeds) <= 2 * budget or (
        walk_only_m is not None and reference_cost(street, origin, destination, speeds, weight="length") <= walk_only_m
    )
    if walkable:
        best = start + math.floor(reference_cost(street, origin, destination, speeds, weight="time"))
    if sources and targets:
        best = min(best, earliest_arrival_csa(router, day, sources, targets, options=options))
    return best
