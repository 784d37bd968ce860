"""The sandbox as a TOMP-API 1.6.1 Transport Operator: request parsing and the spec's JSON objects.

Routes below ``/tomp/SYSTEM`` (see :func:`add_tomp_routes`)::

    POST /planning/offers, /planning/inquiries     planningRequest -> planning (201)
    POST /plannings?booking-intent=true            the deprecated 1.5 form of the two above (201)
    POST /bookings            {"id": OFFER}        -> booking PENDING (201, Expires); Idempotency-Key header
    GET  /bookings[?state=S]  /bookings/ID
    POST /bookings/ID/events  {"operation": COMMIT|CANCEL|DENY|EXTEND_EXPIRY_TIME}
    GET  /legs/ID             POST /legs/ID/events {"event": SET_IN_USE|PAUSE|FINISH, "time": ...}
    GET  /operator/meta, /operator/information, /operator/available-assets,
         /operator/stations, /operator/pricing-plans, /operator/ping

Every answer carries ``Content-Language``; errors are the spec's ``error`` object as
``application/json`` with a sandbox ``errorcode`` and a ``type`` naming the kind
(``vehicle-taken``, ``invalid-transition``, ``offer-expired``, ...).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from flask import Flask, Response, jsonify, request

from providers.gbfs.pricing import PricingPlan, Segment
from providers.model import FormFactor
from providers.sandbox.fleet import Booking, Fleet, Offer, OfferRequest, SandboxError, SandboxSystem

TOMP_VERSION = "1.6.1"
DEFAULT_MINUTES = 15.0
"""The ride length priced when a planning request gives no arrival time."""

ERROR_CODES = {
    "invalid-request": 4000,
    "unknown-operation": 4001,
    "unknown-event": 4002,
    "unauthorised": 4010,
    "invalid-transition": 4030,
    "unknown-system": 4040,
    "unknown-offer": 4041,
    "unknown-booking": 4042,
    "not-found": 4043,
    "vehicle-taken": 4090,
    "idempotency-key-reused": 4091,
    "offer-expired": 4100,
}
"""The sandbox's TOMP ``errorcode`` per kind of refusal (the HTTP status times ten, plus a number)."""

ASSET_CLASSES = {
    FormFactor.BICYCLE: "BICYCLE",
    FormFactor.CARGO_BICYCLE: "BICYCLE",
    FormFactor.CAR: "CAR",
    FormFactor.MOPED: "MOPED",
    FormFactor.SCOOTER: "STEP",
    FormFactor.SCOOTER_STANDING: "STEP",
    FormFactor.SCOOTER_SEATED: "MOPED",
    FormFactor.OTHER: "OTHER",
}

ENDPOINTS = (
    ("GET", "/operator/meta"),
    ("GET", "/operator/information"),
    ("GET", "/operator/available-assets"),
    ("GET", "/operator/stations"),
    ("GET", "/operator/pricing-plans"),
    ("GET", "/operator/ping"),
    ("POST", "/planning/inquiries"),
    ("POST", "/planning/offers"),
    ("POST", "/bookings"),
    ("GET", "/bookings"),
    ("GET", "/bookings/{id}"),
    ("POST", "/bookings/{id}/events"),
    ("GET", "/legs/{id}"),
    ("POST", "/legs/{id}/events"),
)


def tomp_error(status: int, kind: str, detail: str, language: str) -> Response:
    """The spec's ``error`` object as ``application/json``."""
    response = jsonify(
        {
            "errorcode": ERROR_CODES.get(kind, status * 10),
            "type": kind,
            "title": kind.replace("-", " "),
            "status": status,
            "detail": detail,
        }
    )
    response.status_code = status
    response.headers["Content-Language"] = language
    return response


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat()


def http_date(epoch: float) -> str:
    """An HTTP date (``Expires``)."""
    return format_datetime(datetime.fromtimestamp(epoch, UTC), usegmt=True)


def _amount(cents: int) -> float:
    return cents / 100


# -- fares ------------------------------------------------------------------------------------------------


