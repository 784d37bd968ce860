"""Compile GTFS feeds into the flat timetable arrays of :mod:`routing.transit.timetable`.

Service days are computed exactly (calendar date ranges and weekday flags, calendar_dates
additions and removals), frequencies are expanded into concrete runs, missing
intermediate times are interpolated, and trips are grouped into patterns that no trip
overtakes another in (so a binary search finds the earliest trip).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from routing.errors import InputDataError
from routing.strings import StringTable
from routing.transit.gtfs_limits import shown
from routing.transit.gtfs_load import GtfsFeed, parse_gtfs_times
from routing.transit.gtfs_read import BAD_TIME, MISSING_TIME, TIME_COLUMNS
from routing.transit.platforms import stop_platform
from routing.transit.timetable import ALIGHT, BOARD, MAX_WINDOW_DAYS, Timetable

logger = logging.getLogger(__name__)


@dataclass
class _TripRows:
    """Stop times of the running trips, sorted by trip then sequence (plain arrays, int32 indexes)."""

    trip: NDArray[np.int32]
    stop: NDArray[np.int32]
    arrival: NDArray[np.int32]
    departure: NDArray[np.int32]
    flags: NDArray[np.uint8]
    sequence: NDArray[np.int32]


class _Run(NamedTuple):
    """One concrete run of a trip on its stops, before grouping into patterns."""

    trip_id: str
    route: int
    days: int
    frequency: int
    stops: NDArray[np.int32]
    arrival: NDArray[np.int32]
    departure: NDArray[np.int32]
    flags: NDArray[np.uint8]
    wheelchair: int
    headsign: str
    bikes: int
    first_departure: int
    sequence: NDArray[np.int32]


def service_days(feed: GtfsFeed, days: list[date]) -> dict[str, int]:
    """Return, per service id, the bit mask of ``days`` on which it runs.

    Calendar start and end dates and weekday flags apply; calendar_dates adds
    (exception_type 1) or removes (2) single days.
    """
    masks: dict[str, int] = defaultdict(int)
    day_index = {d: i for i, d in enumerate(days)}
    calendar = feed.table("calendar")
    weekdays = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    if calendar is not None:
        for row in calendar.itertuples(index=False):
            start = _gtfs_date(row.start_date, f"{feed.source}/calendar.txt", "start_date")
            end = _gtfs_date(row.end_date, f"{feed.source}/calendar.txt", "end_date")
            runs = [int(getattr(row, name) or 0) == 1 for name in weekdays]
            mask = 0
            for day, i in day_index.items():
                if start <= day <= end and runs[day.weekday()]:
                    mask |= 1 << i
            masks[str(row.service_id)] |= mask
    exceptions = feed.table("calendar_dates")
    if exceptions is not None:
        for row in exceptions.itertuples(index=False):
            day = _gtfs_date(row.date, f"{feed.source}/calendar_dates.txt", "date")
            index = day_index.get(day)
            if index is None:
                masks.setdefault(str(row.service_id), 0)
                continue
            if int(row.exception_type) == 1:
                masks[str(row.service_id)] |= 1 << index
            elif int(row.exception_type) == 2:
                masks[str(row.service_id)] &= ~(1 << index)
    return dict(masks)


def feed_date_range(feed: GtfsFeed) -> str:
    """Return the first and last day named by a feed's calendars, as text."""
    days: list[str] = []
    calendar = feed.table("calendar")
    if calendar is not None:
        days += [str(v) for v in calendar["start_date"]] + [str(v) for v in calendar["end_date"]]
    exceptions = feed.table("calendar_dates")
    if exceptions is not None:
        days += [str(v) for v in exceptions["date"]]
    if not days:
        return "no dates"
    first, last = min(days), max(days)
    return f"{first[:4]}-{first[4:6]}-{first[6:8]} .. {last[:4]}-{last[4:6]}-{last[6:8]}"


def _gtfs_date(value: object, file: str, column: str) -> date:
    text = str(value)
    try:
        return date(int(text[0:4]), int(text[4:6]), int(text[6:8]))
    except ValueError as exc:
        raise InputDataError(file, f"{column} {text!r} is not a date YYYYMMDD") from exc


