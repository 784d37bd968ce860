"""Stops of the loaded region."""

from __future__ import annotations

from app.api.region import current_region
from app.openapi import ApiBlueprint
from app.schemas.stops import Stop, StopList, StopsQuery
from routing.transit.stops import stops_near

blueprint = ApiBlueprint("stops", __name__, tag="stops")

WHEELCHAIR_BOARDING = {0: "unknown", 1: "possible", 2: "not_possible"}


@blueprint.operation("/stops", summary="Find stops near a point", query=StopsQuery, response=StopList, errors=(503,))
def list_stops(query: StopsQuery) -> StopList:
    """Boardable stops within ``radius`` metres of ``near``, nearest first."""
    timetable = current_region().timetable
    lat, lon = query.near
    found = stops_near(timetable, lat, lon, radius_m=query.radius, limit=query.limit)
    stops = []
    for hit in found:
        parent = int(timetable.stop_parent[hit.index])
        stops.append(
            Stop(
                id=timetable.stop_id[hit.index],
                name=timetable.stop_name[hit.index],
                lat=float(timetable.stop_lat[hit.index]),
                lon=float(timetable.stop_lon[hit.index]),
                station_id=timetable.stop_id[parent] if parent >= 0 else None,
                wheelchair_boarding=WHEELCHAIR_BOARDING.get(int(timetable.stop_wheelchair[hit.index]), "unknown"),
                distance_meters=round(hit.distance_m, 1),
            )
        )
    return StopList(stops=stops)
