"""Trips against the sandbox operator over HTTP: its registry, a planned sharing itinerary, a booking.

Shared by the booking, payment, ticket and deploy tests (the fixtures on top of these
live in ``tests/app/conftest.py``).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask.testing import FlaskClient

from providers.registry import InstanceConfig, ProviderRegistry, build_registry, discover_factories
from tests.conftest_d.accounts import SignedIn
from tests.conftest_d.regions import DEMO_FIRST_DAY
from tests.conftest_d.sandbox import SANDBOX_API_KEY, SandboxServer

__all__ = [
    "BERLIN",
    "DESTINATION",
    "MONDAY_8",
    "ORIGIN",
    "book",
    "held",
    "plan_shared",
    "plan_trip",
    "sandbox_registry",
]

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY_8 = datetime.combine(DEMO_FIRST_DAY, datetime.min.time(), tzinfo=BERLIN) + timedelta(hours=8)
ORIGIN, DESTINATION = "51.3058,9.4759", "51.3252,9.5071"


def sandbox_registry(sandbox: SandboxServer) -> ProviderRegistry:
    """The sandbox's bike sharing (``demo-rad``, GBFS 2.3) and car sharing (``demo-auto``, 3.0) over TOMP."""
    factories, broken = discover_factories()
    instances = [
        InstanceConfig("demo-rad", "tomp", sandbox.settings("demo-rad")),
        InstanceConfig("demo-auto", "tomp", sandbox.settings("demo-auto", version="3.0")),
    ]
    return build_registry(instances, factories, {"SANDBOX_KEY": SANDBOX_API_KEY}, broken_adapters=broken)


def plan_trip(client: FlaskClient, modes: str, **params: str) -> dict[str, Any]:
    """GET /plan (in English) from ``ORIGIN`` to ``DESTINATION`` on Monday 8:00 with these modes."""
    query = {"from": ORIGIN, "to": DESTINATION, "time": MONDAY_8.isoformat(), "modes": modes} | params
    response = client.get("/api/v1/plan", query_string=query, headers={"Accept-Language": "en"})
    assert response.status_code == 200, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def plan_shared(client: FlaskClient, modes: str = "bikeshare", origin: str = ORIGIN) -> dict[str, Any]:
    """The first itinerary of a Monday 8:00 plan to ``DESTINATION`` that has a sharing leg."""
    body = client.get(
        "/api/v1/plan",
        query_string={"from": origin, "to": DESTINATION, "modes": modes, "time": MONDAY_8.isoformat()},
    ).get_json()
    itinerary: dict[str, Any] = next(it for it in body["itineraries"] if any(leg["sharing"] for leg in it["legs"]))
    return itinerary


def book(client: FlaskClient, user: SignedIn, itinerary_id: str, key: str | None = None, **body: Any) -> Any:
    """POST /bookings of an itinerary id as ``user`` (a fresh Idempotency-Key unless ``key``)."""
    headers = user.headers | {"Idempotency-Key": key or str(uuid.uuid4())}
    return client.post("/api/v1/bookings", json={"itineraryId": itinerary_id, **body}, headers=headers)


def held(sandbox: SandboxServer, system: str = "demo-rad") -> set[str]:
    """The ids of the system's vehicles the sandbox holds for a booking."""
    _, vehicles = sandbox.fleet.snapshot(system)
    return {vehicle.vehicle_id for vehicle in vehicles if vehicle.booking_id is not None}
