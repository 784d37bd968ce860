"""GBFS ``geofencing_zones``: where a ride may start, end and pass, per vehicle type.

Semantics from the spec (2.3 and 3.0):

- A zone holds rules; a rule applies to the vehicle types it lists (``vehicle_type_id``
  in 2.x, ``vehicle_type_ids`` in 3.0), or to all types when it lists none. Within a
  zone the first applicable rule wins; where zones overlap the zone listed first wins.
- 2.x ``ride_allowed`` means a ride may both start and end in the zone; 3.0 splits it
  into ``ride_start_allowed`` and ``ride_end_allowed``. ``ride_through_allowed`` false
  forbids passing through. ``station_parking`` true: parking only at a station.
- Outside every zone, 3.0 ``global_rules`` apply; without them everything is allowed.
- Zones with ``start``/``end`` times only apply between them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import shapely
from shapely.geometry import LineString, Point, shape
from shapely.geometry.base import BaseGeometry

from providers.gbfs._fields import FeedPlace, localised_text


@dataclass(frozen=True)
class ZoneRule:
    """One rule of a zone (or a global rule)."""

    vehicle_type_ids: frozenset[str]
    ride_start_allowed: bool
    ride_end_allowed: bool
    ride_through_allowed: bool
    maximum_speed_kph: float | None = None
    station_parking: bool = False

    def applies_to(self, vehicle_type_id: str | None) -> bool:
        """True when the rule lists no types or lists this one."""
        return not self.vehicle_type_ids or vehicle_type_id in self.vehicle_type_ids


@dataclass(frozen=True)
class Zone:
    """A polygon with its rules, in feed order."""

    name: str
    geometry: BaseGeometry
    rules: tuple[ZoneRule, ...]
    start: datetime | None = None
    end: datetime | None = None

    def active(self, at: datetime | None) -> bool:
        """Whether the zone applies at ``at`` (always when no time is given)."""
        if at is None:
            return True
        return (self.start is None or at >= self.start) and (self.end is None or at < self.end)

    def rule_for(self, vehicle_type_id: str | None) -> ZoneRule | None:
        """The first rule of this zone that applies to the vehicle type."""
        return next((rule for rule in self.rules if rule.applies_to(vehicle_type_id)), None)


@dataclass(frozen=True)
class Geofencing:
    """All zones of one system with a spatial index; answers the planner's drop-off questions."""

    zones: tuple[Zone, ...] = ()
    global_rules: tuple[ZoneRule, ...] = ()
    _tree: shapely.STRtree = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_tree", shapely.STRtree([zone.geometry for zone in self.zones]))

    def rule_at(
        self, lat: float, lon: float, vehicle_type_id: str | None, at: datetime | None = None
    ) -> ZoneRule | None:
        """The rule that governs this point for this vehicle type, or ``None`` (no restriction)."""
        point = Point(lon, lat)
        for index in sorted(int(i) for i in self._tree.query(point, predicate="intersects")):
            zone = self.zones[index]
            rule = zone.rule_for(vehicle_type_id) if zone.active(at) else None
            if rule is not None:
                return rule
        return next((rule for rule in self.global_rules if rule.applies_to(vehicle_type_id)), None)

    def may_start_at(self, lat: float, lon: float, vehicle_type_id: str | None, at: datetime | None = None) -> bool:
        """A ride of this type may begin here."""
        rule = self.rule_at(lat, lon, vehicle_type_id, at)
        return rule is None or rule.ride_start_allowed

    def may_end_at(
        self,
        lat: float,
        lon: float,
        vehicle_type_id: str | None,
        at: datetime | None = None,
        *,
        at_station: bool = False,
    ) -> bool:
        """A ride of this type may end here; ``at_station`` when the rider docks at a station."""
        rule = self.rule_at(lat, lon, vehicle_type_id, at)
        if rule is None:
            return True
        return rule.ride_end_allowed and (at_station or not rule.station_parking)

    def may_pass(
        self, path: list[tuple[float, float]], vehicle_type_id: str | None, at: datetime | None = None
    ) -> bool:
        """A ride along ``path`` (``(lat, lon)`` points) crosses no zone that forbids riding through.

        The ends of the path are judged by :meth:`may_start_at`/:meth:`may_end_at`, not here.
        """
        if len(path) < 2:
            return True
        line = LineString([(lon, lat) for lat, lon in path])
        ends = [Point(path[0][1], path[0][0]), Point(path[-1][1], path[-1][0])]
        for index in sorted(int(i) for i in self._tree.query(line, predicate="intersects")):
            zone = self.zones[index]
            rule = zone.rule_for(vehicle_type_id) if zone.active(at) else None
            if rule is not None and not rule.ride_through_allowed and not any(zone.geometry.covers(p) for p in ends):
                return False
        return True


