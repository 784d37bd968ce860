"""A fake operator for saga unit tests: in-memory bookings, idempotent reservations, answers that can be made wrong."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from providers.errors import BookingNotFound, InvalidTransition, ProviderUnavailable
from providers.model import (
    Availability,
    BookingState,
    BookingStatus,
    Capability,
    LegSpec,
    Quote,
    StaticInfo,
)

S = BookingState
START = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)


@dataclass
class FakeOperator:
    """An operator with one rule set: idempotent reserve by key (422-like refusal for another offer)."""

    name: str = "fake"
    capabilities: frozenset[Capability] = frozenset({Capability.BOOKING, Capability.PRICES})
    price_cents: int = 300
    fee_cents: int = 0
    bookings: dict[str, BookingStatus] = field(default_factory=dict)
    keys: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (offer, booking)
    wrong: dict[str, Callable[..., Any]] = field(default_factory=dict)
    """Method name -> what it answers instead (a misbehaving adapter)."""
    down: set[str] = field(default_factory=set)
    """Methods that raise ProviderUnavailable (after doing their work when in ``down_after``)."""
    down_after: set[str] = field(default_factory=set)
    calls: list[str] = field(default_factory=list)

    def _answer(self, method: str, status: BookingStatus | Quote, *args: Any) -> Any:
        self.calls.append(method)
        if method in self.wrong:
            return self.wrong[method](*args)
        if method in self.down_after:
            raise ProviderUnavailable(self.name, f"{method}: timed out")
        return status

    def _check_down(self, method: str) -> None:
        if method in self.down:
            self.calls.append(method)
            raise ProviderUnavailable(self.name, f"{method}: connection refused")

    def static_info(self) -> StaticInfo:  # pragma: no cover - the saga never asks
        raise NotImplementedError

    def availability(self) -> Availability:  # pragma: no cover
        raise NotImplementedError

    def deep_link(self, leg: LegSpec) -> str:
        return ""

    def quote(self, leg: LegSpec) -> Quote:
        self._check_down("quote")
        offer = uuid.uuid4().hex
        quote = Quote(self.name, self.price_cents, "EUR", None, True, offer_id=offer, valid_until=START + timedelta(1))
        return self._answer("quote", quote, leg)  # type: ignore[no-any-return]

    def reserve(self, quote: Quote, leg: LegSpec, *, idempotency_key: str) -> BookingStatus:
        self._check_down("reserve")
        if idempotency_key in self.keys:
            offer, booking_id = self.keys[idempotency_key]
            if offer != quote.offer_id:
                raise InvalidTransition(self.name, "422: this Idempotency-Key was used for another offer")
            return self._answer("reserve", self.bookings[booking_id], quote, leg)  # type: ignore[no-any-return]
        booking_id = uuid.uuid4().hex
        self.bookings[booking_id] = BookingStatus(self.name, booking_id, S.RESERVED, vehicle_id=leg.vehicle_id)
        self.keys[idempotency_key] = (str(quote.offer_id), booking_id)
        return self._answer("reserve", self.bookings[booking_id], quote, leg)  # type: ignore[no-any-return]

    def _move(self, method: str, booking_id: str, to: BookingState, allowed: set[BookingState], **extra: Any) -> Any:
        self._check_down(method)
        current = self.status(booking_id, record=False)
        if current.state is not to:
            if current.state not in allowed:
                raise InvalidTransition(self.name, f"{method}: the booking is {current.state}")
            self.bookings[booking_id] = BookingStatus(self.name, booking_id, to, vehicle_id=current.vehicle_id, **extra)
        return self._answer(method, self.bookings[booking_id], booking_id)

    def confirm(self, booking_id: str) -> BookingStatus:
        return self._move("confirm", booking_id, S.CONFIRMED, {S.RESERVED})  # type: ignore[no-any-return]

    def start(self, booking_id: str) -> BookingStatus:
        return self._move("start", booking_id, S.IN_USE, {S.CONFIRMED})  # type: ignore[no-any-return]

    def end(self, booking_id: str) -> BookingStatus:
        return self._move("end", booking_id, S.COMPLETED, {S.IN_USE}, amount_cents=250)  # type: ignore[no-any-return]

    def cancel(self, booking_id: str) -> BookingStatus:
        fee = self.fee_cents if self.status(booking_id, record=False).state is S.CONFIRMED else 0
        return self._move(  # type: ignore[no-any-return]
            "cancel", booking_id, S.CANCELLED, {S.RESERVED, S.CONFIRMED}, amount_cents=fee
        )

    def status(self, booking_id: str, *, record: bool = True) -> BookingStatus:
        if booking_id not in self.bookings:
            raise BookingNotFound(self.name, f"no booking {booking_id}")
        if record:
            self.calls.append("status")
        return self.bookings[booking_id]

    def held(self) -> list[BookingStatus]:
        """Bookings holding a vehicle (reserved, confirmed or in use)."""
        return [b for b in self.bookings.values() if b.state in (S.RESERVED, S.CONFIRMED, S.IN_USE)]


def sharing_leg(provider: str = "fake", *, position_minutes: int = 0, vehicle: str | None = None) -> dict[str, Any]:
    """One bookable sharing leg of a signed itinerary record."""
    start = START + timedelta(minutes=position_minutes)
    return {
        "mode": "bikeshare",
        "start": start.isoformat(),
        "end": (start + timedelta(minutes=10)).isoformat(),
        "meters": 2000,
        "from": {"lat": 51.31, "lon": 9.48},
        "to": {"lat": 51.32, "lon": 9.50},
        "sharing": {
            "provider": provider,
            "bookable": True,
            "quoteCents": 300,
            "quoteEstimated": False,
            "vehicleType": "bike",
            "vehicle": vehicle,
            "currency": "EUR",
        },
    }


def transit_leg(position_minutes: int) -> dict[str, Any]:
    """A transit ride of the record (no sharing)."""
    start = START + timedelta(minutes=position_minutes)
    return {
        "mode": "transit",
        "start": start.isoformat(),
        "end": (start + timedelta(minutes=15)).isoformat(),
        "meters": 5000,
        "from": {"lat": 51.32, "lon": 9.50},
        "to": {"lat": 51.33, "lon": 9.51},
        "sharing": None,
    }
