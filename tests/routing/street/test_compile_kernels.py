"""The street compile's numba kernels give exactly what the numpy/Python code they replaced gave.

The references below are that code (chain merging with a dict per node and Python lists,
the segment grid from numpy repeats and a stable argsort), kept here as the independent
check; random small graphs cover chains, rings, parallel edges, loops, one-way pieces and
changes of name, speed class or cost factor along a way, and grids both dense and sparse.
"""

from __future__ import annotations

from dataclasses import fields
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from routing.errors import InputDataError
from routing.street import spatial_index
from routing.street.chains import DirectedEdges, MergedEdges, merge_chains
from routing.street.compile import EdgeTable, compile_edge_table, write_landmarks
from routing.street.landmarks import LANDMARK_COUNT, compute_landmarks
from routing.street.osm_stream import streets_from_osm_file
from routing.street.spatial_index import Projection, SegmentGrid, build_segment_grid
from tests.routing.street.osm_samples import TRICKY_OSM


def _reference_merge(edges: DirectedEdges, node_count: int) -> MergedEdges:
    """Chain merging as ``routing/street/chains.py`` did it before its kernels."""
    keys = np.stack(
        [
            edges.name_index.astype(np.int64),
            edges.speed_class.astype(np.int64),
            edges.cost_factor.view(np.int32).astype(np.int64),
        ],
        axis=1,
    )
    attribute = np.unique(keys, axis=0, return_inverse=True)[1].reshape(-1)
    tail, head, length = edges.tail.astype(np.int64), edges.head.astype(np.int64), edges.length_m
    out_count = np.bincount(tail, minlength=node_count)
    in_count = np.bincount(head, minlength=node_count)
    out_start = np.concatenate([[0], np.cumsum(out_count)])
    in_start = np.concatenate([[0], np.cumsum(in_count)])
    out_order = np.argsort(tail, kind="stable")
    in_order = np.argsort(head, kind="stable")
    interior = np.zeros(node_count, dtype=np.bool_)
    for v in np.flatnonzero(((out_count == 1) & (in_count == 1)) | ((out_count == 2) & (in_count == 2))).tolist():
        outs = out_order[out_start[v] : out_start[v + 1]].tolist()
        ins = in_order[in_start[v] : in_start[v + 1]].tolist()
        out_to = {int(head[e]): e for e in outs}
        in_from = {int(tail[e]): e for e in ins}
        if len(out_to) != len(outs) or len(in_from) != len(ins) or v in out_to or v in in_from:
            continue
        if len(outs) == 1:
            (b, e_out), (a, e_in) = next(iter(out_to.items())), next(iter(in_from.items()))
            interior[v] = a != b and attribute[e_in] == attribute[e_out]
            continue
        if set(out_to) != set(in_from):
            continue
        a, b = sorted(out_to)
        interior[v] = attribute[in_from[a]] == attribute[out_to[b]] and attribute[in_from[b]] == attribute[out_to[a]]
    used = np.zeros(tail.size, dtype=np.bool_)
    merged: list[tuple[int, int, float, int]] = []
    geometry: list[int] = []
    offsets = [0]
    segment_lengths: list[float] = []

    def follow(e: int) -> None:
        start = previous = int(tail[e])
        nodes, total, first = [start], 0.0, e
        while True:
            used[e] = True
            total += float(length[e])
            segment_lengths.append(float(length[e]))
            current = int(head[e])
            nodes.append(current)
            if not interior[current] or current == start:
                break
            following = -1
            for candidate in out_order[out_start[current] : out_start[current + 1]].tolist():
                if int(head[candidate]) != previous or out_start[current + 1] - out_start[current] == 1:
                    following = candidate
                    break
            if following < 0 or used[following]:
                break
            previous, e = current, following
        merged.append((start, nodes[-1], total, first))
        geometry.extend(nodes)
        offsets.append(len(geometry))

    for v in np.flatnonzero(~interior).tolist():
        for e in out_order[out_start[v] : out_start[v + 1]].tolist():
            if not used[e]:
                follow(e)
    for e in np.flatnonzero(~used).tolist():
        if not used[e]:
            follow(e)
    first = np.array([m[3] for m in merged], dtype=np.int64)
    return MergedEdges(
        tail=np.array([m[0] for m in merged], dtype=np.int32),
        head=np.array([m[1] for m in merged], dtype=np.int32),
        length_m=np.array([m[2] for m in merged], dtype=np.float64),
        cost_factor=edges.cost_factor[first],
        speed_class=edges.speed_class[first],
        name_index=edges.name_index[first],
        geometry_offsets=np.array(offsets, dtype=np.int64),
        geometry_nodes=np.array(geometry, dtype=np.int32),
        segment_length_m=np.array(segment_lengths, dtype=np.float64).astype(np.float32),
    )


