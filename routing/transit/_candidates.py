"""The departures a range query runs from (numba): every time leaving the origin catches a trip.

Per source stop, pattern through it that takes passengers on there, service day of the
window and running trip (wheelchair-accessible trips only, with ``wheelchair``): the
trip's departure minus the walk to the stop, when it falls in the query's window.
:func:`departure_candidate_sources` also tells, per departure, which sources make it:
the only ones that catch a trip they did not catch leaving at the next later departure.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from routing.transit._raptor import KernelArrays
from routing.transit.timetable import BOARD


@njit(cache=True)
def _boardable_leaves(
    network: KernelArrays,
    day_bits: NDArray[np.int64],
    shifts: NDArray[np.int64],
    source_stops: NDArray[np.int64],
    source_walk: NDArray[np.int64],
    start: int,
    end: int,
    wheelchair: bool,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Per boardable running trip at a source stop leaving in the window: (origin departure, source index)."""
    found = []
    found_source = []
    for i in range(source_stops.size):
        stop = source_stops[i]
        walk = source_walk[i]
        for j in range(network.stop_pattern_offsets[stop], network.stop_pattern_offsets[stop + 1]):
            pattern = network.stop_patterns[j]
            position = network.stop_pattern_positions[j]
            first_stop = network.pattern_stop_offsets[pattern]
            if not network.pattern_flags[first_stop + position] & BOARD:
                continue
            n = network.pattern_stop_offsets[pattern + 1] - first_stop
            first, last = network.pattern_trip_offsets[pattern], network.pattern_trip_offsets[pattern + 1]
            base = network.pattern_time_offsets[pattern] + position
            for d in range(3):
                bit = day_bits[d]
                if bit < 0:
                    continue
                lowest = start + walk - shifts[d]  # trips leave the stop in the same order everywhere (FIFO)
                lo, hi = 0, last - first
                while lo < hi:
                    mid = (lo + hi) >> 1
                    if network.departure[base + mid * n] < lowest:
                        lo = mid + 1
                    else:
                        hi = mid
                for t in range(lo, last - first):
                    leave = np.int64(network.departure[base + t * n]) + shifts[d] - walk
                    if leave > end:
                        break
                    trip = first + t
                    if (network.trip_days[trip] >> np.uint32(bit)) & np.uint32(1) == 0:
                        continue
                    if wheelchair and network.trip_wheelchair[trip] != 1:
                        continue
                    found.append(leave)
                    found_source.append(i)
    return np.array(found, dtype=np.int64), np.array(found_source, dtype=np.int64)


@njit(cache=True)
def departure_candidates(
    network: KernelArrays,
    day_bits: NDArray[np.int64],
    shifts: NDArray[np.int64],
    source_stops: NDArray[np.int64],
    source_walk: NDArray[np.int64],
    start: int,
    end: int,
    wheelchair: bool,
) -> NDArray[np.int64]:
    """Every origin departure in [``start``, ``end``] that catches a trip at a source stop, latest first (unique)."""
    leaves, _ = _boardable_leaves(network, day_bits, shifts, source_stops, source_walk, start, end, wheelchair)
    return np.unique(leaves)[::-1].copy()


@njit(cache=True)
def departure_candidate_sources(
    network: KernelArrays,
    day_bits: NDArray[np.int64],
    shifts: NDArray[np.int64],
    source_stops: NDArray[np.int64],
    source_walk: NDArray[np.int64],
    start: int,
    end: int,
    wheelchair: bool,
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """:func:`departure_candidates` with, per departure, the source indices that make it (CSR).

    Returns ``(leaves, offsets, sources)``: ``leaves`` latest first, unique; the sources
    (indices into ``source_stops``) catching a trip when leaving at ``leaves[c]`` are
    ``sources[offsets[c]:offsets[c + 1]]``, each listed once.
    """
    leaves, found_source = _boardable_leaves(
        network, day_bits, shifts, source_stops, source_walk, start, end, wheelchair
    )
    order = np.argsort(-leaves, kind="mergesort")
    unique = np.empty(leaves.size, dtype=np.int64)
    offsets = np.zeros(leaves.size + 1, dtype=np.int64)
    sources = np.empty(leaves.size, dtype=np.int64)
    seen = np.full(source_stops.size, -1, dtype=np.int64)  # the last candidate each source was listed for
    count = 0
    listed = 0
    for j in range(order.size):
        leave = leaves[order[j]]
        if count == 0 or unique[count - 1] != leave:
            unique[count] = leave
            count += 1
            offsets[count] = listed
        source = found_source[order[j]]
        if seen[source] != count - 1:
            seen[source] = count - 1
            sources[listed] = source
            listed += 1
            offsets[count] = listed
    return unique[:count].copy(), offsets[: count + 1].copy(), sources[:listed].copy()
