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
LANDMARK_SLACK = 2.0**-22
"""Relative slack on a difference of two float32 landmark distances (each rounded by at most 2^-24 of itself)."""
ACTIVE_LANDMARKS = 4
"""Landmarks a search evaluates per node: those bounding its source-target pair best."""


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


@njit(cache=True, inline="always")
def _landmark_bound(
    forward: NDArray[np.float32],
    backward: NDArray[np.float32],
    active: NDArray[np.int64],
    v: int,
    target_forward: NDArray[np.float64],
    target_backward: NDArray[np.float64],
    target_costs: NDArray[np.float64],
    per_metre: float,
) -> float:
    """Lower bound on the cost from ``v`` to the cheapest target by the ``active`` landmarks (see :mod:`.landmarks`).

    ``per_metre`` is one over the query's top speed; ``target_*[j, k]`` hold target ``j``'s
    distances for landmark ``active[k]``. A difference of two stored float32 distances is
    reduced by their rounding error, so the bound stays below the truth; a difference
    with an unreachable side (``inf - inf``) is NaN and ignored.
    """
    best = np.inf
    for j in range(target_costs.size):
        h = 0.0
        for k in range(active.size):
            i = active[k]
            a, b = target_forward[j, k], np.float64(forward[v, i])
            lower = (a - b) - LANDMARK_SLACK * (a + b)
            if lower > h:
                h = lower
            a, b = np.float64(backward[v, i]), target_backward[j, k]
            lower = (a - b) - LANDMARK_SLACK * (a + b)
            if lower > h:
                h = lower
        h = h * per_metre + target_costs[j]
        if h < best:
            best = h
    return best


@njit(cache=True)
def _active_landmarks(
    forward: NDArray[np.float32],
    backward: NDArray[np.float32],
    source: int,
    target: int,
    count: int,
) -> NDArray[np.int64]:
    """The ``count`` landmarks bounding the cost from ``source`` to ``target`` best (the *active* set).

    Goldberg & Harrelson's refinement: each node evaluates only the landmarks that matter
    for this pair.
    """
    landmarks = forward.shape[1]
    quality = np.empty(landmarks)
    for i in range(landmarks):
        ahead = np.float64(forward[target, i]) - np.float64(forward[source, i])
        behind = np.float64(backward[source, i]) - np.float64(backward[target, i])
        quality[i] = max(ahead, behind) if np.isfinite(ahead) and np.isfinite(behind) else -np.inf
    order = np.argsort(-quality)
    return order[: min(count, landmarks)].astype(np.int64)


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
    landmark_forward: NDArray[np.float32],
    landmark_backward: NDArray[np.float32],
    best_known: float,
    cost: NDArray[np.float64],
    pred_edge: NDArray[np.int64],
    pred_node: NDArray[np.int64],
    closed: NDArray[np.bool_],
    touched: NDArray[np.int64],
) -> tuple[float, int, NDArray[np.int64], int]:
    """A* from the sources to the cheapest target, bounded by chord distance / top speed and by the landmarks.

    The landmark arrays are ``[node, landmark]`` (zero columns: the chord bound alone);
    the bound of a node is the larger of the two, each admissible and consistent.

    Returns ``(cost, target index or -1, edges of the path in order, settled count)``;
    target index -1 with a finite cost means ``best_known`` (a direct path along one
    edge, computed by the caller) was not beaten. Resets the workspace before returning.
    """
    top_speed = 0.0
    for s in speeds:
        top_speed = max(top_speed, s)
    bound = EARTH_RADIUS_M * HEURISTIC_SAFETY / top_speed
    per_metre = 1.0 / top_speed
    tx, ty, tz = target_xyz[0], target_xyz[1], target_xyz[2]
    active = np.empty(0, dtype=np.int64)
    if landmark_forward.shape[1] > 0 and source_nodes.size > 0 and target_nodes.size > 0:
        active = _active_landmarks(
            landmark_forward, landmark_backward, source_nodes[0], target_nodes[0], ACTIVE_LANDMARKS
        )
    target_forward = np.empty((target_nodes.size, active.size))
    target_backward = np.empty((target_nodes.size, active.size))
    for j in range(target_nodes.size):
        for k in range(active.size):
            target_forward[j, k] = landmark_forward[target_nodes[j], active[k]]
            target_backward[j, k] = landmark_backward[target_nodes[j], active[k]]
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
            h = max(
                bound * math.sqrt(dx * dx + dy * dy + dz * dz),
                _landmark_bound(
                    landmark_forward,
                    landmark_backward,
                    active,
                    v,
                    target_forward,
                    target_backward,
                    target_costs,
                    per_metre,
                ),
            )
            if size == keys.size:
                keys, items = _grow(keys, items)
            size = _push(keys, items, size, cost[v] + h, v)
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
                h = max(
                    bound * math.sqrt(dx * dx + dy * dy + dz * dz),
                    _landmark_bound(
                        landmark_forward,
                        landmark_backward,
                        active,
                        u,
                        target_forward,
                        target_backward,
                        target_costs,
                        per_metre,
                    ),
                )
                if size == keys.size:
                    keys, items = _grow(keys, items)
                size = _push(keys, items, size, candidate + h, u)
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
    settled_nodes = np.empty(1024, dtype=np.int64)  # grown as needed: a budgeted search settles few nodes
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
        if settled == settled_nodes.size:
            grown = np.empty(settled * 2, dtype=np.int64)
            grown[:settled] = settled_nodes
            settled_nodes = grown
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
