"""Write the demo city's streets as an OSM XML file (SYNTHETIC DEMO DATA).

Besides the grid it draws the features the profiles must handle: a cycleway beside the
first avenue, a park footway with steps (and a step-free detour), a pedestrian zone in
the centre, a private service road, a footway open to bicycles and a steep ramp; and
bicycle parking (nodes, one area, one private) beside tram stops for bike+ride.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO
from xml.sax.saxutils import escape

from routing.demo.city import SYNTHETIC_LABEL, CityPlan, Point
from routing.demo.write_gtfs import express_stops

CYCLEWAY_OFFSET_ROWS = 0.12
"""The cycleway runs 30 m (0.12 blocks) north of its avenue."""
POI_ID_BASE = 1_000_000
"""Ids of points of interest start here, or at the next power of ten above every way node id."""


def _attribute(value: str) -> str:
    return escape(value, {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#09;"})


def _tags(handle: TextIO, tags: dict[str, str], indent: str) -> None:
    for key, value in sorted(tags.items()):
        handle.write(f'{indent}<tag k="{_attribute(key)}" v="{_attribute(value)}" />\n')


class _OsmWriter:
    """Streams nodes and ways to two scratch files, joined behind the header by :meth:`write`.

    Only nodes that ways share (intersections) are remembered, by position; shape nodes
    (``shape_nodes`` per segment of a street) and points of interest get fresh ids and go
    straight to disk, so memory does not grow with them. The layout is the one
    ``xml.etree.ElementTree.indent(space=" ")`` gives.
    """

    def __init__(self, scratch: Path, *, poi_id_base: int) -> None:
        self._node_ids: dict[Point, int] = {}
        self._next_node = 1
        self._next_way = 1
        self._next_poi = poi_id_base
        self._poi_id_base = poi_id_base
        self._nodes = (scratch / "nodes.xml").open("w", encoding="utf-8")
        self._ways = (scratch / "ways.xml").open("w", encoding="utf-8")
        self._bounds = [90.0, 180.0, -90.0, -180.0]  # of the shared nodes, as before shape nodes existed

    def _write_node(self, node_id: int, point: Point, tags: dict[str, str] | None = None) -> None:
        opening = f' <node id="{node_id}" version="1" lat="{point.lat:.7f}" lon="{point.lon:.7f}"'
        if not tags:
            self._nodes.write(opening + " />\n")
            return
        self._nodes.write(opening + ">\n")
        _tags(self._nodes, tags, "  ")
        self._nodes.write(" </node>\n")

    def poi(self, point: Point, tags: dict[str, str]) -> None:
        """A tagged node that no way uses (a point of interest)."""
        self._write_node(self._next_poi, point, tags)
        self._next_poi += 1

    def node(self, point: Point) -> int:
        node_id = self._node_ids.get(point)
        if node_id is None:
            node_id = self._fresh_node(point)
            self._node_ids[point] = node_id
            bounds = self._bounds
            bounds[0], bounds[1] = min(bounds[0], point.lat), min(bounds[1], point.lon)
            bounds[2], bounds[3] = max(bounds[2], point.lat), max(bounds[3], point.lon)
        return node_id

    def _fresh_node(self, point: Point) -> int:
        node_id = self._next_node
        if node_id >= self._poi_id_base:
            msg = f"way node id {node_id} reached the first point-of-interest id {self._poi_id_base}"
            raise ValueError(msg)
        self._next_node += 1
        self._write_node(node_id, point)
        return node_id

    def way(self, points: Iterable[Point], tags: dict[str, str], *, shape_nodes: int = 0) -> None:
        """A way through ``points`` (shared by position), with ``shape_nodes`` fresh nodes inside each segment."""
        refs: list[int] = []
        previous: Point | None = None
        for point in points:
            if previous is not None:
                refs.extend(self._fresh_node(shape) for shape in _between(previous, point, shape_nodes))
            refs.append(self.node(point))
            previous = point
        ways = self._ways
        ways.write(f' <way id="{self._next_way}" version="1">\n')
        self._next_way += 1
        ways.writelines(f'  <nd ref="{ref}" />\n' for ref in refs)
        _tags(ways, tags, "  ")
        ways.write(" </way>\n")

    def write(self, path: Path) -> None:
        """Join header, nodes and ways into ``path`` and close the scratch files."""
        self._nodes.close()
        self._ways.close()
        south, west, north, east = self._bounds
        with path.open("w", encoding="utf-8") as out:
            out.write("<?xml version='1.0' encoding='utf-8'?>\n")
            out.write('<osm version="0.6" generator="kassel-mobility demo (synthetic)">\n')
            out.write(f" <note>{escape(SYNTHETIC_LABEL)}</note>\n")
            out.write(
                f' <bounds minlat="{south:.7f}" minlon="{west:.7f}" maxlat="{north:.7f}" maxlon="{east:.7f}" />\n'
            )
            for part in (self._nodes.name, self._ways.name):
                with open(part, encoding="utf-8") as handle:
                    shutil.copyfileobj(handle, out, 1 << 20)
            out.write("</osm>")


def _between(a: Point, b: Point, count: int) -> list[Point]:
    """``count`` points evenly spaced strictly between ``a`` and ``b`` (a straight street)."""
    return [
        Point(round(a.lat + (b.lat - a.lat) * i / (count + 1), 7), round(a.lon + (b.lon - a.lon) * i / (count + 1), 7))
        for i in range(1, count + 1)
    ]


def poi_id_base(plan: CityPlan, shape_nodes: int) -> int:
    """The first id of a point of interest: above every way node the plan can have."""
    way_nodes = 3 * plan.size * (plan.size + 1) * (shape_nodes + 1) + 1000
    return max(POI_ID_BASE, int(10 ** len(str(way_nodes))))


def write_osm(plan: CityPlan, path: Path, *, shape_nodes: int = 0) -> None:
    """Write the OSM XML file of ``plan`` to ``path``, streamed (memory does not grow with the file).

    ``shape_nodes`` adds that many nodes inside every segment of the grid's streets and
    the cycleway (between two intersections), as real streets have: the routable node
    count grows by that factor while the junctions stay the same.
    """
    with tempfile.TemporaryDirectory(prefix="demo-osm-", dir=path.parent) as scratch:
        osm = _OsmWriter(Path(scratch), poi_id_base=poi_id_base(plan, shape_nodes))
        _draw_grid(plan, osm, shape_nodes)
        _draw_features(plan, osm)
        osm.write(path)


def _draw_grid(plan: CityPlan, osm: _OsmWriter, shape_nodes: int) -> None:
    """The streets of every grid row and column, the pedestrian zone and the cycleway."""
    size = plan.size
    middle = plan.middle
    central_avenue = min(
        (s for s in plan.streets if s.highway == "primary" and s.axis == "row"), key=lambda s: abs(s.index - middle)
    )
    # A two-way cycleway runs beside the first west-east avenue; every crossing street
    # meets it in a junction node.
    cycle_avenue = next(s for s in plan.streets if s.highway == "primary" and s.axis == "row")
    cycle_row = cycle_avenue.index + CYCLEWAY_OFFSET_ROWS
    for street in plan.streets:
        if street.axis == "row":
            points = [plan.position(street.index, i) for i in range(size)]
        else:
            rows = sorted([*range(size), cycle_row])
            points = [plan.position(r, street.index) for r in rows]
        tags = {"highway": street.highway, "name": street.name, **dict(street.extra_tags)}
        if street.highway == "primary":
            tags["maxspeed"] = "50"
            tags["sidewalk"] = "both"
        # The central avenue is a pedestrian zone for three blocks.
        if street is central_avenue:
            west, east = points[: middle - 1], points[middle + 1 :]
            osm.way(west, tags, shape_nodes=shape_nodes)
            osm.way(east, tags, shape_nodes=shape_nodes)
            pedestrian = {"highway": "pedestrian", "name": "Königsplatz"}
            osm.way(points[middle - 2 : middle + 2], pedestrian, shape_nodes=shape_nodes)
            continue
        osm.way(points, tags, shape_nodes=shape_nodes)

    cycle_points = [plan.position(cycle_row, c) for c in range(size)]
    osm.way(
        cycle_points,
        {"highway": "cycleway", "name": f"Radweg {cycle_avenue.name}", "foot": "yes", "surface": "asphalt"},
        shape_nodes=shape_nodes,
    )


def _draw_features(plan: CityPlan, osm: _OsmWriter) -> None:
    """The park with steps and ramp, a footway open to bicycles, bicycle parking, a private service road."""
    size = plan.size
    middle = plan.middle
    # A park in the block north-east of the centre: diagonal footway with steps; the
    # step-free ramp beside it is steep (15 %), so wheelchairs go round by the streets.
    r0, c0 = middle, middle
    corner_a = plan.position(r0, c0)
    landing = plan.position(r0 + 0.5, c0 + 0.5)
    corner_b = plan.position(r0 + 1, c0 + 1)
    osm.way([corner_a, landing], {"highway": "footway", "name": "Parkweg", "surface": "paved"})
    osm.way([landing, corner_b], {"highway": "steps", "name": "Treppenweg", "step_count": "24"})
    ramp_mid = plan.position(r0 + 0.75, c0 + 0.4)
    osm.way(
        [landing, ramp_mid, corner_b], {"highway": "footway", "name": "Rampe", "incline": "15%", "surface": "paved"}
    )

    # A footway open to bicycles across the block south-west of the centre.
    osm.way(
        [plan.position(r0 - 1, c0 - 1), plan.position(r0 - 0.5, c0 - 0.5), plan.position(r0, c0)],
        {"highway": "footway", "bicycle": "yes", "name": "Auepfad"},
    )
    # Bicycle parking beside the tram stops at the ends and the middle of each tram line
    # (stops sit on every second intersection); one is mapped as an area, one is private.
    parking = {"amenity": "bicycle_parking", "bicycle_parking": "stands", "capacity": "20"}
    ends = sorted({2, size // 2 // 2 * 2, (size - 1) // 2 * 2 - 2})
    for number, line in enumerate(line for line in plan.lines if line.route_type == 0):
        for pos in ends:
            row, col = (line.index + 0.08, pos) if line.axis == "row" else (pos, line.index + 0.08)
            osm.poi(plan.position(row, col), parking)
        if number == 0:
            row, col = (line.index - 0.1, ends[0]) if line.axis == "row" else (ends[0], line.index - 0.1)
            corners = [
                plan.position(row, col),
                plan.position(row - 0.04, col),
                plan.position(row - 0.04, col + 0.04),
                plan.position(row, col + 0.04),
                plan.position(row, col),
            ]
            osm.way(corners, {**parking, "covered": "yes"})
            osm.poi(plan.position(row, col + 0.5), {**parking, "access": "private"})
    # Bicycle parking beside both stations of the regional train on the south edge.
    for col in express_stops(plan):
        osm.poi(plan.position(0.08, col), parking)
    # A private dead-end service road (closed to everyone routing through).
    osm.way(
        [plan.position(1, 1), plan.position(1.5, 1.5)],
        {"highway": "service", "access": "private", "name": "Werkszufahrt"},
    )
