"""Landmarks for A*: lower bounds on street costs from distances to a few far-apart nodes (ALT).

For a landmark ``L`` and the *base length* of an edge, ``length_m * cost_factor`` (the
generalised cost at a speed of 1 m/s), the triangle inequality bounds the base length
of any path from ``v`` to ``t``::

    d(v, t) >= d(L, t) - d(L, v)        (forward distances from L)
    d(v, t) >= d(v, L) - d(t, L)        (backward distances to L)

A query's edge cost is ``base length / speed[speed class]``, at least ``base length /
top speed``, so these bounds divided by the query's top speed are admissible and
consistent for every choice of speeds (speeds are query parameters, the landmark
distances are not). They are far tighter than the straight-line bound when streets
wind or cost factors exceed 1 (Goldberg & Harrelson, "Computing the shortest path: A*
search meets graph theory", 2005).

Landmarks are chosen by the *farthest* rule: each next landmark is the node whose
nearest chosen landmark is farthest away, over the nodes the first search reached.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from routing.street._search import _grow, _pop, _push

LANDMARK_COUNT = 8
"""Landmarks per profile: 2 x 4 bytes x this many per node and profile on disk."""


@dataclass(frozen=True)
class Landmarks:
    """Base-length distances between every node and each landmark (arrays may be memory-mapped).

    ``forward[v, i]`` is the distance from landmark ``i`` to ``v``, ``backward[v, i]``
    from ``v`` to landmark ``i``; ``inf`` where there is no path. One row per node keeps
    a node's distances in one cache line.
    """

    forward: NDArray[np.float32]
    backward: NDArray[np.float32]

    @property
    def count(self) -> int:
        """Number of landmarks."""
        return int(self.forward.shape[1])

    @classmethod
    def none(cls, node_count: int) -> Landmarks:
        """No landmarks: A* falls back to the straight-line bound alone."""
        empty = np.zeros((node_count, 0), dtype=np.float32)
        return cls(forward=empty, backward=empty)


CsrGraph = tuple[NDArray[np.int32], NDArray[np.int32], NDArray[np.float32], NDArray[np.float32], NDArray[np.uint8]]
"""Offsets, targets, length, cost factor and speed class of a CSR graph."""


@njit(cache=True)
def _distance_kernel(
    offsets: NDArray[np.int32],
    targets: NDArray[np.int32],
    length_m: NDArray[np.float32],
    cost_factor: NDArray[np.float32],
    source: int,
    distances: NDArray[np.float64],
    closed: NDArray[np.bool_],
) -> None:
    """Dijkstra over base lengths from ``source`` into ``distances`` (all ``inf``, ``closed`` all False, on entry).

    The same sums as :func:`routing.street._search.reach` at unit speeds, without its
    time, length and settled-order arrays.
    """
    keys = np.empty(1024)
    items = np.empty(1024, dtype=np.int64)
    distances[source] = 0.0
    size = _push(keys, items, 0, 0.0, source)
    while size > 0:
        g = keys[0]
        v = items[0]
        size = _pop(keys, items, size)
        if closed[v]:
            continue
        closed[v] = True
        for e in range(offsets[v], offsets[v + 1]):
            u = targets[e]
            candidate = g + length_m[e] * cost_factor[e] / 1.0
            if candidate < distances[u]:
                distances[u] = candidate
                if size == keys.size:
                    keys, items = _grow(keys, items)
                size = _push(keys, items, size, candidate, u)


def _distances_from(
    graph: CsrGraph, source: int, distances: NDArray[np.float64], closed: NDArray[np.bool_]
) -> NDArray[np.float64]:
    """Base-length distance from ``source`` to every node (``inf`` when unreachable), into ``distances``."""
    offsets, targets, length_m, cost_factor, _ = graph
    distances.fill(np.inf)
    closed.fill(False)
    _distance_kernel(offsets, targets, length_m, cost_factor, source, distances, closed)
    return distances


def _largest_component(graph: CsrGraph) -> NDArray[np.bool_]:
    """Which nodes belong to the largest strongly connected component."""
    offsets, targets = graph[0], graph[1]
    node_count = offsets.shape[0] - 1
    adjacency = csr_matrix(
        (np.ones(targets.shape[0], dtype=np.int8), np.asarray(targets), np.asarray(offsets)),
        shape=(node_count, node_count),
    )
    _, labels = connected_components(adjacency, directed=True, connection="strong")
    inside: NDArray[np.bool_] = labels == int(np.argmax(np.bincount(labels)))
    return inside


def compute_landmarks(
    forward: CsrGraph,
    backward: CsrGraph,
    *,
    count: int = LANDMARK_COUNT,
    out: tuple[NDArray[np.float32], NDArray[np.float32]] | None = None,
) -> Landmarks:
    """Choose up to ``count`` landmarks by the farthest rule and measure every node's distances to them.

    ``out``: two float32 ``[node_count, count]`` arrays (e.g. memory-mapped output files)
    the forward and backward distances are written into; the result's arrays are their
    first columns (all of them when ``count`` landmarks were found).

    ``backward`` is ``forward`` with every edge reversed. The first landmark is the node
    farthest from the first node of the largest strongly connected component (nodes are
    in Morton order, so that one lies near a corner of the area, the farthest from it
    near another); only nodes of that component are candidates, so each landmark reaches
    and is reached by the whole component.
    """
    node_count = forward[0].shape[0] - 1
    if node_count == 0 or count == 0:
        return Landmarks.none(node_count)
    if out is None:
        forward_rows = np.empty((node_count, count), dtype=np.float32)
        backward_rows = np.empty((node_count, count), dtype=np.float32)
    else:
        forward_rows, backward_rows = out
        if forward_rows.shape != (node_count, count) or backward_rows.shape != (node_count, count):
            msg = f"landmark output arrays must be [{node_count}, {count}]"
            raise ValueError(msg)
    landmarks = choose_landmarks(forward, forward_rows)
    measure_backward(backward, landmarks, backward_rows)
    chosen = len(landmarks)
    if out is not None and chosen == count:
        return Landmarks(forward=forward_rows, backward=backward_rows)
    return Landmarks(
        forward=np.ascontiguousarray(forward_rows[:, :chosen]),
        backward=np.ascontiguousarray(backward_rows[:, :chosen]),
    )


def choose_landmarks(forward: CsrGraph, forward_rows: NDArray[np.float32]) -> list[int]:
    """The landmarks of :func:`compute_landmarks` (at most one per column), each one's distances in its column.

    Only forward distances choose them, so the backward ones can be measured afterwards
    (:func:`measure_backward`) with one set of rows in memory at a time.
    """
    node_count, count = forward_rows.shape
    distances = np.empty(node_count)  # one buffer for every search: each result is used before the next
    closed = np.empty(node_count, dtype=np.bool_)
    candidates = _largest_component(forward)
    seed = _distances_from(forward, int(np.flatnonzero(candidates)[0]), distances, closed)
    nearest = np.where(candidates, seed, -1.0)
    del seed
    landmarks: list[int] = []
    while len(landmarks) < count:
        landmark = int(np.argmax(nearest))
        if nearest[landmark] <= 0.0 and landmarks:
            break  # every candidate is a landmark or at distance 0 from one
        from_landmark = _distances_from(forward, landmark, distances, closed)
        forward_rows[:, len(landmarks)] = from_landmark
        known = np.where(np.isfinite(from_landmark), from_landmark, -1.0)
        nearest = np.where(candidates, np.minimum(nearest, known), -1.0)
        del known
        nearest[landmark] = -1.0
        landmarks.append(landmark)
    return landmarks


def measure_backward(backward: CsrGraph, landmarks: list[int], backward_rows: NDArray[np.float32]) -> None:
    """Distances from every node to each landmark (searches on the reversed graph), one column each."""
    node_count = backward_rows.shape[0]
    distances = np.empty(node_count)
    closed = np.empty(node_count, dtype=np.bool_)
    for column, landmark in enumerate(landmarks):
        backward_rows[:, column] = _distances_from(backward, landmark, distances, closed)
