"""``mobility demo``: the synthetic demo city."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from app.cli.common import BUILD_STAGES, cli_settings, compile_kernels, run_build, today


@click.group()
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

    settings = cli_settings()
    inputs_folder = inputs or settings.instance_path / "demo-inputs"
    region_path = out or settings.resolved_region_path
    run_build(
        lambda progress: build_demo_region(
            inputs_folder,
            region_path,
            first_day=first_day.date() if first_day else today(),
            scale=scale,
            seed=seed,
            shape_nodes=shape_nodes,
            progress=progress,
        ),
        len(BUILD_STAGES),
    )
    compile_kernels(settings, region_path)
    click.echo(f"SYNTHETIC DEMO DATA: inputs in {inputs_folder}, region at {region_path}")
