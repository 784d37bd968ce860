"""The provider layer's live fleets as the planner's sharing supply, and prices for planned legs.

For each request the configured provider instances are asked what they have now (GBFS
clients answer from their ttl cache); their stations and vehicles become plain
:mod:`routing.planner.sharing` data. Adapters are plug-ins: whatever one of them raises
makes that provider *unavailable* for the request (logged, and reported to the app as a
warning); it never fails the request.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from providers.gbfs.client import serving_from_cache
from providers.gbfs.geofencing import Geofencing
from providers.interface import Provider
from providers.model import Availability, Capability, FormFactor, LegSpec, StaticInfo, VehicleType
from providers.registry import ProviderRegistry
from routing.planner.itinerary import Leg, PriceQuote
from routing.planner.request import Mode
from routing.planner.sharing import (
    LegPrice,
    ReturnStation,
    SharingSupply,
    SharingSystem,
    VehicleKind,
    VehicleOffer,
)

logger = logging.getLogger(__name__)

FORM_FACTOR_MODE: dict[FormFactor, Mode] = {
    FormFactor.BICYCLE: Mode.BIKESHARE,
    FormFactor.CARGO_BICYCLE: Mode.BIKESHARE,
    FormFactor.CAR: Mode.CARSHARING,
}
"""Which planner mode a vehicle form factor serves (scooters and mopeds are not planned yet)."""
SHARING_MODES = frozenset(FORM_FACTOR_MODE.values())
FREE_FLOATING_RETURNS = frozenset({"free_floating", "hybrid"})


@dataclass(frozen=True)
class FleetSnapshot:
    """One provider's static data and availability, as fetched for one request."""

    provider: Provider
    info: StaticInfo
    availability: Availability


@dataclass(frozen=True)
class GeofencingRules:
    """A system's geofencing zones as the planner's parking rules for one vehicle type and time."""

    geofencing: Geofencing
    vehicle_type_id: str | None
    at: datetime | None

    def may_end_at(self, lat: float, lon: float) -> bool:
        """A ride may end here outside a station."""
        return self.geofencing.may_end_at(lat, lon, self.vehicle_type_id, self.at)

    def may_pass(self, path: Sequence[tuple[float, float]]) -> bool:
        """A ride may follow ``path`` ((lon, lat) points)."""
        return self.geofencing.may_pass([(lat, lon) for lon, lat in path], self.vehicle_type_id, self.at)


def snapshots(registry: ProviderRegistry) -> tuple[list[FleetSnapshot], list[str]]:
    """What every provider with availability has now, and the names of those that could not say."""
    found, unavailable = [], []
    for name, provider in sorted(registry.providers.items()):
        if Capability.AVAILABILITY not in provider.capabilities:
            continue
        try:
            found.append(FleetSnapshot(provider, provider.static_info(), provider.availability()))
        except Exception:
            logger.warning("provider %s could not say what it has now", name, exc_info=True)
            unavailable.append(name)
    return found, unavailable


def vehicle_kind(vehicle_type: VehicleType) -> VehicleKind:
    """How the planner and the API name a vehicle type, and whether it is electric."""
    electric = vehicle_type.propulsion not in ("human", "")
    readable = {
        FormFactor.BICYCLE: "electric bicycle" if electric else "bicycle",
        FormFactor.CARGO_BICYCLE: "electric cargo bicycle" if electric else "cargo bicycle",
        FormFactor.CAR: "electric car" if electric else "car",
    }.get(vehicle_type.form_factor, str(vehicle_type.form_factor))
    return VehicleKind(name=vehicle_type.name or readable, electric=electric)


def _system(snapshot: FleetSnapshot, mode: Mode, at: datetime) -> SharingSystem | None:
    """The part of one provider's fleet serving ``mode`` (None when it has no such vehicles)."""
    info, live = snapshot.info, snapshot.availability
    types = _types_serving(info, mode)
    if not types:
        return None
    rules_type = next(iter(types))
    geofencing = info.geofencing
    has_rules = bool(geofencing.zones or geofencing.global_rules)
    renting = info.open_at(at)  # system_hours, opening_hours, system_calendar at the trip's time
    offers = _station_offers(info, live, types, rules_type) if renting else []
    if renting:
        offers += _vehicle_offers(live, types, geofencing if has_rules else None, at)
    constraints = {vehicle_type.return_constraint for vehicle_type in types.values()}
    return SharingSystem(
        provider=snapshot.provider.name,
        operator=info.system.operator or info.system.name,
        mode=mode,
        vehicle_types={type_id: vehicle_kind(vehicle_type) for type_id, vehicle_type in types.items()},
        offers=tuple(offers),
        stations=tuple(_return_stations(info, live)),
        free_floating=_free_floating(constraints, offers),
        round_trip=constraints == {"roundtrip_station"},
        rules=GeofencingRules(geofencing, rules_type, at) if has_rules else None,
        bookable=Capability.BOOKING in snapshot.provider.capabilities,
    )


def _types_serving(info: StaticInfo, mode: Mode) -> dict[str, VehicleType]:
    """The system's vehicle types whose form factor serves ``mode``, by id."""
    return {
        type_id: vehicle_type
        for type_id, vehicle_type in info.vehicle_types.items()
        if FORM_FACTOR_MODE.get(vehicle_type.form_factor) is mode
    }


