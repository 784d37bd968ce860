"""Real district polygons: Monaco's 9 quartiers (OSM admin_level 10) from ../shared/data/osm-perf/monaco.osm.pbf.

Each ride is placed at a real building; its district is checked against a ray-casting
point-in-polygon written here from the even-odd rule (not shapely), and the published
per-district figures against that reference's counts.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import osmium
import pytest
import shapely.geometry
import shapely.wkb
from sqlalchemy.orm import Session

from app.open_data.districts import OUTSIDE, load_districts
from app.open_data.pipeline import export_open_data
from tests.app.open_data.seed import BERLIN, add_person, add_rides

pytestmark = pytest.mark.realdata


def quartiers(pbf: Path, out: Path) -> None:
    factory = osmium.geom.WKBFactory()
    features = []
    boundaries = osmium.filter.TagFilter(("boundary", "administrative"))
    for area in osmium.FileProcessor(str(pbf)).with_areas().with_filter(boundaries):
        if area.is_area() and area.tags.get("admin_level") == "10":
            geometry = shapely.wkb.loads(factory.create_multipolygon(area), hex=True)
            features.append(
                {
                    "type": "Feature",
                    "geometry": shapely.geometry.mapping(geometry),
                    "properties": {"district_id": f"r{area.orig_id()}", "name": area.tags.get("name", "?")},
                }
            )
    out.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")


def building_points(pbf: Path, every: int) -> list[tuple[float, float]]:
    points = []
    seen = 0
    buildings = osmium.filter.KeyFilter("building")
    for way in osmium.FileProcessor(str(pbf)).with_locations().with_filter(buildings):
        if not way.is_way() or len(way.nodes) < 4:
            continue
        seen += 1
        if seen % every:
            continue
        lats = [node.lat for node in way.nodes]
        lons = [node.lon for node in way.nodes]
        points.append((sum(lats) / len(lats), sum(lons) / len(lons)))
    return points


def inside(lat: float, lon: float, rings: list[list[list[float]]]) -> bool:
    """Even-odd rule over every ring (outer and holes): a horizontal ray crosses an odd number of edges."""
    crossings = 0
    for ring in rings:
        for (x1, y1), (x2, y2) in itertools.pairwise(ring):
            if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
                crossings += 1
    return crossings % 2 == 1


def reference_district(lat: float, lon: float, features: list[dict[str, Any]]) -> str:
    for feature in features:
        rings = [ring for polygon in feature["geometry"]["coordinates"] for ring in polygon]
        if inside(lat, lon, rings):
            return str(feature["properties"]["district_id"])
    return OUTSIDE


def test_rides_at_real_buildings_are_counted_in_their_quartier(
    shared_data: Path, db_session: Session, tmp_path: Path
) -> None:
    pbf = shared_data / "osm-perf" / "monaco.osm.pbf"
    if not pbf.is_file():
        pytest.skip(f"{pbf} is not there")
    path = tmp_path / "quartiers.geojson"
    quartiers(pbf, path)
    districts = load_districts(path)
    assert len(districts.districts) == 9
    features = json.loads(path.read_text("utf-8"))["features"]
    points = building_points(pbf, every=5)
    assert len(points) > 500
    expected = [reference_district(lat, lon, features) for lat, lon in points]
    assert [districts.locate(lat, lon) for lat, lon in points] == expected
    counts = Counter(expected)
    assert len([d for d in counts if d != OUTSIDE]) == 9  # buildings in every quartier

    for (lat, lon), district in zip(points, expected, strict=True):
        person = add_person(db_session)
        add_rides(
            db_session,
            person,
            1,
            day=date(2026, 10, 14),
            origin=district,
            destination=district,
            points=((lat, lon), (lat, lon)),
        )
    db_session.commit()
    export_open_data(db_session, tmp_path / "out", districts=districts, zone=BERLIN, as_of=date(2026, 12, 2), k=10)
    usage = json.loads((tmp_path / "out" / "usage" / "usage.json").read_text("utf-8"))
    origin = next(t for t in usage["tables"] if t["name"] == "rides_by_origin_district")["lines"][0]
    assert origin["total"] == len(points)
    published = {d: v for d, v in origin["cells"].items() if v is not None}
    assert published and all(counts[d] == v for d, v in published.items())
    hidden = [d for d, v in origin["cells"].items() if v is None]
    assert all(counts[d] < 10 for d in hidden) or len(hidden) >= 2
