"""Request deadlines against slow and trickling operators: a 200 with a warning inside the budget, never a 500.

The operator is a loopback GBFS server that answers each file after a pause or sends its
body one byte at a time. Assertions bound the answer time by the budget plus generous
slack (a bound the old code broke by a minute, not a speed test).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from app.deadlines import Deadline, budget_for
from app.settings import Settings
from providers.registry import InstanceConfig, ProviderRegistry, build_registry, discover_factories
from routing.demo.generate import DemoInputs
from tests.conftest_d.gbfs_server import GbfsFolderServer
from tests.conftest_d.regions import DEMO_FIRST_DAY

BUDGET_S = 4.0
SLACK_S = 2.0
CENTRE = "51.3155,9.4915"
BERLIN = ZoneInfo("Europe/Berlin")
MONDAY_8 = datetime.combine(DEMO_FIRST_DAY, datetime.min.time(), tzinfo=BERLIN) + timedelta(hours=8)
ORIGIN, DESTINATION = "51.3058,9.4759", "51.3252,9.5071"


@pytest.fixture
def operator(demo_inputs: DemoInputs, gbfs_folder_server: Callable[[Path], GbfsFolderServer]) -> GbfsFolderServer:
    """The demo bike system, its documents dated now (only slowness makes them stale) with ttl 0 (always refetched)."""
    server = gbfs_folder_server(demo_inputs.gbfs / "demo-rad")
    for path in server.folder.glob("*.json"):
        document = json.loads(path.read_text(encoding="utf-8"))
        if path.name != "gbfs.json" and isinstance(document.get("last_updated"), int):
            server.overrides[path.name] = json.dumps(document | {"last_updated": int(time.time()), "ttl": 0}).encode()
    return server


def _registry(server: GbfsFolderServer) -> ProviderRegistry:
    factories, broken = discover_factories()
    settings = {"discovery_url": server.discovery_url, "timeout_s": 30, "retries": 1, "backoff_s": 0}
    return build_registry([InstanceConfig("demo-rad", "gbfs", settings)], factories, {}, broken_adapters=broken)


@pytest.fixture
def slow_app(make_app, operator: GbfsFolderServer) -> Flask:  # type: ignore[no-untyped-def]
    application: Flask = make_app(
        providers=_registry(operator),
        plan_budget_seconds=BUDGET_S,
        sharing_wait_seconds=3,
        sharing_refresh_seconds=0,
    )
    return application


def _timed(call: Callable[[], Any]) -> tuple[Any, float]:
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def _vehicles(app: Flask) -> Any:
    return app.test_client().get(
        "/api/v1/vehicles", query_string={"near": CENTRE, "radius": 5000}, headers={"Accept-Language": "en"}
    )


def _plan(app: Flask) -> Any:
    query = {"from": ORIGIN, "to": DESTINATION, "time": MONDAY_8.isoformat(), "modes": "walk,bikeshare"}
    return app.test_client().get("/api/v1/plan", query_string=query, headers={"Accept-Language": "en"})


def _codes(body: dict[str, Any]) -> set[str]:
    return {warning["code"] for warning in body["warnings"]}


@pytest.mark.parametrize("mode", ["slow", "trickle"])
@pytest.mark.parametrize("endpoint", [_vehicles, _plan], ids=["vehicles", "plan"])
def test_a_slow_or_trickling_operator_gives_a_warning_within_the_budget(
    slow_app: Flask, operator: GbfsFolderServer, mode: str, endpoint: Callable[[Flask], Any]
) -> None:
    if mode == "slow":
        operator.slow["*"] = 4.0  # each document after 4 s
    else:
        operator.trickle["*"] = 2.0  # one byte every 2 s
    response, elapsed = _timed(lambda: endpoint(slow_app))
    assert response.status_code == 200, response.get_json()
    assert "provider_unavailable" in _codes(response.get_json())
    assert elapsed < BUDGET_S + SLACK_S


def test_a_known_fleet_is_served_stale_with_a_warning_while_the_operator_is_slow(
    slow_app: Flask, operator: GbfsFolderServer
) -> None:
    fresh = _vehicles(slow_app)
    assert fresh.status_code == 200 and fresh.get_json()["warnings"] == []
    status = json.loads(operator.overrides["station_status.json"])
    operator.overrides["station_status.json"] = json.dumps(
        status | {"last_updated": status["last_updated"] + 1}
    ).encode()
    operator.trickle["*"] = 2.0  # a new document (no 304), one byte every 2 s
    response, elapsed = _timed(lambda: _vehicles(slow_app))
    body = response.get_json()
    assert response.status_code == 200
    assert _codes(body) == {"provider_stale"}
    assert body["providers"] == [{**body["providers"][0], "stale": True}]
    assert body["vehicles"] == fresh.get_json()["vehicles"]
    assert elapsed < BUDGET_S + SLACK_S


def test_one_refresher_per_provider_serves_concurrent_requests(slow_app: Flask, operator: GbfsFolderServer) -> None:
    _vehicles(slow_app)
    before = operator.requests.count("station_status.json")
    operator.slow["station_status.json"] = 1.0
    import threading

    answers: list[int] = []
    threads = [threading.Thread(target=lambda: answers.append(_vehicles(slow_app).status_code)) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert answers == [200] * 6
    assert operator.requests.count("station_status.json") - before < 6, "requests share the refresher's fetches"


def test_the_deadline_counts_down_and_shares_what_is_left() -> None:
    now = [100.0]
    deadline = Deadline.start(8.0, clock=lambda: now[0])
    assert (deadline.at, deadline.remaining(), deadline.expired()) == (108.0, 8.0, False)
    now[0] = 106.0
    assert deadline.remaining() == 2.0 and deadline.share(0.5) == 1.0 and deadline.share(0.5, cap_s=0.25) == 0.25
    now[0] = 109.0
    assert deadline.remaining() == 0.0 and deadline.expired()


def test_booking_actions_get_the_booking_budget_and_reads_the_plan_budget() -> None:
    settings = Settings(plan_budget_seconds=8, booking_budget_seconds=20)
    assert budget_for(settings, "/api/v1/bookings", "POST") == 20
    assert budget_for(settings, "/api/v1/bookings/abc/legs/1/start", "POST") == 20
    assert budget_for(settings, "/api/v1/bookings/abc", "GET") == 8
    assert budget_for(settings, "/api/v1/plan", "GET") == 8
