"""Lower bounds of the time (and walking) left to the destination, per stop, for target pruning.

A reverse shortest-path search from the query's egress stops over a relaxed network: every
hop between consecutive stops of a pattern costs the shortest ride any of its trips takes
(arrival at the next stop minus departure here; 0 everywhere if one is negative), every footpath its query
duration, and the destination is reached from an egress stop at its egress cost. Rules that
only ever add time (change times, waiting, service days, accessibility, which trips run)
are left out, so the result never exceeds the true remaining time of any journey: a label
whose arrival plus this bound is already beaten by a destination label cannot lead to a
better one. Stops with no path to the destination get ``INF``.

Times are seconds; the ride floors of a network are built once (:func:`ride_floors`),
the bounds once per query (:func:`remaining_bounds`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit
from numpy.typing import NDArray

from routing.transit._raptor import INF, KernelArrays


class ReverseGraph(NamedTuple):
    """Edges by their head stop (CSR): ``offsets[v]:offsets[v + 1]`` are the edges into ``v``.

    ``tail`` is each edge's tail stop, ``seconds`` its cost, ``order`` the forward edge it
    reverses (footpaths, whose cost depends on the query, are read through it).
    """

    offsets: NDArray[np.int64]
    tail: NDArray[np.int64]
    seconds: NDArray[np.int64]
    order: NDArray[np.int64]


@njit(cache=True)
def _hop_floors(network: KernelArrays) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Every pattern hop (stop -> next stop) with the shortest ride over the pattern's trips.

    All zero when some trip arrives at a stop before it leaves the one before (times that
    feeds may have and the compiler lets through): sums of hops then bound no ride.
    """
    offsets = network.pattern_stop_offsets
    stops = network.pattern_stops
    trip_offsets = network.pattern_trip_offsets
    time_offsets = network.pattern_time_offsets
    hops = max(stops.size - (offsets.size - 1), 0)
    tails = np.empty(hops, dtype=np.int64)
    heads = np.empty(hops, dtype=np.int64)
    floors = np.empty(hops, dtype=np.int64)
    h = 0
    for p in range(offsets.size - 1):
        first = offsets[p]
        n = offsets[p + 1] - first
        trips = trip_offsets[p + 1] - trip_offsets[p]
        base = time_offsets[p]
        for position in range(n - 1):
            best = INF
            for t in range(trips):
                ride = np.int64(network.arrival[base + t * n + position + 1]) - np.int64(
                    network.departure[base + t * n + position]
                )
                best = min(best, ride)
            tails[h] = stops[first + position]
            heads[h] = stops[first + position + 1]
            floors[h] = best
            h += 1
    if h > 0 and floors[:h].min() < 0:
        # A trip reaches a stop before leaving the one before: hop sums would bound nothing.
        floors[:h] = 0
    return tails[:h], heads[:h], floors[:h]


def _reverse(tails: NDArray[np.int64], heads: NDArray[np.int64], stop_count: int) -> tuple[NDArray[np.int64], ...]:
    order = np.argsort(heads, kind="stable").astype(np.int64)
    offsets = np.zeros(stop_count + 1, dtype=np.int64)
    np.cumsum(np.bincount(heads, minlength=stop_count), out=offsets[1:])
    return offsets, tails[order], order


def ride_floors(network: KernelArrays) -> ReverseGraph:
    """The pattern hops of ``network`` as a reverse graph, each with its shortest ride (built once per network)."""
    tails, heads, floors = _hop_floors(network)
    stop_count = network.stop_pattern_offsets.size - 1
    by_pair = np.lexsort((floors, heads, tails))  # one edge per stop pair: its shortest ride
    pairs = tails[by_pair] * stop_count + heads[by_pair]
    first = np.ones(pairs.size, dtype=np.bool_)
    first[1:] = pairs[1:] != pairs[:-1]
    tails, heads, floors = tails[by_pair][first], heads[by_pair][first], floors[by_pair][first]
    offsets, tail, order = _reverse(tails, heads, stop_count)
    return ReverseGraph(offsets, tail, floors[order], order)


def reverse_footpaths(offsets: NDArray[np.int64], to_stop: NDArray[np.int32]) -> ReverseGraph:
    """The footpath CSR ``offsets``/``to_stop`` reversed; ``seconds`` are zero (the query's come via ``order``)."""
    stop_count = offsets.size - 1
    tails = np.repeat(np.arange(stop_count, dtype=np.int64), np.diff(offsets))
    rev_offsets, tail, order = _reverse(tails, np.asarray(to_stop, dtype=np.int64), stop_count)
    return ReverseGraph(rev_offsets, tail, np.zeros(order.size, dtype=np.int64), order)


