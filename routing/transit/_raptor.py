"""The RAPTOR kernel (numba): rounds of pattern scans and footpath relaxations.

Times are int64 seconds after the query's service-day reference. Trips of the day before
and the day after take part with their day shift (``shifts``), so trips past midnight and
the next morning's first trips are found. Two labels per stop and round keep transfer
rules exact: ``arrival_trip`` (alighted there) and ``arrival_walk`` (reached on foot: by
the access walk or a footpath). Boarding from ``arrival_trip`` needs the stop's change
time (``change_seconds``; -1 forbids changing there); footpath times already include it.

Back-pointers (per round and stop) let the caller rebuild journeys:
``trip_of``/``trip_day``/``board_stop``/``board_time`` for trip arrivals, ``walk_from``
(-1: access) for walk arrivals.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit
from numpy.typing import NDArray

from routing.transit.timetable import ALIGHT, BOARD

INF = np.int64(1) << np.int64(30)
"""'Never' in seconds; labels are int32 (times stay far below 2**30 s, about 34 years)."""

Seconds = int | np.int64
"""A time or duration in the kernels: a Python int or a numpy int64 read from an array."""


class KernelArrays(NamedTuple):
    """The network arrays both kernels read, as one bundle (built once per network; numba takes NamedTuples).

    Pattern CSR over stops and trips, stop times (seconds after the service-day reference),
    per-trip service-day bits and wheelchair flags, the stop -> (pattern, position) index,
    and which stops a wheelchair user can use.
    """

    pattern_stop_offsets: NDArray[np.int32]
    pattern_stops: NDArray[np.int32]
    pattern_flags: NDArray[np.uint8]
    pattern_trip_offsets: NDArray[np.int32]
    pattern_time_offsets: NDArray[np.int64]
    arrival: NDArray[np.int32]
    departure: NDArray[np.int32]
    trip_days: NDArray[np.uint32]
    trip_wheelchair: NDArray[np.int8]
    stop_pattern_offsets: NDArray[np.int64]
    stop_patterns: NDArray[np.int32]
    stop_pattern_positions: NDArray[np.int32]
    stop_accessible: NDArray[np.bool_]


class RaptorLabels(NamedTuple):
    """The labels of one RAPTOR query, ``[rounds, stops]`` (the ``best_*`` ones ``[stops]``).

    ``arrival_trip``/``arrival_walk``: alighted at / reached on foot, by round;
    back-pointers ``trip_of``, ``trip_day``, ``board_stop``, ``board_time`` (trip arrivals)
    and ``walk_from`` (walk arrivals, -1: access); ``best_*``: the bound across rounds.
    """

    arrival_trip: NDArray[np.int32]
    arrival_walk: NDArray[np.int32]
    trip_of: NDArray[np.int32]
    trip_day: NDArray[np.int8]
    board_stop: NDArray[np.int32]
    board_time: NDArray[np.int32]
    walk_from: NDArray[np.int32]
    best_trip: NDArray[np.int32]
    best_walk: NDArray[np.int32]


@njit(cache=True)
def _earliest_trip(
    pattern: int,
    position: int,
    ready: Seconds,
    pattern_trip_offsets: NDArray[np.int32],
    pattern_time_offsets: NDArray[np.int64],
    stop_count: int,
    departure: NDArray[np.int32],
    trip_days: NDArray[np.uint32],
    trip_wheelchair: NDArray[np.int8],
    day_bits: NDArray[np.int64],
    shifts: NDArray[np.int64],
    wheelchair: bool,
    bound_trip: int,
    bound_day: int,
) -> tuple[int, int, Seconds]:
    """Earliest trip of ``pattern`` departing ``position`` at or after ``ready``.

    With a ``bound_trip`` (>= 0, on day index ``bound_day``) only trips leaving before it
    count. Returns (trip, day, time), trip -1 if none. Trips depart in the same order at
    every position (patterns are FIFO), so each service day costs one binary search at
    most, and none when its first trip leaves too late or its last one too early.
    """
    first = pattern_trip_offsets[pattern]
    count = pattern_trip_offsets[pattern + 1] - first
    base = pattern_time_offsets[pattern] + position
    best_trip, best_day, best_time = -1, 0, INF
    if bound_trip >= 0:
        best_time = np.int64(departure[base + (bound_trip - first) * stop_count]) + shifts[bound_day]
    for d in range(3):
        bit = day_bits[d]
        if bit < 0 or count == 0:
            continue
        target = ready - shifts[d]
        if departure[base + (count - 1) * stop_count] < target or departure[base] + shifts[d] >= best_time:
            continue  # this day's trips all leave before ready, or none before the bound
        lo, hi = 0, count
        if bound_trip >= 0 and d == bound_day:
            hi = bound_trip - first
        while lo < hi:
            mid = (lo + hi) >> 1
            if departure[base + mid * stop_count] < target:
                lo = mid + 1
            else:
                hi = mid
        for t in range(lo, count):
            time = departure[base + t * stop_count] + shifts[d]
            if time >= best_time:
                break
            trip = first + t
            if (trip_days[trip] >> np.uint32(bit)) & np.uint32(1) == 0:
                continue
            if wheelchair and trip_wheelchair[trip] != 1:
                continue
            best_trip, best_day, best_time = trip, d, time
            break
    return best_trip, best_day, best_time


@njit(cache=True, inline="always")
def mark(marked: NDArray[np.bool_], marked_stops: NDArray[np.int64], count: int, stop: int) -> int:
    """Mark ``stop`` for the next round (listed once); returns the new count of marked stops."""
    if marked[stop]:
        return count
    marked[stop] = True
    marked_stops[count] = stop
    return count + 1


@njit(cache=True)
def marked_patterns(
    marked: NDArray[np.bool_],
    marked_stops: NDArray[np.int64],
    marked_count: int,
    stop_pattern_offsets: NDArray[np.int64],
    stop_patterns: NDArray[np.int32],
    stop_pattern_positions: NDArray[np.int32],
    pattern_start: NDArray[np.int64],
    pattern_end: NDArray[np.int64],
) -> tuple[NDArray[np.int64], int]:
    """Queue every pattern through a marked stop, noting its first and last marked position.

    Clears ``marked`` (the caller starts a new list); ``pattern_start`` holds -1 for
    patterns not queued (the caller resets each queued pattern's entry to -1 after
    scanning it); ``pattern_end`` is only meaningful for queued patterns.
    """
    queue = np.empty(pattern_start.size, dtype=np.int64)
    queued = 0
    for i in range(marked_count):
        s = marked_stops[i]
        marked[s] = False
        for j in range(stop_pattern_offsets[s], stop_pattern_offsets[s + 1]):
            p = stop_patterns[j]
            position = stop_pattern_positions[j]
            if pattern_start[p] < 0:
                queue[queued] = p
                queued += 1
                pattern_start[p] = position
                pattern_end[p] = position
            elif position < pattern_start[p]:
                pattern_start[p] = position
            elif position > pattern_end[p]:
                pattern_end[p] = position
    return queue, queued


@njit(cache=True)
def raptor(
    network: KernelArrays,
    change_seconds: NDArray[np.int64],
    transfer_offsets: NDArray[np.int64],
    transfer_to: NDArray[np.int32],
    transfer_seconds: NDArray[np.int64],
    transfer_floor: NDArray[np.int64],
    day_bits: NDArray[np.int64],
    shifts: NDArray[np.int64],
    source_stops: NDArray[np.int64],
    source_times: NDArray[np.int64],
    target_stops: NDArray[np.int64],
    target_extra: NDArray[np.int64],
    best_direct: int,
    wheelchair: bool,
    labels: RaptorLabels,
    round_bound: NDArray[np.int64],
    source_mark: NDArray[np.bool_],
    remaining: NDArray[np.int64],
    stop_bound: NDArray[np.int64],
    fresh_only: bool,
) -> NDArray[np.int64]:
    """Earliest arrival for 0..rounds-1 trips, on the caller's label arrays.

    ``round_bound[k]``: labels of round k at or after it are not made (INF: no bound). A
    range query passes the best arrival with at most k trips of its later departures: an
    earlier departure's journey with k trips is worth finding only when it arrives before
    that, and so does every label it passes through in rounds up to k.

    ``source_mark[i]``: source ``i`` is marked for round 1 when its label improves (every
    improved source gets its label either way). A range run marks only the sources that
    catch a trip they did not catch in the later run (the others board the same trips).
    ``remaining[s]``: a lower bound of the seconds from stop ``s`` to the destination
    (zeros: none; :func:`routing.transit.bounds.remaining_bounds`); no label is made whose
    time plus it reaches the destination or round bound. ``stop_bound[k, s]`` (``[rounds,
    stops]``; INF: none): no label of round k at stop s at or after it is made (a range
    query's bound per number of trips, less the time left with that many more trips).
    ``fresh_only`` (range runs after the first): board only at stops marked in this run;
    a label left by a later run boards the trips it boarded then.

    The label arrays are ``[rounds, stops]`` (the ``best_*`` ones ``[stops]``); fresh ones
    hold INF, -1 and 0. Reusing the round labels for a later run with an *earlier*
    departure is range RAPTOR: labels of later departures stay valid bounds, each new
    label must beat its own round's. The ``best_*`` arrays (the bound across rounds) must
    be reset to INF before every run, or a later run's many-trip arrival would prune this
    run's fewer-trip labels. Returns ``destination``:
    ``destination[k]`` is the best arrival at the destination with at most ``k`` trips.
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
    (
        arrival_trip,
        arrival_walk,
        trip_of,
        trip_day,
        board_stop,
        board_time,
        walk_from,
        best_trip_arrival,
        best_walk_arrival,
    ) = labels
    stop_total = stop_pattern_offsets.size - 1
    rounds = arrival_trip.shape[0]
    destination = np.full(rounds, INF, dtype=np.int64)
    target_cost = np.full(stop_total, INF, dtype=np.int64)
    for i in range(target_stops.size):
        target_cost[target_stops[i]] = min(target_cost[target_stops[i]], target_extra[i])
    best_target = best_direct

    marked = np.zeros(stop_total, dtype=np.bool_)
    marked_stops = np.empty(stop_total, dtype=np.int64)
    marked_count = 0
    for i in range(source_stops.size):
        s = source_stops[i]
        if source_times[i] < arrival_walk[0, s]:
            arrival_walk[0, s] = source_times[i]
            best_walk_arrival[s] = source_times[i]
            if source_mark[i]:
                marked_count = mark(marked, marked_stops, marked_count, s)
            if target_cost[s] < INF:
                best_target = min(best_target, source_times[i] + target_cost[s])
    destination[0] = best_target

    pattern_count = pattern_stop_offsets.size - 1
    pattern_start = np.full(pattern_count, -1, dtype=np.int64)
    pattern_end = np.full(pattern_count, -1, dtype=np.int64)
    improved = np.zeros(stop_total, dtype=np.bool_)
    improved_stops = np.empty(stop_total, dtype=np.int64)
    boardable = np.zeros(stop_total, dtype=np.bool_) if fresh_only else np.ones(stop_total, dtype=np.bool_)
    for k in range(1, rounds):
        limit = round_bound[k]
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
        board_count = marked_count if fresh_only else 0
        for i in range(board_count):
            boardable[marked_stops[i]] = True
        marked_count = 0
        improved_count = 0
        for q in range(queued):
            p = queue[q]
            start = pattern_start[p]
            end = pattern_end[p]
            pattern_start[p] = -1
            first_stop = pattern_stop_offsets[p]
            stop_count = pattern_stop_offsets[p + 1] - first_stop
            current_trip, current_day, current_board_stop = -1, 0, -1
            current_board_time: Seconds = 0
            for position in range(start, stop_count):
                s = pattern_stops[first_stop + position]
                flags = pattern_flags[first_stop + position]
                accessible = (not wheelchair) or stop_accessible[s]
                if current_trip >= 0:
                    offset = pattern_time_offsets[p] + (current_trip - pattern_trip_offsets[p]) * stop_count + position
                    time = np.int64(arrival[offset]) + shifts[current_day]
                    if position > end and time >= min(best_target, limit):
                        break  # nothing left to board, and this trip only gets later
                elif position > end:
                    break
                if current_trip >= 0 and (flags & ALIGHT) and accessible:
                    if (
                        time < arrival_trip[k, s]
                        and time < best_trip_arrival[s]
                        and time + remaining[s] < min(best_target, limit)
                        and time < stop_bound[k, s]
                    ):
                        arrival_trip[k, s] = time
                        best_trip_arrival[s] = time
                        trip_of[k, s] = current_trip
                        trip_day[k, s] = current_day
                        board_stop[k, s] = current_board_stop
                        board_time[k, s] = current_board_time
                        if not improved[s]:
                            improved[s] = True
                            improved_stops[improved_count] = s
                            improved_count += 1
                        if target_cost[s] < INF:
                            best_target = min(best_target, time + target_cost[s])
                if not (flags & BOARD) or not accessible or not boardable[s]:
                    continue
                ready = arrival_walk[k - 1, s]
                if arrival_trip[k - 1, s] < INF and change_seconds[s] >= 0:
                    ready = min(ready, arrival_trip[k - 1, s] + change_seconds[s])
                if ready + remaining[s] >= min(best_target, limit) or ready >= stop_bound[k - 1, s]:
                    continue
                if current_trip >= 0:
                    offset = pattern_time_offsets[p] + (current_trip - pattern_trip_offsets[p]) * stop_count + position
                    if np.int64(departure[offset]) + shifts[current_day] <= ready:
                        continue
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
                    current_trip,
                    current_day,
                )
                if trip >= 0:
                    current_trip, current_day, current_board_stop, current_board_time = trip, day, s, time
        for i in range(board_count):
            boardable[marked_stops[i]] = False
        # Footpaths from the stops reached by a trip in this round.
        for i in range(improved_count):
            s = improved_stops[i]
            improved[s] = False
            marked_count = mark(marked, marked_stops, marked_count, s)
            base = arrival_trip[k, s]
            if base + transfer_floor[s] >= min(best_target, limit):
                continue  # every footpath from here arrives too late
            for j in range(transfer_offsets[s], transfer_offsets[s + 1]):
                t = transfer_to[j]
                time = base + transfer_seconds[j]
                if (
                    time >= arrival_walk[k, t]
                    or time >= best_walk_arrival[t]
                    or time + remaining[t] >= min(best_target, limit)
                    or time >= stop_bound[k, t]
                ):
                    continue
                arrival_walk[k, t] = time
                best_walk_arrival[t] = time
                walk_from[k, t] = s
                marked_count = mark(marked, marked_stops, marked_count, t)
                # No egress after a footpath: the egress walk from ``s`` itself is never longer
                # than footpath plus egress, and the two together could exceed the walking budget.
        destination[k] = best_target
    return destination


