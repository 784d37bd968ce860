"""The GBFS client: ttl, conditional requests, retries, stale marking, last good snapshot, clear errors."""

from __future__ import annotations

import json
import os
import re
import signal
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from providers.errors import FeedError, ProviderUnavailable
from providers.gbfs.adapter import GbfsProvider, GbfsSettings
from providers.gbfs.client import GbfsClient
from providers.gbfs.feeds import parse_station_status
from providers.http import HttpClient, HttpSettings
from routing.demo.generate import DemoInputs
from tests.conftest_d.gbfs_server import GbfsFolderServer


class Clock:
    """A settable clock (epoch seconds), starting at the demo feeds' last_updated."""

    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def served(demo_inputs: DemoInputs, gbfs_folder_server: Callable[[Path], GbfsFolderServer]) -> GbfsFolderServer:
    return gbfs_folder_server(demo_inputs.gbfs / "demo-rad")


def _client(server: GbfsFolderServer, clock: Clock, *, retries: int = 0) -> GbfsClient:
    http = HttpClient("demo-rad", HttpSettings(timeout_s=2, retries=retries, backoff_s=0), sleep=lambda _: None)
    return GbfsClient("demo-rad", server.discovery_url, http, max_stale_s=120, clock=clock)


def _start(server: GbfsFolderServer) -> Clock:
    document = json.loads((server.folder / "station_status.json").read_text(encoding="utf-8"))
    return Clock(document["last_updated"] + 1)


def test_feeds_are_refetched_only_after_their_ttl_and_then_conditionally(served: GbfsFolderServer) -> None:
    clock = _start(served)
    client = _client(served, clock)
    first = client.load("station_status", parse_station_status)
    client.load("station_status", parse_station_status)
    assert served.requests.count("station_status.json") == 1, "within ttl (60 s) the cached copy is used"
    clock.now += 61
    again = client.load("station_status", parse_station_status)
    assert served.requests.count("station_status.json") == 2
    assert again.value == first.value and not again.stale  # 304 Not Modified keeps the parsed value


def test_a_failing_refresh_serves_the_last_good_copy_marked_stale_then_drops_it(
    served: GbfsFolderServer,
) -> None:
    clock = _start(served)
    client = _client(served, clock)
    good = client.load("station_status", parse_station_status)
    served.broken["station_status.json"] = 503
    clock.now += 61
    stale = client.load("station_status", parse_station_status)
    assert stale.stale and stale.value == good.value
    clock.now += 120  # now past ttl + max_stale_s
    with pytest.raises(ProviderUnavailable, match=r"demo-rad: GET .*station_status\.json: HTTP 503"):
        client.load("station_status", parse_station_status)


def test_a_malformed_feed_names_file_and_field_and_keeps_the_last_good(served: GbfsFolderServer) -> None:
    clock = _start(served)
    client = _client(served, clock)
    good = client.load("station_status", parse_station_status)
    document = json.loads((served.folder / "station_status.json").read_text(encoding="utf-8"))
    document["data"]["stations"][2]["num_docks_available"] = "many"
    served.overrides["station_status.json"] = json.dumps(document).encode()
    clock.now += 61
    kept = client.load("station_status", parse_station_status)
    assert kept.stale and kept.value == good.value
    fresh = _client(served, clock)  # without a good copy the error itself comes through
    with pytest.raises(FeedError, match=r"station_status: data\.stations\[2\]\.num_docks_available: expected a non"):
        fresh.load("station_status", parse_station_status)
    served.broken["station_status.json"] = "malformed"
    with pytest.raises(FeedError, match="station_status: the body is not valid JSON"):
        _client(served, clock).load("station_status", parse_station_status)


def test_transient_errors_are_retried(served: GbfsFolderServer) -> None:
    clock = _start(served)
    served.broken["station_status.json"] = 502
    client = _client(served, clock, retries=2)
    with pytest.raises(ProviderUnavailable, match="after 3 attempt"):
        client.load("station_status", parse_station_status)
    assert served.requests.count("station_status.json") == 3


def test_unreachable_operator_is_a_typed_error() -> None:
    provider = GbfsProvider(
        "gone", GbfsSettings("http://127.0.0.1:9/gbfs.json", http=HttpSettings(timeout_s=1, retries=0))
    )
    with pytest.raises(ProviderUnavailable, match=re.escape("gone: GET http://127.0.0.1:9/gbfs.json: cannot connect")):
        provider.availability()


def test_a_feed_missing_from_discovery_is_named(served: GbfsFolderServer) -> None:
    client = _client(served, _start(served))
    with pytest.raises(FeedError, match="publishes no vehicle_status feed"):
        client.load("vehicle_status", parse_station_status)


def test_demo_bikeshare_availability_and_geofencing(served: GbfsFolderServer) -> None:
    provider = GbfsProvider("demo-rad", GbfsSettings(served.discovery_url))
    info, live = provider.static_info(), provider.availability()
    assert len(live.vehicles) == 6 and all(v.is_available for v in live.vehicles)
    zone = info.geofencing.zones[0]
    centre = zone.geometry.centroid
    assert not info.geofencing.may_end_at(centre.y, centre.x, "bike")
    assert info.geofencing.may_pass([(centre.y - 0.01, centre.x), (centre.y + 0.01, centre.x)], "bike")
    assert info.geofencing.may_end_at(centre.y + 0.05, centre.x, "bike")


def test_a_forked_child_does_not_wait_for_a_refresh_lock_a_parent_thread_held(served: GbfsFolderServer) -> None:
    """A background refresher may hold the lock when the process forks (gunicorn, crash tests).

    The child has no such thread, so a copied lock would never be released: it gets its own.
    """
    client = _client(served, _start(served))
    taken, release = threading.Event(), threading.Event()

    def refresher() -> None:
        with client._lock:
            taken.set()
            release.wait(10)

    thread = threading.Thread(target=refresher, daemon=True)
    thread.start()
    assert taken.wait(10)
    pid = os.fork()
    if pid == 0:  # the child: load, then report by exit code; never return into pytest
        code = 1
        try:
            signal.alarm(20)  # a deadlock ends the child instead of the test run
            code = 0 if client.load("station_status", parse_station_status).value else 2
        finally:
            os._exit(code)
    try:
        _, status = os.waitpid(pid, 0)
    finally:
        release.set()
        thread.join(10)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, f"child status {status}"
