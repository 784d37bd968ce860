"""Region fixtures: the demo city built once per session, and the shared real data."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from routing.demo.generate import DemoInputs, build_demo_region, generate_demo_inputs
from routing.region.build import GtfsInput, RegionInputs, build_region
from routing.region.region import Region, load_region

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

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


@pytest.fixture(scope="session")
def demo_region_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo city's region, built once per test session through ``build_region``."""
    base = tmp_path_factory.mktemp("demo")
    build_demo_region(base / "inputs", base / "region", first_day=DEMO_FIRST_DAY)
    return base / "region"


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


@pytest.fixture(scope="session")
def porto_alegre(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Region:
    """The Porto Alegre region (EPTC bus + Trensurb metro + OSM), built once per session."""
    out = tmp_path_factory.mktemp("poa") / "region"
    data = shared_data / "porto-alegre"
    build_region(
        RegionInputs(
            name="poa",
            gtfs=[GtfsInput("eptc", data / "poa_eptc.zip"), GtfsInput("trensurb", data / "poa_trensurb.zip")],
            osm_file=data / "poa_osm.pbf",
            first_day=date(2019, 5, 6),
            days=3,
        ),
        out,
    )
    return load_region(out)


@pytest.fixture(scope="session")
def heidelberg(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Region:
    """The Heidelberg region (VRN GTFS cut + OSM), built once per session."""
    out = tmp_path_factory.mktemp("heidelberg") / "region"
    data = shared_data / "heidelberg"
    build_region(
        RegionInputs(
            name="heidelberg",
            gtfs=[GtfsInput("vrn", data / "vrn_gtfs_cut.zip")],
            osm_file=data / "heidelberg.test.pbf",
            first_day=date(2022, 7, 4),
            days=3,
        ),
        out,
    )
    return load_region(out)


@pytest.fixture(scope="session")
def herrenberg(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Herrenberg region's directory (VVS city buses + OSM of the centre), built once per session.

    Its real GBFS snapshots (car sharing, cargo bikes) lie in ``shared_data / "herrenberg" / "gbfs"``.
    """
    out = tmp_path_factory.mktemp("herrenberg") / "region"
    data = shared_data / "herrenberg"
    build_region(
        RegionInputs(
            name="herrenberg",
            gtfs=[GtfsInput("vvs", data / "gtfs")],
            osm_file=data / "herrenberg-minimal.osm.pbf",
            first_day=date(2021, 7, 5),
            days=3,
        ),
        out,
    )
    return out