def _random_streets(seed: int) -> tuple[DirectedEdges, int]:
    """Ways as random walks over a small node set, both directions or one, with a few attribute changes."""
    rng = np.random.default_rng(seed)
    node_count = int(rng.integers(5, 60))
    pairs: list[tuple[int, int, int, int, float]] = []  # tail, head, name, class, factor
    for _ in range(int(rng.integers(1, 25))):
        way = [int(rng.integers(node_count))]
        for _ in range(int(rng.integers(1, 12))):
            way.append(int(rng.integers(node_count)) if rng.random() < 0.3 else (way[-1] + 1) % node_count)
        name, speed, factor = int(rng.integers(3)), int(rng.integers(2)), float(rng.choice([1.0, 1.5]))
        two_way = rng.random() < 0.7
        for a, b in pairwise(way):
            if rng.random() < 0.1:
                name = int(rng.integers(3))
            pairs.append((a, b, name, speed, factor))
            if two_way:
                pairs.append((b, a, name, speed, factor))
    table = np.array(pairs, dtype=np.float64)
    edges = DirectedEdges(
        tail=table[:, 0].astype(np.int32),
        head=table[:, 1].astype(np.int32),
        length_m=rng.random(len(pairs)) * 100,
        cost_factor=table[:, 4].astype(np.float32),
        speed_class=table[:, 3].astype(np.uint8),
        name_index=table[:, 2].astype(np.int32),
    )
    return edges, node_count


@pytest.mark.parametrize("seed", range(60))
def test_chain_merging_equals_the_python_reference(seed: int) -> None:
    edges, node_count = _random_streets(seed)
    merged, expected = merge_chains(edges, node_count), _reference_merge(edges, node_count)
    for field in fields(MergedEdges):
        got, want = getattr(merged, field.name), getattr(expected, field.name)
        assert got.dtype == want.dtype, field.name
        assert np.array_equal(got, want), field.name


def test_node_indexes_beyond_int32_are_an_input_error() -> None:
    edges, node_count = _random_streets(1)
    huge = DirectedEdges(**{**edges.__dict__, "tail": edges.tail.astype(np.int64) + (1 << 31)})
    with pytest.raises(InputDataError, match="int32"):
        merge_chains(huge, node_count)


