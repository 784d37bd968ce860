"""TOMP-API booking (v1.6 flow) on top of the operator's GBFS feeds for availability and prices.

Flow and how it maps to our states::

    POST plannings/?booking-intent=true  -> offers (state NEW)             quote()
    POST bookings/ {"id": offer}          -> PENDING                       reserve()  -> reserved
    POST bookings/ID/events COMMIT        -> CONFIRMED                     confirm()  -> confirmed
    POST legs/LEG/events SET_IN_USE       -> leg IN_USE                    start()    -> in_use
    POST legs/LEG/events FINISH           -> leg FINISHED                  end()      -> completed
    POST bookings/ID/events CANCEL        -> CANCELLED                     cancel()   -> cancelled
    RELEASED / EXPIRED                                                                -> cancelled
    REJECTED                                                                          -> failed

Configuration (``adapter = "tomp"``)::

    [providers.demo-rad]
    adapter = "tomp"
    discovery_url = "http://127.0.0.1:5050/gbfs/2.3/demo-rad/gbfs.json"
    tomp_url = "http://127.0.0.1:5050/tomp/demo-rad"
    api_key_env = "DEMO_RAD_API_KEY"   # the key itself stays in the environment
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import requests

from providers.errors import (
    BookingNotFound,
    FeedError,
    InvalidTransition,
    OfferExpired,
    ProviderError,
    ProviderUnavailable,
    VehicleTaken,
)
from providers.gbfs.adapter import GbfsProvider
from providers.http import HttpClient, decode_json
from providers.model import Availability, BookingState, BookingStatus, Capability, LegSpec, Quote, StaticInfo

TOMP_VERSION = "1.6.0"

_BOOKING_STATES = {
    "NEW": BookingState.PENDING,
    "PENDING": BookingState.RESERVED,
    "CONDITIONAL_CONFIRMED": BookingState.CONFIRMED,
    "CONFIRMED": BookingState.CONFIRMED,
    "CANCELLED": BookingState.CANCELLED,
    "RELEASED": BookingState.CANCELLED,
    "EXPIRED": BookingState.CANCELLED,
    "REJECTED": BookingState.FAILED,
}
_LEG_STATES = {
    "IN_USE": BookingState.IN_USE,
    "PAUSED": BookingState.IN_USE,
    "FINISHING": BookingState.IN_USE,
    "FINISHED": BookingState.COMPLETED,
}
_ERRORS: dict[str, type[ProviderError]] = {
    "vehicle-taken": VehicleTaken,
    "invalid-transition": InvalidTransition,
    "offer-expired": OfferExpired,
    "unknown-booking": BookingNotFound,
    "unknown-offer": OfferExpired,
}


@dataclass(frozen=True)
class TompSettings:
    """Where the operator's TOMP endpoints are and who we are."""

    tomp_url: str
    api_key: str | None = None
    maas_id: str = "kassel-mobility"


def _cents(amount: object, provider: str) -> int:
    try:
        return int((Decimal(str(amount)) * 100).to_integral_value())
    except InvalidOperation as exc:
        raise FeedError(provider, "tomp", "pricing.parts.amount", f"{amount!r} is not a number") from exc


def _price(pricing: object, provider: str) -> tuple[int, str, bool]:
    """Total cents, currency and whether it is an estimate, from a TOMP ``pricing`` object."""
    if not isinstance(pricing, dict) or not isinstance(pricing.get("parts"), list):
        raise FeedError(provider, "tomp", "pricing", "expected {estimated, parts: [...]}")
    total, currency = 0, "EUR"
    for part in pricing["parts"]:
        if not isinstance(part, dict):
            raise FeedError(provider, "tomp", "pricing.parts", "not an object")
        units = part.get("units", 1) if part.get("type") == "FLEX" else 1
        total += _cents(part.get("amount"), provider) * int(units)
        currency = str(part.get("currencyCode", currency))
    return total, currency, bool(pricing.get("estimated", False))


