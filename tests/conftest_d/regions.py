"""Region fixtures: the demo city built once per session, and the shared real data."""

from __future__ import annotations

import fcntl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest

from routing.demo.generate import DemoInputs, build_demo_region, generate_demo_inputs
from routing.region.build import GtfsInput, RegionInputs, build_region
from routing.region.region import Region, load_region
from tests.paths import SHARED_DATA

__all__ = [
    "DEMO_FIRST_DAY",
    "demo_inputs",
    "demo_region",
    "demo_region_path",
    "heidelberg",
    "herrenberg",
    "porto_alegre",
    "shared_data",
]

DEMO_FIRST_DAY = date(2026, 11, 23)
"""A Monday; the demo's holiday is then Wednesday 2026-11-25."""


def _shared_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder all xdist workers of this run share (the parent of each worker's base temp)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if base.name.startswith("popen-gw") else base


@contextmanager
def _exclusive(lock_file: Path) -> Iterator[None]:
    with lock_file.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def built_once(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], Path]) -> Path:
    """The region ``build`` writes under a run-wide folder, built by the first worker that needs it.

    The other workers wait on a lock and reuse it; a region counts as built once its
    ``manifest.json`` exists (``build_region`` writes it last), so a failed build is retried.
    """
    folder = _shared_root(tmp_path_factory) / f"region-{name}"
    folder.mkdir(parents=True, exist_ok=True)
    with _exclusive(folder / ".lock"):
        marker = folder / "built"
        if marker.is_file():
            return Path(marker.read_text())
        region = build(folder)
        if not (region / "manifest.json").is_file():
            raise AssertionError(f"building {name} wrote no manifest in {region}")
        marker.write_text(str(region))
        return region


@pytest.fixture(scope="session")
def demo_region_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo city's region, built once per test run (all workers) through ``build_region``."""

    def build(base: Path) -> Path:
        build_demo_region(base / "inputs", base / "region", first_day=DEMO_FIRST_DAY)
        return base / "region"

    return built_once(tmp_path_factory, "demo", build)


@pytest.fixture(scope="session")
def demo_region(demo_region_path: Path) -> Region:
    """The loaded demo region."""
    return load_region(demo_region_path)


@pytest.fixture
def demo_inputs(tmp_path: Path) -> DemoInputs:
    """Freshly generated demo input files in a per-test folder."""
    return generate_demo_inputs(tmp_path / "inputs", first_day=DEMO_FIRST_DAY)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data``; tests using it skip cleanly when it is absent."""
    if not (SHARED_DATA / "MANIFEST.md").is_file():
        pytest.skip(f"real test data not found at {SHARED_DATA}")
    return SHARED_DATA


def _real_region(
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    gtfs: list[GtfsInput],
    osm_file: Path,
    first_day: date,
) -> Path:
    def build(base: Path) -> Path:
        build_region(
            RegionInputs(name=name, gtfs=gtfs, osm_file=osm_file, first_day=first_day, days=3), base / "region"
        )
        return base / "region"

    return built_once(tmp_path_factory, name, build)


@pytest.fixture(scope="session")
def porto_alegre(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Region:
    """The Porto Alegre region (EPTC bus + Trensurb metro + OSM), built once per test run."""
    data = shared_data / "porto-alegre"
    gtfs = [GtfsInput("eptc", data / "poa_eptc.zip"), GtfsInput("trensurb", data / "poa_trensurb.zip")]
    return load_region(_real_region(tmp_path_factory, "poa", gtfs, data / "poa_osm.pbf", date(2019, 5, 6)))


@pytest.fixture(scope="session")
def heidelberg(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Region:
    """The Heidelberg region (VRN GTFS cut + OSM), built once per test run."""
    data = shared_data / "heidelberg"
    gtfs = [GtfsInput("vrn", data / "vrn_gtfs_cut.zip")]
    return load_region(
        _real_region(tmp_path_factory, "heidelberg", gtfs, data / "heidelberg.test.pbf", date(2022, 7, 4))
    )


@pytest.fixture(scope="session")
def herrenberg(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Herrenberg region's directory (VVS city buses + OSM of the centre), built once per test run.

    Its real GBFS snapshots (car sharing, cargo bikes) lie in ``shared_data / "herrenberg" / "gbfs"``.
    """
    data = shared_data / "herrenberg"
    gtfs = [GtfsInput("vvs", data / "gtfs")]
    return _real_region(tmp_path_factory, "herrenberg", gtfs, data / "herrenberg-minimal.osm.pbf", date(2021, 7, 5))