def interpolate_times(values: NDArray[np.int32], trip: NDArray[np.integer[Any]]) -> NDArray[np.int32]:
    """Fill missing (-1) times linearly between the known times of the same trip.

    The scans run on int32 positions (4 bytes a row, not 8); the interpolation itself, on
    the missing rows only, in int64 as before.
    """
    missing = values < 0
    if not missing.any():
        return values
    positions = np.int32 if values.size < np.iinfo(np.int32).max else np.int64
    index = np.arange(values.size, dtype=positions)
    previous = np.where(missing, -1, index)
    np.maximum.accumulate(previous, out=previous)
    following = np.where(missing, values.size, index)
    np.minimum.accumulate(following[::-1], out=following[::-1])
    ok = missing & (previous >= 0) & (following < values.size)
    ok &= trip[np.clip(previous, 0, None)] == trip
    ok &= trip[np.clip(following, None, values.size - 1)] == trip
    result = values.copy()
    p, f, i = (array[ok].astype(np.int64) for array in (previous, following, index))
    result[ok] = values[p] + (values[f] - values[p]) * (i - p) // (f - p)
    return result


def _stop_time_rows(feed: GtfsFeed, trip_index: dict[str, int], stop_index: dict[str, int]) -> _TripRows:
    """The running trips' stop times as sorted int32/uint8 arrays.

    About 21 bytes a row are kept; the temporaries are freed column by column (no int64
    or float64 copy of a whole column but the sort order), since at NVV scale (3 million
    rows) every 8-byte column is 25 MB.
    """
    table = feed.feed.stop_times
    src = f"{feed.source}/stop_times.txt"
    trip = _category_index(table["trip_id"], trip_index)
    keep: NDArray[np.bool_] | None = trip >= 0
    if keep is not None and keep.all():
        keep = None  # every row runs: columns are used as they are, no filtered copies
    trip = _kept(trip, keep)
    arrival = _kept_seconds(feed, table, "arrival_time", keep, src)
    departure = _kept_seconds(feed, table, "departure_time", keep, src)
    arrival = np.where(arrival < 0, departure, arrival)
    departure = np.where(departure < 0, arrival, departure)
    stop = _kept(_category_index(table["stop_id"], stop_index), keep)
    sequence = _kept(table["stop_sequence"].to_numpy(dtype=float, na_value=np.nan), keep)
    if np.isnan(sequence).any():
        row = int(np.flatnonzero(np.isnan(sequence))[0])
        raise InputDataError(src, f"line {row + 2}: stop_sequence is not a number")
    sequence_int = sequence.astype(np.int32)  # GTFS sequences are integers (read as Int32): the same order
    del sequence
    flags = _stop_flags(table, keep)
    order = np.lexsort((sequence_int, trip))
    trip, stop, arrival, departure = trip[order], stop[order], arrival[order], departure[order]
    flags, sequence_int = flags[order], sequence_int[order]
    del order
    arrival = interpolate_times(arrival, trip)
    departure = np.where(departure < 0, arrival, interpolate_times(departure, trip))
    return _TripRows(trip=trip, stop=stop, arrival=arrival, departure=departure, flags=flags, sequence=sequence_int)


def _kept(values: NDArray[Any], keep: NDArray[np.bool_] | None) -> NDArray[Any]:
    """``values`` of the kept rows (all rows when ``keep`` is None)."""
    return values if keep is None else values[keep]


def _category_index(values: pd.Series, index: dict[str, int]) -> NDArray[np.int32]:
    """``index`` of every (categorical) id in ``values``; -1 for ids not in ``index`` and for empty ones."""
    categories = [str(value) for value in values.cat.categories]
    lookup = np.array([index.get(value, -1) for value in categories] + [-1], dtype=np.int32)
    codes = values.cat.codes.to_numpy()  # int8..int32; code -1 (empty) picks the trailing -1
    indexes: NDArray[np.int32] = lookup[codes]
    return indexes


def _kept_seconds(
    feed: GtfsFeed, table: pd.DataFrame, column: str, keep: NDArray[np.bool_] | None, src: str
) -> NDArray[np.int32]:
    """Seconds of time ``column`` in the kept rows (-1 empty or absent).

    Raises
    ------
    InputDataError
        Naming the first kept row (counted among the kept rows) whose time is not ``H:MM:SS``.
    """
    seconds_column = TIME_COLUMNS[column]
    if seconds_column not in table.columns:
        count = len(table) if keep is None else int(keep.sum())
        return np.full(count, MISSING_TIME, dtype=np.int32)
    seconds: NDArray[np.int32] = _kept(table[seconds_column].to_numpy(dtype=np.int32), keep)
    bad = np.flatnonzero(seconds == BAD_TIME)
    if bad.size:
        row = int(bad[0])
        position = row if keep is None else int(np.flatnonzero(keep)[row])
        text = feed.bad_times[column][int(table.index[position])]
        raise InputDataError(src, f"line {row + 2}: {column} {shown(text)} is not a time of the form H:MM:SS")
    return seconds


