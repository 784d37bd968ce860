"""Streaming OSM import: a PBF (or XML) file straight into the compiled edge table.

The osmnx path (:mod:`routing.street.osm_import`) builds a networkx graph of every
routable node and segment, several kilobytes per node. This reader never does: it reads
the file three times with pyosmium and keeps only flat arrays.

1. Ways, with libosmium's ``highway`` key filter: for every routable way its node refs
   (one int64 each), its id, its street name and the profiles' rules for both directions
   (the tags themselves are dropped as soon as the rules are known).
2. Bicycle parking (a tag filter): parking nodes with their coordinates and the node
   refs of parking ways.
3. Nodes, in batches matched against the sorted unique refs: the coordinates of the
   nodes the ways use, placed into arrays indexed like that sorted id array.

Peak memory so grows with the routable graph, not with the file or a Python object per
node. The edges equal the osmnx path's exactly (same node set, segment lengths from
osmnx's own great-circle function, the same tags handed to the profiles), and
:func:`routing.street.compile.canonical_edge_table` orders both the same way, so the two
paths write byte-identical regions.
"""

from __future__ import annotations

import logging
from array import array
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

import numpy as np
import osmium
from numpy.typing import NDArray
from osmnx.distance import great_circle

from routing.errors import InputDataError
from routing.street.compile import EdgeTable, RawSegments, canonical_edge_table, display_name
from routing.street.osm_import import OSM_SUFFIXES, PRIVATE_ACCESS
from routing.street.profiles import ORIGINAL_ONEWAY_TAG, PROFILES, ROUTABLE_HIGHWAYS, WAY_TAGS, EdgeRule

__all__ = ["StreamedStreets", "streets_from_osm_file"]

logger = logging.getLogger(__name__)

_KEPT_WAY_TAGS = frozenset(WAY_TAGS)


@dataclass(frozen=True)
class StreamedStreets:
    """What the streaming import read: the canonical edge table and the public bicycle parking."""

    edges: EdgeTable
    bike_parking: NDArray[np.float64]
    """``[n, 2]`` (lat, lon), as :func:`routing.street.osm_import.bike_parking_from_osm_file` gives it."""
    ways: int
    missing_nodes: int
    """Node refs of routable ways absent from the file (their segments are left out)."""


@dataclass
class _Ways:
    """Routable ways as flat arrays (pass 1)."""

    refs: array[int]
    lengths: array[int]
    ids: array[int]
    name_index: array[int]
    forward_rules: array[int]
    backward_rules: array[int]


def _way_tags(way: osmium.osm.Way) -> dict[str, object]:
    """The edge data the osmnx path hands the profiles for this way (see ``filter_routable_ways``)."""
    tags: dict[str, object] = {tag.k: tag.v for tag in way.tags if tag.k in _KEPT_WAY_TAGS}
    if "oneway" in tags:
        tags[ORIGINAL_ONEWAY_TAG] = tags["oneway"]
    tags["osmid"] = way.id
    tags["oneway"] = False  # osmnx's own flag on bidirectional graphs; the profiles read the original
    return tags


def _read_ways(source: Path, rules: dict[EdgeRule, int], names: dict[str, int]) -> _Ways:
    profiles = list(PROFILES)
    combos: dict[tuple[int, ...], int] = {}
    ways = _Ways(array("q"), array("q"), array("q"), array("i"), array("i"), array("i"))
    processor = osmium.FileProcessor(str(source), osmium.osm.WAY).with_filter(osmium.filter.KeyFilter("highway"))
    for way in processor:
        if not isinstance(way, osmium.osm.Way) or way.tags.get("highway") not in ROUTABLE_HIGHWAYS:
            continue
        refs = [key for key, _ in groupby(node.ref for node in way.nodes)]  # as osmnx: no repeated node
        tags = _way_tags(way)
        for direction, target in ((True, ways.forward_rules), (False, ways.backward_rules)):
            evaluated = tuple(
                -1 if rule is None else rules.setdefault(rule, len(rules))
                for rule in (profile.rule(tags, forward=direction) for profile in profiles)  # type: ignore[attr-defined]
            )
            target.append(combos.setdefault(evaluated, len(combos)))
        ways.refs.extend(refs)
        ways.lengths.append(len(refs))
        ways.ids.append(way.id)
        ways.name_index.append(names.setdefault(display_name(tags), len(names)))
    ways_combos = np.array(list(combos), dtype=np.int32).reshape(len(combos), len(profiles))
    ways.forward_rules = array("i", ways_combos[np.frombuffer(ways.forward_rules, dtype=np.int32)].T.ravel())
    ways.backward_rules = array("i", ways_combos[np.frombuffer(ways.backward_rules, dtype=np.int32)].T.ravel())
    return ways


