"""GET /vehicles: sharing stations and free-floating vehicles near a point, live from the providers."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app

from app.accounts.policy import PUBLIC
from app.deadlines import request_deadline
from app.fleet_cache import fleet_cache, stale_warnings
from app.i18n import negotiate, text
from app.openapi import ApiBlueprint
from app.schemas.plan import WarningOut
from app.schemas.vehicles import (
    ProviderState,
    StationOut,
    TypeCount,
    VehicleList,
    VehicleOut,
    VehiclesQuery,
)
from app.sharing import FORM_FACTOR_MODE, FleetSnapshot, vehicle_kind
from app.sharing_alerts import vehicles_alert_warnings
from routing.geo import distance_m

blueprint = ApiBlueprint("vehicles", __name__, tag="vehicles")


def _stations(fleet: FleetSnapshot, query: VehiclesQuery, lat: float, lon: float) -> list[StationOut]:
    info, live = fleet.info, fleet.availability
    wanted = {
        type_id: vehicle_type
        for type_id, vehicle_type in info.vehicle_types.items()
        if FORM_FACTOR_MODE.get(vehicle_type.form_factor) in query.modes
    }
    if not wanted:
        return []
    mode = FORM_FACTOR_MODE[next(iter(wanted.values())).form_factor]
    found = []
    for station_id, station in info.stations.items():
        meters = distance_m(lat, lon, station.lat, station.lon)
        status = live.stations.get(station_id)
        if meters > query.radius or status is None:
            continue
        found.append(
            StationOut(
                provider=fleet.provider.name,
                operator=info.system.operator or info.system.name,
                mode=mode.value,
                station_id=station_id,
                name=station.name,
                lat=station.lat,
                lon=station.lon,
                distance_meters=round(meters, 1),
                vehicles_available=status.vehicles_available,
                docks_available=status.docks_available,
                vehicles_by_type=[
                    TypeCount(vehicle_type_id=type_id, vehicle_type=vehicle_kind(wanted[type_id]).name, count=count)
                    for type_id, count in sorted(status.vehicles_by_type.items())
                    if type_id in wanted
                ],
                is_renting=status.is_renting,
                is_returning=status.is_returning,
                region=info.regions.get(station.region_id or ""),
            )
        )
    return found


def _vehicles(fleet: FleetSnapshot, query: VehiclesQuery, lat: float, lon: float) -> list[VehicleOut]:
    info = fleet.info
    found = []
    for vehicle in fleet.availability.vehicles:
        vehicle_type = info.vehicle_types.get(vehicle.vehicle_type_id or "")
        if (
            vehicle_type is None
            or FORM_FACTOR_MODE.get(vehicle_type.form_factor) not in query.modes
            or not vehicle.free_to_rent
            or vehicle.lat is None
            or vehicle.lon is None
        ):
            continue
        meters = distance_m(lat, lon, vehicle.lat, vehicle.lon)
        if meters > query.radius:
            continue
        found.append(
            VehicleOut(
                provider=fleet.provider.name,
                operator=info.system.operator or info.system.name,
                mode=FORM_FACTOR_MODE[vehicle_type.form_factor].value,
                vehicle_id=vehicle.vehicle_id,
                vehicle_type_id=vehicle_type.vehicle_type_id,
                vehicle_type=vehicle_kind(vehicle_type).name,
                lat=vehicle.lat,
                lon=vehicle.lon,
                distance_meters=round(meters, 1),
                range_meters=vehicle.range_m,
            )
        )
    return found


@blueprint.operation(
    "/vehicles",
    summary="Sharing vehicles and stations near a point",
    query=VehiclesQuery,
    response=VehicleList,
    auth=PUBLIC,
)
def list_vehicles(query: VehiclesQuery) -> VehicleList:
    """Stations and free-floating vehicles available now near a point, nearest first.

    Stations come with live vehicle and dock counts; everything within ``radius`` metres of
    ``near``, from every configured provider.

    Operators' notices (GBFS ``system_alerts`` in effect now) that concern the whole system or
    a listed station are ``system_alert`` warnings. A provider that cannot answer is left out
    and named in ``warnings``; ``providers`` says how fresh each answering provider's data
    is (``stale`` when its feed could not be refreshed in time).
    """
    lat, lon = query.near
    cached = fleet_cache(current_app).snapshots(request_deadline())
    fleets, unavailable = cached.fleets, cached.unavailable
    stations = [station for fleet in fleets for station in _stations(fleet, query, lat, lon)]
    vehicles = [vehicle for fleet in fleets for vehicle in _vehicles(fleet, query, lat, lon)]
    stations.sort(key=lambda item: (item.distance_meters, item.provider, item.station_id))
    vehicles.sort(key=lambda item: (item.distance_meters, item.provider, item.vehicle_id))
    language = negotiate()
    stations = stations[: query.limit]
    listed = {(station.provider, station.station_id) for station in stations}
    return VehicleList(
        stations=stations,
        vehicles=vehicles[: query.limit],
        providers=[
            ProviderState(
                provider=fleet.provider.name,
                as_of=fleet.availability.as_of,
                stale=fleet.availability.stale or fleet.provider.name in cached.stale,
            )
            for fleet in fleets
        ],
        warnings=[
            WarningOut(
                code="provider_unavailable",
                provider=name,
                message=text("warning.provider_unavailable", language, provider=name),
            )
            for name in unavailable
        ]
        + stale_warnings(cached.stale, language)
        + vehicles_alert_warnings(fleets, listed, datetime.now(UTC), language),
    )
