"""Schemas of the stops resource."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from app.schemas.common import ApiModel, Coordinate, QueryModel


class StopsQuery(QueryModel):
    """Find stops near a point."""

    near: Coordinate = Field(description="Centre of the search, LAT,LON in decimal degrees")
    radius: Annotated[float, Field(gt=0, le=5000, description="Search radius in metres")] = 500
    limit: Annotated[int, Field(ge=1, le=100, description="Most stops to return")] = 20


class Stop(ApiModel):
    """A stop where vehicles can be boarded."""

    id: str = Field(description="Region-wide id: <feed>:<GTFS stop_id>")
    name: str
    lat: float
    lon: float
    station_id: str | None = Field(description="Parent station, when the stop is one of its platforms")
    wheelchair_boarding: str = Field(description="unknown, possible or not_possible (GTFS wheelchair_boarding)")
    distance_meters: float = Field(description="Straight-line distance from the search point")


class StopList(ApiModel):
    """Stops, nearest first."""

    stops: list[Stop]
