"""``mobility region``: build a region from OSM and GTFS inputs (files, URLs or Overpass), and show one."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

import click
import requests

from app.cli.common import BUILD_STAGES, cli_settings, compile_kernels, run_build, today
from routing.errors import RoutingError
from routing.region.build import GtfsInput, OsmReader, RegionInputs, build_region
from routing.region.manifest import Manifest
from routing.transit.clip import GtfsClip, parse_clip

DOWNLOAD_TIMEOUT_SECONDS = 120


@click.group()
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
            first_day=first_day.date() if first_day else today(),
            days=days,
            timezone=timezone,
            osm_reader=osm_reader,
            clip=_clip(clip, gtfs),
        )
        stages = len(BUILD_STAGES) - (0 if zones_file else 1) - (0 if gtfs else 2) + (len(gtfs) if clip else 0)
        run_build(lambda progress: build_region(inputs, out, progress=progress), stages)
    compile_kernels(cli_settings(), out)
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
