"""Read a GTFS feed's tables: gtfs-kit's way for every file but stop_times.txt, which is typed.

gtfs-kit reads every table with pandas (``string`` ids, nullable integers). For
stop_times.txt, by far the largest file, that means one Python string per id and time
and one column per extra field (the GTFS-Flex columns, empty on fixed-schedule rows):
about 500 bytes per stop time. :func:`read_stop_times` reads the same file with the same
CSV options in chunks, keeps only the columns the timetable needs, the ids as categories
(one integer code per row) and the times as int32 seconds parsed while reading, about 20
bytes per stop time. A time that is not ``H:MM:SS`` is kept as :data:`BAD_TIME` with its
text, so that the compile can name it exactly as before (file, line, field).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gtfs_kit as gk
import numpy as np
import pandas as pd
from numpy.typing import NDArray

MISSING_TIME = -1
"""Seconds of an empty time (interpolated or taken from the other time later)."""
BAD_TIME = -2
"""Seconds of a time that is not ``H:MM:SS``; its text is in :attr:`StopTimesRead.bad_times`."""
TIME_COLUMNS = {"arrival_time": "arrival_seconds", "departure_time": "departure_seconds"}
"""GTFS time columns and the int32 columns they become."""
CHUNK_ROWS = 50_000

_TIME = re.compile(r"^\s*(\d{1,3}):([0-5]\d):([0-5]\d)\s*$")
_KEPT = ("trip_id", "stop_id", "stop_sequence", "pickup_type", "drop_off_type", *TIME_COLUMNS)
_IDS = ("trip_id", "stop_id")
_CSV_OPTIONS: dict[str, Any] = {
    # gtfs-kit's options (gtfs_kit/feed.py: _read_feed_from_path), so values read the same
    "na_values": ["", " ", "nan", "NaN", "null"],
    "keep_default_na": True,
    "dtype_backend": "numpy_nullable",
    "encoding": "utf-8-sig",
}
_STOP_TIME_TYPES = {
    "trip_id": "string",
    "stop_id": "string",
    "arrival_time": "string",
    "departure_time": "string",
    "stop_sequence": "Int32",
    "pickup_type": "Int32",
    "drop_off_type": "Int32",
}


@dataclass
class StopTimesRead:
    """stop_times.txt as typed columns, and the text of every time that could not be parsed."""

    table: pd.DataFrame
    """``trip_id``, ``stop_id`` (categorical), ``stop_sequence``, ``pickup_type``, ``drop_off_type``
    (nullable Int32), ``arrival_seconds``, ``departure_seconds`` (int32), each only when the file has
    the column; the index is the row number (line - 2)."""
    bad_times: dict[str, dict[int, str]] = field(default_factory=dict)
    """Per time column (``arrival_time``, ``departure_time``): row number -> text of a bad time."""


def read_feed(source: Path) -> tuple[gk.Feed, StopTimesRead | None]:
    """Read every GTFS table of ``source`` as ``gtfs_kit.read_feed`` does, except stop_times.txt.

    The feed's ``stop_times`` is the typed table of :func:`read_stop_times` (None when the
    file is missing or has no rows); distances are in km.
    """
    tables: dict[str, Any] = dict.fromkeys(gk.constants.DTYPES)
    stop_times: StopTimesRead | None = None
    for table, handle in _feed_files(source):
        if table == "stop_times":
            stop_times = read_stop_times(handle)
            tables[table] = stop_times.table if stop_times is not None else None
            continue
        frame = pd.read_csv(handle, dtype=gk.constants.DTYPES[table], **_CSV_OPTIONS)
        if not frame.empty:
            tables[table] = gk.cleaners.clean_column_names(frame)
    return gk.Feed(dist_units="km", **tables), stop_times


def _feed_files(source: Path) -> Iterator[tuple[str, Any]]:
    """(table, path or open file) of every non-empty GTFS ``.txt`` file gtfs-kit would read, in its order."""
    known = gk.constants.DTYPES
    if source.is_file():
        with zipfile.ZipFile(source) as archive:
            for info in archive.infolist():
                table = Path(info.filename).stem
                if not info.is_dir() and info.file_size and info.filename.endswith(".txt") and table in known:
                    with archive.open(info.filename) as handle:
                        yield table, handle
        return
    for path in source.iterdir():
        if path.is_file() and path.stat().st_size and path.suffix == ".txt" and path.stem in known:
            yield path.stem, path


def read_stop_times(handle: Any) -> StopTimesRead | None:
    """Read stop_times.txt (a path or a binary file) in chunks of :data:`CHUNK_ROWS` rows into typed columns.

    Returns None for a file without rows. Values are read with gtfs-kit's CSV options and
    column types, so ids, empty fields and integers read the same.
    """
    chunks: list[pd.DataFrame] = []
    bad_times: dict[str, dict[int, str]] = {column: {} for column in TIME_COLUMNS}
    reader = pd.read_csv(
        handle,
        dtype=_STOP_TIME_TYPES,
        usecols=lambda column: str(column).strip() in _KEPT,
        chunksize=CHUNK_ROWS,
        **_CSV_OPTIONS,
    )
    with reader:
        for chunk in reader:
            chunk.columns = [str(column).strip() for column in chunk.columns]
            for column in _IDS:
                if column in chunk.columns:  # read as text (a "category" read would infer numbers), then coded
                    chunk[column] = chunk[column].astype("category")
            for column, seconds_column in TIME_COLUMNS.items():
                if column in chunk.columns:
                    chunk[seconds_column] = _seconds(chunk[column], bad_times[column])
                    del chunk[column]
            chunks.append(chunk)
    if sum(len(chunk) for chunk in chunks) == 0:
        return None
    if len(chunks) == 1:
        return StopTimesRead(table=chunks[0], bad_times=bad_times)
    return StopTimesRead(table=_concatenated(chunks), bad_times=bad_times)


def _concatenated(chunks: list[pd.DataFrame]) -> pd.DataFrame:
    """The chunks as one table (ids first, then the other columns), built column by column.

    Each column's chunks are freed as soon as it is joined, so the whole table exists about
    once, not twice (``pd.concat`` of the frames held every chunk until the end). Ids are
    joined with ``union_categoricals``: concatenating categoricals of different categories
    would make them Python strings again.
    """
    index = pd.RangeIndex(sum(len(chunk) for chunk in chunks))
    names = [column for column in _IDS if column in chunks[0].columns]
    names += [column for column in chunks[0].columns if column not in names]
    columns: dict[str, pd.Series] = {}
    for column in names:
        pieces = [chunk.pop(column) for chunk in chunks]
        if column in _IDS:
            columns[column] = pd.Series(pd.api.types.union_categoricals(pieces), index=index, copy=False)
        else:
            columns[column] = pd.concat(pieces, ignore_index=True)
        del pieces
    return pd.DataFrame(columns, index=index, copy=False)


def _seconds(text: pd.Series, bad: dict[int, str]) -> NDArray[np.int32]:
    """``H:MM:SS`` (hours may exceed 24) as seconds; empty is :data:`MISSING_TIME`, anything else :data:`BAD_TIME`."""
    present = text.notna().to_numpy()
    parts = text.str.extract(_TIME)
    parsed = parts[0].notna().to_numpy()
    seconds = np.full(len(text), MISSING_TIME, dtype=np.int32)
    wrong = present & ~parsed
    seconds[wrong] = BAD_TIME
    for label, value in zip(text.index[wrong].tolist(), text[wrong].tolist(), strict=True):
        bad[int(label)] = str(value)
    hours = parts[0][parsed].astype(int).to_numpy()
    minutes = parts[1][parsed].astype(int).to_numpy()
    secs = parts[2][parsed].astype(int).to_numpy()
    seconds[parsed] = hours * 3600 + minutes * 60 + secs
    return seconds
