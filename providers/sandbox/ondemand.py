"""The sandbox's on-demand operator: a dispatcher with a fleet of small buses, over TOMP-like booking.

SYNTHETIC: no real operator. A ride request names a pickup and a drop-off point, the
pickup window (earliest and latest pickup), the travellers and whether a wheelchair
place is needed. The dispatcher

- *pools* it into a bus already serving a ride whose time overlaps, when the bus has
  seats left for the whole overlap, the extra way (between the two pickups and between
  the two drop-offs) fits ``max_detour_s``, and the pooled pickup still lies in the window;
- else gives it a bus that is free for the whole ride, picked up at the earliest pickup;
- else *declines* with a reason (``no_vehicle_in_window``, ``no_wheelchair_vehicle``,
  ``window_in_the_past``, ``too_many_travellers``).

An accepted request has a confirmed pickup time and a vehicle. Cancelling is free until
``free_cancel_minutes`` before the pickup, then costs ``late_cancel_fee_cents`` (the
operator's policy, reported as the cancellation fee).

Routes below ``/ondemand/SYSTEM`` (:func:`add_ondemand_routes`)::

    POST /planning/offers  {from, to, earliestPickup, latestPickup, travellers, wheelchair} -> offer (201)
    POST /bookings         {"id": OFFER}  Idempotency-Key          -> booking PENDING (201)
    POST /bookings/ID/events {"operation": "COMMIT"|"CANCEL"}      -> booking
    GET  /bookings/ID

A declined request is a 409 with ``type`` ``ride-declined`` and the ``reason`` code.
"""

from __future__ import annotations

import math
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, Response, jsonify, request

from providers.sandbox.fleet import SandboxError

EARTH_RADIUS_M = 6_371_008.8


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


@dataclass(frozen=True)
class Bus:
    """One small bus of the on-demand fleet."""

    vehicle_id: str
    seats: int
    wheelchair: bool = True


@dataclass(frozen=True)
class RideRequest:
    """What a rider asks for: where, in which pickup window, how many, whether a wheelchair place."""

    origin: tuple[float, float]
    destination: tuple[float, float]
    earliest: datetime
    latest: datetime
    travellers: int = 1
    wheelchair: bool = False


@dataclass(frozen=True)
class Ride:
    """A request with its bus and times, and what became of it."""

    ride_id: str
    request: RideRequest
    vehicle_id: str
    pickup_at: datetime
    drop_off_at: datetime
    state: str = "OFFERED"
    """OFFERED, PENDING (held), CONFIRMED (committed), CANCELLED."""
    pooled_with: tuple[str, ...] = ()
    cancellation_fee_cents: int = 0
    offer_valid_until: datetime | None = None


