"""The segment grid finds the nearest segment as shapely does, dense or sparse.

A sparse grid (non-empty cells only) is what an extract of far-apart areas gets: the
OSM API test data spans Alabama and Liechtenstein, whose dense offsets would need 11 GB.
"""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import LineString, Point

from routing.street.spatial_index import build_segment_grid, nearest_segments

FAR = ((32.36, -86.88), (47.16, 9.52))  # Alabama and Liechtenstein, as in the OSM API test data
NEAR = ((47.10, 9.50), (47.16, 9.52))  # two villages 7 km apart


def _two_towns(towns: tuple[tuple[float, float], ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Random two-node edges in two towns."""
    rng = np.random.default_rng(7)
    (lat_a, lon_a), (lat_b, lon_b) = towns
    lat = np.concatenate([lat_a + rng.random(300) * 0.02, lat_b + rng.random(300) * 0.02])
    lon = np.concatenate([lon_a + rng.random(300) * 0.02, lon_b + rng.random(300) * 0.02])
    pairs = np.concatenate([rng.integers(0, 300, (200, 2)), rng.integers(300, 600, (200, 2))])
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    geometry_nodes = pairs.ravel().astype(np.int32)
    geometry_offsets = np.arange(0, geometry_nodes.size + 1, 2, dtype=np.int64)
    return lat, lon, geometry_offsets, geometry_nodes


@pytest.mark.parametrize(("towns", "sparse"), [(NEAR, False), (FAR, True)])
def test_nearest_segment_equals_shapely(towns: tuple[tuple[float, float], ...], sparse: bool) -> None:
    lat, lon, offsets, nodes = _two_towns(towns)
    lengths = np.ones(offsets.size - 1, dtype=np.float32)
    grid = build_segment_grid(lat, lon, offsets, nodes, lengths)
    assert bool(grid.cell_keys.size) is sparse
    if sparse:
        assert grid.cell_offsets.size == grid.cell_keys.size + 1 < 100_000
    projection = grid.projection
    x, y = projection.x(lon), projection.y(lat)
    lines = [LineString([(x[a], y[a]), (x[b], y[b])]) for a, b in zip(grid.seg_a, grid.seg_b, strict=True)]
    rng = np.random.default_rng(11)
    for town in range(2):
        for _ in range(40):
            plat = towns[town][0] + rng.random() * 0.02
            plon = towns[town][1] + rng.random() * 0.02
            px, py = float(projection.x(plon)), float(projection.y(plat))
            hits = nearest_segments(grid, x, y, px, py, max_distance_m=500.0)
            expected = min(line.distance(Point(px, py)) for line in lines)
            if expected > 500.0:
                assert hits == []
                continue
            assert hits and hits[0].distance_m == pytest.approx(expected, abs=1e-6)
            assert lines[hits[0].segment].distance(Point(px, py)) == pytest.approx(expected, abs=1e-6)
    # far from both towns nothing is near
    assert nearest_segments(grid, x, y, float(projection.x(-40.0)), float(projection.y(40.0)), max_distance_m=500) == []
