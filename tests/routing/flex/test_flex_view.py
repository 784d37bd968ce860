"""The flex split reads a view of each feed with only the stop times that can be flex: same result, same messages."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from routing.demo.generate import generate_demo_inputs
from routing.errors import InputDataError
from routing.flex.flex_view import flex_view
from routing.flex.load import load_flex, merge_networks
from routing.flex.region_build import split_feeds
from tests.conftest_d.regions import DEMO_FIRST_DAY


def records(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


@pytest.fixture
def demo_gtfs(tmp_path: Path) -> Path:
    return generate_demo_inputs(tmp_path / "inputs", first_day=DEMO_FIRST_DAY).gtfs


def test_the_view_keeps_only_flex_trips_on_their_lines(demo_gtfs: Path) -> None:
    original = records(demo_gtfs / "stop_times.txt")
    with flex_view(demo_gtfs) as view:
        assert view != demo_gtfs
        kept = records(view / "stop_times.txt")
        assert sorted(p.name for p in view.iterdir()) == sorted(
            p.name for p in demo_gtfs.iterdir() if p.suffix in (".txt", ".geojson")
        )
    assert len(kept) == len(original), "one record per record: line numbers stay"
    assert kept[0] == original[0]
    for before, after in zip(original[1:], kept[1:], strict=True):
        assert after in ([], before)
        if after:
            assert before[0].startswith("AST90-")
    assert sum(1 for row in kept[1:] if row) == 4  # the AST trip's two rows, for both services


def test_split_is_the_flex_reader_on_the_whole_feed(demo_gtfs: Path) -> None:
    splits, network = split_feeds([("demo", demo_gtfs)], first_day=DEMO_FIRST_DAY, days=15)
    direct = load_flex(demo_gtfs, name="demo", timezone="Europe/Berlin", first_day=DEMO_FIRST_DAY, days=15)
    assert splits[0].flex_trip_ids == direct.flex_trip_ids == {"AST90-abend-werktags", "AST90-abend-wochenende"}
    assert splits[0].has_fixed_trips
    assert network == merge_networks("Europe/Berlin", [direct])


def test_errors_name_the_original_file_and_line(demo_gtfs: Path) -> None:
    path = demo_gtfs / "stop_times.txt"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("AST90-abend-werktags"))
    fields = lines[at].split(",")
    fields[1] = "x"  # stop_sequence of a flex row
    lines[at] = ",".join(fields)
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(InputDataError) as direct:
        load_flex(demo_gtfs, name="demo", timezone="Europe/Berlin", first_day=DEMO_FIRST_DAY, days=15)
    with pytest.raises(InputDataError) as split:
        split_feeds([("demo", demo_gtfs)], first_day=DEMO_FIRST_DAY, days=15)
    assert (split.value.source, split.value.problem) == (direct.value.source, direct.value.problem)
    assert split.value.source == str(path) and f"line {at + 1}" in split.value.problem


def test_real_flex_feeds_split_as_before(shared_data: Path) -> None:
    for feed in sorted((shared_data / "flex").glob("*.gtfs*")):
        first_day = date(2024, 6, 3)
        splits, network = split_feeds([("f", feed)], first_day=first_day, days=15)
        zone = network.timezone
        direct = load_flex(feed, name="f", timezone=zone, first_day=first_day, days=15)
        assert splits[0].flex_trip_ids == direct.flex_trip_ids, feed
        assert network == merge_networks(zone, [direct]), feed
