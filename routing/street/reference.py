"""An independent reference for street walks: scipy's Dijkstra on the same compiled graph.

Used by the exactness tests and the benchmark; slow but simple, written from the
definition of a walk rather than from the router's code: a walk from a point is its
connector (the straight line to its snapped street position, at the profile's normal
speed), the partial edge from there to an edge end, whole edges, the partial edge to the
other snapped position and that point's connector. The point-to-point query is modelled
with two virtual nodes: one joined to the origin's edge ends at the cost of connector and
partial edge, one reached from the destination's edge starts the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from routing.street.router import Snap, StreetRouter, TravelSpeeds

ZERO_WEIGHT = 1e-9
"""scipy drops zero entries; edges of zero cost carry this instead (far below tolerance)."""


Weight = Literal["cost", "time", "length"]
"""What a reference search minimises: generalised cost, seconds, or metres."""


def _rates(router: StreetRouter, speeds: TravelSpeeds, weight: Weight) -> NDArray[np.float64]:
    """Per edge, the weight of one metre."""
    graph = router.graph
    if weight == "length":
        return np.ones(np.asarray(graph.length_m).size)
    per_metre = 1.0 / speeds.as_array()[np.asarray(graph.speed_class)]
    return per_metre if weight == "time" else per_metre * np.asarray(graph.cost_factor, dtype=np.float64)


def _connector(metres: float, speeds: TravelSpeeds, weight: Weight) -> float:
    """The weight of a connector: its length, or its seconds at the normal speed (cost alike)."""
    return metres if weight == "length" else metres / speeds.normal


def _matrix(
    rows: list[NDArray[np.int64]], cols: list[NDArray[np.int64]], data: list[NDArray[np.float64]], n: int
) -> csr_matrix:
    """An ``n`` x ``n`` sparse matrix of the given edges, the cheapest of parallel ones."""
    row, col, value = np.concatenate(rows), np.concatenate(cols), np.concatenate(data)
    value = np.maximum(value, ZERO_WEIGHT)
    # Keep the cheapest of parallel edges (csr_matrix would add them up).
    order = np.lexsort((value, col, row))
    row, col, value = row[order], col[order], value[order]
    first = np.ones(row.size, dtype=bool)
    first[1:] = (row[1:] != row[:-1]) | (col[1:] != col[:-1])
    return csr_matrix((value[first], (row[first], col[first])), shape=(n, n))


def reference_cost(
    router: StreetRouter, origin: Snap, destination: Snap, speeds: TravelSpeeds, *, weight: Weight = "cost"
) -> float:
    """Least cost (or seconds, or metres: ``weight``) of a walk, connectors included (inf when unreachable)."""
    if (origin.lat, origin.lon) == (destination.lat, destination.lon):
        return 0.0  # already there
    graph = router.graph
    rate = _rates(router, speeds, weight)
    length = np.asarray(graph.length_m, dtype=np.float64)
    tails = np.asarray(graph.tails(), dtype=np.int64)
    heads = np.asarray(graph.targets, dtype=np.int64)
    n = router.network.node_count
    source, target = n, n + 1
    start_s = _connector(origin.distance_m, speeds, weight)
    end_s = _connector(destination.distance_m, speeds, weight)
    rows, cols, data = [tails], [heads], [length * rate]
    for position in origin.positions:
        e = position.edge
        rows.append(np.array([source]))
        cols.append(np.array([heads[e]]))
        data.append(np.array([start_s + (length[e] - position.offset_m) * rate[e]]))
        for end in destination.positions:
            if end.edge == e and position.offset_m <= end.offset_m:
                rows.append(np.array([source]))
                cols.append(np.array([target]))
                data.append(np.array([start_s + (end.offset_m - position.offset_m) * rate[e] + end_s]))
    for position in destination.positions:
        rows.append(np.array([tails[position.edge]]))
        cols.append(np.array([target]))
        data.append(np.array([position.offset_m * rate[position.edge] + end_s]))
    distances = dijkstra(_matrix(rows, cols, data, n + 2), directed=True, indices=source)
    return float(distances[target])


def reference_walks(
    router: StreetRouter,
    start: Snap,
    targets: Sequence[Snap | None],
    speeds: TravelSpeeds,
    *,
    reverse: bool = False,
    weight: Weight = "cost",
) -> NDArray[np.float64]:
    """Per target, the least cost (or seconds, or metres: ``weight``) of a walk from ``start`` to it.

    ``reverse``: from it to ``start``. Connectors of both ends included; inf when unreachable.
    """
    graph = router.graph
    rate = _rates(router, speeds, weight)
    length = np.asarray(graph.length_m, dtype=np.float64)
    tails = np.asarray(graph.tails(), dtype=np.int64)
    heads = np.asarray(graph.targets, dtype=np.int64)
    n = router.network.node_count
    source = n
    start_s = _connector(start.distance_m, speeds, weight)
    # Reverse: walk the reversed graph from ``start``; an edge is then left at its tail.
    rows, cols, data = ([heads], [tails], [length * rate]) if reverse else ([tails], [heads], [length * rate])
    for position in start.positions:
        e = position.edge
        node, stretch = (tails[e], position.offset_m) if reverse else (heads[e], length[e] - position.offset_m)
        rows.append(np.array([source]))
        cols.append(np.array([node]))
        data.append(np.array([start_s + stretch * rate[e]]))
    distances = dijkstra(_matrix(rows, cols, data, n + 1), directed=True, indices=source)
    result = np.full(len(targets), np.inf)
    for i, snap in enumerate(targets):
        if snap is None:
            continue
        end_s = _connector(snap.distance_m, speeds, weight)
        best = np.inf
        for position in snap.positions:
            e = position.edge
            if reverse:
                best = min(best, distances[heads[e]] + (length[e] - position.offset_m) * rate[e])
            else:
                best = min(best, distances[tails[e]] + position.offset_m * rate[e])
            for own in start.positions:
                if own.edge == e and (
                    (position.offset_m <= own.offset_m) if reverse else (position.offset_m >= own.offset_m)
                ):
                    best = min(best, start_s + abs(position.offset_m - own.offset_m) * rate[e])
        result[i] = best + end_s
    return result
