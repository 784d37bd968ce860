"""Compile an osmnx graph into compact per-profile CSR arrays, and load them memory-mapped.

On disk (below ``street/`` of a region)::

    nodes.lat.npy, nodes.lon.npy   float64 [n]   node coordinates (WGS84)
    nodes.osm_id.npy               int64 [n]     OSM node ids
    names.*.npy                    StringTable   street names (index 0 = no name)
    <profile>/offsets.npy          int32 [n+1]   CSR row offsets, edges sorted by tail node
    <profile>/targets.npy          int32 [m]     head node of each edge
    <profile>/length_m.npy         float32 [m]   edge length in metres
    <profile>/cost_factor.npy      float32 [m]   preference multiplier (>= 1)
    <profile>/speed_class.npy      uint8 [m]     :class:`SpeedClass` of the edge
    <profile>/name_index.npy       int32 [m]     index into ``names``
    <profile>/geometry_*.npy       int64/int32   node indexes each merged edge passes through
    <profile>/grid.*.npy           SegmentGrid   segment index for snapping
    <profile>/landmarks.*.npy      float32 [n,k] distances to and from k landmarks (A* bound; optional)
    nodes.xyz.npy                  float64 [n,3] unit-sphere coordinates (A* bound)

Chains of shape nodes are merged into single edges (:mod:`routing.street.chains`), so a
search touches intersections only. Nodes are numbered in a spatial (Morton) order so that
nearby nodes sit close in memory.
All arrays are loaded with ``mmap_mode="r"``: gunicorn workers share one copy.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numba import njit
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from routing.errors import InputDataError, RegionError
from routing.street.chains import DirectedEdges, merge_chains
from routing.street.landmarks import (
    LANDMARK_COUNT,
    CsrGraph,
    Landmarks,
    choose_landmarks,
    compute_landmarks,
    measure_backward,
)
from routing.street.profiles import PROFILES, EdgeRule
from routing.street.spatial_index import SegmentGrid, build_segment_grid
from routing.strings import StringTable

if TYPE_CHECKING:
    import networkx as nx

logger = logging.getLogger(__name__)

STREET_DIR = "street"


@dataclass(frozen=True)
class ProfileGraph:
    """The CSR graph of one profile (arrays may be memory-mapped).

    Edges are merged chains (see :mod:`routing.street.chains`); ``geometry_nodes``
    ``[geometry_offsets[e]:geometry_offsets[e + 1]]`` lists the node indexes edge ``e``
    passes through, tail first.
    """

    name: str
    offsets: NDArray[np.int32]
    targets: NDArray[np.int32]
    length_m: NDArray[np.float32]
    cost_factor: NDArray[np.float32]
    speed_class: NDArray[np.uint8]
    name_index: NDArray[np.int32]
    geometry_offsets: NDArray[np.int64]
    geometry_nodes: NDArray[np.int32]
    grid: SegmentGrid
    landmarks: Landmarks | None = None
    """Distances to and from the A* landmarks; None in regions built before them (straight-line bound only)."""

    @property
    def edge_count(self) -> int:
        """Number of directed (merged) edges."""
        return int(self.targets.shape[0])

    def tails(self) -> NDArray[np.int32]:
        """Tail node of every edge (derived from the CSR offsets)."""
        return np.repeat(np.arange(self.offsets.shape[0] - 1, dtype=np.int32), np.diff(self.offsets))

    def csr(self) -> CsrGraph:
        """The graph as the search kernels take it."""
        return (self.offsets, self.targets, self.length_m, self.cost_factor, self.speed_class)

    def reversed_csr(self) -> CsrGraph:
        """The graph with every edge reversed, in the same form (built anew on each call)."""
        targets = np.asarray(self.targets)
        node_count = self.offsets.shape[0] - 1
        order = np.argsort(targets, kind="stable")
        offsets = np.zeros(node_count + 1, dtype=np.int32)
        np.cumsum(np.bincount(targets, minlength=node_count), out=offsets[1:])
        return (
            offsets,
            self.tails()[order].astype(np.int32),
            np.asarray(self.length_m)[order],
            np.asarray(self.cost_factor)[order],
            np.asarray(self.speed_class)[order],
        )


@dataclass(frozen=True)
class StreetNetwork:
    """Nodes shared by every profile, the street names, and one graph per profile."""

    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    osm_id: NDArray[np.int64]
    xyz: NDArray[np.float64]
    """Unit-sphere coordinates [n, 3]: chord distances give an admissible A* bound."""
    names: StringTable
    profiles: dict[str, ProfileGraph]
    bike_parking: NDArray[np.float64] = field(default_factory=lambda: np.zeros((0, 2)))
    """Public bicycle parking, ``[n, 2]`` (lat, lon): where bike+ride locks the bike."""

    @property
    def node_count(self) -> int:
        """Number of nodes."""
        return int(self.lat.shape[0])


UNIT_SPHERE_CHUNK = 1 << 16
"""Points converted at a time: the conversion's temporaries stay small next to the [n, 3] result."""


