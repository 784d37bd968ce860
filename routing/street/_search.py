"""Compiled search kernels over the CSR arrays (numba; no Python objects in the loops).

Edge weight: ``length_m * cost_factor / speed[speed_class]`` (the generalised cost, in
seconds); travel time is ``length_m / speed[speed_class]``. Searches start from several
(node, initial cost) pairs and may end at several (node, final cost) pairs, which is how
a point in the middle of an edge is routed from and to.

A workspace (per thread) holds the per-node arrays; only the entries a search touched are
reset afterwards, so a query costs what it explores, not the size of the graph.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray

EARTH_RADIUS_M = 6_371_008.8
# Chord distances never exceed great-circle distances; the factor absorbs float32
# rounding of stored edge lengths so the A* bound stays admissible.
HEURISTIC_SAFETY = 1.0 - 1e-6


class Workspace:
    """Per-thread scratch arrays for searches on a graph of ``node_count`` nodes."""

    def __init__(self, node_count: int) -> None:
        self.cost = np.full(node_count, np.inf)
        self.time = np.zeros(node_count)
        self.length = np.zeros(node_count)
        self.pred_edge = np.full(node_count, -1, dtype=np.int64)
        self.pred_node = np.full(node_count, -1, dtype=np.int64)
        self.closed = np.zeros(node_count, dtype=np.bool_)
        self.touched = np.zeros(max(node_count, 1), dtype=np.int64)


@njit(cache=True, inline="always")
def _push(keys: NDArray[np.float64], items: NDArray[np.int64], size: int, key: float, item: int) -> int:
    i = size
    keys[i] = key
    items[i] = item
    while i > 0:
        parent = (i - 1) >> 1
        if keys[parent] <= keys[i]:
            break
        keys[parent], keys[i] = keys[i], keys[parent]
        items[parent], items[i] = items[i], items[parent]
        i = parent
    return size + 1


@njit(cache=True, inline="always")
def _pop(keys: NDArray[np.float64], items: NDArray[np.int64], size: int) -> int:
    size -= 1
    keys[0] = keys[size]
    items[0] = items[size]
    i = 0
    while True:
        left = 2 * i + 1
        if left >= size:
            break
        child = left
        if left + 1 < size and keys[left + 1] < keys[left]:
            child = left + 1
        if keys[i] <= keys[child]:
            break
        keys[i], keys[child] = keys[child], keys[i]
        items[i], items[child] = items[child], items[i]
        i = child
    return size


@njit(cache=True)
def _grow(keys: NDArray[np.float64], items: NDArray[np.int64]) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    new_keys = np.empty(keys.size * 2)
    new_items = np.empty(items.size * 2, dtype=np.int64)
    new_keys[: keys.size] = keys
    new_items[: items.size] = items
    return new_keys, new_items


@njit(cache=True)
def shortest_path(
    offsets: NDArray[np.int32],
    targets: NDArray[np.int32],
    length_m: NDArray[np.float32],
    cost_factor: NDArray[np.float32],
    speed_class: NDArray[np.uint8],
    speeds: NDArray[np.float64],
    xyz: NDArray[np.float64],
    source_nodes: NDArray[np.int64],
    source_costs: NDArray[np.float64],
    target_nodes: NDArray[np.int64],
    target_costs: NDArray[np.float64],
    target_xyz: NDArray[np.float64],
    best_known: float,
    cost: NDArray[np.float64],
    pred_edge: NDArray[np.int64],
    pred_node: NDArray[np.int64],
    closed: NDArray[np.bool_],
    touched: NDArray[np.int64],
) -> tuple[float, int, NDArray[np.int64], int]:
    """A* from the sources to the cheapest target, bounded by chord distance / top speed.

    Returns ``(cost, target index or -1, edges of the path in order, settled count)``;
    target index -1 with a finite cost means ``best_known`` (a direct path along one
    edge, computed by the caller) was not beaten. Resets the workspace before returning.
    """
    top_speed = 0.0
    for s in speeds:
        top_speed = max(top_speed, s)
    bound = EARTH_RADIUS_M * HEURISTIC_SAFETY / top_speed
    tx, ty, tz = target_xyz[0], target_xyz[1], target_xyz[2]
    keys = np.empty(1024)
    items = np.empty(1024, dtype=np.int64)
    size = 0
    touched_count = 0
    for i in range(source_nodes.size):
        v = source_nodes[i]
        if source_costs[i] < cost[v]:
            if cost[v] == np.inf:
                touched[touched_count] = v
                touched_count += 1
            cost[v] = source_costs[i]
            pred_edge[v] = -1
            pred_node[v] = -1
            dx, dy, dz = xyz[v, 0] - tx, xyz[v, 1] - ty, xyz[v, 2] - tz
            if size == keys.size:
                keys, items = _grow(keys, items)
            size = _push(keys, items, size, cost[v] + bound * math.sqrt(dx * dx + dy * dy + dz * dz), v)
    best = best_known
    best_target = -1
    settled = 0
    while size > 0:
        f = keys[0]
        v = items[0]
        size = _pop(keys, items, size)
        if f >= best:
            break
        if closed[v]:
            continue
        closed[v] = True
        settled += 1
        g = cost[v]
        for j in range(target_nodes.size):
            if target_nodes[j] == v and g + target_costs[j] < best:
                best = g + target_costs[j]
                best_target = j
        for e in range(offsets[v], offsets[v + 1]):
            u = targets[e]
            candidate = g + length_m[e] * cost_factor[e] / speeds[speed_class[e]]
            if candidate < cost[u]:
                if cost[u] == np.inf:
                    touched[touched_count] = u
                    touched_count += 1
                cost[u] = candidate
                pred_edge[u] = e
                pred_node[u] = v
                dx, dy, dz = xyz[u, 0] - tx, xyz[u, 1] - ty, xyz[u, 2] - tz
                if size == keys.size:
                    keys, items = _grow(keys, items)
                size = _push(keys, items, size, candidate + bound * math.sqrt(dx * dx + dy * dy + dz * dz), u)
    path_length = 0
    if best_target >= 0:
        v = target_nodes[best_target]
        while pred_edge[v] >= 0:
            path_length += 1
            v = pred_node[v]
    path = np.empty(path_length, dtype=np.int64)
    if best_target >= 0:
        v = target_nodes[best_target]
        k = path_length - 1
        while pred_edge[v] >= 0:
            path[k] = pred_edge[v]
            k -= 1
            v = pred_node[v]
    for i in range(touched_count):
        v = touched[i]
        cost[v] = np.inf
        closed[v] = False
        pred_edge[v] = -1
        pred_node[v] = -1
    return best, best_target, path, settled


@njit(cache=True)
def reach(
    offsets: NDArray[np.int32],
    targets: NDArray[np.int32],
    length_m: NDArray[np.float32],
    cost_factor: NDArray[np.float32],
    speed_class: NDArray[np.uint8],
    speeds: NDArray[np.float64],
    source_nodes: NDArray[np.int64],
    source_costs: NDArray[np.float64],
    source_times: NDArray[np.float64],
    source_lengths: NDArray[np.float64],
    budget: float,
    cost: NDArray[np.float64],
    time: NDArray[np.float64],
    length: NDArray[np.float64],
    closed: NDArray[np.bool_],
    touched: NDArray[np.int64],
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Dijkstra from the sources up to ``budget`` (generalised cost, seconds).

    Returns the settled nodes with their cost, travel time and walked length, in the
    order they were settled (increasing cost). Resets the workspace before returning.
    """
    keys = np.empty(1024)
    items = np.empty(1024, dtype=np.int64)
    size = 0
    touched_count = 0
    for i in range(source_nodes.size):
        v = source_nodes[i]
        if source_costs[i] < cost[v]:
            if cost[v] == np.inf:
                touched[touched_count] = v
                touched_count += 1
            cost[v] = source_costs[i]
            time[v] = source_times[i]
            length[v] = source_lengths[i]
            if size == keys.size:
                keys, items = _grow(keys, items)
            size = _push(keys, items, size, cost[v], v)
    settled_nodes = np.empty(touched.size, dtype=np.int64)
    settled = 0
    while size > 0:
        g = keys[0]
        v = items[0]
        size = _pop(keys, items, size)
        if g > budget:
            break
        if closed[v]:
            continue
        closed[v] = True
        settled_nodes[settled] = v
        settled += 1
        for e in range(offsets[v], offsets[v + 1]):
            u = targets[e]
            speed = speeds[speed_class[e]]
            candidate = g + length_m[e] * cost_factor[e] / speed
            if candidate < cost[u] and candidate <= budget:
                if cost[u] == np.inf:
                    touched[touched_count] = u
                    touched_count += 1
                cost[u] = candidate
                time[u] = time[v] + length_m[e] / speed
                length[u] = length[v] + length_m[e]
                if size == keys.size:
                    keys, items = _grow(keys, items)
                size = _push(keys, items, size, candidate, u)
    nodes = settled_nodes[:settled].copy()
    costs = np.empty(settled)
    times = np.empty(settled)
    lengths = np.empty(settled)
    for i in range(settled):
        costs[i] = cost[nodes[i]]
        times[i] = time[nodes[i]]
        lengths[i] = length[nodes[i]]
    for i in range(touched_count):
        v = touched[i]
        cost[v] = np.inf
        time[v] = 0.0
        length[v] = 0.0
        closed[v] = False
    return nodes, costs, times, lengths


