"""``mobility bench``: the benchmarks, each side by side with its peer in the same run (docs/benchmarks.md)."""

from __future__ import annotations

import sys
import tempfile
from datetime import datetime
from pathlib import Path

import click

from app.cli.common import cli_settings, today
from routing.errors import RoutingError

_OSRM_PYTHON = click.option(
    "--osrm-python",
    type=click.Path(path_type=Path, dir_okay=False),
    envvar="MOBILITY_OSRM_PYTHON",
    help="A CPython 3.12 with osrm-bindings: adds OSRM CH on the same OSM file (PEERS.md).",
)


@click.group()
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
        first = build_day.date() if build_day else (day.date() if day else today())
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
    day = first_day.date() if first_day else today()
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
            region, users=users, seconds=seconds, kernel_cache=cli_settings(warm_up=False).resolved_kernel_cache_path
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