def unit_sphere(lat: NDArray[np.float64], lon: NDArray[np.float64]) -> NDArray[np.float64]:
    """Return [n, 3] unit vectors of points given in degrees (element by element, in chunks)."""
    out = np.empty((lat.shape[0], 3))
    for low in range(0, lat.shape[0], UNIT_SPHERE_CHUNK):
        phi, lam = np.radians(lat[low : low + UNIT_SPHERE_CHUNK]), np.radians(lon[low : low + UNIT_SPHERE_CHUNK])
        high = low + phi.shape[0]
        out[low:high, 0] = np.cos(phi) * np.cos(lam)
        out[low:high, 1] = np.cos(phi) * np.sin(lam)
        out[low:high, 2] = np.sin(phi)
    return out


def morton_codes(lat: NDArray[np.float64], lon: NDArray[np.float64]) -> NDArray[np.uint64]:
    """Z-order codes of the points, 16 bits per axis over the points' own bounding box."""
    if lat.size == 0:
        return np.zeros(0, dtype=np.uint64)

    def scale(values: NDArray[np.float64]) -> NDArray[np.uint64]:
        low, high = values.min(), values.max()
        span = high - low or 1.0
        scaled: NDArray[np.uint64] = ((values - low) / span * 0xFFFF).astype(np.uint64)
        return scaled

    def spread(v: NDArray[np.uint64]) -> NDArray[np.uint64]:
        v = (v | (v << np.uint64(8))) & np.uint64(0x00FF00FF)
        v = (v | (v << np.uint64(4))) & np.uint64(0x0F0F0F0F)
        v = (v | (v << np.uint64(2))) & np.uint64(0x33333333)
        return (v | (v << np.uint64(1))) & np.uint64(0x55555555)

    codes: NDArray[np.uint64] = spread(scale(lat)) | (spread(scale(lon)) << np.uint64(1))
    return codes


def canonical_node_order(
    lat: NDArray[np.float64], lon: NDArray[np.float64], osm_id: NDArray[np.int64]
) -> NDArray[np.int64]:
    """The node numbering of a region: by Morton code, ties by OSM id.

    It depends only on the set of nodes, never on the order a reader met them in, so the
    osmnx import and the streaming import number the same nodes the same way.
    """
    order: NDArray[np.int64] = np.lexsort((osm_id, morton_codes(lat, lon))).astype(np.int64)
    return order


def display_name(data: dict[str, object]) -> str:
    """The name a way shows in turn-by-turn steps: its ``name``, else its ``ref``, else ``""``."""
    name = data.get("name")
    if isinstance(name, list):  # pragma: no cover - only on simplified graphs
        name = name[0]
    if isinstance(name, str) and name:
        return name
    ref = data.get("ref")
    return ref if isinstance(ref, str) else ""


MIN_ISLAND_VERTICES = 100
"""Strongly connected parts smaller than this (and not the largest) are islands."""


