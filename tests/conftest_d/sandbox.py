"""The sandbox operator on an ephemeral loopback port, seeded from freshly generated demo feeds."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from providers.sandbox.faults import FaultPlan
from providers.sandbox.fleet import Fleet
from providers.sandbox.ondemand import Dispatcher
from providers.sandbox.server import start_sandbox
from routing.demo.generate import generate_demo_inputs
from tests.conftest_d.regions import DEMO_FIRST_DAY

__all__ = ["SANDBOX_API_KEY", "SandboxServer", "sandbox"]

SANDBOX_API_KEY = "sandbox-test-key"


@dataclass
class SandboxServer:
    """A running sandbox: its base URL, fleet and fault plan."""

    url: str
    fleet: Fleet
    faults: FaultPlan
    dispatchers: dict[str, Dispatcher] = field(default_factory=dict)
    """The on-demand operator's dispatchers (the demo's ``demo-ast``), by system."""

    def settings(self, system: str, *, version: str = "2.3", adapter: str = "tomp") -> dict[str, object]:
        """Adapter settings for one system (the key comes from ``SANDBOX_KEY`` in the environment)."""
        settings: dict[str, object] = {
            "discovery_url": f"{self.url}/gbfs/{version}/{system}/gbfs.json",
            "timeout_s": 2,
            "retries": 1,
            "backoff_s": 0,
        }
        if adapter == "tomp":
            settings |= {"tomp_url": f"{self.url}/tomp/{system}", "api_key_env": "SANDBOX_KEY"}
        return settings

    def ondemand_settings(self, system: str = "demo-ast") -> dict[str, object]:
        """Adapter settings for an on-demand dispatcher serving the demo AST route."""
        return {
            "ondemand_url": f"{self.url}/ondemand/{system}",
            "routes": ["demo:AST90"],
            "operator": "AST Demo (synthetic)",
            "api_key_env": "SANDBOX_KEY",
            "timeout_s": 2,
            "retries": 1,
            "backoff_s": 0,
        }


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[SandboxServer]:
    """A fresh sandbox operator per test (its own state), served by a threaded werkzeug server."""
    feeds = generate_demo_inputs(tmp_path / "demo-inputs", first_day=DEMO_FIRST_DAY).gbfs
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no request lines after the test's capture closed
    running = start_sandbox(Fleet.from_folder(feeds), api_key=SANDBOX_API_KEY)
    yield SandboxServer(running.url, running.fleet, running.faults, running.dispatchers)
    running.stop()
