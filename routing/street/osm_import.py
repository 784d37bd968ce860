"""Read OpenStreetMap data into an osmnx graph of every way any profile may use.

One path for every source: a local file (``.osm``, ``.osm.gz``, ``.osm.bz2``, ``.osm.pbf``)
is first reduced by pyosmium to the routable highway ways and their nodes (osmnx's
``graph_from_xml`` would otherwise turn every building outline into an edge), with the
way's original ``oneway`` value kept under :data:`ORIGINAL_ONEWAY_TAG` because osmnx
rewrites ``oneway`` for bidirectional graphs; osmnx then parses that XML. A place name
or a bounding box is fetched by osmnx from Overpass (online only) with the same highway
filter, so both routes yield the same kind of graph for :mod:`routing.street.compile`.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np
import osmium
import osmnx as ox
from numpy.typing import NDArray

from routing.errors import InputDataError
from routing.street.profiles import ORIGINAL_ONEWAY_TAG, ROUTABLE_HIGHWAYS, WAY_TAGS

logger = logging.getLogger(__name__)

NODE_TAGS: tuple[str, ...] = ()
"""No node tag is read yet (barriers and kerbs for wheelchairs would go here)."""
_KEPT_WAY_TAGS = frozenset(WAY_TAGS)
OSM_SUFFIXES = (".osm", ".osm.gz", ".osm.bz2", ".osm.pbf", ".pbf", ".xml")


@dataclass(frozen=True)
class OsmImportStats:
    """What the filter kept from the source file."""

    ways: int
    nodes: int


@contextmanager
def _osmnx_settings() -> Iterator[None]:
    """Temporarily set the osmnx module settings an import needs, then restore them."""
    saved = (
        ox.settings.useful_tags_way,
        ox.settings.useful_tags_node,
        ox.settings.log_console,
    )
    ox.settings.useful_tags_way = list(WAY_TAGS)
    ox.settings.useful_tags_node = list(NODE_TAGS)
    ox.settings.log_console = False
    try:
        yield
    finally:
        ox.settings.useful_tags_way, ox.settings.useful_tags_node, ox.settings.log_console = saved


def _is_routable(tags: osmium.osm.TagList) -> bool:
    return tags.get("highway") in ROUTABLE_HIGHWAYS


def filter_routable_ways(source: Path, destination: Path) -> OsmImportStats:
    """Write the routable ways of ``source`` and the nodes they use to ``destination`` (OSM XML).

    Raises
    ------
    InputDataError
        When the file cannot be read as OSM data or holds no routable way.
    """
    if not source.is_file():
        raise InputDataError(str(source), "no such OSM file")
    if not source.name.endswith(OSM_SUFFIXES):
        raise InputDataError(str(source), f"unknown OSM file type; expected one of {', '.join(OSM_SUFFIXES)}")
    try:
        node_ids: set[int] = set()
        ways = 0
        for way in osmium.FileProcessor(str(source), osmium.osm.WAY):
            if isinstance(way, osmium.osm.Way) and _is_routable(way.tags):
                node_ids.update(n.ref for n in way.nodes)
                ways += 1
        if ways == 0:
            raise InputDataError(str(source), "no routable highway ways (is this a street extract?)")
        nodes = 0
        with osmium.SimpleWriter(str(destination), overwrite=True) as writer:
            for obj in osmium.FileProcessor(str(source), osmium.osm.NODE | osmium.osm.WAY):
                if isinstance(obj, osmium.osm.Node):
                    if obj.id in node_ids:
                        writer.add_node(obj.replace(tags={}))
                        nodes += 1
                elif isinstance(obj, osmium.osm.Way) and _is_routable(obj.tags):
                    # Only the tags the profiles read: osmnx holds every tag of every way
                    # in memory while it builds the graph.
                    tags = {tag.k: tag.v for tag in obj.tags if tag.k in _KEPT_WAY_TAGS}
                    if "oneway" in tags:
                        tags[ORIGINAL_ONEWAY_TAG] = tags["oneway"]
                    writer.add_way(obj.replace(tags=tags))
    except RuntimeError as exc:  # libosmium reports parse errors as RuntimeError
        raise InputDataError(str(source), f"cannot read OSM data: {exc}") from exc
    if nodes < len(node_ids):
        logger.warning(
            "osm extract references missing nodes", extra={"source": str(source), "missing": len(node_ids) - nodes}
        )
    return OsmImportStats(ways=ways, nodes=nodes)


PRIVATE_ACCESS = frozenset({"private", "no", "customers", "permit"})


def bike_parking_from_osm_file(source: Path) -> NDArray[np.float64]:
    """Public bicycle parking of ``source`` as ``[n, 2]`` (lat, lon); ways and areas by their nodes' centre.

    Raises
    ------
    InputDataError
        When the file cannot be read as OSM data.
    """
    points: list[tuple[float, float]] = []
    try:
        for obj in osmium.FileProcessor(str(source), osmium.osm.NODE | osmium.osm.WAY).with_locations():
            tags = obj.tags
            if tags.get("amenity") != "bicycle_parking" or tags.get("access") in PRIVATE_ACCESS:
                continue
            if isinstance(obj, osmium.osm.Node):
                if obj.location.valid():
                    points.append((obj.location.lat, obj.location.lon))
                continue
            if not isinstance(obj, osmium.osm.Way):
                continue
            located = [(n.location.lat, n.location.lon) for n in obj.nodes if n.location.valid()]
            if located:
                points.append((sum(p[0] for p in located) / len(located), sum(p[1] for p in located) / len(located)))
    except RuntimeError as exc:
        raise InputDataError(str(source), f"cannot read OSM data: {exc}") from exc
    return np.array(points, dtype=np.float64).reshape(-1, 2)


def graph_from_osm_file(source: Path) -> nx.MultiDiGraph:
    """Return the unsimplified, bidirectional osmnx graph of the routable ways in ``source``.

    Every way appears in both directions (edge attribute ``reversed`` tells which); the
    profiles decide which directions are usable.
    """
    with tempfile.TemporaryDirectory(prefix="mobility-osm-") as tmp:
        filtered = Path(tmp) / "routable.osm"
        filter_routable_ways(source, filtered)
        with _osmnx_settings():
            try:
                return ox.graph_from_xml(filtered, bidirectional=True, simplify=False, retain_all=True)
            except (ValueError, KeyError) as exc:
                raise InputDataError(str(source), f"osmnx could not build a graph: {exc}") from exc


_HIGHWAY_FILTER = f'["highway"~"^({"|".join(sorted(ROUTABLE_HIGHWAYS))})$"]'


def graph_from_place(place: str) -> nx.MultiDiGraph:  # pragma: no cover - needs Overpass (online)
    """Fetch the routable ways of a named place from Overpass (needs internet)."""
    with _osmnx_settings():
        graph = ox.graph_from_place(
            place, network_type="all", custom_filter=_HIGHWAY_FILTER, simplify=False, retain_all=True
        )
    return _restore_oneway_from_overpass(graph)


def graph_from_bbox(
    west: float, south: float, east: float, north: float
) -> nx.MultiDiGraph:  # pragma: no cover - online
    """Fetch the routable ways inside a bounding box (degrees) from Overpass (needs internet)."""
    with _osmnx_settings():
        graph = ox.graph_from_bbox(
            (west, south, east, north),
            network_type="all",
            custom_filter=_HIGHWAY_FILTER,
            simplify=False,
            retain_all=True,
        )
    return _restore_oneway_from_overpass(graph)


def _restore_oneway_from_overpass(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Make an Overpass graph look like a file graph: every way in both directions.

    osmnx adds a one-way way only in its travel direction (already reversed for
    ``oneway=-1``) and marks it ``oneway=True``; record that as ``orig:oneway=yes`` and add
    the opposite edge so that walkers and contraflow cyclists can use it.
    """
    for u, v, data in list(graph.edges(data=True)):
        if data.get("oneway") is True:
            data[ORIGINAL_ONEWAY_TAG] = "yes"
            graph.add_edge(v, u, **{**data, "reversed": True})
        else:
            data[ORIGINAL_ONEWAY_TAG] = "no"
    return graph
