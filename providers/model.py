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

    @property
    def is_available(self) -> bool:
        """Neither reserved nor disabled."""
        return not self.is_reserved and not self.is_disabled

    @property
    def free_to_rent(self) -> bool:
        """An available free-floating vehicle with a position: a rider can walk to it and take it now."""
        return self.is_available and self.station_id is None and self.lat is not None and self.lon is not None


@dataclass(frozen=True)
class StaticInfo:
    """What changes rarely: system, vehicle types, stations, pricing plans, geofencing."""

    system: SystemInfo
    vehicle_types: dict[str, VehicleType]
    stations: dict[str, Station]
    pricing_plans: dict[str, PricingPlan]
    geofencing: Geofencing


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