def _read_parking(source: Path) -> tuple[list[tuple[float, float]], list[list[int]]]:
    nodes: list[tuple[float, float]] = []
    way_refs: list[list[int]] = []
    processor = osmium.FileProcessor(str(source), osmium.osm.NODE | osmium.osm.WAY).with_filter(
        osmium.filter.TagFilter(("amenity", "bicycle_parking"))
    )
    for obj in processor:
        if obj.tags.get("access") in PRIVATE_ACCESS:
            continue
        if isinstance(obj, osmium.osm.Node):
            if obj.location.valid():
                nodes.append((obj.location.lat, obj.location.lon))
        elif isinstance(obj, osmium.osm.Way):
            way_refs.append([node.ref for node in obj.nodes])
    return nodes, way_refs


LOCATION_BATCH = 1 << 18
"""Nodes read into one batch before the batch is matched against the wanted ids (about 6 MB)."""


def _read_locations(
    source: Path, ids: NDArray[np.int64]
) -> tuple[NDArray[np.bool_], NDArray[np.float64], NDArray[np.float64]]:
    """Coordinates of the nodes ``ids`` (sorted, unique), with a mask of those found.

    The file's nodes pass in batches matched against ``ids`` with a binary search, so
    memory holds ``ids``, the result and one batch. (libosmium's ``IdFilter`` would do
    the matching in C++, but its dense id set grows with the largest node id: 640 MB
    for today's ids.)
    """
    present = np.zeros(ids.size, dtype=np.bool_)
    lat = np.full(ids.size, np.nan)
    lon = np.full(ids.size, np.nan)

    def match(batch_ids: array[int], lats: array[float], lons: array[float]) -> None:
        found = np.frombuffer(batch_ids, dtype=np.int64)
        positions = np.minimum(np.searchsorted(ids, found), ids.size - 1)
        wanted = ids[positions] == found
        present[positions[wanted]] = True
        lat[positions[wanted]] = np.frombuffer(lats, dtype=np.float64)[wanted]
        lon[positions[wanted]] = np.frombuffer(lons, dtype=np.float64)[wanted]

    batch_ids, lats, lons = array("q"), array("d"), array("d")
    for node in osmium.FileProcessor(str(source), osmium.osm.NODE):
        if not isinstance(node, osmium.osm.Node):
            continue
        location = node.location
        if not location.valid():
            continue
        batch_ids.append(node.id)
        lats.append(location.lat)
        lons.append(location.lon)
        if len(batch_ids) == LOCATION_BATCH:
            match(batch_ids, lats, lons)
            batch_ids, lats, lons = array("q"), array("d"), array("d")
    if batch_ids:
        match(batch_ids, lats, lons)
    return present, lat, lon


def _parking_points(
    nodes: list[tuple[float, float]],
    way_refs: list[list[int]],
    ids: NDArray[np.int64],
    present: NDArray[np.bool_],
    lat: NDArray[np.float64],
    lon: NDArray[np.float64],
) -> NDArray[np.float64]:
    points = list(nodes)
    for refs in way_refs:
        positions = np.searchsorted(ids, np.array(refs, dtype=np.int64)).tolist()
        located = [(float(lat[p]), float(lon[p])) for p in positions if present[p]]
        if located:
            points.append((sum(p[0] for p in located) / len(located), sum(p[1] for p in located) / len(located)))
    return np.array(points, dtype=np.float64).reshape(-1, 2)


def streets_from_osm_file(source: Path) -> StreamedStreets:
    """Read the routable streets of ``source`` into a canonical edge table, without a graph.

    Raises
    ------
    InputDataError
        When the file is missing, of an unknown type, unreadable as OSM data, or holds no
        routable way.
    """
    if not source.is_file():
        raise InputDataError(str(source), "no such OSM file")
    if not source.name.endswith(OSM_SUFFIXES):
        raise InputDataError(str(source), f"unknown OSM file type; expected one of {', '.join(OSM_SUFFIXES)}")
    rules: dict[EdgeRule, int] = {}
    names: dict[str, int] = {"": 0}
    try:
        ways = _read_ways(source, rules, names)
        if not ways.ids:
            raise InputDataError(str(source), "no routable highway ways (is this a street extract?)")
        parking_nodes, parking_ways = _read_parking(source)
        refs = np.frombuffer(ways.refs, dtype=np.int64)
        ids = np.unique(np.concatenate([refs, np.array([r for w in parking_ways for r in w], dtype=np.int64)]))
        present, lat, lon = _read_locations(source, ids)
    except RuntimeError as exc:  # libosmium reports parse errors as RuntimeError
        raise InputDataError(str(source), f"cannot read OSM data: {exc}") from exc
    bike_parking = _parking_points(parking_nodes, parking_ways, ids, present, lat, lon)
    del parking_nodes, parking_ways
    raw, missing = _raw_segments(ways, ids, present, lat, lon, names, rules)
    if missing:
        logger.warning("osm extract references missing nodes", extra={"source": str(source), "missing": missing})
    way_count = len(ways.ids)
    del ways, refs, ids, present, lat, lon
    edges = canonical_edge_table(raw)
    del raw
    return StreamedStreets(edges=edges, bike_parking=bike_parking, ways=way_count, missing_nodes=missing)


