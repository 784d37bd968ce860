"""The real servers: gunicorn with two workers, and the docs page in a real browser."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from flask import Flask
from werkzeug.serving import make_server

from tests.conftest_d.app import TEST_KERNEL_CACHE
from tests.deploy.servers import free_port, wait_for
from tests.paths import ROOT


@pytest.fixture
def gunicorn_url(tmp_path: Path, demo_region_path: Path, database_url: str) -> Iterator[str]:
    """``gunicorn -c gunicorn.conf.py -w 2 wsgi:app`` on a loopback port, configured through MOBILITY_* only."""
    from sqlalchemy import create_engine

    from app.database import upgrade_database

    engine = create_engine(database_url)
    upgrade_database(engine)
    engine.dispose()
    port = free_port()
    env = {
        **os.environ,
        "MOBILITY_INSTANCE_PATH": str(tmp_path / "instance"),
        "MOBILITY_DATABASE_URL": database_url,
        "MOBILITY_REGION_PATH": str(demo_region_path),
        "MOBILITY_LOG_LEVEL": "WARNING",
        "MOBILITY_KERNEL_CACHE_PATH": str(TEST_KERNEL_CACHE),
    }
    gunicorn = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        "gunicorn.conf.py",
        "-w",
        "2",
        "-b",
        f"127.0.0.1:{port}",
        "wsgi:app",
    ]
    process = subprocess.Popen(gunicorn, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_for(f"http://127.0.0.1:{port}/health")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)
        if process.stdout:
            process.stdout.close()


def test_gunicorn_serves_the_api(gunicorn_url: str) -> None:
    assert requests.get(f"{gunicorn_url}/health", timeout=5).json() == {"status": "ok"}
    assert requests.get(f"{gunicorn_url}/ready", timeout=5).json()["status"] == "ready"
    spec = requests.get(f"{gunicorn_url}/api/v1/openapi.json", timeout=5).json()
    assert spec["openapi"] == "3.1.0"
    bad = requests.get(f"{gunicorn_url}/api/v1/stops?near=100,200", timeout=5)
    assert bad.status_code == 400
    assert bad.headers["Content-Type"] == "application/problem+json"
    statuses = {requests.get(f"{gunicorn_url}/api/v1/region", timeout=5).status_code for _ in range(20)}
    assert statuses == {200}


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture
def live_url(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.mark.browser
def test_docs_page_renders_in_a_browser(live_url: str, tmp_path: Path) -> None:
    browser = chromium()
    if browser is None:
        pytest.skip("no Chromium installed (tests/run installs Debian's chromium when run as root)")
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--virtual-time-budget=15000",
        "--dump-dom",
        f"{live_url}/docs/",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)
    dom = result.stdout
    assert "kassel-mobility API" in dom, result.stderr[-2000:]
    assert "/api/v1/stops" in dom, "Swagger UI did not render the operations"
    assert "OAS 3.1" in dom


def test_mobility_serve_plans_sharing_with_its_in_process_sandbox(tmp_path: Path) -> None:
    """The README's run command: the demo region is built, the sandbox operator runs in-process, sharing is planned."""
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("MOBILITY_")}
    env |= {
        "MOBILITY_INSTANCE_PATH": str(tmp_path / "instance"),
        "MOBILITY_LOG_LEVEL": "WARNING",
        "MOBILITY_KERNEL_CACHE_PATH": str(TEST_KERNEL_CACHE),
    }
    command = [sys.executable, "-c", "from app.cli import main; main()", "serve", "--port", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/health", timeout=180)
        vehicles = requests.get(
            f"{base}/api/v1/vehicles", params={"near": "51.3155,9.4915", "radius": 3000}, timeout=30
        )
        assert vehicles.status_code == 200
        assert {p["provider"] for p in vehicles.json()["providers"]} == {"demo-rad", "demo-auto"}
        plan = requests.get(
            f"{base}/api/v1/plan",
            params={"from": "51.3058,9.4759", "to": "51.3252,9.5071", "modes": "bikeshare"},
            timeout=60,
        ).json()
        legs = [leg for itinerary in plan["itineraries"] for leg in itinerary["legs"] if leg["sharing"]]
        assert legs and legs[0]["sharing"]["quote"]["amountCents"] > 0 and legs[0]["sharing"]["bookable"]
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=20)
    assert b"sandbox operator (SYNTHETIC)" in output
