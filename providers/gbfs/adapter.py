"""The built-in GBFS adapter: availability, prices and geofencing; riders book in the operator's app.

Configuration (``adapter = "gbfs"``)::

    [providers.nextbike-kassel]
    adapter = "gbfs"
    discovery_url = "https://gbfs.nextbike.net/maps/gbfs/v2/nextbike_dk/gbfs.json"
    language = "de"            # 2.x discovery language block (default: the first)
    timeout_s = 5
    max_stale_s = 300
    form_factor = "bicycle"    # systems without vehicle_types.json (default: car for car-sharing
                               # operators by their system_information, else bicycle as GBFS 2.x says)
    return_constraint = ""     # and how their vehicles go back (e.g. "roundtrip_station")
    [providers.nextbike-kassel.perks.nvv-abo]
    free_minutes = 30          # NVV subscribers ride the first 30 minutes free
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from typing import Any

from providers.errors import NoPrice, NotSupported, ProviderError
from providers.gbfs._fields import FeedPlace
from providers.gbfs.client import GbfsClient, Loaded
from providers.gbfs.feeds import (
    VEHICLE_FEEDS,
    default_form_factor,
    parse_pricing,
    parse_station_information,
    parse_station_status,
    parse_system_alerts,
    parse_system_hours,
    parse_system_information,
    parse_vehicle_types,
    parse_vehicles,
)
from providers.gbfs.geofencing import Geofencing, parse_geofencing
from providers.gbfs.opening import parse_opening_hours, parse_system_calendar, parse_system_regions
from providers.gbfs.pricing import Perk, PricingPlan, ride_cost_cents
from providers.http import HttpClient, HttpSettings
from providers.model import (
    DEFAULT_VEHICLE_TYPE_ID,
    Availability,
    BookingStatus,
    Capability,
    FormFactor,
    LegSpec,
    Quote,
    RentalWindow,
    StaticInfo,
    SystemInfo,
    Vehicle,
    VehicleType,
    pricing_plan_for,
)
from routing.shared_fetch import SharedFetch


@dataclass(frozen=True)
class GbfsSettings:
    """One GBFS adapter instance's configuration."""

    discovery_url: str
    language: str = ""
    max_stale_s: float = 300.0
    http: HttpSettings = field(default_factory=HttpSettings)
    perks: Mapping[str, Perk] = field(default_factory=dict)  # by pass id (e.g. "nvv-abo")
    form_factor: FormFactor | None = None
    """What a system without ``vehicle_types`` rents; ``None``: by the operator's kind (see below)."""
    return_constraint: str | None = None
    """How such a system's vehicles go back (``roundtrip_station``, ``any_station``, ``free_floating``, ``hybrid``)."""

    def default_vehicle_type(self, system: SystemInfo | None = None) -> VehicleType:
        """The vehicle type standing in for a missing ``vehicle_types`` feed.

        The configured ``form_factor`` when set; else cars (returned to their station) for an
        operator whose ``system_information`` names it a car-sharing one; else bicycles, the
        GBFS 2.x default.
        """
        inferred = None if system is None or self.form_factor is not None else default_form_factor(system)
        form_factor = self.form_factor or inferred or FormFactor.BICYCLE
        human = form_factor in (FormFactor.BICYCLE, FormFactor.CARGO_BICYCLE)
        constraint = self.return_constraint
        if constraint is None and inferred is FormFactor.CAR:
            constraint = "roundtrip_station"
        return VehicleType(DEFAULT_VEHICLE_TYPE_ID, form_factor, "human" if human else "", return_constraint=constraint)


