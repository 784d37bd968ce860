"""The conformance kit: checks one configured adapter instance against the provider contract.

``mobility provider-check NAME`` runs :func:`run_conformance` and prints the report.
Checks, in order (later ones skip when what they need failed):

1. static info loads (system id and name, vehicle types, stations, plans, zones);
2. availability loads, counts are sane, stations are known;
3. every pricing plan gives non-negative prices for short and long rides;
4. a quote for a real leg is non-negative and equals the pricing plan's price;
5. booking, if declared: reserve -> confirm -> start -> end, the reserved vehicle is not
   offered to the next rider, the same idempotency key gives the same booking, cancel
   is idempotent, cancelling a finished ride and reading an unknown booking raise the
   typed errors; if not declared, booking calls raise ``NotSupported``;
6. every failure along the way was a ``ProviderError`` subclass (errors are typed).

Booking calls run through :class:`~providers.checked.CheckedProvider`, so a result of the
wrong type (``None`` from ``reserve``) or the wrong state fails its check. An adapter that
declares booking fails when no booking check could run (nothing to quote or book) or when
reserve, confirm or cancel do not work.

The booking checks book and ride a real vehicle: run them against a sandbox or an
operator's test system, never production.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

from providers.checked import CheckedProvider
from providers.errors import (
    BookingNotFound,
    InvalidTransition,
    NoPrice,
    NotSupported,
    ProviderError,
    VehicleTaken,
)
from providers.gbfs.pricing import ride_cost_cents
from providers.interface import Provider
from providers.model import (
    Availability,
    BookingState,
    Capability,
    LegSpec,
    Quote,
    StaticInfo,
    pricing_plan_for,
)
from routing.geo import distance_m

T = TypeVar("T")
_PROBE_QUOTE = Quote(provider="conformance", amount_cents=0, currency="EUR", plan_id=None, estimated=True)
SAMPLE_RIDES = ((0.0, 0.0), (10.0, 2.0), (45.0, 8.0), (240.0, 60.0))  # (minutes, km)


@dataclass(frozen=True)
class CheckResult:
    """One check: passed, failed or skipped, with what was seen."""

    name: str
    outcome: str  # "pass", "fail", "skip"
    detail: str = ""


@dataclass
class ConformanceReport:
    """All checks of one instance."""

    provider: str
    results: list[CheckResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """No check failed."""
        return all(result.outcome != "fail" for result in self.results)

    def render(self) -> str:
        """A plain-text report, one line per check."""
        lines = [f"provider-check {self.provider}"]
        lines += [f"  {r.outcome.upper():4} {r.name}" + (f": {r.detail}" if r.detail else "") for r in self.results]
        lines.append("PASSED" if self.passed else "FAILED")
        return "\n".join(lines)


class _Run:
    def __init__(self, provider: Provider) -> None:
        self.provider = provider
        self.report = ConformanceReport(provider.name)
        self.untyped: list[str] = []

    def add(self, name: str, ok: bool, detail: str = "") -> bool:
        self.report.results.append(CheckResult(name, "pass" if ok else "fail", detail))
        return ok

    def skip(self, name: str, why: str) -> None:
        self.report.results.append(CheckResult(name, "skip", why))

    def attempt(self, name: str, call: Callable[[], T], *, passes: tuple[type[ProviderError], ...] = ()) -> T | None:
        """``call()``; a failure is recorded under ``name`` (``passes`` are re-raised to the caller)."""
        try:
            result = call()
        except passes:
            raise
        except ProviderError as exc:
            self.add(name, False, str(exc))
            return None
        except Exception as exc:
            self.untyped.append(f"{name}: {type(exc).__name__}: {exc}")
            self.add(name, False, f"untyped {type(exc).__name__}: {exc}")
            return None
        if result is None:
            self.add(name, False, "returned None")
        return result

    def expect_error(self, name: str, error: type[ProviderError], call: Callable[[], object]) -> None:
        try:
            call()
        except error:
            self.add(name, True, f"raised {error.__name__}")
        except ProviderError as exc:
            self.add(name, False, f"raised {type(exc).__name__}, expected {error.__name__}: {exc}")
        except Exception as exc:
            self.untyped.append(f"{name}: {type(exc).__name__}: {exc}")
            self.add(name, False, f"untyped {type(exc).__name__}: {exc}")
        else:
            self.add(name, False, f"returned normally, expected {error.__name__}")


def _check_static(run: _Run, info: StaticInfo) -> None:
    system = info.system
    run.add("static info: system", bool(system.system_id and system.name), f"{system.system_id} ({system.name})")
    run.add(
        "static info: contents",
        True,
        f"{len(info.vehicle_types)} vehicle types, {len(info.stations)} stations, "
        f"{len(info.pricing_plans)} pricing plans, {len(info.geofencing.zones)} geofencing zones",
    )


def _check_availability(run: _Run, info: StaticInfo, live: Availability) -> None:
    bad = [
        s.station_id for s in live.stations.values() if (s.docks_available or 0) < 0 or (s.vehicles_available or 0) < 0
    ]
    unknown = [s for s in live.stations if info.stations and s not in info.stations]
    run.add(
        "availability: counts",
        not bad and not unknown,
        f"{len(live.stations)} stations, {sum(v.is_available for v in live.vehicles)} free vehicles"
        + (", stale" if live.stale else "")
        + (f"; negative counts at {bad[:3]}" if bad else "")
        + (f"; unknown stations {unknown[:3]}" if unknown else ""),
    )


def _check_prices(run: _Run, info: StaticInfo) -> None:
    if not info.pricing_plans:
        run.skip("prices: plans", "the system publishes no pricing plans")
        return
    negative = [
        f"{plan.plan_id} @ {minutes:g} min/{km:g} km"
        for plan in info.pricing_plans.values()
        for minutes, km in SAMPLE_RIDES
        if ride_cost_cents(plan, minutes=minutes, km=km) < 0
    ]
    run.add(
        "prices: non-negative",
        not negative,
        f"{len(info.pricing_plans)} plans" + (f"; {negative}" if negative else ""),
    )


def sample_leg(info: StaticInfo, live: Availability, *, minutes: float = 20.0) -> LegSpec | None:
    """A leg from a station (or free vehicle) with something to ride to another station or 1 km away."""
    start = datetime.now(UTC)
    for status in live.stations.values():
        station = info.stations.get(status.station_id)
        types = [t for t, n in status.vehicles_by_type.items() if n > 0] or list(info.vehicle_types)[:1]
        if station is None or not status.can_pick_up or not types or status.vehicles_available == 0:
            continue
        target = next(
            (
                info.stations[s.station_id]
                for s in live.stations.values()
                if s.station_id != station.station_id and s.can_drop_off and s.station_id in info.stations
            ),
            None,
        )
        to_lat, to_lon = (target.lat, target.lon) if target else (station.lat + 0.009, station.lon)
        km = 1.3 * distance_m(station.lat, station.lon, to_lat, to_lon) / 1000.0
        return LegSpec(
            vehicle_type_id=types[0],
            start=start,
            minutes=minutes,
            km=round(km, 3),
            from_lat=station.lat,
            from_lon=station.lon,
            to_lat=to_lat,
            to_lon=to_lon,
            from_station_id=station.station_id,
            to_station_id=target.station_id if target else None,
        )
    for vehicle in live.vehicles:
        if vehicle.is_available and vehicle.lat is not None and vehicle.lon is not None and vehicle.vehicle_type_id:
            return LegSpec(
                vehicle_type_id=vehicle.vehicle_type_id,
                start=start,
                minutes=minutes,
                km=1.3,
                from_lat=vehicle.lat,
                from_lon=vehicle.lon,
                to_lat=vehicle.lat + 0.009,
                to_lon=vehicle.lon,
                vehicle_id=vehicle.vehicle_id,
            )
    return None


def _check_quote(run: _Run, info: StaticInfo, leg: LegSpec) -> None:
    try:
        quote = run.attempt("quote", lambda: run.provider.quote(leg), passes=(NoPrice,))
    except NoPrice as exc:
        run.skip("quote", f"the operator publishes no per-ride price ({exc.reason})")
        return
    if quote is None:
        return
    plan = pricing_plan_for(info.vehicle_types.get(leg.vehicle_type_id), info.pricing_plans)
    expected = None if plan is None else ride_cost_cents(plan, minutes=leg.minutes, km=leg.km)
    consistent = expected is None or quote.amount_cents == expected
    run.add(
        "quote: price",
        quote.amount_cents >= 0 and consistent,
        f"{quote.amount_cents} {quote.currency} cents for {leg.minutes:g} min/{leg.km:g} km"
        + ("" if expected is None else f", plan says {expected}"),
    )


def _check_booking(run: _Run, leg: LegSpec) -> None:
    provider = CheckedProvider(run.provider)
    quote = run.attempt("booking: quote", lambda: provider.quote(leg))
    if quote is None:
        return
    key = f"conformance-{uuid.uuid4().hex}"
    reserved = run.attempt("booking: reserve", lambda: provider.reserve(quote, leg, idempotency_key=key))
    if reserved is None or not run.add("booking: reserve", reserved.state is BookingState.RESERVED, reserved.state):
        return
    again = run.attempt("booking: idempotent reserve", lambda: provider.reserve(quote, leg, idempotency_key=key))
    if again is not None:
        run.add("booking: idempotent reserve", again.booking_id == reserved.booking_id, "same key, same booking")
    pinned = LegSpec(**{**vars(leg), "vehicle_id": reserved.vehicle_id}) if reserved.vehicle_id else None
    if pinned is not None:
        run.expect_error("booking: reserved vehicle not offered again", VehicleTaken, lambda: provider.quote(pinned))
    steps = (
        ("confirm", provider.confirm, BookingState.CONFIRMED),
        ("start", provider.start, BookingState.IN_USE),
        ("end", provider.end, BookingState.COMPLETED),
    )
    for label, step, expected in steps:
        status = run.attempt(f"booking: {label}", lambda step=step: step(reserved.booking_id))  # type: ignore[misc]
        if status is None or not run.add(f"booking: {label}", status.state is expected, status.operator_state):
            return
    final = run.attempt("booking: status", lambda: provider.status(reserved.booking_id))
    if final is None:
        return
    run.add(
        "booking: final price",
        final.amount_cents is not None and final.amount_cents >= 0,
        f"{final.amount_cents}",
    )
    run.expect_error("booking: cancel after the ride", InvalidTransition, lambda: provider.cancel(reserved.booking_id))
    fresh = sample_leg(run.provider.static_info(), run.provider.availability())  # the first vehicle has moved
    if fresh is None:
        run.add("booking: cancel", False, "declares booking, but nothing was left to book to check cancel")
        return
    second = run.attempt("booking: second quote", lambda: provider.quote(fresh))
    if second is None:
        return
    held = run.attempt(
        "booking: reserve to cancel",
        lambda: provider.reserve(second, fresh, idempotency_key=f"conformance-{uuid.uuid4().hex}"),
    )
    if held is None:
        return
    first = run.attempt("booking: cancel", lambda: provider.cancel(held.booking_id))
    repeat = run.attempt("booking: cancel twice", lambda: provider.cancel(held.booking_id))
    run.add(
        "booking: cancel is idempotent",
        first is not None and repeat is not None and first.state is repeat.state is BookingState.CANCELLED,
    )
    run.expect_error("booking: unknown id", BookingNotFound, lambda: provider.status(f"unknown-{uuid.uuid4().hex}"))


def run_conformance(provider: Provider) -> ConformanceReport:
    """Run every check against ``provider`` and return the report."""
    run = _Run(provider)
    info = run.attempt("static info", provider.static_info)
    if info is None:
        return run.report
    _check_static(run, info)
    live = (
        run.attempt("availability", provider.availability) if Capability.AVAILABILITY in provider.capabilities else None
    )
    if live is not None:
        _check_availability(run, info, live)
    _check_prices(run, info)
    leg = None if live is None else sample_leg(info, live)
    if leg is None:
        run.skip("quote", "no station or vehicle with something to ride")
    elif Capability.PRICES in provider.capabilities or Capability.BOOKING in provider.capabilities:
        _check_quote(run, info, leg)
    if Capability.BOOKING in provider.capabilities:
        if leg is None:
            run.add("booking", False, "declares booking, but no booking check could run: nothing free to book")
        else:
            _check_booking(run, leg)
    elif leg is not None:
        run.expect_error(
            "booking: not declared, not offered",
            NotSupported,
            lambda: provider.reserve(_PROBE_QUOTE, leg, idempotency_key="conformance"),
        )
    run.add("errors are typed", not run.untyped, "; ".join(run.untyped))
    return run.report
