"""Merge chains of shape nodes into single edges that keep their geometry.

An OSM way is a polyline: most of its nodes only bend the line. Routing over every such
node wastes time, so a node is *interior* for a profile when it joins exactly two
neighbours, the edges on both sides allow the same directions and carry the same street
name, speed class and cost factor. Chains of interior nodes become one edge whose
geometry (the original node indexes) is kept in a side table, so lengths, shapes, street
names and costs are exactly those of the unmerged graph: only the number of vertices
the search touches shrinks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit
from numpy.typing import NDArray

from routing.errors import InputDataError


@dataclass(frozen=True)
class DirectedEdges:
    """Directed edges of one profile before merging (one per OSM segment and direction)."""

    tail: NDArray[np.int32]
    head: NDArray[np.int32]
    length_m: NDArray[np.float64]
    cost_factor: NDArray[np.float32]
    speed_class: NDArray[np.uint8]
    name_index: NDArray[np.int32]


@dataclass(frozen=True)
class MergedEdges:
    """Merged edges with their geometry as original node indexes (tail ... head)."""

    tail: NDArray[np.int32]
    head: NDArray[np.int32]
    length_m: NDArray[np.float64]
    cost_factor: NDArray[np.float32]
    speed_class: NDArray[np.uint8]
    name_index: NDArray[np.int32]
    geometry_offsets: NDArray[np.int64]
    geometry_nodes: NDArray[np.int32]
    segment_length_m: NDArray[np.float32]
    """Length of each geometry segment: ``segment_length_m[geometry_offsets[e] - e + k]``."""


def _attribute_bits(edges: DirectedEdges) -> NDArray[np.int32]:
    """The cost factors' bits: two edges keep one attribute when name, speed class and these are equal."""
    bits: NDArray[np.int32] = np.ascontiguousarray(edges.cost_factor, dtype=np.float32).view(np.int32)
    return bits


@njit(cache=True)
def _same_attribute(
    name_index: NDArray[np.int32], speed_class: NDArray[np.uint8], factor_bits: NDArray[np.int32], a: int, b: int
) -> bool:
    return bool(
        name_index[a] == name_index[b] and speed_class[a] == speed_class[b] and factor_bits[a] == factor_bits[b]
    )


@njit(cache=True)
def _interior_kernel(
    tail: NDArray[np.int32],
    head: NDArray[np.int32],
    name_index: NDArray[np.int32],
    speed_class: NDArray[np.uint8],
    factor_bits: NDArray[np.int32],
    out_order: NDArray[np.int32],
    out_start: NDArray[np.int64],
    in_order: NDArray[np.int32],
    in_start: NDArray[np.int64],
) -> NDArray[np.bool_]:
    """Nodes with one edge in and out, or two of each to and from the same two other nodes, of one attribute."""
    node_count = out_start.size - 1
    interior = np.zeros(node_count, dtype=np.bool_)
    for v in range(node_count):
        outs, ins = out_start[v + 1] - out_start[v], in_start[v + 1] - in_start[v]
        if not ((outs == 1 and ins == 1) or (outs == 2 and ins == 2)):
            continue
        o0, i0 = out_order[out_start[v]], in_order[in_start[v]]
        b0, a0 = head[o0], tail[i0]
        if b0 == v or a0 == v:
            continue  # a loop
        if outs == 1:
            interior[v] = a0 != b0 and _same_attribute(name_index, speed_class, factor_bits, i0, o0)
            continue
        o1, i1 = out_order[out_start[v] + 1], in_order[in_start[v] + 1]
        b1, a1 = head[o1], tail[i1]
        if b1 == v or a1 == v or b0 == b1 or a0 == a1:
            continue  # a loop or parallel edges
        if not ((a0 == b0 and a1 == b1) or (a0 == b1 and a1 == b0)):
            continue  # not the same two neighbours in and out
        # a, b = the two neighbours in ascending order; in from a continues out to b and the other way
        out_a, out_b = (o0, o1) if b0 < b1 else (o1, o0)
        in_a, in_b = (i0, i1) if a0 < a1 else (i1, i0)
        interior[v] = _same_attribute(name_index, speed_class, factor_bits, in_a, out_b) and _same_attribute(
            name_index, speed_class, factor_bits, in_b, out_a
        )
    return interior


@njit(cache=True)
def _grouped(keys: NDArray[np.int32], node_count: int) -> tuple[NDArray[np.int32], NDArray[np.int64]]:
    """Edges grouped by node, in edge order within a node (a stable argsort by ``keys``), and group starts."""
    start = np.zeros(node_count + 1, dtype=np.int64)
    for key in keys:
        start[key + 1] += 1
    for v in range(node_count):
        start[v + 1] += start[v]
    fill = start[:-1].copy()
    order = np.empty(keys.size, dtype=np.int32)
    for e in range(keys.size):
        order[fill[keys[e]]] = e
        fill[keys[e]] += 1
    return order, start


