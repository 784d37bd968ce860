"""An on-demand operator (flex rides: AST, Rufbus) as a :class:`~providers.interface.Provider`.

The operator dispatches small buses: ``quote`` asks for an offer for the leg's pickup
window (``LegSpec.start`` .. ``LegSpec.latest_start``), ``reserve`` books it (the
operator pools it with other rides or gives it a bus, or declines with a reason),
``confirm`` commits it, ``cancel`` cancels it (the operator's fee, if any, is the
status's ``amount_cents``). The rider neither unlocks nor returns anything: ``start``
and ``end`` are not supported. The ride itself is paid with the transit ticket, so the
operator's quote is its own price (0 in the sandbox) and the on-demand surcharge is part
of the fare (:mod:`routing.fares.engine`).

Endpoints (below ``ondemand_url``): ``POST /planning/offers``, ``POST /bookings``,
``POST /bookings/ID/events`` (COMMIT, CANCEL), ``GET /bookings/ID``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from providers.errors import (
    BookingNotFound,
    InvalidTransition,
    NotSupported,
    OfferExpired,
    ProviderError,
    ProviderUnavailable,
    RideDeclined,
)
from providers.gbfs.geofencing import Geofencing
from providers.http import HttpClient, decode_json
from providers.model import (
    Availability,
    BookingState,
    BookingStatus,
    Capability,
    LegSpec,
    Quote,
    StaticInfo,
    SystemInfo,
)

STATES = {
    "PENDING": BookingState.RESERVED,
    "CONFIRMED": BookingState.CONFIRMED,
    "CANCELLED": BookingState.CANCELLED,
}
"""The dispatcher's ride states in ours."""


@dataclass(frozen=True)
class OnDemandSettings:
    """Where the dispatcher is, which flex routes it serves, and who we are."""

    ondemand_url: str
    routes: tuple[str, ...]
    """Region route ids (``<feed>:<route_id>``) of the flex trips this operator dispatches."""
    operator: str = ""
    timezone: str = "Europe/Berlin"
    api_key: str | None = None


