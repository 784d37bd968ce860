"""Turn-by-turn steps on /plan's walk, bike and sharing legs, in JSON and GeoJSON, de and en."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from routing.geo import distance_m
from routing.region.region import Region
from tests.app.api.demo_points import MONDAY_8, corner
from tests.app.sandbox_trips import plan_trip


def _plan(client: FlaskClient, region: Region, modes: str, language: str, **headers: str):  # type: ignore[no-untyped-def]
    query = {"from": corner(region, 0.2, 0.2), "to": corner(region, 0.8, 0.7), "time": MONDAY_8.isoformat()}
    return client.get(
        "/api/v1/plan", query_string=query | {"modes": modes}, headers={"Accept-Language": language, **headers}
    )


@pytest.mark.parametrize("modes", ["walk", "bike", "walk,transit"])
def test_street_legs_carry_their_steps(client: FlaskClient, demo_region: Region, modes: str) -> None:
    body = _plan(client, demo_region, modes, "en").get_json()
    legs = [leg for itinerary in body["itineraries"] for leg in itinerary["legs"]]
    street_legs = [leg for leg in legs if leg["mode"] in ("walk", "bike") and leg["distanceMeters"] > 50]
    assert street_legs
    for leg in legs:
        if leg["mode"] == "transit":
            assert leg["steps"] == []
    for leg in street_legs:
        steps = leg["steps"]
        assert steps[0]["action"] == "depart" and steps[-1]["action"] == "arrive"
        assert steps[0]["instruction"].startswith("Head ")
        assert sum(step["distanceMeters"] for step in steps) == pytest.approx(leg["distanceMeters"], abs=1.0)
        line = leg["geometry"]["coordinates"]
        for step in steps:  # every step lies on the leg's line
            assert min(distance_m(step["lat"], step["lon"], lat, lon) for lon, lat in line) < 1.0
            assert 0 <= step["bearingAfter"] < 360
        for step in steps[1:-1]:
            assert step["action"] in ("turn", "continue") and step["modifier"]


def test_steps_speak_german_by_default_and_english_when_asked(client: FlaskClient, demo_region: Region) -> None:
    german = _plan(client, demo_region, "walk", "de").get_json()["itineraries"][0]["legs"][0]["steps"]
    english = _plan(client, demo_region, "walk", "en").get_json()["itineraries"][0]["legs"][0]["steps"]
    assert [s["streetName"] for s in german] == [s["streetName"] for s in english]
    assert german[0]["instruction"].startswith("Richtung ") and german[-1]["instruction"] == "Angekommen"
    assert english[-1]["instruction"] == "You have arrived"
    turns = [(g, e) for g, e in zip(german, english, strict=True) if g["action"] == "turn"]
    for g, e in turns:
        assert " abbiegen auf " in g["instruction"] or g["instruction"].startswith("Wenden")
        assert e["instruction"].startswith(("Turn ", "Make a U-turn"))


def test_geojson_features_carry_the_steps(client: FlaskClient, demo_region: Region) -> None:
    response = _plan(client, demo_region, "walk", "en", Accept="application/geo+json")
    assert response.mimetype == "application/geo+json"
    features = response.get_json()["features"]
    assert features and all(feature["properties"]["steps"] for feature in features)
    assert features[0]["properties"]["steps"][0]["action"] == "depart"


def test_shared_bike_rides_carry_their_steps(sharing_client: FlaskClient) -> None:
    body = plan_trip(sharing_client, "bikeshare")
    rides = [leg for itinerary in body["itineraries"] for leg in itinerary["legs"] if leg["mode"] == "bikeshare"]
    assert rides
    for ride in rides:
        steps = ride["steps"]
        assert steps and steps[0]["action"] == "depart" and steps[-1]["action"] == "arrive"
        line = ride["geometry"]["coordinates"]
        for step in steps:
            assert min(distance_m(step["lat"], step["lon"], lat, lon) for lon, lat in line) < 1.0
            assert step["notice"] in ("", "push", "steps")
