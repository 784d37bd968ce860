"""A view of a GTFS feed for the flex split that holds only the stop times that can be flex.

:func:`routing.flex.load.load_flex` keeps every ``stop_times.txt`` row as a dict to find the
flex trips: 1,200 bytes per stop_time, the peak of a whole region build at NVV scale
(3 million stop_times, 3.8 GB). The view streams ``stop_times.txt`` twice and writes a
copy in which only the rows of *candidate* trips remain: trips with a row that names a
zone or group (``location_id``, ``location_group_id``), a pickup/drop-off window (also the
draft-era ``min_arrival_time``/``max_departure_time``), or a ``stop_id`` that is not a
positioned stop of ``stops.txt``. Every flex trip is a candidate (a superset of load_flex's
own rule), and a candidate keeps all its rows, so load_flex finds the same trips with the
same rows. Every other row becomes an empty line: the file's line numbers, and with them
every message, stay those of the original. The other files are linked (a folder) or
extracted (a zip). Messages name the view's folder; :func:`original_paths` puts the
original feed path back.
"""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

FLEX_COLUMNS = (
    "location_id",
    "location_group_id",
    "start_pickup_drop_off_window",
    "end_pickup_drop_off_window",
    "min_arrival_time",
    "max_departure_time",
)
STOP_TIMES = "stop_times.txt"


def _members(source: Path) -> dict[str, zipfile.ZipInfo]:
    """The zip's .txt and .geojson members by file name (a later one of the same name wins, as when read)."""
    with zipfile.ZipFile(source) as archive:
        return {
            info.filename.rsplit("/", 1)[-1]: info
            for info in archive.infolist()
            if info.filename.rsplit("/", 1)[-1].endswith((".txt", ".geojson"))
        }


@contextmanager
def _open_text(source: Path, name: str) -> Iterator[IO[str] | None]:
    """File ``name`` of the feed as text (None when absent), decoded as the flex reader decodes it."""
    if source.is_dir():
        path = source / name
        if not path.is_file():
            yield None
            return
        with path.open(encoding="utf-8-sig", newline="") as handle:
            yield handle
        return
    info = _members(source).get(name)
    if info is None:
        yield None
        return
    with zipfile.ZipFile(source) as archive, archive.open(info) as raw:
        yield io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")


def _positioned_stops(source: Path) -> set[str]:
    with _open_text(source, "stops.txt") as handle:
        if handle is None:
            return set()
        reader = csv.reader(handle)
        header = [column.strip() for column in next(reader, [])]
        stops = set()
        for values in reader:
            row = dict(zip(header, values, strict=False))
            stop_id = (row.get("stop_id") or "").strip()
            if stop_id and (row.get("stop_lat") or "").strip() and (row.get("stop_lon") or "").strip():
                stops.add(stop_id)
        return stops


def _last_index(header: list[str], column: str) -> int | None:
    """Where ``column`` is read from (the last of repeated names, as a row dict keeps it)."""
    return len(header) - 1 - header[::-1].index(column) if column in header else None


def _candidate_trips(source: Path, stops: set[str]) -> set[str]:
    with _open_text(source, STOP_TIMES) as handle:
        if handle is None:
            return set()
        reader = csv.reader(handle)
        header = [column.strip() for column in next(reader, [])]
        flex_at = [i for i, column in enumerate(header) if column in FLEX_COLUMNS]
        trip_at, stop_at = _last_index(header, "trip_id"), _last_index(header, "stop_id")
        trips = set()
        for values in reader:
            if trip_at is None or trip_at >= len(values):
                continue
            stop = values[stop_at].strip() if stop_at is not None and stop_at < len(values) else ""
            if (stop and stop not in stops) or any(i < len(values) and values[i].strip() for i in flex_at):
                trips.add(values[trip_at].strip())
        return trips


def _write_stop_times(source: Path, view: Path, trips: set[str]) -> None:
    with _open_text(source, STOP_TIMES) as handle:
        if handle is None:
            return
        with (view / STOP_TIMES).open("w", encoding="utf-8", newline="") as out:
            reader, writer = csv.reader(handle), csv.writer(out)
            header = next(reader, None)
            if header is None:
                return
            writer.writerow(header)
            names = [column.strip() for column in header]
            trip_at = _last_index(names, "trip_id")
            for values in reader:
                keep = trip_at is not None and trip_at < len(values) and values[trip_at].strip() in trips
                if keep:
                    writer.writerow(values)
                else:
                    out.write("\r\n")  # an empty record: skipped when read, and the line count stays


def _other_files(source: Path, view: Path) -> None:
    if source.is_dir():
        for path in source.iterdir():
            if path.suffix in (".txt", ".geojson") and path.name != STOP_TIMES:
                (view / path.name).symlink_to(path.resolve())
        return
    members = _members(source)
    with zipfile.ZipFile(source) as archive:
        for name, info in members.items():
            if name != STOP_TIMES:
                (view / name).write_bytes(archive.read(info))


@contextmanager
def flex_view(source: Path) -> Iterator[Path]:
    """A folder that reads like ``source`` for load_flex, with only candidate flex trips in stop_times.txt.

    Yields ``source`` itself when the feed cannot be read that way (missing, not a zip, not
    UTF-8, not CSV): load_flex then reports the problem on the original, as before.
    """
    with tempfile.TemporaryDirectory(prefix="flex-view-") as scratch:
        view = Path(scratch) / "feed"
        try:
            view.mkdir()
            _other_files(source, view)
            _write_stop_times(source, view, _candidate_trips(source, _positioned_stops(source)))
        except (OSError, zipfile.BadZipFile, UnicodeDecodeError, csv.Error):
            view = source
        yield view


def original_paths(text: str, view: Path, source: Path) -> str:
    """``text`` (a message) naming ``source`` where it names the view."""
    return text if view == source else text.replace(str(view), str(source))
