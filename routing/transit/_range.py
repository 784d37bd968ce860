"""The runs of a range query (numba): RAPTOR from each departure, latest first, on shared labels.

Range RAPTOR (Delling et al. 2012, rRAPTOR) keeps the labels of the later departures
for the earlier ones. :func:`range_runs` loops over the departures in compiled code and
hands control back only at a run whose front holds a journey the range query keeps
(fewer trips or an earlier arrival than every later departure, and faster than walking
the whole way), so the caller builds that journey from the labels as the run left them
and resumes after it. With ``prune``, a run after the first marks only the access stops
that make its departure (the others catch the trips they caught in the later run; see
:func:`routing.transit._candidates.departure_candidate_sources`), and boards only at
stops marked in that run (a label a later run left boards the trips it boarded then).
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from routing.transit._raptor import INF, KernelArrays, RaptorLabels, raptor


@njit(cache=True)
def range_runs(
    network: KernelArrays,
    change_seconds: NDArray[np.int64],
    transfer_offsets: NDArray[np.int64],
    transfer_to: NDArray[np.int32],
    transfer_seconds: NDArray[np.int64],
    transfer_floor: NDArray[np.int64],
    day_bits: NDArray[np.int64],
    shifts: NDArray[np.int64],
    source_stops: NDArray[np.int64],
    source_walks: NDArray[np.int64],
    target_stops: NDArray[np.int64],
    target_extra: NDArray[np.int64],
    wheelchair: bool,
    labels: RaptorLabels,
    leaves: NDArray[np.int64],
    leave_offsets: NDArray[np.int64],
    leave_sources: NDArray[np.int64],
    first: int,
    best_by_trips: NDArray[np.int64],
    round_bound: NDArray[np.int64],
    remaining: NDArray[np.int64],
    trips_left: NDArray[np.int64],
    stop_bound: NDArray[np.int64],
    prune: bool,
    walking: int,
) -> tuple[int, NDArray[np.int64]]:
    """Run from ``leaves[first]`` on until a run's front has a journey to keep: ``(its index, destination)``.

    ``leaves`` (latest first) with ``leave_offsets``/``leave_sources`` (CSR: the source
    indices making each departure); ``source_walks``: seconds from the origin to each
    source. A journey is kept when it has at least one trip, arrives before
    ``best_by_trips`` of its number of trips and takes less than ``walking`` seconds.
    ``round_bound``, ``remaining`` and ``stop_bound`` go to :func:`raptor` (``best_by_trips``
    itself when pruning, else INF; zeros when not; with ``prune``, ``stop_bound`` is made
    here from ``best_by_trips`` and ``trips_left`` by :func:`stop_bounds`). Returns
    ``(-1, [])`` when no run is left to keep one.
    """
    if prune:
        stop_bounds(best_by_trips, trips_left, stop_bound)
    mark = np.ones(source_stops.size, dtype=np.bool_)
    for c in range(first, leaves.size):
        leave = leaves[c]
        if prune and c > 0:
            mark[:] = False
            for j in range(leave_offsets[c], leave_offsets[c + 1]):
                mark[leave_sources[j]] = True
        labels.best_trip[:] = INF
        labels.best_walk[:] = INF
        destination = raptor(
            network,
            change_seconds,
            transfer_offsets,
            transfer_to,
            transfer_seconds,
            transfer_floor,
            day_bits,
            shifts,
            source_stops,
            source_walks + leave,
            target_stops,
            target_extra,
            int(INF),
            wheelchair,
            labels,
            round_bound,
            mark,
            remaining,
            stop_bound,
            prune and c > 0,
        )
        previous = INF
        for trips in range(destination.size):
            arrival = destination[trips]
            if arrival >= previous:
                continue  # not on this run's front
            previous = arrival
            if trips > 0 and arrival < best_by_trips[trips] and arrival - leave < walking:
                return c, destination
    return -1, np.empty(0, dtype=np.int64)


@njit(cache=True)
def trip_bounds(
    network: KernelArrays,
    transfer_offsets: NDArray[np.int64],
    transfer_to: NDArray[np.int32],
    transfer_seconds: NDArray[np.int64],
    target_stops: NDArray[np.int64],
    target_extra: NDArray[np.int64],
    rounds: int,
) -> NDArray[np.int64]:
    """``bounds[j, s]``: a lower bound of the seconds from stop ``s`` to the destination with at most ``j`` more trips.

    A relaxed round-based search backwards: ``j = 0`` is the egress from ``s`` (INF where
    there is none); each further trip boards at ``s`` or one footpath away (change times,
    waiting, service days and boarding rules left out), rides the shortest hop times of its
    pattern to any later stop and goes on from there with one trip less. All zero when some
    trip arrives before it left the stop before or leaves a stop before it arrived (sums
    of hops then bound no ride).
    """
    offsets = network.pattern_stop_offsets
    pattern_stops = network.pattern_stops
    stop_total = network.stop_pattern_offsets.size - 1
    hop = np.zeros(pattern_stops.size, dtype=np.int64)  # hop[first + i]: shortest ride from position i to i + 1
    for p in range(offsets.size - 1):
        first = offsets[p]
        n = offsets[p + 1] - first
        base = network.pattern_time_offsets[p]
        for t in range(network.pattern_trip_offsets[p + 1] - network.pattern_trip_offsets[p]):
            for i in range(n):
                at = base + t * n + i
                if network.departure[at] < network.arrival[at]:
                    return np.zeros((rounds, stop_total), dtype=np.int64)
                if i + 1 < n:
                    ride = np.int64(network.arrival[at + 1]) - np.int64(network.departure[at])
                    if ride < 0:
                        return np.zeros((rounds, stop_total), dtype=np.int64)
                    if t == 0 or ride < hop[first + i]:
                        hop[first + i] = ride
    bounds = np.full((rounds, stop_total), INF, dtype=np.int64)
    for i in range(target_stops.size):
        bounds[0, target_stops[i]] = min(bounds[0, target_stops[i]], target_extra[i])
    board = np.empty(stop_total, dtype=np.int64)
    for j in range(1, rounds):
        board[:] = INF
        for p in range(offsets.size - 1):
            first = offsets[p]
            n = offsets[p + 1] - first
            onward = INF  # from position i: ride on and leave the trip at a later stop
            for i in range(n - 2, -1, -1):
                later = min(onward, bounds[j - 1, pattern_stops[first + i + 1]])
                onward = INF if later >= INF else later + hop[first + i]
                s = pattern_stops[first + i]
                board[s] = min(board[s], onward)
        for s in range(stop_total):
            best = min(bounds[j - 1, s], board[s])
            for e in range(transfer_offsets[s], transfer_offsets[s + 1]):
                if transfer_seconds[e] < INF and board[transfer_to[e]] < INF:
                    best = min(best, transfer_seconds[e] + board[transfer_to[e]])
            bounds[j, s] = best
    return bounds


@njit(cache=True)
def stop_bounds(best_by_trips: NDArray[np.int64], trips_left: NDArray[np.int64], out: NDArray[np.int64]) -> None:
    """``out[k, s]``: labels of round k at stop s at or after it lead to no journey worth finding.

    A journey through such a label with ``j`` more trips arrives at least ``trips_left[j, s]``
    later (:func:`trip_bounds`) and is worth finding only before ``best_by_trips[k + j]``.
    """
    rounds, stop_total = out.shape
    for k in range(rounds):
        for s in range(stop_total):
            bound = -INF
            for j in range(rounds - k):
                if trips_left[j, s] >= INF:
                    continue  # no journey with j more trips from here
                if best_by_trips[k + j] >= INF:
                    bound = INF
                    break
                bound = max(bound, best_by_trips[k + j] - trips_left[j, s])
            out[k, s] = bound
