"""``mobility serve``: the development server on the embedded default, with the demo city and sandbox operator."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from app.cli.common import BUILD_STAGES, cli_settings, run_build, today
from app.settings import Settings
from routing.region.manifest import Manifest

if TYPE_CHECKING:
    from providers.registry import ProviderRegistry


def _demo_needs_building(region_path: Path) -> bool:
    """The default demo region is (re)built when missing or when its timetable has run out."""
    from routing.errors import RegionError

    if not region_path.exists():
        return True
    try:
        manifest = Manifest.load(region_path.resolve())
    except RegionError:
        return True
    return manifest.synthetic and (manifest.valid_until is None or manifest.valid_until < today())


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--debug/--no-debug", default=False, help="Flask debug mode (reloader, tracebacks).")
@click.option(
    "--sandbox/--no-sandbox",
    default=None,
    help="Run the sandbox sharing operator in-process and plan with it "
    "(default: on for the demo region when MOBILITY_PROVIDER_CONFIG is unset).",
)
def serve(host: str, port: int, debug: bool, sandbox: bool | None) -> None:
    """Run the development server (SQLite and the demo region by default).

    Builds the demo region on first start when no region is configured, and brings the
    database schema up to date. With the demo region and no provider configuration, the
    sandbox operator (SYNTHETIC bikeshare and carsharing fleets) runs in the same process
    on a free loopback port, so sharing modes can be planned and booked at once.
    """
    from werkzeug.serving import run_simple

    from app import create_app
    from app.database import upgrade_database
    from app.extensions import db
    from app.kernels import KernelWarmUp
    from routing.demo.generate import build_demo_region

    settings = cli_settings()
    if settings.is_production:
        raise click.ClickException("'mobility serve' is for development; run gunicorn -w 2 wsgi:app in production")
    if settings.region_path is None and _demo_needs_building(settings.resolved_region_path):
        click.echo("building the synthetic demo city for today (a few seconds)")
        run_build(
            lambda progress: build_demo_region(
                settings.instance_path / "demo-inputs",
                settings.resolved_region_path,
                first_day=today(),
                progress=progress,
            ),
            len(BUILD_STAGES),
        )
    if sandbox is None:
        sandbox = settings.provider_config is None and settings.region_path is None
    providers = _demo_providers(settings) if sandbox and not (debug and _reloader_parent()) else None
    app = create_app(settings, providers=providers)
    with app.app_context():
        upgrade_database(db.engine)
    warming: KernelWarmUp | None = app.extensions.get("mobility.kernels")
    if warming is not None:
        click.echo("warming up the routing kernels (compiled once into the instance folder)")
        warming.wait()
    click.echo(f"serving on http://{host}:{port}  (docs: http://{host}:{port}/docs/)")
    run_simple(host, port, app, use_reloader=debug, use_debugger=debug, threaded=True)


def _reloader_parent() -> bool:
    """True in the reloader's watching process (the served app runs in its child)."""
    return os.environ.get("WERKZEUG_RUN_MAIN") != "true"


def _demo_providers(settings: Settings) -> ProviderRegistry:
    """Start the sandbox operator on the demo feeds in this process and adapters reading it."""
    from providers.registry import build_registry, discover_factories
    from providers.sandbox.fleet import Fleet
    from providers.sandbox.server import start_sandbox
    from routing.demo.generate import generate_demo_inputs

    feeds = generate_demo_inputs(settings.instance_path / "demo-inputs", first_day=today()).gbfs
    running = start_sandbox(Fleet.from_folder(feeds))
    factories, broken = discover_factories()
    registry = build_registry(running.instances(), factories, os.environ, broken_adapters=broken)
    click.echo(f"sandbox operator (SYNTHETIC) on {running.url}/  providers: {', '.join(sorted(registry.providers))}")
    return registry
