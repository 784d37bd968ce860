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
from typing import NamedTuple

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from routing.errors import InputDataError
from routing.strings import StringTable
from routing.transit.gtfs_load import GtfsFeed, parse_gtfs_times
from routing.transit.platforms import stop_platform
from routing.transit.timetable import ALIGHT, BOARD, MAX_WINDOW_DAYS, Timetable

logger = logging.getLogger(__name__)


@dataclass
class _TripRows:
    """Stop times of the running trips, sorted by trip then sequence (plain arrays)."""

    trip: NDArray[np.int64]
    stop: NDArray[np.int64]
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
    stops: NDArray[np.int64]
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


def interpolate_times(values: NDArray[np.int32], trip: NDArray[np.int64]) -> NDArray[np.int32]:
    """Fill missing (-1) times linearly between the known times of the same trip."""
    missing = values < 0
    if not missing.any():
        return values
    index = np.arange(values.size)
    known = np.where(~missing, index, -1)
    previous = np.maximum.accumulate(known)
    following = np.where(~missing, index, values.size)
    following = np.minimum.accumulate(following[::-1])[::-1]
    ok = missing & (previous >= 0) & (following < values.size)
    ok &= trip[np.clip(previous, 0, None)] == trip
    ok &= trip[np.clip(following, None, values.size - 1)] == trip
    result = values.copy()
    p, f, i = previous[ok], following[ok], index[ok]
    result[ok] = values[p] + (values[f] - values[p]) * (i - p) // (f - p)
    return result