class RideDeclined(SandboxError):
    """The dispatcher cannot serve the request; ``reason`` is a stable code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(409, "ride-declined", detail)
        self.reason = reason


@dataclass
class Dispatcher:
    """One on-demand system: its buses, the rides they serve, and the operator's policy."""

    system_id: str
    buses: list[Bus]
    speed_kmh: float = 25.0
    max_detour_s: float = 600.0
    free_cancel_minutes: float = 30.0
    late_cancel_fee_cents: int = 500
    offer_minutes: float = 10.0
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    rides: dict[str, Ride] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _travel(self, a: tuple[float, float], b: tuple[float, float]) -> timedelta:
        return timedelta(seconds=round(_metres(a, b) / (self.speed_kmh / 3.6)))

    def _active(self, vehicle_id: str) -> list[Ride]:
        return [
            ride
            for ride in self.rides.values()
            if ride.vehicle_id == vehicle_id and ride.state in ("PENDING", "CONFIRMED")
        ]

    def _pooled(self, bus: Bus, wish: RideRequest) -> Ride | None:
        """``wish`` shared with a ride ``bus`` already serves, when seats, detour and window allow."""
        for ride in sorted(self._active(bus.vehicle_id), key=lambda ride: ride.pickup_at):
            other = ride.request
            detour = self._travel(other.origin, wish.origin) + self._travel(other.destination, wish.destination)
            if detour.total_seconds() > self.max_detour_s:
                continue
            pickup = max(wish.earliest, ride.pickup_at + self._travel(other.origin, wish.origin))
            if pickup > wish.latest:
                continue
            drop_off = max(pickup + self._travel(wish.origin, wish.destination), ride.drop_off_at)
            overlapping = [r for r in self._active(bus.vehicle_id) if r.pickup_at < drop_off and pickup < r.drop_off_at]
            if sum(r.request.travellers for r in overlapping) + wish.travellers > bus.seats:
                continue
            return Ride(uuid.uuid4().hex, wish, bus.vehicle_id, pickup, drop_off, pooled_with=(ride.ride_id,))
        return None

    def _free(self, bus: Bus, wish: RideRequest) -> Ride | None:
        pickup = wish.earliest
        drop_off = pickup + self._travel(wish.origin, wish.destination)
        busy = [
            ride for ride in self._active(bus.vehicle_id) if ride.pickup_at < drop_off and pickup < ride.drop_off_at
        ]
        if busy or wish.travellers > bus.seats:
            return None
        return Ride(uuid.uuid4().hex, wish, bus.vehicle_id, pickup, drop_off)

    def assign(self, wish: RideRequest) -> Ride:
        """A bus and pickup time for ``wish`` (pooled first, then a free bus); not yet held.

        Raises
        ------
        RideDeclined
            With the reason the request cannot be served.
        """
        if wish.latest < wish.earliest or wish.latest < self.clock():
            raise RideDeclined("window_in_the_past", "the pickup window is over or empty")
        buses = [bus for bus in self.buses if bus.wheelchair or not wish.wheelchair]
        if not buses:
            raise RideDeclined("no_wheelchair_vehicle", "no bus of this service takes a wheelchair")
        if all(wish.travellers > bus.seats for bus in buses):
            raise RideDeclined("too_many_travellers", f"no bus has {wish.travellers} seats")
        for choose in (self._pooled, self._free):
            for bus in buses:
                ride = choose(bus, wish)
                if ride is not None:
                    return ride
        raise RideDeclined("no_vehicle_in_window", "every bus is busy in the pickup window and no ride can be shared")

    def offer(self, wish: RideRequest) -> Ride:
        """An offer for ``wish`` (kept ``offer_minutes``; nothing is held until it is booked)."""
        with self._lock:
            ride = replace(self.assign(wish), offer_valid_until=self.clock() + timedelta(minutes=self.offer_minutes))
            self.rides[ride.ride_id] = ride
            return ride

    def book(self, offer_id: str, key: str) -> Ride:
        """Hold the offered ride (the same key answers the same booking); re-dispatched if the bus filled up.

        Raises
        ------
        SandboxError
            Unknown or expired offer, or the key used for another offer.
        RideDeclined
            The bus and every other bus filled up since the offer.
        """
        with self._lock:
            if key in self.keys:
                known = self.rides[self.keys[key]]
                if known.ride_id != offer_id:
                    raise SandboxError(409, "idempotency-key-reused", "this Idempotency-Key booked another offer")
                return known
            offer = self.rides.get(offer_id)
            if offer is None or offer.state != "OFFERED":
                raise SandboxError(404, "unknown-offer", f"no open offer {offer_id}")
            if offer.offer_valid_until is not None and offer.offer_valid_until < self.clock():
                raise SandboxError(410, "offer-expired", f"offer {offer_id} has expired")
            ride = replace(self.assign(offer.request), ride_id=offer_id, state="PENDING")
            self.rides[offer_id] = ride
            self.keys[key] = offer_id
            return ride

    def event(self, ride_id: str, operation: str) -> Ride:
        """COMMIT a held ride, or CANCEL it (idempotent; a late cancellation costs the fee).

        Raises
        ------
        SandboxError
            Unknown ride or operation, or a transition the ride's state does not allow.
        """
        with self._lock:
            ride = self.get(ride_id)
            if operation == "COMMIT":
                if ride.state == "CONFIRMED":
                    return ride
                if ride.state != "PENDING":
                    raise SandboxError(409, "invalid-transition", f"ride {ride_id} is {ride.state}")
                ride = replace(ride, state="CONFIRMED")
            elif operation == "CANCEL":
                if ride.state == "CANCELLED":
                    return ride
                late = ride.pickup_at - self.clock() < timedelta(minutes=self.free_cancel_minutes)
                fee = self.late_cancel_fee_cents if late and ride.state == "CONFIRMED" else 0
                ride = replace(ride, state="CANCELLED", cancellation_fee_cents=fee)
            else:
                raise SandboxError(400, "unknown-operation", f"operation {operation!r}: COMMIT or CANCEL")
            self.rides[ride_id] = ride
            return ride

    def get(self, ride_id: str) -> Ride:
        """The ride ``ride_id``.

        Raises
        ------
        SandboxError
            Unknown ride.
        """
        ride = self.rides.get(ride_id)
        if ride is None or ride.state == "OFFERED":
            raise SandboxError(404, "unknown-booking", f"no booking {ride_id}")
        return ride