class TompProvider:
    """A bookable operator: GBFS feeds plus TOMP-API booking endpoints."""

    def __init__(self, name: str, gbfs: GbfsProvider, settings: TompSettings, http: HttpClient) -> None:
        self.name = name
        self.gbfs = gbfs
        self.settings = settings
        self.capabilities = gbfs.capabilities | {Capability.BOOKING}
        self._http = http

    def static_info(self) -> StaticInfo:
        """From the operator's GBFS feeds."""
        return self.gbfs.static_info()

    def availability(self) -> Availability:
        """From the operator's GBFS feeds."""
        return self.gbfs.availability()

    def deep_link(self, leg: LegSpec) -> str:
        """From the operator's GBFS feeds."""
        return self.gbfs.deep_link(leg)

    # -- HTTP ---------------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        body: object = None,
        *,
        idempotency_key: str | None = None,
        retry: bool = True,
    ) -> Any:
        headers = {
            "Accept": "application/json",
            "Api": "TOMP",
            "Api-Version": TOMP_VERSION,
            "maas-id": self.settings.maas_id,
            "Accept-Language": "de",
        }
        if self.settings.api_key:
            headers["Authorization"] = f"Bearer {self.settings.api_key}"
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        url = self.settings.tomp_url.rstrip("/") + path
        response = self._http.request(method, url, headers=headers, body=body, retry=retry)
        if response.status_code >= 400:
            raise self._error(response, f"{method} {path}")
        return decode_json(response, self.name, "tomp " + path)

    def _error(self, response: requests.Response, what: str) -> ProviderError:
        try:
            problem = response.json()
        except ValueError:
            problem = {}
        kind = str(problem.get("type", "")).rsplit("/", 1)[-1] if isinstance(problem, dict) else ""
        detail = problem.get("detail", "") if isinstance(problem, dict) else ""
        error = _ERRORS.get(kind)
        if error is not None:
            return error(self.name, f"{what}: {detail or kind}")
        if response.status_code == 404:
            return BookingNotFound(self.name, f"{what}: not found")
        if response.status_code in (401, 403):
            return ProviderError(
                self.name, f"{what}: the operator refused our credentials (HTTP {response.status_code})"
            )
        return ProviderUnavailable(self.name, f"{what}: HTTP {response.status_code} {detail}".rstrip())

    def _status(self, booking: object) -> BookingStatus:
        if not isinstance(booking, dict) or not isinstance(booking.get("id"), str):
            raise FeedError(self.name, "tomp", "booking", "expected an object with an id")
        state = _BOOKING_STATES.get(str(booking.get("state")))
        if state is None:
            raise FeedError(self.name, "tomp", "booking.state", f"unknown state {booking.get('state')!r}")
        legs = booking.get("legs")
        leg: dict[str, Any] = legs[0] if isinstance(legs, list) and legs and isinstance(legs[0], dict) else {}
        if state is BookingState.CONFIRMED and str(leg.get("state")) in _LEG_STATES:
            state = _LEG_STATES[str(leg["state"])]
        amount = None
        if state in (BookingState.COMPLETED, BookingState.CANCELLED) and "pricing" in booking:
            amount = _price(booking["pricing"], self.name)[0]  # the ride's price, or the cancellation fee
        asset: dict[str, Any] = leg["asset"] if isinstance(leg.get("asset"), dict) else {}
        return BookingStatus(
            provider=self.name,
            booking_id=booking["id"],
            state=state,
            vehicle_id=None if not asset.get("id") else str(asset["id"]),
            amount_cents=amount,
            operator_state=str(booking.get("state")) + (f"/{leg.get('state')}" if leg.get("state") else ""),
        )

    # -- the flow ---------------------------------------------------------------------------------

    def quote(self, leg: LegSpec) -> Quote:
        """The operator's own offer for the leg (pinned to a vehicle); empty offers mean none is free."""
        start = leg.start.astimezone(UTC)
        body: dict[str, Any] = {
            "from": {
                "coordinates": {"lat": leg.from_lat, "lng": leg.from_lon},
                "stationId": leg.from_station_id,
            },
            "to": {"coordinates": {"lat": leg.to_lat, "lng": leg.to_lon}, "stationId": leg.to_station_id},
            "startTime": start.isoformat(),
            "endTime": (start + timedelta(minutes=leg.minutes)).isoformat(),
            "nrOfTravelers": 1,
            "useAssetTypes": [leg.vehicle_type_id],
            "distance": round(leg.km * 1000),
        }
        if leg.vehicle_id:
            body["useAssets"] = [leg.vehicle_id]
        planning = self._call("POST", "/plannings/?booking-intent=true", body)
        options = planning.get("options") if isinstance(planning, dict) else None
        if not isinstance(options, list):
            raise FeedError(self.name, "tomp", "planning.options", "expected a list")
        if not options:
            raise VehicleTaken(self.name, f"no free {leg.vehicle_type_id} for this leg")
        option = options[0]
        amount, currency, estimated = _price(option.get("pricing"), self.name)
        valid = option.get("validUntil") or planning.get("validUntil")
        return Quote(
            provider=self.name,
            amount_cents=amount,
            currency=currency,
            plan_id=None,
            estimated=estimated,
            offer_id=str(option.get("id")),
            valid_until=None if valid is None else datetime.fromisoformat(str(valid).replace("Z", "+00:00")),
            deep_link=self.gbfs.deep_link(leg),
        )

    def reserve(self, quote: Quote, leg: LegSpec, *, idempotency_key: str) -> BookingStatus:
        """Book the quoted offer; the key makes a retried request return the same booking."""
        if quote.offer_id is None:
            raise OfferExpired(self.name, "the quote carries no offer id; quote again")
        return self._status(self._call("POST", "/bookings/", {"id": quote.offer_id}, idempotency_key=idempotency_key))

    def confirm(self, booking_id: str) -> BookingStatus:
        """COMMIT."""
        return self._status(self._call("POST", f"/bookings/{booking_id}/events", {"operation": "COMMIT"}))

    def _leg_event(self, booking_id: str, event: str) -> BookingStatus:
        legs = self._call("GET", f"/bookings/{booking_id}").get("legs") or []
        if not legs or not isinstance(legs[0], dict) or "id" not in legs[0]:
            raise FeedError(self.name, "tomp", "booking.legs", "the booking has no leg")
        self._call("POST", f"/legs/{legs[0]['id']}/events", {"event": event, "time": datetime.now(UTC).isoformat()})
        return self.status(booking_id)

    def start(self, booking_id: str) -> BookingStatus:
        """SET_IN_USE on the booking's leg."""
        return self._leg_event(booking_id, "SET_IN_USE")

    def end(self, booking_id: str) -> BookingStatus:
        """FINISH on the booking's leg; the final price comes back with the booking."""
        return self._leg_event(booking_id, "FINISH")

    def cancel(self, booking_id: str) -> BookingStatus:
        """CANCEL (the operator answers a repeat with the cancelled booking)."""
        return self._status(self._call("POST", f"/bookings/{booking_id}/events", {"operation": "CANCEL"}))

    def status(self, booking_id: str) -> BookingStatus:
        """GET the booking."""
        return self._status(self._call("GET", f"/bookings/{booking_id}"))
