"""The sandbox's on-demand dispatcher: pooling that fits seats, detour and window; declines with reasons; fees."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from providers.sandbox.fleet import SandboxError
from providers.sandbox.ondemand import Bus, Dispatcher, RideDeclined, RideRequest

NOW = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
A, B = (51.3300, 9.5100), (51.3250, 9.5050)
NEAR_A, NEAR_B = (51.3305, 9.5105), (51.3255, 9.5055)
FAR = (51.2000, 9.3000)


def _dispatcher(*buses: Bus, detour_s: float = 600) -> Dispatcher:
    return Dispatcher("test", list(buses), max_detour_s=detour_s, clock=lambda: NOW)


def _wish(origin: tuple[float, float] = A, destination: tuple[float, float] = B, **extra: object) -> RideRequest:
    values: dict[str, object] = {
        "origin": origin,
        "destination": destination,
        "earliest": NOW + timedelta(hours=3),
        "latest": NOW + timedelta(hours=3, minutes=10),
    }
    values.update(extra)
    return RideRequest(**values)  # type: ignore[arg-type]


def _booked(dispatcher: Dispatcher, wish: RideRequest, key: str) -> object:
    offer = dispatcher.offer(wish)
    ride = dispatcher.book(offer.ride_id, key)
    return dispatcher.event(ride.ride_id, "COMMIT")


def test_a_second_request_nearby_is_pooled_into_the_same_bus() -> None:
    dispatcher = _dispatcher(Bus("bus", 4))
    first = dispatcher.event(dispatcher.book(dispatcher.offer(_wish()).ride_id, "k1").ride_id, "COMMIT")
    second = dispatcher.book(dispatcher.offer(_wish(NEAR_A, NEAR_B)).ride_id, "k2")
    assert second.vehicle_id == first.vehicle_id == "bus"
    assert second.pooled_with == (first.ride_id,)
    # picked up after the first rider, the way between the two pickups at 25 km/h later
    assert first.pickup_at < second.pickup_at <= second.request.latest


def test_pooling_is_refused_when_the_detour_is_too_long_and_no_bus_is_free() -> None:
    dispatcher = _dispatcher(Bus("bus", 4), detour_s=60)
    _booked(dispatcher, _wish(), "k1")
    with pytest.raises(RideDeclined) as declined:
        dispatcher.offer(_wish(FAR, B))
    assert declined.value.reason == "no_vehicle_in_window"


def test_a_full_bus_declines_and_a_second_bus_takes_the_ride() -> None:
    small = _dispatcher(Bus("bus", 2))
    _booked(small, _wish(travellers=2), "k1")
    with pytest.raises(RideDeclined, match="busy"):
        small.offer(_wish(NEAR_A, NEAR_B))
    two = _dispatcher(Bus("bus-1", 2), Bus("bus-2", 2))
    _booked(two, _wish(travellers=2), "k1")
    assert two.offer(_wish(NEAR_A, NEAR_B)).vehicle_id == "bus-2"


def test_wheelchair_requests_need_a_bus_with_a_ramp() -> None:
    with pytest.raises(RideDeclined) as declined:
        _dispatcher(Bus("bus", 8, wheelchair=False)).offer(_wish(wheelchair=True))
    assert declined.value.reason == "no_wheelchair_vehicle"
    assert _dispatcher(Bus("x", 8, False), Bus("ramp", 8)).offer(_wish(wheelchair=True)).vehicle_id == "ramp"


def test_a_window_in_the_past_is_declined() -> None:
    with pytest.raises(RideDeclined) as declined:
        _dispatcher(Bus("bus", 8)).offer(_wish(earliest=NOW - timedelta(hours=1), latest=NOW - timedelta(minutes=5)))
    assert declined.value.reason == "window_in_the_past"


def test_cancelling_is_free_until_thirty_minutes_before_the_pickup_then_costs_the_fee() -> None:
    early = _dispatcher(Bus("bus", 8))
    ride = _booked(early, _wish(), "k1")
    assert early.event(ride.ride_id, "CANCEL").cancellation_fee_cents == 0  # type: ignore[attr-defined]
    late = Dispatcher("test", [Bus("bus", 8)], clock=lambda: NOW + timedelta(hours=2, minutes=45))
    ride = _booked(late, _wish(), "k1")
    cancelled = late.event(ride.ride_id, "CANCEL")  # type: ignore[attr-defined]
    assert cancelled.cancellation_fee_cents == late.late_cancel_fee_cents == 500
    assert late.event(cancelled.ride_id, "CANCEL") == cancelled  # idempotent


def test_the_same_key_answers_the_same_booking_and_cannot_book_another_offer() -> None:
    dispatcher = _dispatcher(Bus("bus", 8))
    offer = dispatcher.offer(_wish())
    assert dispatcher.book(offer.ride_id, "k1") == dispatcher.book(offer.ride_id, "k1")
    other = dispatcher.offer(_wish(NEAR_A, NEAR_B))
    with pytest.raises(SandboxError, match="Idempotency-Key"):
        dispatcher.book(other.ride_id, "k1")