def _mainland_edges(offsets: NDArray[np.int32], targets: NDArray[np.int32], node_count: int) -> NDArray[np.bool_]:
    """Mark edges inside strongly connected components that are not small islands.

    Points snap only to such edges, so a route never starts on a fragment it cannot
    leave (a one-way dead end, a footway cut off at the extract's border).
    """
    matrix = csr_matrix(
        (np.ones(targets.size, dtype=np.int8), np.asarray(targets), np.asarray(offsets)), shape=(node_count, node_count)
    )
    _, labels = connected_components(matrix, directed=True, connection="strong")
    tails = np.repeat(np.arange(node_count), np.diff(offsets))
    vertices = np.flatnonzero(np.diff(offsets) > 0)
    sizes = np.bincount(labels[vertices], minlength=labels.max() + 1)
    keep = (sizes >= MIN_ISLAND_VERTICES) | (sizes == sizes.max())
    usable: NDArray[np.bool_] = keep[labels[tails]] & (labels[tails] == labels[targets])
    return usable


@njit(cache=True)
def _reordered_geometry(
    order: NDArray[np.int64],
    geometry_offsets: NDArray[np.int64],
    geometry_nodes: NDArray[np.int32],
    segment_length_m: NDArray[np.float32],
) -> tuple[NDArray[np.int64], NDArray[np.int32], NDArray[np.float32]]:
    """Geometry offsets, nodes and segment lengths of the edges taken in ``order`` (no gather index arrays)."""
    edge_count = order.size
    offsets = np.zeros(edge_count + 1, dtype=np.int64)
    for i in range(edge_count):
        e = order[i]
        offsets[i + 1] = offsets[i] + geometry_offsets[e + 1] - geometry_offsets[e]
    nodes = np.empty(offsets[edge_count], dtype=np.int32)
    segments = np.empty(offsets[edge_count] - edge_count, dtype=np.float32)
    for i in range(edge_count):
        e = order[i]
        start, count = geometry_offsets[e], geometry_offsets[e + 1] - geometry_offsets[e]
        nodes[offsets[i] : offsets[i] + count] = geometry_nodes[start : start + count]
        # an edge of k nodes has k - 1 segments; those before edge e number geometry_offsets[e] - e
        segments[offsets[i] - i : offsets[i] - i + count - 1] = segment_length_m[start - e : start - e + count - 1]
    return offsets, nodes, segments


def _profile_graph(name: str, edges: DirectedEdges, lat: NDArray[np.float64], lon: NDArray[np.float64]) -> ProfileGraph:
    """The graph of one profile, without landmarks; ``edges`` is consumed (the caller keeps no reference)."""
    node_count = lat.shape[0]
    merged = merge_chains(edges, node_count)
    del edges
    order = np.argsort(merged.tail, kind="stable")
    offsets = np.zeros(node_count + 1, dtype=np.int32)
    np.cumsum(np.bincount(merged.tail, minlength=node_count), out=offsets[1:])
    targets = merged.head[order].astype(np.int32)
    length_m = merged.length_m[order].astype(np.float32)
    cost_factor, speed_class = merged.cost_factor[order], merged.speed_class[order]
    name_index = merged.name_index[order]
    geometry_offsets, geometry_nodes, segment_lengths = _reordered_geometry(
        order, merged.geometry_offsets, merged.geometry_nodes, merged.segment_length_m
    )
    del merged, order
    snappable = _mainland_edges(offsets, targets, node_count)
    grid = build_segment_grid(lat, lon, geometry_offsets, geometry_nodes, segment_lengths, snappable=snappable)
    return ProfileGraph(
        name=name,
        offsets=offsets,
        targets=targets,
        length_m=length_m,
        cost_factor=cost_factor,
        speed_class=speed_class,
        name_index=name_index,
        geometry_offsets=geometry_offsets,
        geometry_nodes=geometry_nodes,
        grid=grid,
    )