def _flex(segment: Segment, unit: str, currency: str) -> dict[str, Any]:
    part: dict[str, Any] = {
        "type": "FLEX",
        "amount": _amount(segment.rate_cents),
        "currencyCode": currency,
        "units": segment.interval,
        "unitType": unit,
    }
    if segment.start or segment.end is not None:
        part |= {"scaleFrom": segment.start, "scaleType": unit}
        if segment.end is not None:
            part["scaleTo"] = segment.end
    return part


def plan_fare(plan: PricingPlan, *, estimated: bool) -> dict[str, Any]:
    """A GBFS plan as a TOMP ``fare``: the base price ``FIXED``, each segment ``FLEX`` (``units``: its interval)."""
    parts: list[dict[str, Any]] = [{"type": "FIXED", "amount": _amount(plan.base_cents), "currencyCode": plan.currency}]
    parts += [_flex(segment, "MINUTE", plan.currency) for segment in plan.per_minute]
    parts += [_flex(segment, "KM", plan.currency) for segment in plan.per_km]
    return {"estimated": estimated, "description": plan.name, "parts": parts}


def fixed_fare(cents: int, currency: str) -> dict[str, Any]:
    """A final amount as a one-part ``fare``."""
    return {"estimated": False, "parts": [{"type": "FIXED", "amount": _amount(cents), "currencyCode": currency}]}


# -- objects ----------------------------------------------------------------------------------------------


def _place(lat: float, lon: float, station_id: str | None) -> dict[str, Any]:
    place: dict[str, Any] = {"coordinates": {"lat": lat, "lng": lon}}
    if station_id is not None:
        place["stationId"] = station_id
    return place


def _asset_type(system: SandboxSystem, vehicle_type_id: str) -> dict[str, Any]:
    vehicle_type = system.vehicle_types[vehicle_type_id]
    entry: dict[str, Any] = {"id": vehicle_type_id, "assetClass": ASSET_CLASSES[vehicle_type.form_factor]}
    if vehicle_type.name:
        entry["name"] = vehicle_type.name
    return entry


def _offer_fare(offer: Offer) -> dict[str, Any]:
    return plan_fare(offer.plan, estimated=not offer.plan.is_flat)


def _leg(system: SandboxSystem, offer: Offer, leg_id: str) -> dict[str, Any]:
    return {
        "id": leg_id,
        "from": _place(offer.from_lat, offer.from_lon, offer.from_station_id),
        "to": _place(offer.to_lat, offer.to_lon, offer.to_station_id),
        "departureTime": _iso(offer.departure),
        "arrivalTime": _iso(offer.departure + offer.minutes * 60),
        "assetType": _asset_type(system, offer.vehicle_type_id),
        "asset": {"id": offer.vehicle_id},
        "distance": round(offer.km * 1000),
    }


def offer_json(system: SandboxSystem, offer: Offer) -> dict[str, Any]:
    """A planning option (a ``booking`` in state ``NEW``)."""
    fare = _offer_fare(offer)
    leg = _leg(system, offer, f"{offer.offer_id}-leg") | {"pricing": fare}
    return {
        "id": offer.offer_id,
        "state": "NEW",
        "departureTime": leg["departureTime"],
        "arrivalTime": leg["arrivalTime"],
        "pricing": fare,
        "legs": [leg],
        "validUntil": _iso(offer.valid_until),
    }


def leg_json(system: SandboxSystem, booking: Booking) -> dict[str, Any]:
    """The ``leg`` of a booking, with actual times once ridden and the final price once known."""
    offer = booking.offer
    leg = _leg(system, offer, booking.leg_id) | {"state": str(booking.leg_state), "pricing": _booking_fare(booking)}
    if booking.started is not None:
        leg["actualDepartureTime"] = _iso(booking.started)
    if booking.finished is not None:
        leg["actualArrivalTime"] = _iso(booking.finished)
    return leg


def _booking_fare(booking: Booking) -> dict[str, Any]:
    if booking.final_amount_cents is not None:
        return fixed_fare(booking.final_amount_cents, booking.offer.plan.currency)
    return _offer_fare(booking.offer)


