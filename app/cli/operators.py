"""Sharing operators: the sandbox operator server and the adapter conformance check."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import click

from app.cli.common import cli_settings, today


@click.command("sandbox-operator")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=5050, show_default=True, type=click.IntRange(0, 65535), help="0: any free port.")
@click.option(
    "--fleet",
    "fleet_path",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder of GBFS 2.x system folders to seed the fleet (default: the demo city's feeds).",
)
@click.option("--api-key-env", default=None, help="Environment variable holding the key TOMP requests must carry.")
@click.option(
    "--fault",
    "faults",
    multiple=True,
    metavar="KIND[:PATH][:COUNT][:SECONDS]",
    help="Inject a fault (latency, timeout, error, malformed, vehicle_taken); repeatable.",
)
def sandbox_operator(
    host: str, port: int, fleet_path: Path | None, api_key_env: str | None, faults: tuple[str, ...]
) -> None:
    """Run the sandbox sharing operator: GBFS 2.3/3.0 feeds and TOMP-style booking (SYNTHETIC)."""
    from providers.errors import ProviderError
    from providers.sandbox.faults import Fault, FaultPlan, FaultSpecError
    from providers.sandbox.fleet import Fleet
    from providers.sandbox.server import start_sandbox
    from routing.demo.generate import generate_demo_inputs

    settings = cli_settings()
    if fleet_path is None:
        fleet_path = generate_demo_inputs(settings.instance_path / "demo-inputs", first_day=today()).gbfs
    api_key = None
    if api_key_env is not None:
        api_key = os.environ.get(api_key_env)
        if not api_key:
            raise click.ClickException(f"--api-key-env: {api_key_env} is not set")
    try:
        fleet = Fleet.from_folder(fleet_path)
        plan = FaultPlan([Fault.from_option(text) for text in faults])
    except (ProviderError, FaultSpecError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        running = start_sandbox(fleet, host=host, port=port, faults=plan, api_key=api_key)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc}") from exc
    click.echo(f"sandbox operator (SYNTHETIC) on {running.url}/  systems: {', '.join(sorted(fleet.systems))}")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        running.stop()


@click.command("provider-check")
@click.argument("name")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Provider configuration (default: MOBILITY_PROVIDER_CONFIG).",
)
def provider_check(name: str, config_path: Path | None) -> None:
    """Run the conformance kit against the configured provider instance NAME.

    Books and rides a real vehicle when the adapter declares booking: point it at a
    sandbox or an operator's test system.
    """
    from providers.conformance import run_conformance
    from providers.errors import ProviderError
    from providers.registry import registry_from_file

    path = config_path or cli_settings().provider_config
    if path is None:
        raise click.ClickException("no provider configuration: pass --config or set MOBILITY_PROVIDER_CONFIG")
    try:
        provider = registry_from_file(path, os.environ).get(name)
    except ProviderError as exc:
        raise click.ClickException(str(exc)) from exc
    report = run_conformance(provider)
    click.echo(report.render())
    if not report.passed:
        sys.exit(1)
