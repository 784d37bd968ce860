"""Districts, homes and destinations: GeoJSON files (and their errors) and real OSM extracts."""

from __future__ import annotations

import json
import math
from pathlib import Path

import osmium
import pytest

from routing.accessibility.config import DEFAULT_CATEGORIES, Category
from routing.accessibility.places import (
    RESIDENTIAL_BUILDINGS,
    Origin,
    assign_districts,
    destinations_from_geojson,
    districts_from_geojson,
    places_from_osm,
)
from routing.errors import InputDataError

SQUARE = {"type": "Polygon", "coordinates": [[[9.0, 51.0], [9.1, 51.0], [9.1, 51.1], [9.0, 51.1], [9.0, 51.0]]]}
AMENITY_ONLY = (
    Category("doctors", "Arzt", "Doctor", {"amenity": ("doctors",)}),
    Category("pharmacy", "Apotheke", "Pharmacy", {"amenity": ("pharmacy",)}),
    Category("school", "Schule", "School", {"amenity": ("school",)}),
    Category("kindergarten", "Kita", "Kindergarten", {"amenity": ("kindergarten",)}),
)


def _write(path: Path, features: list[dict[str, object]]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def _feature(properties: dict[str, object], geometry: dict[str, object] = SQUARE) -> dict[str, object]:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def test_districts_file_is_read_with_population(tmp_path: Path):
    path = _write(tmp_path / "d.geojson", [_feature({"id": 7, "name": "Mitte", "population": 12000})])
    (district,) = districts_from_geojson(path)
    assert (district.district_id, district.name, district.population, district.source) == (
        "7",
        "Mitte",
        12000.0,
        "file",
    )
    assert district.geometry.contains(district.geometry.centroid)


@pytest.mark.parametrize(
    ("properties", "geometry", "field"),
    [
        ({"name": "Mitte"}, SQUARE, "'id'"),
        ({"id": "1"}, SQUARE, "'name'"),
        ({"id": "1", "name": "Mitte", "population": -3}, SQUARE, "'population'"),
        ({"id": "1", "name": "Mitte", "population": "many"}, SQUARE, "'population'"),
        ({"id": "1", "name": "Mitte"}, {"type": "Point", "coordinates": [9.0, 51.0]}, "'geometry'"),
        ({"id": "1", "name": "Mitte"}, {"type": "Polygon"}, "'geometry'"),
    ],
)
def test_bad_district_features_name_file_feature_and_field(tmp_path: Path, properties, geometry, field):
    path = _write(tmp_path / "d.geojson", [_feature({"id": "0", "name": "ok"}), _feature(properties, geometry)])
    with pytest.raises(InputDataError) as caught:
        districts_from_geojson(path)
    message = str(caught.value)
    assert str(path) in message and "feature 1" in message and field in message


def test_repeated_district_ids_and_non_geojson_are_refused(tmp_path: Path):
    path = _write(tmp_path / "d.geojson", [_feature({"id": "1", "name": "a"}), _feature({"id": "1", "name": "b"})])
    with pytest.raises(InputDataError, match="repeats"):
        districts_from_geojson(path)
    broken = tmp_path / "broken.geojson"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputDataError, match="cannot read GeoJSON"):
        districts_from_geojson(broken)
    listed = tmp_path / "list.geojson"
    listed.write_text("[]", encoding="utf-8")
    with pytest.raises(InputDataError, match="FeatureCollection"):
        districts_from_geojson(listed)
    with pytest.raises(InputDataError, match="no district features"):
        districts_from_geojson(_write(tmp_path / "empty.geojson", []))


def test_destinations_file_needs_a_known_category_and_a_point(tmp_path: Path):
    point = {"type": "Point", "coordinates": [9.05, 51.05]}
    good = _write(tmp_path / "p.geojson", [_feature({"category": "care_point", "name": "Pflegestützpunkt"}, point)])
    (place,) = destinations_from_geojson(good, DEFAULT_CATEGORIES)
    assert (place.category, place.name, place.lat, place.lon) == ("care_point", "Pflegestützpunkt", 51.05, 9.05)
    unknown = _write(tmp_path / "u.geojson", [_feature({"category": "casino"}, point)])
    with pytest.raises(InputDataError, match=r"feature 0: property 'category' must be one of"):
        destinations_from_geojson(unknown, DEFAULT_CATEGORIES)
    polygon = _write(tmp_path / "g.geojson", [_feature({"category": "doctor"}, SQUARE)])
    with pytest.raises(InputDataError, match="'geometry' must be a Point"):
        destinations_from_geojson(polygon, DEFAULT_CATEGORIES)
    far = _write(tmp_path / "f.geojson", [_feature({"category": "doctor"}, {"type": "Point", "coordinates": [200, 1]})])
    with pytest.raises(InputDataError, match="out of range"):
        destinations_from_geojson(far, DEFAULT_CATEGORIES)