@dataclass(frozen=True)
class EdgeTable:
    """Every OSM segment of the import, as arrays, with each profile's rule.

    ``rule_ids[p, i]`` indexes ``rules`` for profile ``p`` and segment ``i`` (-1: closed).
    Extracted from the osmnx graph so the graph can be freed before compiling.
    """

    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    osm_id: NDArray[np.int64]
    tail: NDArray[np.int32]
    head: NDArray[np.int32]
    length_m: NDArray[np.float64]
    name_index: NDArray[np.int32]
    names: list[str]
    profile_names: list[str]
    rule_ids: NDArray[np.int16]
    rules: list[EdgeRule]
    profile_required: list[bool]
    """Per profile: False when the profile may be left out of an extract with no way for it."""


@dataclass(frozen=True)
class RawSegments:
    """Directed OSM segments in whatever order a reader produced them (input of :func:`canonical_edge_table`).

    ``tail``/``head`` index the node arrays; ``name_index`` indexes ``names``;
    ``rule_ids[p, i]`` indexes ``rules`` (-1: profile ``p`` may not use segment ``i``).
    """

    osm_id: NDArray[np.int64]
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    tail: NDArray[np.signedinteger[Any]]
    head: NDArray[np.signedinteger[Any]]
    way_id: NDArray[np.int64]
    forward: NDArray[np.bool_]
    length_m: NDArray[np.float64]
    name_index: NDArray[np.int32]
    names: list[str]
    rule_ids: NDArray[np.signedinteger[Any]]
    rules: list[EdgeRule]


def canonical_edge_table(raw: RawSegments, profiles: Iterable[object] = PROFILES) -> EdgeTable:
    """The :class:`EdgeTable` of ``raw`` in canonical order, whichever reader produced it.

    Nodes are numbered by :func:`canonical_node_order`; segments are sorted by (tail,
    head, way id, direction); the street names segments use are sorted (``""`` first), and
    so are the rules they use (by speed class, then cost factor). Equal inputs therefore
    give equal arrays, byte for byte.
    """
    profile_list = list(profiles)
    node_count = int(raw.osm_id.size)
    if node_count > np.iinfo(np.int32).max:
        raise InputDataError("osm", f"{node_count:,} street nodes do not fit the region's int32 node indexes")
    order = canonical_node_order(raw.lat, raw.lon, raw.osm_id)
    rank = np.empty(order.size, dtype=np.int32)
    rank[order] = np.arange(order.size, dtype=np.int32)
    tail, head = rank[raw.tail], rank[raw.head]
    del rank
    edge_order = np.lexsort((~raw.forward, raw.way_id, head, tail))
    tail, head = tail[edge_order], head[edge_order]
    used_names = {raw.names[int(i)] for i in np.unique(raw.name_index)}  # not those of ways without a segment
    sorted_names = sorted(used_names - {""})
    name_rank = {name: i for i, name in enumerate(["", *sorted_names])}
    name_map = np.array([name_rank.get(name, 0) for name in raw.names], dtype=np.int32)
    used = np.zeros(len(raw.rules) + 1, dtype=np.bool_)
    for row in raw.rule_ids:
        used[row] = True  # -1 (closed) marks the extra last entry
    # Rules by value (a reader's first-use order is its own), only those some segment uses.
    rule_sequence = sorted(
        np.flatnonzero(used[:-1]).tolist(), key=lambda i: (int(raw.rules[i].speed_class), raw.rules[i].cost_factor)
    )
    if len(rule_sequence) > np.iinfo(np.int16).max:
        raise InputDataError("osm", f"{len(rule_sequence):,} distinct street rules do not fit the int16 rule ids")
    rule_map = np.full(len(raw.rules) + 1, -1, dtype=np.int16)  # the extra last entry maps -1 (closed) to -1
    rule_map[np.array(rule_sequence, dtype=np.int64)] = np.arange(len(rule_sequence), dtype=np.int16)
    rule_ids = np.empty((raw.rule_ids.shape[0], edge_order.size), dtype=np.int16)
    for k, row in enumerate(raw.rule_ids):  # one profile at a time: no [profiles, segments] int32 copy
        rule_ids[k] = rule_map[row[edge_order]]
    return EdgeTable(
        lat=raw.lat[order],
        lon=raw.lon[order],
        osm_id=raw.osm_id[order],
        tail=tail,
        head=head,
        length_m=raw.length_m[edge_order],
        name_index=name_map[raw.name_index[edge_order]],
        names=["", *sorted_names],
        profile_names=[str(p.name) for p in profile_list],  # type: ignore[attr-defined]
        rule_ids=rule_ids,
        rules=[raw.rules[i] for i in rule_sequence],
        profile_required=[bool(getattr(p, "required", True)) for p in profile_list],
    )


