"""stop_times.txt read in typed chunks: the same values as gtfs-kit's text columns, the same messages."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import gtfs_kit as gk
import numpy as np
import pandas as pd
import pytest

from routing.errors import InputDataError
from routing.transit import gtfs_read
from routing.transit.compile import compile_timetable
from routing.transit.gtfs_load import load_gtfs, parse_gtfs_times
from routing.transit.gtfs_read import BAD_TIME, read_stop_times
from tests.routing.transit.gtfs_files import write_feed

HEADER = "trip_id,arrival_time,departure_time,stop_id,stop_sequence,pickup_type,drop_off_type,stop_headsign\n"
TRIPS = "route_id,service_id,trip_id\n1,WD,t1\n1,WD,007\n1,WD,t3\n"
STOP_TIMES = HEADER + (
    "t1,08:00:00,08:00:00,A,1,,,x\n"
    "t1,,,B,2,0,1,\n"
    "t1, 08:10:00 ,08:11:00,C,3,1,0,\n"
    "007,25:00:00,25:00:00,A,1,,,\n"
    "007,25:05:00,25:06:00,B,2,,,\n"
    "007,25:10:00,25:10:00,C,3,,,\n"
    "t3,09:00:00,09:00:00,C,1,,,\n"
    "t3,09:04:00,,B,2,,,\n"
    "t3,09:09:00,09:09:00,A,3,,,\n"
)
FIRST_DAY = date(2026, 11, 23)


def _feed(tmp_path: Path, stop_times: str = STOP_TIMES) -> Path:
    return write_feed(tmp_path / "feed", trips_txt=TRIPS, stop_times_txt=stop_times)


def test_typed_columns_hold_what_gtfs_kit_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gtfs_read, "CHUNK_ROWS", 2)
    folder = _feed(tmp_path)
    expected = gk.read_feed(folder, dist_units="km").stop_times
    read = read_stop_times(folder / "stop_times.txt")
    assert read is not None
    table = read.table
    assert list(table.index) == list(expected.index)
    for column in ("trip_id", "stop_id"):
        assert isinstance(table[column].dtype, pd.CategoricalDtype)
        assert table[column].astype(str).tolist() == expected[column].astype(str).tolist()
    assert "007" in table["trip_id"].cat.categories  # ids stay text, never numbers
    for column in ("stop_sequence", "pickup_type", "drop_off_type"):
        assert table[column].tolist() == expected[column].tolist()
    for column, seconds in gtfs_read.TIME_COLUMNS.items():
        wanted = parse_gtfs_times(expected[column], file="stop_times.txt", column=column)
        assert np.array_equal(table[seconds].to_numpy(), wanted)
    assert "stop_headsign" not in table.columns


def test_chunked_reading_compiles_the_same_timetable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _feed(tmp_path)
    whole = compile_timetable([load_gtfs(folder, name="kvg")], first_day=FIRST_DAY, days=2)
    monkeypatch.setattr(gtfs_read, "CHUNK_ROWS", 2)
    chunked = compile_timetable([load_gtfs(folder, name="kvg")], first_day=FIRST_DAY, days=2)
    assert list(chunked.trip_id) == list(whole.trip_id)
    assert sorted(whole.trip_id) == ["kvg:007", "kvg:t1", "kvg:t3"]
    for name in ("arrival", "departure", "stop_sequence", "pattern_stops", "pattern_flags", "trip_days"):
        assert np.array_equal(getattr(chunked, name), getattr(whole, name)), name


@pytest.mark.parametrize("chunk_rows", [2, 1000])
def test_a_bad_time_in_a_later_chunk_names_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk_rows: int
) -> None:
    monkeypatch.setattr(gtfs_read, "CHUNK_ROWS", chunk_rows)
    folder = _feed(tmp_path, STOP_TIMES.replace("t3,09:04:00,,B", "t3,9h04,,B"))
    feed = load_gtfs(folder, name="kvg")
    assert feed.bad_times["arrival_time"] == {7: "9h04"}
    assert int(feed.feed.stop_times["arrival_seconds"].iloc[7]) == BAD_TIME
    with pytest.raises(InputDataError) as caught:
        compile_timetable([feed], first_day=FIRST_DAY, days=2)
    assert str(caught.value).endswith("stop_times.txt: line 9: arrival_time '9h04' is not a time of the form H:MM:SS")


def test_an_empty_trip_id_is_named_as_before(tmp_path: Path) -> None:
    folder = _feed(tmp_path, STOP_TIMES + ",09:10:00,09:10:00,A,4,,,\n")
    with pytest.raises(InputDataError) as caught:
        load_gtfs(folder, name="kvg")
    assert str(caught.value).endswith("stop_times.txt: line 11: trip_id <NA> is not in trips.txt")


def test_a_header_only_file_is_a_missing_table(tmp_path: Path) -> None:
    with pytest.raises(InputDataError, match=r"stop_times\.txt is missing or empty"):
        load_gtfs(_feed(tmp_path, HEADER), name="kvg")
