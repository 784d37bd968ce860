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
import re
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import shapely

from routing.errors import InputDataError
from routing.flex.model import (
    BookingRule,
    BookingType,
    FlexNetwork,
    FlexStop,
    FlexStopTime,
    FlexTrip,
    FlexZone,
    LocationGroup,
    PickupDropOff,
    PlaceKind,
)
from routing.flex.service_days import service_dates, window_days
from routing.flex.tables import FeedFiles, Table

_TIME = re.compile(r"^(\d{1,3}):([0-5]\d):([0-5]\d)$")
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


def parse_time(table: Table, line: int, column: str, text: str) -> int:
    """``H:MM:SS`` (hours may pass 24) as seconds.

    Raises
    ------
    InputDataError
        Naming file, line and field when ``text`` is not such a time.
    """
    match = _TIME.match(text)
    if match is None:
        raise InputDataError(table.path, f"line {line}: {column} {text!r} is not a time of the form H:MM:SS")
    hours, minutes, seconds = (int(part) for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def _number(table: Table, line: int, column: str, text: str, *, minimum: float = 0.0) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputDataError(table.path, f"line {line}: {column} {text!r} is not a number") from None
    if not value >= minimum:
        raise InputDataError(table.path, f"line {line}: {column} {text!r} must be at least {minimum:g}")
    return value


def _minutes(table: Table, line: int, column: str, text: str, drafts: set[str]) -> float:
    """Minutes as the spec writes them, or an ``H:MM:SS`` duration of the drafts (noted in ``drafts``)."""
    if _TIME.match(text):
        drafts.add(f"{table.path}: {column} written as H:MM:SS (GTFS-Flex draft); read as a duration")
        return parse_time(table, line, column, text) / 60
    return _number(table, line, column, text)


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
    factor = _number(trips, line, "safe_duration_factor", factor_text) if factor_text else 1.0
    offset = _number(trips, line, "safe_duration_offset", offset_text, minimum=-math.inf) if offset_text else 0.0
    return [None if st is None else replace(st, safe_factor=factor, safe_offset_s=offset) for st in timed]


def _int_in(table: Table, line: int, column: str, text: str, allowed: range) -> int:
    if not text.isdigit() or int(text) not in allowed:
        raise InputDataError(
            table.path, f"line {line}: {column} {text!r} must be one of {', '.join(map(str, allowed))}"
        )
    return int(text)


def _ids(table: Table, column: str) -> None:
    if table.rows and column not in table.columns:
        raise InputDataError(table.path, f"required column(s) missing: {column}")


def _booking_rules(table: Table, name: str, drafts: set[str]) -> dict[str, BookingRule]:
    _ids(table, "booking_rule_id")
    _ids(table, "booking_type")
    rules: dict[str, BookingRule] = {}
    for line, row in table.rows:
        rule_id = table.value(row, "booking_rule_id")
        if not rule_id:
            raise InputDataError(table.path, f"line {line}: booking_rule_id is empty")
        key = f"{name}:{rule_id}"
        if key in rules:
            raise InputDataError(table.path, f"line {line}: booking_rule_id {rule_id!r} repeats")
        kind = BookingType(_int_in(table, line, "booking_type", table.value(row, "booking_type"), range(3)))

        def optional_minutes(column: str, row: dict[str, str] = row, line: int = line) -> int | None:
            text = table.value(row, column)
            return None if not text else round(_minutes(table, line, column, text, drafts))

        def optional_int(column: str, row: dict[str, str] = row, line: int = line) -> int | None:
            text = table.value(row, column)
            if not text:
                return None
            if not text.isdigit():
                raise InputDataError(table.path, f"line {line}: {column} {text!r} must be a whole number of days")
            return int(text)

        def optional_time(column: str, row: dict[str, str] = row, line: int = line) -> int | None:
            text = table.value(row, column)
            return None if not text else parse_time(table, line, column, text)

        rule = BookingRule(
            rule_id=key,
            booking_type=kind,
            prior_notice_min=optional_minutes("prior_notice_duration_min"),
            prior_notice_max=optional_minutes("prior_notice_duration_max"),
            start_day=optional_int("prior_notice_start_day"),
            start_time_s=optional_time("prior_notice_start_time"),
            last_day=optional_int("prior_notice_last_day"),
            last_time_s=optional_time("prior_notice_last_time"),
            message=table.value(row, "message"),
            pickup_message=table.value(row, "pickup_message"),
            drop_off_message=table.value(row, "drop_off_message"),
            phone_number=table.value(row, "phone_number"),
            info_url=table.value(row, "info_url"),
            booking_url=table.value(row, "booking_url"),
        )
        if kind is BookingType.SAME_DAY and rule.prior_notice_min is None:
            raise InputDataError(
                table.path, f"line {line}: prior_notice_duration_min is required when booking_type is 1"
            )
        if kind is BookingType.PRIOR_DAYS and rule.last_day is None and rule.prior_notice_min is not None:
            drafts.add(
                f"{table.path}: booking_type 2 with prior_notice_duration_min and no prior_notice_last_day "
                "(GTFS-Flex draft); read as booking_type 1 with that notice"
            )
            rule = replace(rule, booking_type=BookingType.SAME_DAY)
        elif kind is BookingType.PRIOR_DAYS and rule.last_day is None:
            raise InputDataError(table.path, f"line {line}: prior_notice_last_day is required when booking_type is 2")
        if rule.last_day is not None and rule.last_time_s is None:
            drafts.add(
                f"{table.path}: prior_notice_last_day without the required prior_notice_last_time; "
                "read as 00:00:00 of that day (the earliest deadline it can mean)"
            )
            rule = replace(rule, last_time_s=0)
        if rule.start_day is not None and rule.start_time_s is None:
            raise InputDataError(
                table.path, f"line {line}: prior_notice_start_time is required with prior_notice_start_day"
            )
        if (
            rule.prior_notice_min is not None
            and rule.prior_notice_max is not None
            and rule.prior_notice_max < rule.prior_notice_min
        ):
            raise InputDataError(
                table.path, f"line {line}: prior_notice_duration_max is less than prior_notice_duration_min"
            )
        rules[key] = rule
    return rules


def _ring(points: Any, where: str) -> tuple[tuple[float, float], ...]:
    if not isinstance(points, list) or len(points) < 4:
        raise InputDataError(where, "a polygon ring needs at least 4 positions")
    ring = []
    for point in points:
        if not (isinstance(point, list) and len(point) >= 2 and all(isinstance(v, int | float) for v in point[:2])):
            raise InputDataError(where, f"position {point!r} is not [lon, lat]")
        lon, lat = float(point[0]), float(point[1])
        if not (abs(lon) <= 180 and abs(lat) <= 90):
            raise InputDataError(where, f"position {point!r} is outside lon -180..180, lat -90..90")
        ring.append((lon, lat))
    return tuple(ring)


def _zones(data: Any, path: str, name: str, warnings: list[str]) -> dict[str, FlexZone]:
    if data is None:
        return {}
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise InputDataError(path, "locations.geojson must be a GeoJSON FeatureCollection")
    zones: dict[str, FlexZone] = {}
    features = data.get("features")
    if not isinstance(features, list):
        raise InputDataError(path, "features must be a list")
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict):
            raise InputDataError(path, f"feature {number} is not an object")
        raw_id = feature.get("id")
        where = f"{path}: feature {number} (id {raw_id!r})"
        if not isinstance(raw_id, str | int) or str(raw_id) == "":
            raise InputDataError(path, f"feature {number}: id is missing")
        key = f"{name}:{raw_id}"
        if key in zones:
            raise InputDataError(path, f"feature {number}: id {raw_id!r} repeats")
        geometry = feature.get("geometry") or {}
        kind = geometry.get("type")
        coordinates = geometry.get("coordinates")
        if kind == "Polygon":
            raw_polygons = [coordinates]
        elif kind == "MultiPolygon":
            raw_polygons = coordinates if isinstance(coordinates, list) else []
        else:
            raise InputDataError(where, f"geometry type {kind!r} must be Polygon or MultiPolygon")
        polygons = []
        for raw in raw_polygons:
            if not isinstance(raw, list) or not raw:
                raise InputDataError(where, "a polygon needs at least its exterior ring")
            polygons.append(tuple(_ring(ring, where) for ring in raw))
        shape = shapely.MultiPolygon([(p[0], list(p[1:])) for p in polygons])
        if not shape.is_valid:
            warnings.append(f"{where}: polygon is not valid ({shapely.is_valid_reason(shape)})")
        properties = feature.get("properties") or {}
        zones[key] = FlexZone(
            zone_id=key,
            name=str(properties.get("stop_name") or properties.get("name") or raw_id),
            polygons=tuple(polygons),
        )
    return zones


