"""The build's phases run streets first, then GTFS, under the allocator settings that return freed memory."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from routing.demo.generate import DemoInputs
from routing.errors import InputDataError
from routing.region import build as build_module
from routing.region.build import build_region
from tests.routing.region.test_store import demo_build_inputs


def test_streets_are_compiled_before_the_gtfs_is_read(demo_inputs: DemoInputs, tmp_path: Path) -> None:
    stages: list[str] = []
    build_region(demo_build_inputs(demo_inputs), tmp_path / "city", progress=stages.append)
    order = [stage for stage in stages if not stage.startswith(("note: ", "warning: "))]
    assert order.index("compiling street network") < order.index("reading GTFS") < order.index("compiling timetable")
    assert order.index("compiling timetable") < order.index("indexing addresses, places and stops")


def test_the_gtfs_phase_allocates_arrow_memory_from_the_system(
    demo_inputs: DemoInputs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    compile_transit = build_module._compile_transit

    def spy(*args: object, **kwargs: object) -> object:
        seen.append(pa.default_memory_pool().backend_name)
        return compile_transit(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(build_module, "_compile_transit", spy)
    before = pa.default_memory_pool().backend_name
    build_region(demo_build_inputs(demo_inputs), tmp_path / "city")
    assert seen == ["system"]
    assert pa.default_memory_pool().backend_name == before


def test_a_bad_feed_still_fails_the_build_and_keeps_no_build_directory(demo_inputs: DemoInputs, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    for path in demo_inputs.gtfs.iterdir():
        if path.name != "stops.txt":
            (broken / path.name).write_bytes(path.read_bytes())
    out = tmp_path / "city"
    with pytest.raises(InputDataError, match=r"stops\.txt is missing"):
        build_region(demo_build_inputs(demo_inputs, gtfs=[build_module.GtfsInput("demo", broken)]), out)
    assert not out.exists()
    builds = out.parent / f"{out.name}.builds"
    assert not builds.exists() or not any(builds.iterdir())
