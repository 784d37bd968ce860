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
    <profile>/name.npy             int32 [m]     index into ``names``

Nodes are numbered in a spatial (Morton) order so that nearby nodes sit close in memory.
All arrays are loaded with ``mmap_mode="r"``: gunicorn workers share one copy.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np
from numpy.typing import NDArray

from routing.errors import InputDataError, RegionError
from routing.region.strings import StringTable
from routing.street.profiles import PROFILES, EdgeRule

STREET_DIR = "street"


@dataclass(frozen=True)
class ProfileGraph:
    """The CSR graph of one profile (arrays may be memory-mapped)."""

    name: str
    offsets: NDArray[np.int32]
    targets: NDArray[np.int32]
    length_m: NDArray[np.float32]
    cost_factor: NDArray[np.float32]
    speed_class: NDArray[np.uint8]
    name_index: NDArray[np.int32]

    @property
    def edge_count(self) -> int:
        """Number of directed edges."""
        return int(self.targets.shape[0])


@dataclass(frozen=True)
class StreetNetwork:
    """Nodes shared by every profile, the street names, and one graph per profile."""

    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    osm_id: NDArray[np.int64]
    names: StringTable
    profiles: dict[str, ProfileGraph]

    @property
    def node_count(self) -> int:
        """Number of nodes."""
        return int(self.lat.shape[0])


def _morton_order(lat: NDArray[np.float64], lon: NDArray[np.float64]) -> NDArray[np.int64]:
    """Return an ordering of the points along a Z-order curve."""
    if lat.size == 0:
        return np.zeros(0, dtype=np.int64)

    def scale(values: NDArray[np.float64]) -> NDArray[np.uint64]:
        low, high = values.min(), values.max()
        span = high - low or 1.0
        return ((values - low) / span * 0xFFFF).astype(np.uint64)

    def spread(v: NDArray[np.uint64]) -> NDArray[np.uint64]:
        v = (v | (v << np.uint64(8))) & np.uint64(0x00FF00FF)
        v = (v | (v << np.uint64(4))) & np.uint64(0x0F0F0F0F)
        v = (v | (v << np.uint64(2))) & np.uint64(0x33333333)
        return (v | (v << np.uint64(1))) & np.uint64(0x55555555)

    code = spread(scale(lat)) | (spread(scale(lon)) << np.uint64(1))
    return np.argsort(code, kind="stable").astype(np.int64)


def _display_name(data: dict[str, object]) -> str:
    name = data.get("name")
    if isinstance(name, list):  # pragma: no cover - only on simplified graphs
        name = name[0]
    if isinstance(name, str) and name:
        return name
    ref = data.get("ref")
    return ref if isinstance(ref, str) else ""


def _csr(
    tails: NDArray[np.int64], node_count: int, columns: dict[str, NDArray[np.generic]]
) -> tuple[NDArray[np.int32], dict[str, NDArray[np.generic]]]:
    order = np.argsort(tails, kind="stable")
    counts = np.bincount(tails, minlength=node_count)
    offsets = np.zeros(node_count + 1, dtype=np.int32)
    np.cumsum(counts, out=offsets[1:])
    return offsets, {key: values[order] for key, values in columns.items()}


def compile_street_network(graph: nx.MultiDiGraph, profiles: Iterable[object] = PROFILES) -> StreetNetwork:
    """Turn an osmnx graph from :mod:`routing.street.osm_import` into a :class:`StreetNetwork`.

    Raises
    ------
    InputDataError
        When the graph has no usable edge for a profile.
    """
    osm_ids = np.fromiter(graph.nodes, dtype=np.int64, count=graph.number_of_nodes())
    lat = np.array([graph.nodes[n]["y"] for n in graph.nodes], dtype=np.float64)
    lon = np.array([graph.nodes[n]["x"] for n in graph.nodes], dtype=np.float64)
    order = _morton_order(lat, lon)
    osm_ids, lat, lon = osm_ids[order], lat[order], lon[order]
    index_of = {int(osm_id): i for i, osm_id in enumerate(osm_ids.tolist())}

    names: dict[str, int] = {"": 0}
    edges = []
    for u, v, data in graph.edges(data=True):
        name = _display_name(data)
        name_id = names.setdefault(name, len(names))
        edges.append((index_of[u], index_of[v], float(data["length"]), name_id, not data.get("reversed", False), data))

    result: dict[str, ProfileGraph] = {}
    for profile in profiles:
        rules: list[tuple[int, int, float, int, EdgeRule]] = []
        for tail, head, length, name_id, forward, data in edges:
            rule = profile.rule(data, forward=forward)  # type: ignore[attr-defined]
            if rule is not None:
                rules.append((tail, head, length, name_id, rule))
        name = str(profile.name)  # type: ignore[attr-defined]
        if not rules:
            raise InputDataError("osm", f"no way is usable for the {name} profile")
        tails = np.array([r[0] for r in rules], dtype=np.int64)
        offsets, columns = _csr(
            tails,
            len(osm_ids),
            {
                "targets": np.array([r[1] for r in rules], dtype=np.int32),
                "length_m": np.array([r[2] for r in rules], dtype=np.float32),
                "cost_factor": np.array([r[4].cost_factor for r in rules], dtype=np.float32),
                "speed_class": np.array([int(r[4].speed_class) for r in rules], dtype=np.uint8),
                "name_index": np.array([r[3] for r in rules], dtype=np.int32),
            },
        )
        result[name] = ProfileGraph(name=name, offsets=offsets, **columns)  # type: ignore[arg-type]
    return StreetNetwork(
        lat=lat,
        lon=lon,
        osm_id=osm_ids,
        names=StringTable.from_strings(names),
        profiles=result,
    )


_PROFILE_ARRAYS = ("offsets", "targets", "length_m", "cost_factor", "speed_class", "name_index")


def save_street_network(network: StreetNetwork, region_dir: Path) -> None:
    """Write ``network`` below ``region_dir/street``."""
    base = region_dir / STREET_DIR
    base.mkdir(parents=True, exist_ok=True)
    np.save(base / "nodes.lat.npy", network.lat)
    np.save(base / "nodes.lon.npy", network.lon)
    np.save(base / "nodes.osm_id.npy", network.osm_id)
    network.names.save(base, "names")
    for name, graph in network.profiles.items():
        folder = base / name
        folder.mkdir(exist_ok=True)
        for array in _PROFILE_ARRAYS:
            np.save(folder / f"{array}.npy", getattr(graph, array))


def load_street_network(region_dir: Path) -> StreetNetwork:
    """Memory-map the street network of a region."""
    base = region_dir / STREET_DIR
    if not base.is_dir():
        msg = f"{region_dir}: region has no street network"
        raise RegionError(msg)
    profiles = {}
    for folder in sorted(p for p in base.iterdir() if p.is_dir()):
        arrays = {array: np.load(folder / f"{array}.npy", mmap_mode="r") for array in _PROFILE_ARRAYS}
        profiles[folder.name] = ProfileGraph(name=folder.name, **arrays)
    return StreetNetwork(
        lat=np.load(base / "nodes.lat.npy", mmap_mode="r"),
        lon=np.load(base / "nodes.lon.npy", mmap_mode="r"),
        osm_id=np.load(base / "nodes.osm_id.npy", mmap_mode="r"),
        names=StringTable.load(base, "names"),
        profiles=profiles,
    )
