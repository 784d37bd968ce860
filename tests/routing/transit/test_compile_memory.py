"""The timetable compile's lean paths give the same timetable: int32 scans, freed stop times, views per trip."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from routing.transit.compile import compile_timetable, interpolate_times
from routing.transit.gtfs_load import load_gtfs
from tests.routing.transit.gtfs_files import write_feed

FIRST_DAY = date(2026, 11, 23)
STOP_TIMES = (
    "trip_id,arrival_time,departure_time,stop_id,stop_sequence,pickup_type,drop_off_type\n"
    "t1,08:00:00,08:00:00,A,1,,\n"
    "t1,,,B,2,1,\n"
    "t1,08:10:00,08:11:00,C,3,,1\n"
    "t2,09:00:00,09:00:00,C,10,,\n"
    "t2,,,B,20,,\n"
    "t2,,,A,30,,\n"
    "t2,09:30:00,09:30:00,HBF,40,,\n"
    "off,10:00:00,10:00:00,A,1,,\n"
    "off,10:05:00,10:05:00,B,2,,\n"
)
TRIPS = "route_id,service_id,trip_id\n1,WD,t1\n1,WD,t2\n1,WE,off\n"
FREQUENCIES = "trip_id,start_time,end_time,headway_secs,exact_times\nt2,06:00:00,07:00:00,1800,1\n"
CALENDAR = (
    "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
    "WD,1,1,1,1,1,0,0,20261101,20261231\nWE,0,0,0,0,0,0,0,20261101,20261231\n"
)


def _reference_interpolation(values: list[int], trip: list[int]) -> list[int]:
    """Linear interpolation row by row: each missing time between the known times around it in its trip."""
    result = list(values)
    for i, value in enumerate(values):
        if value >= 0:
            continue
        p = next((j for j in range(i - 1, -1, -1) if values[j] >= 0), None)
        f = next((j for j in range(i + 1, len(values)) if values[j] >= 0), None)
        if p is None or f is None or trip[p] != trip[i] or trip[f] != trip[i]:
            continue
        result[i] = values[p] + (values[f] - values[p]) * (i - p) // (f - p)
    return result


@pytest.mark.parametrize("seed", range(40))
def test_interpolation_matches_a_row_by_row_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    size = int(rng.integers(0, 80))
    trip = np.sort(rng.integers(0, 5, size)).astype(np.int32)
    # times up to 999 h and gaps of many rows: the interpolation's products pass 2**31
    values = rng.integers(0, 3_600_000, size).astype(np.int32)
    values[rng.random(size) < rng.random()] = -1
    filled = interpolate_times(values.copy(), trip)
    assert filled.dtype == np.int32
    assert filled.tolist() == _reference_interpolation(values.tolist(), trip.tolist())


def test_a_long_gap_with_large_times_does_not_overflow() -> None:
    values = np.array([0, *([-1] * 2000), 3_000_000], dtype=np.int32)
    filled = interpolate_times(values, np.zeros(values.size, dtype=np.int32))
    assert filled.tolist() == _reference_interpolation(values.tolist(), [0] * values.size)


def test_releasing_stop_times_compiles_the_same_timetable(tmp_path: Path) -> None:
    folder = write_feed(tmp_path / "f", stop_times_txt=STOP_TIMES, trips_txt=TRIPS, calendar_txt=CALENDAR)
    (folder / "frequencies.txt").write_text(FREQUENCIES, encoding="utf-8")
    kept = load_gtfs(folder, name="kvg")
    released = load_gtfs(folder, name="kvg")
    expected = compile_timetable([kept], first_day=FIRST_DAY, days=3)
    compiled = compile_timetable([released], first_day=FIRST_DAY, days=3, release_stop_times=True)
    assert released.feed.stop_times is None
    assert kept.feed.stop_times is not None
    assert list(compiled.trip_id) == ["kvg:t1", "kvg:t2@06:00:00", "kvg:t2@06:30:00"]
    for field in dataclasses.fields(expected):
        left, right = getattr(expected, field.name), getattr(compiled, field.name)
        if isinstance(left, np.ndarray):
            assert left.dtype == right.dtype and np.array_equal(left, right), field.name
        else:
            assert list(left) == list(right) if hasattr(left, "__iter__") else left == right, field.name
    # the interpolated and frequency-shifted times, and the boarding flags, as the GTFS gives them
    assert compiled.arrival.tolist()[:3] == [28800, 29100, 29400]
    assert compiled.pattern_flags.tolist()[:3] == [3, 2, 1]
