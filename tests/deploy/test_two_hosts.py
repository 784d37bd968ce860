"""Two hosts: two independent gunicorn masters (two workers each) on one database and one Redis.

What a deployment past one machine must get right, seen from outside through HTTP only:
the sign-in rate limit is counted once for all hosts, an operator's GBFS feed is fetched
once per its ``ttl`` however many workers on however many hosts serve requests, two riders
racing for the last bike on two hosts give one booking, one 409 and one hold at the
operator, and one ``Idempotency-Key`` sent to both hosts is one booking, replayed by the host
that found it still in flight. The booking tests need PostgreSQL (``TEST_DATABASE_URL``);
all skip without Redis. (Leader election of the reconciler is tested in
``tests/app/test_shared_state.py``.)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from flask import Flask

from providers.sandbox.faults import Fault, FaultKind
from routing.demo.generate import generate_demo_inputs
from tests.app.sandbox_trips import DESTINATION, MONDAY_8, held
from tests.conftest_d.accounts import SignedIn
from tests.conftest_d.app import TEST_KERNEL_CACHE
from tests.conftest_d.gbfs_server import GbfsFolderServer
from tests.conftest_d.regions import DEMO_FIRST_DAY
from tests.conftest_d.sandbox import SANDBOX_API_KEY, SandboxServer
from tests.deploy.servers import free_port
from tests.paths import ROOT

TTL_S = 600
"""The feeds' ``ttl``: longer than the test, so every fetch after the first would be a duplicate."""
CENTRE = "51.3155,9.4915"
FREE_BIKE = "51.3053,9.4753"
"""Where one bike stands (a free-floating one or a station's): every rider of these tests wants it."""
WORKERS = 2
"""Per host: four processes in all, each with its own memory (and, without Redis, its own counters)."""
STARTUP_S = 300.0
"""Waiting for four workers to load the region and warm up on a busy 2-core CI machine (not a timing check)."""
SECRET_KEY = "two-hosts-share-one-secret-key-0123456789"
"""One key for both hosts: an itinerary id or a session made on one is valid on the other."""


def _gbfs_folder(base: Path) -> Path:
    """The demo bike-share system's feeds, fresh, with a long ``ttl``."""
    feeds = generate_demo_inputs(base / "demo-inputs", first_day=DEMO_FIRST_DAY).gbfs / "demo-rad"
    folder = base / "gbfs-demo-rad"
    shutil.copytree(feeds, folder)
    for path in folder.glob("*.json"):
        document = json.loads(path.read_text())
        if "ttl" in document:
            document |= {"ttl": TTL_S, "last_updated": int(time.time())}
            path.write_text(json.dumps(document))
    return folder


def _start_host(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    """A gunicorn master on ``port``; what it and its workers print goes to ``log``."""
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        "gunicorn.conf.py",
        "-w",
        str(WORKERS),
        "-b",
        f"127.0.0.1:{port}",
    ]
    with log.open("wb") as output:
        return subprocess.Popen([*command, "wsgi:app"], cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)


def _wait_until_serving(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Until the host answers ``/ready``; a host that exits or never answers fails the test with its log's end."""
    give_up = time.monotonic() + STARTUP_S
    while True:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:]
            pytest.fail(f"the host at {url} exited ({process.returncode}) while starting:\n{tail}")
        try:
            requests.get(f"{url}/ready", timeout=10)
            return
        except requests.RequestException:
            if time.monotonic() > give_up:
                tail = log.read_text(errors="replace")[-3000:]
                pytest.fail(f"the host at {url} did not answer within {STARTUP_S:.0f} s:\n{tail}")
            time.sleep(0.2)


@contextmanager
def _hosts(
    base: Path, *, database_url: str, redis_url: str, redis_prefix: str, region: Path, providers: str, **env: str
) -> Iterator[list[str]]:
    """Hosts A and B (their own instance folders, the same database, Redis and operators), their base URLs."""
    from sqlalchemy import create_engine

    from app.database import upgrade_database

    engine = create_engine(database_url)
    upgrade_database(engine)
    engine.dispose()
    config = base / "providers.toml"
    config.write_text(providers)
    processes, urls, logs = [], [], []
    for host in ("a", "b"):
        host_env = {
            **os.environ,
            "MOBILITY_INSTANCE_PATH": str(base / f"host-{host}"),
            "MOBILITY_SECRET_KEY": SECRET_KEY,
            "MOBILITY_DATABASE_URL": database_url,
            "MOBILITY_REGION_PATH": str(region),
            "MOBILITY_PROVIDER_CONFIG": str(config),
            "MOBILITY_REDIS_URL": redis_url,
            "MOBILITY_REDIS_PREFIX": redis_prefix,
            "MOBILITY_LOG_LEVEL": "WARNING",
            "MOBILITY_KERNEL_CACHE_PATH": str(TEST_KERNEL_CACHE),
            **env,
        }
        port = free_port()
        logs.append(base / f"host-{host}.log")
        processes.append(_start_host(host_env, port, logs[-1]))
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url, process, log in zip(urls, processes, logs, strict=True):
            _wait_until_serving(url, process, log)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