def demo_dispatchers() -> dict[str, Dispatcher]:
    """The demo's on-demand service (SYNTHETIC): two eight-seat buses for the AST zone, one with a ramp."""
    return {"demo-ast": Dispatcher("demo-ast", [Bus("ast-bus-1", 8, wheelchair=True), Bus("ast-bus-2", 8, False)])}


def _moment(body: dict[str, Any], key: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(body[key]))
    except (KeyError, ValueError):
        raise SandboxError(400, "invalid-request", f"{key} must be an ISO 8601 time with an offset") from None
    if moment.tzinfo is None:
        raise SandboxError(400, "invalid-request", f"{key} must have an offset")
    return moment


def _point(body: dict[str, Any], key: str) -> tuple[float, float]:
    place = body.get(key)
    if not isinstance(place, dict) or not all(isinstance(place.get(axis), int | float) for axis in ("lat", "lon")):
        raise SandboxError(400, "invalid-request", f"{key} must be {{lat, lon}}")
    return float(place["lat"]), float(place["lon"])


def _json(ride: Ride) -> dict[str, Any]:
    return {
        "id": ride.ride_id,
        "state": ride.state,
        "vehicleId": ride.vehicle_id,
        "pickupTime": ride.pickup_at.isoformat(),
        "dropOffTime": ride.drop_off_at.isoformat(),
        "pooledWith": list(ride.pooled_with),
        "price": {"amount": 0, "currencyCode": "EUR", "note": "the ride is paid with the transit ticket"},
        "cancellationFee": ride.cancellation_fee_cents,
        "validUntil": ride.offer_valid_until.isoformat() if ride.offer_valid_until else None,
    }


def add_ondemand_routes(app: Flask, dispatchers: dict[str, Dispatcher]) -> None:
    """Serve every dispatcher below ``/ondemand/SYSTEM``."""

    def dispatcher(system: str) -> Dispatcher:
        if system not in dispatchers:
            raise SandboxError(404, "unknown-system", f"no on-demand system {system}")
        return dispatchers[system]

    def body() -> dict[str, Any]:
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise SandboxError(400, "invalid-request", "the body must be a JSON object")
        return data

    @app.errorhandler(RideDeclined)
    def _declined(error: RideDeclined) -> Response:
        response = jsonify({"type": error.kind, "reason": error.reason, "detail": error.detail, "errorcode": 4092})
        response.status_code = 409
        return response

    @app.post("/ondemand/<system>/planning/offers")
    def ondemand_offer(system: str) -> tuple[Response, int]:
        data = body()
        travellers = data.get("travellers", 1)
        if not isinstance(travellers, int) or isinstance(travellers, bool) or not 1 <= travellers <= 20:
            raise SandboxError(400, "invalid-request", "travellers must be a whole number 1..20")
        wish = RideRequest(
            origin=_point(data, "from"),
            destination=_point(data, "to"),
            earliest=_moment(data, "earliestPickup"),
            latest=_moment(data, "latestPickup"),
            travellers=travellers,
            wheelchair=bool(data.get("wheelchair", False)),
        )
        return jsonify(_json(dispatcher(system).offer(wish))), 201

    @app.post("/ondemand/<system>/bookings")
    def ondemand_book(system: str) -> tuple[Response, int]:
        key = request.headers.get("Idempotency-Key") or uuid.uuid4().hex
        offer = body().get("id")
        if not isinstance(offer, str):
            raise SandboxError(400, "invalid-request", "id must name an offer")
        return jsonify(_json(dispatcher(system).book(offer, key))), 201

    @app.post("/ondemand/<system>/bookings/<ride_id>/events")
    def ondemand_event(system: str, ride_id: str) -> Response:
        return jsonify(_json(dispatcher(system).event(ride_id, str(body().get("operation", "")))))

    @app.get("/ondemand/<system>/bookings/<ride_id>")
    def ondemand_status(system: str, ride_id: str) -> Response:
        return jsonify(_json(dispatcher(system).get(ride_id)))