def booking_json(system: SandboxSystem, booking: Booking) -> dict[str, Any]:
    """A ``booking``."""
    leg = leg_json(system, booking)
    body: dict[str, Any] = {
        "id": booking.booking_id,
        "state": str(booking.state),
        "departureTime": leg["departureTime"],
        "arrivalTime": leg["arrivalTime"],
        "pricing": leg["pricing"],
        "legs": [leg],
    }
    for key in ("actualDepartureTime", "actualArrivalTime"):
        if key in leg:
            body[key] = leg[key]
    return body


# -- requests ---------------------------------------------------------------------------------------------


def _request_place(body: dict[str, Any], key: str) -> tuple[float, float, str | None]:
    place = body.get(key)
    coordinates = place.get("coordinates") if isinstance(place, dict) else None
    if not isinstance(coordinates, dict):
        raise SandboxError(400, "invalid-request", f"{key}.coordinates: required {{lat, lng}}")
    lat, lng = coordinates.get("lat"), coordinates.get("lng")
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lat, lng)) or not (
        -90 <= lat <= 90 and -180 <= lng <= 180  # type: ignore[operator]
    ):
        raise SandboxError(400, "invalid-request", f"{key}.coordinates: lat/lng out of range or not numbers")
    station = place.get("stationId") if isinstance(place, dict) else None
    if station is not None and not isinstance(station, str):
        raise SandboxError(400, "invalid-request", f"{key}.stationId: a string when given")
    return float(lat), float(lng), station  # type: ignore[arg-type]


def _request_time(body: dict[str, Any], key: str) -> float | None:
    value = body.get(key)
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise SandboxError(400, "invalid-request", f"{key}: an ISO 8601 time with offset") from exc
    if moment.tzinfo is None:
        raise SandboxError(400, "invalid-request", f"{key}: an ISO 8601 time with offset")
    return moment.timestamp()


def offer_request(body: object, now: float) -> OfferRequest:
    """A TOMP ``planningRequest`` (``departureTime``/``arrivalTime``/``estimatedDistance``)."""
    if not isinstance(body, dict):
        raise SandboxError(400, "invalid-request", "the body must be a JSON object")
    from_lat, from_lon, from_station = _request_place(body, "from")
    to_lat, to_lon, to_station = _request_place(body, "to") if "to" in body else (from_lat, from_lon, None)
    departure = _request_time(body, "departureTime")
    arrival = _request_time(body, "arrivalTime")
    start = departure if departure is not None else now
    if arrival is not None and arrival < start:
        raise SandboxError(400, "invalid-request", "arrivalTime: before departureTime")
    minutes = DEFAULT_MINUTES if arrival is None else (arrival - start) / 60.0
    assets, types = body.get("useAssets") or [], body.get("useAssetTypes") or []
    distance = body.get("estimatedDistance")
    if not isinstance(assets, list) or not isinstance(types, list):
        raise SandboxError(400, "invalid-request", "useAssets/useAssetTypes: lists of ids")
    if distance is not None and (isinstance(distance, bool) or not isinstance(distance, int | float) or distance < 0):
        raise SandboxError(400, "invalid-request", "estimatedDistance: metres, not negative")
    radius = body.get("radius", 500)
    if isinstance(radius, bool) or not isinstance(radius, int | float) or radius < 0:
        raise SandboxError(400, "invalid-request", "radius: metres, not negative")
    return OfferRequest(
        from_lat=from_lat,
        from_lon=from_lon,
        to_lat=to_lat,
        to_lon=to_lon,
        minutes=minutes,
        departure=start,
        km=None if distance is None else distance / 1000.0,
        vehicle_id=str(assets[0]) if assets else None,
        vehicle_type_id=str(types[0]) if types else None,
        from_station_id=from_station,
        to_station_id=to_station,
        radius_m=float(radius),
    )


def _json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise SandboxError(400, "invalid-request", "the body must be a JSON object")
    return body


# -- operator information ---------------------------------------------------------------------------------


def _localised(value: Any) -> str:
    if isinstance(value, list):
        return next((str(v.get("text")) for v in value if isinstance(v, dict) and v.get("text")), "")
    return "" if value is None else str(value)


