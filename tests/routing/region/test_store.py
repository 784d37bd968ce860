"""Regions are switched atomically; a failed build never touches the current one."""

from __future__ import annotations

from pathlib import Path

import pytest

from routing.demo.generate import DemoInputs
from routing.errors import InputDataError, RegionBuildError, RegionError
from routing.region.build import GtfsInput, RegionInputs, build_region
from routing.region.manifest import Manifest
from routing.region.region import load_region
from routing.region.store import builds_directory, new_build_directory
from tests.conftest_d.regions import DEMO_FIRST_DAY


def demo_build_inputs(demo: DemoInputs, **overrides: object) -> RegionInputs:
    values: dict[str, object] = {
        "name": "test",
        "gtfs": [GtfsInput("demo", demo.gtfs)],
        "osm_file": demo.osm,
        "zones_file": demo.zones,
        "first_day": DEMO_FIRST_DAY,
        "days": 3,
    }
    values.update(overrides)
    return RegionInputs(**values)  # type: ignore[arg-type]


def test_build_switches_the_link(demo_inputs: DemoInputs, tmp_path: Path) -> None:
    out = tmp_path / "regions" / "city"
    first = build_region(demo_build_inputs(demo_inputs), out)
    first_target = out.resolve()
    second = build_region(demo_build_inputs(demo_inputs, days=5), out)
    assert out.is_symlink()
    assert out.resolve() != first_target
    assert first_target.exists(), "the previous build stays for workers still mapping it"
    assert load_region(out).manifest.valid_until == second.valid_until != first.valid_until


def test_failed_build_leaves_current_region(demo_inputs: DemoInputs, tmp_path: Path) -> None:
    out = tmp_path / "city"
    build_region(demo_build_inputs(demo_inputs), out)
    before = out.resolve()
    broken = tmp_path / "broken.osm"
    broken.write_text("<osm><way", encoding="utf-8")
    with pytest.raises(InputDataError):
        build_region(demo_build_inputs(demo_inputs, osm_file=broken), out)
    assert out.resolve() == before
    assert not [p for p in builds_directory(out).iterdir() if p.name.endswith(".partial")]
    assert load_region(out).manifest.name == "test"


def test_interrupted_write_leaves_no_partial_build(tmp_path: Path) -> None:
    out = tmp_path / "city"
    with pytest.raises(KeyboardInterrupt), new_build_directory(out) as directory:
        (directory / "half.npy").write_bytes(b"x")
        raise KeyboardInterrupt
    assert not out.exists()
    assert list(builds_directory(out).iterdir()) == []


def test_old_builds_are_pruned(demo_inputs: DemoInputs, tmp_path: Path) -> None:
    out = tmp_path / "city"
    for _ in range(5):
        build_region(demo_build_inputs(demo_inputs), out)
    assert len(list(builds_directory(out).iterdir())) == 3


def test_refuses_to_replace_a_real_directory(demo_inputs: DemoInputs, tmp_path: Path) -> None:
    out = tmp_path / "data"
    out.mkdir()
    (out / "precious.txt").write_text("keep", encoding="utf-8")
    with pytest.raises(RegionBuildError, match="not a region link"):
        build_region(demo_build_inputs(demo_inputs), out)
    assert (out / "precious.txt").read_text(encoding="utf-8") == "keep"


def test_loading_a_non_region_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RegionError, match="mobility region build"):
        load_region(tmp_path)
    (tmp_path / "manifest.json").write_text('{"format_version": 99}', encoding="utf-8")
    with pytest.raises(RegionError, match="rebuild"):
        Manifest.load(tmp_path)
    (tmp_path / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(RegionError, match="malformed"):
        Manifest.load(tmp_path)


def test_inputs_are_checked_before_building(demo_inputs: DemoInputs, tmp_path: Path) -> None:
    with pytest.raises(InputDataError, match="without GTFS needs --timezone"):  # a street-only region
        build_region(demo_build_inputs(demo_inputs, gtfs=[]), tmp_path / "x")
    with pytest.raises(InputDataError, match="repeat"):
        build_region(demo_build_inputs(demo_inputs, gtfs=[GtfsInput("a", demo_inputs.gtfs)] * 2), tmp_path / "x")
    with pytest.raises(InputDataError, match="not several"):
        build_region(demo_build_inputs(demo_inputs, osm_place="Kassel"), tmp_path / "x")
    assert not (tmp_path / "x").exists()


@pytest.mark.realdata
def test_real_region_heidelberg_like_size(shared_data: Path, tmp_path: Path) -> None:
    manifest = build_region(
        RegionInputs(
            name="herrenberg",
            gtfs=[GtfsInput("vvs", shared_data / "herrenberg" / "gtfs")],
            osm_file=shared_data / "herrenberg" / "herrenberg-minimal.osm.pbf",
            first_day=__import__("datetime").date(2021, 7, 5),
            days=7,
        ),
        tmp_path / "herrenberg",
    )
    assert manifest.counts["trips"] > 100
    assert manifest.counts["street_nodes"] > 1000
    region = load_region(tmp_path / "herrenberg")
    assert region.timetable.stop_id[0].startswith("vvs:")
