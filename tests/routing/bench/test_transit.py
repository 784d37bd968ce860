"""The transit benchmark runs end to end on the demo (figures are read, never asserted)."""

from __future__ import annotations

from routing.bench.transit import format_report, run_transit_benchmark
from routing.region.region import Region


def test_benchmark_runs_on_the_demo(demo_region: Region) -> None:
    report = run_transit_benchmark(demo_region, pairs=12)
    assert report["pairs"] == 12
    assert report["ours"]["count"] == 12
    text = format_report(report)
    assert "earliest arrival" in text and "range, 1 hour" in text
    if "comparison" in report:  # ferrobus installed (bench extra)
        assert report["comparison"]["ours_exact_against_reference"] >= 1
