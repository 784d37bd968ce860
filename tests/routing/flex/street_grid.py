"""A synthetic street grid over any bounding box, as OSM XML, for feeds that come without streets (SYNTHETIC)."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path

SPACING_M = 150.0


def write_grid(path: Path, *, south: float, west: float, north: float, east: float) -> Path:
    """Residential streets every ``SPACING_M`` metres both ways over the box (a little beyond it)."""
    lat_step = math.degrees(SPACING_M / 6_371_008.8)
    lon_step = lat_step / math.cos(math.radians((south + north) / 2))
    rows = math.ceil((north - south) / lat_step) + 3
    cols = math.ceil((east - west) / lon_step) + 3
    root = ET.Element("osm", version="0.6", generator="kassel-mobility tests (synthetic grid)")
    ids: dict[tuple[int, int], int] = {}
    for r in range(rows):
        for c in range(cols):
            ids[(r, c)] = len(ids) + 1
            lat, lon = south + (r - 1) * lat_step, west + (c - 1) * lon_step
            ET.SubElement(root, "node", id=str(ids[(r, c)]), version="1", lat=f"{lat:.7f}", lon=f"{lon:.7f}")
    way = 1
    lines = [[(r, c) for c in range(cols)] for r in range(rows)] + [[(r, c) for r in range(rows)] for c in range(cols)]
    for line in lines:
        element = ET.SubElement(root, "way", id=str(way), version="1")
        way += 1
        for key in line:
            ET.SubElement(element, "nd", ref=str(ids[key]))
        ET.SubElement(element, "tag", k="highway", v="residential")
        ET.SubElement(element, "tag", k="name", v=f"Synthetic {way}")
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return path


def write_fixed_feed(folder: Path, *, timezone: str, lat: float, lon: float) -> Path:
    """One fixed bus trip with two stops near (lat, lon), every day of 2020-2022 (the build needs one)."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "agency.txt": f"agency_id,agency_name,agency_url,agency_timezone\nfx,Fixed (synthetic),https://example.invalid,{timezone}\n",
        "stops.txt": f"stop_id,stop_name,stop_lat,stop_lon\nA,Alpha,{lat},{lon}\nB,Beta,{lat + 0.003},{lon + 0.003}\n",
        "routes.txt": "route_id,agency_id,route_short_name,route_type\nR,fx,1,3\n",
        "trips.txt": "route_id,service_id,trip_id\nR,ALL,T1\n",
        "calendar.txt": (
            "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
            "ALL,1,1,1,1,1,1,1,20200101,20221231\n"
        ),
        "stop_times.txt": (
            "trip_id,arrival_time,departure_time,stop_id,stop_sequence\nT1,12:00:00,12:00:00,A,1\nT1,12:05:00,12:05:00,B,2\n"
        ),
    }
    for name, content in files.items():
        (folder / name).write_text(content, encoding="utf-8")
    return folder
