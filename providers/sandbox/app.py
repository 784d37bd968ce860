"""The sandbox operator's web service: GBFS 2.3/3.0 feeds and TOMP-API 1.6.1 booking over one fleet.

Routes (``SYSTEM`` is e.g. ``demo-rad``)::

    GET  /gbfs/3.0/manifest.json
    GET  /gbfs/{2.3|3.0}/SYSTEM/gbfs.json, .../FEED.json
    .../tomp/SYSTEM/...                                the TOMP endpoints, see providers.sandbox.tomp
    GET|PUT|DELETE /_sandbox/faults

Errors are the TOMP ``error`` object (``application/json``) with a ``type`` naming the
kind (``vehicle-taken``, ``invalid-transition``, ``offer-expired``, ...).
"""

from __future__ import annotations

import time

from flask import Flask, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

from providers.sandbox.faults import Fault, FaultKind, FaultPlan, FaultSpecError
from providers.sandbox.fleet import Fleet, SandboxError
from providers.sandbox.ondemand import Dispatcher, add_ondemand_routes, demo_dispatchers
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
from providers.sandbox.tomp import add_tomp_routes, tomp_error


def create_sandbox_app(
    fleet: Fleet,
    *,
    faults: FaultPlan | None = None,
    api_key: str | None = None,
    language: str = "de",
    dispatchers: dict[str, Dispatcher] | None = None,
) -> Flask:
    """The sandbox operator as a Flask app over ``fleet`` and the on-demand ``dispatchers`` (default: the demo's)."""
    app = Flask("kassel_mobility_sandbox")
    app.config["SANDBOX_LANGUAGE"] = language
    fault_plan = faults or FaultPlan()

    def _problem(status: int, kind: str, detail: str) -> Response:
        return tomp_error(status, kind, detail, language)

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
        if request.path.startswith("/tomp/"):
            response.headers.setdefault("Content-Language", language)
        if g.get("malformed"):
            response.set_data(response.get_data()[: max(len(response.get_data()) // 2, 1)])
            response.status_code = 200
        return response

    @app.before_request
    def _authorise() -> Response | None:
        if (
            api_key
            and request.path.startswith(("/tomp/", "/ondemand/"))
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

    add_tomp_routes(app, fleet, base_url)
    on_demand = demo_dispatchers() if dispatchers is None else dispatchers
    app.extensions["sandbox.dispatchers"] = on_demand
    add_ondemand_routes(app, on_demand)

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