def system_information(system: SandboxSystem, language: str) -> dict[str, Any]:
    """``systemInformation`` from the system's GBFS ``system_information``."""
    data = system.documents["system_information"]["data"]
    free_floating = not system.stations
    info: dict[str, Any] = {
        "systemId": system.system_id,
        "language": [str(data.get("language") or language)],
        "name": _localised(data.get("name")) or system.system_id,
        "timezone": str(data.get("timezone") or "Europe/Berlin"),
        "typeOfSystem": "FREE_FLOATING" if free_floating else "STATION_BASED",
        "productType": "SHARING",
        "assetClasses": sorted({ASSET_CLASSES[t.form_factor] for t in system.vehicle_types.values()}),
    }
    for source, target in (
        ("operator", "operator"),
        ("url", "url"),
        ("email", "email"),
        ("phone_number", "phoneNumber"),
    ):
        if data.get(source):
            info[target] = _localised(data[source])
    return info


def stations(system: SandboxSystem, fleet: Fleet) -> list[dict[str, Any]]:
    """``stationInformation`` for every station, with live counts."""
    _, vehicles = fleet.snapshot(system.system_id)
    listed = []
    for station in system.stations.values():
        here = [v for v in vehicles if v.station_id == station.station_id]
        entry: dict[str, Any] = {
            "stationId": station.station_id,
            "name": station.name,
            "coordinates": {"lat": station.lat, "lng": station.lon},
            "isVirtual": station.is_virtual,
            "isInstalled": True,
            "isRenting": True,
            "isReturning": True,
            "assetsAvailable": sum(1 for v in here if v.booking_id is None),
        }
        if station.capacity is not None:
            entry |= {"capacity": station.capacity, "docksAvailable": max(station.capacity - len(here), 0)}
        listed.append(entry)
    return listed


def available_assets(system: SandboxSystem, fleet: Fleet, station_id: str | None) -> list[dict[str, Any]]:
    """``assetType`` entries with the free vehicles of each type (optionally at one station)."""
    _, vehicles = fleet.snapshot(system.system_id)
    free = [v for v in vehicles if v.booking_id is None and (station_id is None or v.station_id == station_id)]
    listed = []
    for type_id in system.vehicle_types:
        mine = [v for v in free if v.vehicle_type_id == type_id]
        entry = _asset_type(system, type_id) | {
            "nrAvailable": len(mine),
            "assets": [{"id": v.vehicle_id, "isReserved": False, "isDisabled": False} for v in mine],
        }
        if station_id is not None:
            entry["stationId"] = station_id
        listed.append(entry)
    return listed


def pricing_plans(system: SandboxSystem) -> list[dict[str, Any]]:
    """``systemPricingPlan`` for every GBFS plan."""
    return [
        {
            "planId": plan.plan_id,
            "name": plan.name or plan.plan_id,
            "isTaxable": plan.is_taxable,
            "description": plan.name or plan.plan_id,
            "fare": plan_fare(plan, estimated=not plan.is_flat),
        }
        for plan in system.plans.values()
    ]


def meta(base_url: str) -> list[dict[str, Any]]:
    """``endpointImplementation``: what the sandbox implements."""
    endpoints: list[dict[str, Any]] = [{"method": m, "path": p, "status": "IMPLEMENTED"} for m, p in ENDPOINTS]
    for operation in ("COMMIT", "CANCEL", "DENY"):
        endpoints.append(
            {"method": "POST", "path": "/bookings/{id}/events", "status": "IMPLEMENTED", "eventType": operation}
        )
    for event in ("SET_IN_USE", "PAUSE", "FINISH"):
        endpoints.append({"method": "POST", "path": "/legs/{id}/events", "status": "IMPLEMENTED", "eventType": event})
    return [
        {
            "version": TOMP_VERSION,
            "baseUrl": base_url,
            "endpoints": endpoints,
            "scenarios": [],
            "processIdentifiers": {
                "operatorInformation": [],
                "planning": [],
                "booking": ["ALLOW_EXTEND_BOOKING_EXPIRY_TIME"],
                "tripExecution": [],
                "support": [],
                "payment": [],
                "general": [],
            },
        }
    ]


# -- routes -----------------------------------------------------------------------------------------------


def _created(body: object, *, expires: float | None = None) -> Response:
    response = jsonify(body)
    response.status_code = 201
    if expires is not None:
        response.headers["Expires"] = http_date(expires)
    return response


