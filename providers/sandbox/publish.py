"""Render the sandbox fleet as GBFS 2.3 and 3.0 documents (live counts from the fleet's state)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from providers.sandbox.fleet import SandboxSystem, SandboxVehicle

VERSIONS = ("2.3", "3.0")
LIVE_TTL_S = 0  # station_status and vehicles: clients may refresh whenever they like
STATIC_TTL_S = 300  # discovery and static feeds
LOCALISED = ("name", "short_name", "operator", "description")
OPENING_HOURS = "24/7"  # the sandbox rents around the clock (OSM opening_hours syntax, required in 3.0)


def feed_names(version: str, system: SandboxSystem) -> list[str]:
    """The files this system publishes in ``version``."""
    vehicle_feed = "vehicle_status" if version == "3.0" else "free_bike_status"
    names = [
        "system_information",
        "vehicle_types",
        "station_information",
        "station_status",
        vehicle_feed,
        "system_pricing_plans",
    ]
    if "geofencing_zones" in system.documents:
        names.append("geofencing_zones")
    return names


def timestamp(version: str, now: float) -> int | str:
    """A moment as ``version`` writes it: POSIX seconds in 2.3, RFC 3339 in 3.0."""
    return datetime.fromtimestamp(int(now), UTC).isoformat() if version == "3.0" else int(now)


def envelope(version: str, data: dict[str, Any], now: float, *, ttl_s: int = LIVE_TTL_S) -> dict[str, Any]:
    """The header of a document in ``version``."""
    return {"last_updated": timestamp(version, now), "ttl": ttl_s, "version": version, "data": data}


def discovery(version: str, system: SandboxSystem, base_url: str, language: str) -> dict[str, Any]:
    """``gbfs.json`` listing this system's feeds at ``base_url``."""
    feeds = [{"name": name, "url": f"{base_url}/{name}.json"} for name in feed_names(version, system)]
    return {"feeds": feeds} if version == "3.0" else {language: {"feeds": feeds}}


def _localise(value: Any, language: str) -> Any:
    """2.x strings as 3.0 ``[{text, language}]`` lists, recursively for the fields that 3.0 localises."""
    if isinstance(value, dict):
        return {
            key: (
                [{"text": item, "language": language}]
                if key in LOCALISED and isinstance(item, str)
                else _localise(item, language)
            )
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_localise(item, language) for item in value]
    return value


def _multipolygon(geometry: dict[str, Any]) -> dict[str, Any]:
    """GBFS requires ``MultiPolygon`` zones; a seed's ``Polygon`` becomes a one-polygon ``MultiPolygon``."""
    if geometry.get("type") == "Polygon":
        return {"type": "MultiPolygon", "coordinates": [geometry["coordinates"]]}
    return geometry


def _rule_v3(rule: dict[str, Any]) -> dict[str, Any]:
    """A 2.x geofencing rule in 3.0 names: ``vehicle_type_ids``, ``ride_start_allowed``/``ride_end_allowed``."""
    renamed = {key: value for key, value in rule.items() if key not in ("vehicle_type_id", "ride_allowed")}
    if "vehicle_type_id" in rule:
        renamed["vehicle_type_ids"] = list(rule["vehicle_type_id"])
    allowed = bool(rule.get("ride_allowed", True))
    renamed.setdefault("ride_start_allowed", allowed)
    renamed.setdefault("ride_end_allowed", allowed)
    renamed.setdefault("ride_through_allowed", True)
    return renamed


GLOBAL_RULES_V3 = [{"ride_start_allowed": True, "ride_end_allowed": True, "ride_through_allowed": True}]
"""Outside its zones the sandbox allows everything (what 2.x implies without zones)."""


def _geofencing(version: str, data: dict[str, Any]) -> dict[str, Any]:
    collection = data.get("geofencing_zones", {})
    for feature in collection.get("features", []):
        feature["geometry"] = _multipolygon(feature.get("geometry") or {})
        if version == "3.0":
            properties = feature.setdefault("properties", {})
            properties["rules"] = [_rule_v3(rule) for rule in properties.get("rules", [])]
    if version == "3.0":
        data.setdefault("global_rules", GLOBAL_RULES_V3)
    return data


def static_data(version: str, system: SandboxSystem, feed: str, language: str) -> dict[str, Any]:
    """A static feed's ``data`` in ``version``."""
    data: dict[str, Any] = copy.deepcopy(system.documents[feed]["data"])
    if feed == "geofencing_zones":
        data = _geofencing(version, data)
    if version != "3.0":
        return data
    if feed == "system_information":
        data["languages"] = [data.pop("language", language)]
        data.setdefault("opening_hours", OPENING_HOURS)
    return dict(_localise(data, language))


def station_status(version: str, system: SandboxSystem, vehicles: list[SandboxVehicle], now: float) -> dict[str, Any]:
    """Counts per station from the vehicles that stand there unreserved."""
    count_key = "num_vehicles_available" if version == "3.0" else "num_bikes_available"
    stations = []
    for station in system.stations.values():
        here = [v for v in vehicles if v.station_id == station.station_id]
        free = [v for v in here if v.booking_id is None]
        by_type: dict[str, int] = {}
        for vehicle in free:
            by_type[vehicle.vehicle_type_id] = by_type.get(vehicle.vehicle_type_id, 0) + 1
        docks = None if station.capacity is None else max(station.capacity - len(here), 0)
        entry: dict[str, Any] = {
            "station_id": station.station_id,
            count_key: len(free),
            "vehicle_types_available": [{"vehicle_type_id": t, "count": n} for t, n in sorted(by_type.items())],
            "is_installed": True,
            "is_renting": True,
            "is_returning": True,
            "last_reported": timestamp(version, now),
        }
        if docks is not None:
            entry["num_docks_available"] = docks
        stations.append(entry)
    return {"stations": stations}


def vehicle_status(version: str, vehicles: list[SandboxVehicle], base_url: str) -> dict[str, Any]:
    """Free-floating vehicles (GBFS 2.3 lists only those not at a station; 3.0 may list all, we list the same)."""
    key, id_key = ("vehicles", "vehicle_id") if version == "3.0" else ("bikes", "bike_id")
    listed = []
    for vehicle in vehicles:
        if vehicle.station_id is not None:
            continue
        listed.append(
            {
                id_key: vehicle.vehicle_id,
                "lat": vehicle.lat,
                "lon": vehicle.lon,
                "vehicle_type_id": vehicle.vehicle_type_id,
                "is_reserved": vehicle.booking_id is not None,
                "is_disabled": False,
                "rental_uris": {"web": f"{base_url}/rent/{vehicle.vehicle_id}"},
            }
        )
    return {key: listed}