def edge_table_from_graph(graph: nx.MultiDiGraph, profiles: Iterable[object] = PROFILES) -> EdgeTable:
    """Evaluate every profile on every segment of an osmnx graph from :mod:`routing.street.osm_import`."""
    osm_ids = np.fromiter(graph.nodes, dtype=np.int64, count=graph.number_of_nodes())
    lat = np.fromiter((graph.nodes[n]["y"] for n in graph.nodes), dtype=np.float64, count=osm_ids.size)
    lon = np.fromiter((graph.nodes[n]["x"] for n in graph.nodes), dtype=np.float64, count=osm_ids.size)
    index_of = {int(osm_id): i for i, osm_id in enumerate(osm_ids.tolist())}

    profile_list = list(profiles)
    count = graph.number_of_edges()
    tail = np.empty(count, dtype=np.int64)
    head = np.empty(count, dtype=np.int64)
    way_id = np.empty(count, dtype=np.int64)
    forward_flags = np.empty(count, dtype=np.bool_)
    length = np.empty(count, dtype=np.float64)
    name_index = np.empty(count, dtype=np.int32)
    rule_ids = np.full((len(profile_list), count), -1, dtype=np.int32)
    names: dict[str, int] = {"": 0}
    rules: dict[EdgeRule, int] = {}
    # Tags belong to the way: evaluate each profile once per way and direction.
    way_rules: dict[tuple[object, bool], tuple[int, ...]] = {}
    way_names: dict[object, int] = {}
    i = 0
    for u, v, data in graph.edges(data=True):
        if u == v:
            continue
        way = data.get("osmid")
        way_key = way if isinstance(way, int) else id(data)
        forward = not data.get("reversed", False)
        ids = way_rules.get((way_key, forward))
        if ids is None:
            evaluated = (profile.rule(data, forward=forward) for profile in profile_list)  # type: ignore[attr-defined]
            ids = tuple(-1 if rule is None else rules.setdefault(rule, len(rules)) for rule in evaluated)
            way_rules[(way_key, forward)] = ids
        name_id = way_names.get(way_key)
        if name_id is None:
            name_id = names.setdefault(display_name(data), len(names))
            way_names[way_key] = name_id
        tail[i], head[i], length[i], name_index[i] = index_of[u], index_of[v], data["length"], name_id
        way_id[i] = way if isinstance(way, int) else -1
        forward_flags[i] = forward
        rule_ids[:, i] = ids
        i += 1
    raw = RawSegments(
        osm_id=osm_ids,
        lat=lat,
        lon=lon,
        tail=tail[:i],
        head=head[:i],
        way_id=way_id[:i],
        forward=forward_flags[:i],
        length_m=length[:i],
        name_index=name_index[:i],
        names=list(names),
        rule_ids=rule_ids[:, :i],
        rules=list(rules),
    )
    return canonical_edge_table(raw, profile_list)


