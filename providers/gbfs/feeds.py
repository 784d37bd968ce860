"""Parse GBFS 2.3 and 3.0 documents into :mod:`providers.model` values (pure: documents in, values out).

Each parser takes the decoded JSON of one file and a :class:`FeedPlace` naming the
provider and file; anything malformed raises :class:`~providers.errors.FeedError` with
the field path (``station_status: data.stations[3].num_docks_available: ...``).

Version differences handled here: discovery (``data.<language>.feeds`` in 2.x,
``data.feeds`` in 3.0), ``num_bikes_available`` / ``num_vehicles_available``,
``free_bike_status.bikes`` / ``vehicle_status.vehicles``, localised names in 3.0,
POSIX / RFC 3339 timestamps, ``rental_uris`` / ``rental_apps``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from providers.errors import FeedError
from providers.gbfs._fields import FeedPlace, localised_text
from providers.gbfs.pricing import PricingPlan, PricingPlanError, parse_pricing_plans
from providers.model import (
    DAYS,
    FormFactor,
    RentalHours,
    Station,
    StationStatus,
    SystemAlert,
    SystemHours,
    SystemInfo,
    Vehicle,
    VehicleType,
)

VEHICLE_FEEDS = ("vehicle_status", "free_bike_status")  # 3.0 name first


@dataclass(frozen=True)
class Envelope:
    """The header every GBFS file carries."""

    version: str
    ttl_s: int
    last_updated: datetime


def parse_envelope(document: object, place: FeedPlace) -> Envelope:
    """``version``, ``ttl`` and ``last_updated`` of a document (version defaults to 1.0 as the spec says)."""
    if not isinstance(document, dict):
        place.fail("", "the document is not a JSON object")
    ttl = place.count(document, "ttl", "")
    assert ttl is not None
    version = document.get("version", "1.0")
    if not isinstance(version, str):
        place.fail("version", f"expected a string, got {version!r}")
    return Envelope(
        version=version, ttl_s=ttl, last_updated=place.timestamp(document.get("last_updated"), "last_updated")
    )


def parse_discovery(document: object, place: FeedPlace, *, language: str = "") -> dict[str, str]:
    """Feed URLs by name from ``gbfs.json``; in 2.x the ``language`` block (default: the first one)."""
    data = place.data(document)
    if "feeds" in data:
        feeds: object = data["feeds"]
        where = "data.feeds"
    else:
        languages = [key for key, value in data.items() if isinstance(value, dict)]
        if not languages:
            place.fail("data", "no feeds and no language block")
        chosen = language if language in languages else languages[0]
        feeds = data[chosen].get("feeds")
        where = f"data.{chosen}.feeds"
    if not isinstance(feeds, list):
        place.fail(where, "missing or not a list")
    urls: dict[str, str] = {}
    for index, feed in enumerate(feeds):
        if not isinstance(feed, dict):
            place.fail(f"{where}[{index}]", "not an object")
        urls[place.string(feed, "name", f"{where}[{index}]")] = place.string(feed, "url", f"{where}[{index}]")
    return urls


def parse_system_information(document: object, place: FeedPlace) -> SystemInfo:
    """``system_information``."""
    data = place.data(document)
    apps = data.get("rental_apps") if isinstance(data.get("rental_apps"), dict) else {}
    assert isinstance(apps, dict)

    def app_uri(platform: str) -> str:
        entry = apps.get(platform)
        return str(entry.get("discovery_uri") or entry.get("store_uri") or "") if isinstance(entry, dict) else ""

    return SystemInfo(
        system_id=place.string(data, "system_id", "data"),
        name=localised_text(data.get("name")) or place.fail("data.name", "missing"),
        timezone=place.string(data, "timezone", "data"),
        operator=localised_text(data.get("operator")),
        language=str(data.get("language") or ",".join(data.get("languages") or [])),
        url=str(data.get("url") or ""),
        rental_uri_android=app_uri("android"),
        rental_uri_ios=app_uri("ios"),
        opening_hours=str(data.get("opening_hours") or ""),
    )


def _form_factor(value: object, place: FeedPlace, where: str) -> FormFactor:
    try:
        return FormFactor(str(value))
    except ValueError:
        place.fail(f"{where}.form_factor", f"unknown form factor {value!r}")


def parse_vehicle_types(document: object, place: FeedPlace) -> dict[str, VehicleType]:
    """``vehicle_types`` by id."""
    types: dict[str, VehicleType] = {}
    for index, item in enumerate(place.items(place.data(document), "vehicle_types")):
        where = f"data.vehicle_types[{index}]"
        type_id = place.string(item, "vehicle_type_id", where)
        plan_ids = item.get("pricing_plan_ids") or []
        if not isinstance(plan_ids, list):
            place.fail(f"{where}.pricing_plan_ids", "not a list")
        default_plan = item.get("default_pricing_plan_id")
        types[type_id] = VehicleType(
            vehicle_type_id=type_id,
            form_factor=_form_factor(item.get("form_factor"), place, where),
            propulsion=place.string(item, "propulsion_type", where),
            name=localised_text(item.get("name")),
            max_range_m=place.number(item, "max_range_meters", where, required=False),
            default_plan_id=None if default_plan is None else str(default_plan),
            plan_ids=tuple(str(plan) for plan in plan_ids),
            return_constraint=None if item.get("return_constraint") is None else str(item["return_constraint"]),
        )
    return types


def parse_station_information(document: object, place: FeedPlace) -> dict[str, Station]:
    """``station_information`` by station id."""
    stations: dict[str, Station] = {}
    for index, item in enumerate(place.items(place.data(document), "stations")):
        where = f"data.stations[{index}]"
        station_id = place.string(item, "station_id", where)
        position = place.coordinates(item, where)
        assert position is not None
        stations[station_id] = Station(
            station_id=station_id,
            name=localised_text(item.get("name")) or station_id,
            lat=position[0],
            lon=position[1],
            capacity=place.count(item, "capacity", where, required=False),
            is_virtual=place.flag(item, "is_virtual_station", where, default=False),
            region_id=None if item.get("region_id") is None else str(item["region_id"]),
        )
    return stations


def parse_station_status(document: object, place: FeedPlace) -> dict[str, StationStatus]:
    """``station_status`` by station id (``num_bikes_available`` in 2.x, ``num_vehicles_available`` in 3.0)."""
    statuses: dict[str, StationStatus] = {}
    for index, item in enumerate(place.items(place.data(document), "stations")):
        where = f"data.stations[{index}]"
        available_key = "num_vehicles_available" if "num_vehicles_available" in item else "num_bikes_available"
        by_type: dict[str, int] = {}
        raw_types = item.get("vehicle_types_available") or []
        if not isinstance(raw_types, list):
            place.fail(f"{where}.vehicle_types_available", "not a list")
        for type_index, entry in enumerate(raw_types):
            here = f"{where}.vehicle_types_available[{type_index}]"
            if not isinstance(entry, dict):
                place.fail(here, "not an object")
            count = place.count(entry, "count", here)
            assert count is not None
            by_type[place.string(entry, "vehicle_type_id", here)] = count
        raw_available = item.get(available_key)
        # Some real feeds (stadtnavi car sharing) publish -1 for "count unknown".
        unknown = isinstance(raw_available, int) and not isinstance(raw_available, bool) and raw_available < 0
        available = None if unknown else place.count(item, available_key, where)
        installed = place.flag(item, "is_installed", where, default=True)
        station_id = place.string(item, "station_id", where)
        statuses[station_id] = StationStatus(
            station_id=station_id,
            vehicles_available=available,
            docks_available=place.count(item, "num_docks_available", where, required=False),
            is_renting=installed and place.flag(item, "is_renting", where, default=True),
            is_returning=installed and place.flag(item, "is_returning", where, default=True),
            vehicles_by_type=by_type,
        )
    return statuses


def parse_vehicles(document: object, place: FeedPlace) -> tuple[Vehicle, ...]:
    """``vehicle_status`` (3.0, ``vehicles``) or ``free_bike_status`` (2.x, ``bikes``)."""
    data = place.data(document)
    key = "vehicles" if "vehicles" in data else "bikes"
    id_key = "vehicle_id" if key == "vehicles" else "bike_id"
    vehicles = []
    for index, item in enumerate(place.items(data, key)):
        where = f"data.{key}[{index}]"
        position = place.coordinates(item, where, required=False)
        uris = item.get("rental_uris") if isinstance(item.get("rental_uris"), dict) else {}
        assert isinstance(uris, dict)
        vehicles.append(
            Vehicle(
                vehicle_id=place.string(item, id_key, where),
                lat=None if position is None else position[0],
                lon=None if position is None else position[1],
                vehicle_type_id=None if item.get("vehicle_type_id") is None else str(item["vehicle_type_id"]),
                station_id=None if item.get("station_id") is None else str(item["station_id"]),
                is_reserved=place.flag(item, "is_reserved", where, default=False),
                is_disabled=place.flag(item, "is_disabled", where, default=False),
                range_m=place.number(item, "current_range_meters", where, required=False),
                plan_id=None if item.get("pricing_plan_id") is None else str(item["pricing_plan_id"]),
                rental_uri=str(uris.get("web") or uris.get("android") or uris.get("ios") or ""),
            )
        )
        if position is None and vehicles[-1].station_id is None:
            place.fail(where, "a vehicle needs lat/lon or a station_id")
    return tuple(vehicles)


def parse_pricing(document: object, place: FeedPlace) -> dict[str, PricingPlan]:
    """``system_pricing_plans`` by plan id; plan errors become :class:`FeedError`."""
    if not isinstance(document, dict):
        place.fail("", "the document is not a JSON object")
    try:
        return parse_pricing_plans(document)
    except PricingPlanError as exc:
        raise FeedError(place.provider, place.feed, "", str(exc).removeprefix("system_pricing_plans: ")) from exc


def _clock_seconds(value: object, place: FeedPlace, where: str) -> int:
    """``HH:MM:SS`` as seconds after midnight (hours may exceed 23 for a night running into the next day)."""
    parts = value.split(":") if isinstance(value, str) else []
    if len(parts) != 3 or not all(part.isdigit() for part in parts):
        place.fail(where, f"expected HH:MM:SS, got {value!r}")
    hours, minutes, seconds = (int(part) for part in parts)
    if minutes > 59 or seconds > 59 or hours > 47:
        place.fail(where, f"{value!r} is not a time of day (HH up to 47)")
    return hours * 3600 + minutes * 60 + seconds


def parse_system_hours(document: object, place: FeedPlace, *, timezone: str) -> SystemHours:
    """GBFS 2.x ``system_hours`` (``rental_hours``) in the system's ``timezone``."""
    entries = []
    for index, item in enumerate(place.items(place.data(document), "rental_hours")):
        where = f"data.rental_hours[{index}]"
        days = item.get("days")
        if not isinstance(days, list) or not days or any(day not in DAYS for day in days):
            place.fail(f"{where}.days", f"a list of {', '.join(DAYS)}, got {days!r}")
        user_types = item.get("user_types") or []
        if not isinstance(user_types, list):
            place.fail(f"{where}.user_types", "not a list")
        start = _clock_seconds(item.get("start_time"), place, f"{where}.start_time")
        end = _clock_seconds(item.get("end_time"), place, f"{where}.end_time")
        if end <= start:
            place.fail(f"{where}.end_time", "not after start_time (write 26:00:00 for 2 am the next day)")
        entries.append(RentalHours(frozenset(days), start, end, tuple(str(u) for u in user_types)))
    return SystemHours(tuple(entries), timezone)


