"""The values every provider adapter speaks: operators' static data, live availability, quotes and bookings.

All are frozen dataclasses without I/O, so the planner, the booking saga and the
conformance kit work on the same values whichever adapter produced them. Money is
integer cents, times are aware UTC datetimes, distances metres, coordinates WGS84.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from providers.gbfs.geofencing import Geofencing
from providers.gbfs.pricing import PricingPlan


class FormFactor(enum.StrEnum):
    """GBFS ``form_factor`` values (v2.3 and v3.0 together)."""

    BICYCLE = "bicycle"
    CARGO_BICYCLE = "cargo_bicycle"
    CAR = "car"
    MOPED = "moped"
    SCOOTER = "scooter"  # v2.x name, v3.0 splits it into the two below
    SCOOTER_STANDING = "scooter_standing"
    SCOOTER_SEATED = "scooter_seated"
    OTHER = "other"


class Capability(enum.StrEnum):
    """What an adapter can do; the planner and booking saga only call what is declared."""

    AVAILABILITY = "availability"  # live stations and vehicles
    PRICES = "prices"  # quote() gives a price the operator stands by
    GEOFENCING = "geofencing"  # zones with ride-through and parking rules
    BOOKING = "booking"  # reserve/confirm/start/end/cancel/status


class BookingState(enum.StrEnum):
    """Our states of one booked leg, whatever the operator calls them."""

    PENDING = "pending"
    RESERVED = "reserved"
    CONFIRMED = "confirmed"
    IN_USE = "in_use"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    FAILED = "failed"


@dataclass(frozen=True)
class SystemInfo:
    """``system_information``: who runs the system and how riders reach it."""

    system_id: str
    name: str
    timezone: str
    operator: str = ""
    language: str = ""
    url: str = ""
    rental_uri_android: str = ""
    rental_uri_ios: str = ""
    opening_hours: str = ""  # GBFS 3.0: an OSM opening_hours expression ("" in 2.x)


DEFAULT_VEHICLE_TYPE_ID = "default"
"""The one vehicle type of a system that publishes no ``vehicle_types`` feed."""


@dataclass(frozen=True)
class VehicleType:
    """One ``vehicle_types`` entry."""

    vehicle_type_id: str
    form_factor: FormFactor
    propulsion: str
    name: str = ""
    max_range_m: float | None = None
    default_plan_id: str | None = None
    plan_ids: tuple[str, ...] = ()
    return_constraint: str | None = None  # free_floating, roundtrip_station, any_station, hybrid


def pricing_plan_for(
    vehicle_type: VehicleType | None,
    plans: Mapping[str, PricingPlan],
    *,
    vehicle_plan_id: str | None = None,
) -> PricingPlan | None:
    """The plan a ride is priced under, or ``None`` when the feeds do not say.

    In order: the vehicle's own ``pricing_plan_id``, the type's ``default_pricing_plan_id``,
    the type's ``pricing_plan_ids``, and the system's plan when it has exactly one.
    """
    candidates = [vehicle_plan_id]
    if vehicle_type is not None:
        candidates += [vehicle_type.default_plan_id, *vehicle_type.plan_ids]
    if len(plans) == 1:
        candidates.append(next(iter(plans)))
    return next((plans[plan_id] for plan_id in candidates if plan_id is not None and plan_id in plans), None)


@dataclass(frozen=True)
class Station:
    """One ``station_information`` entry."""

    station_id: str
    name: str
    lat: float
    lon: float
    capacity: int | None = None
    is_virtual: bool = False
    region_id: str | None = None  # a system_regions id


@dataclass(frozen=True)
class StationStatus:
    """One ``station_status`` entry: what can be taken and returned there now."""

    station_id: str
    vehicles_available: int | None  # None: the operator does not publish the count
    docks_available: int | None
    is_renting: bool
    is_returning: bool
    vehicles_by_type: dict[str, int] = field(default_factory=dict)

    @property
    def can_pick_up(self) -> bool:
        """A rider can take a vehicle here now (an unknown count counts as some)."""
        return self.is_renting and (self.vehicles_available is None or self.vehicles_available > 0)

    @property
    def can_drop_off(self) -> bool:
        """A rider can return a vehicle here now (unknown dock count counts as free)."""
        return self.is_returning and (self.docks_available is None or self.docks_available > 0)


@dataclass(frozen=True)
class Vehicle:
    """One vehicle of ``free_bike_status`` (2.x) / ``vehicle_status`` (3.0)."""

    vehicle_id: str
    lat: float | None
    lon: float | None
    vehicle_type_id: str | None
    station_id: str | None = None
    is_reserved: bool = False
    is_disabled: bool = False
    range_m: float | None = None
    plan_id: str | None = None
    rental_uri: str = ""
    rentable_now: bool = True  # False outside the system's rental hours

    @property
    def is_available(self) -> bool:
        """Neither reserved nor disabled, and the system rents now."""
        return not self.is_reserved and not self.is_disabled and self.rentable_now

    @property
    def free_to_rent(self) -> bool:
        """An available free-floating vehicle with a position: a rider can walk to it and take it now."""
        return self.is_available and self.station_id is None and self.lat is not None and self.lon is not None


DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class RentalHours:
    """One GBFS 2.x ``system_hours`` entry: on ``days``, from ``start`` to ``end`` local time.

    Times are seconds after local midnight; ``end`` may exceed 24 h (a night that ends the next day).
    """

    days: frozenset[str]
    start_s: int
    end_s: int
    user_types: tuple[str, ...] = ()

    def open_at(self, local: datetime) -> bool:
        """Whether this entry covers the local time ``local`` (including last night's overhang)."""
        since_midnight = local.hour * 3600 + local.minute * 60 + local.second
        today = DAYS[local.weekday()]
        yesterday = DAYS[(local.weekday() - 1) % 7]
        if today in self.days and self.start_s <= since_midnight < self.end_s:
            return True
        return yesterday in self.days and since_midnight + 86_400 < self.end_s


@dataclass(frozen=True)
class SystemHours:
    """When the system rents vehicles; open when any entry (for any user type) covers the moment."""

    hours: tuple[RentalHours, ...]
    timezone: str

    def open_at(self, moment: datetime) -> bool:
        """Whether vehicles can be rented at the aware ``moment``; an unknown time zone counts as always open."""
        try:
            zone = ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return True
        local = moment.astimezone(zone)
        return any(entry.open_at(local) for entry in self.hours)


@dataclass(frozen=True)
class SystemAlert:
    """One ``system_alerts`` entry: what riders should be told (closures, moved stations, ...)."""

    alert_id: str
    kind: str  # system_closure, station_closure, station_move, other
    summary: str
    description: str = ""
    url: str = ""
    station_ids: tuple[str, ...] = ()
    region_ids: tuple[str, ...] = ()
    periods: tuple[tuple[datetime, datetime | None], ...] = ()  # empty: in effect until removed

    def active_at(self, moment: datetime) -> bool:
        """Whether the alert is in effect at ``moment`` (always, when it names no period)."""
        if not self.periods:
            return True
        return any(start <= moment and (end is None or moment < end) for start, end in self.periods)


class RentalWindow(Protocol):
    """Something that says whether a system rents at a moment (OSM opening hours, a 2.x calendar)."""

    def open_at(self, moment: datetime) -> bool:
        """Whether vehicles can be rented at the aware ``moment``."""
        ...


@dataclass(frozen=True)
class StaticInfo:
    """What changes rarely: system, vehicle types, stations, pricing plans, geofencing, hours and alerts."""

    system: SystemInfo
    vehicle_types: dict[str, VehicleType]
    stations: dict[str, Station]
    pricing_plans: dict[str, PricingPlan]
    geofencing: Geofencing
    hours: SystemHours | None = None  # None: the system publishes no hours (always open)
    alerts: tuple[SystemAlert, ...] = ()
    windows: tuple[RentalWindow, ...] = ()  # 3.0 opening_hours, 2.x system_calendar: all must be open
    regions: dict[str, str] = field(default_factory=dict)  # system_regions names by region_id

    def open_at(self, moment: datetime) -> bool:
        """Whether the system rents at ``moment`` by its ``system_hours``, opening hours and calendar."""
        if self.hours is not None and not self.hours.open_at(moment):
            return False
        return all(window.open_at(moment) for window in self.windows)

    def alerts_at(self, moment: datetime) -> tuple[SystemAlert, ...]:
        """The alerts in effect at ``moment``, to show riders as warnings."""
        return tuple(alert for alert in self.alerts if alert.active_at(moment))


@dataclass(frozen=True)
class Availability:
    """Live counts at one moment; ``stale`` when the last refresh failed and older data is served."""

    provider: str
    as_of: datetime
    stations: dict[str, StationStatus]
    vehicles: tuple[Vehicle, ...]
    stale: bool = False


@dataclass(frozen=True)
class LegSpec:
    """The sharing leg a quote or reservation is for, as the planner describes it."""

    vehicle_type_id: str
    start: datetime
    minutes: float
    km: float
    from_lat: float
    from_lon: float
    to_lat: float
    to_lon: float
    vehicle_id: str | None = None  # a free-floating or station vehicle chosen by the rider
    from_station_id: str | None = None
    to_station_id: str | None = None
    pass_ids: tuple[str, ...] = ()  # passes the rider holds, for configured perks
    latest_start: datetime | None = None  # on-demand legs: the end of the pickup window (start is its beginning)
    travellers: int = 1
    wheelchair: bool = False  # on-demand legs: a wheelchair place is needed


@dataclass(frozen=True)
class Quote:
    """A price for a leg: what we authorise at booking and show in the itinerary."""

    provider: str
    amount_cents: int
    currency: str
    plan_id: str | None
    estimated: bool  # True when the final price depends on the real duration/distance
    offer_id: str | None = None  # the operator's id of this offer (TOMP planning option)
    valid_until: datetime | None = None
    perk: str | None = None  # which configured perk lowered the price
    deep_link: str = ""


@dataclass(frozen=True)
class BookingStatus:
    """The operator's view of one booked leg, in our states."""

    provider: str
    booking_id: str
    state: BookingState
    vehicle_id: str | None = None
    amount_cents: int | None = None  # final price once completed; the cancellation fee once cancelled
    operator_state: str = ""  # the operator's own state name, for support
    pickup_at: datetime | None = None  # on-demand legs: the pickup time the dispatcher confirmed
