"""Sharing through the API against the sandbox operator over HTTP: /plan with bikeshare and carsharing, /vehicles."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from flask.testing import FlaskClient

from providers.model import LegSpec
from providers.registry import ProviderRegistry
from providers.sandbox.faults import Fault, FaultKind
from tests.app.sandbox_trips import BERLIN, plan_trip
from tests.conftest_d.sandbox import SandboxServer

CENTRE = "51.3155,9.4915"


def sharing_legs(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [leg for itinerary in body["itineraries"] for leg in itinerary["legs"] if leg["sharing"] is not None]


def test_bikeshare_trip_is_priced_by_the_operator_and_uses_an_available_bike(
    sharing_client: FlaskClient, sandbox: SandboxServer
) -> None:
    body = plan_trip(sharing_client, "bikeshare")
    legs = sharing_legs(body)
    assert legs and body["warnings"] == []
    leg = legs[0]
    sharing = leg["sharing"]
    assert leg["mode"] == "bikeshare" and sharing["provider"] == "demo-rad" and sharing["bookable"] is True
    assert sharing["quote"]["amountCents"] > 0 and sharing["quote"]["currency"] == "EUR"
    assert sharing["quote"]["source"] == "demo-rad"
    minutes = leg["durationSeconds"] / 60
    assert sharing["quote"]["amountCents"] == 100 * -(-minutes // 15)  # 1 EUR per started 15 minutes
    feeds = sharing_client.get(
        "/api/v1/vehicles", query_string={"near": f"{leg['from']['lat']},{leg['from']['lon']}", "radius": 5}
    ).get_json()
    if sharing["vehicleId"]:
        assert sharing["vehicleId"] in {vehicle["vehicleId"] for vehicle in feeds["vehicles"]}
    else:
        station = next(s for s in feeds["stations"] if s["stationId"] == sharing["pickupStationId"])
        assert station["vehiclesAvailable"] > 0


def test_carsharing_is_a_round_trip_from_its_station(sharing_client: FlaskClient) -> None:
    body = plan_trip(sharing_client, "carsharing")
    leg = sharing_legs(body)[0]
    sharing = leg["sharing"]
    assert leg["mode"] == "carsharing" and sharing["roundTrip"] is True
    assert sharing["pickupStationId"] == sharing["dropoffStationId"]
    assert sharing["quote"]["amountCents"] > 0 and sharing["quote"]["estimated"] is True
    assert "return it to station" in leg["instruction"]


def test_planning_goes_on_without_a_provider_that_is_down(sharing_client: FlaskClient, sandbox: SandboxServer) -> None:
    sandbox.faults.replace([Fault(FaultKind.ERROR, path="/gbfs/2.3/demo-rad", status=503)])
    body = plan_trip(sharing_client, "walk,transit,bikeshare")
    warnings = [warning for warning in body["warnings"] if warning["code"] == "provider_unavailable"]
    assert [warning["provider"] for warning in warnings] == ["demo-rad"]
    assert "demo-rad" in warnings[0]["message"]
    assert body["itineraries"] and not sharing_legs(body)
    assert "bikeshare_unavailable" in {warning["code"] for warning in body["warnings"]}


def test_a_malformed_feed_makes_the_provider_unavailable_not_the_request(
    sharing_client: FlaskClient, sandbox: SandboxServer
) -> None:
    sandbox.faults.replace([Fault(FaultKind.MALFORMED, path="/gbfs/3.0/demo-auto")])
    body = plan_trip(sharing_client, "walk,carsharing")
    assert {w["provider"] for w in body["warnings"] if w["code"] == "provider_unavailable"} == {"demo-auto"}
    vehicles = sharing_client.get("/api/v1/vehicles", query_string={"near": CENTRE, "radius": 5000})
    assert vehicles.status_code == 200
    assert {s["provider"] for s in vehicles.get_json()["stations"]} == {"demo-rad"}


def test_vehicles_near_a_point_nearest_first_within_the_radius(sharing_client: FlaskClient) -> None:
    response = sharing_client.get("/api/v1/vehicles", query_string={"near": CENTRE, "radius": 800})
    assert response.status_code == 200
    body = response.get_json()
    distances = [station["distanceMeters"] for station in body["stations"]]
    assert distances == sorted(distances) and all(d <= 800 for d in distances)
    assert {station["mode"] for station in body["stations"]} <= {"bikeshare", "carsharing"}
    assert {p["provider"] for p in body["providers"]} == {"demo-rad", "demo-auto"}
    bikes = sharing_client.get(
        "/api/v1/vehicles", query_string={"near": CENTRE, "radius": 5000, "modes": "bikeshare"}
    ).get_json()
    assert {station["provider"] for station in bikes["stations"]} == {"demo-rad"}
    assert len(bikes["vehicles"]) == 6  # the demo's free-floating bikes
    for station in bikes["stations"]:
        assert station["vehiclesAvailable"] == sum(item["count"] for item in station["vehiclesByType"])


def test_a_reserved_bike_leaves_the_vehicle_list(sharing_client: FlaskClient, registry: ProviderRegistry) -> None:
    before = sharing_client.get(
        "/api/v1/vehicles", query_string={"near": CENTRE, "radius": 5000, "modes": "bikeshare"}
    ).get_json()["vehicles"]
    vehicle = before[0]
    provider = registry.get("demo-rad")
    leg = LegSpec(
        vehicle_type_id=vehicle["vehicleTypeId"],
        start=datetime.now(BERLIN),
        minutes=10,
        km=2,
        from_lat=vehicle["lat"],
        from_lon=vehicle["lon"],
        to_lat=51.32,
        to_lon=9.50,
        vehicle_id=vehicle["vehicleId"],
    )
    provider.reserve(provider.quote(leg), leg, idempotency_key="test-reserve-1")
    after = sharing_client.get(
        "/api/v1/vehicles", query_string={"near": CENTRE, "radius": 5000, "modes": "bikeshare"}
    ).get_json()["vehicles"]
    assert vehicle["vehicleId"] not in {item["vehicleId"] for item in after}
    assert len(after) == len(before) - 1


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"near": CENTRE, "modes": "walk"}, "modes"),
        ({"near": CENTRE, "modes": "teleport"}, "modes"),
        ({"radius": "100"}, "near"),
        ({"near": "91,9.4"}, "near"),
        ({"near": CENTRE, "radius": "0"}, "radius"),
        ({"near": CENTRE, "radius": "50000"}, "radius"),
    ],
)
def test_bad_vehicle_queries_name_the_parameter(sharing_client: FlaskClient, query: dict[str, str], field: str) -> None:
    response = sharing_client.get("/api/v1/vehicles", query_string=query)
    assert response.status_code == 400
    assert field in {error["field"] for error in response.get_json()["errors"]}


def test_without_providers_the_vehicle_list_is_empty(client: FlaskClient) -> None:
    body = client.get("/api/v1/vehicles", query_string={"near": CENTRE}).get_json()
    assert body == {"stations": [], "vehicles": [], "providers": [], "warnings": []}
