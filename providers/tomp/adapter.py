"""TOMP-API 1.6.1 booking on top of the operator's GBFS feeds for availability and prices.

Flow and how it maps to our states::

    POST /planning/offers                 -> offers (state NEW)            quote()
    POST /bookings {"id": offer}          -> PENDING                       reserve()  -> reserved
    POST /bookings/ID/events COMMIT       -> CONFIRMED                     confirm()  -> confirmed
    POST /legs/LEG/events SET_IN_USE      -> leg IN_USE, booking STARTED   start()    -> in_use
    POST /legs/LEG/events FINISH          -> leg FINISHED, FINISHED        end()      -> completed
    POST /bookings/ID/events CANCEL       -> CANCELLED                     cancel()   -> cancelled
    RELEASED / EXPIRED                                                                -> cancelled
    REJECTED                                                                          -> failed

An operator still on 1.5 (no ``/planning/offers``: 404) is asked ``POST /plannings?booking-intent=true``
with the same body. Refusals map by HTTP status as the spec assigns them (409 on booking: the
vehicle is taken; 404/410 on booking: the offer is gone; 403 on an event: not in this state;
428: a precondition such as the rider's account) and, where the operator says more, by the
error's ``type``.

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
from providers.tomp.fare import FareError, Ride, fare_total
from routing.shared_fetch import SharedFetch

TOMP_VERSION = "1.6.1"

BOOKING_STATES = {
    "NEW": BookingState.PENDING,
    "PENDING": BookingState.RESERVED,
    "CONDITIONAL_CONFIRMED": BookingState.CONFIRMED,
    "CONFIRMED": BookingState.CONFIRMED,
    "STARTED": BookingState.IN_USE,
    "FINISHED": BookingState.COMPLETED,
    "CANCELLED": BookingState.CANCELLED,
    "RELEASED": BookingState.CANCELLED,
    "EXPIRED": BookingState.CANCELLED,
    "REJECTED": BookingState.FAILED,
}
"""Every TOMP-API 1.6 ``bookingState`` in our states."""

LEG_STATES = {
    "NOT_STARTED": BookingState.CONFIRMED,
    "PREPARING": BookingState.CONFIRMED,
    "IN_USE": BookingState.IN_USE,
    "PAUSED": BookingState.IN_USE,
    "FINISHING": BookingState.IN_USE,
    "ISSUE_REPORTED": BookingState.IN_USE,
    "FINISHED": BookingState.COMPLETED,
    "CANCELLED": BookingState.CANCELLED,
}
"""Every TOMP-API 1.6 ``legState``; it refines a ``CONFIRMED`` or ``STARTED`` booking."""

_ERROR_TYPES: dict[str, type[ProviderError]] = {
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


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


class TompProvider:
    """A bookable operator: GBFS feeds plus TOMP-API booking endpoints."""

    def __init__(self, name: str, gbfs: GbfsProvider, settings: TompSettings, http: HttpClient) -> None:
        self.name = name
        self.gbfs = gbfs
        self.settings = settings
        self.capabilities = gbfs.capabilities | {Capability.BOOKING}
        self._http = http
        self._legacy_planning = False  # set once a 1.5 operator answered /planning/offers with 404

    def share_feeds(self, shared: SharedFetch) -> None:
        """Fetch the operator's GBFS feeds through ``shared`` (once per ``ttl`` for every worker and host)."""
        self.gbfs.share_feeds(shared)

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
            "Accept-Language": "de",
            "Api": "TOMP",
            "Api-Version": TOMP_VERSION,
            "maas-id": self.settings.maas_id,
        }
        if self.settings.api_key:
            headers["Authorization"] = f"Bearer {self.settings.api_key}"
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        url = self.settings.tomp_url.rstrip("/") + path
        response = self._http.request(method, url, headers=headers, body=body, retry=retry)
        if response.status_code >= 400:
            raise self._error(response, method, path)
        if response.status_code == 204 or not response.content:
            return None
        return decode_json(response, self.name, "tomp " + path)

    def _error(self, response: requests.Response, method: str, path: str) -> ProviderError:
        """The typed error for a refusal: the operator's error ``type`` if we know it, else by HTTP status."""
        what = f"{method} {path}"
        try:
            problem = response.json()
        except ValueError:
            problem = {}
        problem = problem if isinstance(problem, dict) else {}
        kind = str(problem.get("type") or "").rsplit("/", 1)[-1]
        detail = str(problem.get("detail") or problem.get("title") or "").strip()
        code = problem.get("errorcode")
        said = f"{what}: HTTP {response.status_code}" + (f" (TOMP error {code})" if code is not None else "")
        said += f": {detail}" if detail else ""
        status = response.status_code
        known = _ERROR_TYPES.get(kind)
        if known is not None:
            return known(self.name, said)
        booking = method == "POST" and path == "/bookings"
        event = path.endswith("/events")
        if status in (401, 403) and not event:
            return ProviderError(self.name, f"{said}; the operator refused our credentials")
        if booking and status == 409:
            return VehicleTaken(self.name, said)
        if booking and status in (404, 410):
            return OfferExpired(self.name, said)
        if event and status in (403, 409):
            return InvalidTransition(self.name, said)
        if event and status == 410:
            return OfferExpired(self.name, f"{said}; the reservation expired")
        if status in (404, 410):
            return BookingNotFound(self.name, said)
        if status == 428:
            return ProviderError(self.name, f"{said}; a precondition (e.g. the rider's account) is not met")
        if status == 400:
            return ProviderError(self.name, f"{said}; the operator refused our request")
        return ProviderUnavailable(self.name, said)

    def _fare(self, pricing: object, ride: Ride, where: str) -> tuple[int, str, bool]:
        try:
            total = fare_total(pricing, ride, where=where)
        except FareError as exc:
            raise FeedError(self.name, "tomp", where, str(exc).removeprefix(f"{where}: ")) from exc
        return total.cents, total.currency, total.estimated

    def _status(self, booking: object) -> BookingStatus:
        if not isinstance(booking, dict) or not isinstance(booking.get("id"), str):
            raise FeedError(self.name, "tomp", "booking", "expected an object with an id")
        operator_state = str(booking.get("state"))
        state = BOOKING_STATES.get(operator_state)
        if state is None:
            raise FeedError(self.name, "tomp", "booking.state", f"unknown state {operator_state!r}")
        legs = booking.get("legs")
        leg: dict[str, Any] = legs[0] if isinstance(legs, list) and legs and isinstance(legs[0], dict) else {}
        leg_state = leg.get("state")
        if leg_state is not None and str(leg_state) not in LEG_STATES:
            raise FeedError(self.name, "tomp", "booking.legs[0].state", f"unknown state {leg_state!r}")
        if state in (BookingState.CONFIRMED, BookingState.IN_USE) and leg_state is not None:
            refined = LEG_STATES[str(leg_state)]
            state = refined if not (state is BookingState.IN_USE and refined is BookingState.CONFIRMED) else state
        amount = None
        pricing = booking.get("pricing", leg.get("pricing"))
        if state in (BookingState.COMPLETED, BookingState.CANCELLED) and pricing is not None:
            # the ride's price, or the cancellation fee
            amount = self._fare(pricing, self._ride(booking, leg), "booking.pricing")[0]
        asset: dict[str, Any] = leg["asset"] if isinstance(leg.get("asset"), dict) else {}
        return BookingStatus(
            provider=self.name,
            booking_id=booking["id"],
            state=state,
            vehicle_id=None if not asset.get("id") else str(asset["id"]),
            amount_cents=amount,
            operator_state=operator_state + (f"/{leg_state}" if leg_state else ""),
        )

    @staticmethod
    def _ride(booking: dict[str, Any], leg: dict[str, Any]) -> Ride:
        """How long and far a booked leg went (actual times when reported, else the planned ones)."""
        begin = _moment(leg.get("actualDepartureTime")) or _moment(booking.get("actualDepartureTime"))
        begin = begin or _moment(leg.get("departureTime")) or _moment(booking.get("departureTime"))
        finish = _moment(leg.get("actualArrivalTime")) or _moment(booking.get("actualArrivalTime"))
        finish = finish or _moment(leg.get("arrivalTime")) or _moment(booking.get("arrivalTime"))
        minutes = max((finish - begin).total_seconds() / 60.0, 0.0) if begin and finish else 0.0
        distance = leg.get("distance")
        km = distance / 1000.0 if isinstance(distance, int | float) and not isinstance(distance, bool) else 0.0
        return Ride(minutes=minutes, km=km)

    # -- the flow ---------------------------------------------------------------------------------

    def planning_request(self, leg: LegSpec) -> dict[str, Any]:
        """The TOMP ``planningRequest`` for ``leg`` (station ids only where there are some)."""
        start = leg.start.astimezone(UTC)
        origin: dict[str, Any] = {"coordinates": {"lat": leg.from_lat, "lng": leg.from_lon}}
        destination: dict[str, Any] = {"coordinates": {"lat": leg.to_lat, "lng": leg.to_lon}}
        if leg.from_station_id is not None:
            origin["stationId"] = leg.from_station_id
        if leg.to_station_id is not None:
            destination["stationId"] = leg.to_station_id
        body: dict[str, Any] = {
            "from": origin,
            "to": destination,
            "departureTime": start.isoformat(),
            "arrivalTime": (start + timedelta(minutes=leg.minutes)).isoformat(),
            "estimatedDistance": max(round(leg.km * 1000), 0),
            "nrOfTravelers": 1,
            "useAssetTypes": [leg.vehicle_type_id],
        }
        if leg.vehicle_id:
            body["useAssets"] = [leg.vehicle_id]
        return body

    def _offers(self, body: dict[str, Any]) -> Any:
        if not self._legacy_planning:
            try:
                return self._call("POST", "/planning/offers", body)
            except BookingNotFound:
                self._legacy_planning = True  # a 1.5 operator: plannings with booking intent
        return self._call("POST", "/plannings?booking-intent=true", body)

    def quote(self, leg: LegSpec) -> Quote:
        """The operator's own offer for the leg (pinned to a vehicle); empty offers mean none is free."""
        planning = self._offers(self.planning_request(leg))
        options = planning.get("options") if isinstance(planning, dict) else None
        if not isinstance(options, list):
            raise FeedError(self.name, "tomp", "planning.options", "expected a list")
        if not options:
            raise VehicleTaken(self.name, f"no free {leg.vehicle_type_id} for this leg")
        option = options[0]
        if not isinstance(option, dict) or not isinstance(option.get("id"), str):
            raise FeedError(self.name, "tomp", "planning.options[0].id", "an offer needs an id to be booked")
        legs = option.get("legs")
        first = legs[0] if isinstance(legs, list) and legs and isinstance(legs[0], dict) else {}
        pricing = option.get("pricing", first.get("pricing"))
        ride = Ride(minutes=leg.minutes, km=leg.km)
        amount, currency, estimated = self._fare(pricing, ride, "planning.options[0].pricing")
        valid = _moment(option.get("validUntil")) or _moment(planning.get("validUntil"))
        return Quote(
            provider=self.name,
            amount_cents=amount,
            currency=currency,
            plan_id=None,
            estimated=estimated,
            offer_id=option["id"],
            valid_until=valid,
            deep_link=self.gbfs.deep_link(leg),
        )

    def reserve(self, quote: Quote, leg: LegSpec, *, idempotency_key: str) -> BookingStatus:
        """Book the quoted offer; the key makes a retried request return the same booking."""
        if quote.offer_id is None:
            raise OfferExpired(self.name, "the quote carries no offer id; quote again")
        return self._status(self._call("POST", "/bookings", {"id": quote.offer_id}, idempotency_key=idempotency_key))

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