def _stop_flags(table: pd.DataFrame, keep: NDArray[np.bool_] | None) -> NDArray[np.uint8]:
    """BOARD unless pickup_type is 1, ALIGHT unless drop_off_type is 1 (empty or absent: 0), per kept row."""
    flags = np.full(len(table) if keep is None else int(keep.sum()), BOARD | ALIGHT, dtype=np.uint8)
    for column, flag in (("pickup_type", BOARD), ("drop_off_type", ALIGHT)):
        if column in table.columns:
            one = (pd.to_numeric(table[column], errors="coerce") == 1).to_numpy(dtype=bool, na_value=False)
            flags[_kept(one, keep)] &= np.uint8(~flag & 0xFF)
    return flags


@dataclass
class _TripInstance:
    """One concrete run: a GTFS trip, or one departure of a frequency-based trip."""

    trip_id: str
    source_trip: int
    shift: int
    frequency: int


def _instances(feed: GtfsFeed, trip_ids: list[str], first_departure: dict[int, int]) -> list[_TripInstance]:
    frequencies = feed.table("frequencies")
    by_trip: dict[str, list[tuple[int, int, int, int]]] = defaultdict(list)
    if frequencies is not None:
        src = f"{feed.source}/frequencies.txt"
        starts = parse_gtfs_times(frequencies["start_time"], file=src, column="start_time")
        ends = parse_gtfs_times(frequencies["end_time"], file=src, column="end_time")
        headways = pd.to_numeric(frequencies["headway_secs"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        exact = frequencies.get("exact_times", pd.Series(0, index=frequencies.index)).fillna(0).astype(int).to_numpy()
        for row, trip_id in enumerate(frequencies["trip_id"].astype(str)):
            if not headways[row] > 0:
                raise InputDataError(src, f"line {row + 2}: headway_secs must be a positive number")
            by_trip[trip_id].append((int(starts[row]), int(ends[row]), int(headways[row]), int(exact[row])))
    instances = []
    for index, trip_id in enumerate(trip_ids):
        if index not in first_departure:
            continue
        windows = by_trip.get(trip_id)
        if not windows:
            instances.append(_TripInstance(trip_id, index, 0, 0))
            continue
        for start, end, headway, exact in windows:
            for departure in range(start, end, headway):
                label = f"{trip_id}@{departure // 3600:02d}:{departure % 3600 // 60:02d}:{departure % 60:02d}"
                instances.append(_TripInstance(label, index, departure - first_departure[index], 1 if exact else 2))
    return instances


def compile_timetable(
    feeds: list[GtfsFeed], *, first_day: date, days: int, release_stop_times: bool = False
) -> Timetable:
    """Compile ``feeds`` for the service days ``first_day - 1`` .. ``first_day + days - 1``.

    The window is never expanded day by day: each trip keeps one bit mask of the days it
    runs on (``trip_days``), so memory grows with the trips, not with the window's length.
    The steps: stops and routes of all feeds, the concrete runs of each feed, patterns
    that no trip overtakes in, and the flat arrays.

    With ``release_stop_times`` each feed's stop_times table is dropped (``feed.feed.stop_times``
    becomes None) as soon as its rows are sorted arrays, so the rest of the compile does not
    hold it; for a caller that does not use the feeds again (the region build).

    Raises
    ------
    InputDataError
        When a feed cannot be routed, or no trip runs in the window.
    """
    if not 1 <= days <= MAX_WINDOW_DAYS:
        raise InputDataError("timetable", f"window of {days} days; choose 1..{MAX_WINDOW_DAYS}")
    day0 = first_day - timedelta(days=1)
    window = [day0 + timedelta(days=i) for i in range(days + 1)]
    warnings: list[str] = [warning for feed in feeds for warning in feed.warnings]
    stops, routes = _stop_table(feeds), _route_table(feeds)
    stop_index = {key: i for i, key in enumerate(stops["key"])}
    route_index = {key: i for i, key in enumerate(routes["key"])}
    runs = [
        run
        for feed in feeds
        for run in _feed_runs(feed, window, stop_index, route_index, warnings, release_stop_times=release_stop_times)
    ]
    if not runs:
        ranges = "; ".join(f"{feed.name}: {feed_date_range(feed)}" for feed in feeds)
        raise InputDataError(
            "timetable",
            f"no trip runs between {first_day} and {window[-1]}; the feeds cover {ranges} (use --first-day)",
        )
    members = _fifo_patterns(runs)
    transfer_arrays = _transfers(feeds, stop_index)
    return Timetable(
        day0=day0,
        day_count=len(window),
        **_stop_arrays(stops, stop_index),
        **_route_arrays(routes),
        **_pattern_arrays(runs, members),
        **_trip_arrays([runs[i] for pattern in members for i in pattern]),
        transfer_from=transfer_arrays[0],
        transfer_to=transfer_arrays[1],
        transfer_type=transfer_arrays[2],
        transfer_min_seconds=transfer_arrays[3],
        warnings=warnings,
    )


def _column(table: pd.DataFrame, name: str, default: object) -> pd.Series:
    """Column ``name`` of ``table``, or ``default`` in every row when the file lacks it."""
    column = table.get(name)
    return column if column is not None else pd.Series(default, index=table.index)


def _stop_table(feeds: list[GtfsFeed]) -> pd.DataFrame:
    """stops.txt of every feed, with namespaced ``key`` and ``parent_key`` ("" without a parent)."""
    frames = []
    for feed in feeds:
        stops = feed.feed.stops.copy()
        stops["key"] = feed.name + ":" + stops["stop_id"].astype(str)
        stops["parent_key"] = np.where(
            _column(stops, "parent_station", pd.NA).notna(),
            feed.name + ":" + _column(stops, "parent_station", "").astype(str),
            "",
        )
        frames.append(stops)
    return pd.concat(frames, ignore_index=True)


def _route_table(feeds: list[GtfsFeed]) -> pd.DataFrame:
    """routes.txt of every feed, with namespaced ``key``, ``agency_key`` and the ``agency_name`` of each route."""
    frames = []
    for feed in feeds:
        routes = feed.feed.routes.copy()
        routes["key"] = feed.name + ":" + routes["route_id"].astype(str)
        agency = feed.feed.agency
        default_agency = str(agency["agency_name"].iloc[0]) if "agency_name" in agency else ""
        sole_agency = str(agency["agency_id"].iloc[0]) if "agency_id" in agency and len(agency) == 1 else ""
        agency_ids = (
            routes["agency_id"].astype("string").fillna(sole_agency).astype(str)
            if "agency_id" in routes
            else sole_agency
        )
        routes["agency_key"] = feed.name + ":" + agency_ids
        if "agency_id" in routes and "agency_id" in agency:
            names = dict(zip(agency["agency_id"].astype(str), agency["agency_name"].astype(str), strict=False))
            routes["agency_name"] = routes["agency_id"].astype(str).map(names).fillna(default_agency)
        else:
            routes["agency_name"] = default_agency
        frames.append(routes)
    return pd.concat(frames, ignore_index=True)


def _trip_spans(
    feed: GtfsFeed, rows: _TripRows, trip_ids: list[str], warnings: list[str]
) -> tuple[dict[int, int], dict[int, tuple[int, int]]]:
    """First departure and row span of every routable trip; the others are named in ``warnings``."""
    bounds = np.flatnonzero(np.diff(rows.trip)) + 1
    starts = np.concatenate(([0], bounds)) if rows.trip.size else np.zeros(0, dtype=np.int64)
    ends = np.concatenate((bounds, [rows.trip.size])) if rows.trip.size else np.zeros(0, dtype=np.int64)
    first_departure: dict[int, int] = {}
    spans: dict[int, tuple[int, int]] = {}
    where = f"{feed.source}/stop_times.txt"
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        trip = int(rows.trip[start])
        arrival, departure = rows.arrival[start:end], rows.departure[start:end]
        if end - start < 2:
            warnings.append(f"{where}: trip {trip_ids[trip]!r} has fewer than 2 stops; ignored")
        elif (arrival < 0).any() or (departure < 0).any():
            warnings.append(f"{where}: trip {trip_ids[trip]!r} lacks first/last times; ignored")
        elif (np.diff(arrival) < 0).any() or (departure < arrival).any():
            warnings.append(f"{where}: trip {trip_ids[trip]!r} goes back in time; ignored")
        else:
            first_departure[trip] = int(departure[0])
            spans[trip] = (start, end)
    return first_departure, spans


def _feed_runs(
    feed: GtfsFeed,
    window: list[date],
    stop_index: dict[str, int],
    route_index: dict[str, int],
    warnings: list[str],
    *,
    release_stop_times: bool = False,
) -> list[_Run]:
    """The concrete runs of one feed's trips that run at least once in ``window`` (frequencies expanded)."""
    masks = service_days(feed, window)
    trips = feed.feed.trips
    trip_mask = trips["service_id"].astype(str).map(masks).fillna(0).astype(np.int64).to_numpy()
    running = trip_mask != 0
    trip_ids = trips["trip_id"].astype(str).tolist()
    local_index = {trip_id: i for i, trip_id in enumerate(trip_ids) if running[i]}
    local_stop_index = {str(sid): stop_index[f"{feed.name}:{sid}"] for sid in feed.feed.stops["stop_id"]}
    rows = _stop_time_rows(feed, local_index, local_stop_index)
    if release_stop_times:
        feed.feed.stop_times = None
    first_departure, spans = _trip_spans(feed, rows, trip_ids, warnings)
    headsigns = _column(trips, "trip_headsign", "").fillna("").astype(str).tolist()
    wheelchair = _column(trips, "wheelchair_accessible", 0).fillna(0).astype(int).tolist()
    bikes = _column(trips, "bikes_allowed", 0).fillna(0).astype(int).tolist()
    route_of = [route_index[f"{feed.name}:{rid}"] for rid in trips["route_id"].astype(str)]
    runs = []
    for instance in _instances(feed, trip_ids, first_departure):
        trip = instance.source_trip
        start, end = spans[trip]
        runs.append(
            _Run(
                trip_id=f"{feed.name}:{instance.trip_id}",
                route=route_of[trip],
                days=int(trip_mask[trip]),
                frequency=instance.frequency,
                stops=rows.stop[start:end],
                arrival=_shifted(rows.arrival[start:end], instance.shift),
                departure=_shifted(rows.departure[start:end], instance.shift),
                flags=rows.flags[start:end],
                wheelchair=wheelchair[trip],
                headsign=headsigns[trip],
                bikes=bikes[trip],
                first_departure=first_departure[trip] + instance.shift,
                sequence=rows.sequence[start:end],
            )
        )
    return runs


def _shifted(times: NDArray[np.int32], shift: int) -> NDArray[np.int32]:
    """``times + shift``; a trip's own times (shift 0) stay a view of the sorted rows, not a copy per trip."""
    return times if shift == 0 else times + shift


def _fifo_patterns(runs: list[_Run]) -> list[list[int]]:
    """Runs grouped into patterns (same route, stops and boarding rules), split so that no trip overtakes another.

    Each pattern lists its runs by first departure (then last arrival); a run joins the
    first lane whose last run is nowhere later than it, else it starts a new lane.
    """
    groups: dict[tuple[int, bytes, bytes], list[int]] = defaultdict(list)
    for i, run in enumerate(runs):
        groups[(run.route, run.stops.tobytes(), run.flags.tobytes())].append(i)
    patterns: list[list[int]] = []
    for members in groups.values():
        members.sort(key=lambda i: (runs[i].first_departure, int(runs[i].arrival[-1])))
        lanes: list[list[int]] = []
        for i in members:
            arrival, departure = runs[i].arrival, runs[i].departure
            lane = next(
                (
                    lane
                    for lane in lanes
                    if (runs[lane[-1]].arrival <= arrival).all() and (runs[lane[-1]].departure <= departure).all()
                ),
                None,
            )
            if lane is None:
                lanes.append([i])
            else:
                lane.append(i)
        patterns.extend(lanes)
    return patterns


def _pattern_arrays(runs: list[_Run], patterns: list[list[int]]) -> dict[str, Any]:
    """The pattern and stop-time arrays of :class:`Timetable`, trip-major within each pattern."""
    first_runs = [runs[members[0]] for members in patterns]
    stop_counts = np.array([len(run.stops) for run in first_runs], dtype=np.int64)
    trip_counts = np.array([len(members) for members in patterns], dtype=np.int64)
    ordered = [runs[i] for members in patterns for i in members]
    return {
        "pattern_stop_offsets": np.concatenate(([0], np.cumsum(stop_counts))).astype(np.int32),
        "pattern_stops": np.concatenate([run.stops for run in first_runs]).astype(np.int32, copy=False),
        "pattern_flags": np.concatenate([run.flags for run in first_runs]).astype(np.uint8),
        "pattern_trip_offsets": np.concatenate(([0], np.cumsum(trip_counts))).astype(np.int32),
        "pattern_time_offsets": np.concatenate(([0], np.cumsum(trip_counts * stop_counts))).astype(np.int64),
        "pattern_route": np.array([run.route for run in first_runs], dtype=np.int32),
        "arrival": np.concatenate([run.arrival for run in ordered]).astype(np.int32, copy=False),
        "departure": np.concatenate([run.departure for run in ordered]).astype(np.int32, copy=False),
        "stop_sequence": np.concatenate([run.sequence for run in ordered]).astype(np.int32, copy=False),
    }


def _trip_arrays(ordered: list[_Run]) -> dict[str, Any]:
    """The per-trip columns of :class:`Timetable`, in pattern order."""
    return {
        "trip_id": StringTable.from_strings(run.trip_id for run in ordered),
        "trip_headsign": StringTable.from_strings(run.headsign for run in ordered),
        "trip_days": np.array([run.days for run in ordered], dtype=np.uint32),
        "trip_wheelchair": np.array([run.wheelchair for run in ordered], dtype=np.int8),
        "trip_bikes": np.array([run.bikes for run in ordered], dtype=np.int8),
        "trip_frequency": np.array([run.frequency for run in ordered], dtype=np.int8),
    }


def _stop_arrays(stops: pd.DataFrame, stop_index: dict[str, int]) -> dict[str, Any]:
    """The per-stop columns of :class:`Timetable` (parents as indexes, -1 for none)."""
    names = _column(stops, "stop_name", "").fillna("").astype(str)
    codes = _column(stops, "platform_code", "").astype("string").fillna("").astype(str)
    return {
        "stop_id": StringTable.from_strings(stops["key"]),
        "stop_name": StringTable.from_strings(names),
        "stop_platform": StringTable.from_strings(
            stop_platform(code, name) for code, name in zip(codes, names, strict=True)
        ),
        "stop_lat": pd.to_numeric(stops["stop_lat"], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan),
        "stop_lon": pd.to_numeric(stops["stop_lon"], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan),
        "stop_parent": stops["parent_key"]
        .map(lambda key: stop_index.get(key, -1) if key else -1)
        .to_numpy(dtype=np.int32),
        "stop_location_type": _column(stops, "location_type", 0).fillna(0).astype(np.int8).to_numpy(),
        "stop_wheelchair": _column(stops, "wheelchair_boarding", 0).fillna(0).astype(np.int8).to_numpy(),
    }


def _route_arrays(routes: pd.DataFrame) -> dict[str, Any]:
    """The per-route columns of :class:`Timetable`."""
    return {
        "route_id": StringTable.from_strings(routes["key"]),
        "route_short_name": StringTable.from_strings(_column(routes, "route_short_name", "").fillna("").astype(str)),
        "route_long_name": StringTable.from_strings(_column(routes, "route_long_name", "").fillna("").astype(str)),
        "route_agency": StringTable.from_strings(routes["agency_name"].astype(str)),
        "route_agency_id": StringTable.from_strings(routes["agency_key"].astype(str)),
        "route_type": routes["route_type"].fillna(3).astype(np.int16).to_numpy(),
    }


def _transfers(
    feeds: list[GtfsFeed], stop_index: dict[str, int]
) -> tuple[NDArray[np.int32], NDArray[np.int32], NDArray[np.int8], NDArray[np.int32]]:
    frames = []
    for feed in feeds:
        table = feed.table("transfers")
        if table is None or "from_stop_id" not in table or "to_stop_id" not in table:
            continue
        table = table[table["from_stop_id"].notna() & table["to_stop_id"].notna()]
        from_key = (feed.name + ":" + table["from_stop_id"].astype(str)).map(stop_index)
        to_key = (feed.name + ":" + table["to_stop_id"].astype(str)).map(stop_index)
        known = from_key.notna() & to_key.notna()
        frames.append(
            pd.DataFrame(
                {
                    "from": from_key[known].astype(int),
                    "to": to_key[known].astype(int),
                    "type": table["transfer_type"][known].fillna(0).astype(int),
                    "min": table.get("min_transfer_time", pd.Series(0, index=table.index))[known].fillna(0).astype(int),
                }
            )
        )
    if not frames:
        empty32 = np.zeros(0, dtype=np.int32)
        return empty32, empty32.copy(), np.zeros(0, dtype=np.int8), empty32.copy()
    merged = pd.concat(frames, ignore_index=True)
    return (
        merged["from"].to_numpy(np.int32),
        merged["to"].to_numpy(np.int32),
        merged["type"].to_numpy(np.int8),
        merged["min"].to_numpy(np.int32),
    )