def add_tomp_routes(app: Flask, fleet: Fleet, base_url: Callable[[], str]) -> None:
    """The TOMP-API endpoints of every system of ``fleet`` below ``/tomp/SYSTEM``."""

    def planning(system_id: str) -> Response:
        system = fleet.system(system_id)
        offers = fleet.plan(system_id, offer_request(request.get_json(silent=True), fleet.clock()))
        valid = min((o.valid_until for o in offers), default=fleet.clock())
        return _created({"validUntil": _iso(valid), "options": [offer_json(system, o) for o in offers]})

    app.add_url_rule("/tomp/<system_id>/planning/offers", "tomp_offers", planning, methods=["POST"])
    app.add_url_rule("/tomp/<system_id>/planning/inquiries", "tomp_inquiries", planning, methods=["POST"])
    app.add_url_rule("/tomp/<system_id>/plannings", "tomp_plannings", planning, methods=["POST"])

    @app.post("/tomp/<system_id>/bookings")
    def tomp_book(system_id: str) -> Response:
        offer_id = _json_body().get("id")
        if not isinstance(offer_id, str):
            raise SandboxError(400, "invalid-request", "id: the offer id from the planning")
        booking, _ = fleet.book(system_id, offer_id, request.headers.get("Idempotency-Key"))
        return _created(booking_json(fleet.system(system_id), booking), expires=booking.hold_until)

    @app.get("/tomp/<system_id>/bookings")
    def tomp_bookings(system_id: str) -> Response:
        state = request.args.get("state")
        system = fleet.system(system_id)
        return jsonify([booking_json(system, b) for b in fleet.bookings_of(system_id, state)])

    @app.get("/tomp/<system_id>/bookings/<booking_id>")
    def tomp_booking(system_id: str, booking_id: str) -> Response:
        return jsonify(booking_json(fleet.system(system_id), fleet.booking(system_id, booking_id)))

    @app.post("/tomp/<system_id>/bookings/<booking_id>/events")
    def tomp_booking_event(system_id: str, booking_id: str) -> Response:
        operation = _json_body().get("operation")
        booking = fleet.operate(system_id, booking_id, str(operation))
        response = jsonify(booking_json(fleet.system(system_id), booking))
        if operation == "EXTEND_EXPIRY_TIME":
            response.headers["Expires"] = http_date(booking.hold_until)
        return response

    @app.get("/tomp/<system_id>/legs/<leg_id>")
    def tomp_leg(system_id: str, leg_id: str) -> Response:
        return jsonify(leg_json(fleet.system(system_id), fleet.leg(system_id, leg_id)))

    @app.post("/tomp/<system_id>/legs/<leg_id>/events")
    def tomp_leg_event(system_id: str, leg_id: str) -> Response:
        body = _json_body()
        if _request_time(body, "time") is None:
            raise SandboxError(400, "invalid-request", "time: required, an ISO 8601 time with offset")
        booking = fleet.leg_event(system_id, leg_id, str(body.get("event")))
        return jsonify(leg_json(fleet.system(system_id), booking))

    @app.get("/tomp/<system_id>/operator/meta")
    def tomp_meta(system_id: str) -> Response:
        fleet.system(system_id)
        return jsonify(meta(f"{base_url()}/tomp/{system_id}"))

    @app.get("/tomp/<system_id>/operator/information")
    def tomp_information(system_id: str) -> Response:
        return jsonify(system_information(fleet.system(system_id), app.config["SANDBOX_LANGUAGE"]))

    @app.get("/tomp/<system_id>/operator/stations")
    def tomp_stations(system_id: str) -> Response:
        return jsonify(stations(fleet.system(system_id), fleet))

    @app.get("/tomp/<system_id>/operator/available-assets")
    def tomp_available_assets(system_id: str) -> Response:
        return jsonify(available_assets(fleet.system(system_id), fleet, request.args.get("stationId")))

    @app.get("/tomp/<system_id>/operator/pricing-plans")
    def tomp_pricing_plans(system_id: str) -> Response:
        return jsonify(pricing_plans(fleet.system(system_id)))

    @app.get("/tomp/<system_id>/operator/ping")
    def tomp_ping(system_id: str) -> Response:
        fleet.system(system_id)
        return Response(status=200)
