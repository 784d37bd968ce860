"""Stops of the loaded region: search by position or name, departure boards, and live trips."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from app.accounts.policy import PUBLIC
from app.errors import NotFound
from app.i18n import negotiate
from app.local_times import local_moment
from app.openapi import ApiBlueprint
from app.realtime import alerts_out, trip_info
from app.region_services import PLANNER, STOP_INDEX, STOP_NAMES, TRIP_INDEX, current_region, region_service
from app.schemas.stops import (
    DepartureBoard,
    DepartureOut,
    DeparturesQuery,
    Stop,
    StopList,
    StopsQuery,
    TripOut,
    VehiclePositionOut,
)
from routing.geo import haversine_m
from routing.region.region import Region
from routing.transit.alerts import ride_alerts
from routing.transit.departures import departure_board
from routing.transit.stop_search import StopNameIndex
from routing.transit.stops import stops_near
from routing.transit.timetable import Timetable

blueprint = ApiBlueprint("stops", __name__, tag="stops")

WHEELCHAIR_BOARDING = {0: "unknown", 1: "possible", 2: "not_possible"}


def _stop(timetable: Timetable, index: int, *, distance: float | None = None, score: float | None = None) -> Stop:
    parent = int(timetable.stop_parent[index])
    return Stop(
        id=timetable.stop_id[index],
        name=timetable.stop_name[index],
        lat=float(timetable.stop_lat[index]),
        lon=float(timetable.stop_lon[index]),
        station_id=timetable.stop_id[parent] if parent >= 0 else None,
        wheelchair_boarding=WHEELCHAIR_BOARDING.get(int(timetable.stop_wheelchair[index]), "unknown"),
        distance_meters=None if distance is None else round(distance, 1),
        score=score,
    )


def _name_index() -> StopNameIndex:
    return region_service(STOP_NAMES)


@blueprint.operation(
    "/stops",
    summary="Find stops near a point or by name",
    query=StopsQuery,
    response=StopList,
    errors=(503,),
    auth=PUBLIC,
)
def list_stops(query: StopsQuery) -> StopList:
    """Stops by position, by name, or both.

    ``near`` alone: boardable stops within ``radius`` metres, nearest first. ``q`` alone:
    stations and stops whose name matches, best first (German-aware: ä = ae, ß = ss,
    Hbf = Hauptbahnhof, prefixes and small typos match). Both: the name matches within
    ``radius`` of ``near``, best match first, then nearest. Neither: stations and stops in
    name order.
    """
    timetable = current_region().timetable
    if query.q is None or not query.q.strip():
        if query.near is None:
            index = _name_index()
            ordered = sorted(
                index.entries.tolist(), key=lambda stop: (timetable.stop_name[stop], timetable.stop_id[stop])
            )
            return StopList(stops=[_stop(timetable, stop) for stop in ordered[: query.limit]])
        lat, lon = query.near
        found = stops_near(timetable, lat, lon, radius_m=query.radius, limit=query.limit)
        return StopList(stops=[_stop(timetable, hit.index, distance=hit.distance_m) for hit in found])
    if query.near is None:
        matches = _name_index().search(query.q, limit=query.limit)
        return StopList(stops=[_stop(timetable, match.index, score=match.score) for match in matches])
    lat, lon = query.near
    matches = _name_index().search(query.q, limit=len(_name_index().entries))
    distances = [
        float(haversine_m(lat, lon, float(timetable.stop_lat[m.index]), float(timetable.stop_lon[m.index])))
        for m in matches
    ]
    near = sorted(
        ((-m.score, d, m) for m, d in zip(matches, distances, strict=True) if d <= query.radius),
        key=lambda item: (item[0], item[1]),
    )
    return StopList(stops=[_stop(timetable, m.index, distance=d, score=m.score) for _, d, m in near[: query.limit]])


def _stop_index(region: Region, stop_id: str) -> int:
    by_id = region_service(STOP_INDEX)
    if stop_id not in by_id:
        raise NotFound(f"no stop with id {stop_id!r} in region {region.manifest.name}")
    return by_id[stop_id]


@blueprint.operation(
    "/stops/<stop_id>/departures",
    summary="Departure board of a stop or station",
    query=DeparturesQuery,
    response=DepartureBoard,
    errors=(404, 503),
    auth=PUBLIC,
)
def departures(stop_id: str, query: DeparturesQuery) -> DepartureBoard:
    """The next departures from the stop (a station: from all its platforms).

    With their platforms, real-time delays, cancellations (still listed, marked), occupancy and service
    alerts when feeds provide them; ``alerts`` lists the alerts naming the stop itself.
    """
    planner = region_service(PLANNER)
    region = planner.region
    timetable = region.timetable
    index = _stop_index(region, stop_id)
    platforms = [index, *np.flatnonzero(np.asarray(timetable.stop_parent) == index).tolist()]
    moment = local_moment(query.time, planner.transit.zone)
    board = departure_board(
        planner.transit, platforms, moment, limit=query.limit, window=timedelta(minutes=query.window_minutes)
    )
    language = negotiate()
    return DepartureBoard(
        stop=_stop(timetable, index),
        alerts=alerts_out(trip_info().stop_alerts(platforms, moment), language),
        departures=[
            DepartureOut(
                stop_id=timetable.stop_id[item.stop],
                trip_id=item.trip_id,
                route_id=item.route_id,
                route_short_name=item.route_short_name,
                route_type=item.route_type,
                agency=item.agency,
                headsign=item.headsign,
                service_day=item.service_day.isoformat(),
                scheduled=item.scheduled,
                expected=item.expected,
                delay_seconds=round((item.expected - item.scheduled).total_seconds()),
                realtime=item.realtime,
                cancelled=item.cancelled,
                wheelchair_accessible=item.wheelchair_accessible,
                occupancy=item.occupancy,
                platform=item.platform,
                alerts=alerts_out(item.alerts, language),
            )
            for item in board
        ],
    )


@blueprint.operation(
    "/trips/<trip_id>",
    summary="A transit trip and the live position of its vehicle",
    response=TripOut,
    errors=(404, 503),
    auth=PUBLIC,
)
def trip(trip_id: str) -> TripOut:
    """The trip ``trip_id`` (``<feed>:<GTFS trip_id>``, or a trip real-time data added).

    With the position, status and occupancy of its vehicle when a VehiclePositions feed reports it
    (``vehicle`` null otherwise), and the service alerts that concern it now.
    """
    planner = region_service(PLANNER)
    router = planner.transit
    timetable = router.timetable
    network = router.network
    by_id = region_service(TRIP_INDEX)
    added = None
    if network.overlay is not None:
        added = next((item for (name, _), item in network.overlay.added.items() if name == trip_id), None)
    if trip_id in by_id:
        pattern, _, _ = timetable.trip_layout(by_id[trip_id])
        route, headsign = int(timetable.pattern_route[pattern]), timetable.trip_headsign[by_id[trip_id]]
    elif added is not None:
        route, headsign = added.route, added.headsign
    else:
        raise NotFound(f"no trip with id {trip_id!r} in region {planner.region.manifest.name}")
    info = trip_info()
    vehicle = info.vehicle(trip_id)
    alerts = (
        ride_alerts(network.overlay.alerts, timetable, route=route, trip_id=trip_id, stops=(), start=datetime.now(UTC))
        if network.overlay is not None
        else ()
    )
    return TripOut(
        trip_id=trip_id,
        route_id=timetable.route_id[route],
        route_short_name=timetable.route_short_name[route],
        route_type=int(timetable.route_type[route]),
        agency=timetable.route_agency[route],
        headsign=headsign,
        added=added is not None,
        vehicle=None
        if vehicle is None
        else VehiclePositionOut(
            vehicle_id=vehicle.vehicle_id,
            label=vehicle.label,
            lat=vehicle.lat,
            lon=vehicle.lon,
            bearing=vehicle.bearing,
            speed_mps=vehicle.speed_mps,
            stop_id=timetable.stop_id[vehicle.stop] if vehicle.stop is not None else None,
            status=vehicle.status,
            occupancy=vehicle.occupancy,
            timestamp=vehicle.timestamp,
        ),
        alerts=alerts_out(alerts, negotiate()),
    )
