"""MOBILITY_REALTIME_FEEDS: the worker polls the URL and departure boards show the delay."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from google.transit import gtfs_realtime_pb2 as rt

from routing.region.region import Region
from routing.transit.service_time import moment_at
from tests.conftest_d.regions import DEMO_FIRST_DAY

BERLIN = ZoneInfo("Europe/Berlin")


def _first_weekday_trip(region: Region) -> tuple[str, str, int, datetime]:
    """A trip running on the demo's first day: its GTFS id, first stop id, stop_sequence and departure."""
    timetable = region.timetable
    bit = (DEMO_FIRST_DAY - timetable.day0).days
    days = np.asarray(timetable.trip_days)
    trip = int(np.flatnonzero((days >> np.uint32(bit)) & 1)[0])
    pattern, base, _ = timetable.trip_layout(trip)
    stop = int(timetable.pattern_stops[int(timetable.pattern_stop_offsets[pattern])])
    leaves = moment_at(DEMO_FIRST_DAY, int(timetable.departure[base]), BERLIN)
    return timetable.trip_id[trip], timetable.stop_id[stop], int(timetable.stop_sequence[base]), leaves


@pytest.fixture
def feed_server(demo_region: Region) -> Iterator[tuple[str, str, datetime]]:
    trip_id, stop_id, sequence, leaves = _first_weekday_trip(demo_region)
    message = rt.FeedMessage()
    message.header.gtfs_realtime_version = "2.0"
    message.header.timestamp = int(datetime.now(UTC).timestamp())
    update = message.entity.add(id="1").trip_update
    update.trip.trip_id = trip_id.split(":", 1)[1]
    update.trip.start_date = DEMO_FIRST_DAY.strftime("%Y%m%d")
    stop = update.stop_time_update.add(stop_sequence=sequence, stop_id=stop_id.split(":", 1)[1])
    stop.departure.delay = 240
    stop.arrival.delay = 240
    body = message.SerializeToString()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/trip-updates.pb", stop_id, leaves
    server.shutdown()
    server.server_close()


def test_configured_feed_delays_show_on_the_board(make_app, feed_server: tuple[str, str, datetime]) -> None:  # type: ignore[no-untyped-def]
    url, stop_id, leaves = feed_server
    application = make_app(realtime_feeds=(("demo", url),))
    client = application.test_client()
    query = {"time": (leaves - timedelta(minutes=1)).isoformat(), "limit": 3}
    deadline = time.monotonic() + 20
    while True:
        first = client.get(f"/api/v1/stops/{stop_id}/departures", query_string=query).get_json()["departures"][0]
        if first["realtime"] or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert first["realtime"] and first["delaySeconds"] == 240
    assert datetime.fromisoformat(first["scheduled"]) == leaves
    for poller in application.extensions["mobility.realtime"].values():
        poller.stop()


def test_feed_setting_is_validated() -> None:
    from app.settings import SettingsError, settings_from_env

    with pytest.raises(SettingsError, match="MOBILITY_REALTIME_FEEDS"):
        settings_from_env({"MOBILITY_REALTIME_FEEDS": "nvv:ftp://nowhere"})
    settings = settings_from_env({"MOBILITY_REALTIME_FEEDS": "nvv=https://a.example/tu.pb db=http://b.example/x"})
    assert settings.realtime_feeds == (("nvv", "https://a.example/tu.pb"), ("db", "http://b.example/x"))
