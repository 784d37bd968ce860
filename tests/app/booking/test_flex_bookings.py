"""Plan -> book -> confirm -> cancel an on-demand (flex) leg against the sandbox dispatcher over HTTP.

Runs on SQLite, and on PostgreSQL too when ``TEST_DATABASE_URL`` is set (the database fixtures).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient

from providers.registry import InstanceConfig, ProviderRegistry, build_registry, discover_factories
from providers.sandbox.ondemand import Bus
from routing.demo.city import plan_city
from tests.conftest_d.accounts import SignedIn
from tests.conftest_d.regions import DEMO_FIRST_DAY
from tests.conftest_d.sandbox import SANDBOX_API_KEY, SandboxServer

BERLIN = ZoneInfo("Europe/Berlin")
CITY = plan_city()
MONDAY = datetime.combine(DEMO_FIRST_DAY, datetime.min.time(), tzinfo=BERLIN)
PICKUP = MONDAY + timedelta(hours=19)


def _point(row: float, col: float) -> str:
    point = CITY.position(row, col)
    return f"{point.lat},{point.lon}"


@pytest.fixture
def flex_app(make_app, sandbox: SandboxServer) -> Flask:  # type: ignore[no-untyped-def]
    factories, broken = discover_factories()
    instances = [InstanceConfig("demo-ast", "ondemand", sandbox.ondemand_settings())]
    registry: ProviderRegistry = build_registry(
        instances, factories, {"SANDBOX_KEY": SANDBOX_API_KEY}, broken_adapters=broken
    )
    sandbox.dispatchers["demo-ast"].clock = lambda: MONDAY + timedelta(hours=16)
    application: Flask = make_app(providers=registry)
    return application


def _flex_itinerary(client: FlaskClient, origin: str = _point(10, 10)) -> dict[str, Any]:
    body = client.get(
        "/api/v1/plan",
        query_string={
            "from": origin,
            "to": _point(7, 8),
            "modes": "walk,flex",
            "time": PICKUP.isoformat(),
            "bookingTime": (MONDAY + timedelta(hours=16)).isoformat(),
        },
    ).get_json()
    return next(it for it in body["itineraries"] if any(leg["mode"] == "flex" for leg in it["legs"]))


def _book(client: FlaskClient, user: SignedIn, itinerary_id: str) -> Any:
    headers = user.headers | {"Idempotency-Key": str(uuid.uuid4())}
    return client.post("/api/v1/bookings", json={"itineraryId": itinerary_id}, headers=headers)


def _flex(booking: dict[str, Any]) -> dict[str, Any]:
    return next(leg for leg in booking["legs"] if leg["mode"] == "flex")


def test_plan_book_confirm_and_cancel_a_flex_leg(
    flex_app: Flask, sign_in: Callable[..., SignedIn], sandbox: SandboxServer
) -> None:
    client = flex_app.test_client()
    anna = sign_in(flex_app)
    itinerary = _flex_itinerary(client)
    planned = next(leg for leg in itinerary["legs"] if leg["mode"] == "flex")
    assert planned["flex"]["bookable"] and planned["flex"]["provider"] == "demo-ast"
    answer = _book(client, anna, itinerary["id"])
    assert answer.status_code == 201, answer.get_json()
    booking = answer.get_json()
    assert booking["state"] == "confirmed"
    leg = _flex(booking)
    assert leg["state"] == "confirmed" and leg["provider"] == "demo-ast"
    assert datetime.fromisoformat(leg["pickupAt"]) == datetime.fromisoformat(planned["start"])
    assert datetime.fromisoformat(leg["latestPickupAt"]) == datetime.fromisoformat(planned["start"]) + timedelta(
        minutes=10
    )
    ticket = next(leg for leg in booking["legs"] if leg["provider"] == "tariff")
    assert ticket["quoteCents"] == planned["fare"]["amountCents"]  # the ticket with the AST surcharge
    rides = sandbox.dispatchers["demo-ast"].rides
    (ride,) = [ride for ride in rides.values() if ride.state == "CONFIRMED"]
    cancelled = client.post(f"/api/v1/bookings/{booking['id']}/cancel", headers=anna.headers).get_json()
    assert cancelled["state"] == "cancelled"
    assert _flex(cancelled)["state"] == "cancelled" and _flex(cancelled)["finalCents"] is None
    assert rides[ride.ride_id].state == "CANCELLED" and rides[ride.ride_id].cancellation_fee_cents == 0
    assert cancelled["payment"]["capturedCents"] == 0


def test_a_late_cancellation_costs_the_operators_fee(
    flex_app: Flask, sign_in: Callable[..., SignedIn], sandbox: SandboxServer
) -> None:
    client = flex_app.test_client()
    anna = sign_in(flex_app)
    booking = _book(client, anna, _flex_itinerary(client)["id"]).get_json()
    sandbox.dispatchers["demo-ast"].clock = lambda: PICKUP - timedelta(minutes=10)
    cancelled = client.post(f"/api/v1/bookings/{booking['id']}/cancel", headers=anna.headers).get_json()
    leg = _flex(cancelled)
    assert leg["state"] == "cancelled" and leg["finalCents"] == 500
    assert "cancellation fee 500 cents" in leg["reason"]


def test_a_second_rider_is_pooled_and_a_third_is_declined_with_the_reason(
    flex_app: Flask, sign_in: Callable[..., SignedIn], sandbox: SandboxServer
) -> None:
    dispatcher = sandbox.dispatchers["demo-ast"]
    dispatcher.buses = [Bus("ast-bus-1", 2)]
    client = flex_app.test_client()
    first = _book(client, sign_in(flex_app), _flex_itinerary(client)["id"]).get_json()
    second = _book(client, sign_in(flex_app), _flex_itinerary(client, _point(10, 9))["id"]).get_json()
    assert first["state"] == second["state"] == "confirmed"
    assert _flex(first)["vehicleId"] == _flex(second)["vehicleId"] == "ast-bus-1"
    pooled = [ride for ride in dispatcher.rides.values() if ride.pooled_with]
    assert len(pooled) == 1
    third = _book(client, sign_in(flex_app), _flex_itinerary(client, _point(9, 10))["id"])
    body = third.get_json()
    assert third.status_code == 409, body
    failed = body["booking"]
    assert failed["state"] == "failed"
    assert "demo-ast declined the on-demand ride (no_vehicle_in_window)" in failed["failureReason"]
    assert failed["payment"] is None or failed["payment"]["capturedCents"] == 0


def test_a_wheelchair_rider_gets_the_bus_with_the_ramp(
    flex_app: Flask, sign_in: Callable[..., SignedIn], sandbox: SandboxServer
) -> None:
    dispatcher = sandbox.dispatchers["demo-ast"]
    dispatcher.buses = sorted(dispatcher.buses, key=lambda bus: bus.wheelchair)  # the bus without a ramp first
    client = flex_app.test_client()
    body = client.get(
        "/api/v1/plan",
        query_string={
            "from": _point(10, 10),
            "to": _point(7, 8),
            "modes": "walk,flex",
            "wheelchair": "true",
            "time": PICKUP.isoformat(),
            "bookingTime": (MONDAY + timedelta(hours=16)).isoformat(),
        },
    ).get_json()
    itinerary = next(it for it in body["itineraries"] if any(leg["mode"] == "flex" for leg in it["legs"]))
    booking = _book(client, sign_in(flex_app), itinerary["id"]).get_json()
    assert booking["state"] == "confirmed"
    (ride,) = dispatcher.rides.values()
    assert ride.request.wheelchair and ride.vehicle_id == "ast-bus-1"  # the demo's bus with a ramp