def _station_offers(
    info: StaticInfo, live: Availability, types: dict[str, VehicleType], rules_type: str
) -> list[VehicleOffer]:
    """What the renting stations have of ``types`` now (one offer per station and type with vehicles)."""
    offers: list[VehicleOffer] = []
    for station_id, status in live.stations.items():
        station = info.stations.get(station_id)
        if station is None or not status.is_renting:
            continue
        counts = {t: n for t, n in status.vehicles_by_type.items() if t in types}
        if not status.vehicles_by_type and len(types) == 1 and status.vehicles_available != 0:
            # a station that counts vehicles but not by type: they are the one type this mode has
            counts = {rules_type: 1 if status.vehicles_available is None else status.vehicles_available}
        offers += [
            VehicleOffer(
                lat=station.lat,
                lon=station.lon,
                name=station.name,
                vehicle_type_id=type_id,
                station_id=station_id,
                count=count,
            )
            for type_id, count in counts.items()
            if count > 0
        ]
    return offers


def _vehicle_offers(
    live: Availability, types: dict[str, VehicleType], geofencing: Geofencing | None, at: datetime
) -> list[VehicleOffer]:
    """The free-floating vehicles of ``types`` free to rent where a ride may start (``geofencing``: the rules)."""
    offers: list[VehicleOffer] = []
    for vehicle in live.vehicles:
        if (
            not vehicle.free_to_rent
            or vehicle.vehicle_type_id not in types
            or vehicle.lat is None
            or vehicle.lon is None
        ):
            continue
        if geofencing is not None and not geofencing.may_start_at(
            vehicle.lat, vehicle.lon, vehicle.vehicle_type_id, at
        ):
            continue
        offers.append(
            VehicleOffer(
                lat=vehicle.lat,
                lon=vehicle.lon,
                name=vehicle_kind(types[vehicle.vehicle_type_id]).name,
                vehicle_type_id=str(vehicle.vehicle_type_id),
                vehicle_id=vehicle.vehicle_id,
            )
        )
    return offers


def _return_stations(info: StaticInfo, live: Availability) -> list[ReturnStation]:
    """The known stations taking vehicles back now (a station that does not count its docks is taken as open)."""
    return [
        ReturnStation(
            lat=station.lat,
            lon=station.lon,
            name=station.name,
            station_id=station_id,
            free_docks=status.docks_available,
        )
        for station_id, status in live.stations.items()
        if (station := info.stations.get(station_id)) is not None
        and status.is_returning
        and status.docks_available != 0
    ]


def _free_floating(constraints: set[str | None], offers: list[VehicleOffer]) -> bool:
    """Rides may end outside a station: the types say so, or they say nothing and some vehicles float freely."""
    return bool(constraints & FREE_FLOATING_RETURNS) or (
        None in constraints and any(offer.vehicle_id is not None for offer in offers)
    )


def sharing_supply(
    registry: ProviderRegistry,
    modes: Collection[Mode],
    at: datetime,
    *,
    pass_ids: tuple[str, ...] = (),
    fleets: Callable[[], tuple[list[FleetSnapshot], list[str]]] | None = None,
) -> SharingSupply:
    """The systems serving the requested sharing ``modes`` now, priced through their providers.

    ``fleets`` gives the providers' fleets (the API passes its background-refreshed cache,
    :class:`app.fleet_cache.RequestFleets`); ``None`` asks every provider now.
    """
    wanted = [mode for mode in (Mode.BIKESHARE, Mode.CARSHARING) if mode in modes]
    if not wanted or not registry.providers:
        return SharingSupply()
    fleets_now, unavailable = fleets() if fleets is not None else snapshots(registry)
    systems = [system for fleet in fleets_now for mode in wanted if (system := _system(fleet, mode, at)) is not None]
    return SharingSupply(systems=tuple(systems), quoter=LegQuoting(registry, pass_ids), unavailable=tuple(unavailable))


@dataclass(frozen=True)
class LegQuoting:
    """Prices planned sharing legs through the provider that will serve them."""

    registry: ProviderRegistry
    pass_ids: tuple[str, ...] = ()

    def __call__(self, leg: Leg) -> LegPrice:
        """The provider's quote for ``leg`` (no quote, logged, when the provider cannot give one)."""
        sharing = leg.sharing
        assert sharing is not None
        provider = self.registry.providers.get(sharing.provider)
        if provider is None:
            return LegPrice(quote=None)
        spec = LegSpec(
            vehicle_type_id=sharing.vehicle_type_id,
            start=leg.start,
            minutes=leg.duration_s / 60,
            km=leg.distance_m / 1000,
            from_lat=leg.origin.lat,
            from_lon=leg.origin.lon,
            to_lat=leg.destination.lat,
            to_lon=leg.destination.lon,
            vehicle_id=sharing.vehicle_id,
            from_station_id=sharing.pickup_station_id,
            to_station_id=sharing.dropoff_station_id,
            pass_ids=self.pass_ids,
        )
        try:
            with serving_from_cache():  # feeds as the cache has them; only the quote itself may go out
                quote = provider.quote(spec)
        except Exception:
            logger.warning("provider %s could not quote a leg", sharing.provider, exc_info=True)
            return LegPrice(quote=None)
        price = PriceQuote(
            amount_cents=quote.amount_cents,
            currency=quote.currency,
            source=sharing.provider,
            estimated=quote.estimated or sharing.round_trip,
        )
        return LegPrice(quote=price, deep_link=quote.deep_link or None)
