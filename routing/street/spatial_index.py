"""A uniform grid over edge segments, stored as arrays, for snapping points to streets.

Coordinates are projected to metres with a local equirectangular projection around the
region's mean latitude (distortion below 0.5 % over 50 km, irrelevant at snapping
distances). Every segment of every edge's geometry is listed in each grid cell its
bounding box touches; the cell lists form a CSR structure that is saved with the region
and memory-mapped like the graph, so workers share it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numba import njit
from numpy.typing import NDArray

EARTH_RADIUS_M = 6_371_008.8
CELL_SIZE_M = 100.0
DENSE_CELLS_PER_ITEM = 8
"""A grid keeps one offset per cell (dense) while it has at most this many cells per listed
segment (plus :data:`DENSE_CELLS_MIN`); an extract of far-apart areas (OSM test data from
two continents) lists its non-empty cells only, or the offsets alone would take gigabytes."""
DENSE_CELLS_MIN = 1 << 20


@dataclass(frozen=True)
class Projection:
    """Local equirectangular projection (metres) around ``lat0``."""

    lat0: float

    def x(self, lon: NDArray[np.float64] | float) -> NDArray[np.float64]:
        """Easting in metres."""
        return np.radians(lon) * EARTH_RADIUS_M * math.cos(math.radians(self.lat0))

    def y(self, lat: NDArray[np.float64] | float) -> NDArray[np.float64]:
        """Northing in metres."""
        return np.radians(lat) * EARTH_RADIUS_M

    def lon(self, x: float) -> float:
        """Longitude of an easting."""
        return math.degrees(x / (EARTH_RADIUS_M * math.cos(math.radians(self.lat0))))

    def lat(self, y: float) -> float:
        """Latitude of a northing."""
        return math.degrees(y / EARTH_RADIUS_M)


@dataclass(frozen=True)
class SegmentGrid:
    """Segments of one profile's edges, bucketed by grid cell.

    ``params`` holds ``[x0, y0, cell_size, nx, ny, lat0]``; segment ``s`` runs from
    ``seg_a[s]`` to ``seg_b[s]`` (node indexes) on edge ``seg_edge[s]``, starting
    ``seg_start_m[s]`` metres after the edge's tail and ``seg_length_m[s]`` long.
    Cell ``c = gy * nx + gx`` lists ``cell_items[cell_offsets[c]:cell_offsets[c + 1]]``
    when ``cell_keys`` is empty (dense); otherwise ``cell_keys`` is the sorted ids of the
    non-empty cells and ``cell_offsets`` is indexed by position in it (sparse).
    """

    params: NDArray[np.float64]
    cell_offsets: NDArray[np.int64]
    cell_items: NDArray[np.int32]
    seg_edge: NDArray[np.int32]
    seg_a: NDArray[np.int32]
    seg_b: NDArray[np.int32]
    seg_start_m: NDArray[np.float32]
    seg_length_m: NDArray[np.float32]
    cell_keys: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def projection(self) -> Projection:
        """The projection the grid was built with."""
        return Projection(float(self.params[5]))


def build_segment_grid(
    lat: NDArray[np.float64],
    lon: NDArray[np.float64],
    geometry_offsets: NDArray[np.int64],
    geometry_nodes: NDArray[np.int32],
    segment_length_m: NDArray[np.float32],
    *,
    snappable: NDArray[np.bool_] | None = None,
    cell_size_m: float = CELL_SIZE_M,
) -> SegmentGrid:
    """Index the geometry segments of every edge (of the ``snappable`` edges only, when given).

    All segments keep their place in the segment arrays (partial edges read their lengths
    from there); only the cell lists leave out segments of edges that are not snappable.
    """
    projection = Projection(float(np.mean(lat)) if lat.size else 0.0)
    x, y = projection.x(lon), projection.y(lat)
    edge_count = geometry_offsets.size - 1
    per_edge = np.diff(geometry_offsets) - 1
    seg_edge = np.repeat(np.arange(edge_count, dtype=np.int32), per_edge)
    # geometry position of each segment's first node (temporaries freed as soon as used:
    # at a million nodes each int64 array over the segments is ~16 MB per profile)
    first = np.arange(seg_edge.size) + np.repeat(geometry_offsets[:-1] - (np.cumsum(per_edge) - per_edge), per_edge)
    seg_a = geometry_nodes[first].astype(np.int32)
    first += 1
    seg_b = geometry_nodes[first].astype(np.int32)
    del first
    cumulative = np.cumsum(segment_length_m, dtype=np.float64) - segment_length_m
    edge_base = np.repeat(cumulative[np.cumsum(per_edge) - per_edge] if edge_count else cumulative[:0], per_edge)
    seg_start = (cumulative - edge_base).astype(np.float32)
    del cumulative, edge_base

    x0, y0 = (float(x.min()) - cell_size_m, float(y.min()) - cell_size_m) if x.size else (0.0, 0.0)
    nx_cells = int((float(x.max()) - x0) // cell_size_m) + 2 if x.size else 1
    ny_cells = int((float(y.max()) - y0) // cell_size_m) + 2 if y.size else 1
    cx0, cx1 = _cell_range(x[seg_a], x[seg_b], x0, cell_size_m)
    cy0, cy1 = _cell_range(y[seg_a], y[seg_b], y0, cell_size_m)
    del x, y
    width = cx1 - cx0 + 1
    spans = width * (cy1 - cy0 + 1)
    del cx1, cy1
    indexed = np.ones(seg_edge.size, dtype=np.bool_) if snappable is None else np.asarray(snappable)[seg_edge]
    spans = np.where(indexed, spans, 0)
    del indexed
    total = int(spans.sum())
    # one (cell, segment) pair per cell a segment's box covers, row by row: written by a
    # kernel, where the same pairs as numpy repeats took about seven int64 arrays of ``total``
    cell_ids, item_ids = _cell_items(cx0, cy0, width, spans, nx_cells, total)
    del cx0, cy0, width, spans
    order = np.argsort(cell_ids, kind="stable")
    cell_count = nx_cells * ny_cells
    if cell_count <= DENSE_CELLS_PER_ITEM * total + DENSE_CELLS_MIN:
        keys = np.zeros(0, dtype=np.int64)
        offsets = np.zeros(cell_count + 1, dtype=np.int64)
        np.cumsum(np.bincount(cell_ids, minlength=cell_count), out=offsets[1:])
    else:
        keys, counts = np.unique(cell_ids[order], return_counts=True)
        offsets = np.zeros(keys.size + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
    return SegmentGrid(
        params=np.array([x0, y0, cell_size_m, nx_cells, ny_cells, projection.lat0], dtype=np.float64),
        cell_offsets=offsets,
        cell_items=item_ids[order],
        seg_edge=seg_edge,
        seg_a=seg_a,
        seg_b=seg_b,
        seg_start_m=seg_start,
        seg_length_m=segment_length_m.astype(np.float32),
        cell_keys=keys.astype(np.int64),
    )


def _cell_range(
    a: NDArray[np.float64], b: NDArray[np.float64], origin: float, cell_size_m: float
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """First and last cell (along one axis) of each segment from ``a`` to ``b``."""
    low = ((np.minimum(a, b) - origin) // cell_size_m).astype(np.int64)
    high = ((np.maximum(a, b) - origin) // cell_size_m).astype(np.int64)
    return low, high


@njit(cache=True)
def _cell_items(
    cx0: NDArray[np.int64],
    cy0: NDArray[np.int64],
    width: NDArray[np.int64],
    spans: NDArray[np.int64],
    nx_cells: int,
    total: int,
) -> tuple[NDArray[np.int64], NDArray[np.int32]]:
    """Cell id and segment of every cell each segment's box covers, segment by segment, row-major within a box."""
    cell_ids = np.empty(total, dtype=np.int64)
    item_ids = np.empty(total, dtype=np.int32)
    k = 0
    for item in range(spans.size):
        for local in range(spans[item]):
            cell_ids[k] = (cy0[item] + local // width[item]) * nx_cells + (cx0[item] + local % width[item])
            item_ids[k] = item
            k += 1
    return cell_ids, item_ids


@dataclass(frozen=True)
class SegmentHit:
    """The nearest point on one segment."""

    segment: int
    distance_m: float
    fraction: float
    x: float
    y: float


def nearest_segments(
    grid: SegmentGrid,
    x_nodes: NDArray[np.float64],
    y_nodes: NDArray[np.float64],
    px: float,
    py: float,
    *,
    max_distance_m: float,
    tolerance_m: float = 0.01,
) -> list[SegmentHit]:
    """Return every segment whose nearest point lies within ``tolerance_m`` of the closest one.

    Both directions of a two-way street are separate edges with the same geometry, so
    a point usually hits two segments at the same distance. Returns an empty list when
    no segment lies within ``max_distance_m``.
    """
    segments, distance, fraction, qx, qy = _nearest(
        grid.params,
        grid.cell_keys,
        grid.cell_offsets,
        grid.cell_items,
        grid.seg_a,
        grid.seg_b,
        x_nodes,
        y_nodes,
        px,
        py,
        max_distance_m,
        tolerance_m,
    )
    return [
        SegmentHit(segment, d, f, x, y)
        for segment, d, f, x, y in zip(
            segments.tolist(), distance.tolist(), fraction.tolist(), qx.tolist(), qy.tolist(), strict=True
        )
    ]


@njit(cache=True)
def _project(px: float, py: float, ax: float, ay: float, bx: float, by: float) -> tuple[float, float, float, float]:
    """Nearest point of segment a-b to p: (distance, fraction along a-b, x, y)."""
    dx, dy = bx - ax, by - ay
    squared = dx * dx + dy * dy
    t = ((px - ax) * dx + (py - ay) * dy) / squared if squared > 0 else 0.0
    t = min(max(t, 0.0), 1.0)
    qx, qy = ax + t * dx, ay + t * dy
    return math.hypot(px - qx, py - qy), t, qx, qy


@njit(cache=True)
def _nearest(
    params: NDArray[np.float64],
    cell_keys: NDArray[np.int64],
    cell_offsets: NDArray[np.int64],
    cell_items: NDArray[np.int32],
    seg_a: NDArray[np.int32],
    seg_b: NDArray[np.int32],
    x_nodes: NDArray[np.float64],
    y_nodes: NDArray[np.float64],
    px: float,
    py: float,
    max_distance_m: float,
    tolerance_m: float,
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Search growing squares of cells around p until the nearest segment is certainly inside.

    A segment outside the square of ``ring`` cells around p's cell lies more than
    ``ring * cell`` away, so the search stops once the best distance is within that.
    """
    x0, y0, cell = params[0], params[1], params[2]
    nx_cells, ny_cells = int(params[3]), int(params[4])
    cx, cy = int((px - x0) // cell), int((py - y0) // cell)
    max_ring = math.ceil(max_distance_m / cell)
    ring = 1
    while True:
        # Every segment in the square (a segment spanning several cells is met more than once).
        segments = [np.int64(0) for _ in range(0)]
        hits = [(0.0, 0.0, 0.0, 0.0) for _ in range(0)]  # distance, fraction, x, y
        best = math.inf
        for gy in range(max(cy - ring, 0), min(cy + ring, ny_cells - 1) + 1):
            for gx in range(max(cx - ring, 0), min(cx + ring, nx_cells - 1) + 1):
                c = gy * nx_cells + gx
                if cell_keys.size:  # sparse: find the cell among the non-empty ones
                    k = np.searchsorted(cell_keys, c)
                    if k == cell_keys.size or cell_keys[k] != c:
                        continue
                    c = int(k)
                for j in range(cell_offsets[c], cell_offsets[c + 1]):
                    seg = cell_items[j]
                    hit = _project(
                        px, py, x_nodes[seg_a[seg]], y_nodes[seg_a[seg]], x_nodes[seg_b[seg]], y_nodes[seg_b[seg]]
                    )
                    segments.append(np.int64(seg))
                    hits.append(hit)
                    best = min(best, hit[0])
        if best <= ring * cell or ring >= max_ring:
            break
        ring = min(max_ring, max(ring * 2, ring + 1))
    if best > max_distance_m:
        empty = np.zeros(0, dtype=np.float64)
        return np.zeros(0, dtype=np.int64), empty, empty, empty, empty
    close = [i for i in range(len(hits)) if hits[i][0] <= best + tolerance_m and segments[i] not in segments[:i]]
    found = np.empty(len(close), dtype=np.int64)
    values = np.empty((len(close), 4))
    for row, i in enumerate(close):
        found[row] = segments[i]
        values[row, 0], values[row, 1], values[row, 2], values[row, 3] = hits[i]
    order = np.argsort(found)  # by segment id, so ties resolve the same way every time
    return found[order], values[order, 0], values[order, 1], values[order, 2], values[order, 3]
