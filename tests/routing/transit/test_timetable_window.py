"""The compiled 15-day window against an independent reading of the GTFS rows (csv and datetime only).

For every trip the window holds: the days it runs on (calendar weekdays and date range,
calendar_dates added and removed), its stops and times in stop_sequence order (frequency
runs shifted from their template), and its boarding rules; every trip that runs in the
window is there, and no pattern lets a trip overtake another.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

from routing.flex.region_build import split_feeds
from routing.transit.compile import compile_timetable
from routing.transit.gtfs_load import load_gtfs
from routing.transit.timetable import ALIGHT, BOARD, Timetable
from tests.conftest_d.regions import DEMO_FIRST_DAY

DAYS = 15
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class ExpectedRun:
    days: frozenset[date]
    stops: tuple[str, ...]
    arrival: tuple[int, ...]
    departure: tuple[int, ...]
    flags: tuple[int, ...]


def _rows(folder: Path, name: str) -> list[dict[str, str]]:
    path = folder / name
    if not path.is_file():
        return []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [{key.strip(): (value or "").strip() for key, value in row.items()} for row in csv.DictReader(handle)]


def _seconds(text: str) -> int:
    hours, minutes, seconds = (int(part) for part in text.split(":"))
    return hours * 3600 + minutes * 60 + seconds


def _hms(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _day(text: str) -> date:
    return date(int(text[:4]), int(text[4:6]), int(text[6:8]))


def _service_days(folder: Path, window: list[date]) -> dict[str, set[date]]:
    days: dict[str, set[date]] = defaultdict(set)
    for row in _rows(folder, "calendar.txt"):
        start, end = _day(row["start_date"]), _day(row["end_date"])
        days[row["service_id"]] |= {d for d in window if start <= d <= end and row[WEEKDAYS[d.weekday()]] == "1"}
    for row in _rows(folder, "calendar_dates.txt"):
        day = _day(row["date"])
        if day in window:
            (days[row["service_id"]].add if row["exception_type"] == "1" else days[row["service_id"]].discard)(day)
    return days


def expected_window(folder: Path, first_day: date, days: int, prefix: str) -> dict[str, ExpectedRun]:
    """Every run of ``folder``'s fixed-schedule trips in the window, by namespaced trip id."""
    window = [first_day - timedelta(days=1) + timedelta(days=i) for i in range(days + 1)]
    service = _service_days(folder, window)
    by_trip: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in _rows(folder, "stop_times.txt"):
        by_trip[row["trip_id"]].append(row)
    frequencies: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in _rows(folder, "frequencies.txt"):
        frequencies[row["trip_id"]].append(row)
    runs: dict[str, ExpectedRun] = {}
    for trip in _rows(folder, "trips.txt"):
        trip_id, running = trip["trip_id"], frozenset(service.get(trip["service_id"], set()))
        rows = sorted(by_trip[trip_id], key=lambda row: float(row["stop_sequence"]))
        if not running or len(rows) < 2 or any(not row.get("stop_id") for row in rows):
            continue  # not in the window, or a GTFS-Flex trip (zones, no stops)
        arrival = tuple(_seconds(row["arrival_time"] or row["departure_time"]) for row in rows)
        departure = tuple(_seconds(row["departure_time"] or row["arrival_time"]) for row in rows)
        flags = tuple(
            (0 if row.get("pickup_type") == "1" else BOARD) | (0 if row.get("drop_off_type") == "1" else ALIGHT)
            for row in rows
        )
        stops = tuple(f"{prefix}:{row['stop_id']}" for row in rows)
        shifts = {f"{prefix}:{trip_id}": 0}
        if frequencies.get(trip_id):
            shifts = {
                f"{prefix}:{trip_id}@{start // 3600:02d}:{start % 3600 // 60:02d}:{start % 60:02d}": start
                - departure[0]
                for window_row in frequencies[trip_id]
                for start in range(
                    _seconds(window_row["start_time"]),
                    _seconds(window_row["end_time"]),
                    int(window_row["headway_secs"]),
                )
            }
        for run_id, shift in shifts.items():
            runs[run_id] = ExpectedRun(
                running,
                stops,
                tuple(t + shift for t in arrival),
                tuple(t + shift for t in departure),
                flags,
            )
    return runs


