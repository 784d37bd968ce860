"""Provider HTTP under a total time limit, and GBFS refreshes that are neither too often nor on the request path."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from providers.errors import ProviderUnavailable
from providers.gbfs.client import GbfsClient, serving_from_cache
from providers.gbfs.feeds import parse_station_status
from providers.http import HttpClient, HttpSettings, call_deadline
from routing.demo.generate import DemoInputs
from tests.conftest_d.gbfs_server import GbfsFolderServer

SLACK_S = 2.0


@pytest.fixture
def served(demo_inputs: DemoInputs, gbfs_folder_server: Callable[[Path], GbfsFolderServer]) -> GbfsFolderServer:
    return gbfs_folder_server(demo_inputs.gbfs / "demo-rad")


def _elapsed(call: Callable[[], object]) -> float:
    started = time.monotonic()
    with pytest.raises(ProviderUnavailable, match="no answer within"):
        call()
    return time.monotonic() - started


def test_a_trickling_body_is_cut_off_at_the_total_timeout(served: GbfsFolderServer) -> None:
    served.trickle["station_status.json"] = 0.2  # every read is quick; the whole body would take minutes
    http = HttpClient("demo-rad", HttpSettings(timeout_s=1.0, retries=0))
    assert _elapsed(lambda: http.get_json(f"{served.url}/station_status.json", "station_status")) < 1.0 + SLACK_S


def test_retries_share_the_callers_deadline(served: GbfsFolderServer) -> None:
    served.slow["station_status.json"] = 3.0
    http = HttpClient("demo-rad", HttpSettings(timeout_s=5.0, retries=3, backoff_s=0))
    with call_deadline(time.monotonic() + 1.0):
        elapsed = _elapsed(lambda: http.get_json(f"{served.url}/station_status.json", "station_status"))
    assert elapsed < 1.0 + SLACK_S
    assert served.requests.count("station_status.json") == 1, "no retry is started without time for it"


def test_a_used_up_deadline_sends_nothing(served: GbfsFolderServer) -> None:
    http = HttpClient("demo-rad", HttpSettings(timeout_s=5.0, retries=2))
    with pytest.raises(ProviderUnavailable, match="budget was used up"):
        http.get_json(f"{served.url}/station_status.json", "station_status", deadline=time.monotonic() - 1)
    assert served.requests == []


def test_a_complete_body_still_arrives_whole(served: GbfsFolderServer) -> None:
    http = HttpClient("demo-rad", HttpSettings(timeout_s=5.0, retries=0))
    fetched = http.get_json(f"{served.url}/station_status.json", "station_status")
    assert fetched.document == json.loads((served.folder / "station_status.json").read_bytes())


class Ticking:
    """A timer where every reading is ``step`` seconds after the last (a parse that takes ``step``)."""

    def __init__(self, step: float) -> None:
        self.step, self.now = step, 0.0

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def _ttl0(served: GbfsFolderServer) -> float:
    document = json.loads((served.folder / "station_status.json").read_text(encoding="utf-8"))
    served.overrides["station_status.json"] = json.dumps(document | {"ttl": 0}).encode()
    return float(document["last_updated"] + 1)


def test_an_expensive_feed_with_ttl_0_is_not_parsed_on_every_call(served: GbfsFolderServer) -> None:
    now = [_ttl0(served)]
    http = HttpClient("demo-rad", HttpSettings(timeout_s=5, retries=0))
    client = GbfsClient("demo-rad", served.discovery_url, http, clock=lambda: now[0], timer=Ticking(5.0))
    client.load("station_status", parse_station_status)
    now[0] += 30  # a parse that took 5 s or more: not again before 50 s
    client.load("station_status", parse_station_status)
    assert served.requests.count("station_status.json") == 1
    now[0] += 300
    client.load("station_status", parse_station_status)
    assert served.requests.count("station_status.json") == 2


def test_a_cheap_feed_with_ttl_0_follows_its_ttl_and_the_minimum_interval(served: GbfsFolderServer) -> None:
    now = [_ttl0(served)]
    http = HttpClient("demo-rad", HttpSettings(timeout_s=5, retries=0))
    client = GbfsClient("demo-rad", served.discovery_url, http, clock=lambda: now[0], min_refresh_s=10)
    client.load("station_status", parse_station_status)
    now[0] += 5
    client.load("station_status", parse_station_status)
    assert served.requests.count("station_status.json") == 1
    now[0] += 6
    client.load("station_status", parse_station_status)
    assert served.requests.count("station_status.json") == 2


def test_the_request_path_answers_from_the_copy_without_going_out(served: GbfsFolderServer) -> None:
    now = [_ttl0(served)]
    http = HttpClient("demo-rad", HttpSettings(timeout_s=5, retries=0))
    client = GbfsClient("demo-rad", served.discovery_url, http, clock=lambda: now[0])
    first = client.load("station_status", parse_station_status)
    now[0] += 600
    served.slow["*"] = 30.0
    with serving_from_cache():
        started = time.monotonic()
        again = client.load("station_status", parse_station_status)
        assert time.monotonic() - started < SLACK_S
    assert again.value == first.value
    assert served.requests.count("station_status.json") == 1
