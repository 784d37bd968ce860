"""Sharing on real data: Herrenberg's VVS buses and OSM with the real stadtnavi GBFS snapshots.

The snapshots are served over loopback HTTP and read by the built-in GBFS adapter, as a
deployment would read the operators' feeds. Skips cleanly without ``../shared/data``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient

from providers.registry import InstanceConfig, build_registry, discover_factories
from tests.conftest_d.gbfs_server import GbfsFolderServer

MONDAY_9 = datetime(2021, 7, 5, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))
NEAR_STATION = "48.5936,8.8628"  # by "Herrenberg Bahnhof (P+R-Anlage Süd)" of Stadtmobil
NORTH_EAST = "48.6040,8.8800"


@pytest.fixture
def herrenberg_client(  # type: ignore[no-untyped-def]
    herrenberg: Path, shared_data: Path, make_app, gbfs_folder_server: Callable[[Path], GbfsFolderServer]
) -> FlaskClient:
    feeds = shared_data / "herrenberg" / "gbfs"
    cars = gbfs_folder_server(feeds / "car-sharing")
    cargo = gbfs_folder_server(feeds / "stadtrad")
    factories, broken = discover_factories()
    registry = build_registry(
        [
            InstanceConfig(
                "stadtmobil",
                "gbfs",
                {
                    "discovery_url": cars.discovery_url,
                    "form_factor": "car",
                    "return_constraint": "roundtrip_station",
                },
            ),
            InstanceConfig("stadtrad", "gbfs", {"discovery_url": cargo.discovery_url}),
        ],
        factories,
        {},
        broken_adapters=broken,
    )
    assert not registry.failures
    client: FlaskClient = make_app(providers=registry, region_path=herrenberg).test_client()
    return client


def get(client: FlaskClient, path: str, **query: str) -> dict[str, Any]:
    response = client.get(path, query_string=query, headers={"Accept-Language": "de"})
    assert response.status_code == 200, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def test_stadtmobil_round_trip_from_the_station_at_the_railway_station(
    herrenberg_client: FlaskClient,
) -> None:
    body = get(
        herrenberg_client,
        "/api/v1/plan",
        **{"from": NEAR_STATION, "to": NORTH_EAST, "time": MONDAY_9.isoformat(), "modes": "carsharing"},
    )
    assert body["warnings"] == [] and body["itineraries"]
    legs = body["itineraries"][0]["legs"]
    drive = next(leg for leg in legs if leg["mode"] == "carsharing")
    assert drive["sharing"]["provider"] == "stadtmobil"
    assert drive["sharing"]["pickupStationId"] == drive["sharing"]["dropoffStationId"] == "824"
    assert drive["sharing"]["roundTrip"] is True
    assert drive["from"]["name"] == "Herrenberg Bahnhof (P+R-Anlage Süd)"
    assert drive["distanceMeters"] > 1000 and len(drive["geometry"]["coordinates"]) > 5
    assert "Rückgabe an der Station" in drive["instruction"]
    # The snapshot has no pricing plans: the leg is unpriced rather than guessed.
    assert drive["sharing"]["quote"] is None


def test_vehicle_list_shows_unknown_counts_as_unknown(herrenberg_client: FlaskClient) -> None:
    body = get(herrenberg_client, "/api/v1/vehicles", near=NEAR_STATION, radius="1500")
    by_id = {station["stationId"]: station for station in body["stations"]}
    assert {"823", "824", "technisches_rathaus"} <= set(by_id)
    assert by_id["824"]["vehiclesAvailable"] is None  # the feed says -1: not published
    assert by_id["824"]["mode"] == "carsharing"
    assert by_id["technisches_rathaus"]["mode"] == "bikeshare"
    assert by_id["technisches_rathaus"]["vehiclesByType"][0]["vehicleType"] == "Lastenrad"


def test_walk_transit_and_sharing_together_on_real_data(herrenberg_client: FlaskClient) -> None:
    body = get(
        herrenberg_client,
        "/api/v1/plan",
        **{
            "from": NEAR_STATION,
            "to": NORTH_EAST,
            "time": MONDAY_9.isoformat(),
            "modes": "walk,transit,bikeshare,carsharing",
        },
    )
    assert body["itineraries"]
    assert not [warning for warning in body["warnings"] if warning["code"] == "provider_unavailable"]
    for itinerary in body["itineraries"]:
        for earlier, later in zip(itinerary["legs"], itinerary["legs"][1:], strict=False):
            assert earlier["end"] <= later["start"]
