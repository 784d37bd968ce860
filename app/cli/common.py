"""What the commands share: settings from the environment, kernel compiles, region build progress and summary."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import click
from tqdm import tqdm

from app.settings import Settings, SettingsError, settings_from_env
from routing.errors import RoutingError
from routing.region.build import peak_memory_mib
from routing.region.manifest import Manifest

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


def cli_settings(*, warm_up: bool = True) -> Settings:
    """The settings from the environment; ``warm_up=False`` for one-off commands that plan nothing."""
    try:
        settings = settings_from_env(os.environ)
    except SettingsError as exc:
        raise click.ClickException(f"invalid setting {exc}") from exc
    return settings if warm_up else settings.model_copy(update={"warm_up": False})


def compile_kernels(settings: Settings, region_path: Path) -> None:
    """Compile the routing kernels into the instance's cache with a warm-up on the region at ``region_path``."""
    from app.kernels import use_kernel_cache
    from routing.planner.planner import Planner
    from routing.planner.warmup import warm_up
    from routing.region.region import load_region

    folder = settings.resolved_kernel_cache_path
    use_kernel_cache(folder)
    report = warm_up(Planner(load_region(region_path)))
    click.echo(f"kernels     compiled into {folder} ({report.seconds:.1f} s, {report.plans} warm-up plans)")


def today() -> date:
    """Today's date in UTC: the default first service day of a build."""
    return datetime.now(UTC).date()


@contextmanager
def _progress_bar(total: int) -> Iterator[tqdm]:
    """A progress bar on stderr for a build of ``total`` stages."""
    bar = tqdm(total=total, unit="step", file=sys.stderr, bar_format="{desc:<28} {bar} {n_fmt}/{total_fmt} {elapsed}")
    try:
        yield bar
    finally:
        bar.close()


def print_summary(manifest: Manifest, seconds: float) -> None:
    """What a build made: counts, validity, time and peak memory, and its first warnings."""
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


def run_build(build: Callable[[Callable[[str], None]], Manifest], total: int) -> Manifest:
    """Run ``build(progress)`` with a progress bar of ``total`` stages, then print its summary.

    Raises
    ------
    click.ClickException
        When the build fails; the current region is left as it was.
    """
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
            manifest = build(progress)
        except RoutingError as exc:
            raise click.ClickException(f"build failed, current region untouched: {exc}") from exc
        bar.update(total - bar.n)
        bar.set_description_str("done")
    print_summary(manifest, time.perf_counter() - started)
    return manifest
