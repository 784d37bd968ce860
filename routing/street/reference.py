"""An independent reference for street routes: scipy's Dijkstra on the same compiled graph.

Used by the exactness tests and the benchmark; slow but simple. The point-to-point query
is modelled with two virtual nodes: one joined to the origin's edge ends at the cost of
the partial edges, one reached from the destination's edge starts the same way.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from routing.street.router import Snap, StreetRouter, TravelSpeeds

ZERO_WEIGHT = 1e-9
"""scipy drops zero entries; edges of zero cost carry this instead (far below tolerance)."""


def reference_cost(router: StreetRouter, origin: Snap, destination: Snap, speeds: TravelSpeeds) -> float:
    """Cost of the cheapest route by scipy's Dijkstra (inf when unreachable)."""
    graph = router.graph
    speed_array = speeds.as_array()
    n = router.network.node_count
    source, target = n, n + 1
    weights = (
        np.asarray(graph.length_m, dtype=np.float64)
        * np.asarray(graph.cost_factor)
        / speed_array[np.asarray(graph.speed_class)]
    )
    rows = [np.asarray(graph.tails(), dtype=np.int64)]
    cols = [np.asarray(graph.targets, dtype=np.int64)]
    data = [weights]
    tails = graph.tails()
    for position in origin.positions:
        rate = float(graph.cost_factor[position.edge]) / speed_array[int(graph.speed_class[position.edge])]
        rows.append(np.array([source]))
        cols.append(np.array([int(graph.targets[position.edge])]))
        data.append(np.array([(float(graph.length_m[position.edge]) - position.offset_m) * rate]))
        for end in destination.positions:
            if end.edge == position.edge and position.offset_m <= end.offset_m:
                rows.append(np.array([source]))
                cols.append(np.array([target]))
                data.append(np.array([(end.offset_m - position.offset_m) * rate]))
    for position in destination.positions:
        rate = float(graph.cost_factor[position.edge]) / speed_array[int(graph.speed_class[position.edge])]
        rows.append(np.array([int(tails[position.edge])]))
        cols.append(np.array([target]))
        data.append(np.array([position.offset_m * rate]))
    row, col, value = np.concatenate(rows), np.concatenate(cols), np.concatenate(data)
    value = np.maximum(value, ZERO_WEIGHT)
    # Keep the cheapest of parallel edges (csr_matrix would add them up).
    order = np.lexsort((value, col, row))
    row, col, value = row[order], col[order], value[order]
    first = np.ones(row.size, dtype=bool)
    first[1:] = (row[1:] != row[:-1]) | (col[1:] != col[:-1])
    matrix = csr_matrix((value[first], (row[first], col[first])), shape=(n + 2, n + 2))
    distances = dijkstra(matrix, directed=True, indices=source)
    return float(distances[target])
