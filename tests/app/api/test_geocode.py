"""GET /geocode, /geocode/reverse and geocode ids as /plan's from/to.

On the demo city (always there: named streets and stations, no addresses) and on the
Heidelberg extract (real addresses; skipped without ../shared/data). Expected names are
read from the OSM input files themselves with pyosmium.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import osmium
import pytest
from flask.testing import FlaskClient

from routing.geo import distance_m
from routing.region.region import Region
from tests.conftest_d.regions import DEMO_FIRST_DAY

MONDAY_8 = datetime.combine(DEMO_FIRST_DAY, datetime.min.time(), tzinfo=ZoneInfo("Europe/Berlin")) + timedelta(
    hours=8, minutes=3
)


def _osm_input(region: Region) -> Path:
    (osm,) = [item for item in region.manifest.inputs if item.kind == "osm"]
    return Path(osm.path)


def _street_names(path: Path) -> dict[str, list[tuple[float, float]]]:
    names: dict[str, list[tuple[float, float]]] = {}
    for way in osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY).with_locations():
        if isinstance(way, osmium.osm.Way) and way.tags.get("highway") and way.tags.get("name"):
            names.setdefault(way.tags["name"], []).extend((n.lat, n.lon) for n in way.nodes if n.location.valid())
    return names


def _geocode(client: FlaskClient, language: str = "de", **params: str) -> dict:  # type: ignore[type-arg]
    response = client.get("/api/v1/geocode", query_string=params, headers={"Accept-Language": language})
    assert response.status_code == 200, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def test_streets_of_the_demo_city_are_found_by_name(client: FlaskClient, demo_region: Region) -> None:
    streets = _street_names(_osm_input(demo_region))
    assert len(streets) > 5
    for name, points in sorted(streets.items())[:8]:
        results = _geocode(client, q=name)["results"]
        streets_found = [r for r in results if r["kind"] == "street" and r["name"] == name]
        assert streets_found, (name, results)
        top = streets_found[0]
        assert top["id"].startswith("geo:w") and top["kindName"] == "Straße"
        assert min(distance_m(top["lat"], top["lon"], lat, lon) for lat, lon in points) < 1.0


def test_stations_are_found_and_lead_to_their_departures(client: FlaskClient, demo_region: Region) -> None:
    timetable = demo_region.timetable
    station = next(i for i in range(len(timetable.stop_id)) if int(timetable.stop_location_type[i]) == 1)
    name = timetable.stop_name[station]
    results = _geocode(client, "en", q=name.lower().replace("ß", "ss"))["results"]
    stops = [r for r in results if r["kind"] == "stop"]
    assert stops and stops[0]["name"] == name and stops[0]["kindName"] == "Stop"
    assert stops[0]["stopId"] == timetable.stop_id[station]
    board = client.get(f"/api/v1/stops/{stops[0]['stopId']}/departures", query_string={"time": MONDAY_8.isoformat()})
    assert board.status_code == 200


def test_reverse_names_the_street_under_a_point(client: FlaskClient, demo_region: Region) -> None:
    streets = _street_names(_osm_input(demo_region))
    _, points = sorted(streets.items())[0]
    lat, lon = points[len(points) // 2]
    response = client.get("/api/v1/geocode/reverse", query_string={"at": f"{lat},{lon}"})
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert results and results[-1]["kind"] == "street"
    assert results[-1]["distanceMeters"] < 1.0
    on_the_spot = [n for n, p in streets.items() if min(distance_m(lat, lon, a, b) for a, b in p) < 1.0]
    assert results[-1]["name"] in on_the_spot
    far = client.get("/api/v1/geocode/reverse", query_string={"at": "0.5,0.5"})
    assert far.status_code == 200 and far.get_json()["results"] == []


def test_plan_accepts_a_geocode_id_as_from_and_to(client: FlaskClient, demo_region: Region) -> None:
    streets = sorted(_street_names(_osm_input(demo_region)))
    start = _geocode(client, q=streets[0])["results"][0]
    end = _geocode(client, q=streets[-1])["results"][0]
    query = {"from": start["id"], "to": end["id"], "time": MONDAY_8.isoformat(), "modes": "walk"}
    by_id = client.get("/api/v1/plan", query_string=query)
    assert by_id.status_code == 200, by_id.get_json()
    by_point = client.get(
        "/api/v1/plan",
        query_string=query | {"from": f"{start['lat']},{start['lon']}", "to": f"{end['lat']},{end['lon']}"},
    )
    planned, pointed = by_id.get_json()["itineraries"], by_point.get_json()["itineraries"]
    assert planned and [i["id"] for i in planned] == [i["id"] for i in pointed], "the same trips"
    legs = planned[0]["legs"]
    assert legs[0]["from"]["name"] == start["name"] and legs[-1]["to"]["name"] == end["name"]
    assert end["name"] in legs[-1]["instruction"]
    assert pointed[0]["legs"][0]["from"]["name"] == "Start", "coordinates have no name"


@pytest.mark.parametrize(
    ("value", "status"),
    [("geo:w999999999999", 422), ("geo:", 400), ("geo:bad id", 400), ("north", 400), ("place", 400)],
)
def test_bad_place_references_name_the_parameter(
    client: FlaskClient, demo_region: Region, value: str, status: int
) -> None:
    west, south, east, north = demo_region.manifest.bbox
    query = {"from": value, "to": f"{(south + north) / 2},{(west + east) / 2}", "time": MONDAY_8.isoformat()}
    response = client.get("/api/v1/plan", query_string=query, headers={"Accept-Language": "en"})
    assert response.status_code == status
    body = response.get_json()
    assert response.mimetype == "application/problem+json"
    assert [problem["field"] for problem in body["errors"]] == ["from"]
    if status == 422:
        assert body["type"].endswith("unknown-place") and "geo:w999999999999" in body["detail"]
        german = client.get("/api/v1/plan", query_string=query, headers={"Accept-Language": "de"}).get_json()
        assert "unbekannt" in german["detail"]


@pytest.mark.parametrize(
    ("params", "field"),
    [({}, "q"), ({"q": ""}, "q"), ({"q": "x", "limit": "0"}, "limit"), ({"q": "x", "near": "1"}, "near")],
)
def test_bad_geocode_queries_are_400(client: FlaskClient, params: dict[str, str], field: str) -> None:
    response = client.get("/api/v1/geocode", query_string=params)
    assert response.status_code == 400
    assert field in {problem["field"] for problem in response.get_json()["errors"]}


def test_geocode_is_documented(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/geocode" in spec["paths"] and "/api/v1/geocode/reverse" in spec["paths"]
    plan_from = next(p for p in spec["paths"]["/api/v1/plan"]["get"]["parameters"] if p["name"] == "from")
    assert "geo:" in plan_from["schema"]["pattern"]


def test_heidelberg_address_to_plan(make_app, heidelberg: Region) -> None:  # type: ignore[no-untyped-def]
    """A real address typed loosely, then planned from by its id."""
    client = make_app(region_path=heidelberg.path).test_client()
    counts = heidelberg.manifest.counts
    assert counts["geocode_addresses"] > 500 and counts["geocode_stops"] > 100
    address = None
    for node in osmium.FileProcessor(str(_osm_input(heidelberg)), osmium.osm.NODE):
        if node.tags.get("addr:street") == "Bergheimer Straße" and node.tags.get("addr:housenumber"):
            address = (node.tags["addr:housenumber"], node.lat, node.lon)
            break
    assert address is not None
    number, lat, lon = address
    results = _geocode(client, q=f"bergheimer str {number}")["results"]
    assert results[0]["name"] == f"Bergheimer Straße {number}" and results[0]["kind"] == "address"
    assert distance_m(results[0]["lat"], results[0]["lon"], lat, lon) < 150
    near = f"{results[0]['lat']},{results[0]['lon']}"
    stops = [r for r in _geocode(client, q="Bismarckplatz", near=near)["results"] if r["kind"] == "stop"]
    assert stops and "Bismarckplatz" in stops[0]["name"] and stops[0]["distanceMeters"] < 3000
    query = {"from": results[0]["id"], "to": stops[0]["id"], "time": "2022-07-05T08:00", "modes": "walk,transit"}
    planned = client.get("/api/v1/plan", query_string=query)
    assert planned.status_code == 200, planned.get_json()
    assert planned.get_json()["itineraries"]


def test_a_region_built_before_the_geocoder_searches_its_stations(demo_region: Region) -> None:
    from dataclasses import replace

    from app.region_services import GEOCODER

    old = replace(demo_region, geocode=None)
    geocoder = GEOCODER.build(old)
    timetable = demo_region.timetable
    station = next(i for i in range(len(timetable.stop_id)) if int(timetable.stop_location_type[i]) == 1)
    hits = geocoder.search(timetable.stop_name[station], limit=3)
    assert hits and hits[0].ref == f"s{timetable.stop_id[station]}"
    assert geocoder.reverse(float(timetable.stop_lat[station]), float(timetable.stop_lon[station])) == []
