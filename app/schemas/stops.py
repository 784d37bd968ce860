"""Schemas of the stops resource."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field

from app.schemas.alerts import AlertOut
from app.schemas.common import ApiModel, Coordinate, QueryModel, RequestTime


class StopsQuery(QueryModel):
    """Find stops near a point (``near``), by name (``q``), by name near a point (both), or list them (neither)."""

    near: Coordinate | None = Field(default=None, description="Centre of the search, LAT,LON in decimal degrees")
    q: Annotated[str, Field(min_length=1, max_length=100)] | None = Field(
        default=None, description="Name or part of it; umlauts, ß, abbreviations (Hbf, Str.) and small typos are fine"
    )
    radius: Annotated[float, Field(gt=0, le=5000, description="Search radius in metres (with near)")] = 500
    limit: Annotated[int, Field(ge=1, le=100, description="Most stops to return")] = 20


class Stop(ApiModel):
    """A stop where vehicles can be boarded, or a station grouping such stops."""

    id: str = Field(description="Region-wide id: <feed>:<GTFS stop_id>")
    name: str
    lat: float
    lon: float
    station_id: str | None = Field(description="Parent station, when the stop is one of its platforms")
    wheelchair_boarding: str = Field(description="unknown, possible or not_possible (GTFS wheelchair_boarding)")
    distance_meters: float | None = Field(default=None, description="Straight-line distance from near")
    score: float | None = Field(default=None, description="How well the name matched q (0-100)")


class StopList(ApiModel):
    """Stops, nearest (near) or best matching (q) first."""

    stops: list[Stop]


class DeparturesQuery(QueryModel):
    """Which departures to show."""

    time: RequestTime | None = Field(
        default=None, description="ISO 8601 (local time of the region without offset); default now"
    )
    limit: Annotated[int, Field(ge=1, le=100)] = 20
    window_minutes: Annotated[int, Field(ge=1, le=1440, description="How far ahead to look")] = 120


class DepartureOut(ApiModel):
    """One trip leaving the stop."""

    stop_id: str = Field(description="The platform it leaves from")
    trip_id: str
    route_id: str
    route_short_name: str
    route_type: int
    agency: str
    headsign: str
    service_day: str
    scheduled: datetime
    expected: datetime = Field(description="Real-time estimate; equals scheduled without real-time data")
    delay_seconds: int
    realtime: bool
    cancelled: bool
    wheelchair_accessible: bool | None
    occupancy: str | None
    platform: str | None = Field(
        default=None, description="GTFS platform_code, else the platform the stop name ends with (Gleis 3, Bstg A)"
    )
    alerts: list[AlertOut] = Field(default_factory=list, description="Service alerts concerning this departure")


class DepartureBoard(ApiModel):
    """Departures, earliest first."""

    stop: Stop
    departures: list[DepartureOut]
    alerts: list[AlertOut] = Field(default_factory=list, description="Service alerts naming this stop or station")


class VehiclePositionOut(ApiModel):
    """Where a transit vehicle is, from the GTFS-Realtime VehiclePositions feed."""

    vehicle_id: str
    label: str
    lat: float
    lon: float
    bearing: float | None
    speed_mps: float | None
    stop_id: str | None = Field(description="The stop it is at or heading for")
    status: str | None = Field(description="incoming_at, stopped_at or in_transit_to")
    occupancy: str | None
    timestamp: datetime | None


class TripOut(ApiModel):
    """A transit trip with its live vehicle, when a feed reports one."""

    trip_id: str
    route_id: str
    route_short_name: str
    route_type: int
    agency: str
    headsign: str
    added: bool = Field(description="True: a trip real-time data added to the schedule")
    vehicle: VehiclePositionOut | None
    alerts: list[AlertOut]