def _rule(raw: object, place: FeedPlace, where: str) -> ZoneRule:
    if not isinstance(raw, dict):
        place.fail(where, "a rule must be an object")
    types = raw.get("vehicle_type_ids", raw.get("vehicle_type_id")) or []
    if not isinstance(types, list):
        place.fail(f"{where}.vehicle_type_ids", "not a list")
    if "ride_allowed" in raw:  # 2.x
        start = end = place.flag(raw, "ride_allowed", where, default=True)
    else:
        start = place.flag(raw, "ride_start_allowed", where, default=True)
        end = place.flag(raw, "ride_end_allowed", where, default=True)
    return ZoneRule(
        vehicle_type_ids=frozenset(str(t) for t in types),
        ride_start_allowed=start,
        ride_end_allowed=end,
        ride_through_allowed=place.flag(raw, "ride_through_allowed", where, default=True),
        maximum_speed_kph=place.number(raw, "maximum_speed_kph", where, required=False),
        station_parking=place.flag(raw, "station_parking", where, default=False),
    )


def _geometry(raw: object, place: FeedPlace, where: str) -> BaseGeometry:
    if not isinstance(raw, dict) or raw.get("type") not in ("Polygon", "MultiPolygon"):
        place.fail(f"{where}.geometry", "expected a GeoJSON Polygon or MultiPolygon")
    try:
        geometry = shape(raw)
    except (ValueError, TypeError, IndexError, AttributeError, shapely.errors.GEOSException) as exc:
        place.fail(f"{where}.geometry", f"unreadable coordinates ({exc})")
    return geometry if geometry.is_valid else shapely.make_valid(geometry)


def parse_geofencing(document: object, place: FeedPlace) -> Geofencing:
    """``geofencing_zones`` (2.x or 3.0) into :class:`Geofencing`."""
    data = place.data(document)
    collection: Any = data.get("geofencing_zones")
    if not isinstance(collection, dict) or not isinstance(collection.get("features"), list):
        place.fail("data.geofencing_zones", "expected a GeoJSON FeatureCollection")
    zones = []
    for index, feature in enumerate(collection["features"]):
        where = f"data.geofencing_zones.features[{index}]"
        if not isinstance(feature, dict):
            place.fail(where, "not an object")
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            place.fail(f"{where}.properties", "not an object")
        rules = properties.get("rules") or []
        if not isinstance(rules, list):
            place.fail(f"{where}.properties.rules", "not a list")
        if feature.get("geometry") is None:
            continue  # GeoJSON allows features without geometry; such a zone covers no ground
        zones.append(
            Zone(
                name=localised_text(properties.get("name")),
                geometry=_geometry(feature.get("geometry"), place, where),
                rules=tuple(_rule(rule, place, f"{where}.properties.rules[{n}]") for n, rule in enumerate(rules)),
                start=None
                if properties.get("start") is None
                else place.timestamp(properties["start"], f"{where}.start"),
                end=None if properties.get("end") is None else place.timestamp(properties["end"], f"{where}.end"),
            )
        )
    global_rules = data.get("global_rules") or []
    if not isinstance(global_rules, list):
        place.fail("data.global_rules", "not a list")
    return Geofencing(
        zones=tuple(zones),
        global_rules=tuple(_rule(rule, place, f"data.global_rules[{n}]") for n, rule in enumerate(global_rules)),
    )
