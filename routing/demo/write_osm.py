"""Write the demo city's streets as an OSM XML file (SYNTHETIC DEMO DATA).

Besides the grid it draws the features the profiles must handle: a cycleway beside the
first avenue, a park footway with steps (and a step-free detour), a pedestrian zone in
the centre, a private service road, a footway open to bicycles and a steep ramp; and
bicycle parking (nodes, one area, one private) beside tram stops for bike+ride.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path

from routing.demo.city import SYNTHETIC_LABEL, CityPlan, Point
from routing.demo.write_gtfs import express_stops

CYCLEWAY_OFFSET_ROWS = 0.12
"""The cycleway runs 30 m (0.12 blocks) north of its avenue."""


class _OsmBuilder:
    def __init__(self) -> None:
        self.root = ET.Element("osm", version="0.6", generator="kassel-mobility demo (synthetic)")
        ET.SubElement(self.root, "note").text = SYNTHETIC_LABEL
        self._node_ids: dict[Point, int] = {}
        self._next_way = 1
        self._nodes = ET.SubElement(self.root, "bounds")  # placeholder, replaced in finish()
        self._node_elements: list[ET.Element] = []
        self._way_elements: list[ET.Element] = []
        self._next_poi = 1_000_000

    def poi(self, point: Point, tags: dict[str, str]) -> None:
        """A tagged node that no way uses (a point of interest)."""
        element = ET.Element(
            "node", id=str(self._next_poi), version="1", lat=f"{point.lat:.7f}", lon=f"{point.lon:.7f}"
        )
        self._next_poi += 1
        for key, value in sorted(tags.items()):
            ET.SubElement(element, "tag", k=key, v=value)
        self._node_elements.append(element)

    def node(self, point: Point) -> int:
        node_id = self._node_ids.get(point)
        if node_id is None:
            node_id = len(self._node_ids) + 1
            self._node_ids[point] = node_id
            self._node_elements.append(
                ET.Element("node", id=str(node_id), version="1", lat=f"{point.lat:.7f}", lon=f"{point.lon:.7f}")
            )
        return node_id

    def way(self, points: Iterable[Point], tags: dict[str, str]) -> None:
        way = ET.Element("way", id=str(self._next_way), version="1")
        self._next_way += 1
        for point in points:
            ET.SubElement(way, "nd", ref=str(self.node(point)))
        for key, value in sorted(tags.items()):
            ET.SubElement(way, "tag", k=key, v=value)
        self._way_elements.append(way)

    def write(self, path: Path) -> None:
        lats = [p.lat for p in self._node_ids]
        lons = [p.lon for p in self._node_ids]
        self._nodes.attrib.update(
            minlat=f"{min(lats):.7f}", minlon=f"{min(lons):.7f}", maxlat=f"{max(lats):.7f}", maxlon=f"{max(lons):.7f}"
        )
        self.root.extend(self._node_elements)
        self.root.extend(self._way_elements)
        ET.indent(self.root, space=" ")
        ET.ElementTree(self.root).write(path, encoding="utf-8", xml_declaration=True)


def write_osm(plan: CityPlan, path: Path) -> None:
    """Write the OSM XML file of ``plan`` to ``path``."""
    osm = _OsmBuilder()
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
            osm.way(west, tags)
            osm.way(east, tags)
            osm.way(points[middle - 2 : middle + 2], {"highway": "pedestrian", "name": "Königsplatz"})
            continue
        osm.way(points, tags)

    cycle_points = [plan.position(cycle_row, c) for c in range(size)]
    osm.way(
        cycle_points,
        {"highway": "cycleway", "name": f"Radweg {cycle_avenue.name}", "foot": "yes", "surface": "asphalt"},
    )

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
    osm.write(path)
