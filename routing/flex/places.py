"""Where flex rides go: stops, ``locations.geojson`` zones, location groups and stop areas of a feed.

Every id is namespaced by the feed's name. A stop time names exactly one of them
(:func:`resolve_place`); the drafts' zone ids in ``stop_id`` are read with a warning.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely

from routing.errors import InputDataError
from routing.flex.booking_rules import read_booking_rules
from routing.flex.fields import require_column
from routing.flex.model import (
    BookingRule,
    FlexStop,
    FlexZone,
    LocationGroup,
    PlaceKind,
)
from routing.flex.tables import FeedFiles, Table


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
    require_column(groups, "location_group_id")
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
class PlaceNames:
    """Raw ids a stop time may name, for resolving its place."""

    stops: frozenset[str]
    zones: frozenset[str]
    groups: frozenset[str]
    areas: frozenset[str] = frozenset()
    """``stop_areas`` area ids (GTFS-Flex drafts name them in ``stop_id``)."""
    area_zones: frozenset[str] = frozenset()
    """The areas made of zones."""


def resolve_place(
    table: Table, line: int, row: dict[str, str], names: PlaceNames, drafts: set[str]
) -> tuple[PlaceKind, str]:
    """The kind and raw id of the one place a stop time names (stop, zone, group or area)."""
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


@dataclass(frozen=True)
class FeedPlaces:
    """What a feed's stop times may name: stops, zones, groups, areas, booking rules, and their raw ids."""

    stops: dict[str, FlexStop]
    zones: dict[str, FlexZone]
    groups: dict[str, LocationGroup]
    stop_areas: dict[str, tuple[str, ...]]
    area_zones: dict[str, FlexZone]
    area_groups: dict[str, LocationGroup]
    rules: dict[str, BookingRule]
    names: PlaceNames


def read_places(files: FeedFiles, source: Path, name: str, warnings: list[str], drafts: set[str]) -> FeedPlaces:
    """Stops, ``locations.geojson`` zones, location groups, stop areas and booking rules, namespaced ``name``."""
    stops = _stops(files.table("stops.txt"), name)
    zones = _zones(files.geojson("locations.geojson"), f"{source}/locations.geojson", name, warnings)
    groups = _groups(files.table("location_groups.txt"), files.table("location_group_stops.txt"), stops, name)
    stop_areas = _stop_areas(files.table("stop_areas.txt"), stops, zones, name)
    area_zones, area_groups = _area_places(stop_areas, zones, stops)
    rules = read_booking_rules(files.table("booking_rules.txt"), name, drafts)
    prefix = len(name) + 1
    names = PlaceNames(
        stops=frozenset(key[prefix:] for key in stops),
        zones=frozenset(key[prefix:] for key in zones),
        groups=frozenset(key[prefix:] for key in groups),
        areas=frozenset(key[prefix:] for key in {**area_zones, **area_groups}),
        area_zones=frozenset(key[prefix:] for key in area_zones),
    )
    return FeedPlaces(stops, zones, groups, stop_areas, area_zones, area_groups, rules, names)