@njit(cache=True)
def latest_ride(
    network: KernelArrays,
    bits: NDArray[np.int64],
    shifts: NDArray[np.int64],
    board: int,
    alight_stop: int,
    earliest: int,
    limit: int,
    wheelchair: bool,
) -> tuple[Seconds, Seconds, int, int]:
    """The run leaving ``board`` latest after ``earliest`` that reaches ``alight_stop`` by ``limit``.

    Returns (departure, arrival, trip, day index), trip -1 when none does. Per pattern
    through ``board`` and service day, the latest-leaving running trip (the first of equal
    ones); across them, the latest departure, then the earliest arrival.
    """
    stop_offsets, stop_patterns, stop_positions = (
        network.stop_pattern_offsets,
        network.stop_patterns,
        network.stop_pattern_positions,
    )
    pattern_stop_offsets, pattern_stops, pattern_flags = (
        network.pattern_stop_offsets,
        network.pattern_stops,
        network.pattern_flags,
    )
    pattern_trip_offsets, pattern_time_offsets = network.pattern_trip_offsets, network.pattern_time_offsets
    departure, arrival, trip_days, trip_wheelchair = (
        network.departure,
        network.arrival,
        network.trip_days,
        network.trip_wheelchair,
    )
    best_leave: Seconds = -1
    best_reach: Seconds = 0
    best_trip, best_day = -1, -1
    for j in range(stop_offsets[board], stop_offsets[board + 1]):
        pattern, position = stop_patterns[j], stop_positions[j]
        start, end = pattern_stop_offsets[pattern], pattern_stop_offsets[pattern + 1]
        if pattern_flags[start + position] & BOARD == 0:
            continue
        alight = -1
        for i in range(position + 1, end - start):
            if pattern_stops[start + i] == alight_stop and pattern_flags[start + i] & ALIGHT > 0:
                alight = i
                break
        if alight < 0:
            continue
        n = end - start
        first, last = pattern_trip_offsets[pattern], pattern_trip_offsets[pattern + 1]
        base = pattern_time_offsets[pattern]
        for d in range(3):
            if bits[d] < 0:
                continue
            found, leave_k, reach_k, trip_k = False, np.int64(0), np.int64(0), -1
            for k in range(last - first):
                trip = first + k
                if (trip_days[trip] >> np.uint32(bits[d])) & np.uint32(1) != 1:
                    continue
                if wheelchair and trip_wheelchair[trip] != 1:
                    continue
                leave = np.int64(departure[base + k * n + position]) + shifts[d]
                reach = np.int64(arrival[base + k * n + alight]) + shifts[d]
                if leave > earliest and reach <= limit and (not found or leave > leave_k):
                    found, leave_k, reach_k, trip_k = True, leave, reach, trip
            if found and (best_trip < 0 or leave_k > best_leave or (leave_k == best_leave and reach_k < best_reach)):
                best_leave, best_reach, best_trip, best_day = leave_k, reach_k, trip_k, d
    return best_leave, best_reach, best_trip, best_day