def compile_edge_table(table: EdgeTable, *, region_dir: Path | None = None) -> StreetNetwork:
    """Compile an :class:`EdgeTable` into per-profile graphs.

    With ``region_dir``, each profile's graph is written below ``region_dir/street`` as
    soon as it is compiled and kept memory-mapped from there, so the build holds one
    profile's arrays at a time; :func:`save_street_network` then writes only the nodes
    and names (``profiles=False``).

    Raises
    ------
    InputDataError
        When no segment is usable for a required profile.
    """
    factors = np.array([rule.cost_factor for rule in table.rules], dtype=np.float32)
    classes = np.array([int(rule.speed_class) for rule in table.rules], dtype=np.uint8)
    result: dict[str, ProfileGraph] = {}
    for name, ids, required in zip(table.profile_names, table.rule_ids, table.profile_required, strict=True):
        usable = ids >= 0
        if not usable.any():
            if not required:
                logger.info("no way is usable for the optional %s profile; it is left out", name)
                continue
            raise InputDataError("osm", f"no way is usable for the {name} profile")
        graph = _profile_graph(name, _directed_edges(table, ids, usable, factors, classes), table.lat, table.lon)
        del usable
        if region_dir is None:
            result[name] = replace(graph, landmarks=compute_landmarks(graph.csr(), graph.reversed_csr()))
            continue
        folder = region_dir / STREET_DIR / name
        save_profile_graph(graph, folder)
        # The landmarks are computed straight into their files, from the written graph: the
        # segment grid and the other in-memory arrays are freed first.
        del graph
        graph = load_profile_graph(folder)
        write_landmarks(graph, folder)
        del graph  # its mapping (pages the searches touched) goes; the profile is mapped anew below
        result[name] = load_profile_graph(folder)
    return StreetNetwork(
        lat=table.lat,
        lon=table.lon,
        osm_id=table.osm_id,
        xyz=unit_sphere(table.lat, table.lon),
        names=StringTable.from_strings(table.names),
        profiles=result,
    )


def _directed_edges(
    table: EdgeTable,
    ids: NDArray[np.int16],
    usable: NDArray[np.bool_],
    factors: NDArray[np.float32],
    classes: NDArray[np.uint8],
) -> DirectedEdges:
    """The segments one profile may use, with their cost factor and speed class."""
    usable_ids = ids[usable]
    return DirectedEdges(
        tail=table.tail[usable],
        head=table.head[usable],
        length_m=table.length_m[usable],
        cost_factor=factors[usable_ids],
        speed_class=classes[usable_ids],
        name_index=table.name_index[usable],
    )


def write_landmarks(graph: ProfileGraph, folder: Path) -> None:
    """Compute one profile's landmarks into ``folder``'s landmark files (memory-mapped while computed).

    The same files as :func:`save_profile_graph` writes for the landmarks of
    :func:`compute_landmarks` (shape, dtype and header). The forward rows are written and
    unmapped before the backward ones are measured, so one set of rows is resident at a
    time; when fewer landmarks than :data:`LANDMARK_COUNT` exist (tiny graphs), the files
    are rewritten with those.
    """
    node_count = graph.offsets.shape[0] - 1
    paths = (folder / "landmarks.forward.npy", folder / "landmarks.backward.npy")
    if node_count == 0:
        none = Landmarks.none(0)
        np.save(paths[0], none.forward)
        np.save(paths[1], none.backward)
        return
    shape = (node_count, LANDMARK_COUNT)
    rows = np.lib.format.open_memmap(paths[0], mode="w+", dtype=np.float32, shape=shape)
    landmarks = choose_landmarks(graph.csr(), rows)
    rows.flush()
    del rows
    rows = np.lib.format.open_memmap(paths[1], mode="w+", dtype=np.float32, shape=shape)
    measure_backward(graph.reversed_csr(), landmarks, rows)
    rows.flush()
    del rows
    if len(landmarks) < LANDMARK_COUNT:
        for path in paths:
            np.save(path, np.array(np.load(path)[:, : len(landmarks)]))


def compile_street_network(graph: nx.MultiDiGraph, profiles: Iterable[object] = PROFILES) -> StreetNetwork:
    """Turn an osmnx graph from :mod:`routing.street.osm_import` into a :class:`StreetNetwork`.

    To free the graph before compiling (large imports), call :func:`edge_table_from_graph`,
    drop the graph, then :func:`compile_edge_table`.
    """
    return compile_edge_table(edge_table_from_graph(graph, profiles))


