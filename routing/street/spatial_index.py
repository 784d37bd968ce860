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
    seg_edge, seg_a, seg_b, seg_start = _segments(
        np.ascontiguousarray(geometry_offsets, dtype=np.int64),
        np.ascontiguousarray(geometry_nodes, dtype=np.int32),
        np.ascontiguousarray(segment_length_m, dtype=np.float32),
    )
    x0, y0 = (float(x.min()) - cell_size_m, float(y.min()) - cell_size_m) if x.size else (0.0, 0.0)
    nx_cells = int((float(x.max()) - x0) // cell_size_m) + 2 if x.size else 1
    ny_cells = int((float(y.max()) - y0) // cell_size_m) + 2 if y.size else 1
    indexed = np.ones(edge_count, dtype=np.bool_) if snappable is None else np.ascontiguousarray(snappable)
    box = (x, y, seg_a, seg_b, seg_edge, indexed, x0, y0, cell_size_m, nx_cells)
    total = _pair_count(*box)
    cell_count = nx_cells * ny_cells
    if cell_count <= DENSE_CELLS_PER_ITEM * total + DENSE_CELLS_MIN:
        # one (cell, segment) pair per cell a segment's box covers, counted then placed cell
        # by cell in segment order (the order of a stable sort by cell), never listed whole
        keys = np.zeros(0, dtype=np.int64)
        offsets, items = _dense_cells(*box, cell_count, total)
    else:
        cell_ids, item_ids = _cell_pairs(*box, total)
        order = np.argsort(cell_ids, kind="stable")
        keys, counts = np.unique(cell_ids[order], return_counts=True)
        del cell_ids
        offsets = np.zeros(keys.size + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        items = item_ids[order]
        del item_ids, order
    return SegmentGrid(
        params=np.array([x0, y0, cell_size_m, nx_cells, ny_cells, projection.lat0], dtype=np.float64),
        cell_offsets=offsets,
        cell_items=items,
        seg_edge=seg_edge,
        seg_a=seg_a,
        seg_b=seg_b,
        seg_start_m=seg_start,
        seg_length_m=segment_length_m.astype(np.float32),
        cell_keys=keys.astype(np.int64),
    )


@njit(cache=True)
def _segments(
    geometry_offsets: NDArray[np.int64], geometry_nodes: NDArray[np.int32], segment_length_m: NDArray[np.float32]
) -> tuple[NDArray[np.int32], NDArray[np.int32], NDArray[np.int32], NDArray[np.float32]]:
    """Edge, first and second node, and start along its edge (metres) of every geometry segment.

    The start is the running float64 sum of all segment lengths before it, less that sum at
    its edge's first segment (the float64 cumulative sum, then the difference, as float32).
    """
    edge_count = geometry_offsets.size - 1
    segment_count = geometry_offsets[edge_count] - edge_count if edge_count else 0
    seg_edge = np.empty(segment_count, dtype=np.int32)
    seg_a = np.empty(segment_count, dtype=np.int32)
    seg_b = np.empty(segment_count, dtype=np.int32)
    seg_start = np.empty(segment_count, dtype=np.float32)
    running = 0.0
    s = 0
    for edge in range(edge_count):
        base = 0.0
        for k in range(geometry_offsets[edge], geometry_offsets[edge + 1] - 1):
            length = np.float64(segment_length_m[s])
            running += length
            cumulative = running - length
            if k == geometry_offsets[edge]:
                base = cumulative
            seg_edge[s] = edge
            seg_a[s] = geometry_nodes[k]
            seg_b[s] = geometry_nodes[k + 1]
            seg_start[s] = np.float32(cumulative - base)
            s += 1
    return seg_edge, seg_a, seg_b, seg_start


@njit(cache=True)
def _box(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    a: int,
    b: int,
    x0: float,
    y0: float,
    cell_size_m: float,
) -> tuple[int, int, int, int]:
    """First cell column and row, and the width and height in cells, of the box of segment a-b."""
    cx0 = int((min(x[a], x[b]) - x0) // cell_size_m)
    cx1 = int((max(x[a], x[b]) - x0) // cell_size_m)
    cy0 = int((min(y[a], y[b]) - y0) // cell_size_m)
    cy1 = int((max(y[a], y[b]) - y0) // cell_size_m)
    return cx0, cy0, cx1 - cx0 + 1, cy1 - cy0 + 1


@njit(cache=True)
def _pair_count(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    seg_a: NDArray[np.int32],
    seg_b: NDArray[np.int32],
    seg_edge: NDArray[np.int32],
    indexed: NDArray[np.bool_],
    x0: float,
    y0: float,
    cell_size_m: float,
    nx_cells: int,
) -> int:
    """How many (cell, segment) pairs the indexed segments' boxes cover."""
    total = 0
    for s in range(seg_a.size):
        if indexed[seg_edge[s]]:
            _, _, width, height = _box(x, y, seg_a[s], seg_b[s], x0, y0, cell_size_m)
            total += width * height
    return total


@njit(cache=True)
def _dense_cells(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    seg_a: NDArray[np.int32],
    seg_b: NDArray[np.int32],
    seg_edge: NDArray[np.int32],
    indexed: NDArray[np.bool_],
    x0: float,
    y0: float,
    cell_size_m: float,
    nx_cells: int,
    cell_count: int,
    total: int,
) -> tuple[NDArray[np.int64], NDArray[np.int32]]:
    """Cell offsets and the segments of each cell, in segment order within a cell (row-major within a box)."""
    offsets = np.zeros(cell_count + 1, dtype=np.int64)
    for s in range(seg_a.size):
        if indexed[seg_edge[s]]:
            cx0, cy0, width, height = _box(x, y, seg_a[s], seg_b[s], x0, y0, cell_size_m)
            for gy in range(cy0, cy0 + height):
                for gx in range(cx0, cx0 + width):
                    offsets[gy * nx_cells + gx + 1] += 1
    for c in range(cell_count):
        offsets[c + 1] += offsets[c]
    fill = offsets[:-1].copy()
    items = np.empty(total, dtype=np.int32)
    for s in range(seg_a.size):
        if indexed[seg_edge[s]]:
            cx0, cy0, width, height = _box(x, y, seg_a[s], seg_b[s], x0, y0, cell_size_m)
            for gy in range(cy0, cy0 + height):
                for gx in range(cx0, cx0 + width):
                    c = gy * nx_cells + gx
                    items[fill[c]] = s
                    fill[c] += 1
    return offsets, items


@njit(cache=True)
def _cell_pairs(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    seg_a: NDArray[np.int32],
    seg_b: NDArray[np.int32],
    seg_edge: NDArray[np.int32],
    indexed: NDArray[np.bool_],
    x0: float,
    y0: float,
    cell_size_m: float,
    nx_cells: int,
    total: int,
) -> tuple[NDArray[np.int64], NDArray[np.int32]]:
    """Cell id and segment of every cell each indexed segment's box covers, segment by segment, row-major."""
    cell_ids = np.empty(total, dtype=np.int64)
    item_ids = np.empty(total, dtype=np.int32)
    k = 0
    for s in range(seg_a.size):
        if indexed[seg_edge[s]]:
            cx0, cy0, width, height = _box(x, y, seg_a[s], seg_b[s], x0, y0, cell_size_m)
            for gy in range(cy0, cy0 + height):
                for gx in range(cx0, cx0 + width):
                    cell_ids[k] = np.int64(gy) * nx_cells + gx
                    item_ids[k] = s
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
