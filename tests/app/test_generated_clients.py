"""Clients generated from our OpenAPI document work: openapi-python-client against a live server, openapi-typescript.

Each test skips, naming the tool, when the generator is not installed (the Python one is a
test dependency; the TypeScript one needs node and npx with network access to npm).
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from flask import Flask
from werkzeug.serving import make_server

from routing.region.region import Region
from tests.app.api.demo_points import MONDAY_8, corner

BIN = Path(sys.executable).parent
PACKAGE = "kassel_mobility_generated"


def _tool(name: str) -> str:
    found = shutil.which(name, path=os.pathsep.join([str(BIN), os.environ.get("PATH", "")]))
    if found is None:
        pytest.skip(f"{name} is not installed")
    return found


@pytest.fixture
def live_url(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="generated-client-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def _spec(app: Flask, folder: Path) -> Path:
    path = folder / "openapi.json"
    path.write_bytes(app.test_client().get("/api/v1/openapi.json").get_data())
    return path


@pytest.fixture
def generated(app: Flask, tmp_path: Path) -> Iterator[ModuleType]:
    generator = _tool("openapi-python-client")
    spec = _spec(app, tmp_path)
    environment = os.environ | {"PATH": os.pathsep.join([str(BIN), os.environ.get("PATH", "")])}
    run = subprocess.run(
        [generator, "generate", "--path", str(spec), "--meta", "none", "--output-path", str(tmp_path / PACKAGE)],
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def test_the_generated_python_client_plans_and_finds_stops(
    generated: ModuleType, live_url: str, demo_region: Region
) -> None:
    plan_call = importlib.import_module(f"{PACKAGE}.api.plan.plan_plan")
    stops_call = importlib.import_module(f"{PACKAGE}.api.stops.stops_list_stops")
    models = importlib.import_module(f"{PACKAGE}.models")
    client = generated.Client(base_url=live_url, headers={"Accept-Language": "en"}, raise_on_unexpected_status=True)
    calls = 0
    answer = plan_call.sync(
        client=client, from_=corner(demo_region, 0.1, 0.1), to=corner(demo_region, 0.9, 0.9), time=MONDAY_8
    )
    calls += 1
    assert isinstance(answer, models.PlanResponse), type(answer)
    assert answer.itineraries and answer.language == "en"
    assert all(isinstance(leg, models.ItineraryLegOut) for it in answer.itineraries for leg in it.legs)
    stops = stops_call.sync(client=client, near=corner(demo_region, 0.5, 0.5), radius=2000.0)
    calls += 1
    assert isinstance(stops, models.StopList), type(stops)
    assert stops.to_dict() == json.loads(
        client.get_httpx_client()
        .get("/api/v1/stops", params={"near": corner(demo_region, 0.5, 0.5), "radius": 2000})
        .content
    )
    refused = stops_call.sync(client=client, near="nowhere")
    calls += 1
    assert isinstance(refused, models.ProblemModel) and refused.status == 400
    print(f"generated Python client: {calls} calls, 0 failures")


def test_openapi_typescript_generates_types(app: Flask, tmp_path: Path) -> None:
    _tool("node")
    npx = _tool("npx")
    spec = _spec(app, tmp_path)
    out = tmp_path / "api.d.ts"
    run = subprocess.run(
        [npx, "--yes", "openapi-typescript@7", str(spec), "--output", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if run.returncode != 0 and ("ENOTFOUND" in run.stderr or "EAI_AGAIN" in run.stderr or "network" in run.stderr):
        pytest.skip("openapi-typescript could not be fetched from npm")
    assert run.returncode == 0, run.stdout + run.stderr
    types = out.read_text(encoding="utf-8")
    for name in ("PlanResponse", "ItineraryOut", "ItineraryLegOut", "BookingLegOut", '"/api/v1/plan"'):
        assert name in types