LENGTH_CHUNK = 1 << 16
"""Segments measured at a time: osmnx's great-circle function makes about eight float64 temporaries."""


def _segment_lengths(
    lat: NDArray[np.float64], lon: NDArray[np.float64], tail: NDArray[np.int32], head: NDArray[np.int32]
) -> NDArray[np.float64]:
    """Lengths of every segment tail to head, then head to tail: osmnx's own function, chunk by chunk.

    Each direction is measured from its tail as osmnx computes it (NaN as 0); the function
    works element by element, so chunks give the same values as one call.
    """
    count = tail.size
    length = np.empty(2 * count)
    for low in range(0, count, LENGTH_CHUNK):
        a, b = tail[low : low + LENGTH_CHUNK], head[low : low + LENGTH_CHUNK]
        high = low + a.size
        length[low:high] = great_circle(lat[a], lon[a], lat[b], lon[b])
        length[count + low : count + high] = great_circle(lat[b], lon[b], lat[a], lon[a])
    return np.nan_to_num(length, nan=0.0, copy=False)


def _raw_segments(
    ways: _Ways,
    ids: NDArray[np.int64],
    present: NDArray[np.bool_],
    lat: NDArray[np.float64],
    lon: NDArray[np.float64],
    names: dict[str, int],
    rules: dict[EdgeRule, int],
) -> tuple[RawSegments, int]:
    """Both directions of every segment whose two nodes the file has, and how many used nodes it lacks.

    Node indexes are int32 and rule ids int16 (a region's counts fit; an explicit error
    when they would not); every temporary is freed as soon as it is consumed.
    """
    if ids.size > np.iinfo(np.int32).max:
        raise InputDataError("osm", f"{ids.size:,} nodes do not fit the region's int32 node indexes")
    if len(rules) > np.iinfo(np.int16).max:
        raise InputDataError("osm", f"{len(rules):,} distinct street rules do not fit the int16 rule ids")
    refs = np.frombuffer(ways.refs, dtype=np.int64)
    node_of_ref = np.searchsorted(ids, refs).astype(np.int32)
    way_lengths = np.frombuffer(ways.lengths, dtype=np.int64)
    starts = np.ones(refs.size, dtype=np.bool_)
    starts[np.cumsum(way_lengths) - 1] = False  # a segment starts at every ref but the last of its way
    seg_start = np.flatnonzero(starts)
    del starts
    seg_way = np.repeat(np.arange(way_lengths.size, dtype=np.int32), way_lengths)[seg_start]
    tail_node, head_node = node_of_ref[seg_start], node_of_ref[seg_start + 1]
    del seg_start
    complete = present[tail_node] & present[head_node]
    # Keep the routable ways' nodes only (parking-only nodes are not street nodes), renumbered.
    street = np.zeros(ids.size, dtype=np.bool_)
    street[node_of_ref] = True
    del node_of_ref
    missing = int(np.count_nonzero(street & ~present))
    street &= present
    tail_node, head_node, seg_way = tail_node[complete], head_node[complete], seg_way[complete]
    del complete
    new_index = (np.cumsum(street) - 1).astype(np.int32)
    tail, head = new_index[tail_node], new_index[head_node]
    del new_index, tail_node, head_node
    node_lat, node_lon = lat[street], lon[street]
    length = _segment_lengths(node_lat, node_lon, tail, head)
    profile_count = len(list(PROFILES))
    forward_rules = np.frombuffer(ways.forward_rules, dtype=np.int32).reshape(profile_count, -1)
    backward_rules = np.frombuffer(ways.backward_rules, dtype=np.int32).reshape(profile_count, -1)
    count = tail.size
    rule_ids = np.empty((profile_count, 2 * count), dtype=np.int16)
    for k in range(profile_count):
        rule_ids[k, :count] = forward_rules[k, seg_way]
        rule_ids[k, count:] = backward_rules[k, seg_way]
    raw = RawSegments(
        osm_id=ids[street],
        lat=node_lat,
        lon=node_lon,
        tail=np.concatenate([tail, head]),
        head=np.concatenate([head, tail]),
        way_id=np.tile(np.frombuffer(ways.ids, dtype=np.int64)[seg_way], 2),
        forward=np.repeat(np.array([True, False]), count),
        length_m=length,
        name_index=np.tile(np.frombuffer(ways.name_index, dtype=np.int32)[seg_way], 2),
        names=list(names),
        rule_ids=rule_ids,
        rules=list(rules),
    )
    return raw, missing
