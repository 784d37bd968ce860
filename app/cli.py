"""The ``mobility`` command: serve, migrate, build regions and the demo city.

This is an edge of the system: it reads the environment and the command line, and hands
typed values to the app and the routing core.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click
import requests
from tqdm import tqdm

from app.open_data.cli import open_data
from app.settings import Settings, SettingsError, settings_from_env
from routing.errors import RoutingError
from routing.region.build import GtfsInput, OsmReader, RegionInputs, build_region, peak_memory_mib
from routing.region.manifest import Manifest
from routing.transit.clip import GtfsClip, parse_clip

if TYPE_CHECKING:
    from providers.registry import ProviderRegistry

BUILD_STAGES = (
    "reading GTFS",
    "compiling timetable",
    "reading OSM",
    "compiling street network",
    "indexing addresses, places and stops",
    "computing footpaths",
    "compiling zones",
    "writing region",
)
DOWNLOAD_TIMEOUT_SECONDS = 120


def _settings(*, warm_up: bool = True) -> Settings:
    """The settings from the environment; ``warm_up=False`` for one-off commands that plan nothing."""
    try:
        settings = settings_from_env(os.environ)
    except SettingsError as exc:
        raise click.ClickException(f"invalid setting {exc}") from exc
    return settings if warm_up else settings.model_copy(update={"warm_up": False})


def _compile_kernels(settings: Settings, region_path: Path) -> None:
    """Compile the routing kernels into the instance's cache with a warm-up on the region at ``region_path``."""
    from app.kernels import use_kernel_cache
    from routing.planner.planner import Planner
    from routing.planner.warmup import warm_up
    from routing.region.region import load_region

    folder = settings.resolved_kernel_cache_path
    use_kernel_cache(folder)
    report = warm_up(Planner(load_region(region_path)))
    click.echo(f"kernels     compiled into {folder} ({report.seconds:.1f} s, {report.plans} warm-up plans)")


def _today() -> date:
    return datetime.now(UTC).date()


@contextmanager
def _progress_bar(total: int) -> Iterator[tqdm]:
    bar = tqdm(total=total, unit="step", file=sys.stderr, bar_format="{desc:<28} {bar} {n_fmt}/{total_fmt} {elapsed}")
    try:
        yield bar
    finally:
        bar.close()


def _print_summary(manifest: Manifest, seconds: float) -> None:
    counts = manifest.counts
    click.echo(f"region      {manifest.name}{'  [SYNTHETIC DEMO DATA]' if manifest.synthetic else ''}")
    click.echo(f"valid       {manifest.valid_from} .. {manifest.valid_until} ({manifest.timezone})")
    click.echo(
        f"transit     {counts['stops']} stops, {counts['routes']} routes, {counts['trips']} trips, "
        f"{counts['stop_times']} stop times, {counts['patterns']} patterns"
    )
    edges = ", ".join(
        f"{k.removeprefix('street_edges_')} {v}" for k, v in counts.items() if k.startswith("street_edges_")
    )
    click.echo(f"streets     {counts['street_nodes']} nodes; edges: {edges}")
    footpaths = ", ".join(
        f"{k.removeprefix('footpaths_')} {v}" for k, v in counts.items() if k.startswith("footpaths_")
    )
    click.echo(f"footpaths   {footpaths}")
    click.echo(f"zones       {counts['zones']}")
    click.echo(f"time        {seconds:.1f} s, peak memory {peak_memory_mib():.0f} MiB")
    for warning in manifest.warnings[:20]:
        click.echo(f"warning     {warning}", err=True)


def _run_build(build: object, total: int) -> Manifest:
    started = time.perf_counter()
    with _progress_bar(total) as bar:

        def progress(stage: str) -> None:
            if stage.startswith("note: "):  # a line for the operator (what a clip kept), not a stage
                bar.write(stage.removeprefix("note: "), file=sys.stderr)
                return
            if bar.desc:
                bar.update(1)
            bar.set_description_str(stage)

        try:
            manifest: Manifest = build(progress)  # type: ignore[operator]
        except RoutingError as exc:
            raise click.ClickException(f"build failed, current region untouched: {exc}") from exc
        bar.update(total - bar.n)
        bar.set_description_str("done")
    _print_summary(manifest, time.perf_counter() - started)
    return manifest


@click.group()
def main() -> None:
    """kassel-mobility: trip planning, booking and pass-aware fares for Kassel."""


main.add_command(open_data)


