"""The compiled flex network of a region: plain frozen data, ids namespaced ``<feed>:<id>``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import IntEnum, StrEnum


class BookingType(IntEnum):
    """``booking_rules.booking_type``."""

    REAL_TIME = 0
    SAME_DAY = 1
    """Up to the same day, with prior notice (``prior_notice_duration_min``)."""
    PRIOR_DAYS = 2
    """Up to ``prior_notice_last_day`` days before, by ``prior_notice_last_time``."""


class PickupDropOff(IntEnum):
    """``stop_times.pickup_type`` / ``drop_off_type``."""

    REGULAR = 0
    NONE = 1
    PHONE_AGENCY = 2
    COORDINATE_WITH_DRIVER = 3


class PlaceKind(StrEnum):
    """What a flex stop time refers to."""

    STOP = "stop"
    LOCATION = "location"
    """A zone of ``locations.geojson``."""
    GROUP = "group"
    """A ``location_groups`` group of stops."""


@dataclass(frozen=True)
class BookingRule:
    """One row of ``booking_rules.txt``; times in seconds after midnight, notices in minutes."""

    rule_id: str
    booking_type: BookingType
    prior_notice_min: int | None = None
    prior_notice_max: int | None = None
    start_day: int | None = None
    start_time_s: int | None = None
    last_day: int | None = None
    last_time_s: int | None = None
    message: str = ""
    pickup_message: str = ""
    drop_off_message: str = ""
    phone_number: str = ""
    info_url: str = ""
    booking_url: str = ""


@dataclass(frozen=True)
class FlexZone:
    """A polygon zone (``locations.geojson`` feature); rings are (lon, lat) lists as in GeoJSON."""

    zone_id: str
    name: str
    polygons: tuple[tuple[tuple[tuple[float, float], ...], ...], ...]
    """Polygons, each an exterior ring followed by its holes."""


@dataclass(frozen=True)
class FlexStop:
    """A stop a flex trip serves (a stop time's stop, or a member of a location group)."""

    stop_id: str
    name: str
    lat: float
    lon: float


@dataclass(frozen=True)
class LocationGroup:
    """A ``location_groups`` row with its ``location_group_stops``."""

    group_id: str
    name: str
    stop_ids: tuple[str, ...]


@dataclass(frozen=True)
class FlexStopTime:
    """One ``stop_times`` row of a flex trip; times in seconds after the service-day reference.

    For a zone or group the rider may be picked up or dropped off anywhere in
    ``window_start_s .. window_end_s``; a fixed stop of a flex trip has its arrival and
    departure as the window.
    """

    kind: PlaceKind
    ref: str
    window_start_s: int
    window_end_s: int
    pickup_type: PickupDropOff
    drop_off_type: PickupDropOff
    pickup_rule: str | None = None
    drop_off_rule: str | None = None
    mean_factor: float = 1.0
    mean_offset_s: float = 0.0
    safe_factor: float = 1.0
    safe_offset_s: float = 0.0

    @property
    def picks_up(self) -> bool:
        """True when riders may board here."""
        return self.pickup_type is not PickupDropOff.NONE

    @property
    def drops_off(self) -> bool:
        """True when riders may alight here."""
        return self.drop_off_type is not PickupDropOff.NONE


@dataclass(frozen=True)
class FlexTrip:
    """A flex trip: its rows in ``stop_sequence`` order and the service days it runs."""

    trip_id: str
    route_id: str
    route_name: str
    agency_name: str
    agency_phone: str
    service_days: tuple[date, ...]
    stop_times: tuple[FlexStopTime, ...]
    wheelchair_accessible: int = 0
    """GTFS ``wheelchair_accessible``: 0 unknown, 1 yes, 2 no."""


@dataclass(frozen=True)
class FlexNetwork:
    """Every flex trip of a region with the zones, groups, stops and rules they name."""

    timezone: str
    zones: dict[str, FlexZone] = field(default_factory=dict)
    stops: dict[str, FlexStop] = field(default_factory=dict)
    groups: dict[str, LocationGroup] = field(default_factory=dict)
    stop_areas: dict[str, tuple[str, ...]] = field(default_factory=dict)
    rules: dict[str, BookingRule] = field(default_factory=dict)
    trips: tuple[FlexTrip, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def counts(self) -> dict[str, int]:
        """Sizes for the region manifest."""
        return {
            "flex_trips": len(self.trips),
            "flex_zones": len(self.zones),
            "flex_location_groups": len(self.groups),
            "flex_booking_rules": len(self.rules),
        }
