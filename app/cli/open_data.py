"""``mobility open-data accessibility``: the district accessibility figures."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click
from tqdm import tqdm

from app.open_data.cli import open_data as open_data
from routing.errors import RoutingError


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
