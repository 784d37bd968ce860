"""The departures a range query runs from (numba): every time leaving the origin catches a trip.

Per source stop, pattern through it that takes passengers on there, service day of the
window and running trip (wheelchair-accessible trips only, with ``wheelchair``): the
trip's departure minus the walk to the stop, when it falls in the query's window.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from routing.transit._raptor import KernelArrays
from routing.transit.timetable import BOARD


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
    found = []
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
    return np.unique(np.array(found, dtype=np.int64))[::-1].copy()
