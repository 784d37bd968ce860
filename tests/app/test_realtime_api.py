"""Real time through the API: vehicle and alert feeds polled with trip updates; platforms and alerts in answers."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from flask import Flask
from google.transit import gtfs_realtime_pb2 as rt

from routing.region.region import Region
from routing.transit.service_time import moment_at
from tests.conftest_d.regions import DEMO_FIRST_DAY

BERLIN = ZoneInfo("Europe/Berlin")


@dataclass(frozen=True)
class Scenario:
    base: str
    trip_id: str
    route_id: str
    first_stop: str
    last_stop: str
    leaves: datetime


def _trip(region: Region) -> tuple[int, int, int]:
    """A weekday trip of the demo's first day with at least three stops: trip, pattern, first stop time."""
    timetable = region.timetable
    bit = (DEMO_FIRST_DAY - timetable.day0).days
    days = np.asarray(timetable.trip_days)
    for trip in np.flatnonzero((days >> np.uint32(bit)) & 1).tolist():
        pattern, base, n = timetable.trip_layout(int(trip))
        if n >= 3:
            return int(trip), pattern, base
    raise AssertionError("the demo has no trip of three stops")


def _header(feed: rt.FeedMessage) -> None:
    feed.header.gtfs_realtime_version = "2.0"
    feed.header.timestamp = int(datetime.now(UTC).timestamp())


@pytest.fixture
def scenario(demo_region: Region) -> Iterator[Scenario]:
    timetable = demo_region.timetable
    trip, pattern, base = _trip(demo_region)
    start = int(timetable.pattern_stop_offsets[pattern])
    end = int(timetable.pattern_stop_offsets[pattern + 1])
    stops = [timetable.stop_id[int(s)] for s in timetable.pattern_stops[start:end]]
    trip_id = timetable.trip_id[trip]
    route_id = timetable.route_id[int(timetable.pattern_route[pattern])]

    vehicles = rt.FeedMessage()
    _header(vehicles)
    vehicle = vehicles.entity.add(id="v1").vehicle
    vehicle.trip.trip_id = trip_id.split(":", 1)[1]
    vehicle.vehicle.id = "tram-7"
    vehicle.position.latitude = float(timetable.stop_lat[int(timetable.pattern_stops[start])])
    vehicle.position.longitude = float(timetable.stop_lon[int(timetable.pattern_stops[start])])
    vehicle.stop_id = stops[0].split(":", 1)[1]
    vehicle.current_status = rt.VehiclePosition.STOPPED_AT
    vehicle.occupancy_status = rt.VehiclePosition.FEW_SEATS_AVAILABLE

    alerts = rt.FeedMessage()
    _header(alerts)
    alert = alerts.entity.add(id="works").alert
    alert.informed_entity.add(route_id=route_id.split(":", 1)[1])
    alert.effect = rt.Alert.REDUCED_SERVICE
    alert.header_text.translation.add(text="Bauarbeiten auf der Linie", language="de")
    alert.header_text.translation.add(text="Engineering works on the line", language="en")

    bodies = {"/vehicles.pb": vehicles.SerializeToString(), "/alerts.pb": alerts.SerializeToString()}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = bodies.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Scenario(
        base=f"http://127.0.0.1:{server.server_port}",
        trip_id=trip_id,
        route_id=route_id,
        first_stop=stops[0],
        last_stop=stops[-1],
        leaves=moment_at(DEMO_FIRST_DAY, int(timetable.departure[base]), BERLIN),
    )
    server.shutdown()
    server.server_close()


@pytest.fixture
def application(make_app: Callable[..., Flask], scenario: Scenario) -> Iterator[Flask]:
    app = make_app(
        realtime_vehicle_feeds=(("demo", f"{scenario.base}/vehicles.pb"),),
        realtime_alert_feeds=(("demo", f"{scenario.base}/alerts.pb"),),
    )
    yield app
    for poller in app.extensions.get("mobility.realtime", {}).values():
        poller.stop()


def _poll_until(get: Callable[[], Any], ready: Callable[[Any], bool]) -> Any:
    """Ask until the background poller's first round has landed (bounded; asserts on content only)."""
    deadline = time.monotonic() + 20
    while True:
        answer = get()
        if ready(answer) or time.monotonic() > deadline:
            return answer
        time.sleep(0.1)