@pytest.fixture
def two_hosts(
    tmp_path: Path,
    demo_region_path: Path,
    database_url: str,
    redis_url: str,
    redis_prefix: str,
    gbfs_folder_server: Callable[[Path], GbfsFolderServer],
) -> Iterator[tuple[list[str], GbfsFolderServer]]:
    """Hosts A and B serving one operator's GBFS feeds."""
    operator = gbfs_folder_server(_gbfs_folder(tmp_path))
    providers = f'[providers.demo-rad]\nadapter = "gbfs"\ndiscovery_url = "{operator.discovery_url}"\n'
    with _hosts(
        tmp_path,
        database_url=database_url,
        redis_url=redis_url,
        redis_prefix=redis_prefix,
        region=demo_region_path,
        providers=providers,
    ) as urls:
        yield urls, operator


def test_the_sign_in_limit_is_counted_once_across_hosts(two_hosts: tuple[list[str], GbfsFolderServer]) -> None:
    """10 failed sign-ins per minute per client in all: the 11th is refused whichever host it reaches."""
    urls, _ = two_hosts
    wrong = {"email": "nobody@example.org", "password": "not the password at all"}
    statuses = [
        requests.post(f"{urls[attempt % 2]}/api/v1/auth/login", json=wrong, timeout=30).status_code
        for attempt in range(14)
    ]
    assert statuses[:10] == [401] * 10, statuses  # 4 workers with their own counters would allow 40 in all
    assert statuses[10:] == [429] * 4, statuses


def test_an_operator_feed_is_fetched_once_per_ttl_for_every_worker_and_host(
    two_hosts: tuple[list[str], GbfsFolderServer],
) -> None:
    urls, operator = two_hosts
    for round_ in range(12):  # both workers of both hosts serve some of these
        response = requests.get(
            f"{urls[round_ % 2]}/api/v1/vehicles", params={"near": CENTRE, "radius": 5000}, timeout=60
        )
        assert response.status_code == 200, response.text
        assert response.json()["stations"], "the operator's stations reach every host"
    fetched = {name: operator.requests.count(name) for name in set(operator.requests)}
    assert fetched.get("station_status.json") == 1, fetched
    assert fetched.get("station_information.json") == 1, fetched


# Bookings across hosts: the last bike, the same Idempotency-Key ---------------------------------


@pytest.fixture
def booking_hosts(
    tmp_path: Path,
    demo_region_path: Path,
    database_url: str,
    redis_url: str,
    redis_prefix: str,
    sandbox: SandboxServer,
    make_app: Callable[..., Flask],
) -> Iterator[tuple[list[str], Flask]]:
    """Hosts A and B booking with the sandbox operator, and an app on the same database to make accounts."""
    if not database_url.startswith("postgresql"):
        pytest.skip("hosts past one machine share one PostgreSQL (set TEST_DATABASE_URL)")
    settings = sandbox.settings("demo-rad") | {"timeout_s": 15}  # a busy CI machine: no timeouts by accident
    lines = "".join(f"{name} = {json.dumps(value)}\n" for name, value in settings.items())
    providers = f'[providers.demo-rad]\nadapter = "tomp"\n{lines}'
    accounts = make_app(secret_key=SECRET_KEY)  # its sessions are valid on both hosts
    with _hosts(
        tmp_path,
        database_url=database_url,
        redis_url=redis_url,
        redis_prefix=redis_prefix,
        region=demo_region_path,
        providers=providers,
        SANDBOX_KEY=SANDBOX_API_KEY,
    ) as urls:
        yield urls, accounts