@njit(cache=True, inline="always")
def _push(heap_cost: NDArray[np.int64], heap_stop: NDArray[np.int64], size: int, cost: int, stop: int) -> int:
    i = size
    while i > 0:
        parent = (i - 1) >> 1
        if heap_cost[parent] <= cost:
            break
        heap_cost[i], heap_stop[i] = heap_cost[parent], heap_stop[parent]
        i = parent
    heap_cost[i], heap_stop[i] = cost, stop
    return size + 1


@njit(cache=True, inline="always")
def _pop(heap_cost: NDArray[np.int64], heap_stop: NDArray[np.int64], size: int) -> int:
    size -= 1
    cost, stop = heap_cost[size], heap_stop[size]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and heap_cost[child + 1] < heap_cost[child]:
            child += 1
        if heap_cost[child] >= cost:
            break
        heap_cost[i], heap_stop[i] = heap_cost[child], heap_stop[child]
        i = child
    heap_cost[i], heap_stop[i] = cost, stop
    return size


@njit(cache=True)
def _dijkstra(
    ride_offsets: NDArray[np.int64],
    ride_tail: NDArray[np.int64],
    ride_seconds: NDArray[np.int64],
    foot_offsets: NDArray[np.int64],
    foot_tail: NDArray[np.int64],
    foot_order: NDArray[np.int64],
    foot_seconds: NDArray[np.int64],
    target_stops: NDArray[np.int64],
    target_cost: NDArray[np.int64],
) -> NDArray[np.int64]:
    """Shortest costs to the targets; footpath ``j`` costs ``foot_seconds[foot_order[j]]`` (INF: closed)."""
    stop_count = ride_offsets.size - 1
    bound = np.full(stop_count, INF, dtype=np.int64)
    capacity = ride_tail.size + foot_tail.size + target_stops.size + 1
    heap_cost = np.empty(capacity, dtype=np.int64)
    heap_stop = np.empty(capacity, dtype=np.int64)
    size = 0
    for i in range(target_stops.size):
        s = target_stops[i]
        if target_cost[i] < bound[s]:
            bound[s] = target_cost[i]
            size = _push(heap_cost, heap_stop, size, target_cost[i], s)
    while size > 0:
        cost, v = heap_cost[0], heap_stop[0]
        size = _pop(heap_cost, heap_stop, size)
        if cost > bound[v]:
            continue
        for j in range(ride_offsets[v], ride_offsets[v + 1]):
            u = ride_tail[j]
            c = cost + ride_seconds[j]
            if c < bound[u]:
                bound[u] = c
                size = _push(heap_cost, heap_stop, size, c, u)
        for j in range(foot_offsets[v], foot_offsets[v + 1]):
            seconds = foot_seconds[foot_order[j]]
            if seconds >= INF:
                continue
            u = foot_tail[j]
            c = cost + seconds
            if c < bound[u]:
                bound[u] = c
                size = _push(heap_cost, heap_stop, size, c, u)
    return bound


def remaining_bounds(
    rides: ReverseGraph,
    footpaths: ReverseGraph,
    footpath_seconds: NDArray[np.int64],
    target_stops: NDArray[np.int64],
    target_seconds: NDArray[np.int64],
    target_walk: NDArray[np.int64],
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Per stop, lower bounds of the seconds and of the walking seconds left to the destination.

    ``footpath_seconds`` are the query's footpath durations in forward CSR order (INF: not
    a transfer of this query); ``target_*`` the egress stops with their egress seconds and
    walked seconds. The walking bound is the shortest egress walk (every journey ends with
    one); both are INF at stops from which the destination cannot be reached at all.
    """
    time_bound = _dijkstra(
        rides.offsets,
        rides.tail,
        rides.seconds,
        footpaths.offsets,
        footpaths.tail,
        footpaths.order,
        footpath_seconds,
        target_stops,
        target_seconds,
    )
    shortest_walk = int(target_walk.min()) if target_walk.size else 0
    walk_bound = np.where(time_bound >= INF, INF, shortest_walk).astype(np.int64)
    return time_bound, walk_bound
