"""OSRM as the street peer: it runs in its own CPython 3.12 when one is given, and says so when not.

The real run needs ``MOBILITY_OSRM_PYTHON`` (a CPython 3.12 venv with osrm-bindings,
../shared/PEERS.md) and skips without it; figures are read from the output, never asserted.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from routing.bench.osrm_peer import OsrmUnavailable, run_osrm
from routing.bench.street import format_report, osm_input, run_street_benchmark
from routing.region.region import Region


def test_a_missing_interpreter_is_named(tmp_path: Path) -> None:
    osm = tmp_path / "city.osm"
    osm.write_text("<osm/>")
    with pytest.raises(OsrmUnavailable, match="no-such-python"):
        run_osrm(tmp_path / "no-such-python", osm, "walk", [((0.0, 0.0), (0.0, 0.001))], cache=tmp_path)


def test_an_unknown_profile_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OsrmUnavailable, match="wheelchair"):
        run_osrm(Path("/usr/bin/python3"), tmp_path / "x.osm", "wheelchair", [], cache=tmp_path)


def test_the_report_says_when_osrm_could_not_run(demo_region: Region, tmp_path: Path) -> None:
    report = run_street_benchmark(
        demo_region, pairs=10, import_measurement=False, osrm_python=tmp_path / "no-such-python"
    )
    for profile in report["profiles"]:
        assert profile["osrm"] is None
        assert any("OSRM not measured" in note and "no-such-python" in note for note in profile["notes"])
    assert "osrm        not measured" in format_report(report)


@pytest.mark.skipif(not os.environ.get("MOBILITY_OSRM_PYTHON"), reason="MOBILITY_OSRM_PYTHON is not set")
def test_osrm_routes_the_same_pairs_on_the_same_file(demo_region: Region, tmp_path: Path) -> None:
    osm_file = osm_input(demo_region)
    if osm_file is None:
        pytest.skip("the demo region's OSM input is gone")
    report = run_street_benchmark(
        demo_region,
        pairs=20,
        import_measurement=False,
        osrm_python=Path(os.environ["MOBILITY_OSRM_PYTHON"]),
        osrm_cache=tmp_path,
    )
    for profile in report["profiles"]:
        assert profile["osrm"] is not None, profile["notes"]
        assert profile["osrm"]["count"] >= 15
        # The same streets: OSRM's lengths and ours agree for most pairs (profiles differ in detail).
        assert profile["length_ratio_osrm"]["within_5pct"] >= 0.5
    assert "ours/osrm" in format_report(report)