def _reference_grid(
    lat: NDArray[np.float64],
    lon: NDArray[np.float64],
    geometry_offsets: NDArray[np.int64],
    geometry_nodes: NDArray[np.int32],
    segment_length_m: NDArray[np.float32],
    snappable: NDArray[np.bool_],
    *,
    sparse: bool,
    cell_size_m: float = spatial_index.CELL_SIZE_M,
) -> SegmentGrid:
    """The segment grid as ``build_segment_grid`` made it from numpy repeats before its kernels."""
    projection = Projection(float(np.mean(lat)))
    x, y = projection.x(lon), projection.y(lat)
    edge_count = geometry_offsets.size - 1
    per_edge = np.diff(geometry_offsets) - 1
    seg_edge = np.repeat(np.arange(edge_count, dtype=np.int32), per_edge)
    first = np.arange(seg_edge.size) + np.repeat(geometry_offsets[:-1] - (np.cumsum(per_edge) - per_edge), per_edge)
    seg_a, seg_b = geometry_nodes[first].astype(np.int32), geometry_nodes[first + 1].astype(np.int32)
    cumulative = np.cumsum(segment_length_m, dtype=np.float64) - segment_length_m
    seg_start = (cumulative - np.repeat(cumulative[np.cumsum(per_edge) - per_edge], per_edge)).astype(np.float32)
    x0, y0 = float(x.min()) - cell_size_m, float(y.min()) - cell_size_m
    nx_cells = int((float(x.max()) - x0) // cell_size_m) + 2
    ny_cells = int((float(y.max()) - y0) // cell_size_m) + 2
    ax, bx, ay, by = x[seg_a], x[seg_b], y[seg_a], y[seg_b]
    cx0 = ((np.minimum(ax, bx) - x0) // cell_size_m).astype(np.int64)
    cx1 = ((np.maximum(ax, bx) - x0) // cell_size_m).astype(np.int64)
    cy0 = ((np.minimum(ay, by) - y0) // cell_size_m).astype(np.int64)
    cy1 = ((np.maximum(ay, by) - y0) // cell_size_m).astype(np.int64)
    cells, items = [], []
    for s in np.flatnonzero(snappable[seg_edge]).tolist():
        for gy in range(int(cy0[s]), int(cy1[s]) + 1):
            for gx in range(int(cx0[s]), int(cx1[s]) + 1):
                cells.append(gy * nx_cells + gx)
                items.append(s)
    cell_ids, item_ids = np.array(cells, dtype=np.int64), np.array(items, dtype=np.int32)
    order = np.argsort(cell_ids, kind="stable")
    if sparse:
        keys, counts = np.unique(cell_ids[order], return_counts=True)
    else:
        keys, counts = np.zeros(0, dtype=np.int64), np.bincount(cell_ids, minlength=nx_cells * ny_cells)
    return SegmentGrid(
        params=np.array([x0, y0, cell_size_m, nx_cells, ny_cells, projection.lat0], dtype=np.float64),
        cell_offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        cell_items=item_ids[order],
        seg_edge=seg_edge,
        seg_a=seg_a,
        seg_b=seg_b,
        seg_start_m=seg_start,
        seg_length_m=segment_length_m.astype(np.float32),
        cell_keys=keys.astype(np.int64),
    )


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("seed", range(10))
def test_segment_grid_equals_the_numpy_reference(seed: int, sparse: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(seed)
    node_count = 80
    lat, lon = 51.3 + rng.random(node_count) * 0.03, 9.45 + rng.random(node_count) * 0.05
    counts = rng.integers(2, 7, int(rng.integers(5, 40)))
    geometry_offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    geometry_nodes = rng.integers(0, node_count, int(geometry_offsets[-1])).astype(np.int32)
    lengths = (rng.random(int(geometry_offsets[-1]) - counts.size) * 300).astype(np.float32)
    snappable = rng.random(counts.size) < 0.8
    if sparse:  # the non-empty cells only, as for an extract of far-apart areas
        monkeypatch.setattr(spatial_index, "DENSE_CELLS_PER_ITEM", 0)
        monkeypatch.setattr(spatial_index, "DENSE_CELLS_MIN", 0)
    grid = build_segment_grid(lat, lon, geometry_offsets, geometry_nodes, lengths, snappable=snappable)
    expected = _reference_grid(lat, lon, geometry_offsets, geometry_nodes, lengths, snappable, sparse=sparse)
    assert bool(grid.cell_keys.size) is sparse
    for field in fields(SegmentGrid):
        got, want = getattr(grid, field.name), getattr(expected, field.name)
        assert got.dtype == want.dtype, field.name
        assert np.array_equal(got, want), field.name


def _tricky_edges(folder: Path) -> EdgeTable:
    osm = folder / "tricky.osm"
    osm.write_text(TRICKY_OSM, encoding="utf-8")
    return streets_from_osm_file(osm).edges


def test_edge_table_keeps_int32_node_indexes_and_int16_rule_ids(tmp_path: Path) -> None:
    table = _tricky_edges(tmp_path)
    assert table.tail.dtype == table.head.dtype == np.int32
    assert table.rule_ids.dtype == np.int16


def test_landmarks_written_into_their_files_equal_those_computed_in_memory(tmp_path: Path) -> None:
    network = compile_edge_table(_tricky_edges(tmp_path))
    for name, graph in network.profiles.items():
        assert graph.landmarks is not None
        folder = tmp_path / name
        folder.mkdir()
        write_landmarks(graph, folder)
        forward, backward = np.load(folder / "landmarks.forward.npy"), np.load(folder / "landmarks.backward.npy")
        assert forward.dtype == backward.dtype == np.float32
        assert np.array_equal(forward, graph.landmarks.forward), name
        assert np.array_equal(backward, graph.landmarks.backward), name


def test_landmark_output_arrays_of_another_shape_are_refused(tmp_path: Path) -> None:
    graph = next(iter(compile_edge_table(_tricky_edges(tmp_path)).profiles.values()))
    wrong = np.empty((graph.offsets.shape[0], LANDMARK_COUNT), dtype=np.float32)  # one row too many
    with pytest.raises(ValueError, match="landmark output arrays"):
        compute_landmarks(graph.csr(), graph.reversed_csr(), out=(wrong, wrong))