def _interior_nodes(
    edges: DirectedEdges,
    tail: NDArray[np.int32],
    head: NDArray[np.int32],
    out_order: NDArray[np.int32],
    out_start: NDArray[np.int64],
) -> NDArray[np.bool_]:
    """Return the nodes that can be merged away."""
    in_order, in_start = _grouped(head, out_start.size - 1)
    return _interior_kernel(
        tail,
        head,
        np.ascontiguousarray(edges.name_index, dtype=np.int32),
        np.ascontiguousarray(edges.speed_class, dtype=np.uint8),
        _attribute_bits(edges),
        out_order,
        out_start,
        in_order,
        in_start,
    )


def _node_column(column: NDArray[np.integer]) -> NDArray[np.int32]:
    """A tail or head column as int32 (node indexes of a region fit; raise when they would not)."""
    if column.size and int(column.max()) > np.iinfo(np.int32).max:
        count = int(column.max()) + 1
        raise InputDataError("osm", f"{count:,} street nodes do not fit the region's int32 node indexes")
    return np.ascontiguousarray(column, dtype=np.int32)


@njit(cache=True)
def _merge_kernel(
    tail: NDArray[np.int32],
    head: NDArray[np.int32],
    length: NDArray[np.float64],
    interior: NDArray[np.bool_],
    order: NDArray[np.int32],
    out_start: NDArray[np.int64],
    merged_count: int,
) -> tuple[
    NDArray[np.int32],
    NDArray[np.int32],
    NDArray[np.float64],
    NDArray[np.int64],
    NDArray[np.int32],
    NDArray[np.int64],
    NDArray[np.float32],
    int,
]:
    """Follow every chain from each non-interior node's edges in order, then the rings left.

    With ``merged_count < 0`` the chains are only counted (the last value returned, the
    arrays empty); with the count, the merged edges are written into arrays of their exact size.
    """
    edge_count = tail.size
    fill = merged_count >= 0
    size = merged_count if fill else 0
    used = np.zeros(edge_count, dtype=np.bool_)
    merged_tail = np.empty(size, dtype=np.int32)
    merged_head = np.empty(size, dtype=np.int32)
    merged_length = np.empty(size, dtype=np.float64)
    first_edge = np.empty(size, dtype=np.int64)
    geometry = np.empty(edge_count + size if fill else 0, dtype=np.int32)  # each chain: its segments + 1 nodes
    geometry_offsets = np.zeros(size + 1, dtype=np.int64)
    segment_lengths = np.empty(edge_count if fill else 0, dtype=np.float32)  # every edge is in one chain
    merged = 0
    nodes = 0
    segments = 0
    node_count = out_start.size - 1
    for sweep in range(2):
        for item in range(node_count if sweep == 0 else edge_count):
            if sweep == 0:
                if interior[item]:
                    continue
                low, high = out_start[item], out_start[item + 1]
            else:
                low, high = item, item + 1
            for position in range(low, high):
                e = np.int64(order[position]) if sweep == 0 else np.int64(position)
                if used[e]:
                    continue
                start = tail[e]
                if fill:
                    geometry[nodes] = start
                nodes += 1
                total = 0.0
                first = e
                previous = start
                current = start
                while True:
                    used[e] = True
                    if fill:
                        total += length[e]
                        segment_lengths[segments] = np.float32(length[e])
                    segments += 1
                    current = head[e]
                    if fill:
                        geometry[nodes] = current
                    nodes += 1
                    if not interior[current] or current == start:
                        break
                    following = np.int64(-1)
                    single = out_start[current + 1] - out_start[current] == 1
                    for candidate_position in range(out_start[current], out_start[current + 1]):
                        candidate = np.int64(order[candidate_position])
                        if head[candidate] != previous or single:
                            following = candidate
                            break
                    if following < 0 or used[following]:
                        break
                    previous, e = current, following
                if fill:
                    merged_tail[merged] = start
                    merged_head[merged] = current
                    merged_length[merged] = total
                    first_edge[merged] = first
                    geometry_offsets[merged + 1] = nodes
                merged += 1
    return merged_tail, merged_head, merged_length, first_edge, geometry, geometry_offsets, segment_lengths, merged


def merge_chains(edges: DirectedEdges, node_count: int) -> MergedEdges:
    """Merge every chain of interior nodes into one edge with geometry."""
    tail, head = _node_column(edges.tail), _node_column(edges.head)
    order, out_start = _grouped(tail, node_count)
    interior = _interior_nodes(edges, tail, head, order, out_start)
    length = np.ascontiguousarray(edges.length_m, dtype=np.float64)
    count = _merge_kernel(tail, head, length, interior, order, out_start, -1)[-1]
    merged_tail, merged_head, merged_length, first, geometry, geometry_offsets, segment_lengths, _ = _merge_kernel(
        tail, head, length, interior, order, out_start, count
    )
    del interior, order, out_start
    return MergedEdges(
        tail=merged_tail,
        head=merged_head,
        length_m=merged_length,
        cost_factor=edges.cost_factor[first],
        speed_class=edges.speed_class[first],
        name_index=edges.name_index[first],
        geometry_offsets=geometry_offsets,
        geometry_nodes=geometry,
        segment_length_m=segment_lengths,
    )