def _demo_needs_building(region_path: Path) -> bool:
    """The default demo region is (re)built when missing or when its timetable has run out."""
    from routing.errors import RegionError

    if not region_path.exists():
        return True
    try:
        manifest = Manifest.load(region_path.resolve())
    except RegionError:
        return True
    return manifest.synthetic and (manifest.valid_until is None or manifest.valid_until < _today())


@main.command()
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

    settings = _settings()
    if settings.is_production:
        raise click.ClickException("'mobility serve' is for development; run gunicorn -w 2 wsgi:app in production")
    if settings.region_path is None and _demo_needs_building(settings.resolved_region_path):
        click.echo("building the synthetic demo city for today (a few seconds)")
        _run_build(
            lambda progress: build_demo_region(
                settings.instance_path / "demo-inputs",
                settings.resolved_region_path,
                first_day=_today(),
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

    feeds = generate_demo_inputs(settings.instance_path / "demo-inputs", first_day=_today()).gbfs
    running = start_sandbox(Fleet.from_folder(feeds))
    factories, broken = discover_factories()
    registry = build_registry(running.instances(), factories, os.environ, broken_adapters=broken)
    click.echo(f"sandbox operator (SYNTHETIC) on {running.url}/  providers: {', '.join(sorted(registry.providers))}")
    return registry


@main.group()
def db() -> None:
    """Database schema migrations."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Migrate the configured database to REVISION."""
    from sqlalchemy import create_engine

    from app.database import upgrade_database

    settings = _settings()
    engine = create_engine(settings.resolved_database_url)
    upgrade_database(engine, revision)
    click.echo(f"database at {revision}")


@db.command("current")
def db_current() -> None:
    """Print the configured database's revision and the code's head revision."""
    from sqlalchemy import create_engine

    from app.database import current_revision, head_revision

    engine = create_engine(_settings().resolved_database_url)
    click.echo(f"database {current_revision(engine)}; code head {head_revision()}")


@main.group()
def region() -> None:
    """Build and inspect regions."""


def _gtfs_inputs(values: tuple[str, ...], workdir: Path) -> list[GtfsInput]:
    inputs = []
    for number, value in enumerate(values, start=1):
        name, sep, location = value.partition("=")
        if not sep:
            name, location = "", value
        if location.startswith(("http://", "https://")):
            target = workdir / f"feed{number}.zip"
            click.echo(f"downloading {location}")
            try:
                with requests.get(location, timeout=DOWNLOAD_TIMEOUT_SECONDS, stream=True) as response:
                    response.raise_for_status()
                    with target.open("wb") as handle:
                        for chunk in response.iter_content(1 << 20):
                            handle.write(chunk)
            except requests.RequestException as exc:
                raise click.ClickException(f"cannot download GTFS {location}: {exc}") from exc
            path = target
        else:
            path = Path(location)
        if not name:
            name = path.name.removesuffix(".zip").replace(".", "_")[:32] or f"feed{number}"
        inputs.append(GtfsInput(name=name, path=path))
    return inputs


def _clip(value: str | None, gtfs: tuple[str, ...]) -> GtfsClip | None:
    if value is None:
        return None
    if not gtfs:
        raise click.UsageError("--clip cuts GTFS feeds; give at least one --gtfs")
    try:
        return parse_clip(value)
    except RoutingError as exc:
        raise click.BadParameter(str(exc), param_hint="--clip") from exc


@region.command("build")
@click.option(
    "--osm", "osm_file", type=click.Path(path_type=Path), help="OSM file: .osm, .osm.gz, .osm.bz2 or .osm.pbf."
)
@click.option(
    "--osm-reader",
    type=click.Choice(["stream", "osmnx"]),
    default="stream",
    show_default=True,
    help="How --osm is read: streamed by pyosmium into arrays (large extracts), or through an osmnx graph.",
)
@click.option("--place", help='Place name fetched from Overpass (online), e.g. "Kassel, Germany".')
@click.option("--bbox", type=(float, float, float, float), help="WEST SOUTH EAST NORTH fetched from Overpass (online).")
@click.option(
    "--gtfs",
    "gtfs",
    multiple=True,
    help="GTFS zip, folder or URL; NAME=... sets its id namespace. Without any: a street-only region.",
)
@click.option(
    "--clip",
    help="Keep only part of the GTFS: a GeoJSON polygon file, WEST,SOUTH,EAST,NORTH, or agency:ID[,ID...].",
)
@click.option(
    "--timezone",
    "timezone",
    help="IANA time zone, e.g. Europe/Berlin; needed without --gtfs (else taken from agency_timezone).",
)
@click.option(
    "--zones", "zones_file", type=click.Path(path_type=Path), help="Tariff areas and municipalities (GeoJSON)."
)
@click.option(
    "--fares",
    "fares_file",
    type=click.Path(path_type=Path),
    help="Tariff levels and pass products (JSON, see routing/fares/config.py); needs --zones.",
)
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Region path (a link switched atomically).")
@click.option("--name", help="Region name (default: the --out folder name).")
@click.option("--first-day", type=click.DateTime(["%Y-%m-%d"]), help="First service day (default: today).")
@click.option("--days", default=15, show_default=True, type=click.IntRange(1, 31), help="Days of timetable to compile.")
def region_build(
    osm_file: Path | None,
    osm_reader: OsmReader,
    place: str | None,
    bbox: tuple[float, float, float, float] | None,
    gtfs: tuple[str, ...],
    clip: str | None,
    timezone: str | None,
    zones_file: Path | None,
    fares_file: Path | None,
    out: Path,
    name: str | None,
    first_day: datetime | None,
    days: int,
) -> None:
    """Build a region from OSM and GTFS feed(s) (optional) and make it current at --out."""
    if sum(source is not None for source in (osm_file, place, bbox)) != 1:
        raise click.UsageError("give exactly one of --osm FILE, --place NAME or --bbox WEST SOUTH EAST NORTH")
    with tempfile.TemporaryDirectory(prefix="mobility-gtfs-") as tmp:
        inputs = RegionInputs(
            name=name or out.name,
            gtfs=_gtfs_inputs(gtfs, Path(tmp)),
            osm_file=osm_file,
            osm_place=place,
            osm_bbox=bbox,
            zones_file=zones_file,
            fares_file=fares_file,
            first_day=first_day.date() if first_day else _today(),
            days=days,
            timezone=timezone,
            osm_reader=osm_reader,
            clip=_clip(clip, gtfs),
        )
        stages = len(BUILD_STAGES) - (0 if zones_file else 1) - (0 if gtfs else 2) + (len(gtfs) if clip else 0)
        _run_build(lambda progress: build_region(inputs, out, progress=progress), stages)
    _compile_kernels(_settings(), out)
    click.echo(f"current region: {out} -> {out.resolve()}")


@region.command("info")
@click.argument("path", type=click.Path(path_type=Path))
def region_info(path: Path) -> None:
    """Print the manifest of the region at PATH."""
    from routing.errors import RegionError

    try:
        click.echo(Manifest.load(path.resolve()).to_json())
    except RegionError as exc:
        raise click.ClickException(str(exc)) from exc


@main.group()
def demo() -> None:
    """The synthetic demo city."""


@demo.command("build")
@click.option(
    "--inputs",
    type=click.Path(path_type=Path),
    help="Where to write the input files (default: <instance>/demo-inputs).",
)
@click.option("--out", type=click.Path(path_type=Path), help="Region path (default: the configured region path).")
@click.option(
    "--scale",
    default=1.0,
    show_default=True,
    type=click.FloatRange(0.1, 400),
    help="Size: 10 and 100 give larger cities.",
)
@click.option("--seed", default=2026, show_default=True)
@click.option(
    "--shape-nodes",
    default=0,
    show_default=True,
    type=click.IntRange(0, 1000),
    help="Street nodes inside every block (--scale 170 --shape-nodes 20: ~1 million routable nodes).",
)
@click.option("--first-day", type=click.DateTime(["%Y-%m-%d"]), help="First service day (default: today).")
def demo_build(
    inputs: Path | None, out: Path | None, scale: float, seed: int, shape_nodes: int, first_day: datetime | None
) -> None:
    """Generate the synthetic city's OSM, GTFS, GBFS and zone files and build its region."""
    from routing.demo.generate import build_demo_region

    settings = _settings()
    inputs_folder = inputs or settings.instance_path / "demo-inputs"
    region_path = out or settings.resolved_region_path
    _run_build(
        lambda progress: build_demo_region(
            inputs_folder,
            region_path,
            first_day=first_day.date() if first_day else _today(),
            scale=scale,
            seed=seed,
            shape_nodes=shape_nodes,
            progress=progress,
        ),
        len(BUILD_STAGES),
    )
    _compile_kernels(settings, region_path)
    click.echo(f"SYNTHETIC DEMO DATA: inputs in {inputs_folder}, region at {region_path}")


_OSRM_PYTHON = click.option(
    "--osrm-python",
    type=click.Path(path_type=Path, dir_okay=False),
    envvar="MOBILITY_OSRM_PYTHON",
    help="A CPython 3.12 with osrm-bindings: adds OSRM CH on the same OSM file (PEERS.md).",
)


@main.group()
def bench() -> None:
    """Benchmarks against peers, side by side in one run."""


@bench.command("street")
@click.option("--region", "region_path", type=click.Path(path_type=Path), required=True, help="Region to route on.")
@click.option("--pairs", default=300, show_default=True, type=click.IntRange(10, 100_000))
@click.option("--seed", default=42, show_default=True)
@click.option(
    "--osm", "osm_file", type=click.Path(path_type=Path), help="OSM file for the peers (default: the region's input)."
)
@click.option("--valhalla-url", help="A valhalla_service on the same OSM file, e.g. http://127.0.0.1:8002.")
@_OSRM_PYTHON
@click.option(
    "--osrm-cache", type=click.Path(path_type=Path), help="Where OSRM's prepared files stay (default: a temp folder)."
)
@click.option("--no-import", is_flag=True, help="Skip the import time and memory measurement.")
@click.option(
    "--import-osm", "import_file", type=click.Path(path_type=Path), help="Measure the import of this OSM file instead."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def bench_street(
    region_path: Path,
    pairs: int,
    seed: int,
    osm_file: Path | None,
    valhalla_url: str | None,
    osrm_python: Path | None,
    osrm_cache: Path | None,
    no_import: bool,
    import_file: Path | None,
    as_json: bool,
) -> None:
    """Street routing latency and route agreement versus networkx (and Valhalla, OSRM CH)."""
    import json

    from routing.bench.street import format_report, run_street_benchmark
    from routing.errors import RegionError
    from routing.region.region import load_region

    try:
        region = load_region(region_path)
    except RegionError as exc:
        raise click.ClickException(str(exc)) from exc
    report = run_street_benchmark(
        region,
        pairs=pairs,
        seed=seed,
        osm_file=osm_file,
        valhalla_url=valhalla_url,
        import_measurement=not no_import,
        import_file=import_file,
        osrm_python=osrm_python,
        osrm_cache=osrm_cache,
    )
    click.echo(json.dumps(report, indent=2) if as_json else format_report(report))


@bench.command("transit")
@click.option("--region", "region_path", type=click.Path(path_type=Path), required=True, help="Region to route on.")
@click.option("--pairs", default=300, show_default=True, type=click.IntRange(10, 100_000))
@click.option("--seed", default=42, show_default=True)
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="Service day (default: the region's first day).")
@click.option(
    "--build-feed",
    "build_feeds",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Also measure compiling this GTFS (15 days from --build-day), e.g. the largest feed.",
)
@click.option("--build-day", type=click.DateTime(["%Y-%m-%d"]), help="First day for --build-feed.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def bench_transit(
    region_path: Path,
    pairs: int,
    seed: int,
    day: datetime | None,
    build_feeds: tuple[Path, ...],
    build_day: datetime | None,
    as_json: bool,
) -> None:
    """Transit latency and answer agreement versus ferrobus on the same GTFS, OSM and day."""
    import json

    from routing.bench.transit import format_report, measure_feed_build, run_transit_benchmark
    from routing.errors import RegionError
    from routing.region.region import load_region

    try:
        region = load_region(region_path)
    except RegionError as exc:
        raise click.ClickException(str(exc)) from exc
    report = run_transit_benchmark(region, pairs=pairs, seed=seed, day=day.date() if day else None)
    if build_feeds:
        first = build_day.date() if build_day else (day.date() if day else _today())
        report["builds"] = {str(feed): measure_feed_build(feed, first) for feed in build_feeds}
    click.echo(json.dumps(report, indent=2) if as_json else format_report(report))


@bench.command("scale")
@click.option("--osm", "osm_file", type=click.Path(path_type=Path, dir_okay=False), help="OSM file to build from.")
@click.option("--gtfs", "gtfs", multiple=True, type=click.Path(path_type=Path), help="GTFS feed(s); none: street-only.")
@click.option("--timezone", help="IANA time zone of a street-only region.", default="Europe/Berlin", show_default=True)
@click.option("--demo-scale", type=click.FloatRange(0.1, 400), help="Or generate the synthetic city at this scale.")
@click.option("--shape-nodes", default=0, show_default=True, type=click.IntRange(0, 1000), help="With --demo-scale.")
@click.option("--first-day", type=click.DateTime(["%Y-%m-%d"]), help="First service day (default: today).")
@click.option("--days", default=15, show_default=True, type=click.IntRange(1, 31))
@click.option("--name", help="Row name (default: the OSM file's name).")
@click.option("--queries", default=100, show_default=True, type=click.IntRange(10, 100_000), help="/plan requests.")
@click.option("--seed", default=42, show_default=True)
@click.option("--workdir", type=click.Path(path_type=Path, file_okay=False), help="Inputs and regions (default: temp).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def bench_scale(
    osm_file: Path | None,
    gtfs: tuple[Path, ...],
    timezone: str,
    demo_scale: float | None,
    shape_nodes: int,
    first_day: datetime | None,
    days: int,
    name: str | None,
    queries: int,
    seed: int,
    workdir: Path | None,
    as_json: bool,
) -> None:
    """Time and peak memory of region build and worker start, /plan p95, bytes per node and per stop_time."""
    import json

    from routing.bench.scale import ScaleCase, format_report, generate_demo_case, run_scale_benchmark

    if (osm_file is None) == (demo_scale is None):
        raise click.UsageError("give one of --osm FILE or --demo-scale N")
    day = first_day.date() if first_day else _today()
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        folder = workdir or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        generated = None
        if demo_scale is not None:
            case, generated = generate_demo_case(
                folder / "demo-inputs", first_day=day, scale=demo_scale, shape_nodes=shape_nodes
            )
            if "error" in generated:
                raise click.ClickException(f"generating the demo inputs failed: {generated['error']}")
        else:
            assert osm_file is not None
            case = ScaleCase(
                name=name or osm_file.name,
                osm_file=osm_file,
                gtfs=list(gtfs),
                first_day=day,
                days=days,
                timezone=None if gtfs else timezone,
            )
        report = run_scale_benchmark(
            [case],
            folder,
            queries=queries,
            seed=seed,
            plan_command=[sys.executable, "-m", "app.loadtest.plan_latency"],
        )
    if generated is not None:
        report["demo_generator"] = generated
    click.echo(json.dumps(report, indent=2) if as_json else format_report(report))


@bench.command("geocode")
@click.option("--region", "region_path", type=click.Path(path_type=Path), help="Region whose geocoder to query.")
@click.option(
    "--osm", "osm_file", type=click.Path(path_type=Path), help="Or build a geocoder from this OSM file (and time it)."
)
@click.option("--queries", default=1000, show_default=True, type=click.IntRange(10, 100_000))
@click.option("--seed", default=23, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def bench_geocode(region_path: Path | None, osm_file: Path | None, queries: int, seed: int, as_json: bool) -> None:
    """Address and place search latency (p50/p95) and answer rate, beside a plain rapidfuzz scan."""
    import json

    from routing.bench.geocode import format_report, geocoder_from_osm, run_geocode_benchmark
    from routing.errors import InputDataError, RegionError
    from routing.region.region import load_region

    if (region_path is None) == (osm_file is None):
        raise click.UsageError("give one of --region or --osm")
    try:
        if region_path is not None:
            region = load_region(region_path)
            if region.geocode is None:
                raise click.ClickException(f"{region_path} has no geocoder; rebuild it with 'mobility region build'")
            report = run_geocode_benchmark(region.geocode, name=region.manifest.name, queries=queries, seed=seed)
        else:
            assert osm_file is not None
            arrays, seconds, memory = geocoder_from_osm(osm_file)
            report = run_geocode_benchmark(arrays, name=osm_file.name, queries=queries, seed=seed)
            report |= {"build_seconds": seconds, "peak_memory_mib": memory}
    except (RegionError, InputDataError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(report, indent=2) if as_json else format_report(report))


@bench.command("accessibility")
@click.option("--region", "region_path", type=click.Path(path_type=Path), required=True, help="Region directory.")
@click.option("--origins", default=10, show_default=True, type=click.IntRange(1), help="Homes sampled.")
@click.option("--minutes", default=10, show_default=True, type=click.IntRange(1, 120), help="Departure minutes.")
@click.option(
    "--districts", "districts_file", type=click.Path(path_type=Path, dir_okay=False), help="As for open-data."
)
@click.option("--osm", "osm_file", type=click.Path(path_type=Path, dir_okay=False), help="As for open-data.")
@click.option("--all-buildings/--residential-buildings", default=False, help="As for open-data.")
def bench_accessibility(
    region_path: Path,
    origins: int,
    minutes: int,
    districts_file: Path | None,
    osm_file: Path | None,
    all_buildings: bool,
) -> None:
    """Accessibility engine against a plain per-query loop (origins x departure minutes per second)."""
    from routing.accessibility.config import AccessibilityConfig
    from routing.accessibility.run import inputs_for_region
    from routing.bench.accessibility import format_report, run_accessibility_benchmark
    from routing.errors import RegionError
    from routing.region.region import load_region

    config = AccessibilityConfig(all_buildings=all_buildings)
    try:
        region = load_region(region_path)
        inputs = inputs_for_region(region, config, osm_file=osm_file, districts_file=districts_file)
    except (RegionError, RoutingError) as exc:
        raise click.ClickException(str(exc)) from exc
    report = run_accessibility_benchmark(region, inputs, config, origins=origins, minutes=minutes)
    click.echo(format_report(report))


@bench.command("plan")
@click.option("--region", "region_path", type=click.Path(path_type=Path), required=True, help="Region to serve.")
@click.option("--users", default=4, show_default=True, type=click.IntRange(1, 200), help="Concurrent locust users.")
@click.option("--seconds", default=30, show_default=True, type=click.IntRange(5, 3600))
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def bench_plan(region_path: Path, users: int, seconds: int, as_json: bool) -> None:
    """Load test of /plan: gunicorn -w 2 on loopback, locust users, plus an in-process profile."""
    import json

    from app.loadtest.run import format_report, run_load_test
    from routing.errors import RegionError
    from routing.region.region import load_region

    try:
        region = load_region(region_path)
    except RegionError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        report = run_load_test(
            region, users=users, seconds=seconds, kernel_cache=_settings(warm_up=False).resolved_kernel_cache_path
        )
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(report, indent=2) if as_json else format_report(report))


@bench.command("all")
@click.option("--region", "region_path", type=click.Path(path_type=Path), required=True, help="Region to measure.")
@click.option("--pairs", default=300, show_default=True, type=click.IntRange(10, 100_000))
@click.option("--users", default=4, show_default=True, type=click.IntRange(1, 200), help="Concurrent locust users.")
@click.option("--seconds", default=30, show_default=True, type=click.IntRange(5, 3600), help="Load test length.")
@click.option("--seed", default=42, show_default=True)
@_OSRM_PYTHON
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of the table.")
def bench_all(
    region_path: Path, pairs: int, users: int, seconds: int, seed: int, osrm_python: Path | None, as_json: bool
) -> None:
    """Every row of the speed table in one run: cold start, transit vs ferrobus, /plan load, street vs networkx."""
    import json

    from app.loadtest.bench_all import format_table, run_all
    from routing.errors import RegionError
    from routing.region.region import load_region

    try:
        region = load_region(region_path)
    except RegionError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        report = run_all(
            region,
            pairs=pairs,
            users=users,
            seconds=seconds,
            seed=seed,
            osrm_python=osrm_python,
            progress=lambda text: click.echo(text, err=True),
        )
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(report, indent=2, default=str) if as_json else format_table(report))


@main.command()
@click.option(
    "--older-than",
    "older_than_s",
    default=120,
    show_default=True,
    type=click.IntRange(0),
    help="Only bookings untouched for this many seconds (others may still be running).",
)
@click.option(
    "--every",
    "every_s",
    default=0,
    type=click.IntRange(0),
    help="Repeat every this many seconds (0: once); for a sidecar process or a timer.",
)
def reconcile(older_than_s: int, every_s: int) -> None:
    """Finish or compensate bookings left in flight by a crash or a provider timeout."""
    from datetime import timedelta

    from app import create_app
    from app.booking.saga import BookingSaga
    from app.extensions import db, orm_session
    from app.leadership import leadership_for
    from providers.registry import registry_from_file

    settings = _settings(warm_up=False)
    providers = registry_from_file(settings.provider_config, os.environ) if settings.provider_config else None
    app = create_app(settings, providers=providers)
    with app.app_context():
        leader = leadership_for(
            "reconciler",
            engine=db.engine,
            redis_url=settings.redis_url,
            redis_prefix=settings.redis_prefix,
            instance_path=settings.instance_path,
            lease_s=max(60.0, 3.0 * every_s),
        )
    while True:
        if not leader.try_lead():
            click.echo("another reconciler leads; not reconciling this round")
            if not every_s:
                return
            time.sleep(every_s)
            continue
        with app.app_context():
            saga = BookingSaga(
                orm_session(),
                app.extensions["mobility.providers"],
                app.extensions["mobility.payments"],
                app.config["SECRET_KEY"],
            )
            handled = saga.reconcile(older_than=timedelta(seconds=older_than_s))
            click.echo(f"reconciled {len(handled)} booking(s){': ' + ', '.join(handled) if handled else ''}")
        if not every_s:
            leader.release()
            return
        time.sleep(every_s)


@main.group()
def users() -> None:
    """Accounts (staff, operators, administrators)."""


@users.command("create")
@click.argument("email")
@click.option("--name", "display_name", required=True)
@click.option(
    "--role", type=click.Choice(["resident", "city_staff", "operator", "admin"]), default="resident", show_default=True
)
@click.option("--provider", default=None, help="For operator accounts: the provider instance whose bookings they read.")
@click.password_option(help="Prompted when not given.")
def users_create(email: str, display_name: str, role: str, provider: str | None, password: str) -> None:
    """Create an account with any role (registration through the API only makes residents)."""
    from app import create_app
    from app.accounts.passwords import MIN_PASSWORD_LENGTH, hash_password
    from app.extensions import db as database
    from app.models import User

    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.ClickException(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    if role == "operator" and not provider:
        raise click.ClickException("an operator account needs --provider")
    app = create_app(_settings(warm_up=False))
    with app.app_context():
        from sqlalchemy.exc import IntegrityError

        database.session.add(
            User(
                email=email.lower(),
                display_name=display_name,
                password_hash=hash_password(password),
                role=role,
                provider=provider,
            )
        )
        try:
            database.session.commit()
        except IntegrityError as exc:
            raise click.ClickException(f"an account with {email} exists") from exc
    click.echo(f"created {role} {email.lower()}")


@main.group()
def ticket() -> None:
    """Digital tickets: the public key, and offline verification for inspectors."""


@ticket.command("public-key")
def ticket_public_key() -> None:
    """Print the public key (PEM) that verifies tickets offline."""
    from app.tickets.signing import load_or_create_key, public_pem

    settings = _settings()
    try:
        key = load_or_create_key(settings.resolved_ticket_signing_key, create=not settings.is_production)
    except (OSError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(public_pem(key), nl=False)


@ticket.command("verify")
@click.argument("token")
@click.option(
    "--public-key",
    "public_key_file",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="Key file: PEM from 'mobility ticket public-key' or GET /api/v1/tickets/public-key.pem, "
    "or the JSON (PEM or JWK) of GET /api/v1/tickets/public-key.",
)
@click.option(
    "--revoked",
    "revoked_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Signed JSON from GET /api/v1/tickets/revoked (tickets that no longer count); its signature is checked.",
)
@click.option("--on", "on_day", type=click.DateTime(["%Y-%m-%d"]), help="Check validity on this day (default: today).")
def ticket_verify(token: str, public_key_file: Path, revoked_file: Path | None, on_day: datetime | None) -> None:
    """Verify a ticket (the text of its QR code) offline: signature, revocation and validity."""
    import json as json_module

    from app.tickets.revocation import RevocationListInvalid, verify_revocation_list
    from app.tickets.signing import TicketInvalid, load_public_key, verify_ticket

    try:
        public_key = load_public_key(public_key_file.read_bytes())
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"cannot read the public key {public_key_file}: {exc}") from exc
    revoked: frozenset[str] = frozenset()
    if revoked_file is not None:
        try:
            revoked = verify_revocation_list(json_module.loads(revoked_file.read_text("utf-8")), public_key)
        except (OSError, ValueError, RevocationListInvalid) as exc:
            raise click.ClickException(f"cannot use the revocation list {revoked_file}: {exc}") from exc
    day = on_day.date() if on_day else _today()
    try:
        claims = verify_ticket(token, public_key, revoked=revoked, on=day)
    except TicketInvalid as exc:
        click.echo(f"INVALID: {exc}")
        sys.exit(1)
    click.echo(
        f"VALID {claims.product} for {claims.holder}, {claims.valid_from} to {claims.valid_until} "
        f"(ticket {claims.ticket_id})"
    )


@ticket.command("inspect")
@click.argument("token")
@click.option(
    "--public-key",
    "public_key_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also check the signature with this key (PEM, JWK or the JSON of GET /api/v1/tickets/public-key).",
)
@click.option(
    "--language",
    type=click.Choice(["de", "en"]),
    default="de",
    show_default=True,
    help="Language of the texts (the token carries both).",
)
def ticket_inspect(token: str, public_key_file: Path | None, language: str) -> None:
    """Show what a ticket says, offline: holder, product, validity, area and companions."""
    from app.i18n import text
    from app.tickets.signing import TicketInvalid, load_public_key, read_claims, verify_ticket
    from app.tickets.view import view_from_claims

    try:
        claims = read_claims(token)
    except TicketInvalid as exc:
        click.echo(text("ticket.unreadable", language, reason=exc.reason.in_(language)))
        sys.exit(1)
    for line in view_from_claims(claims).lines(language):
        click.echo(line)
    if public_key_file is None:
        click.echo(text("ticket.signature_unchecked", language))
        return
    try:
        public_key = load_public_key(public_key_file.read_bytes())
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"cannot read the public key {public_key_file}: {exc}") from exc
    try:
        verify_ticket(token, public_key)
    except TicketInvalid as exc:
        click.echo(text("ticket.signature_invalid", language, reason=exc.reason.in_(language)))
        sys.exit(1)
    click.echo(text("ticket.signature_genuine", language))


@main.command("sandbox-operator")
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

    settings = _settings()
    if fleet_path is None:
        fleet_path = generate_demo_inputs(settings.instance_path / "demo-inputs", first_day=_today()).gbfs
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


@main.command("provider-check")
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

    path = config_path or _settings().provider_config
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


@open_data.command("accessibility")
@click.option("--region", "region_path", type=click.Path(path_type=Path), required=True, help="Region directory.")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Output directory (accessibility/ in it).")
@click.option(
    "--districts",
    "districts_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Districts (GeoJSON polygons with id, name, optional population); default: OSM admin boundaries.",
)
@click.option(
    "--destinations",
    "destinations_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Extra destinations (GeoJSON points with a category property), added to OSM's.",
)
@click.option(
    "--osm",
    "osm_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="OSM file with homes, places and boundaries (default: the file the region was built from).",
)
@click.option("--admin-level", default=10, show_default=True, type=click.IntRange(1, 12), help="OSM district level.")
@click.option(
    "--boundary",
    default="administrative",
    show_default=True,
    help="OSM boundary=* whose areas are districts (e.g. postal_code; --admin-level applies to administrative).",
)
@click.option(
    "--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="Week of the windows (default: first valid day)."
)
@click.option("--max-origins", type=click.IntRange(1), help="Keep about N homes, evenly in each district.")
@click.option("--threshold", default=15.0, show_default=True, type=click.FloatRange(0), help="Minutes for the share.")
@click.option(
    "--all-buildings/--residential-buildings",
    default=False,
    help="Count every building=yes as a home (default: only inside landuse=residential).",
)
@click.option(
    "--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="Processes sharing the homes."
)
def open_data_accessibility(
    region_path: Path,
    out: Path,
    districts_file: Path | None,
    destinations_file: Path | None,
    osm_file: Path | None,
    admin_level: int,
    boundary: str,
    day: datetime | None,
    max_origins: int | None,
    threshold: float,
    all_buildings: bool,
    workers: int,
) -> None:
    """Travel times from every home to doctors, pharmacies, supermarkets, ... aggregated per district."""
    from routing.accessibility.config import AccessibilityConfig
    from routing.accessibility.engine import AccessibilityEngine
    from routing.accessibility.run import compute_accessibility, inputs_for_region, write_accessibility
    from routing.errors import RegionError
    from routing.region.region import load_region

    config = AccessibilityConfig(
        admin_level=admin_level,
        boundary=boundary,
        day=day.date() if day else None,
        max_origins=max_origins,
        threshold_min=threshold,
        all_buildings=all_buildings,
    )
    try:
        region = load_region(region_path)
        inputs = inputs_for_region(
            region, config, osm_file=osm_file, districts_file=districts_file, destinations_file=destinations_file
        )
        engine = AccessibilityEngine(region, inputs.destinations, config)
    except (RegionError, RoutingError) as exc:
        raise click.ClickException(str(exc)) from exc
    for note in inputs.notes:
        click.echo(f"note        {note}", err=True)
    click.echo(
        f"places      {len(inputs.districts)} districts, {len(inputs.origins)} homes, "
        f"{len(inputs.destinations)} destinations"
    )
    try:
        with tqdm(total=len(inputs.origins), unit="home", file=sys.stderr, desc="accessibility") as bar:
            result = compute_accessibility(region, inputs, config, progress=bar.update, engine=engine, workers=workers)
    except RoutingError as exc:
        raise click.ClickException(str(exc)) from exc
    for path in write_accessibility(result, region, out):
        click.echo(f"wrote       {path}")
    rate = result.origin_minutes / result.seconds if result.seconds else 0.0
    click.echo(f"time        {result.seconds:.1f} s, {rate:,.0f} origin x departure minutes per second")
