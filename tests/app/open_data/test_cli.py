"""``mobility open-data accessibility`` and ``mobility bench accessibility`` on the demo city."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from app.cli import main
from routing.accessibility.config import AccessibilityConfig, TimeWindow
from routing.accessibility.run import INDICATOR_COLUMNS, inputs_for_region
from routing.bench.accessibility import run_accessibility_benchmark
from routing.region.region import Region


@pytest.fixture(scope="module")
def demo_run(demo_region_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("open-data")
    result = CliRunner().invoke(
        main, ["open-data", "accessibility", "--region", str(demo_region_path), "--out", str(out), "--max-origins", "9"]
    )
    assert result.exit_code == 0, result.output
    assert "SYNTHETIC" in result.output  # the note on synthetic places
    return out / "accessibility"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_files_have_the_documented_shape_and_are_labelled_synthetic(demo_run: Path):
    districts = json.loads((demo_run / "districts.geojson").read_text(encoding="utf-8"))
    assert districts["type"] == "FeatureCollection" and len(districts["features"]) == 9
    for feature in districts["features"]:
        properties = feature["properties"]
        assert properties["synthetic"] is True and properties["source"] == "synthetic"
        assert properties["origins"] >= 1
        sample = properties["indicators"]["pharmacy|transit|weekday_07_09"]
        assert set(sample) == {c for c in INDICATOR_COLUMNS if c not in ("district_id", "category", "mode", "window")}
    rows = _rows(demo_run / "indicators.csv")
    assert tuple(rows[0]) == INDICATOR_COLUMNS
    assert {r["window"] for r in rows} == {"weekday_07_09", "weekday_19_21", "sunday_10_12", "any"}
    assert {r["window"] for r in rows if r["mode"] in ("walk", "bike", "wheelchair", "slow_walk")} == {"any"}
    metadata = json.loads((demo_run / "metadata.json").read_text(encoding="utf-8"))
    assert metadata["synthetic"] is True and metadata["counts"]["districts"] == 9
    assert [w["departures"] for w in metadata["windows"]] == [121, 121, 121]
    assert all(
        m["name_de"] and m["name_en"] for m in (*metadata["modes"], *metadata["windows"], *metadata["categories"])
    )


def test_district_figures_follow_from_the_origin_rows(demo_run: Path):
    origins = _rows(demo_run / "origins.csv")
    for row in _rows(demo_run / "indicators.csv"):
        mine = [
            o
            for o in origins
            if (o["district_id"], o["category"], o["mode"], o["window"])
            == (row["district_id"], row["category"], row["mode"], row["window"])
        ]
        weights = np.array([float(o["weight"]) for o in mine])
        medians = np.array([float(o["median_min"]) if o["median_min"] else np.inf for o in mine])
        # Each home's weight in residents: the population-weighted median is the median resident's value.
        residents = np.repeat(medians, np.round(weights * 8).astype(int))  # synthetic weights are multiples of 1/8
        expected = np.percentile(residents, 50, method="inverted_cdf")
        assert (row["median_min"] == "") == (not np.isfinite(expected))
        if row["median_min"]:
            assert abs(float(row["median_min"]) - expected) < 0.051
        share = float(row["share_over_threshold"])  # from unrounded times: allow the CSV's rounding at 15 min
        assert float((residents > 15.05).mean()) - 0.0006 <= share <= float((residents > 14.95).mean()) + 0.0006


def test_slower_modes_are_never_quicker(demo_run: Path):
    by_key = {(r["district_id"], r["category"], r["mode"], r["window"]): r for r in _rows(demo_run / "indicators.csv")}
    compared = 0
    for (district, category, mode, window), row in by_key.items():
        slower = {"transit": "slow_transit", "walk": "slow_walk"}.get(mode)
        if slower is None or not row["median_min"]:
            continue
        other = by_key[district, category, slower, window]
        assert other["median_min"] == "" or float(other["median_min"]) >= float(row["median_min"])
        compared += 1
    assert compared > 50


def test_bad_districts_file_is_a_clear_error(demo_region_path: Path, tmp_path: Path):
    bad = tmp_path / "districts.geojson"
    bad.write_text(json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}}]}))
    result = CliRunner().invoke(
        main,
        [
            "open-data",
            "accessibility",
            "--region",
            str(demo_region_path),
            "--out",
            str(tmp_path),
            "--districts",
            str(bad),
        ],
    )
    assert result.exit_code == 1
    assert f"{bad}: feature 0: property 'id' is missing" in result.output
    assert "Traceback" not in result.output


def test_benchmark_engine_agrees_with_the_plain_per_query_loop(demo_region: Region):
    config = AccessibilityConfig()
    inputs = inputs_for_region(demo_region, config)
    window = TimeWindow("weekday_07_09", 1, config.windows[0].start, config.windows[0].end)
    report = run_accessibility_benchmark(demo_region, inputs, config, origins=3, minutes=3, window=window)
    assert report.origins == 3 and report.minutes == 3
    assert report.agreeing == report.compared == 3 * 3 * len(config.categories)
    assert report.engine_rate > report.loop_rate


def test_two_worker_processes_write_the_same_figures(demo_region_path: Path, tmp_path: Path):
    outputs = []
    for workers in ("1", "2"):
        out = tmp_path / workers
        result = CliRunner().invoke(
            main,
            [
                "open-data", "accessibility", "--region", str(demo_region_path), "--out", str(out),
                "--max-origins", "36", "--workers", workers,
            ],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        outputs.append(
            [(out / "accessibility" / n).read_text(encoding="utf-8") for n in ("indicators.csv", "origins.csv")]
        )
    assert outputs[0] == outputs[1]  # 36 homes in chunks of 16: both workers take part
