"""Two hosts: two independent gunicorn masters (two workers each) on one database and one Redis.

What a deployment past one machine must get right, seen from outside through HTTP only:
the sign-in rate limit is counted once for all hosts, and an operator's GBFS feed is
fetched once per its ``ttl`` however many workers on however many hosts serve requests.
(Leader election of the reconciler is tested in ``tests/app/test_shared_state.py``.)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from routing.demo.generate import generate_demo_inputs
from tests.conftest_d.app import TEST_KERNEL_CACHE
from tests.conftest_d.gbfs_server import GbfsFolderServer
from tests.conftest_d.regions import DEMO_FIRST_DAY
from tests.deploy.test_servers import ROOT, free_port, wait_for

TTL_S = 600
"""The feeds' ``ttl``: longer than the test, so every fetch after the first would be a duplicate."""
CENTRE = "51.3155,9.4915"
WORKERS = 2
"""Per host: four processes in all, each with its own memory (and, without Redis, its own counters)."""
STARTUP_S = 300.0
"""Waiting for four workers to load the region and warm up on a busy 2-core CI machine (not a timing check)."""


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


def _start_host(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
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
    return subprocess.Popen(
        [*command, "wsgi:app"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


@pytest.fixture
def two_hosts(
    tmp_path: Path,
    demo_region_path: Path,
    database_url: str,
    redis_url: str,
    redis_prefix: str,
    gbfs_folder_server: Callable[[Path], GbfsFolderServer],
) -> Iterator[tuple[list[str], GbfsFolderServer]]:
    """Hosts A and B (their own instance folders, the same database, Redis and operator)."""
    from sqlalchemy import create_engine

    from app.database import upgrade_database

    engine = create_engine(database_url)
    upgrade_database(engine)
    engine.dispose()
    operator = gbfs_folder_server(_gbfs_folder(tmp_path))
    config = tmp_path / "providers.toml"
    config.write_text(f'[providers.demo-rad]\nadapter = "gbfs"\ndiscovery_url = "{operator.discovery_url}"\n')
    processes, urls = [], []
    for host in ("a", "b"):
        env = {
            **os.environ,
            "MOBILITY_INSTANCE_PATH": str(tmp_path / f"host-{host}"),
            "MOBILITY_SECRET_KEY": "two-hosts-share-one-secret-key-0123456789",
            "MOBILITY_DATABASE_URL": database_url,
            "MOBILITY_REGION_PATH": str(demo_region_path),
            "MOBILITY_PROVIDER_CONFIG": str(config),
            "MOBILITY_REDIS_URL": redis_url,
            "MOBILITY_REDIS_PREFIX": redis_prefix,
            "MOBILITY_LOG_LEVEL": "WARNING",
            "MOBILITY_KERNEL_CACHE_PATH": str(TEST_KERNEL_CACHE),
        }
        port = free_port()
        processes.append(_start_host(env, port))
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url in urls:
            wait_for(f"{url}/ready", timeout=STARTUP_S)
        yield urls, operator
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


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