def _stops(table: Table, name: str) -> dict[str, FlexStop]:
    stops: dict[str, FlexStop] = {}
    for line, row in table.rows:
        stop_id = table.value(row, "stop_id")
        lat, lon = table.value(row, "stop_lat"), table.value(row, "stop_lon")
        if not stop_id or not lat or not lon:
            continue  # entrances, nodes and boarding areas without position are not flex stops
        try:
            position = float(lat), float(lon)
        except ValueError:
            raise InputDataError(table.path, f"line {line}: stop {stop_id!r} has no valid stop_lat/stop_lon") from None
        stops[f"{name}:{stop_id}"] = FlexStop(
            stop_id=f"{name}:{stop_id}", name=table.value(row, "stop_name") or stop_id, lat=position[0], lon=position[1]
        )
    return stops


def _groups(groups: Table, members: Table, stops: dict[str, FlexStop], name: str) -> dict[str, LocationGroup]:
    names: dict[str, str] = {}
    _ids(groups, "location_group_id")
    for line, row in groups.rows:
        group_id = groups.value(row, "location_group_id")
        if not group_id:
            raise InputDataError(groups.path, f"line {line}: location_group_id is empty")
        if "location_id" in groups.columns and groups.value(row, "location_id"):
            raise InputDataError(
                groups.path,
                f"line {line}: location_id in location_groups.txt is the retired GTFS-Flex draft form; "
                "list the group's stops in location_group_stops.txt",
            )
        if f"{name}:{group_id}" in names:
            raise InputDataError(groups.path, f"line {line}: location_group_id {group_id!r} repeats")
        names[f"{name}:{group_id}"] = groups.value(row, "location_group_name") or group_id
    stop_ids: dict[str, list[str]] = {key: [] for key in names}
    for line, row in members.rows:
        group_id, stop_id = members.value(row, "location_group_id"), members.value(row, "stop_id")
        if f"{name}:{group_id}" not in names:
            raise InputDataError(
                members.path, f"line {line}: location_group_id {group_id!r} is not in location_groups.txt"
            )
        if f"{name}:{stop_id}" not in stops:
            raise InputDataError(members.path, f"line {line}: stop_id {stop_id!r} is not a stop with a position")
        stop_ids[f"{name}:{group_id}"].append(f"{name}:{stop_id}")
    return {key: LocationGroup(group_id=key, name=names[key], stop_ids=tuple(ids)) for key, ids in stop_ids.items()}


