"""GTFS that cannot be routed is refused with file, line and field named."""

from __future__ import annotations

from pathlib import Path

import pytest

from routing.errors import InputDataError
from routing.transit.compile import compile_timetable
from routing.transit.gtfs_load import load_gtfs
from tests.routing.transit.gtfs_files import BASE_FILES, write_feed

STOP_TIMES_HEADER = "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"


def test_valid_feed_loads(tmp_path: Path) -> None:
    feed = load_gtfs(write_feed(tmp_path / "ok"), name="kvg")
    assert feed.warnings == []


@pytest.mark.parametrize(
    ("overrides", "fragments"),
    [
        ({"stops_txt": None}, ["stops.txt is missing"]),
        ({"calendar_txt": None}, ["neither calendar.txt nor calendar_dates.txt"]),
        (
            {"stop_times_txt": STOP_TIMES_HEADER + "t9,08:00:00,08:00:00,A,1\n"},
            ["stop_times.txt", "line 2", "t9", "trips.txt"],
        ),
        (
            {"stop_times_txt": STOP_TIMES_HEADER + "t1,08:00:00,08:00:00,A,1\nt1,08:01:00,08:01:00,Z,2\n"},
            ["stop_times.txt", "line 3", "'Z'"],
        ),
        ({"trips_txt": "route_id,service_id,trip_id\n9,WD,t1\n"}, ["trips.txt", "line 2", "route_id '9'"]),
        (
            {"stops_txt": BASE_FILES["stops.txt"] + "D,Nirgendwo,95.0,9.5,0,,0\n"},
            ["stops.txt", "line 6", "'D'", "stop_lat"],
        ),
        ({"stops_txt": BASE_FILES["stops.txt"] + "B,Doppelt,51.3,9.5,0,,0\n"}, ["stops.txt", "line 6", "repeats"]),
        ({"trips_txt": "route_id,service_id\n1,WD\n"}, ["trips.txt", "trip_id"]),
    ],
)
def test_unroutable_feeds_are_refused(tmp_path: Path, overrides: dict[str, str | None], fragments: list[str]) -> None:
    with pytest.raises(InputDataError) as caught:
        load_gtfs(write_feed(tmp_path / "bad", **overrides), name="kvg")
    for fragment in fragments:
        assert fragment in str(caught.value)


def test_malformed_time_names_line_and_field(tmp_path: Path) -> None:
    folder = write_feed(
        tmp_path / "bad", stop_times_txt=STOP_TIMES_HEADER + "t1,08:00:00,08:00:00,A,1\nt1,8h05,08:06:00,B,2\n"
    )
    feed = load_gtfs(folder, name="kvg")
    with pytest.raises(InputDataError) as caught:
        compile_timetable([feed], first_day=__import__("datetime").date(2026, 11, 23), days=2)
    assert "stop_times.txt" in str(caught.value)
    assert "line 3" in str(caught.value)
    assert "arrival_time" in str(caught.value)


def test_recoverable_problems_are_warnings(tmp_path: Path) -> None:
    trips = "route_id,service_id,trip_id\n1,WD,t1\n1,WD,unused\n1,NOPE,t1b\n"
    feed = load_gtfs(write_feed(tmp_path / "warn", trips_txt=trips), name="kvg")
    text = " ".join(feed.warnings)
    assert "have no stop times" in text
    assert "NOPE" in text


def test_not_a_gtfs_file(tmp_path: Path) -> None:
    path = tmp_path / "feed.zip"
    path.write_bytes(b"this is no zip")
    with pytest.raises(InputDataError) as caught:
        load_gtfs(path, name="kvg")
    assert "feed.zip" in str(caught.value)


def test_bad_feed_name(tmp_path: Path) -> None:
    with pytest.raises(InputDataError, match="feed name"):
        load_gtfs(write_feed(tmp_path / "ok"), name="a b")
