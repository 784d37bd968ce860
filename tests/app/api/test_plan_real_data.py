"""/plan on real data (../shared/data): Porto Alegre (bus + metro) and Heidelberg (VRN).

Every mode combination the region supports answers with consistent itineraries, and
random requests across the region answer 200 or a named 4xx, never a 500.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient

from routing.region.region import Region


def _client(make_app, region: Region) -> FlaskClient:  # type: ignore[no-untyped-def]
    application: Flask = make_app(region_path=region.path)
    return application.test_client()


def _stop_points(region: Region, count: int, seed: int) -> list[tuple[str, str]]:
    """Pairs of points a little off random stops that lie on the street network."""
    rng = np.random.default_rng(seed)
    offsets = np.asarray(region.footpaths["walk"].stop_position_offsets)
    stops = np.flatnonzero(np.diff(offsets) > 0)
    lat, lon = np.asarray(region.timetable.stop_lat), np.asarray(region.timetable.stop_lon)
    pairs = []
    for _ in range(count):
        a, b = rng.choice(stops, 2, replace=False)
        pairs.append(
            (
                f"{lat[a] + rng.normal(0, 0.001):.6f},{lon[a] + rng.normal(0, 0.001):.6f}",
                f"{lat[b] + rng.normal(0, 0.001):.6f},{lon[b] + rng.normal(0, 0.001):.6f}",
            )
        )
    return pairs


def _check_itinerary(itinerary: dict, start: datetime) -> None:  # type: ignore[type-arg]
    legs = itinerary["legs"]
    assert legs[0]["from"]["kind"] == "origin" and legs[-1]["to"]["kind"] == "destination"
    assert datetime.fromisoformat(itinerary["start"]) >= start
    for before, after in itertools.pairwise(legs):
        assert before["end"] <= after["start"]
    for leg in legs:
        assert len(leg["geometry"]["coordinates"]) >= 2
        assert leg["durationSeconds"] >= 0 and leg["distanceMeters"] >= 0
        if leg["mode"] == "transit":
            assert leg["transit"]["tripId"] and leg["from"]["stopId"] and leg["to"]["stopId"]


@pytest.mark.parametrize("region_name", ["porto_alegre", "heidelberg"])
def test_every_mode_combination_on_real_data(make_app, request: pytest.FixtureRequest, region_name: str) -> None:  # type: ignore[no-untyped-def]
    region: Region = request.getfixturevalue(region_name)
    client = _client(make_app, region)
    zone = ZoneInfo(region.manifest.timezone)
    assert region.manifest.valid_from is not None
    start = datetime.combine(region.manifest.valid_from, datetime.min.time(), tzinfo=zone) + timedelta(hours=8)
    answered = {"walk": 0, "bike": 0, "walk,transit": 0}
    for origin, destination in _stop_points(region, 12, seed=3):
        for modes in answered:
            response = client.get(
                "/api/v1/plan",
                query_string={"from": origin, "to": destination, "time": start.isoformat(), "modes": modes},
            )
            assert response.status_code in (200, 422), response.get_json()
            if response.status_code == 422:
                assert response.get_json()["errors"][0]["field"] in ("from", "to")
                continue
            body = response.get_json()
            for itinerary in body["itineraries"]:
                _check_itinerary(itinerary, start)
                assert set(itinerary["modes"]) <= set(modes.split(","))
            answered[modes] += bool(body["itineraries"])
    assert answered["walk"] >= 8 and answered["bike"] >= 8
    assert answered["walk,transit"] >= 8
    assert any(
        leg["mode"] == "transit"
        for origin, destination in _stop_points(region, 12, seed=3)
        for itinerary in client.get(
            "/api/v1/plan", query_string={"from": origin, "to": destination, "time": start.isoformat()}
        )
        .get_json()
        .get("itineraries", [])
        for leg in itinerary["legs"]
    )


def test_arrive_by_and_wheelchair_on_porto_alegre(make_app, porto_alegre: Region) -> None:  # type: ignore[no-untyped-def]
    client = _client(make_app, porto_alegre)
    zone = ZoneInfo(porto_alegre.manifest.timezone)
    assert porto_alegre.manifest.valid_from is not None
    deadline = datetime.combine(porto_alegre.manifest.valid_from, datetime.min.time(), tzinfo=zone) + timedelta(
        hours=18
    )
    checked = 0
    for origin, destination in _stop_points(porto_alegre, 10, seed=11):
        for extra in ({"arriveBy": "true"}, {"arriveBy": "true", "wheelchair": "true", "walkSpeed": "slow"}):
            response = client.get(
                "/api/v1/plan", query_string={"from": origin, "to": destination, "time": deadline.isoformat(), **extra}
            )
            assert response.status_code in (200, 422)
            if response.status_code == 200:
                for itinerary in response.get_json()["itineraries"]:
                    assert datetime.fromisoformat(itinerary["end"]) <= deadline
                    checked += 1
    assert checked >= 5


def test_bike_and_ride_on_heidelberg(make_app, heidelberg: Region) -> None:  # type: ignore[no-untyped-def]
    """From Handschuhsheim in the north to the south of the city: cycle to a stop with bicycle parking, then ride."""
    assert heidelberg.street.bike_parking.shape[0] > 10  # from the OSM extract's amenity=bicycle_parking
    client = _client(make_app, heidelberg)
    start = datetime(2022, 7, 5, 8, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    response = client.get(
        "/api/v1/plan",
        query_string={
            "from": "49.475112,8.660217",
            "to": "49.383321,8.692464",
            "time": start.isoformat(),
            "modes": "bike,transit",
        },
    )
    assert response.status_code == 200
    body = response.get_json()
    assert "bike_and_ride_unavailable" not in {warning["code"] for warning in body["warnings"]}
    bike_and_ride = [it for it in body["itineraries"] if it["legs"][0]["mode"] == "bike" and "transit" in it["modes"]]
    assert bike_and_ride, [it["modes"] for it in body["itineraries"]]
    itinerary = bike_and_ride[0]
    _check_itinerary(itinerary, start)
    bike = itinerary["legs"][0]
    assert bike["to"]["kind"] == "bike_parking" and bike["sharing"] is None and bike["distanceMeters"] > 300
    first_ride = next(leg for leg in itinerary["legs"] if leg["mode"] == "transit")
    assert bike["end"] <= first_ride["start"]
    parked = min(
        float(np.hypot(lat - bike["to"]["lat"], lon - bike["to"]["lon"]))
        for lat, lon in np.asarray(heidelberg.street.bike_parking).tolist()
    )
    assert parked < 1e-6  # the bike is locked at a mapped bicycle parking