@njit(cache=True)
def collect_targets(
    found_nodes: NDArray[np.int64],
    found_cost: NDArray[np.float64],
    found_time: NDArray[np.float64],
    found_length: NDArray[np.float64],
    entry_offsets: NDArray[np.int64],
    entry_rows: NDArray[np.int64],
    row_target: NDArray[np.int64],
    row_walked: NDArray[np.float64],
    row_cost_factor: NDArray[np.float32],
    row_speed_class: NDArray[np.uint8],
    speeds: NDArray[np.float64],
    seed_rows: NDArray[np.int64],
    seed_stretch: NDArray[np.float64],
    seed_cost_rate: NDArray[np.float64],
    seed_time_rate: NDArray[np.float64],
    target_count: int,
    budget: float,
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """The cheapest way into each target from a finished search, within ``budget``.

    Target rows (edge positions) are entered from a settled node (``entry_offsets`` is a
    CSR over nodes), walking ``row_walked`` metres along the row's edge; ``seed_*`` rows
    are reached directly (on the start's own edge). Returns reached targets in increasing
    order with their cost, time and length.
    """
    best_cost = np.full(target_count, np.inf)
    best_time = np.zeros(target_count)
    best_length = np.zeros(target_count)
    for i in range(seed_rows.size):
        row = seed_rows[i]
        c = seed_stretch[i] * seed_cost_rate[i]
        t = row_target[row]
        if c <= budget and c < best_cost[t]:
            best_cost[t] = c
            best_time[t] = seed_stretch[i] * seed_time_rate[i]
            best_length[t] = seed_stretch[i]
    for i in range(found_nodes.size):
        v = found_nodes[i]
        for j in range(entry_offsets[v], entry_offsets[v + 1]):
            row = entry_rows[j]
            speed = speeds[row_speed_class[row]]
            walked = row_walked[row]
            c = found_cost[i] + walked * row_cost_factor[row] / speed
            t = row_target[row]
            if c <= budget and c < best_cost[t]:
                best_cost[t] = c
                best_time[t] = found_time[i] + walked / speed
                best_length[t] = found_length[i] + walked
    reached = np.flatnonzero(best_cost < np.inf)
    return reached, best_cost[reached], best_time[reached], best_length[reached]
