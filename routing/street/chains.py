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

from array import array
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class DirectedEdges:
    """Directed edges of one profile before merging (one per OSM segment and direction)."""

    tail: NDArray[np.int64]
    head: NDArray[np.int64]
    length_m: NDArray[np.float64]
    cost_factor: NDArray[np.float32]
    speed_class: NDArray[np.uint8]
    name_index: NDArray[np.int32]


@dataclass(frozen=True)
class MergedEdges:
    """Merged edges with their geometry as original node indexes (tail ... head)."""

    tail: NDArray[np.int64]
    head: NDArray[np.int64]
    length_m: NDArray[np.float64]
    cost_factor: NDArray[np.float32]
    speed_class: NDArray[np.uint8]
    name_index: NDArray[np.int32]
    geometry_offsets: NDArray[np.int64]
    geometry_nodes: NDArray[np.int32]
    segment_length_m: NDArray[np.float32]
    """Length of each geometry segment: ``segment_length_m[geometry_offsets[e] - e + k]``."""


def _attribute_ids(edges: DirectedEdges) -> NDArray[np.int64]:
    keys = np.stack(
        [
            edges.name_index.astype(np.int64),
            edges.speed_class.astype(np.int64),
            edges.cost_factor.view(np.int32).astype(np.int64),
        ],
        axis=1,
    )
    _, ids = np.unique(keys, axis=0, return_inverse=True)
    return ids.reshape(-1)


def _interior_nodes(edges: DirectedEdges, node_count: int, attribute: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Return the nodes that can be merged away."""
    out_count = np.bincount(edges.tail, minlength=node_count)
    in_count = np.bincount(edges.head, minlength=node_count)
    interior = np.zeros(node_count, dtype=np.bool_)
    out_start = np.zeros(node_count + 1, dtype=np.int64)
    np.cumsum(out_count, out=out_start[1:])
    in_start = np.zeros(node_count + 1, dtype=np.int64)
    np.cumsum(in_count, out=in_start[1:])
    out_order = np.argsort(edges.tail, kind="stable")
    in_order = np.argsort(edges.head, kind="stable")
    candidates = np.flatnonzero(((out_count == 1) & (in_count == 1)) | ((out_count == 2) & (in_count == 2)))
    tail, head = edges.tail, edges.head
    for v in candidates.tolist():
        outs = out_order[out_start[v] : out_start[v + 1]].tolist()
        ins = in_order[in_start[v] : in_start[v + 1]].tolist()
        out_to = {int(head[e]): e for e in outs}
        in_from = {int(tail[e]): e for e in ins}
        if len(out_to) != len(outs) or len(in_from) != len(ins) or v in out_to or v in in_from:
            continue  # parallel edges or loops
        if len(outs) == 1:
            (b, e_out), (a, e_in) = next(iter(out_to.items())), next(iter(in_from.items()))
            interior[v] = a != b and attribute[e_in] == attribute[e_out]
            continue
        if set(out_to) != set(in_from):
            continue
        a, b = sorted(out_to)
        interior[v] = attribute[in_from[a]] == attribute[out_to[b]] and attribute[in_from[b]] == attribute[out_to[a]]
    return interior


def merge_chains(edges: DirectedEdges, node_count: int) -> MergedEdges:
    """Merge every chain of interior nodes into one edge with geometry."""
    attribute = _attribute_ids(edges)
    interior = _interior_nodes(edges, node_count, attribute)
    order = np.argsort(edges.tail, kind="stable")
    out_start = np.zeros(node_count + 1, dtype=np.int64)
    np.cumsum(np.bincount(edges.tail, minlength=node_count), out=out_start[1:])
    tail, head, length = edges.tail, edges.head, edges.length_m
    used = np.zeros(tail.size, dtype=np.bool_)

    # Typed buffers, not lists: a list holds a Python object per segment (about 36 bytes
    # where the buffer needs 4 or 8), the largest part of a big region's compile.
    merged_tail = array("q")
    merged_head = array("q")
    merged_length = array("d")
    first_edge = array("q")
    geometry = array("i")
    geometry_offsets = array("q", [0])
    segment_lengths = array("d")

    def follow(e: int) -> None:
        start = int(tail[e])
        nodes = [start]
        total = 0.0
        first = e
        previous = start
        while True:
            used[e] = True
            total += float(length[e])
            segment_lengths.append(float(length[e]))
            current = int(head[e])
            nodes.append(current)
            if not interior[current] or current == start:
                break
            following = -1
            for candidate in order[out_start[current] : out_start[current + 1]].tolist():
                if int(head[candidate]) != previous or out_start[current + 1] - out_start[current] == 1:
                    following = candidate
                    break
            if following < 0 or used[following]:
                break
            previous, e = current, following
        merged_tail.append(start)
        merged_head.append(nodes[-1])
        merged_length.append(total)
        first_edge.append(first)
        geometry.extend(nodes)
        geometry_offsets.append(len(geometry))

    for v in np.flatnonzero(~interior).tolist():
        for e in order[out_start[v] : out_start[v + 1]].tolist():
            if not used[e]:
                follow(e)
    # Rings made only of interior nodes (a roundabout with no exit in this profile):
    # start them anywhere.
    for e in np.flatnonzero(~used).tolist():
        if not used[e]:
            follow(e)

    first = np.frombuffer(first_edge, dtype=np.int64)
    return MergedEdges(
        tail=np.frombuffer(merged_tail, dtype=np.int64),
        head=np.frombuffer(merged_head, dtype=np.int64),
        length_m=np.frombuffer(merged_length, dtype=np.float64),
        cost_factor=edges.cost_factor[first],
        speed_class=edges.speed_class[first],
        name_index=edges.name_index[first],
        geometry_offsets=np.frombuffer(geometry_offsets, dtype=np.int64),
        geometry_nodes=np.frombuffer(geometry, dtype=np.int32),
        segment_length_m=np.frombuffer(segment_lengths, dtype=np.float64).astype(np.float32),
    )
