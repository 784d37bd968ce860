"""Timetable compilation: service days, after-midnight trips, frequencies, FIFO patterns."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np

from routing.transit.compile import compile_timetable
from routing.transit.gtfs_load import load_gtfs
from routing.transit.timetable import ALIGHT, BOARD, Timetable, load_timetable, save_timetable
from tests.routing.transit.gtfs_files import write_feed

MONDAY = date(2026, 11, 23)
STOP_TIMES_HEADER = "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"


def compile_feed(folder: Path, *, first_day: date = MONDAY, days: int = 7, name: str = "kvg") -> Timetable:
    return compile_timetable([load_gtfs(folder, name=name)], first_day=first_day, days=days)


def trip_index(timetable: Timetable, trip_id: str) -> int:
    return timetable.trip_id.to_list().index(trip_id)


def running_days(timetable: Timetable, trip_id: str) -> list[date]:
    mask = int(timetable.trip_days[trip_index(timetable, trip_id)])
    return [date.fromordinal(timetable.day0.toordinal() + d) for d in range(timetable.day_count) if mask >> d & 1]


def trip_times(timetable: Timetable, trip_id: str) -> list[tuple[str, int, int]]:
    t = trip_index(timetable, trip_id)
    pattern = int(np.searchsorted(timetable.pattern_trip_offsets, t, side="right") - 1)
    stops = timetable.pattern_stops[
        timetable.pattern_stop_offsets[pattern] : timetable.pattern_stop_offsets[pattern + 1]
    ]
    n = len(stops)
    base = int(timetable.pattern_time_offsets[pattern]) + (t - int(timetable.pattern_trip_offsets[pattern])) * n
    return [
        (timetable.stop_id[int(s)], int(timetable.arrival[base + i]), int(timetable.departure[base + i]))
        for i, s in enumerate(stops)
    ]


def test_weekday_flags_and_the_day_before_the_window(tmp_path: Path) -> None:
    timetable = compile_feed(write_feed(tmp_path / "f"))
    assert timetable.day0 == date(2026, 11, 22)
    assert running_days(timetable, "kvg:t1") == [date(2026, 11, d) for d in (23, 24, 25, 26, 27)]


def test_calendar_start_and_end_dates_bound_the_service(tmp_path: Path) -> None:
    calendar = (
        "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
        "WD,1,1,1,1,1,1,1,20261124,20261126\n"
    )
    timetable = compile_feed(write_feed(tmp_path / "f", calendar_txt=calendar))
    assert running_days(timetable, "kvg:t1") == [date(2026, 11, 24), date(2026, 11, 25), date(2026, 11, 26)]


def test_calendar_dates_add_and_remove_days(tmp_path: Path) -> None:
    exceptions = "service_id,date,exception_type\nWD,20261125,2\nWD,20261128,1\nONLY,20261129,1\n"
    trips = "route_id,service_id,trip_id\n1,WD,t1\n1,ONLY,t2\n"
    stop_times = (
        STOP_TIMES_HEADER
        + "t1,08:00:00,08:00:00,A,1\nt1,08:05:00,08:05:00,B,2\nt2,09:00:00,09:00:00,A,1\nt2,09:05:00,09:05:00,B,2\n"
    )
    timetable = compile_feed(
        write_feed(tmp_path / "f", calendar_dates_txt=exceptions, trips_txt=trips, stop_times_txt=stop_times)
    )
    assert running_days(timetable, "kvg:t1") == [date(2026, 11, d) for d in (23, 24, 26, 27, 28)]
    assert running_days(timetable, "kvg:t2") == [date(2026, 11, 29)]


def test_times_after_midnight_stay_on_their_service_day(tmp_path: Path) -> None:
    stop_times = STOP_TIMES_HEADER + "t1,23:50:00,23:50:00,A,1\nt1,24:05:00,24:06:00,B,2\nt1,25:10:00,25:10:00,C,3\n"
    timetable = compile_feed(write_feed(tmp_path / "f", stop_times_txt=stop_times))
    assert trip_times(timetable, "kvg:t1") == [
        ("kvg:A", 85800, 85800),
        ("kvg:B", 86700, 86760),
        ("kvg:C", 90600, 90600),
    ]
    assert running_days(timetable, "kvg:t1")[0] == MONDAY


def test_missing_intermediate_times_are_interpolated(tmp_path: Path) -> None:
    stop_times = STOP_TIMES_HEADER + "t1,08:00:00,08:00:00,A,1\nt1,,,B,2\nt1,08:10:00,08:10:00,C,3\n"
    timetable = compile_feed(write_feed(tmp_path / "f", stop_times_txt=stop_times))
    assert trip_times(timetable, "kvg:t1")[1] == ("kvg:B", 8 * 3600 + 300, 8 * 3600 + 300)


def test_frequencies_expand_into_runs(tmp_path: Path) -> None:
    frequencies = "trip_id,start_time,end_time,headway_secs,exact_times\nt1,06:00:00,07:00:00,1200,1\n"
    timetable = compile_feed(write_feed(tmp_path / "f", frequencies_txt=frequencies))
    ids = timetable.trip_id.to_list()
    assert ids == ["kvg:t1@06:00:00", "kvg:t1@06:20:00", "kvg:t1@06:40:00"]
    assert trip_times(timetable, "kvg:t1@06:20:00") == [
        ("kvg:A", 22800, 22800),
        ("kvg:B", 23100, 23160),
        ("kvg:C", 23400, 23400),
    ]
    assert set(timetable.trip_frequency.tolist()) == {1}


def test_headway_frequencies_are_marked(tmp_path: Path) -> None:
    frequencies = "trip_id,start_time,end_time,headway_secs,exact_times\nt1,06:00:00,06:30:00,900,0\n"
    timetable = compile_feed(write_feed(tmp_path / "f", frequencies_txt=frequencies))
    assert set(timetable.trip_frequency.tolist()) == {2}
    assert len(timetable.trip_id) == 2


def test_overtaking_trips_get_separate_patterns(tmp_path: Path) -> None:
    trips = "route_id,service_id,trip_id\n1,WD,slow\n1,WD,fast\n1,WD,next\n"
    stop_times = STOP_TIMES_HEADER + (
        "slow,08:00:00,08:00:00,A,1\nslow,08:30:00,08:30:00,C,2\n"
        "fast,08:10:00,08:10:00,A,1\nfast,08:20:00,08:20:00,C,2\n"
        "next,08:40:00,08:40:00,A,1\nnext,08:50:00,08:50:00,C,2\n"
    )
    timetable = compile_feed(write_feed(tmp_path / "f", trips_txt=trips, stop_times_txt=stop_times))
    assert len(timetable.pattern_route) == 2
    for pattern in range(2):
        first, last = timetable.pattern_trip_offsets[pattern], timetable.pattern_trip_offsets[pattern + 1]
        n = timetable.pattern_stop_offsets[pattern + 1] - timetable.pattern_stop_offsets[pattern]
        base = timetable.pattern_time_offsets[pattern]
        block = timetable.arrival[base : base + (last - first) * n].reshape(last - first, n)
        assert (np.diff(block, axis=0) >= 0).all(), "a trip overtakes another inside one pattern"


def test_pickup_and_drop_off_rules_split_patterns(tmp_path: Path) -> None:
    trips = "route_id,service_id,trip_id\n1,WD,t1\n1,WD,t2\n"
    stop_times = "trip_id,arrival_time,departure_time,stop_id,stop_sequence,pickup_type,drop_off_type\n" + (
        "t1,08:00:00,08:00:00,A,1,0,1\nt1,08:05:00,08:05:00,B,2,0,0\n"
        "t2,09:00:00,09:00:00,A,1,0,1\nt2,09:05:00,09:05:00,B,2,1,0\n"
    )
    timetable = compile_feed(write_feed(tmp_path / "f", trips_txt=trips, stop_times_txt=stop_times))
    assert len(timetable.pattern_route) == 2
    flags = {
        tuple(
            timetable.pattern_flags[timetable.pattern_stop_offsets[p] : timetable.pattern_stop_offsets[p + 1]].tolist()
        )
        for p in range(2)
    }
    assert flags == {(BOARD, BOARD | ALIGHT), (BOARD, ALIGHT)}


def test_two_feeds_are_namespaced(tmp_path: Path) -> None:
    feeds = [load_gtfs(write_feed(tmp_path / "a"), name="nvv"), load_gtfs(write_feed(tmp_path / "b"), name="db")]
    timetable = compile_timetable(feeds, first_day=MONDAY, days=3)
    assert sorted(timetable.trip_id.to_list()) == ["db:t1", "nvv:t1"]
    assert "nvv:HBF" in timetable.stop_id.to_list() and "db:HBF" in timetable.stop_id.to_list()
    parent = timetable.stop_parent[timetable.stop_id.to_list().index("db:A")]
    assert timetable.stop_id[int(parent)] == "db:HBF"


def test_transfers_are_kept_with_type_and_minimum_time(tmp_path: Path) -> None:
    transfers = "from_stop_id,to_stop_id,transfer_type,min_transfer_time\nA,B,2,180\nB,C,3,\nA,UNKNOWN,2,60\n"
    timetable = compile_feed(write_feed(tmp_path / "f", transfers_txt=transfers))
    rows = {
        (timetable.stop_id[int(f)], timetable.stop_id[int(t)], int(k), int(m))
        for f, t, k, m in zip(
            timetable.transfer_from,
            timetable.transfer_to,
            timetable.transfer_type,
            timetable.transfer_min_seconds,
            strict=True,
        )
    }
    assert rows == {("kvg:A", "kvg:B", 2, 180), ("kvg:B", "kvg:C", 3, 0)}


def test_round_trip_through_disk_is_memory_mapped(tmp_path: Path) -> None:
    timetable = compile_feed(write_feed(tmp_path / "f"))
    save_timetable(timetable, tmp_path / "region")
    loaded = load_timetable(tmp_path / "region")
    assert isinstance(loaded.arrival, np.memmap)
    assert loaded.trip_id.to_list() == timetable.trip_id.to_list()
    assert loaded.day0 == timetable.day0
    assert (loaded.departure == timetable.departure).all()
