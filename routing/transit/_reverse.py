"""Reverse RAPTOR (numba): the latest departures that still arrive by a deadline, per number of trips.

The mirror of :mod:`routing.transit._raptor` under the same transfer rules, with times
counted backwards from the deadline. Per round ``k`` (trips still to take) and stop, two
labels: ``alight[k, s]``, the latest time one may *alight* at ``s`` and still arrive in
time (the egress walk, a change at ``s`` needing its change time, or one footpath to
another stop), and ``board[k, s]``, the latest departure of a trip boarded at ``s`` (the
latest time one may reach ``s`` on foot, by the access walk or a footpath). A pattern is
scanned from its last stop to its first: at each stop the trip being carried (the latest
one that reaches a later stop in time) may be boarded, then the latest trip that arrives
here by ``alight[k - 1, s]`` replaces it when it runs later. Trips of the days before and
after count with their day shifts; wheelchair queries use accessible trips and stops only.
Labels before ``earliest`` (no journey of the window can be there) are dropped.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from routing.transit._raptor import INF, KernelArrays, Seconds, mark, marked_patterns
from routing.transit.timetable import ALIGHT, BOARD

NEVER = -INF
"""'No time is late enough' (no label)."""


@njit(cache=True)
def _latest_trip(
    pattern: int,
    position: int,
    limit: Seconds,
    pattern_trip_offsets: NDArray[np.int32],
    pattern_time_offsets: NDArray[np.int64],
    stop_count: int,
    arrival: NDArray[np.int32],
    trip_days: NDArray[np.uint32],
    trip_wheelchair: NDArray[np.int8],
    day_bits: NDArray[np.int64],
    shifts: NDArray[np.int64],
    wheelchair: bool,
) -> tuple[int, int, Seconds]:
    """Latest running trip of ``pattern`` arriving at ``position`` by ``limit``: (trip, day, arrival), trip -1 if none.

    Patterns are FIFO, so within a service day the last trip arriving in time also runs
    latest at every earlier stop; across days the later arrival here wins.
    """
    first = pattern_trip_offsets[pattern]
    count = pattern_trip_offsets[pattern + 1] - first
    base = pattern_time_offsets[pattern] + position
    best_trip, best_day, best_time = -1, 0, NEVER
    for d in range(3):
        bit = day_bits[d]
        if bit < 0 or count == 0:
            continue
        target = limit - shifts[d]
        if arrival[base] > target:
            continue  # every trip of this day arrives too late
        lo, hi = 0, count
        while lo < hi:  # the first trip arriving after the limit
            mid = (lo + hi) >> 1
            if arrival[base + mid * stop_count] <= target:
                lo = mid + 1
            else:
                hi = mid
        for t in range(lo - 1, -1, -1):
            time = arrival[base + t * stop_count] + shifts[d]
            if time <= best_time:
                break
            trip = first + t
            if (trip_days[trip] >> np.uint32(bit)) & np.uint32(1) == 0:
                continue
            if wheelchair and trip_wheelchair[trip] != 1:
                continue
            best_trip, best_day, best_time = trip, d, time
            break
    return best_trip, best_day, best_time


@njit(cache=True)
def reverse_raptor(
    network: KernelArrays,
    change_seconds: NDArray[np.int64],
    into_offsets: NDArray[np.int64],
    into_from: NDArray[np.int64],
    into_order: NDArray[np.int64],
    transfer_seconds: NDArray[np.int64],
    day_bits: NDArray[np.int64],
    shifts: NDArray[np.int64],
    source_stops: NDArray[np.int64],
    source_walk: NDArray[np.int64],
    target_stops: NDArray[np.int64],
    target_extra: NDArray[np.int64],
    deadline: int,
    earliest: int,
    rounds: int,
    wheelchair: bool,
) -> NDArray[np.int64]:
    """Latest departure from the origin arriving by ``deadline`` with at most k trips, for k in 0..rounds-1.

    ``into_*``: the footpaths by the stop they lead to (CSR offsets, tail stop, index of
    the footpath in ``transfer_seconds``); ``source_walk``: seconds from the origin to each
    source stop; ``target_extra``: seconds from each target stop to the destination.
    ``NEVER`` where no journey leaving at or after ``earliest`` arrives in time
    (``departures[0]``, no trip, is always ``NEVER``: walking is not a journey here).
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
    alight = np.full(stop_total, NEVER, dtype=np.int64)
    board = np.full(stop_total, NEVER, dtype=np.int64)
    previous = np.full(stop_total, NEVER, dtype=np.int64)  # alight of the round before
    departures = np.full(rounds, NEVER, dtype=np.int64)
    marked = np.zeros(stop_total, dtype=np.bool_)
    marked_stops = np.empty(stop_total, dtype=np.int64)
    marked_count = 0
    for i in range(target_stops.size):
        s = target_stops[i]
        latest = deadline - target_extra[i]
        if latest >= earliest and latest > alight[s]:
            alight[s] = latest
            marked_count = mark(marked, marked_stops, marked_count, s)

    pattern_count = pattern_stop_offsets.size - 1
    pattern_start = np.full(pattern_count, -1, dtype=np.int64)
    pattern_end = np.full(pattern_count, -1, dtype=np.int64)
    improved = np.zeros(stop_total, dtype=np.bool_)
    improved_stops = np.empty(stop_total, dtype=np.int64)
    for k in range(1, rounds):
        previous[:] = alight
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
        improved_count = 0
        for q in range(queued):
            p = queue[q]
            start = pattern_start[p]
            end = pattern_end[p]
            pattern_start[p] = -1
            first_stop = pattern_stop_offsets[p]
            stop_count = pattern_stop_offsets[p + 1] - first_stop
            current_trip, current_day = -1, 0
            for position in range(end, -1, -1):
                if current_trip < 0 and position < start:
                    break  # nothing carried, and no stop before this one to alight at
                s = pattern_stops[first_stop + position]
                flags = pattern_flags[first_stop + position]
                accessible = (not wheelchair) or stop_accessible[s]
                if not accessible:
                    continue
                if current_trip >= 0 and (flags & BOARD):
                    offset = pattern_time_offsets[p] + (current_trip - pattern_trip_offsets[p]) * stop_count + position
                    time = np.int64(departure[offset]) + shifts[current_day]
                    if time >= earliest and time > board[s]:
                        board[s] = time
                        if not improved[s]:
                            improved[s] = True
                            improved_stops[improved_count] = s
                            improved_count += 1
                if (flags & ALIGHT) and previous[s] > NEVER:
                    trip, day, time = _latest_trip(
                        p,
                        position,
                        previous[s],
                        pattern_trip_offsets,
                        pattern_time_offsets,
                        stop_count,
                        arrival,
                        trip_days,
                        trip_wheelchair,
                        day_bits,
                        shifts,
                        wheelchair,
                    )
                    if trip >= 0:
                        if current_trip < 0:
                            current_trip, current_day = trip, day
                        else:
                            offset = (
                                pattern_time_offsets[p]
                                + (current_trip - pattern_trip_offsets[p]) * stop_count
                                + position
                            )
                            carried = np.int64(arrival[offset]) + shifts[current_day]
                            if time > carried or (time == carried and day == current_day and trip > current_trip):
                                current_trip, current_day = trip, day
        # Alighting before a boarding: a change at the stop, or one footpath to it.
        for i in range(improved_count):
            t = improved_stops[i]
            improved[t] = False
            latest = board[t]
            if change_seconds[t] >= 0 and latest - change_seconds[t] > alight[t]:
                alight[t] = latest - change_seconds[t]
                marked_count = mark(marked, marked_stops, marked_count, t)
            for j in range(into_offsets[t], into_offsets[t + 1]):
                seconds = transfer_seconds[into_order[j]]
                if seconds >= INF:
                    continue
                s = into_from[j]
                if latest - seconds > alight[s] and latest - seconds >= earliest:
                    alight[s] = latest - seconds
                    marked_count = mark(marked, marked_stops, marked_count, s)
        best: Seconds = NEVER
        for i in range(source_stops.size):
            s = source_stops[i]
            if board[s] > NEVER and board[s] - source_walk[i] >= earliest:
                best = max(best, board[s] - source_walk[i])
        departures[k] = best
    return departures
