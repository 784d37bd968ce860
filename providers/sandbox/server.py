"""Run the sandbox operator on a loopback port in a background thread, and point adapters at it.

Used by ``mobility serve`` (the demo plans and books against a real HTTP operator in the
same process), by ``mobility sandbox-operator`` and by the tests.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from werkzeug.serving import BaseWSGIServer, make_server

from providers.registry import InstanceConfig
from providers.sandbox.app import create_sandbox_app
from providers.sandbox.faults import FaultPlan
from providers.sandbox.fleet import Fleet
from providers.sandbox.ondemand import Dispatcher, demo_dispatchers

DEMO_ONDEMAND_ROUTES = {"demo-ast": ("demo:AST90",)}
"""Which flex routes of the demo region each demo dispatcher serves."""
DEMO_VERSIONS = {"demo-rad": "2.3", "demo-auto": "3.0"}
"""Which GBFS version the demo instances read (one of each, so both parsers are exercised)."""


@dataclass
class RunningSandbox:
    """A sandbox operator serving in a daemon thread."""

    url: str
    fleet: Fleet
    faults: FaultPlan
    _server: BaseWSGIServer = field(repr=False)
    dispatchers: dict[str, Dispatcher] = field(default_factory=dict)

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()

    def instances(self, *, api_key_env: str | None = None, adapter: str = "tomp") -> list[InstanceConfig]:
        """Provider instances for every system of the fleet, reading this sandbox over HTTP."""
        configs = []
        for system in sorted(self.fleet.systems):
            version = DEMO_VERSIONS.get(system, "2.3")
            settings: dict[str, object] = {"discovery_url": f"{self.url}/gbfs/{version}/{system}/gbfs.json"}
            if adapter == "tomp":
                settings["tomp_url"] = f"{self.url}/tomp/{system}"
                if api_key_env is not None:
                    settings["api_key_env"] = api_key_env
            configs.append(InstanceConfig(name=system, adapter=adapter, settings=settings))
        if adapter == "tomp":
            configs += self.ondemand_instances(api_key_env=api_key_env)
        return configs

    def ondemand_instances(self, *, api_key_env: str | None = None) -> list[InstanceConfig]:
        """Provider instances of the on-demand dispatchers (the demo's serves the demo AST zone's route)."""
        configs = []
        for system in sorted(self.dispatchers):
            settings: dict[str, object] = {
                "ondemand_url": f"{self.url}/ondemand/{system}",
                "routes": list(DEMO_ONDEMAND_ROUTES.get(system, ())),
                "operator": "AST Demo (synthetic)",
            }
            if api_key_env is not None:
                settings["api_key_env"] = api_key_env
            configs.append(InstanceConfig(name=system, adapter="ondemand", settings=settings))
        return configs


def start_sandbox(
    fleet: Fleet,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    faults: FaultPlan | None = None,
    api_key: str | None = None,
    dispatchers: dict[str, Dispatcher] | None = None,
) -> RunningSandbox:
    """Serve ``fleet`` on ``host:port`` (0: any free port) in a daemon thread.

    Raises
    ------
    OSError
        When the port cannot be bound.
    """
    plan = faults or FaultPlan()
    on_demand = demo_dispatchers() if dispatchers is None else dispatchers
    app = create_sandbox_app(fleet, faults=plan, api_key=api_key, dispatchers=on_demand)
    server = make_server(host, port, app, threaded=True)
    threading.Thread(target=server.serve_forever, name="sandbox-operator", daemon=True).start()
    return RunningSandbox(f"http://{host}:{server.server_port}", fleet, plan, server, on_demand)