def _stop_areas(
    table: Table, stops: dict[str, FlexStop], zones: dict[str, FlexZone], name: str
) -> dict[str, tuple[str, ...]]:
    """Area -> its stops, or (GTFS-Flex draft) its zones; one area never mixes the two."""
    areas: dict[str, list[str]] = {}
    for line, row in table.rows:
        area_id, stop_id = table.value(row, "area_id"), table.value(row, "stop_id")
        if not area_id:
            raise InputDataError(table.path, f"line {line}: area_id is empty")
        key = f"{name}:{stop_id}"
        if key not in stops and key not in zones:
            raise InputDataError(
                table.path, f"line {line}: stop_id {stop_id!r} is not in stops.txt or locations.geojson"
            )
        members = areas.setdefault(f"{name}:{area_id}", [])
        if members and (members[0] in zones) != (key in zones):
            raise InputDataError(table.path, f"line {line}: area {area_id!r} mixes stops and zones")
        members.append(key)
    return {key: tuple(ids) for key, ids in areas.items()}


def _area_places(
    areas: dict[str, tuple[str, ...]], zones: dict[str, FlexZone], stops: dict[str, FlexStop]
) -> tuple[dict[str, FlexZone], dict[str, LocationGroup]]:
    """Areas as flex places: an area of zones is their union, an area of stops a location group."""
    area_zones: dict[str, FlexZone] = {}
    area_groups: dict[str, LocationGroup] = {}
    for key, members in areas.items():
        if members[0] in zones:
            polygons = tuple(polygon for member in members for polygon in zones[member].polygons)
            area_zones[key] = FlexZone(zone_id=key, name=key.split(":", 1)[1], polygons=polygons)
        else:
            area_groups[key] = LocationGroup(group_id=key, name=key.split(":", 1)[1], stop_ids=members)
    return area_zones, area_groups


@dataclass(frozen=True)
class _Names:
    """Raw ids a stop time may name, for resolving its place."""

    stops: frozenset[str]
    zones: frozenset[str]
    groups: frozenset[str]
    areas: frozenset[str] = frozenset()
    """``stop_areas`` area ids (GTFS-Flex drafts name them in ``stop_id``)."""
    area_zones: frozenset[str] = frozenset()
    """The areas made of zones."""


