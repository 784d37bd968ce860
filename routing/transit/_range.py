"""The runs of a range query (numba): RAPTOR from each departure, latest first, on shared labels.

Range RAPTOR (Delling et al. 2012, rRAPTOR) keeps the labels of the later departures
for the earlier ones. :func:`range_runs` loops over the departures in compiled code and
hands control back only at a run whose front holds a journey the range query keeps
(fewer trips or an earlier arrival than every later departure, and faster than walking
the whole way), so the caller builds that journey from the labels as the run left them
and resumes after it. With ``prune``, a run after the first marks only the access stops
that make its departure (the others catch the trips they caught in the later run; see
:func:`routing.transit._candidates.departure_candidate_sources`).
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
    prune: bool,
    walking: int,
) -> tuple[int, NDArray[np.int64]]:
    """Run from ``leaves[first]`` on until a run's front has a journey to keep: ``(its index, destination)``.

    ``leaves`` (latest first) with ``leave_offsets``/``leave_sources`` (CSR: the source
    indices making each departure); ``source_walks``: seconds from the origin to each
    source. A journey is kept when it has at least one trip, arrives before
    ``best_by_trips`` of its number of trips and takes less than ``walking`` seconds.
    ``round_bound`` and ``remaining`` go to :func:`raptor` (``best_by_trips`` itself when
    pruning, else INF; zeros when not). Returns ``(-1, [])`` when no run is left to keep one.
    """
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
