"""Read and validate the GTFS-Flex v2 part of a feed.

A trip is *flex* when one of its stop times names a zone (``location_id``) or a location
group (``location_group_id``), or has a pickup/drop-off window. Those trips go into the
:class:`~routing.flex.model.FlexNetwork`; the fixed-schedule rest of the feed goes to the
timetable as before. Problems name the file, the line (header = line 1) and the field.

Older GTFS-Flex drafts still found in real feeds are read with a warning: zone ids in
``stop_id``, ``min_arrival_time``/``max_departure_time`` for the window, and durations or
notices written ``H:MM:SS`` instead of minutes. Trips that name zones but give neither
times nor windows (deviated routes of the drafts) cannot be timed and are left out with a
warning.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from routing.errors import InputDataError
from routing.flex.fields import parse_int_in, parse_minutes, parse_number, parse_time
from routing.flex.model import (
    BookingRule,
    FlexNetwork,
    FlexStopTime,
    FlexTrip,
    PickupDropOff,
    PlaceKind,
)
from routing.flex.places import FeedPlaces, PlaceNames, read_places, resolve_place
from routing.flex.service_days import service_dates, window_days
from routing.flex.tables import FeedFiles, Table

_WINDOW_COLUMNS = ("start_pickup_drop_off_window", "end_pickup_drop_off_window")


_DRAFT_WINDOW_COLUMNS = ("min_arrival_time", "max_departure_time")


_KNOWN_STOP_TIME_COLUMNS = frozenset(
    {
        "trip_id",
        "arrival_time",
        "departure_time",
        "stop_id",
        "location_group_id",
        "location_id",
        "stop_sequence",
        "stop_headsign",
        "pickup_type",
        "drop_off_type",
        "shape_dist_traveled",
        "timepoint",
        "continuous_pickup",
        "continuous_drop_off",
        "pickup_booking_rule_id",
        "drop_off_booking_rule_id",
        "mean_duration_factor",
        "mean_duration_offset",
        "safe_duration_factor",
        "safe_duration_offset",
        "tts_stop_headsign",
        "start_service_area_id",
        "end_service_area_id",
        "start_service_area_radius",
        "end_service_area_radius",
        *_WINDOW_COLUMNS,
        *_DRAFT_WINDOW_COLUMNS,
    }
)


@dataclass
class FlexFeed:
    """The flex part of one feed and the raw trip ids the timetable must leave out."""

    network: FlexNetwork
    flex_trip_ids: frozenset[str]
    """Raw (not namespaced) ids of every trip that is not fixed-schedule, timed or not."""
    warnings: list[str] = field(default_factory=list)


def _trip_safe_duration(
    trips: Table, line: int, row: dict[str, str], timed: list[FlexStopTime | None]
) -> list[FlexStopTime | None]:
    """The trip's rows with ``trips.txt`` ``safe_duration_factor``/``safe_duration_offset`` applied, when given.

    The adopted GTFS reference puts the safe estimate on the trip, the offset in *seconds*
    (``SafeTravelDuration = safe_duration_factor x DrivingDuration + safe_duration_offset``);
    the drafts' per-row fields of ``stop_times.txt`` (offset in minutes) stay where the
    trip gives none.
    """
    factor_text = trips.value(row, "safe_duration_factor")
    offset_text = trips.value(row, "safe_duration_offset")
    if not factor_text and not offset_text:
        return timed
    factor = parse_number(trips, line, "safe_duration_factor", factor_text) if factor_text else 1.0
    offset = parse_number(trips, line, "safe_duration_offset", offset_text, minimum=-math.inf) if offset_text else 0.0
    return [None if st is None else replace(st, safe_factor=factor, safe_offset_s=offset) for st in timed]


def _window(table: Table, line: int, row: dict[str, str], drafts: set[str]) -> tuple[int, int] | None:
    for columns in (_WINDOW_COLUMNS, _DRAFT_WINDOW_COLUMNS):
        start, end = (table.value(row, c) for c in columns)
        if not (start or end):
            continue
        if not (start and end):
            raise InputDataError(table.path, f"line {line}: {columns[0]} and {columns[1]} must be given together")
        if columns is _DRAFT_WINDOW_COLUMNS:
            drafts.add(f"{table.path}: {', '.join(columns)} read as the pickup/drop-off window (GTFS-Flex draft)")
        first, last = parse_time(table, line, columns[0], start), parse_time(table, line, columns[1], end)
        if last < first:
            raise InputDataError(table.path, f"line {line}: {columns[1]} {end} is before {columns[0]} {start}")
        return first, last
    return None


def _stop_time(
    table: Table,
    line: int,
    row: dict[str, str],
    names: PlaceNames,
    rules: dict[str, BookingRule],
    feed: str,
    drafts: set[str],
) -> FlexStopTime | None:
    """One row of a flex trip; None when it can be neither timed nor windowed (a draft deviated route)."""
    kind, ref = resolve_place(table, line, row, names, drafts)
    window = _window(table, line, row, drafts)
    arrival, departure = table.value(row, "arrival_time"), table.value(row, "departure_time")
    if window is not None and (arrival or departure):
        raise InputDataError(
            table.path, f"line {line}: arrival_time/departure_time are forbidden with a pickup/drop-off window"
        )
    if window is None:
        if kind is not PlaceKind.STOP:
            if arrival or departure:
                raise InputDataError(
                    table.path, f"line {line}: a zone or location group needs a pickup/drop-off window, not times"
                )
            return None
        if not (arrival or departure):
            return None
        first = parse_time(table, line, "arrival_time", arrival or departure)
        window = first, max(first, parse_time(table, line, "departure_time", departure or arrival))
    pickup = PickupDropOff(parse_int_in(table, line, "pickup_type", table.value(row, "pickup_type") or "0", range(4)))
    drop_off = PickupDropOff(
        parse_int_in(table, line, "drop_off_type", table.value(row, "drop_off_type") or "0", range(4))
    )
    windowed = arrival == "" and departure == ""
    if windowed and pickup in (PickupDropOff.REGULAR, PickupDropOff.COORDINATE_WITH_DRIVER):
        raise InputDataError(table.path, f"line {line}: pickup_type {int(pickup)} is forbidden with a window")
    if windowed and drop_off is PickupDropOff.REGULAR:
        raise InputDataError(table.path, f"line {line}: drop_off_type 0 is forbidden with a window")
    booking: dict[str, str | None] = {}
    for column in ("pickup_booking_rule_id", "drop_off_booking_rule_id"):
        text = table.value(row, column)
        if text and f"{feed}:{text}" not in rules:
            raise InputDataError(table.path, f"line {line}: {column} {text!r} is not in booking_rules.txt")
        booking[column] = f"{feed}:{text}" if text else None

    def factor(column: str) -> float:
        text = table.value(row, column)
        return 1.0 if not text else parse_number(table, line, column, text)

    def offset_s(column: str) -> float:
        text = table.value(row, column)
        return 0.0 if not text else parse_minutes(table, line, column, text, drafts) * 60

    return FlexStopTime(
        kind=kind,
        ref=f"{feed}:{ref}",
        window_start_s=window[0],
        window_end_s=window[1],
        pickup_type=pickup,
        drop_off_type=drop_off,
        pickup_rule=booking["pickup_booking_rule_id"],
        drop_off_rule=booking["drop_off_booking_rule_id"],
        mean_factor=factor("mean_duration_factor"),
        mean_offset_s=offset_s("mean_duration_offset"),
        safe_factor=factor("safe_duration_factor"),
        safe_offset_s=offset_s("safe_duration_offset"),
    )


def _is_flex_row(table: Table, row: dict[str, str], names: PlaceNames) -> bool:
    if table.value(row, "location_id") or table.value(row, "location_group_id"):
        return True
    if any(table.value(row, c) for c in (*_WINDOW_COLUMNS, *_DRAFT_WINDOW_COLUMNS)):
        return True
    stop = table.value(row, "stop_id")
    return bool(stop) and stop not in names.stops and (stop in names.zones | names.groups | names.areas)


def _sequence(table: Table, line: int, row: dict[str, str]) -> int:
    text = table.value(row, "stop_sequence")
    if not text.isdigit():
        raise InputDataError(table.path, f"line {line}: stop_sequence {text!r} is not a non-negative integer")
    return int(text)


def _rows_by_trip(stop_times: Table) -> dict[str, list[tuple[int, dict[str, str]]]]:
    """``stop_times.txt`` rows (line, row) per raw trip id, in file order."""
    by_trip: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for line, row in stop_times.rows:
        by_trip.setdefault(stop_times.value(row, "trip_id"), []).append((line, row))
    return by_trip


def _flex_trip_ids(
    stop_times: Table, by_trip: dict[str, list[tuple[int, dict[str, str]]]], names: PlaceNames
) -> frozenset[str]:
    """Raw ids of the trips with at least one flex row."""
    return frozenset(
        trip for trip, rows in by_trip.items() if any(_is_flex_row(stop_times, row, names) for _, row in rows)
    )


@dataclass(frozen=True)
class _TripContext:
    """What every flex trip of a feed is read against."""

    name: str
    stop_times: Table
    by_trip: dict[str, list[tuple[int, dict[str, str]]]]
    places: FeedPlaces
    routes: dict[str, dict[str, str]]
    agencies: dict[str, dict[str, str]]
    dates: dict[str, set[date]]
    drafts: set[str]


def _trip_context(
    files: FeedFiles,
    name: str,
    stop_times: Table,
    by_trip: dict[str, list[tuple[int, dict[str, str]]]],
    places: FeedPlaces,
    window: tuple[date, int],
    drafts: set[str],
) -> _TripContext:
    """Routes, agencies and service dates (of the region's ``window``: first day, days) for reading trips."""
    route_table = files.table("routes.txt")
    agencies = files.table("agency.txt")
    return _TripContext(
        name=name,
        stop_times=stop_times,
        by_trip=by_trip,
        places=places,
        routes={route_table.value(r, "route_id"): r for _, r in route_table.rows},
        agencies={agencies.value(r, "agency_id"): r for _, r in agencies.rows},
        dates=service_dates(files.table("calendar.txt"), files.table("calendar_dates.txt"), window_days(*window)),
        drafts=drafts,
    )


def _flex_trip(trips: Table, line: int, row: dict[str, str], context: _TripContext) -> FlexTrip | None:
    """One ``trips.txt`` row of a flex trip with its stop times; None when a row cannot be timed (draft).

    Raises
    ------
    InputDataError
        When its route is not in ``routes.txt``, or a stop time is malformed.
    """
    trip_id = trips.value(row, "trip_id")
    route_id = trips.value(row, "route_id")
    route = context.routes.get(route_id)
    if route is None:
        raise InputDataError(trips.path, f"line {line}: route_id {route_id!r} is not in routes.txt")
    agency = context.agencies.get((route.get("agency_id") or "").strip()) or next(iter(context.agencies.values()), {})
    stop_times, name = context.stop_times, context.name
    rows = sorted(context.by_trip[trip_id], key=lambda item: _sequence(stop_times, item[0], item[1]))
    places = context.places
    timed = [_stop_time(stop_times, n, r, places.names, places.rules, name, context.drafts) for n, r in rows]
    if any(stop_time is None for stop_time in timed):
        return None
    timed = _trip_safe_duration(trips, line, row, timed)
    wheelchair = trips.value(row, "wheelchair_accessible")
    return FlexTrip(
        trip_id=f"{name}:{trip_id}",
        route_id=f"{name}:{route_id}",
        route_name=(route.get("route_short_name") or "").strip() or (route.get("route_long_name") or "").strip(),
        agency_name=(agency.get("agency_name") or "").strip(),
        agency_phone=(agency.get("agency_phone") or "").strip(),
        service_days=tuple(sorted(context.dates.get(trips.value(row, "service_id"), set()))),
        stop_times=tuple(st for st in timed if st is not None),
        wheelchair_accessible=int(wheelchair) if wheelchair in ("0", "1", "2") else 0,
    )


def _flex_trips(trips: Table, flex_ids: frozenset[str], context: _TripContext) -> tuple[list[FlexTrip], int]:
    """Every flex trip of ``trips.txt`` in file order, and how many could not be timed.

    Raises
    ------
    InputDataError
        From :func:`_flex_trip`, or when a flex trip of ``stop_times.txt`` is not in ``trips.txt``.
    """
    found: list[FlexTrip] = []
    untimed = 0
    for line, row in trips.rows:
        if trips.value(row, "trip_id") not in flex_ids:
            continue
        trip = _flex_trip(trips, line, row, context)
        if trip is None:
            untimed += 1
        else:
            found.append(trip)
    missing = flex_ids - {trips.value(r, "trip_id") for _, r in trips.rows}
    if missing:
        first = min(missing)
        stop_times = context.stop_times
        raise InputDataError(
            stop_times.path, f"line {context.by_trip[first][0][0]}: trip_id {first!r} is not in trips.txt"
        )
    return found, untimed


def _network(timezone: str, places: FeedPlaces, trips: list[FlexTrip], warnings: list[str]) -> FlexNetwork:
    """The feed's network: its trips and the zones, groups and (served) stops they name."""
    served = {st.ref for trip in trips for st in trip.stop_times if st.kind is PlaceKind.STOP}
    groups = {**places.groups, **places.area_groups}
    served |= {stop for group in groups.values() for stop in group.stop_ids}
    return FlexNetwork(
        timezone=timezone,
        zones={**places.zones, **places.area_zones},
        stops={key: stop for key, stop in places.stops.items() if key in served},
        groups=groups,
        stop_areas=places.stop_areas,
        rules=places.rules,
        trips=tuple(trips),
        warnings=tuple(warnings),
    )


def load_flex(source: Path, *, name: str, timezone: str, first_day: date, days: int) -> FlexFeed:
    """Read the flex trips of the GTFS zip or folder ``source`` for the region's service window.

    The steps: the places stop times may name (:func:`read_places`), the trips with a flex
    row (:func:`_flex_trip_ids`), those trips read (:func:`_flex_trips`), the network
    (:func:`_network`).

    Parameters
    ----------
    source
        The feed (zip or folder), as given to the region build.
    name
        The feed's namespace in the region.
    timezone
        The agencies' time zone (service-day references).
    first_day, days
        The region's validity window; service days run from the day before ``first_day``.

    Raises
    ------
    InputDataError
        Naming file, line and field of the first problem that makes a flex trip unusable.
    """
    files = FeedFiles(source)
    warnings: list[str] = []
    drafts: set[str] = set()
    places = read_places(files, source, name, warnings, drafts)
    stop_times = files.table("stop_times.txt")
    unknown = sorted(set(stop_times.columns) - _KNOWN_STOP_TIME_COLUMNS)
    if unknown and (places.zones or places.groups or places.rules):
        warnings.append(f"{stop_times.path}: unknown column(s) ignored: {', '.join(unknown)}")
    by_trip = _rows_by_trip(stop_times)
    flex_ids = _flex_trip_ids(stop_times, by_trip, places.names)
    if not flex_ids:
        return FlexFeed(network=FlexNetwork(timezone=timezone, stops={}, rules=places.rules), flex_trip_ids=flex_ids)
    context = _trip_context(files, name, stop_times, by_trip, places, (first_day, days), drafts)
    trips, untimed = _flex_trips(files.table("trips.txt"), flex_ids, context)
    if untimed:
        warnings.append(
            f"{stop_times.path}: {untimed} flex trip(s) name zones without times or pickup/drop-off windows "
            "(GTFS-Flex draft deviated routes); they cannot be timed and are left out"
        )
    notes = sorted(drafts) + warnings
    return FlexFeed(network=_network(timezone, places, trips, notes), flex_trip_ids=flex_ids, warnings=notes)


def merge_networks(timezone: str, feeds: list[FlexFeed]) -> FlexNetwork:
    """One network of every feed's flex part (ids are namespaced, so nothing collides)."""
    merged = FlexNetwork(timezone=timezone)
    for feed in feeds:
        part = feed.network
        merged = FlexNetwork(
            timezone=timezone,
            zones={**merged.zones, **part.zones},
            stops={**merged.stops, **part.stops},
            groups={**merged.groups, **part.groups},
            stop_areas={**merged.stop_areas, **part.stop_areas},
            rules={**merged.rules, **part.rules},
            trips=merged.trips + part.trips,
            warnings=merged.warnings + part.warnings,
        )
    return merged