def compiled_window(timetable: Timetable) -> dict[str, ExpectedRun]:
    """Every trip of ``timetable`` read back from its arrays."""
    runs: dict[str, ExpectedRun] = {}
    stop_ids, trip_ids = timetable.stop_id.to_list(), timetable.trip_id.to_list()
    for pattern in range(int(timetable.pattern_route.shape[0])):
        s0, s1 = int(timetable.pattern_stop_offsets[pattern]), int(timetable.pattern_stop_offsets[pattern + 1])
        stops = tuple(stop_ids[int(s)] for s in timetable.pattern_stops[s0:s1])
        flags = tuple(int(f) for f in timetable.pattern_flags[s0:s1])
        base = int(timetable.pattern_time_offsets[pattern])
        first_trip = int(timetable.pattern_trip_offsets[pattern])
        for trip in range(first_trip, int(timetable.pattern_trip_offsets[pattern + 1])):
            at = base + (trip - first_trip) * len(stops)
            mask = int(timetable.trip_days[trip])
            days = frozenset(timetable.day0 + timedelta(days=d) for d in range(timetable.day_count) if mask >> d & 1)
            runs[trip_ids[trip]] = ExpectedRun(
                days,
                stops,
                tuple(int(t) for t in timetable.arrival[at : at + len(stops)]),
                tuple(int(t) for t in timetable.departure[at : at + len(stops)]),
                flags,
            )
    return runs


def compile_folder(folder: Path, first_day: date, name: str) -> Timetable:
    splits, _ = split_feeds([(name, folder)], first_day=first_day, days=DAYS)
    feed = load_gtfs(splits[0].path, name=name, drop_trips=splits[0].flex_trip_ids)
    return compile_timetable([feed], first_day=first_day, days=DAYS)


def assert_window_matches(timetable: Timetable, expected: dict[str, ExpectedRun], first_day: date) -> None:
    assert timetable.day0 == first_day - timedelta(days=1)
    assert timetable.day_count == DAYS + 1
    compiled = compiled_window(timetable)
    named_in_warnings = {
        trip for trip in expected if any(f"'{trip.split(':', 1)[1]}'" in w for w in timetable.warnings)
    }
    assert set(compiled) == set(expected) - named_in_warnings
    for trip_id, run in compiled.items():
        assert run == expected[trip_id], trip_id
    assert int(np.asarray(timetable.arrival).shape[0]) == sum(len(run.stops) for run in compiled.values())


def assert_no_trip_overtakes(timetable: Timetable) -> None:
    for pattern in range(int(timetable.pattern_route.shape[0])):
        n = int(timetable.pattern_stop_offsets[pattern + 1] - timetable.pattern_stop_offsets[pattern])
        t0, t1 = int(timetable.pattern_trip_offsets[pattern]), int(timetable.pattern_trip_offsets[pattern + 1])
        base = int(timetable.pattern_time_offsets[pattern])
        block = np.asarray(timetable.departure[base : base + (t1 - t0) * n]).reshape(t1 - t0, n)
        arrivals = np.asarray(timetable.arrival[base : base + (t1 - t0) * n]).reshape(t1 - t0, n)
        assert (np.diff(block, axis=0) >= 0).all() and (np.diff(arrivals, axis=0) >= 0).all(), pattern


def test_demo_window_is_the_gtfs_rows(tmp_path: Path) -> None:
    from routing.demo.generate import generate_demo_inputs

    inputs = generate_demo_inputs(tmp_path / "inputs", first_day=DEMO_FIRST_DAY)
    timetable = compile_folder(inputs.gtfs, DEMO_FIRST_DAY, "demo")
    expected = expected_window(inputs.gtfs, DEMO_FIRST_DAY, DAYS, "demo")
    assert any("@" in trip_id for trip_id in expected), "the demo's frequency-based bus is expanded"
    assert any(len(run.days) < 10 for run in expected.values()), "weekend trips run on fewer days"
    assert_window_matches(timetable, expected, DEMO_FIRST_DAY)
    assert_no_trip_overtakes(timetable)


@pytest.mark.parametrize(("folder", "first_day"), [("herrenberg/gtfs", date(2021, 6, 21))])
def test_real_feed_window_is_the_gtfs_rows(shared_data: Path, folder: str, first_day: date) -> None:
    gtfs = shared_data / folder
    timetable = compile_folder(gtfs, first_day, "real")
    expected = expected_window(gtfs, first_day, DAYS, "real")
    assert len(expected) > 100
    assert_window_matches(timetable, expected, first_day)
    assert_no_trip_overtakes(timetable)
