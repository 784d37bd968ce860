"""The sandbox operator's web service: GBFS 2.3/3.0 feeds and TOMP-style booking over one fleet.

Routes (``SYSTEM`` is e.g. ``demo-rad``)::

    GET  /gbfs/3.0/manifest.json
    GET  /gbfs/{2.3|3.0}/SYSTEM/gbfs.json, .../FEED.json
    POST /tomp/SYSTEM/plannings?booking-intent=true    offers pinned to a vehicle
    POST /tomp/SYSTEM/bookings                         {"id": OFFER}; Idempotency-Key header
    GET  /tomp/SYSTEM/bookings/ID
    POST /tomp/SYSTEM/bookings/ID/events               {"operation": COMMIT|CANCEL|DENY|EXPIRE}
    POST /tomp/SYSTEM/legs/ID/events                   {"event": SET_IN_USE|FINISH}
    GET  /tomp/SYSTEM/operator/meta
    GET|PUT|DELETE /_sandbox/faults

Errors are ``application/problem+json`` with a ``type`` ending in the error kind
(``vehicle-taken``, ``invalid-transition``, ``offer-expired``, ...).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from flask import Flask, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

from providers.sandbox.faults import Fault, FaultKind, FaultPlan, FaultSpecError
from providers.sandbox.fleet import Booking, Fleet, LegState, Offer, OfferRequest, SandboxError
from providers.sandbox.publish import (
    LIVE_TTL_S,
    STATIC_TTL_S,
    VERSIONS,
    discovery,
    envelope,
    feed_names,
    static_data,
    station_status,
    vehicle_status,
)

PROBLEM_BASE = "https://kassel-mobility.invalid/sandbox/"
TOMP_VERSION = "1.6.0"


def _problem(status: int, kind: str, detail: str) -> Response:
    response = jsonify(
        {"type": PROBLEM_BASE + kind, "title": kind.replace("-", " "), "status": status, "detail": detail}
    )
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def _amount(cents: int) -> float:
    return float(Decimal(cents) / 100)


def _pricing(cents: int, currency: str, *, estimated: bool) -> dict[str, Any]:
    return {
        "estimated": estimated,
        "parts": [{"amount": _amount(cents), "currencyCode": currency, "type": "FIXED"}],
    }


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat()


def _offer_json(offer: Offer) -> dict[str, Any]:
    pricing = _pricing(offer.amount_cents, offer.plan.currency, estimated=not offer.plan.is_flat)
    return {
        "id": offer.offer_id,
        "state": "NEW",
        "validUntil": _iso(offer.valid_until),
        "pricing": pricing,
        "legs": [
            {
                "id": f"{offer.offer_id}-leg",
                "asset": {"id": offer.vehicle_id},
                "assetType": {"id": offer.vehicle_type_id},
                "pricing": pricing,
                "to": {
                    "coordinates": {"lat": offer.to_lat, "lng": offer.to_lon},
                    "stationId": offer.to_station_id,
                },
                "distance": round(offer.km * 1000),
            }
        ],
    }


def _booking_json(booking: Booking) -> dict[str, Any]:
    offer = booking.offer
    final = booking.final_amount_cents
    pricing = _pricing(
        offer.amount_cents if final is None else final,
        offer.plan.currency,
        estimated=final is None and not offer.plan.is_flat,
    )
    return {
        "id": booking.booking_id,
        "state": str(booking.state),
        "pricing": pricing,
        "legs": [
            {
                "id": booking.leg_id,
                "state": str(booking.leg_state),
                "asset": {"id": offer.vehicle_id},
                "assetType": {"id": offer.vehicle_type_id},
                "pricing": pricing,
            }
        ],
    }


def _place(body: dict[str, Any], key: str) -> tuple[float, float, str | None]:
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
    return float(lat), float(lng), None if station is None else str(station)  # type: ignore[arg-type]


def _time(body: dict[str, Any], key: str) -> float:
    value = body.get(key)
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise SandboxError(400, "invalid-request", f"{key}: an ISO 8601 time with offset") from exc
    if moment.tzinfo is None:
        raise SandboxError(400, "invalid-request", f"{key}: an ISO 8601 time with offset")
    return moment.timestamp()


def _offer_request(body: object) -> OfferRequest:
    if not isinstance(body, dict):
        raise SandboxError(400, "invalid-request", "the body must be a JSON object")
    from_lat, from_lon, from_station = _place(body, "from")
    to_lat, to_lon, to_station = _place(body, "to")
    start, end = _time(body, "startTime"), _time(body, "endTime")
    if end < start:
        raise SandboxError(400, "invalid-request", "endTime: before startTime")
    assets, types = body.get("useAssets") or [], body.get("useAssetTypes") or []
    distance = body.get("distance")
    if not isinstance(assets, list) or not isinstance(types, list):
        raise SandboxError(400, "invalid-request", "useAssets/useAssetTypes: lists of ids")
    if distance is not None and (not isinstance(distance, int | float) or distance < 0):
        raise SandboxError(400, "invalid-request", "distance: metres, not negative")
    return OfferRequest(
        from_lat=from_lat,
        from_lon=from_lon,
        to_lat=to_lat,
        to_lon=to_lon,
        minutes=(end - start) / 60.0,
        km=None if distance is None else distance / 1000.0,
        vehicle_id=str(assets[0]) if assets else None,
        vehicle_type_id=str(types[0]) if types else None,
        from_station_id=from_station,
        to_station_id=to_station,
        radius_m=float(body.get("radius") or 500.0),
    )


def _json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise SandboxError(400, "invalid-request", "the body must be a JSON object")
    return body


def create_sandbox_app(
    fleet: Fleet, *, faults: FaultPlan | None = None, api_key: str | None = None, language: str = "de"
) -> Flask:
    """The sandbox operator as a Flask app over ``fleet``."""
    app = Flask("kassel_mobility_sandbox")
    fault_plan = faults or FaultPlan()
    app.extensions["sandbox.fleet"] = fleet
    app.extensions["sandbox.faults"] = fault_plan

    @app.errorhandler(SandboxError)
    def _refused(error: SandboxError) -> Response:
        return _problem(error.status, error.kind, error.detail)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        return _problem(error.code or 500, "http-error", error.description or str(error))

    @app.before_request
    def _inject_fault() -> Response | None:
        if request.path.startswith("/_sandbox"):
            return None
        booking = request.method == "POST" and request.path.rstrip("/").endswith("/bookings")
        fault = fault_plan.take(request.path, booking=booking)
        if fault is None:
            return None
        if fault.kind in (FaultKind.LATENCY, FaultKind.TIMEOUT):
            time.sleep(fault.seconds)
            return _problem(504, "timeout", "the operator took too long") if fault.kind is FaultKind.TIMEOUT else None
        if fault.kind is FaultKind.ERROR:
            return _problem(fault.status, "injected-error", "injected failure")
        if fault.kind is FaultKind.VEHICLE_TAKEN:
            return _problem(409, "vehicle-taken", "injected: someone else took the vehicle")
        g.malformed = True
        return None

    @app.after_request
    def _break_body(response: Response) -> Response:
        if g.get("malformed"):
            response.set_data(response.get_data()[: max(len(response.get_data()) // 2, 1)])
            response.status_code = 200
        return response

    @app.before_request
    def _authorise() -> Response | None:
        if (
            api_key
            and request.path.startswith("/tomp/")
            and request.headers.get("Authorization") != f"Bearer {api_key}"
        ):
            return _problem(401, "unauthorised", "a valid 'Authorization: Bearer <key>' header is required")
        return None

    def base_url() -> str:
        return request.host_url.rstrip("/")

    @app.get("/")
    def index() -> Response:
        return jsonify(
            {
                "operator": "kassel-mobility sandbox (SYNTHETIC)",
                "systems": sorted(fleet.systems),
                "gbfs": {v: [f"{base_url()}/gbfs/{v}/{s}/gbfs.json" for s in sorted(fleet.systems)] for v in VERSIONS},
                "tomp": [f"{base_url()}/tomp/{s}" for s in sorted(fleet.systems)],
            }
        )

    @app.get("/gbfs/3.0/manifest.json")
    def manifest() -> Response:
        datasets = [
            {
                "system_id": s,
                "versions": [{"version": v, "url": f"{base_url()}/gbfs/{v}/{s}/gbfs.json"} for v in VERSIONS],
            }
            for s in sorted(fleet.systems)
        ]
        return jsonify(envelope("3.0", {"datasets": datasets}, fleet.clock()))

    @app.get("/gbfs/<version>/<system_id>/<feed>.json")
    def gbfs_feed(version: str, system_id: str, feed: str) -> Response:
        if version not in VERSIONS:
            raise SandboxError(404, "unknown-version", f"GBFS versions here: {', '.join(VERSIONS)}")
        system, vehicles = fleet.snapshot(system_id)
        now = fleet.clock()
        here = f"{base_url()}/gbfs/{version}/{system_id}"
        if feed == "gbfs":
            data = discovery(version, system, here, language)
        elif feed not in feed_names(version, system):
            raise SandboxError(404, "unknown-feed", f"{system_id} publishes no {feed} in GBFS {version}")
        elif feed == "station_status":
            data = station_status(version, system, vehicles, now)
        elif feed in ("free_bike_status", "vehicle_status"):
            data = vehicle_status(version, vehicles, base_url())
        else:
            data = static_data(version, system, feed, language)
        live = feed in ("station_status", "free_bike_status", "vehicle_status")
        return jsonify(envelope(version, data, now, ttl_s=LIVE_TTL_S if live else STATIC_TTL_S))

    @app.get("/tomp/<system_id>/operator/meta")
    def meta(system_id: str) -> Response:
        fleet.system(system_id)
        endpoints = [
            {"method": m, "path": p, "status": "IMPLEMENTED"}
            for m, p in (
                ("POST", "/plannings/"),
                ("POST", "/bookings/"),
                ("GET", "/bookings/{id}"),
                ("POST", "/bookings/{id}/events"),
                ("POST", "/legs/{id}/events"),
            )
        ]
        return jsonify([{"version": TOMP_VERSION, "baseUrl": f"{base_url()}/tomp/{system_id}", "endpoints": endpoints}])

    @app.post("/tomp/<system_id>/plannings/")
    @app.post("/tomp/<system_id>/plannings")
    def plannings(system_id: str) -> Response:
        offers = fleet.plan(system_id, _offer_request(request.get_json(silent=True)))
        valid = min((o.valid_until for o in offers), default=fleet.clock())
        return jsonify({"validUntil": _iso(valid), "options": [_offer_json(o) for o in offers]})

    @app.post("/tomp/<system_id>/bookings/")
    @app.post("/tomp/<system_id>/bookings")
    def book(system_id: str) -> Response:
        offer_id = _json_body().get("id")
        if not isinstance(offer_id, str):
            raise SandboxError(400, "invalid-request", "id: the offer id from plannings")
        booking, created = fleet.book(system_id, offer_id, request.headers.get("Idempotency-Key"))
        response = jsonify(_booking_json(booking))
        response.status_code = 201 if created else 200
        return response

    @app.get("/tomp/<system_id>/bookings/<booking_id>")
    def booking_status(system_id: str, booking_id: str) -> Response:
        return jsonify(_booking_json(fleet.booking(system_id, booking_id)))

    @app.post("/tomp/<system_id>/bookings/<booking_id>/events")
    def booking_event(system_id: str, booking_id: str) -> Response:
        operation = _json_body().get("operation")
        return jsonify(_booking_json(fleet.operate(system_id, booking_id, str(operation))))

    @app.post("/tomp/<system_id>/legs/<leg_id>/events")
    def leg_event(system_id: str, leg_id: str) -> Response:
        booking = fleet.leg_event(system_id, leg_id, str(_json_body().get("event")))
        leg = _booking_json(booking)["legs"][0]
        return jsonify(leg | {"bookingId": booking.booking_id, "finished": booking.leg_state is LegState.FINISHED})

    @app.get("/_sandbox/faults")
    def list_faults() -> Response:
        return jsonify([fault.to_json() for fault in fault_plan.listed()])

    @app.put("/_sandbox/faults")
    def set_faults() -> Response:
        body = request.get_json(silent=True)
        if not isinstance(body, list):
            raise SandboxError(400, "invalid-request", "a JSON list of faults")
        try:
            fault_plan.replace([Fault.from_json(item, f"faults[{n}]") for n, item in enumerate(body)])
        except FaultSpecError as exc:
            raise SandboxError(400, "invalid-fault", str(exc)) from exc
        return jsonify([fault.to_json() for fault in fault_plan.listed()])

    @app.delete("/_sandbox/faults")
    def clear_faults() -> Response:
        fault_plan.replace([])
        return jsonify([])

    return app