def _ids(item: dict[str, object], key: str, place: FeedPlace, where: str) -> tuple[str, ...]:
    value = item.get(key) or []
    if not isinstance(value, list):
        place.fail(f"{where}.{key}", "not a list")
    return tuple(str(entry) for entry in value)


def parse_system_alerts(document: object, place: FeedPlace) -> tuple[SystemAlert, ...]:
    """``system_alerts`` (2.3 strings or 3.0 localised texts; POSIX or RFC 3339 times)."""
    alerts = []
    for index, item in enumerate(place.items(place.data(document), "alerts")):
        where = f"data.alerts[{index}]"
        periods = []
        raw_times = item.get("times") or []
        if not isinstance(raw_times, list):
            place.fail(f"{where}.times", "not a list")
        for number, period in enumerate(raw_times):
            here = f"{where}.times[{number}]"
            if not isinstance(period, dict):
                place.fail(here, "not an object")
            start = place.timestamp(period.get("start"), f"{here}.start")
            end = None if period.get("end") is None else place.timestamp(period.get("end"), f"{here}.end")
            periods.append((start, end))
        summary = localised_text(item.get("summary"))
        if not summary:
            place.fail(f"{where}.summary", "missing")
        alerts.append(
            SystemAlert(
                alert_id=place.string(item, "alert_id", where),
                kind=place.string(item, "type", where),
                summary=summary,
                description=localised_text(item.get("description")),
                url=localised_text(item.get("url")),
                station_ids=_ids(item, "station_ids", place, where),
                region_ids=_ids(item, "region_ids", place, where),
                periods=tuple(periods),
            )
        )
    return tuple(alerts)


CAR_SHARING_WORDS = ("carsharing", "car-sharing", "car sharing", "teilauto", "stadtmobil", "cambio", "flinkster")
"""Words in a system's id, name, operator or URL that mark a car-sharing operator (2.x feeds without
``vehicle_types`` are bicycles by the spec's default, which car-sharing feeds like stadtnavi's ignore)."""


def default_form_factor(system: SystemInfo) -> FormFactor | None:
    """The form factor of a system without ``vehicle_types`` as its ``system_information`` reveals it."""
    text = " ".join((system.system_id, system.name, system.operator, system.url)).lower()
    if any(word in text for word in CAR_SHARING_WORDS):
        return FormFactor.CAR
    return None
