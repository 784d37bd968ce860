"""gunicorn with the repository's config: worker timeout above every budget, its own errors as problem+json."""

from __future__ import annotations

import os
import runpy
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from routing.demo.generate import DemoInputs
from tests.conftest_d.app import TEST_KERNEL_CACHE
from tests.conftest_d.gbfs_server import GbfsFolderServer
from tests.deploy.servers import free_port, wait_for
from tests.paths import ROOT

PROBLEM_JSON = "application/problem+json"
Start = Callable[..., str]


@pytest.fixture
def start_gunicorn(tmp_path: Path, demo_region_path: Path, database_url: str) -> Iterator[Start]:
    """``start(*args, **env)``: gunicorn -c gunicorn.conf.py on a loopback port; its URL."""
    from sqlalchemy import create_engine

    from app.database import upgrade_database

    engine = create_engine(database_url)
    upgrade_database(engine)
    engine.dispose()
    processes: list[subprocess.Popen[bytes]] = []

    def start(*args: str, **extra_env: str) -> str:
        port = free_port()
        env = {
            **os.environ,
            "MOBILITY_INSTANCE_PATH": str(tmp_path / "instance"),
            "MOBILITY_DATABASE_URL": database_url,
            "MOBILITY_REGION_PATH": str(demo_region_path),
            "MOBILITY_LOG_LEVEL": "WARNING",
            "MOBILITY_KERNEL_CACHE_PATH": str(TEST_KERNEL_CACHE),
            **extra_env,
        }
        command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "-w", "1", "-b", f"127.0.0.1:{port}"]
        process = subprocess.Popen(
            [*command, *args, "wsgi:app"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        processes.append(process)
        wait_for(f"http://127.0.0.1:{port}/health")
        return f"http://127.0.0.1:{port}"

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=30)


def _problem(response: requests.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text[:300]
    assert response.headers["Content-Type"] == PROBLEM_JSON
    body: dict[str, object] = response.json()
    assert body["status"] == status and str(body["type"]).startswith("urn:kassel-mobility:problem:")
    return body


def test_the_worker_timeout_is_above_the_longest_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOBILITY_BOOKING_BUDGET_SECONDS", "45")
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert config["timeout"] > 45
    monkeypatch.delenv("MOBILITY_BOOKING_BUDGET_SECONDS")
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["timeout"] > 20  # the default booking budget


def test_gunicorn_refusals_before_the_app_are_problem_json(start_gunicorn: Start) -> None:
    url = start_gunicorn()
    body = _problem(requests.get(f"{url}/api/v1/stops?q={'x' * 9000}", timeout=10), 414)
    assert body["type"] == "urn:kassel-mobility:problem:uri-too-long"
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as raw:
        raw.sendall(b"THIS IS NOT HTTP\r\n\r\n")
        answer = b""
        while chunk := raw.recv(4096):
            answer += chunk
    head, _, payload = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400") and f"Content-Type: {PROBLEM_JSON}".encode() in head
    assert b'"type": "urn:kassel-mobility:problem:bad-request"' in payload


def test_a_request_cut_off_by_the_worker_timeout_answers_problem_json(
    start_gunicorn: Start,
    tmp_path: Path,
    demo_inputs: DemoInputs,
    gbfs_folder_server: Callable[[Path], GbfsFolderServer],
) -> None:
    slow = gbfs_folder_server(demo_inputs.gbfs / "demo-rad")
    slow.slow["*"] = 30.0  # the first request waits for the operator (up to MOBILITY_SHARING_WAIT_SECONDS)
    config = tmp_path / "providers.toml"
    config.write_text(f'[providers.demo-rad]\nadapter = "gbfs"\ndiscovery_url = "{slow.discovery_url}"\n')
    url = start_gunicorn(
        "--timeout",
        "1",  # far below the budget, to provoke the abort
        MOBILITY_PROVIDER_CONFIG=str(config),
        MOBILITY_SHARING_WAIT_SECONDS="20",
        MOBILITY_PLAN_BUDGET_SECONDS="60",
    )
    response = requests.get(f"{url}/api/v1/vehicles", params={"near": "51.3155,9.4915"}, timeout=60)
    body = _problem(response, 503)
    assert body["type"] == "urn:kassel-mobility:problem:worker-timeout"
    assert requests.get(f"{url}/health", timeout=30).status_code == 200, "a new worker took over"