_PROFILE_ARRAYS = (
    "offsets",
    "targets",
    "length_m",
    "cost_factor",
    "speed_class",
    "name_index",
    "geometry_offsets",
    "geometry_nodes",
)
_GRID_ARRAYS = ("params", "cell_offsets", "cell_items", "seg_edge", "seg_a", "seg_b", "seg_start_m", "seg_length_m")


def save_street_network(network: StreetNetwork, region_dir: Path, *, profiles: bool = True) -> None:
    """Write ``network`` below ``region_dir/street``.

    ``profiles=False`` writes nodes and names only: the profiles were written by
    :func:`compile_edge_table` (``region_dir``) and are memory-mapped from those files.
    """
    base = region_dir / STREET_DIR
    base.mkdir(parents=True, exist_ok=True)
    np.save(base / "nodes.lat.npy", network.lat)
    np.save(base / "nodes.lon.npy", network.lon)
    np.save(base / "nodes.osm_id.npy", network.osm_id)
    np.save(base / "nodes.xyz.npy", network.xyz)
    network.names.save(base, "names")
    np.save(base / "bike_parking.npy", np.asarray(network.bike_parking, dtype=np.float64).reshape(-1, 2))
    if profiles:
        for name, graph in network.profiles.items():
            save_profile_graph(graph, base / name)


def save_profile_graph(graph: ProfileGraph, folder: Path) -> None:
    """Write one profile's graph, segment grid and landmarks into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for array in _PROFILE_ARRAYS:
        np.save(folder / f"{array}.npy", getattr(graph, array))
    for array in _GRID_ARRAYS:
        np.save(folder / f"grid.{array}.npy", getattr(graph.grid, array))
    if graph.grid.cell_keys.size:
        np.save(folder / "grid.cell_keys.npy", graph.grid.cell_keys)
    if graph.landmarks is not None:
        np.save(folder / "landmarks.forward.npy", graph.landmarks.forward)
        np.save(folder / "landmarks.backward.npy", graph.landmarks.backward)


def load_profile_graph(folder: Path) -> ProfileGraph:
    """Memory-map the graph of one profile's folder (the profile is the folder's name)."""
    arrays = {array: np.load(folder / f"{array}.npy", mmap_mode="r") for array in _PROFILE_ARRAYS}
    grid_arrays = {array: np.load(folder / f"grid.{array}.npy", mmap_mode="r") for array in _GRID_ARRAYS}
    if (folder / "grid.cell_keys.npy").is_file():  # sparse grids only (regions of far-apart areas)
        grid_arrays["cell_keys"] = np.load(folder / "grid.cell_keys.npy", mmap_mode="r")
    grid = SegmentGrid(**grid_arrays)
    return ProfileGraph(name=folder.name, grid=grid, landmarks=_load_landmarks(folder), **arrays)


def _load_landmarks(folder: Path) -> Landmarks | None:
    """The landmarks of one profile's folder, memory-mapped; None when the region has none."""
    forward, backward = folder / "landmarks.forward.npy", folder / "landmarks.backward.npy"
    if not (forward.is_file() and backward.is_file()):
        return None
    return Landmarks(forward=np.load(forward, mmap_mode="r"), backward=np.load(backward, mmap_mode="r"))


def load_street_network(region_dir: Path) -> StreetNetwork:
    """Memory-map the street network of a region."""
    base = region_dir / STREET_DIR
    if not base.is_dir():
        msg = f"{region_dir}: region has no street network"
        raise RegionError(msg)
    profiles = {folder.name: load_profile_graph(folder) for folder in sorted(p for p in base.iterdir() if p.is_dir())}
    return StreetNetwork(
        lat=np.load(base / "nodes.lat.npy", mmap_mode="r"),
        lon=np.load(base / "nodes.lon.npy", mmap_mode="r"),
        osm_id=np.load(base / "nodes.osm_id.npy", mmap_mode="r"),
        xyz=np.load(base / "nodes.xyz.npy", mmap_mode="r"),
        bike_parking=(
            np.load(base / "bike_parking.npy") if (base / "bike_parking.npy").is_file() else np.zeros((0, 2))
        ),
        names=StringTable.load(base, "names"),
        profiles=profiles,
    )
