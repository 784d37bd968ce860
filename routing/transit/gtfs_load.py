"""Load GTFS feeds (gtfs-kit's tables, typed stop times) and check that they can be routed.

Problems name the file, the row (line number in the file, header = line 1) and the field.
A feed that cannot be routed (a required file missing, stop_times pointing at unknown
trips or stops, unreadable times) is refused with :class:`~routing.errors.InputDataError`;
recoverable problems (a trip without any stop time, a service id with no calendar) are
collected as warnings and the affected rows dropped.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import gtfs_kit as gk
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from routing.errors import InputDataError
from routing.time_zones import is_time_zone
from routing.transit.gtfs_limits import GtfsLimits, check_gtfs_files, shown
from routing.transit.gtfs_read import read_feed

REQUIRED_TABLES = ("agency", "stops", "routes", "trips", "stop_times")
_TIME = re.compile(r"^\s*(\d{1,3}):([0-5]\d):([0-5]\d)\s*$")
_FEED_NAME = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


@dataclass
class GtfsFeed:
    """One loaded feed: gtfs-kit's tables plus the namespace its ids get in the region.

    ``feed.stop_times`` is the typed table of :mod:`routing.transit.gtfs_read` (categorical
    ids, int32 ``arrival_seconds``/``departure_seconds``), not gtfs-kit's text columns.
    """

    name: str
    source: Path
    feed: gk.Feed
    warnings: list[str] = field(default_factory=list)
    bad_times: dict[str, dict[int, str]] = field(default_factory=dict)
    """Per stop_times time column: row number -> text of a time that is not ``H:MM:SS``."""

    def table(self, name: str) -> pd.DataFrame | None:
        """Return a GTFS table, or None when the feed has none."""
        value = getattr(self.feed, name, None)
        return value if isinstance(value, pd.DataFrame) and not value.empty else None


def parse_gtfs_times(values: pd.Series, *, file: str, column: str) -> NDArray[np.int32]:
    """Parse ``H:MM:SS`` times (hours may exceed 24) to seconds; missing values become -1.

    Raises
    ------
    InputDataError
        Naming the first row whose time is not ``H:MM:SS``.
    """
    text = values.astype("string")
    present = text.notna().to_numpy()
    parts = text.str.extract(_TIME)
    bad = present & parts[0].isna().to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise InputDataError(
            file, f"line {row + 2}: {column} {shown(text.iloc[row])} is not a time of the form H:MM:SS"
        )
    seconds = np.full(len(values), -1, dtype=np.int32)
    hours = parts[0][present].astype(int).to_numpy()
    minutes = parts[1][present].astype(int).to_numpy()
    secs = parts[2][present].astype(int).to_numpy()
    seconds[present] = hours * 3600 + minutes * 60 + secs
    return seconds


def load_gtfs(
    source: Path, *, name: str, limits: GtfsLimits | None = None, drop_trips: frozenset[str] = frozenset()
) -> GtfsFeed:
    """Read a GTFS zip or folder and validate it.

    Parameters
    ----------
    source
        A ``.zip`` file or a folder of ``.txt`` files.
    name
        Namespace for the feed's ids inside the region (``<name>:<id>``).
    limits
        Size, line-length and compression limits checked before parsing (defaults: :class:`GtfsLimits`).
    drop_trips
        Raw trip ids left out before validation (the feed's GTFS-Flex trips, see :mod:`routing.flex`).

    Raises
    ------
    InputDataError
        Naming file, line and field of the first problem that makes the feed unusable.
    """
    if not _FEED_NAME.match(name):
        raise InputDataError(str(source), f"feed name {name!r} must be 1-32 letters, digits, '-' or '_'")
    if not source.exists():
        raise InputDataError(str(source), "no such GTFS file or folder")
    check_gtfs_files(source, limits)
    try:
        feed, stop_times = read_feed(source)
    except (ValueError, TypeError, KeyError, OSError, zipfile.BadZipFile, pd.errors.ParserError) as exc:
        raise InputDataError(str(source), f"cannot read GTFS: {exc}") from exc
    if drop_trips:
        feed.trips = feed.trips[~feed.trips["trip_id"].astype(str).isin(drop_trips)]
        if feed.stop_times is not None:
            feed.stop_times = feed.stop_times[~_as_text(feed.stop_times["trip_id"]).isin(drop_trips)]
    loaded = GtfsFeed(
        name=name, source=source, feed=feed, bad_times=stop_times.bad_times if stop_times is not None else {}
    )
    _validate(loaded)
    return loaded


def _as_text(values: pd.Series) -> pd.Series:
    """``values.astype(str)`` as gtfs-kit's string columns give it (empty -> ``"<NA>"``), kept categorical."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.add_categories(["<NA>"]).fillna("<NA>") if values.isna().any() else values
    return values.astype(str)


def _value(values: pd.Series, row: int) -> object:
    """The value of ``row`` as gtfs-kit's string columns hold it (empty: ``pd.NA``), for messages."""
    value = values.iloc[row]
    return pd.NA if pd.isna(value) else value


def _require_columns(table: pd.DataFrame, file: str, columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise InputDataError(file, f"required column(s) missing: {', '.join(missing)}")


def _present(values: pd.Series) -> pd.Series:
    """The distinct values of a (categorical) column, without building one string per row."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy()
        return pd.Series(values.cat.categories[np.unique(codes[codes >= 0])])
    return values


def _first_unknown(values: pd.Series, known: pd.Series) -> int | None:
    if isinstance(values.dtype, pd.CategoricalDtype):
        # decided once per category: isin on the column itself would expand it to strings
        known_category = np.append(values.cat.categories.isin(known), False)  # code -1 (empty) is unknown
        unknown = pd.Series(~known_category[values.cat.codes.to_numpy()])
    else:
        unknown = ~values.isin(known)
    if unknown.any():
        return int(np.flatnonzero(unknown.to_numpy())[0])
    return None


def _check_time_zones(table: pd.DataFrame, file: str, column: str, *, required: bool) -> None:
    """Refuse a row whose time zone is not an IANA zone this machine knows (file, line, field)."""
    if column not in table.columns:
        if required:
            raise InputDataError(file, f"required column(s) missing: {column}")
        return
    values = table[column]
    for row, value in enumerate(values):
        if pd.isna(value):
            if required:
                raise InputDataError(file, f"line {row + 2}: {column} is empty")
            continue
        if not is_time_zone(str(value)):
            raise InputDataError(file, f"line {row + 2}: {column} {shown(str(value))} is not an IANA time zone")


def _validate(loaded: GtfsFeed) -> None:
    src = str(loaded.source)
    for table in REQUIRED_TABLES:
        if loaded.table(table) is None:
            raise InputDataError(src, f"required file {table}.txt is missing or empty")
    if loaded.table("calendar") is None and loaded.table("calendar_dates") is None:
        raise InputDataError(src, "neither calendar.txt nor calendar_dates.txt is present")

    stops = loaded.feed.stops
    trips = loaded.feed.trips
    stop_times = loaded.feed.stop_times
    _require_columns(stops, f"{src}/stops.txt", ("stop_id",))
    _require_columns(trips, f"{src}/trips.txt", ("trip_id", "route_id", "service_id"))
    _require_columns(stop_times, f"{src}/stop_times.txt", ("trip_id", "stop_id", "stop_sequence"))

    row = _first_unknown(stop_times["trip_id"], trips["trip_id"])
    if row is not None:
        raise InputDataError(
            f"{src}/stop_times.txt",
            f"line {row + 2}: trip_id {shown(_value(stop_times['trip_id'], row))} is not in trips.txt",
        )
    row = _first_unknown(stop_times["stop_id"], stops["stop_id"])
    if row is not None:
        raise InputDataError(
            f"{src}/stop_times.txt",
            f"line {row + 2}: stop_id {shown(_value(stop_times['stop_id'], row))} is not in stops.txt",
        )
    row = _first_unknown(trips["route_id"], loaded.feed.routes["route_id"])
    if row is not None:
        raise InputDataError(
            f"{src}/trips.txt", f"line {row + 2}: route_id {shown(trips['route_id'].iloc[row])} is not in routes.txt"
        )
    duplicated = stops["stop_id"].duplicated()
    if duplicated.any():
        row = int(np.flatnonzero(duplicated.to_numpy())[0])
        raise InputDataError(f"{src}/stops.txt", f"line {row + 2}: stop_id {shown(stops['stop_id'].iloc[row])} repeats")

    location_type = stops.get("location_type", pd.Series(0, index=stops.index)).fillna(0)
    positioned = location_type.isin([0, 1, 2]).to_numpy()
    lat = pd.to_numeric(stops.get("stop_lat"), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    lon = pd.to_numeric(stops.get("stop_lon"), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = positioned & ~((np.abs(lat) <= 90) & (np.abs(lon) <= 180))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise InputDataError(
            f"{src}/stops.txt",
            f"line {row + 2}: stop {shown(stops['stop_id'].iloc[row])} has no valid stop_lat/stop_lon",
        )

    _check_time_zones(loaded.feed.agency, f"{src}/agency.txt", "agency_timezone", required=True)
    _check_time_zones(stops, f"{src}/stops.txt", "stop_timezone", required=False)

    served = trips["trip_id"].isin(_present(stop_times["trip_id"]))
    if not served.all():
        loaded.warnings.append(f"{src}/trips.txt: {int((~served).sum())} trip(s) have no stop times; ignored")

    services = pd.concat(
        [t["service_id"] for t in (loaded.table("calendar"), loaded.table("calendar_dates")) if t is not None]
    )
    unknown_service = ~trips["service_id"].isin(services)
    if unknown_service.any():
        loaded.warnings.append(
            f"{src}/trips.txt: {int(unknown_service.sum())} trip(s) name a service_id without calendar "
            f"(first: {shown(trips['service_id'][unknown_service].iloc[0])}); they never run"
        )