def test_origins_go_to_the_district_containing_them(tmp_path: Path):
    left = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
    right = {"type": "Polygon", "coordinates": [[[1, 0], [2, 0], [2, 1], [1, 1], [1, 0]]]}
    path = _write(
        tmp_path / "d.geojson", [_feature({"id": "L", "name": "L"}, left), _feature({"id": "R", "name": "R"}, right)]
    )
    districts = districts_from_geojson(path)
    origins = [Origin("a", 0.5, 0.5, 1), Origin("b", 0.5, 1.5, 1), Origin("c", 5, 5, 1)]
    assert assign_districts(origins, districts).tolist() == [0, 1, -1]


# Real extracts ------------------------------------------------------------------------


@pytest.mark.realdata
def test_monaco_has_its_nine_quarters_at_admin_level_10(shared_data: Path):
    places = places_from_osm(shared_data / "osm-perf" / "monaco.osm.pbf", AMENITY_ONLY, admin_level=10)
    names = {d.name for d in places.districts}
    assert len(places.districts) == 9  # MANIFEST: all 9 Monaco quartiers assemble
    assert {"Monaco-Ville", "Monte-Carlo", "Fontvieille", "La Condamine", "Larvotto"} <= names
    by_category = {c.key: sum(1 for d in places.destinations if d.category == c.key) for c in AMENITY_ONLY}
    assert by_category["pharmacy"] == 23 and by_category["school"] == 16  # MANIFEST counts
    assert all(d.source == "osm:admin_level=10" for d in places.districts)
    # Monaco tags nearly every building "yes" and maps residential land only across the French border.
    within = assign_districts(places.origins, places.districts) >= 0
    assert within.sum() < 50
    everything = places_from_osm(
        shared_data / "osm-perf" / "monaco.osm.pbf", AMENITY_ONLY, admin_level=10, all_buildings=True
    )
    in_quarters = assign_districts(everything.origins, everything.districts)
    assert set(in_quarters[in_quarters >= 0].tolist()) == set(range(9))  # homes in every quarter
    assert (in_quarters >= 0).sum() > 500


@pytest.mark.realdata
def test_berlin_extract_amenities_and_homes_match_an_osmium_count(shared_data: Path):
    source = shared_data / "districts" / "test-addr-postal-code.osm.pbf"
    places = places_from_osm(source, AMENITY_ONLY, admin_level=10)
    counts = {c.key: sum(1 for d in places.destinations if d.category == c.key) for c in AMENITY_ONLY}
    assert counts == {"doctors": 34, "pharmacy": 11, "school": 10, "kindergarten": 42}  # MANIFEST (nodes + ways)
    assert places.districts == []  # MANIFEST: the clipped boundary relations do not assemble
    closed_homes = {
        f"way/{way.id}"
        for way in osmium.FileProcessor(str(source), osmium.osm.WAY)
        if way.tags.get("building") in RESIDENTIAL_BUILDINGS and way.is_closed()
    }
    homes = {o.origin_id for o in places.origins}
    assert closed_homes <= homes
    assert all(o.weight > 0 for o in places.origins)


@pytest.mark.realdata
def test_berlin_postal_code_area_takes_its_homes(shared_data: Path):
    source = shared_data / "districts" / "test-addr-postal-code.osm.pbf"
    places = places_from_osm(source, AMENITY_ONLY, admin_level=10, boundary="postal_code")
    assembled = [d for d in places.districts if d.name == "13351"]
    assert len(assembled) == 1 and assembled[0].source == "osm:boundary=postal_code"  # MANIFEST: Wedding, 2.6 km²
    polygon = assembled[0].geometry
    metres_per_degree = 111_195.0  # on a sphere of radius 6,371 km
    area_m2 = polygon.area * metres_per_degree**2 * math.cos(math.radians(polygon.centroid.y))
    assert 2.3e6 < area_m2 < 2.9e6
    inside = assign_districts(places.origins, assembled)
    assert (inside == 0).sum() > 100  # Wedding's homes
