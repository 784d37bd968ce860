"""A booking process killed mid-saga is finished by ``mobility reconcile`` (a separate process)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from sqlalchemy import create_engine, text

from providers.registry import InstanceConfig, build_registry, discover_factories
from providers.sandbox.faults import Fault, FaultKind
from tests.app.sandbox_trips import held, plan_shared
from tests.conftest_d.accounts import SignedIn
from tests.conftest_d.sandbox import SANDBOX_API_KEY, SandboxServer
from tests.paths import ROOT

BOOKING_PROCESS = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from app import create_app
    from app.settings import Settings
    from providers.registry import registry_from_file
    database_url, secret_key, region, config, token, itinerary = sys.argv[1:7]
    settings = Settings(env="testing", database_url=database_url, secret_key=secret_key, region_path=Path(region),
                        instance_path=Path(config).parent, region_reload_seconds=0)
    app = create_app(settings, providers=registry_from_file(Path(config), {"SANDBOX_KEY": "@SANDBOX_KEY@"}))
    response = app.test_client().post("/api/v1/bookings", json={"itineraryId": itinerary},
                                      headers={"Authorization": "Bearer " + token, "Idempotency-Key": "crash-test-1"})
    print(response.status_code, flush=True)
"""
).replace("@SANDBOX_KEY@", SANDBOX_API_KEY)


def provider_config(path: Path, sandbox: SandboxServer) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        textwrap.dedent(f"""
        [providers.demo-rad]
        adapter = "tomp"
        discovery_url = "{sandbox.url}/gbfs/2.3/demo-rad/gbfs.json"
        tomp_url = "{sandbox.url}/tomp/demo-rad"
        api_key_env = "SANDBOX_KEY"
        timeout_s = 120
        retries = 0
    """),
        encoding="utf-8",
    )
    return path


def booking_state(database_url: str) -> tuple[str | None, list[str], str | None]:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        booking = connection.execute(text("SELECT state FROM bookings")).scalar()
        legs = list(connection.execute(text("SELECT state FROM booking_legs ORDER BY position")).scalars())
        payment = connection.execute(text("SELECT state FROM payments")).scalar()
    engine.dispose()
    return booking, legs, payment


def test_a_saga_killed_while_confirming_is_finished_by_the_reconciler(
    make_app,
    database_url: str,
    demo_region_path: Path,
    sign_in: Callable[..., SignedIn],  # type: ignore[no-untyped-def]
    sandbox: SandboxServer,
    tmp_path: Path,
) -> None:
    config = provider_config(tmp_path / "instance" / "providers.toml", sandbox)
    factories, broken = discover_factories()
    registry = build_registry(
        [InstanceConfig("demo-rad", "tomp", sandbox.settings("demo-rad"))],
        factories,
        {"SANDBOX_KEY": SANDBOX_API_KEY},
        broken_adapters=broken,
    )
    app: Flask = make_app(providers=registry)
    anna = sign_in(app)
    itinerary = plan_shared(app.test_client())
    sandbox.faults.replace([Fault(FaultKind.LATENCY, path="/events", seconds=60)])  # COMMIT hangs
    token = anna.headers["Authorization"].removeprefix("Bearer ")
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            BOOKING_PROCESS,
            database_url,
            app.config["SECRET_KEY"],
            str(demo_region_path),
            str(config),
            token,
            itinerary["id"],
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 90
        while booking_state(database_url)[2] != "authorised":  # reserved and paid; now stuck confirming
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, booking_state(database_url)
            time.sleep(0.2)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
        for stream in (process.stdout, process.stderr):
            if stream:
                stream.close()
    assert booking_state(database_url) == ("pending", ["reserved"], "authorised")
    assert len(held(sandbox)) == 1
    sandbox.faults.replace([])

    env = {key: value for key, value in os.environ.items() if not key.startswith("MOBILITY_")} | {
        "MOBILITY_ENV": "testing",
        "MOBILITY_DATABASE_URL": database_url,
        "MOBILITY_SECRET_KEY": app.config["SECRET_KEY"],
        "MOBILITY_REGION_PATH": str(demo_region_path),
        "MOBILITY_INSTANCE_PATH": str(tmp_path / "instance"),
        "MOBILITY_PROVIDER_CONFIG": str(config),
        "MOBILITY_LOG_LEVEL": "WARNING",
        "SANDBOX_KEY": SANDBOX_API_KEY,
    }
    reconcile = subprocess.run(
        [sys.executable, "-c", "from app.cli import main; main()", "reconcile", "--older-than", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert reconcile.returncode == 0, reconcile.stderr
    assert "reconciled 1 booking(s)" in reconcile.stdout
    assert booking_state(database_url) == ("confirmed", ["confirmed"], "authorised")
    (vehicle,) = held(sandbox)
    _, vehicles = sandbox.fleet.snapshot("demo-rad")
    booking_id = next(v.booking_id for v in vehicles if v.vehicle_id == vehicle)
    assert booking_id is not None
    assert sandbox.fleet.booking("demo-rad", booking_id).state == "CONFIRMED"