def _place(table: Table, line: int, row: dict[str, str], names: _Names, drafts: set[str]) -> tuple[PlaceKind, str]:
    given = {c: table.value(row, c) for c in ("stop_id", "location_group_id", "location_id") if table.value(row, c)}
    if len(given) != 1:
        raise InputDataError(
            table.path, f"line {line}: exactly one of stop_id, location_group_id, location_id must be given"
        )
    column, value = next(iter(given.items()))
    if column == "stop_id":
        if value in names.stops:
            return PlaceKind.STOP, value
        if value in names.zones:
            drafts.add(f"{table.path}: stop_id names locations.geojson zones (GTFS-Flex draft); read as location_id")
            return PlaceKind.LOCATION, value
        if value in names.groups:
            return PlaceKind.GROUP, value
        if value in names.areas:
            drafts.add(f"{table.path}: stop_id names stop_areas areas (GTFS-Flex draft); read as their zones or stops")
            return (PlaceKind.LOCATION if value in names.area_zones else PlaceKind.GROUP), value
        raise InputDataError(table.path, f"line {line}: stop_id {value!r} is not in stops.txt")
    if column == "location_id":
        if value not in names.zones:
            raise InputDataError(table.path, f"line {line}: location_id {value!r} is not in locations.geojson")
        return PlaceKind.LOCATION, value
    if value not in names.groups:
        raise InputDataError(table.path, f"line {line}: location_group_id {value!r} is not in location_groups.txt")
    return PlaceKind.GROUP, value


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
    names: _Names,
    rules: dict[str, BookingRule],
    feed: str,
    drafts: set[str],
) -> FlexStopTime | None:
    """One row of a flex trip; None when it can be neither timed nor windowed (a draft deviated route)."""
    kind, ref = _place(table, line, row, names, drafts)
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
    pickup = PickupDropOff(_int_in(table, line, "pickup_type", table.value(row, "pickup_type") or "0", range(4)))
    drop_off = PickupDropOff(_int_in(table, line, "drop_off_type", table.value(row, "drop_off_type") or "0", range(4)))
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
        return 1.0 if not text else _number(table, line, column, text)

    def offset_s(column: str) -> float:
        text = table.value(row, column)
        return 0.0 if not text else _minutes(table, line, column, text, drafts) * 60

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


def _is_flex_row(table: Table, row: dict[str, str], names: _Names) -> bool:
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


@dataclass(frozen=True)
class _Places:
    """What a feed's stop times may name: stops, zones, groups, areas, booking rules, and their raw ids."""

    stops: dict[str, FlexStop]
    zones: dict[str, FlexZone]
    groups: dict[str, LocationGroup]
    stop_areas: dict[str, tuple[str, ...]]
    area_zones: dict[str, FlexZone]
    area_groups: dict[str, LocationGroup]
    rules: dict[str, BookingRule]
    names: _Names


def _read_places(files: FeedFiles, source: Path, name: str, warnings: list[str], drafts: set[str]) -> _Places:
    """Stops, ``locations.geojson`` zones, location groups, stop areas and booking rules, namespaced ``name``."""
    stops = _stops(files.table("stops.txt"), name)
    zones = _zones(files.geojson("locations.geojson"), f"{source}/locations.geojson", name, warnings)
    groups = _groups(files.table("location_groups.txt"), files.table("location_group_stops.txt"), stops, name)
    stop_areas = _stop_areas(files.table("stop_areas.txt"), stops, zones, name)
    area_zones, area_groups = _area_places(stop_areas, zones, stops)
    rules = _booking_rules(files.table("booking_rules.txt"), name, drafts)
    prefix = len(name) + 1
    names = _Names(
        stops=frozenset(key[prefix:] for key in stops),
        zones=frozenset(key[prefix:] for key in zones),
        groups=frozenset(key[prefix:] for key in groups),
        areas=frozenset(key[prefix:] for key in {**area_zones, **area_groups}),
        area_zones=frozenset(key[prefix:] for key in area_zones),
    )
    return _Places(stops, zones, groups, stop_areas, area_zones, area_groups, rules, names)


def _rows_by_trip(stop_times: Table) -> dict[str, list[tuple[int, dict[str, str]]]]:
    """``stop_times.txt`` rows (line, row) per raw trip id, in file order."""
    by_trip: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for line, row in stop_times.rows:
        by_trip.setdefault(stop_times.value(row, "trip_id"), []).append((line, row))
    return by_trip


def _flex_trip_ids(
    stop_times: Table, by_trip: dict[str, list[tuple[int, dict[str, str]]]], names: _Names
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
    places: _Places
    routes: dict[str, dict[str, str]]
    agencies: dict[str, dict[str, str]]
    dates: dict[str, set[date]]
    drafts: set[str]


def _trip_context(
    files: FeedFiles,
    name: str,
    stop_times: Table,
    by_trip: dict[str, list[tuple[int, dict[str, str]]]],
    places: _Places,
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


def _network(timezone: str, places: _Places, trips: list[FlexTrip], warnings: list[str]) -> FlexNetwork:
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

    The steps: the places stop times may name (:func:`_read_places`), the trips with a flex
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
    places = _read_places(files, source, name, warnings, drafts)
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
