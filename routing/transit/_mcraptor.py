"""Multi-criteria RAPTOR (numba): Pareto sets over arrival, walking time, price and trips.

Like :mod:`routing.transit._raptor`, with a *bag* of mutually non-dominated labels per
round and stop instead of one time. A label is (arrival, walking seconds, price) plus the
back-pointers to rebuild its journey; the round is the number of trips. The price is the
sum of ``pattern_price`` over the rides (all zero when no prices are given, which makes
it neutral). Two label kinds keep transfer rules exact: alighted there
(``trip_labels``) and reached on foot (``walk_labels``). A label is dropped when a label
of the same kind at the same stop in this or an earlier round, or a destination label,
is no worse in every criterion.

Target pruning (``prune``): arrival, walking and price only grow along a journey, and
the trips with it, so a label whose arrival and walking *plus their lower bounds to the
destination* (``bound_time``/``bound_walk`` per stop, :mod:`routing.transit.bounds`;
INF: the destination cannot be reached from there) are beaten by a destination label
cannot lead to a new Pareto point: it is dropped where it would be made (alighting, a
footpath), before boarding (at the trip's departure), and while carried along a route.
Everything such a label would have blocked is beaten the same way, so the Pareto set is
the one of the unpruned search (``prune`` False keeps that search, for the tests).

Label rows (int32):
    trip_labels[k, s, b] = arrival, walk, price, trip, day, board stop, board time,
                           parent kind (0 walk, 1 trip), parent index
    walk_labels[k, s, b] = arrival, walk, price, from stop (-1: access walk),
                           parent index (trip label at the from stop, round k)
Destination rows (int64): arrival, walk, price, round, kind (0 walk, 1 trip), stop.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from routing.transit._raptor import INF, KernelArrays, Seconds, _earliest_trip, mark, marked_patterns
from routing.transit.timetable import ALIGHT, BOARD

BAG = 16
"""Labels per bag. A full bag refuses newcomers (counted in ``overflow``) rather than drop a
label that a journey may already rest on."""
DESTINATIONS = 64
ARRIVAL, WALK, PRICE = 0, 1, 2


@njit(cache=True)
def _dominated(
    labels: NDArray[np.int32],
    k: int,
    s: int,
    counts: NDArray[np.int32],
    arrival: Seconds,
    walk: Seconds,
    price: Seconds,
) -> bool:
    for round_ in range(k + 1):
        for i in range(counts[round_, s]):
            if (
                labels[round_, s, i, ARRIVAL] <= arrival
                and labels[round_, s, i, WALK] <= walk
                and labels[round_, s, i, PRICE] <= price
            ):
                return True
    return False


@njit(cache=True)
def _insert(
    labels: NDArray[np.int32],
    counts: NDArray[np.int32],
    k: int,
    s: int,
    row: NDArray[np.int32],
    overflow: NDArray[np.int64],
) -> bool:
    """Add ``row`` to bag (k, s) unless dominated there; drop the labels it dominates."""
    n = counts[k, s]
    for i in range(n):
        if (
            labels[k, s, i, ARRIVAL] <= row[ARRIVAL]
            and labels[k, s, i, WALK] <= row[WALK]
            and labels[k, s, i, PRICE] <= row[PRICE]
        ):
            return False
    kept = 0
    for i in range(n):
        if not (
            row[ARRIVAL] <= labels[k, s, i, ARRIVAL]
            and row[WALK] <= labels[k, s, i, WALK]
            and row[PRICE] <= labels[k, s, i, PRICE]
        ):
            if kept != i:
                labels[k, s, kept, :] = labels[k, s, i, :]
            kept += 1
    counts[k, s] = kept
    if kept == labels.shape[2]:
        overflow[0] += 1
        return False
    labels[k, s, kept, :] = row
    counts[k, s] = kept + 1
    return True


@njit(cache=True)
def _add_destination(
    destinations: NDArray[np.int64],
    count: int,
    arrival: Seconds,
    walk: Seconds,
    price: Seconds,
    k: int,
    kind: int,
    stop: int,
) -> int:
    for i in range(count):
        if (
            destinations[i, 0] <= arrival
            and destinations[i, 1] <= walk
            and destinations[i, 2] <= price
            and destinations[i, 3] <= k
        ):
            return count
    kept = 0
    for i in range(count):
        if not (
            arrival <= destinations[i, 0]
            and walk <= destinations[i, 1]
            and price <= destinations[i, 2]
            and k <= destinations[i, 3]
        ):
            destinations[kept, :] = destinations[i, :]
            kept += 1
    if kept < destinations.shape[0]:
        destinations[kept, 0] = arrival
        destinations[kept, 1] = walk
        destinations[kept, 2] = price
        destinations[kept, 3] = k
        destinations[kept, 4] = kind
        destinations[kept, 5] = stop
        kept += 1
    return kept


@njit(cache=True)
def _beaten(destinations: NDArray[np.int64], count: int, arrival: Seconds, walk: Seconds, price: Seconds) -> bool:
    for i in range(count):
        if destinations[i, 0] <= arrival and destinations[i, 1] <= walk and destinations[i, 2] <= price:
            return True
    return False


@njit(cache=True, inline="always")
def _hopeless(
    destinations: NDArray[np.int64],
    count: int,
    time: Seconds,
    walk: Seconds,
    price: Seconds,
    bound_time: Seconds,
    bound_walk: Seconds,
) -> bool:
    """Whether a label cannot reach the destination, or only as one beaten there already."""
    if bound_time >= INF:
        return True
    return _beaten(destinations, count, time + bound_time, walk + bound_walk, price)


@njit(cache=True)
def mc_raptor(
    network: KernelArrays,
    change_seconds: NDArray[np.int64],
    transfer_offsets: NDArray[np.int64],
    transfer_to: NDArray[np.int32],
    transfer_seconds: NDArray[np.int64],
    transfer_walk_seconds: NDArray[np.int64],
    pattern_price: NDArray[np.int32],
    day_bits: NDArray[np.int64],
    shifts: NDArray[np.int64],
    source_stops: NDArray[np.int64],
    source_times: NDArray[np.int64],
    source_walk: NDArray[np.int64],
    target_stops: NDArray[np.int64],
    target_extra: NDArray[np.int64],
    target_walk: NDArray[np.int64],
    rounds: int,
    wheelchair: bool,
    bound_time: NDArray[np.int64],
    bound_walk: NDArray[np.int64],
    prune: bool,
) -> tuple[NDArray[np.int32], NDArray[np.int32], NDArray[np.int32], NDArray[np.int32], NDArray[np.int64], int, int]:
    """Pareto journeys; returns (trip_labels, trip_counts, walk_labels, walk_counts, destinations, count, overflow).

    ``bound_time``/``bound_walk``: per stop, lower bounds of the seconds and walking
    seconds left to the destination (read only with ``prune``).
    """
    (
        pattern_stop_offsets,
        pattern_stops,
        pattern_flags,
        pattern_trip_offsets,
        pattern_time_offsets,
        arrival,
        departure,
        trip_days,
        trip_wheelchair,
        stop_pattern_offsets,
        stop_patterns,
        stop_pattern_positions,
        stop_accessible,
    ) = network
    stop_total = stop_pattern_offsets.size - 1
    trip_labels = np.zeros((rounds, stop_total, BAG, 9), dtype=np.int32)
    walk_labels = np.zeros((rounds, stop_total, BAG, 5), dtype=np.int32)
    trip_counts = np.zeros((rounds, stop_total), dtype=np.int32)
    walk_counts = np.zeros((rounds, stop_total), dtype=np.int32)
    destinations = np.zeros((DESTINATIONS, 6), dtype=np.int64)
    destination_count = 0
    overflow = np.zeros(1, dtype=np.int64)
    egress_time = np.full(stop_total, INF, dtype=np.int64)
    egress_walk = np.zeros(stop_total, dtype=np.int64)
    for i in range(target_stops.size):
        if target_extra[i] < egress_time[target_stops[i]]:
            egress_time[target_stops[i]] = target_extra[i]
            egress_walk[target_stops[i]] = target_walk[i]
    marked = np.zeros(stop_total, dtype=np.bool_)
    marked_stops = np.empty(stop_total, dtype=np.int64)
    marked_count = 0
    row5 = np.zeros(5, dtype=np.int32)
    row9 = np.zeros(9, dtype=np.int32)
    for i in range(source_stops.size):
        row5[0], row5[1], row5[2], row5[3], row5[4] = source_times[i], source_walk[i], 0, -1, -1
        if _insert(walk_labels, walk_counts, 0, source_stops[i], row5, overflow):
            marked_count = mark(marked, marked_stops, marked_count, source_stops[i])

    pattern_count = pattern_stop_offsets.size - 1
    pattern_start = np.full(pattern_count, -1, dtype=np.int64)
    pattern_end = np.full(pattern_count, -1, dtype=np.int64)
    route = np.zeros(
        (BAG, 8), dtype=np.int64
    )  # trip, day, walk, board stop, board time, parent kind, parent index, price
    for k in range(1, rounds):
        queue, queued = marked_patterns(
            marked,
            marked_stops,
            marked_count,
            stop_pattern_offsets,
            stop_patterns,
            stop_pattern_positions,
            pattern_start,
            pattern_end,
        )
        marked_count = 0
        improved = np.zeros(stop_total, dtype=np.bool_)
        for q in range(queued):
            p = queue[q]
            start = pattern_start[p]
            pattern_start[p] = -1
            first_stop = pattern_stop_offsets[p]
            stop_count = pattern_stop_offsets[p + 1] - first_stop
            route_size = 0
            for position in range(start, stop_count):
                s = pattern_stops[first_stop + position]
                flags = pattern_flags[first_stop + position]
                accessible = (not wheelchair) or stop_accessible[s]
                if prune and route_size > 0:
                    # Drop the carried labels that can no longer make a Pareto point from here on.
                    kept = 0
                    for r in range(route_size):
                        offset = (
                            pattern_time_offsets[p] + (route[r, 0] - pattern_trip_offsets[p]) * stop_count + position
                        )
                        time = np.int64(arrival[offset]) + shifts[route[r, 1]]
                        if _hopeless(
                            destinations,
                            destination_count,
                            time,
                            route[r, 2],
                            route[r, 7],
                            bound_time[s],
                            bound_walk[s],
                        ):
                            continue
                        if kept != r:
                            route[kept, :] = route[r, :]
                        kept += 1
                    route_size = kept
                if route_size > 0 and (flags & ALIGHT) and accessible:
                    for r in range(route_size):
                        trip = route[r, 0]
                        offset = pattern_time_offsets[p] + (trip - pattern_trip_offsets[p]) * stop_count + position
                        time = np.int64(arrival[offset]) + shifts[route[r, 1]]
                        walk = route[r, 2]
                        price = route[r, 7]
                        if prune:
                            beaten = _hopeless(
                                destinations, destination_count, time, walk, price, bound_time[s], bound_walk[s]
                            )
                        else:
                            beaten = _beaten(destinations, destination_count, time, walk, price)
                        if beaten or _dominated(trip_labels, k - 1, s, trip_counts, time, walk, price):
                            continue
                        row9[0], row9[1], row9[2], row9[3], row9[4] = time, walk, price, trip, route[r, 1]
                        row9[5], row9[6], row9[7], row9[8] = route[r, 3], route[r, 4], route[r, 5], route[r, 6]
                        if _insert(trip_labels, trip_counts, k, s, row9, overflow):
                            improved[s] = True
                            if egress_time[s] < INF:
                                destination_count = _add_destination(
                                    destinations,
                                    destination_count,
                                    time + egress_time[s],
                                    walk + egress_walk[s],
                                    price,
                                    k,
                                    1,
                                    s,
                                )
                if not (flags & BOARD) or not accessible:
                    continue
                for kind in range(2):
                    count = walk_counts[k - 1, s] if kind == 0 else trip_counts[k - 1, s]
                    if kind == 1 and change_seconds[s] < 0:
                        continue
                    for i in range(count):
                        if kind == 0:
                            ready = np.int64(walk_labels[k - 1, s, i, 0])
                            walk = np.int64(walk_labels[k - 1, s, i, 1])
                            price = np.int64(walk_labels[k - 1, s, i, 2]) + pattern_price[p]
                        else:
                            ready = np.int64(trip_labels[k - 1, s, i, 0]) + change_seconds[s]
                            walk = np.int64(trip_labels[k - 1, s, i, 1])
                            price = np.int64(trip_labels[k - 1, s, i, 2]) + pattern_price[p]
                        trip, day, time = _earliest_trip(
                            p,
                            position,
                            ready,
                            pattern_trip_offsets,
                            pattern_time_offsets,
                            stop_count,
                            departure,
                            trip_days,
                            trip_wheelchair,
                            day_bits,
                            shifts,
                            wheelchair,
                            -1,
                            0,
                        )
                        if trip < 0 or (
                            prune
                            and _hopeless(
                                destinations, destination_count, time, walk, price, bound_time[s], bound_walk[s]
                            )
                        ):
                            continue
                        # Keep the route bag Pareto-minimal in (departure here, walk, price).
                        dominated = False
                        kept = 0
                        for r in range(route_size):
                            offset = (
                                pattern_time_offsets[p]
                                + (route[r, 0] - pattern_trip_offsets[p]) * stop_count
                                + position
                            )
                            other = np.int64(departure[offset]) + shifts[route[r, 1]]
                            if other <= time and route[r, 2] <= walk and route[r, 7] <= price:
                                dominated = True
                                break
                        if dominated:
                            continue
                        for r in range(route_size):
                            offset = (
                                pattern_time_offsets[p]
                                + (route[r, 0] - pattern_trip_offsets[p]) * stop_count
                                + position
                            )
                            other = np.int64(departure[offset]) + shifts[route[r, 1]]
                            if not (time <= other and walk <= route[r, 2] and price <= route[r, 7]):
                                route[kept, :] = route[r, :]
                                kept += 1
                        route_size = kept
                        if route_size < BAG:
                            route[route_size, 0] = trip
                            route[route_size, 1] = day
                            route[route_size, 2] = walk
                            route[route_size, 3] = s
                            route[route_size, 4] = time
                            route[route_size, 5] = kind
                            route[route_size, 6] = i
                            route[route_size, 7] = price
                            route_size += 1
                        else:
                            overflow[0] += 1
        for s in range(stop_total):
            if not improved[s]:
                continue
            marked_count = mark(marked, marked_stops, marked_count, s)
            for i in range(trip_counts[k, s]):
                base = np.int64(trip_labels[k, s, i, 0])
                base_walk = np.int64(trip_labels[k, s, i, 1])
                price = np.int64(trip_labels[k, s, i, 2])
                for j in range(transfer_offsets[s], transfer_offsets[s + 1]):
                    t = transfer_to[j]
                    time = base + transfer_seconds[j]
                    walk = base_walk + transfer_walk_seconds[j]
                    if time >= INF:
                        continue
                    if prune:
                        if _hopeless(destinations, destination_count, time, walk, price, bound_time[t], bound_walk[t]):
                            continue
                    elif _beaten(destinations, destination_count, time, walk, price):
                        continue
                    if _dominated(walk_labels, k - 1, t, walk_counts, time, walk, price):
                        continue
                    row5[0], row5[1], row5[2], row5[3], row5[4] = time, walk, price, s, i
                    if _insert(walk_labels, walk_counts, k, t, row5, overflow):
                        marked_count = mark(marked, marked_stops, marked_count, t)
                        # No egress after a footpath (see _raptor): one walk per end, within its budget.
    return trip_labels, trip_counts, walk_labels, walk_counts, destinations, destination_count, int(overflow[0])
