"""``mobility open-data``: publish the Open Data Rathaus files."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

__all__ = ["open_data"]


@click.group("open-data")
def open_data() -> None:
    """Open Data Rathaus: anonymised usage statistics and accessibility per district."""


@open_data.command("export")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Export folder.")
@click.option(
    "--districts",
    "districts_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Districts GeoJSON (default: OUT/accessibility/districts.geojson of the accessibility run).",
)
@click.option(
    "--accessibility",
    "accessibility_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="An accessibility run's output folder to publish alongside (default: OUT/accessibility as it is).",
)
@click.option(
    "--region",
    "region_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="A built region: its streets become the map page's base layer (map/streets.geojson).",
)
@click.option(
    "--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Publish months before this day."
)
@click.option("--k", "k", type=click.IntRange(2, 1000), default=None, help="Default: MOBILITY_OPEN_DATA_K (10).")
@click.option(
    "--epsilon", type=click.FloatRange(min=0, min_open=True), default=None, help="Default: MOBILITY_OPEN_DATA_EPSILON."
)
@click.option("--timezone", "timezone", default="Europe/Berlin", show_default=True, help="Months and hours are local.")
@click.option("--base-url", default="/api/v1/open-data", show_default=True, help="Where OUT is served.")
def export(
    out: Path,
    districts_path: Path | None,
    accessibility_dir: Path | None,
    region_dir: Path | None,
    as_of: datetime | None,
    k: int | None,
    epsilon: float | None,
    timezone: str,
    base_url: str,
) -> None:
    """Write CSV, GeoJSON, Parquet and DCAT-AP.de metadata of every closed month to OUT."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from app.open_data.errors import OpenDataError
    from app.open_data.export import ExportSettings, copy_accessibility
    from app.open_data.pipeline import export_open_data, find_districts
    from app.open_data.streets import streets_geojson
    from app.open_data.usage import local_today
    from app.settings import SettingsError, settings_from_env

    try:
        settings = settings_from_env(os.environ)
    except SettingsError as exc:
        raise click.ClickException(f"invalid setting {exc}") from exc
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise click.BadParameter(f"unknown time zone {timezone!r}", param_hint="--timezone") from exc
    try:
        if accessibility_dir is not None:
            copy_accessibility(accessibility_dir, out)
        districts = find_districts(out, districts_path)
        streets = None
        if region_dir is not None:
            from routing.errors import RoutingError
            from routing.street.compile import load_street_network

            try:
                streets = streets_geojson(load_street_network(region_dir.resolve()))
            except (RoutingError, KeyError, OSError, ValueError) as exc:
                raise click.BadParameter(
                    f"{region_dir}: no usable street network ({exc})", param_hint="--region"
                ) from exc
        engine = create_engine(settings.resolved_database_url)
        with Session(engine) as session:
            summary = export_open_data(
                session,
                out,
                districts=districts,
                zone=zone,
                as_of=as_of.date() if as_of else local_today(zone),
                k=k or settings.open_data_k,
                epsilon=epsilon if epsilon is not None else settings.open_data_epsilon,
                settings=ExportSettings(publisher=settings.open_data_publisher, base_url=base_url),
                streets=streets,
            )
        engine.dispose()
    except OpenDataError as exc:
        raise click.ClickException(str(exc)) from exc
    stats = summary.statistics
    months = f"{stats.months[0]} .. {stats.months[-1]}" if stats.months else "none yet"
    click.echo(
        f"open data: {len(summary.districts.districts)} districts, months {months} "
        f"({len(stats.frozen_months)} kept as published), k={stats.k}, "
        f"noise {'epsilon ' + str(stats.noise.epsilon) if stats.noise else 'off'}; {len(summary.files)} files in {out}"
    )