class GbfsProvider:
    """A GBFS 2.3/3.0 system as a :class:`~providers.interface.Provider` without booking."""

    capabilities = frozenset({Capability.AVAILABILITY, Capability.PRICES, Capability.GEOFENCING})

    def __init__(
        self,
        name: str,
        settings: GbfsSettings,
        *,
        client: GbfsClient | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.name = name
        self._now = now
        self.settings = settings
        self.client = client or GbfsClient(
            name,
            settings.discovery_url,
            HttpClient(name, settings.http),
            language=settings.language,
            max_stale_s=settings.max_stale_s,
        )

    def share_feeds(self, shared: SharedFetch) -> None:
        """Fetch this system's feeds through ``shared`` (once per ``ttl`` for every worker and host)."""
        self.client.share_through(shared)

    # -- static data and availability --------------------------------------------------------

    def static_info(self) -> StaticInfo:
        """System, types, stations, plans, zones, hours, alerts and regions; optional feeds a system lacks are empty."""
        load = self.client.load
        system = load("system_information", parse_system_information).value
        return StaticInfo(
            system=system,
            vehicle_types=load("vehicle_types", parse_vehicle_types).value
            if self.client.has("vehicle_types")
            else {DEFAULT_VEHICLE_TYPE_ID: self.settings.default_vehicle_type(system)},
            stations=(
                load("station_information", parse_station_information).value
                if self.client.has("station_information")
                else {}
            ),
            pricing_plans=(
                load("system_pricing_plans", parse_pricing).value if self.client.has("system_pricing_plans") else {}
            ),
            geofencing=(
                load("geofencing_zones", parse_geofencing).value
                if self.client.has("geofencing_zones")
                else Geofencing()
            ),
            hours=(
                load("system_hours", partial(parse_system_hours, timezone=system.timezone)).value
                if self.client.has("system_hours")
                else None
            ),
            alerts=load("system_alerts", parse_system_alerts).value if self.client.has("system_alerts") else (),
            windows=self._windows(system),
            regions=load("system_regions", parse_system_regions).value if self.client.has("system_regions") else {},
        )

    def _windows(self, system: SystemInfo) -> tuple[RentalWindow, ...]:
        """The 3.0 ``opening_hours`` and the 2.x ``system_calendar``, where the system publishes them."""
        windows: list[RentalWindow] = []
        if system.opening_hours:
            place = FeedPlace(self.name, "system_information")
            windows.append(parse_opening_hours(system.opening_hours, place, timezone=system.timezone))
        if self.client.has("system_calendar"):
            windows.append(
                self.client.load("system_calendar", partial(parse_system_calendar, timezone=system.timezone)).value
            )
        return tuple(windows)

    def availability(self) -> Availability:
        """Station counts and free vehicles; ``stale`` when any part is older than it should be."""
        parts: list[Loaded[Any]] = []
        stations = {}
        if self.client.has("station_status"):
            loaded_status = self.client.load("station_status", parse_station_status)
            stations = loaded_status.value
            parts.append(loaded_status)
        vehicles: tuple[Vehicle, ...] = ()
        feed = next((name for name in VEHICLE_FEEDS if self.client.has(name)), None)
        if feed is not None:
            loaded_vehicles = self.client.load(feed, parse_vehicles)
            vehicles = loaded_vehicles.value
            if not self.client.has("vehicle_types"):
                vehicles = tuple(
                    replace(v, vehicle_type_id=v.vehicle_type_id or DEFAULT_VEHICLE_TYPE_ID) for v in vehicles
                )
            parts.append(loaded_vehicles)
        if not parts:
            raise ProviderError(self.name, "the system publishes neither station_status nor vehicle status")
        if not self._open_now():
            # outside the rental hours nothing can be taken (returns stay possible)
            stations = {key: replace(status, is_renting=False) for key, status in stations.items()}
            vehicles = tuple(replace(vehicle, rentable_now=False) for vehicle in vehicles)
        return Availability(
            provider=self.name,
            as_of=min(part.last_updated for part in parts),
            stations=stations,
            vehicles=vehicles,
            stale=any(part.stale for part in parts),
        )

    def _open_now(self) -> bool:
        return self.static_info().open_at(self._now())

    # -- prices ----------------------------------------------------------------------------------

    def quote(self, leg: LegSpec) -> Quote:
        """The pricing plan's price for the leg's minutes and kilometres, with the rider's best perk."""
        info = self.static_info()
        vehicle_type = info.vehicle_types.get(leg.vehicle_type_id)
        if vehicle_type is None:
            msg = f"unknown vehicle type {leg.vehicle_type_id!r}"
            raise ProviderError(self.name, msg)
        vehicle = self._vehicle(leg.vehicle_id)
        plan = pricing_plan_for(
            vehicle_type, info.pricing_plans, vehicle_plan_id=None if vehicle is None else vehicle.plan_id
        )
        if plan is None:
            msg = f"no pricing plan for vehicle type {vehicle_type.vehicle_type_id!r}"
            raise NoPrice(self.name, msg)
        perk_name, perk = self._best_perk(plan, leg)
        return Quote(
            provider=self.name,
            amount_cents=ride_cost_cents(plan, minutes=leg.minutes, km=leg.km, perk=perk),
            currency=plan.currency,
            plan_id=plan.plan_id,
            estimated=not plan.is_flat,
            perk=perk_name,
            deep_link=_rental_link(info.system, vehicle),
        )

    def _vehicle(self, vehicle_id: str | None) -> Vehicle | None:
        """The live vehicle with this id (``None`` for no id or a vehicle not listed)."""
        if vehicle_id is None:
            return None
        return next((v for v in self.availability().vehicles if v.vehicle_id == vehicle_id), None)

    def _best_perk(self, plan: PricingPlan, leg: LegSpec) -> tuple[str | None, Perk | None]:
        offered = [(name, self.settings.perks[name]) for name in leg.pass_ids if name in self.settings.perks]
        if not offered:
            return None, None
        return min(offered, key=lambda item: ride_cost_cents(plan, minutes=leg.minutes, km=leg.km, perk=item[1]))

    def deep_link(self, leg: LegSpec) -> str:
        """The vehicle's rental URI, else the operator's app."""
        return _rental_link(self.static_info().system, self._vehicle(leg.vehicle_id))

    # -- booking: not offered by a plain GBFS operator ------------------------------------------

    def _no_booking(self) -> NotSupported:
        return NotSupported(self.name, "this operator publishes GBFS only; riders book in its app (deep link)")

    def reserve(self, quote: Quote, leg: LegSpec, *, idempotency_key: str) -> BookingStatus:
        """Not supported (see :meth:`deep_link`)."""
        raise self._no_booking()

    def confirm(self, booking_id: str) -> BookingStatus:
        """Not supported."""
        raise self._no_booking()

    def start(self, booking_id: str) -> BookingStatus:
        """Not supported."""
        raise self._no_booking()

    def end(self, booking_id: str) -> BookingStatus:
        """Not supported."""
        raise self._no_booking()

    def cancel(self, booking_id: str) -> BookingStatus:
        """Not supported."""
        raise self._no_booking()

    def status(self, booking_id: str) -> BookingStatus:
        """Not supported."""
        raise self._no_booking()


def _rental_link(system: SystemInfo, vehicle: Vehicle | None) -> str:
    """The vehicle's rental URI, else the operator's app or web site."""
    if vehicle is not None and vehicle.rental_uri:
        return vehicle.rental_uri
    return system.rental_uri_android or system.rental_uri_ios or system.url