def _stop_time_rows(feed: GtfsFeed, trip_index: dict[str, int], stop_index: dict[str, int]) -> _TripRows:
    table = feed.feed.stop_times
    src = f"{feed.source}/stop_times.txt"
    keep = table["trip_id"].isin(trip_index.keys()).to_numpy()
    table = table[keep]
    arrival = parse_gtfs_times(
        table.get("arrival_time", pd.Series(pd.NA, index=table.index)), file=src, column="arrival_time"
    )
    departure = parse_gtfs_times(
        table.get("departure_time", pd.Series(pd.NA, index=table.index)), file=src, column="departure_time"
    )
    arrival = np.where(arrival < 0, departure, arrival)
    departure = np.where(departure < 0, arrival, departure)
    trip = table["trip_id"].map(trip_index).to_numpy(dtype=np.int64)
    stop = table["stop_id"].map(stop_index).to_numpy(dtype=np.int64)
    sequence = pd.to_numeric(table["stop_sequence"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    if np.isnan(sequence).any():
        row = int(np.flatnonzero(np.isnan(sequence))[0])
        raise InputDataError(src, f"line {row + 2}: stop_sequence is not a number")
    pickup = pd.to_numeric(table.get("pickup_type", pd.Series(0, index=table.index)), errors="coerce")
    drop_off = pd.to_numeric(table.get("drop_off_type", pd.Series(0, index=table.index)), errors="coerce")
    flags = np.where(pickup.fillna(0).to_numpy() == 1, 0, BOARD) | np.where(
        drop_off.fillna(0).to_numpy() == 1, 0, ALIGHT
    )
    order = np.lexsort((sequence, trip))
    trip, stop, arrival, departure, flags = trip[order], stop[order], arrival[order], departure[order], flags[order]
    sequence = sequence[order]
    arrival = interpolate_times(arrival, trip)
    departure = np.where(departure < 0, arrival, interpolate_times(departure, trip))
    return _TripRows(
        trip=trip,
        stop=stop,
        arrival=arrival,
        departure=departure,
        flags=flags.astype(np.uint8),
        sequence=sequence.astype(np.int32),
    )


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


def compile_timetable(feeds: list[GtfsFeed], *, first_day: date, days: int) -> Timetable:
    """Compile ``feeds`` for the service days ``first_day - 1`` .. ``first_day + days - 1``.

    Raises
    ------
    InputDataError
        When a feed cannot be routed, or no trip runs in the window.
    """
    if not 1 <= days <= MAX_WINDOW_DAYS:
        raise InputDataError("timetable", f"window of {days} days; choose 1..{MAX_WINDOW_DAYS}")
    day0 = first_day - timedelta(days=1)
    window = [day0 + timedelta(days=i) for i in range(days + 1)]
    warnings: list[str] = []

    stop_frames, route_frames = [], []
    for feed in feeds:
        warnings.extend(feed.warnings)
        stops = feed.feed.stops.copy()
        stops["key"] = feed.name + ":" + stops["stop_id"].astype(str)
        stops["parent_key"] = np.where(
            stops.get("parent_station", pd.Series(pd.NA, index=stops.index)).notna(),
            feed.name + ":" + stops.get("parent_station", pd.Series("", index=stops.index)).astype(str),
            "",
        )
        stop_frames.append(stops)
        routes = feed.feed.routes.copy()
        routes["key"] = feed.name + ":" + routes["route_id"].astype(str)
        agency = feed.feed.agency
        default_agency = str(agency["agency_name"].iloc[0]) if "agency_name" in agency else ""
        sole_agency = str(agency["agency_id"].iloc[0]) if "agency_id" in agency and len(agency) == 1 else ""
        routes["agency_key"] = (
            feed.name
            + ":"
            + (
                routes["agency_id"].astype("string").fillna(sole_agency).astype(str)
                if "agency_id" in routes
                else sole_agency
            )
        )
        if "agency_id" in routes and "agency_id" in agency:
            names = dict(zip(agency["agency_id"].astype(str), agency["agency_name"].astype(str), strict=False))
            routes["agency_name"] = routes["agency_id"].astype(str).map(names).fillna(default_agency)
        else:
            routes["agency_name"] = default_agency
        route_frames.append(routes)
    stops = pd.concat(stop_frames, ignore_index=True)
    routes = pd.concat(route_frames, ignore_index=True)
    stop_index = {key: i for i, key in enumerate(stops["key"])}
    route_index = {key: i for i, key in enumerate(routes["key"])}
    parent = stops["parent_key"].map(lambda key: stop_index.get(key, -1) if key else -1).to_numpy(dtype=np.int32)

    # Trips that run at least once in the window, their stop times and concrete runs.
    instance_rows: list[_Run] = []
    for feed in feeds:
        masks = service_days(feed, window)
        trips = feed.feed.trips
        trip_mask = trips["service_id"].astype(str).map(masks).fillna(0).astype(np.int64).to_numpy()
        running = trip_mask != 0
        trip_ids = trips["trip_id"].astype(str).tolist()
        local_index = {trip_id: i for i, trip_id in enumerate(trip_ids) if running[i]}
        local_stop_index = {str(sid): stop_index[f"{feed.name}:{sid}"] for sid in feed.feed.stops["stop_id"]}
        rows = _stop_time_rows(feed, local_index, local_stop_index)
        bounds = np.flatnonzero(np.diff(rows.trip)) + 1
        starts = np.concatenate(([0], bounds)) if rows.trip.size else np.zeros(0, dtype=np.int64)
        ends = np.concatenate((bounds, [rows.trip.size])) if rows.trip.size else np.zeros(0, dtype=np.int64)
        first_departure: dict[int, int] = {}
        spans: dict[int, tuple[int, int]] = {}
        for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
            trip = int(rows.trip[start])
            if end - start < 2:
                warnings.append(
                    f"{feed.source}/stop_times.txt: trip {trip_ids[trip]!r} has fewer than 2 stops; ignored"
                )
                continue
            times = rows.departure[start:end]
            if (rows.arrival[start:end] < 0).any() or (times < 0).any():
                warnings.append(
                    f"{feed.source}/stop_times.txt: trip {trip_ids[trip]!r} lacks first/last times; ignored"
                )
                continue
            if (np.diff(rows.arrival[start:end]) < 0).any() or (
                rows.departure[start:end] < rows.arrival[start:end]
            ).any():
                warnings.append(f"{feed.source}/stop_times.txt: trip {trip_ids[trip]!r} goes back in time; ignored")
                continue
            first_departure[trip] = int(rows.departure[start])
            spans[trip] = (start, end)
        headsigns = trips.get("trip_headsign", pd.Series("", index=trips.index)).fillna("").astype(str).tolist()
        wheelchair = trips.get("wheelchair_accessible", pd.Series(0, index=trips.index)).fillna(0).astype(int).tolist()
        bikes = trips.get("bikes_allowed", pd.Series(0, index=trips.index)).fillna(0).astype(int).tolist()
        route_of = [route_index[f"{feed.name}:{rid}"] for rid in trips["route_id"].astype(str)]
        for instance in _instances(feed, trip_ids, first_departure):
            trip = instance.source_trip
            start, end = spans[trip]
            instance_rows.append(
                _Run(
                    trip_id=f"{feed.name}:{instance.trip_id}",
                    route=route_of[trip],
                    days=int(trip_mask[trip]),
                    frequency=instance.frequency,
                    stops=rows.stop[start:end],
                    arrival=rows.arrival[start:end] + instance.shift,
                    departure=rows.departure[start:end] + instance.shift,
                    flags=rows.flags[start:end],
                    wheelchair=wheelchair[trip],
                    headsign=headsigns[trip],
                    bikes=bikes[trip],
                    first_departure=first_departure[trip] + instance.shift,
                    sequence=rows.sequence[start:end],
                )
            )
    if not instance_rows:
        ranges = "; ".join(f"{feed.name}: {feed_date_range(feed)}" for feed in feeds)
        raise InputDataError(
            "timetable",
            f"no trip runs between {first_day} and {window[-1]}; the feeds cover {ranges} (use --first-day)",
        )

    # Group runs into patterns (same route, stops and boarding rules), then split so
    # that within a pattern no trip overtakes another.
    groups: dict[tuple[int, bytes, bytes], list[int]] = defaultdict(list)
    for i, row in enumerate(instance_rows):
        groups[(row.route, row.stops.tobytes(), row.flags.tobytes())].append(i)
    pattern_members: list[list[int]] = []
    for members in groups.values():
        members.sort(key=lambda i: (instance_rows[i].first_departure, int(instance_rows[i].arrival[-1])))
        lanes: list[list[int]] = []
        for i in members:
            arrival, departure = instance_rows[i].arrival, instance_rows[i].departure
            for lane in lanes:
                last = instance_rows[lane[-1]]
                if (last.arrival <= arrival).all() and (last.departure <= departure).all():
                    lane.append(i)
                    break
            else:
                lanes.append([i])
        pattern_members.extend(lanes)

    pattern_stop_offsets = [0]
    pattern_trip_offsets = [0]
    pattern_time_offsets = [0]
    pattern_stops, pattern_flags, pattern_route = [], [], []
    arrival_blocks: list[NDArray[np.int32]] = []
    departure_blocks: list[NDArray[np.int32]] = []
    sequence_blocks: list[NDArray[np.int32]] = []
    trip_order: list[int] = []
    for members in pattern_members:
        first = instance_rows[members[0]]
        pattern_stops.append(first.stops)
        pattern_flags.append(first.flags)
        pattern_route.append(first.route)
        pattern_stop_offsets.append(pattern_stop_offsets[-1] + len(first.stops))
        pattern_trip_offsets.append(pattern_trip_offsets[-1] + len(members))
        pattern_time_offsets.append(pattern_time_offsets[-1] + len(members) * len(first.stops))
        arrival_blocks.extend(instance_rows[i].arrival for i in members)
        departure_blocks.extend(instance_rows[i].departure for i in members)
        sequence_blocks.extend(instance_rows[i].sequence for i in members)
        trip_order.extend(members)

    transfer_arrays = _transfers(feeds, stop_index)
    ordered = [instance_rows[i] for i in trip_order]
    return Timetable(
        day0=day0,
        day_count=len(window),
        stop_id=StringTable.from_strings(stops["key"]),
        stop_name=StringTable.from_strings(
            stops.get("stop_name", pd.Series("", index=stops.index)).fillna("").astype(str)
        ),
        stop_platform=StringTable.from_strings(
            stop_platform(code, name)
            for code, name in zip(
                stops.get("platform_code", pd.Series("", index=stops.index)).astype("string").fillna("").astype(str),
                stops.get("stop_name", pd.Series("", index=stops.index)).fillna("").astype(str),
                strict=True,
            )
        ),
        stop_lat=pd.to_numeric(stops["stop_lat"], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan),
        stop_lon=pd.to_numeric(stops["stop_lon"], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan),
        stop_parent=parent,
        stop_location_type=stops.get("location_type", pd.Series(0, index=stops.index))
        .fillna(0)
        .astype(np.int8)
        .to_numpy(),
        stop_wheelchair=stops.get("wheelchair_boarding", pd.Series(0, index=stops.index))
        .fillna(0)
        .astype(np.int8)
        .to_numpy(),
        route_id=StringTable.from_strings(routes["key"]),
        route_short_name=StringTable.from_strings(
            routes.get("route_short_name", pd.Series("", index=routes.index)).fillna("").astype(str)
        ),
        route_long_name=StringTable.from_strings(
            routes.get("route_long_name", pd.Series("", index=routes.index)).fillna("").astype(str)
        ),
        route_agency=StringTable.from_strings(routes["agency_name"].astype(str)),
        route_agency_id=StringTable.from_strings(routes["agency_key"].astype(str)),
        route_type=routes["route_type"].fillna(3).astype(np.int16).to_numpy(),
        pattern_stop_offsets=np.array(pattern_stop_offsets, dtype=np.int32),
        pattern_stops=np.concatenate(pattern_stops).astype(np.int32),
        pattern_flags=np.concatenate(pattern_flags).astype(np.uint8),
        pattern_trip_offsets=np.array(pattern_trip_offsets, dtype=np.int32),
        pattern_time_offsets=np.array(pattern_time_offsets, dtype=np.int64),
        pattern_route=np.array(pattern_route, dtype=np.int32),
        arrival=np.concatenate(arrival_blocks).astype(np.int32),
        departure=np.concatenate(departure_blocks).astype(np.int32),
        stop_sequence=np.concatenate(sequence_blocks).astype(np.int32),
        trip_id=StringTable.from_strings(row.trip_id for row in ordered),
        trip_headsign=StringTable.from_strings(row.headsign for row in ordered),
        trip_days=np.array([row.days for row in ordered], dtype=np.uint32),
        trip_wheelchair=np.array([row.wheelchair for row in ordered], dtype=np.int8),
        trip_bikes=np.array([row.bikes for row in ordered], dtype=np.int8),
        trip_frequency=np.array([row.frequency for row in ordered], dtype=np.int8),
        transfer_from=transfer_arrays[0],
        transfer_to=transfer_arrays[1],
        transfer_type=transfer_arrays[2],
        transfer_min_seconds=transfer_arrays[3],
        warnings=warnings,
    )


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
