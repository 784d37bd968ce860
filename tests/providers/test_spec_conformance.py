"""The sandbox and our TOMP client checked offline against the official GBFS 2.3/3.0 and TOMP-API 1.6.1 specs.

Every GBFS document the sandbox publishes is validated against MobilityData's JSON schemas; every
request our TOMP client sends and every answer the sandbox gives in a full booking life cycle
(including the refusals) is validated against the TOMP-WG OpenAPI file.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta

import pytest
import requests

from providers.builtin import tomp_adapter
from providers.errors import BookingNotFound, InvalidTransition, OfferExpired, VehicleTaken
from providers.model import LegSpec
from providers.registry import InstanceConfig, resolve_credentials
from providers.sandbox.fleet import OFFER_VALID_S
from providers.tomp.adapter import TompProvider
from tests.conftest_d.sandbox import SANDBOX_API_KEY, SandboxServer
from tests.providers.spec_check import (
    GBFS_SCHEMAS,
    Exchange,
    Recorder,
    gbfs_errors,
    request_errors,
    require,
    response_errors,
)

pytestmark = pytest.mark.realdata

SYSTEMS = ("demo-rad", "demo-auto")
VERSIONS = ("2.3", "3.0")


def _fetch(url: str) -> object:
    response = requests.get(url, timeout=5)
    assert response.status_code == 200, f"{url}: HTTP {response.status_code}"
    return response.json()


def _sandbox_documents(sandbox: SandboxServer) -> list[tuple[str, str, object]]:
    """``(version, feed, document)`` for every document the sandbox publishes, found through discovery."""
    documents: list[tuple[str, str, object]] = [("3.0", "manifest", _fetch(f"{sandbox.url}/gbfs/3.0/manifest.json"))]
    for version in VERSIONS:
        for system in SYSTEMS:
            discovery = _fetch(f"{sandbox.url}/gbfs/{version}/{system}/gbfs.json")
            documents.append((version, "gbfs", discovery))
            data = discovery["data"]  # type: ignore[index]
            feeds = data["feeds"] if version == "3.0" else next(iter(data.values()))["feeds"]
            for feed in feeds:
                if feed["name"] != "gbfs":
                    documents.append((version, feed["name"], _fetch(feed["url"])))
    return documents


@pytest.mark.parametrize("version", VERSIONS)
def test_the_official_fixtures_pass_our_validator(version: str) -> None:
    fixtures = sorted(require(GBFS_SCHEMAS / "testFixtures" / f"v{version}").glob("*.json"))
    assert fixtures
    for path in fixtures:
        assert gbfs_errors(version, path.stem, json.loads(path.read_text(encoding="utf-8"))) == [], path.name


def test_every_sandbox_gbfs_document_is_valid(sandbox: SandboxServer) -> None:
    require(GBFS_SCHEMAS)
    documents = _sandbox_documents(sandbox)
    names = {(version, feed) for version, feed, _ in documents}
    for version in VERSIONS:
        vehicle_feed = "vehicle_status" if version == "3.0" else "free_bike_status"
        expected = {"gbfs", "system_information", "vehicle_types", "station_information", "station_status"}
        assert expected | {vehicle_feed, "system_pricing_plans", "geofencing_zones"} <= {
            feed for v, feed in names if v == version
        }
    errors = [error for version, feed, document in documents for error in gbfs_errors(version, feed, document)]
    print(f"GBFS: {len(documents)} sandbox documents validated, {len(errors)} schema errors")
    assert errors == []


# -- TOMP -----------------------------------------------------------------------------------------------


@pytest.fixture
def recorded(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> tuple[TompProvider, Recorder]:
    monkeypatch.setenv("SANDBOX_KEY", SANDBOX_API_KEY)
    instance = InstanceConfig("demo-rad", "tomp", sandbox.settings("demo-rad") | {"retries": 0})
    provider = tomp_adapter("demo-rad", resolve_credentials(instance, os.environ))
    recorder = Recorder(provider.settings.tomp_url)
    recorder.attach(provider._http._session)
    return provider, recorder


def _leg(provider: TompProvider, vehicle_id: str | None = None) -> LegSpec:
    bikes = [v for v in provider.availability().vehicles if v.is_available and v.lat is not None]
    bike = next(v for v in bikes if vehicle_id in (None, v.vehicle_id))
    assert bike.lat is not None and bike.lon is not None
    return LegSpec(
        vehicle_type_id="bike",
        start=datetime.now(UTC),
        minutes=20,
        km=2.0,
        from_lat=bike.lat,
        from_lon=bike.lon,
        to_lat=bike.lat + 0.01,
        to_lon=bike.lon,
        vehicle_id=bike.vehicle_id,
    )


def _errors(exchanges: list[Exchange]) -> list[str]:
    return [error for exchange in exchanges for error in request_errors(exchange) + response_errors(exchange)]


def test_every_tomp_request_and_answer_of_a_booking_life_cycle_is_valid(
    sandbox: SandboxServer, recorded: tuple[TompProvider, Recorder]
) -> None:
    provider, recorder = recorded
    # a ride: quote, reserve, confirm, start, end, status
    leg = _leg(provider)
    quote = provider.quote(leg)
    booking = provider.reserve(quote, leg, idempotency_key="spec-ride")
    for step in (provider.confirm, provider.start, provider.end, provider.status):
        step(booking.booking_id)
    with pytest.raises(InvalidTransition):
        provider.cancel(booking.booking_id)
    # two riders quoted for one bike: the second booking is refused, the first one cancelled
    other = _leg(provider)
    mine, late = provider.quote(other), provider.quote(other)
    first = provider.reserve(mine, other, idempotency_key="spec-a")
    with pytest.raises(VehicleTaken):
        provider.reserve(late, other, idempotency_key="spec-b")
    provider.cancel(first.booking_id)
    # an offer booked after its validity
    fresh_leg = _leg(provider)
    fresh = provider.quote(fresh_leg)
    clock = sandbox.fleet.clock
    sandbox.fleet.clock = lambda: clock() + OFFER_VALID_S + 1
    with pytest.raises(OfferExpired):
        provider.reserve(fresh, fresh_leg, idempotency_key="spec-d")
    sandbox.fleet.clock = clock
    with pytest.raises(BookingNotFound):
        provider.status("no-such-booking")
    exchanges = recorder.exchanges
    assert {e.status for e in exchanges} >= {200, 201, 404, 409, 410}
    errors = _errors(exchanges)
    print(f"TOMP: {len(exchanges)} request/response pairs validated, {len(errors)} errors")
    assert errors == []


OPERATOR_READS = (
    "/operator/meta",
    "/operator/information",
    "/operator/available-assets",
    "/operator/stations",
    "/operator/pricing-plans",
    "/operator/ping",
    "/bookings",
)


def test_the_operator_information_endpoints_answer_by_the_spec(sandbox: SandboxServer) -> None:
    base = f"{sandbox.url}/tomp/demo-auto"
    recorder = Recorder(base)
    session = requests.Session()
    recorder.attach(session)
    session.headers.update(
        {
            "Authorization": f"Bearer {SANDBOX_API_KEY}",
            "Accept-Language": "de",
            "Api": "TOMP",
            "Api-Version": "1.6.1",
            "maas-id": "kassel-mobility",
        }
    )
    for path in OPERATOR_READS:
        session.get(base + path, timeout=5)
    # a booking, its leg and the leg's events
    station = next(iter(sandbox.fleet.systems["demo-auto"].stations.values()))
    start = datetime.now(UTC)
    body = {
        "from": {"coordinates": {"lat": station.lat, "lng": station.lon}, "stationId": station.station_id},
        "to": {"coordinates": {"lat": station.lat, "lng": station.lon}, "stationId": station.station_id},
        "departureTime": start.isoformat(),
        "arrivalTime": (start + timedelta(hours=1)).isoformat(),
        "nrOfTravelers": 1,
    }
    offers = session.post(base + "/planning/offers", json=body, timeout=5).json()
    session.post(base + "/planning/inquiries", json=body, timeout=5)
    booking = session.post(base + "/bookings", json={"id": offers["options"][0]["id"]}, timeout=5).json()
    session.post(base + f"/bookings/{booking['id']}/events", json={"operation": "EXTEND_EXPIRY_TIME"}, timeout=5)
    session.post(base + f"/bookings/{booking['id']}/events", json={"operation": "COMMIT"}, timeout=5)
    leg_id = booking["legs"][0]["id"]
    session.get(base + f"/legs/{leg_id}", timeout=5)
    session.get(base + "/bookings?state=CONFIRMED", timeout=5)
    for event in ("SET_IN_USE", "PAUSE", "SET_IN_USE", "FINISH"):
        session.post(base + f"/legs/{leg_id}/events", json={"event": event, "time": start.isoformat()}, timeout=5)
    session.get(base + f"/bookings/{booking['id']}", timeout=5)
    session.get(base + "/bookings/unknown", timeout=5)
    session.post(base + "/bookings", json={"id": 7}, timeout=5)  # a 400 in the spec's error shape
    exchanges = recorder.exchanges
    statuses = [e.status for e in exchanges]
    assert statuses.count(200) + statuses.count(201) == len(exchanges) - 2, [e.name for e in exchanges]
    assert 400 in statuses and 404 in statuses
    errors = [error for exchange in exchanges for error in response_errors(exchange)]
    print(f"TOMP operator endpoints: {len(exchanges)} answers validated, {len(errors)} errors")
    assert errors == []
