"""The sandbox operator's state: vehicles, offers and bookings, with the rules a real operator enforces.

Seeded from GBFS 2.x snapshot folders (one sub-folder per system, e.g. the demo city's
``demo-rad`` and ``demo-auto``): every counted vehicle at a station becomes a vehicle
with its own id, free-floating vehicles are kept as they are. All changes happen under
one lock, so a vehicle reserved by one booking is unavailable to the next however many
requests race for it.
"""

from __future__ import annotations

import enum
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from providers.errors import FeedError
from providers.gbfs._fields import FeedPlace
from providers.gbfs.feeds import (
    VEHICLE_FEEDS,
    parse_pricing,
    parse_station_information,
    parse_station_status,
    parse_vehicle_types,
    parse_vehicles,
)
from providers.gbfs.pricing import PricingPlan, ride_cost_cents
from providers.model import Station, VehicleType, pricing_plan_for
from routing.geo import distance_m

OFFER_VALID_S = 600
HOLD_S = 900  # a PENDING booking expires after this and frees its vehicle
STATIC_FEEDS = (
    "system_information",
    "vehicle_types",
    "station_information",
    "system_pricing_plans",
    "geofencing_zones",
)


class SandboxError(Exception):
    """A request the operator refuses; ``kind`` becomes the problem type, ``status`` the HTTP status."""

    def __init__(self, status: int, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.kind = kind
        self.detail = detail


class BookingState(enum.StrEnum):
    """TOMP-API 1.6 booking states the sandbox uses."""

    PENDING = "PENDING"
    CONFIRMED = "CONFIRMED"
    STARTED = "STARTED"
    FINISHED = "FINISHED"
    CANCELLED = "CANCELLED"
    RELEASED = "RELEASED"
    EXPIRED = "EXPIRED"


class LegState(enum.StrEnum):
    """TOMP-API 1.6 leg states the sandbox uses."""

    NOT_STARTED = "NOT_STARTED"
    IN_USE = "IN_USE"
    PAUSED = "PAUSED"
    FINISHED = "FINISHED"
    CANCELLED = "CANCELLED"


OPERATIONS = ("COMMIT", "CANCEL", "DENY", "EXTEND_EXPIRY_TIME")
"""TOMP-API 1.6 ``bookingOperation`` values."""
LEG_EVENTS = ("SET_IN_USE", "PAUSE", "FINISH")
"""The ``legEvent`` values the sandbox implements (others answer 400)."""


@dataclass
class SandboxVehicle:
    """One vehicle and where it is."""

    vehicle_id: str
    vehicle_type_id: str
    lat: float
    lon: float
    station_id: str | None
    booking_id: str | None = None  # set while reserved or in use


@dataclass(frozen=True)
class Offer:
    """A priced option from ``plannings``, pinned to one vehicle."""

    offer_id: str
    system_id: str
    vehicle_id: str
    vehicle_type_id: str
    from_lat: float
    from_lon: float
    from_station_id: str | None
    to_lat: float
    to_lon: float
    to_station_id: str | None
    departure: float
    minutes: float
    km: float
    plan: PricingPlan
    amount_cents: int
    valid_until: float


@dataclass
class Booking:
    """A booking of one offer (one leg)."""

    booking_id: str
    offer: Offer
    created: float
    state: BookingState = BookingState.PENDING
    leg_state: LegState = LegState.NOT_STARTED
    started: float | None = None
    finished: float | None = None
    final_amount_cents: int | None = None
    hold_until: float = 0.0  # a PENDING booking expires after this (0: created + HOLD_S)

    def __post_init__(self) -> None:
        if not self.hold_until:
            self.hold_until = self.created + HOLD_S

    @property
    def leg_id(self) -> str:
        """TOMP leg id of the single leg."""
        return f"{self.booking_id}-leg"


@dataclass
class SandboxSystem:
    """One published system: its static documents, parsed values and vehicles."""

    system_id: str
    documents: dict[str, dict[str, Any]]  # static feeds as read from the seed
    vehicle_types: dict[str, VehicleType]
    stations: dict[str, Station]
    plans: dict[str, PricingPlan]
    vehicles: dict[str, SandboxVehicle] = field(default_factory=dict)
    cancellation_fee_cents: int = 0
    """Charged when a confirmed booking is cancelled before the ride (``sandbox.json`` in the seed folder)."""

    def plan_for(self, vehicle_type_id: str) -> PricingPlan:
        """The vehicle type's plan as a client reads the feeds, else the system's first plan."""
        plan = pricing_plan_for(self.vehicle_types[vehicle_type_id], self.plans)
        return plan if plan is not None else next(iter(self.plans.values()))


def _read(folder: Path, feed: str) -> dict[str, Any] | None:
    path = folder / f"{feed}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def _policy(folder: Path) -> dict[str, int]:
    """The operator policy of a seed folder (``sandbox.json``: ``{"cancellation_fee_cents": 200}``)."""
    path = folder / "sandbox.json"
    if not path.is_file():
        return {}
    try:
        policy = json.loads(path.read_text(encoding="utf-8"))
        fee = policy.get("cancellation_fee_cents", 0)
    except (ValueError, AttributeError) as exc:
        raise FeedError(folder.name, "sandbox", "", f"{path} is not a JSON object: {exc}") from exc
    if not isinstance(fee, int) or isinstance(fee, bool) or fee < 0:
        raise FeedError(folder.name, "sandbox", "cancellation_fee_cents", f"expected whole cents >= 0, got {fee!r}")
    return {"cancellation_fee_cents": fee}


def load_system(folder: Path) -> SandboxSystem:
    """A system from a GBFS 2.x snapshot folder (needs vehicle_types and system_pricing_plans)."""
    system_id = folder.name
    documents = {feed: doc for feed in STATIC_FEEDS if (doc := _read(folder, feed)) is not None}
    for required in ("system_information", "vehicle_types", "system_pricing_plans"):
        if required not in documents:
            raise FeedError(system_id, required, "", f"the sandbox needs {folder / required}.json")
    system = SandboxSystem(
        system_id=system_id,
        documents=documents,
        vehicle_types=parse_vehicle_types(documents["vehicle_types"], FeedPlace(system_id, "vehicle_types")),
        stations=(
            parse_station_information(documents["station_information"], FeedPlace(system_id, "station_information"))
            if "station_information" in documents
            else {}
        ),
        plans=parse_pricing(documents["system_pricing_plans"], FeedPlace(system_id, "system_pricing_plans")),
        cancellation_fee_cents=_policy(folder).get("cancellation_fee_cents", 0),
    )
    default_type = next(iter(system.vehicle_types))
    status = _read(folder, "station_status")
    if status is not None:
        for station_id, counts in parse_station_status(status, FeedPlace(system_id, "station_status")).items():
            station = system.stations[station_id]
            by_type = counts.vehicles_by_type or {default_type: counts.vehicles_available or 0}
            for type_id, count in by_type.items():
                for number in range(1, count + 1):
                    vehicle_id = f"{station_id}-{type_id}-{number}"
                    system.vehicles[vehicle_id] = SandboxVehicle(
                        vehicle_id, type_id, station.lat, station.lon, station_id
                    )
    for feed in VEHICLE_FEEDS:
        document = _read(folder, feed)
        if document is None:
            continue
        for vehicle in parse_vehicles(document, FeedPlace(system_id, feed)):
            if vehicle.lat is not None and vehicle.lon is not None:
                system.vehicles[vehicle.vehicle_id] = SandboxVehicle(
                    vehicle.vehicle_id,
                    vehicle.vehicle_type_id or default_type,
                    vehicle.lat,
                    vehicle.lon,
                    vehicle.station_id,
                )
    return system


@dataclass(frozen=True)
class OfferRequest:
    """What a ``plannings`` request asks for."""

    from_lat: float
    from_lon: float
    to_lat: float
    to_lon: float
    minutes: float
    departure: float = 0.0
    km: float | None = None
    vehicle_id: str | None = None
    vehicle_type_id: str | None = None
    from_station_id: str | None = None
    to_station_id: str | None = None
    radius_m: float = 500.0


class Fleet:
    """All systems of the sandbox operator and their bookings."""

    def __init__(self, systems: list[SandboxSystem], *, clock: Callable[[], float] = time.time) -> None:
        self.systems = {system.system_id: system for system in systems}
        self.offers: dict[str, Offer] = {}
        self.bookings: dict[str, Booking] = {}
        self.idempotency: dict[tuple[str, str], str] = {}
        self.clock = clock
        self.lock = threading.Lock()

    @classmethod
    def from_folder(cls, folder: Path, *, clock: Callable[[], float] = time.time) -> Fleet:
        """Every sub-folder with a ``system_information.json`` is one system."""
        systems = [
            load_system(path) for path in sorted(folder.iterdir()) if (path / "system_information.json").is_file()
        ]
        if not systems:
            raise FeedError("sandbox", "system_information", "", f"no GBFS system folders in {folder}")
        return cls(systems, clock=clock)

    def system(self, system_id: str) -> SandboxSystem:
        """The system, or a 404 error."""
        if system_id not in self.systems:
            raise SandboxError(404, "unknown-system", f"no system {system_id!r}")
        return self.systems[system_id]

    def _expire_holds(self) -> None:
        now = self.clock()
        for booking in self.bookings.values():
            if booking.state is BookingState.PENDING and now > booking.hold_until:
                booking.state = BookingState.EXPIRED
                booking.leg_state = LegState.CANCELLED
                self._release(booking)

    def _release(self, booking: Booking) -> None:
        vehicle = self.systems[booking.offer.system_id].vehicles[booking.offer.vehicle_id]
        if vehicle.booking_id == booking.booking_id:
            vehicle.booking_id = None

    # -- planning -------------------------------------------------------------------------------

    def plan(self, system_id: str, request: OfferRequest) -> list[Offer]:
        """Priced offers, nearest free vehicle first (at most 3)."""
        with self.lock:
            self._expire_holds()
            system = self.system(system_id)
            candidates = []
            for vehicle in system.vehicles.values():
                if vehicle.booking_id is not None:
                    continue
                if request.vehicle_id is not None and vehicle.vehicle_id != request.vehicle_id:
                    continue
                if request.vehicle_type_id is not None and vehicle.vehicle_type_id != request.vehicle_type_id:
                    continue
                if request.from_station_id is not None and vehicle.station_id != request.from_station_id:
                    continue
                away_m = distance_m(request.from_lat, request.from_lon, vehicle.lat, vehicle.lon)
                if request.vehicle_id is None and request.from_station_id is None and away_m > request.radius_m:
                    continue
                candidates.append((away_m, vehicle.vehicle_id, vehicle))
            km = (
                request.km
                if request.km is not None
                else distance_m(request.from_lat, request.from_lon, request.to_lat, request.to_lon) / 1000.0
            )
            offers = []
            for _, _, vehicle in sorted(candidates)[:3]:
                plan = system.plan_for(vehicle.vehicle_type_id)
                offer = Offer(
                    offer_id=uuid.uuid4().hex,
                    system_id=system_id,
                    vehicle_id=vehicle.vehicle_id,
                    vehicle_type_id=vehicle.vehicle_type_id,
                    from_lat=vehicle.lat,
                    from_lon=vehicle.lon,
                    from_station_id=vehicle.station_id,
                    to_lat=request.to_lat,
                    to_lon=request.to_lon,
                    to_station_id=request.to_station_id,
                    departure=request.departure,
                    minutes=request.minutes,
                    km=km,
                    plan=plan,
                    amount_cents=ride_cost_cents(plan, minutes=request.minutes, km=km),
                    valid_until=self.clock() + OFFER_VALID_S,
                )
                self.offers[offer.offer_id] = offer
                offers.append(offer)
            return offers

    # -- booking --------------------------------------------------------------------------------

    def book(self, system_id: str, offer_id: str, idempotency_key: str | None) -> tuple[Booking, bool]:
        """Reserve the offer's vehicle; ``(booking, created)``. The same key returns the same booking."""
        with self.lock:
            self._expire_holds()
            self.system(system_id)
            if idempotency_key and (system_id, idempotency_key) in self.idempotency:
                booking = self.bookings[self.idempotency[(system_id, idempotency_key)]]
                if booking.offer.offer_id != offer_id:
                    raise SandboxError(422, "idempotency-key-reused", "this Idempotency-Key was used for another offer")
                return booking, False
            offer = self.offers.get(offer_id)
            if offer is None or offer.system_id != system_id:
                raise SandboxError(404, "unknown-offer", f"no offer {offer_id!r}")
            if self.clock() > offer.valid_until:
                raise SandboxError(410, "offer-expired", f"offer {offer_id!r} expired")
            vehicle = self.systems[system_id].vehicles[offer.vehicle_id]
            if vehicle.booking_id is not None:
                raise SandboxError(409, "vehicle-taken", f"vehicle {vehicle.vehicle_id!r} is already reserved")
            booking = Booking(booking_id=uuid.uuid4().hex, offer=offer, created=self.clock())
            vehicle.booking_id = booking.booking_id
            self.bookings[booking.booking_id] = booking
            if idempotency_key:
                self.idempotency[(system_id, idempotency_key)] = booking.booking_id
            return booking, True

    def booking(self, system_id: str, booking_id: str) -> Booking:
        """A booking of this system, or 404."""
        with self.lock:
            self._expire_holds()
            return self._booking(system_id, booking_id)

    def _booking(self, system_id: str, booking_id: str) -> Booking:
        booking = self.bookings.get(booking_id)
        if booking is None or booking.offer.system_id != system_id:
            raise SandboxError(404, "unknown-booking", f"no booking {booking_id!r}")
        return booking

    def operate(self, system_id: str, booking_id: str, operation: str) -> Booking:
        """``COMMIT``, ``CANCEL``, ``DENY`` or ``EXTEND_EXPIRY_TIME`` on a booking (repeats are harmless)."""
        with self.lock:
            self._expire_holds()
            booking = self._booking(system_id, booking_id)
            if operation not in OPERATIONS:
                raise SandboxError(400, "unknown-operation", f"operation: one of {', '.join(OPERATIONS)}")
            if operation == "EXTEND_EXPIRY_TIME":
                if booking.state is not BookingState.PENDING:
                    raise SandboxError(410, "offer-expired", f"booking is {booking.state}; no expiry to extend")
                booking.hold_until = self.clock() + HOLD_S
                return booking
            target = {
                "COMMIT": BookingState.CONFIRMED,
                "CANCEL": BookingState.CANCELLED,
                "DENY": BookingState.RELEASED,
            }[operation]
            if booking.state is target:
                return booking
            allowed = {
                BookingState.CONFIRMED: booking.state is BookingState.PENDING,
                BookingState.CANCELLED: booking.state in (BookingState.PENDING, BookingState.CONFIRMED)
                and booking.leg_state is LegState.NOT_STARTED,
                BookingState.RELEASED: booking.state is BookingState.PENDING,
            }[target]
            if not allowed:
                raise SandboxError(
                    403,
                    "invalid-transition",
                    f"booking is {booking.state} (leg {booking.leg_state}); cannot {operation}",
                )
            if target is BookingState.CANCELLED:
                confirmed = booking.state is BookingState.CONFIRMED
                booking.final_amount_cents = self.systems[system_id].cancellation_fee_cents if confirmed else 0
            booking.state = target
            if target is not BookingState.CONFIRMED:
                booking.leg_state = LegState.CANCELLED
                self._release(booking)
            return booking

    def leg(self, system_id: str, leg_id: str) -> Booking:
        """The booking a leg id belongs to, or 404."""
        with self.lock:
            self._expire_holds()
            return self._booking(system_id, leg_id.removesuffix("-leg"))

    def leg_event(self, system_id: str, leg_id: str, event: str) -> Booking:
        """``SET_IN_USE`` (start or resume), ``PAUSE`` or ``FINISH`` on the booking's leg (repeats are harmless)."""
        with self.lock:
            booking = self._booking(system_id, leg_id.removesuffix("-leg"))
            if event not in LEG_EVENTS:
                raise SandboxError(400, "unknown-event", f"event: the sandbox implements {', '.join(LEG_EVENTS)}")
            if event == "SET_IN_USE":
                if booking.leg_state is LegState.IN_USE:
                    return booking
                if booking.leg_state is LegState.PAUSED:
                    booking.leg_state = LegState.IN_USE
                    return booking
                if booking.state is not BookingState.CONFIRMED or booking.leg_state is not LegState.NOT_STARTED:
                    raise SandboxError(403, "invalid-transition", f"booking is {booking.state}; cannot start")
                booking.leg_state = LegState.IN_USE
                booking.state = BookingState.STARTED
                booking.started = self.clock()
            elif event == "PAUSE":
                if booking.leg_state is LegState.PAUSED:
                    return booking
                if booking.leg_state is not LegState.IN_USE:
                    raise SandboxError(403, "invalid-transition", f"leg is {booking.leg_state}; cannot pause")
                booking.leg_state = LegState.PAUSED
            else:
                if booking.leg_state is LegState.FINISHED:
                    return booking
                if booking.leg_state not in (LegState.IN_USE, LegState.PAUSED):
                    raise SandboxError(403, "invalid-transition", f"leg is {booking.leg_state}; cannot finish")
                self._finish(booking)
            return booking

    def bookings_of(self, system_id: str, state: str | None = None) -> list[Booking]:
        """The bookings of a system, optionally only those in ``state`` (oldest first)."""
        with self.lock:
            self._expire_holds()
            self.system(system_id)
            return [
                b
                for b in self.bookings.values()
                if b.offer.system_id == system_id and (state is None or str(b.state) == state)
            ]

    def _finish(self, booking: Booking) -> None:
        offer = booking.offer
        system = self.systems[offer.system_id]
        minutes = (self.clock() - (booking.started or self.clock())) / 60.0
        booking.final_amount_cents = ride_cost_cents(offer.plan, minutes=minutes, km=offer.km)
        booking.leg_state = LegState.FINISHED
        booking.state = BookingState.FINISHED
        booking.finished = self.clock()
        vehicle = system.vehicles[offer.vehicle_id]
        station = system.stations.get(offer.to_station_id or "")
        vehicle.lat, vehicle.lon = (station.lat, station.lon) if station else (offer.to_lat, offer.to_lon)
        vehicle.station_id = station.station_id if station else None
        vehicle.booking_id = None

    # -- live counts for the GBFS feeds -------------------------------------------------------

    def snapshot(self, system_id: str) -> tuple[SandboxSystem, list[SandboxVehicle]]:
        """The system and a copy of its vehicles, consistent at one moment."""
        with self.lock:
            self._expire_holds()
            system = self.system(system_id)
            return system, [SandboxVehicle(**vars(vehicle)) for vehicle in system.vehicles.values()]
