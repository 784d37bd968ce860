"""Plan -> book -> confirm -> cancel an itinerary whose flex leg lies between two fixed trips, over HTTP.

The region is the tiny inline one of :mod:`tests.routing.flex.transit_region` (SYNTHETIC:
bus L1 to the AST zone, the AST across it, bus L2 on); the sandbox's on-demand dispatcher
books the AST route. Runs on SQLite, and on PostgreSQL too when ``TEST_DATABASE_URL`` is
set (the database fixtures).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from providers.registry import InstanceConfig, ProviderRegistry, build_registry, discover_factories
from tests.conftest_d.accounts import SignedIn
from tests.conftest_d.sandbox import SANDBOX_API_KEY, SandboxServer
from tests.routing.flex.transit_region import FEED_NAME, at, flex_transit_region_path, point

SYSTEM = "demo-ast"
"""The sandbox dispatcher used (it dispatches whatever routes its adapter settings name)."""
BOOKED_AT = at(16)


@pytest.fixture(scope="module")
def region_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return flex_transit_region_path(tmp_path_factory)


@pytest.fixture
def flex_app(make_app, sandbox: SandboxServer, region_path: Path) -> Flask:  # type: ignore[no-untyped-def]
    factories, broken = discover_factories()
    settings = sandbox.ondemand_settings(SYSTEM) | {"routes": [f"{FEED_NAME}:AST"]}
    instances = [InstanceConfig(SYSTEM, "ondemand", settings)]
    registry: ProviderRegistry = build_registry(
        instances, factories, {"SANDBOX_KEY": SANDBOX_API_KEY}, broken_adapters=broken
    )
    sandbox.dispatchers[SYSTEM].clock = lambda: BOOKED_AT
    application: Flask = make_app(providers=registry, region_path=region_path)
    return application


def _between(flex_app: Flask, *, arrive_by: bool) -> dict[str, Any]:
    query = {
        "from": ",".join(map(str, point("O"))),
        "to": ",".join(map(str, point("X"))),
        "modes": "walk,transit,flex",
        "time": (at(20) if arrive_by else at(18, 50)).isoformat(),
        "bookingTime": BOOKED_AT.isoformat(),
    }
    if arrive_by:
        query["arriveBy"] = "true"
    response = flex_app.test_client().get("/api/v1/plan", query_string=query)
    assert response.status_code == 200, response.get_json()
    for itinerary in response.get_json()["itineraries"]:
        modes = [leg["mode"] for leg in itinerary["legs"] if leg["mode"] != "walk"]
        if modes == ["transit", "flex", "transit"]:
            return itinerary  # type: ignore[no-any-return]
    raise AssertionError(response.get_json())


def _book(flex_app: Flask, user: SignedIn, itinerary_id: str) -> Any:
    headers = user.headers | {"Idempotency-Key": str(uuid.uuid4())}
    return flex_app.test_client().post("/api/v1/bookings", json={"itineraryId": itinerary_id}, headers=headers)


def _flex(legs: list[dict[str, Any]]) -> dict[str, Any]:
    return next(leg for leg in legs if leg["mode"] == "flex")


@pytest.mark.parametrize("arrive_by", [False, True], ids=["depart-at", "arrive-by"])
def test_plan_book_confirm_and_cancel_a_flex_leg_between_two_buses(
    flex_app: Flask, sign_in: Callable[..., SignedIn], sandbox: SandboxServer, arrive_by: bool
) -> None:
    client = flex_app.test_client()
    anna = sign_in(flex_app)
    itinerary = _between(flex_app, arrive_by=arrive_by)
    planned = _flex(itinerary["legs"])
    rides = [leg for leg in itinerary["legs"] if leg["mode"] == "transit"]
    assert planned["flex"]["bookable"] and planned["flex"]["provider"] == SYSTEM
    assert planned["from"]["stopId"] == f"{FEED_NAME}:B" and planned["to"]["stopId"] == f"{FEED_NAME}:C"
    assert datetime.fromisoformat(rides[0]["end"]) <= datetime.fromisoformat(planned["start"])
    assert datetime.fromisoformat(planned["flex"]["latestArrival"]) <= datetime.fromisoformat(rides[1]["start"])
    answer = _book(flex_app, anna, itinerary["id"])
    assert answer.status_code == 201, answer.get_json()
    booking = answer.get_json()
    assert booking["state"] == "confirmed"
    leg = _flex(booking["legs"])
    assert leg["state"] == "confirmed" and leg["provider"] == SYSTEM
    assert datetime.fromisoformat(leg["pickupAt"]) == datetime.fromisoformat(planned["start"])
    dispatched = sandbox.dispatchers[SYSTEM].rides
    (ride,) = [ride for ride in dispatched.values() if ride.state == "CONFIRMED"]
    assert ride.request.origin == (pytest.approx(planned["from"]["lat"]), pytest.approx(planned["from"]["lon"]))
    assert ride.request.destination == (pytest.approx(planned["to"]["lat"]), pytest.approx(planned["to"]["lon"]))
    cancelled = client.post(f"/api/v1/bookings/{booking['id']}/cancel", headers=anna.headers).get_json()
    assert cancelled["state"] == "cancelled"
    assert _flex(cancelled["legs"])["state"] == "cancelled" and _flex(cancelled["legs"])["finalCents"] is None
    assert dispatched[ride.ride_id].state == "CANCELLED" and dispatched[ride.ride_id].cancellation_fee_cents == 0
    shown = client.get(f"/api/v1/bookings/{booking['id']}", headers=anna.headers).get_json()
    assert shown["state"] == "cancelled"


def test_the_booked_pickup_is_the_planned_one_after_the_first_bus(flex_app: Flask) -> None:
    itinerary = _between(flex_app, arrive_by=False)
    planned = _flex(itinerary["legs"])
    first_bus = next(leg for leg in itinerary["legs"] if leg["mode"] == "transit")
    assert datetime.fromisoformat(planned["start"]) == datetime.fromisoformat(first_bus["end"])
    assert datetime.fromisoformat(planned["flex"]["bookingDeadline"]) == datetime.fromisoformat(
        planned["start"]
    ) - timedelta(minutes=30)