def _plan_bike(url: str) -> str:
    """The id of an itinerary riding the bike nearest ``FREE_BIKE`` (one free-floating bike or a station's)."""
    query = {"from": FREE_BIKE, "to": DESTINATION, "modes": "bikeshare", "time": MONDAY_8.isoformat()}
    response = requests.get(f"{url}/api/v1/plan", params=query, timeout=120)
    assert response.status_code == 200, response.text
    itineraries = response.json()["itineraries"]
    return str(next(it for it in itineraries if any(leg["sharing"] for leg in it["legs"]))["id"])


@dataclass(frozen=True)
class _Attempt:
    """One booking request: to which host, as whom, which itinerary, with which Idempotency-Key."""

    url: str
    rider: SignedIn
    itinerary_id: str
    key: str


def _book_together(attempts: list[_Attempt], *, stagger_s: float = 0.0) -> list[requests.Response]:
    """POST every attempt from its own thread, released together (the n-th ``n * stagger_s`` later); in order."""
    start = threading.Barrier(len(attempts))
    answers: dict[int, requests.Response] = {}

    def post(index: int, attempt: _Attempt) -> None:
        start.wait()
        time.sleep(index * stagger_s)
        answers[index] = requests.post(
            f"{attempt.url}/api/v1/bookings",
            json={"itineraryId": attempt.itinerary_id},
            headers=attempt.rider.headers | {"Idempotency-Key": attempt.key},
            timeout=120,
        )

    threads = [threading.Thread(target=post, args=(index, attempt)) for index, attempt in enumerate(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert sorted(answers) == list(range(len(attempts))), "a booking request got no answer"
    return [answers[index] for index in range(len(attempts))]


def test_two_hosts_racing_for_the_last_bike_give_one_booking_and_one_hold(
    booking_hosts: tuple[list[str], Flask], sign_in: Callable[..., SignedIn], sandbox: SandboxServer
) -> None:
    """Two riders, one on each host, book the same bike at the same instant: one 201, one clean 409."""
    urls, accounts = booking_hosts
    itinerary = _plan_bike(urls[0])
    riders = [sign_in(accounts) for _ in urls]
    attempts = [_Attempt(url, rider, itinerary, uuid.uuid4().hex) for url, rider in zip(urls, riders, strict=True)]
    answers = _book_together(attempts)
    assert sorted(answer.status_code for answer in answers) == [201, 409], [a.text for a in answers]
    winner, loser = sorted(answers, key=lambda answer: answer.status_code)
    assert loser.headers["Content-Type"] == "application/problem+json"
    (leg,) = winner.json()["legs"]
    assert winner.json()["state"] == "confirmed"
    assert held(sandbox) == {leg["vehicleId"]}  # one hold at the operator, the winner's


def test_the_same_idempotency_key_at_both_hosts_is_one_booking_replayed_by_the_host_that_waited(
    booking_hosts: tuple[list[str], Flask], sign_in: Callable[..., SignedIn], sandbox: SandboxServer
) -> None:
    """A client retries on the other host while the first is still confirming: both answers are the one booking.

    The operator's confirmation takes a second, so the second host finds the booking in flight
    (pending, or reserved); it must wait for it and answer what the first host answers, not
    book again, not answer the half-done state, not fail.
    """
    urls, accounts = booking_hosts
    itinerary = _plan_bike(urls[1])
    rider = sign_in(accounts)
    sandbox.faults.replace([Fault(FaultKind.LATENCY, path="/events", count=1, seconds=1.5)])  # the COMMIT
    key = f"retry-{uuid.uuid4().hex}"
    answers = _book_together([_Attempt(url, rider, itinerary, key) for url in urls], stagger_s=0.3)
    assert sorted(answer.status_code for answer in answers) == [200, 201], [a.text for a in answers]
    bodies = [answer.json() for answer in answers]
    assert bodies[0]["id"] == bodies[1]["id"]
    assert [body["state"] for body in bodies] == ["confirmed", "confirmed"], bodies  # the replay waited for it
    assert bodies[0]["legs"] == bodies[1]["legs"] and bodies[0]["payment"] == bodies[1]["payment"]
    mine = requests.get(f"{urls[0]}/api/v1/bookings", headers=rider.headers, timeout=60)
    assert [booking["id"] for booking in mine.json()["bookings"]] == [bodies[0]["id"]]  # one booking
    assert held(sandbox) == {bodies[0]["legs"][0]["vehicleId"]}  # one hold at the operator
