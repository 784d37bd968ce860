"""``mobility bench scale`` on the tiny demo: every number of the report is there and they agree."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from app.kernels import kernel_cache_folder
from routing.bench.scale import MIB, ScaleCase, format_report, plan_requests, run_scale_benchmark
from routing.demo.generate import DemoInputs
from routing.planner.request import Mode
from routing.region.build import RegionInputs, build_region
from routing.region.region import load_region
from tests.conftest_d.app import TEST_KERNEL_CACHE
from tests.conftest_d.regions import DEMO_FIRST_DAY


def test_report_of_the_demo_is_complete_and_consistent(
    demo_inputs: DemoInputs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the children reuse the tests' kernels
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(kernel_cache_folder(TEST_KERNEL_CACHE)))
    case = ScaleCase(
        name="tiny demo",
        osm_file=demo_inputs.osm,
        gtfs=[demo_inputs.gtfs],
        first_day=DEMO_FIRST_DAY,
        zones_file=demo_inputs.zones,
    )
    report = run_scale_benchmark(
        [case], tmp_path, queries=10, seed=3, plan_command=[sys.executable, "-m", "app.loadtest.plan_latency"]
    )
    (row,) = report["cases"]
    build, worker, plan = row["build"], row["worker"], row["plan"]
    assert "error" not in build and "error" not in worker and "error" not in plan, row

    region = load_region(tmp_path / "region-0")
    assert row["street_nodes"] == region.street.node_count == build["counts"]["street_nodes"]
    assert row["stop_times"] == int(np.asarray(region.timetable.arrival).shape[0])
    assert row["stops"] == len(region.timetable.stop_id)
    assert 0 < build["floor_mib"] < build["peak_mib"]
    assert build["seconds"] > 0
    assert row["bytes_per_node"] == round(build["peak_mib"] * MIB / row["street_nodes"])
    assert row["bytes_per_stop_time"] == round(build["peak_mib"] * MIB / row["stop_times"])
    above = (build["peak_mib"] - build["floor_mib"]) * MIB
    assert row["bytes_per_node_above_floor"] == round(above / row["street_nodes"]) < row["bytes_per_node"]
    assert row["bytes_per_stop_time_above_floor"] == round(above / row["stop_times"]) < row["bytes_per_stop_time"]

    assert worker["seconds"] > 0 and worker["peak_mib"] >= worker["floor_mib"] > 0
    assert worker["profiles"] == len(region.street.profiles)

    assert plan["by"] == "/api/v1/plan"
    assert plan["queries"] == 10 == sum(plan["outcomes"].values())
    assert set(plan["outcomes"]) <= {"200", "404", "422"}, plan["outcomes"]  # answers or typed refusals, never 500
    assert 0 < plan["p50_ms"] <= plan["p95_ms"]

    table = format_report(report)
    assert "| tiny demo | 160 |" in table.replace(f"{row['street_nodes']:,}", str(row["street_nodes"]))
    assert f"{row['stop_times']:,}" in table
    assert "10 seeded queries" in table


def test_street_only_requests_walk_and_cycle_near_their_origin(demo_inputs: DemoInputs, tmp_path: Path) -> None:
    build_region(
        RegionInputs(
            name="streets",
            gtfs=[],
            osm_file=demo_inputs.osm,
            first_day=DEMO_FIRST_DAY,
            days=1,
            timezone="Europe/Berlin",
        ),
        tmp_path / "streets",
    )
    region = load_region(tmp_path / "streets")
    requests = plan_requests(region, 12, 5)
    assert len(requests) == 12
    assert {mode for request in requests for mode in request.modes} == {Mode.WALK, Mode.BIKE}
    for request in requests:
        assert abs(request.origin[0] - request.destination[0]) < 0.027
        assert request.time.date() == DEMO_FIRST_DAY
    assert requests == plan_requests(region, 12, 5), "seeded: the same requests every time"
