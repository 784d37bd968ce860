"""The street benchmark runs end to end (figures are read from its output, never asserted here)."""

from __future__ import annotations

from routing.bench.street import format_report, run_street_benchmark
from routing.region.region import Region


def test_benchmark_runs_and_is_exact_on_the_demo(demo_region: Region) -> None:
    report = run_street_benchmark(demo_region, pairs=15, import_measurement=False)
    assert [profile["profile"] for profile in report["profiles"]] == ["walk", "bike"]
    for profile in report["profiles"]:
        assert profile["pairs"] == 15
        assert profile["networkx_exact_mismatches"] == 0
        assert profile["networkx"]["count"] > 0
        assert profile["length_ratio_networkx"]["median"] > 0
    text = format_report(report)
    assert "ours/networkx" in text and "x at p50" in text
    assert "valhalla    not measured" in text