def test_board_has_platform_occupancy_and_the_route_alert(application: Flask, scenario: Scenario) -> None:
    client = application.test_client()
    query = {"time": (scenario.leaves - timedelta(minutes=1)).isoformat(), "limit": 20}

    def board() -> Any:
        return client.get(
            f"/api/v1/stops/{scenario.first_stop}/departures", query_string=query, headers={"Accept-Language": "en"}
        ).get_json()

    answer = _poll_until(board, lambda body: any(d["alerts"] for d in body["departures"]))
    ours = [d for d in answer["departures"] if d["tripId"] == scenario.trip_id]
    assert ours, "the trip leaves the first stop in the window"
    assert ours[0]["occupancy"] == "few_seats_available"
    assert [a["id"] for a in ours[0]["alerts"]] == ["demo:works"]
    assert ours[0]["alerts"][0]["header"] == "Engineering works on the line"
    for departure in answer["departures"]:
        assert bool(departure["alerts"]) == (departure["routeId"] == scenario.route_id)
        assert "platform" in departure
    assert answer["alerts"] == [], "the alert names a route, not the stop"


def test_demo_platform_codes_show_on_boards(application: Flask, demo_region: Region) -> None:
    timetable = demo_region.timetable
    with_code = [i for i in range(len(timetable.stop_id)) if timetable.platform(i)]
    assert with_code, "the demo stations' platforms have platform_code"
    client = application.test_client()
    stop = with_code[0]
    answer = client.get(
        f"/api/v1/stops/{timetable.stop_id[stop]}/departures",
        query_string={"time": datetime(DEMO_FIRST_DAY.year, DEMO_FIRST_DAY.month, DEMO_FIRST_DAY.day, 8).isoformat()},
    ).get_json()
    assert answer["departures"], "the platform has departures in the morning"
    assert {d["platform"] for d in answer["departures"]} == {timetable.platform(stop)}


def test_trip_endpoint_shows_the_live_vehicle(application: Flask, scenario: Scenario) -> None:
    client = application.test_client()
    answer = _poll_until(
        lambda: client.get(f"/api/v1/trips/{scenario.trip_id}").get_json(), lambda body: body.get("vehicle")
    )
    assert answer["tripId"] == scenario.trip_id and answer["routeId"] == scenario.route_id
    vehicle = answer["vehicle"]
    assert (vehicle["vehicleId"], vehicle["status"], vehicle["stopId"]) == ("tram-7", "stopped_at", scenario.first_stop)
    assert vehicle["occupancy"] == "few_seats_available"
    assert [a["id"] for a in answer["alerts"]] == ["demo:works"]
    missing = client.get("/api/v1/trips/demo:no-such-trip")
    assert missing.status_code == 404 and missing.content_type == "application/problem+json"


def test_plan_legs_on_the_route_carry_the_alert_and_a_warning(
    application: Flask, scenario: Scenario, demo_region: Region
) -> None:
    timetable = demo_region.timetable
    stops = timetable.stop_id.to_list()
    first, last = stops.index(scenario.first_stop), stops.index(scenario.last_stop)
    query = {
        "from": f"{timetable.stop_lat[first]},{timetable.stop_lon[first]}",
        "to": f"{timetable.stop_lat[last]},{timetable.stop_lon[last]}",
        "time": (scenario.leaves - timedelta(minutes=3)).isoformat(),
        "modes": "walk,transit",
    }
    client = application.test_client()

    def plan() -> Any:
        return client.get("/api/v1/plan", query_string=query, headers={"Accept-Language": "de"}).get_json()

    answer = _poll_until(plan, lambda body: any(w["code"] == "service_alert" for w in body["warnings"]))
    rides = [leg for it in answer["itineraries"] for leg in it["legs"] if leg["transit"] is not None]
    on_route = [leg for leg in rides if leg["transit"]["routeId"] == scenario.route_id]
    assert on_route, "some itinerary rides the alerted route"
    for leg in rides:
        expected = ["demo:works"] if leg["transit"]["routeId"] == scenario.route_id else []
        assert [a["id"] for a in leg["transit"]["alerts"]] == expected
        assert "platform" in leg["from"]
    warnings = [w for w in answer["warnings"] if w["code"] == "service_alert"]
    assert warnings == [{"code": "service_alert", "message": "Bauarbeiten auf der Linie", "provider": None}]


def test_vehicle_and_alert_feed_settings() -> None:
    from app.realtime import realtime_sources
    from app.settings import SettingsError, settings_from_env

    with pytest.raises(SettingsError, match="MOBILITY_REALTIME_ALERT_FEEDS"):
        settings_from_env({"MOBILITY_REALTIME_ALERT_FEEDS": "nvv:ftp://nowhere"})
    settings = settings_from_env(
        {
            "MOBILITY_REALTIME_FEEDS": "nvv=https://a.example/tu.pb",
            "MOBILITY_REALTIME_VEHICLE_FEEDS": "nvv=https://a.example/vp.pb",
            "MOBILITY_REALTIME_ALERT_FEEDS": "nvv=https://a.example/sa.pb",
        }
    )
    assert [(s.feed, s.url, s.kind) for s in realtime_sources(settings)] == [
        ("nvv", "https://a.example/tu.pb", "trip_updates"),
        ("nvv", "https://a.example/vp.pb", "vehicle_positions"),
        ("nvv", "https://a.example/sa.pb", "alerts"),
    ]
