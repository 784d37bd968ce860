"""TOMP booking against the sandbox operator over real HTTP: lifecycle, races, faults, the kit."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
import requests

from providers.builtin import gbfs_adapter, tomp_adapter
from providers.conformance import run_conformance, sample_leg
from providers.errors import (
    BookingNotFound,
    FeedError,
    InvalidTransition,
    ProviderError,
    ProviderUnavailable,
    VehicleTaken,
)
from providers.model import BookingState, LegSpec
from providers.registry import InstanceConfig, resolve_credentials
from providers.sandbox.faults import Fault, FaultKind
from providers.tomp.adapter import TompProvider
from tests.conftest_d.sandbox import SANDBOX_API_KEY, SandboxServer


@pytest.fixture(autouse=True)
def _sandbox_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANDBOX_KEY", SANDBOX_API_KEY)


def _tomp(sandbox: SandboxServer, system: str = "demo-rad", version: str = "2.3", **overrides: object) -> TompProvider:
    """The TOMP adapter for ``system``, its key resolved from the environment as the registry does."""
    instance = InstanceConfig(system, "tomp", sandbox.settings(system, version=version) | overrides)
    return tomp_adapter(system, resolve_credentials(instance, os.environ))


def _free_bike_leg(provider: TompProvider) -> LegSpec:
    bike = next(v for v in provider.availability().vehicles if v.is_available)
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


@pytest.mark.parametrize(("system", "version"), [("demo-rad", "2.3"), ("demo-auto", "3.0")])
def test_the_kit_passes_for_both_adapters(sandbox: SandboxServer, system: str, version: str) -> None:
    feeds_only = gbfs_adapter(system, sandbox.settings(system, version=version, adapter="gbfs"))
    for provider in (_tomp(sandbox, system, version), feeds_only):
        report = run_conformance(provider)
        assert report.passed, report.render()
        assert not any(r.outcome == "skip" for r in report.results), report.render()


def test_a_free_floating_ride_end_to_end_and_what_the_feeds_show(sandbox: SandboxServer) -> None:
    provider = _tomp(sandbox)
    leg = _free_bike_leg(provider)
    quote = provider.quote(leg)
    assert quote.amount_cents == 200 and quote.estimated  # 1 EUR per started 15 min, 20 min
    booking = provider.reserve(quote, leg, idempotency_key="ride-1")
    assert (booking.state, booking.vehicle_id) == (BookingState.RESERVED, leg.vehicle_id)
    listed = {v.vehicle_id: v for v in provider.availability().vehicles}
    assert listed[leg.vehicle_id].is_reserved, "the GBFS feed shows the reservation"
    for step, state in (
        (provider.confirm, BookingState.CONFIRMED),
        (provider.start, BookingState.IN_USE),
        (provider.end, BookingState.COMPLETED),
    ):
        assert step(booking.booking_id).state is state
    moved = {v.vehicle_id: v for v in provider.availability().vehicles}[leg.vehicle_id]
    assert (moved.lat, moved.is_reserved) == (pytest.approx(leg.to_lat), False), "parked where the ride ended"
    with pytest.raises(InvalidTransition):
        provider.cancel(booking.booking_id)
    with pytest.raises(BookingNotFound):
        provider.status("no-such-booking")


def test_station_counts_drop_while_a_car_is_reserved(sandbox: SandboxServer) -> None:
    provider = _tomp(sandbox, "demo-auto")
    info, before = provider.static_info(), provider.availability()
    leg = sample_leg(info, before)
    assert leg is not None and leg.from_station_id is not None
    booking = provider.reserve(provider.quote(leg), leg, idempotency_key="car-1")
    after = provider.availability().stations[leg.from_station_id]
    assert after.vehicles_available == (before.stations[leg.from_station_id].vehicles_available or 0) - 1
    provider.cancel(booking.booking_id)
    assert provider.availability().stations[leg.from_station_id] == before.stations[leg.from_station_id]


def test_fifty_riders_race_for_one_bike_and_exactly_one_wins(sandbox: SandboxServer) -> None:
    provider = _tomp(sandbox)
    leg = _free_bike_leg(provider)
    quotes = [provider.quote(leg) for _ in range(50)]

    def reserve(number: int) -> str:
        try:
            return provider.reserve(quotes[number], leg, idempotency_key=f"race-{number}").state
        except VehicleTaken:
            return "taken"

    with ThreadPoolExecutor(max_workers=16) as pool:
        outcomes = list(pool.map(reserve, range(50)))
    assert outcomes.count(BookingState.RESERVED) == 1 and outcomes.count("taken") == 49


def test_a_retried_booking_after_a_server_error_books_once(sandbox: SandboxServer) -> None:
    provider = _tomp(sandbox, retries=2)
    leg = _free_bike_leg(provider)
    quote = provider.quote(leg)
    sandbox.faults.replace([Fault(FaultKind.ERROR, path="/bookings", count=1, status=503)])
    booking = provider.reserve(quote, leg, idempotency_key="retry-1")
    assert booking.state is BookingState.RESERVED
    assert [b.booking_id for b in sandbox.fleet.bookings.values()] == [booking.booking_id]


@pytest.mark.parametrize(
    ("fault", "error", "message"),
    [
        (
            Fault(FaultKind.TIMEOUT, path="/planning/offers", seconds=1.5),
            ProviderUnavailable,
            "no answer within 0.5 s",
        ),
        (
            Fault(FaultKind.ERROR, path="/planning/offers", status=500),
            ProviderUnavailable,
            "HTTP 500 after 1 attempt",
        ),
        (Fault(FaultKind.MALFORMED, path="/planning/offers"), FeedError, "not valid JSON"),
        (Fault(FaultKind.VEHICLE_TAKEN), VehicleTaken, "someone else took the vehicle"),
    ],
)
def test_faults_become_typed_errors(
    sandbox: SandboxServer, fault: Fault, error: type[ProviderError], message: str
) -> None:
    provider = _tomp(sandbox, timeout_s=0.5, retries=0)
    leg = _free_bike_leg(provider)
    sandbox.faults.replace([fault])
    with pytest.raises(error, match=message):
        provider.reserve(provider.quote(leg), leg, idempotency_key="fault")


def test_latency_within_the_timeout_is_tolerated(sandbox: SandboxServer) -> None:
    provider = _tomp(sandbox, timeout_s=2, retries=0)
    sandbox.faults.replace([Fault(FaultKind.LATENCY, path="/planning/offers", seconds=0.3)])
    assert provider.quote(_free_bike_leg(provider)).amount_cents == 200


def test_wrong_credentials_are_reported(sandbox: SandboxServer) -> None:
    provider = _tomp(sandbox)
    provider.settings = type(provider.settings)(tomp_url=provider.settings.tomp_url, api_key="wrong")
    with pytest.raises(ProviderError, match="refused our credentials"):
        provider.quote(_free_bike_leg(provider))


def test_fault_admin_endpoint_validates(sandbox: SandboxServer) -> None:
    bad = requests.put(f"{sandbox.url}/_sandbox/faults", json=[{"kind": "explode"}], timeout=5)
    assert bad.status_code == 400 and "faults[0].kind" in bad.json()["detail"]
    good = requests.put(f"{sandbox.url}/_sandbox/faults", json=[{"kind": "error", "count": 1}], timeout=5)
    assert good.json() == [{"kind": "error", "path": "", "count": 1, "seconds": 0.0, "status": 503}]
    assert requests.get(f"{sandbox.url}/gbfs/2.3/demo-rad/gbfs.json", timeout=5).status_code == 503
    assert requests.get(f"{sandbox.url}/gbfs/2.3/demo-rad/gbfs.json", timeout=5).status_code == 200
