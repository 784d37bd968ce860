"""Our TOMP-API 1.6.1 client: fares as the spec defines them, every 1.6 state, refusals by HTTP status."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest

from providers.builtin import tomp_adapter
from providers.errors import (
    BookingNotFound,
    FeedError,
    InvalidTransition,
    OfferExpired,
    ProviderError,
    ProviderUnavailable,
    VehicleTaken,
)
from providers.model import BookingState, LegSpec
from providers.registry import InstanceConfig, resolve_credentials
from providers.sandbox.faults import Fault, FaultKind
from providers.tomp.adapter import BOOKING_STATES, LEG_STATES, TompProvider
from providers.tomp.fare import FareError, Ride, fare_total
from tests.conftest_d.sandbox import SANDBOX_API_KEY, SandboxServer

EUR = "EUR"


def _part(part_type: str, amount: object, **more: object) -> dict[str, object]:
    return {"type": part_type, "amount": amount, "currencyCode": EUR, **more}


# -- fares: the spec's own examples ------------------------------------------------------------------


def test_max_caps_the_total_instead_of_adding_to_it() -> None:
    # "With 'MAX' you can specify e.g. a maximum of 15 euro per day"; "the total fare is the sum of all
    # parts, except for the 'MAX' farePart"
    fare = {
        "estimated": True,
        "parts": [_part("FIXED", 2.0), _part("FLEX", 1.0, units=1, unitType="HOUR"), _part("MAX", 15.0)],
    }
    assert fare_total(fare, Ride(minutes=30, km=0)).cents == 300  # 2 + 1, the cap not reached
    assert fare_total(fare, Ride(minutes=24 * 60, km=0)).cents == 1500  # 2 + 24, capped at 15
    assert fare_total({"estimated": False, "parts": [_part("FIXED", 2), _part("MAX", 15)]}, Ride(0, 0)).cents == 200


def test_flex_units_is_the_unit_size() -> None:
    # "In case of 0.5 EUR per 15 MINUTES, `units` should contain 15 and `unitType` MINUTES."
    fare = {"estimated": True, "parts": [_part("FLEX", 0.5, units=15, unitType="MINUTE")]}
    assert [fare_total(fare, Ride(minutes=m, km=0)).cents for m in (10, 15, 16, 45, 60)] == [50, 50, 100, 150, 200]


def test_flex_per_two_miles() -> None:
    # "the flex part (e.g. 1.25 EUR per 2.0 MILES)"
    fare = {"estimated": True, "parts": [_part("FLEX", 1.25, units=2.0, unitType="MILE")]}
    assert fare_total(fare, Ride(minutes=0, km=3.2)).cents == 125  # 1.99 miles
    assert fare_total(fare, Ride(minutes=0, km=6.4)).cents == 250  # 3.98 miles: two started units
    assert fare_total(fare, Ride(minutes=0, km=6.5)).cents == 375  # 4.04 miles: three


def test_scaled_flex_parts() -> None:
    # "the first 4 kilometers you've to pay EUR 0.35 per kilometer, the kilometers 4 until 8 EUR 0.50 and
    # above it EUR 0.80 per kilometer"
    fare = {
        "estimated": True,
        "parts": [
            _part("FLEX", 0.35, units=1, unitType="KM", scaleFrom=0, scaleTo=4, scaleType="KM"),
            _part("FLEX", 0.50, units=1, unitType="KM", scaleFrom=4, scaleTo=8, scaleType="KM"),
            _part("FLEX", 0.80, units=1, unitType="KM", scaleFrom=8, scaleType="KM"),
        ],
    }
    assert fare_total(fare, Ride(minutes=0, km=3)).cents == 105
    assert fare_total(fare, Ride(minutes=0, km=10)).cents == 4 * 35 + 4 * 50 + 2 * 80


def test_scaled_fixed_part_in_the_first_hour() -> None:
    # "in the first hour 3 CAD, the `scaleFrom` should contain 0 and the `scaleType` HOUR"
    fare = {
        "estimated": True,
        "parts": [
            {"type": "FIXED", "amount": 3, "currencyCode": "CAD", "scaleFrom": 0, "scaleTo": 1, "scaleType": "HOUR"},
            {"type": "FIXED", "amount": 2, "currencyCode": "CAD", "scaleFrom": 1, "scaleType": "HOUR"},
        ],
    }
    assert fare_total(fare, Ride(minutes=50, km=0)).cents == 300
    assert fare_total(fare, Ride(minutes=70, km=0)).cents == 500
    assert fare_total(fare, Ride(minutes=70, km=0)).currency == "CAD"


def test_one_part_without_type_is_fixed_and_discounts_never_go_below_zero() -> None:
    assert fare_total({"estimated": False, "parts": [{"amount": 1.5, "currencyCode": EUR}]}, Ride(9, 9)).cents == 150
    discounted = {"estimated": False, "parts": [_part("FIXED", 1.0), _part("FIXED", -3.0, kind="DISCOUNT")]}
    assert fare_total(discounted, Ride(0, 0)).cents == 0


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        ([_part("FLEX", 1.0, units=1)], r"parts\[0\]\.unitType: required for FLEX"),
        ([_part("FLEX", 1.0, unitType="MINUTE")], r"parts\[0\]\.units"),
        ([{"amount": 1.0}, {"amount": 2.0}], r"parts\[0\]\.type: required"),
        ([_part("FLEX", 1.0, units=1, unitType="PERCENTAGE")], "PERCENTAGE"),
        ([_part("FIXED", "lots")], r"parts\[0\]\.amount"),
    ],
)
def test_unpriceable_parts_name_the_part(parts: list[dict[str, object]], message: str) -> None:
    with pytest.raises(FareError, match=message):
        fare_total({"estimated": True, "parts": parts}, Ride(10, 1))


# -- the client against the sandbox -------------------------------------------------------------------


@pytest.fixture
def provider(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> TompProvider:
    monkeypatch.setenv("SANDBOX_KEY", SANDBOX_API_KEY)
    instance = InstanceConfig("demo-auto", "tomp", sandbox.settings("demo-auto", version="3.0") | {"retries": 0})
    return tomp_adapter("demo-auto", resolve_credentials(instance, os.environ))


def _car_leg(provider: TompProvider) -> LegSpec:
    info = provider.static_info()
    station = next(iter(info.stations.values()))
    return LegSpec(
        vehicle_type_id="kleinwagen",
        start=datetime.now(UTC),
        minutes=90,
        km=12.0,
        from_lat=station.lat,
        from_lon=station.lon,
        to_lat=station.lat,
        to_lon=station.lon,
        from_station_id=station.station_id,
        to_station_id=station.station_id,
    )


def test_the_planning_request_is_1_6_1(provider: TompProvider) -> None:
    leg = _car_leg(provider)
    body = provider.planning_request(leg)
    assert {"departureTime", "arrivalTime", "estimatedDistance"} <= set(body)
    assert not {"startTime", "endTime", "distance"} & set(body)
    free_floating = provider.planning_request(
        LegSpec("bike", leg.start, 10, 1.0, leg.from_lat, leg.from_lon, leg.to_lat, leg.to_lon)
    )
    assert "stationId" not in free_floating["from"] and "stationId" not in free_floating["to"]


def test_the_quote_prices_the_operators_flex_fare(provider: TompProvider) -> None:
    # 3 EUR per started hour and 0.25 EUR per started km: 90 min and 12 km are 6 + 3 EUR
    quote = provider.quote(_car_leg(provider))
    assert (quote.amount_cents, quote.currency, quote.estimated) == (900, "EUR", True)


@pytest.mark.parametrize(
    ("status", "error"),
    [(409, VehicleTaken), (410, OfferExpired), (404, OfferExpired), (428, ProviderError), (400, ProviderError)],
)
def test_a_real_operators_refusal_maps_by_http_status(
    provider: TompProvider, sandbox: SandboxServer, status: int, error: type[ProviderError]
) -> None:
    # the injected error carries no sandbox kind, as a real operator's would not
    leg = _car_leg(provider)
    quote = provider.quote(leg)
    sandbox.faults.replace([Fault(FaultKind.ERROR, path="/bookings", count=1, status=status)])
    with pytest.raises(error) as raised:
        provider.reserve(quote, leg, idempotency_key=f"status-{status}")
    assert not isinstance(raised.value, ProviderUnavailable)
    assert f"HTTP {status}" in str(raised.value) and "TOMP error" in str(raised.value)


@pytest.mark.parametrize(("status", "error"), [(403, InvalidTransition), (410, OfferExpired), (404, BookingNotFound)])
def test_refused_events_map_by_http_status(
    provider: TompProvider, sandbox: SandboxServer, status: int, error: type[ProviderError]
) -> None:
    leg = _car_leg(provider)
    booking = provider.reserve(provider.quote(leg), leg, idempotency_key="events")
    sandbox.faults.replace([Fault(FaultKind.ERROR, path="/events", count=1, status=status)])
    with pytest.raises(error):
        provider.confirm(booking.booking_id)


def test_a_1_5_operator_without_planning_offers_is_asked_plannings(
    provider: TompProvider, sandbox: SandboxServer
) -> None:
    sandbox.faults.replace([Fault(FaultKind.ERROR, path="/planning/offers", status=404)])
    assert provider.quote(_car_leg(provider)).amount_cents == 900


def test_started_and_finished_bookings_map_to_in_use_and_completed(provider: TompProvider) -> None:
    leg = _car_leg(provider)
    booking = provider.reserve(provider.quote(leg), leg, idempotency_key="life")
    provider.confirm(booking.booking_id)
    started = provider.start(booking.booking_id)
    assert (started.state, started.operator_state) == (BookingState.IN_USE, "STARTED/IN_USE")
    ended = provider.end(booking.booking_id)
    assert (ended.state, ended.operator_state) == (BookingState.COMPLETED, "FINISHED/FINISHED")
    assert ended.amount_cents is not None and ended.amount_cents >= 300


@pytest.fixture
def offline() -> TompProvider:
    """A client that never connects (for reading booking objects)."""
    return tomp_adapter("offline", {"discovery_url": "http://127.0.0.1:9/gbfs.json", "tomp_url": "http://127.0.0.1:9"})


@pytest.mark.parametrize("state", sorted(BOOKING_STATES))
@pytest.mark.parametrize("leg_state", [None, *sorted(LEG_STATES)])
def test_every_1_6_booking_and_leg_state_is_read(offline: TompProvider, state: str, leg_state: str | None) -> None:
    leg: dict[str, object] = {"id": "l", "asset": {"id": "car-1"}} | ({"state": leg_state} if leg_state else {})
    status = offline._status({"id": "b", "state": state, "legs": [leg]})
    assert status.operator_state == state + (f"/{leg_state}" if leg_state else "")


@pytest.mark.parametrize(
    ("state", "leg_state", "ours"),
    [
        ("NEW", None, BookingState.PENDING),
        ("PENDING", None, BookingState.RESERVED),
        ("CONDITIONAL_CONFIRMED", None, BookingState.CONFIRMED),
        ("CONFIRMED", "NOT_STARTED", BookingState.CONFIRMED),
        ("CONFIRMED", "PREPARING", BookingState.CONFIRMED),
        ("CONFIRMED", "IN_USE", BookingState.IN_USE),
        ("CONFIRMED", "FINISHED", BookingState.COMPLETED),
        ("STARTED", None, BookingState.IN_USE),
        ("STARTED", "NOT_STARTED", BookingState.IN_USE),
        ("STARTED", "PAUSED", BookingState.IN_USE),
        ("STARTED", "ISSUE_REPORTED", BookingState.IN_USE),
        ("STARTED", "FINISHING", BookingState.IN_USE),
        ("STARTED", "FINISHED", BookingState.COMPLETED),
        ("FINISHED", None, BookingState.COMPLETED),
        ("CANCELLED", "CANCELLED", BookingState.CANCELLED),
        ("RELEASED", None, BookingState.CANCELLED),
        ("EXPIRED", "CANCELLED", BookingState.CANCELLED),
        ("REJECTED", None, BookingState.FAILED),
    ],
)
def test_1_6_states_in_ours(offline: TompProvider, state: str, leg_state: str | None, ours: BookingState) -> None:
    leg: dict[str, object] = {"id": "l"} | ({"state": leg_state} if leg_state else {})
    assert offline._status({"id": "b", "state": state, "legs": [leg]}).state is ours


def test_an_unknown_state_is_a_feed_error(offline: TompProvider) -> None:
    with pytest.raises(FeedError, match="unknown state 'EXPIRE'"):
        offline._status({"id": "b", "state": "EXPIRE"})