def _moment(value: object, provider: str, field: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ProviderError(provider, f"the dispatcher's {field} {value!r} is not a time") from None
    if moment.tzinfo is None:
        raise ProviderError(provider, f"the dispatcher's {field} {value!r} has no offset")
    return moment.astimezone(UTC)


class OnDemandProvider:
    """A dispatcher of on-demand rides, booked like a sharing leg (reserve, confirm, cancel)."""

    def __init__(self, name: str, settings: OnDemandSettings, http: HttpClient) -> None:
        self.name = name
        self.settings = settings
        self.capabilities = frozenset({Capability.BOOKING, Capability.PRICES})
        self._http = http

    def serves(self, route_id: str) -> bool:
        """True when this operator dispatches the flex route ``route_id``."""
        return route_id in self.settings.routes

    def static_info(self) -> StaticInfo:
        """Only the system (a dispatcher publishes no stations or vehicles)."""
        return StaticInfo(
            system=SystemInfo(
                system_id=self.name, name=self.settings.operator or self.name, timezone=self.settings.timezone
            ),
            vehicle_types={},
            stations={},
            pricing_plans={},
            geofencing=Geofencing(),
        )

    def availability(self) -> Availability:
        """Nothing to rent: the buses come when booked."""
        return Availability(provider=self.name, as_of=datetime.now(UTC), stations={}, vehicles=())

    def deep_link(self, leg: LegSpec) -> str:
        """No app to open: booked here, or by the instructions of the feed."""
        return ""

    # -- HTTP ---------------------------------------------------------------------------------

    def _call(self, method: str, path: str, body: object = None, *, idempotency_key: str | None = None) -> Any:
        headers = {"Accept": "application/json", "Accept-Language": "de"}
        if self.settings.api_key:
            headers["Authorization"] = f"Bearer {self.settings.api_key}"
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        url = self.settings.ondemand_url.rstrip("/") + path
        response = self._http.request(method, url, headers=headers, body=body, retry=method == "GET")
        if response.status_code >= 400:
            raise self._error(response, f"{method} {path}")
        return decode_json(response, self.name, "ondemand " + path)

    def _error(self, response: requests.Response, what: str) -> ProviderError:
        try:
            problem = response.json()
        except ValueError:
            problem = {}
        problem = problem if isinstance(problem, dict) else {}
        kind, detail = str(problem.get("type") or ""), str(problem.get("detail") or "")
        said = f"{what}: HTTP {response.status_code}" + (f": {detail}" if detail else "")
        if kind == "ride-declined":
            return RideDeclined(self.name, said, reason_code=str(problem.get("reason") or "declined"))
        if kind in ("unknown-offer", "offer-expired"):
            return OfferExpired(self.name, said)
        if kind == "invalid-transition":
            return InvalidTransition(self.name, said)
        if kind == "unknown-booking" or response.status_code == 404:
            return BookingNotFound(self.name, said)
        if response.status_code in (400, 401, 403, 409):
            return ProviderError(self.name, f"{said}; the dispatcher refused our request")
        return ProviderUnavailable(self.name, said)

    def _status(self, data: object) -> BookingStatus:
        if not isinstance(data, dict) or not isinstance(data.get("id"), str):
            raise ProviderError(self.name, "the dispatcher answered without a booking id")
        state = STATES.get(str(data.get("state")))
        if state is None:
            raise ProviderError(self.name, f"the dispatcher's state {data.get('state')!r} is unknown")
        fee = data.get("cancellationFee")
        return BookingStatus(
            provider=self.name,
            booking_id=data["id"],
            state=state,
            vehicle_id=str(data["vehicleId"]) if data.get("vehicleId") else None,
            amount_cents=int(fee) if isinstance(fee, int) and state is BookingState.CANCELLED else None,
            operator_state=str(data.get("state")),
            pickup_at=_moment(data["pickupTime"], self.name, "pickupTime") if data.get("pickupTime") else None,
        )

    # -- booking ------------------------------------------------------------------------------

    def quote(self, leg: LegSpec) -> Quote:
        """An offer for the leg's pickup window.

        Raises
        ------
        RideDeclined
            The dispatcher cannot serve the window (the reason code says why).
        """
        latest = leg.latest_start or leg.start
        body = {
            "from": {"lat": leg.from_lat, "lon": leg.from_lon},
            "to": {"lat": leg.to_lat, "lon": leg.to_lon},
            "earliestPickup": leg.start.isoformat(),
            "latestPickup": latest.isoformat(),
            "travellers": leg.travellers,
            "wheelchair": leg.wheelchair,
        }
        data = self._call("POST", "/planning/offers", body)
        if not isinstance(data, dict) or not isinstance(data.get("id"), str):
            raise ProviderError(self.name, "the dispatcher's offer has no id")
        price = data.get("price") if isinstance(data.get("price"), dict) else {}
        amount = price.get("amount", 0) if isinstance(price, dict) else 0
        valid = data.get("validUntil")
        return Quote(
            provider=self.name,
            amount_cents=int(amount) if isinstance(amount, int) else 0,
            currency=str(price.get("currencyCode", "EUR")) if isinstance(price, dict) else "EUR",
            plan_id=None,
            estimated=False,
            offer_id=data["id"],
            valid_until=_moment(valid, self.name, "validUntil") if valid else datetime.now(UTC) + timedelta(minutes=5),
        )

    def reserve(self, quote: Quote, leg: LegSpec, *, idempotency_key: str) -> BookingStatus:
        """Book the offer: pooled or on its own bus, with the confirmed pickup time (``pickup_at``)."""
        return self._status(self._call("POST", "/bookings", {"id": quote.offer_id}, idempotency_key=idempotency_key))

    def confirm(self, booking_id: str) -> BookingStatus:
        """Commit the held ride."""
        return self._status(self._call("POST", f"/bookings/{booking_id}/events", {"operation": "COMMIT"}))

    def cancel(self, booking_id: str) -> BookingStatus:
        """Cancel the ride (idempotent); a late cancellation's fee is ``amount_cents``."""
        return self._status(self._call("POST", f"/bookings/{booking_id}/events", {"operation": "CANCEL"}))

    def status(self, booking_id: str) -> BookingStatus:
        """The dispatcher's state of the ride."""
        return self._status(self._call("GET", f"/bookings/{booking_id}"))

    def start(self, booking_id: str) -> BookingStatus:
        """Not part of an on-demand ride (the driver picks the rider up).

        Raises
        ------
        NotSupported
            Always.
        """
        raise NotSupported(self.name, "an on-demand ride is not started by the rider")

    def end(self, booking_id: str) -> BookingStatus:
        """Not part of an on-demand ride.

        Raises
        ------
        NotSupported
            Always.
        """
        raise NotSupported(self.name, "an on-demand ride is not ended by the rider")
