"""Schemas of ``GET /vehicles``: sharing stations and free-floating vehicles near a point."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, Field, WithJsonSchema

from app.i18n import FieldValueError
from app.schemas.common import ApiModel, Coordinate, QueryModel
from app.schemas.plan import Modes, WarningOut
from routing.planner.request import Mode

SHARING_MODES = frozenset({Mode.BIKESHARE, Mode.CARSHARING})
_ONE_SHARING_MODE = "(?:bikeshare|carsharing)"


def _sharing_only(value: frozenset[Mode]) -> frozenset[Mode]:
    other = sorted(mode.value for mode in value - SHARING_MODES)
    if other:
        raise FieldValueError("field.sharing_modes_only", other=", ".join(other))
    return value


SharingModes = Annotated[
    Modes,
    AfterValidator(_sharing_only),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": f"^{_ONE_SHARING_MODE}(?:,{_ONE_SHARING_MODE})*$",
            "examples": ["bikeshare", "bikeshare,carsharing"],
            "description": "Comma-separated, any of: bikeshare, carsharing",
        }
    ),
]


class VehiclesQuery(QueryModel):
    """Sharing vehicles and stations within ``radius`` metres of ``near``."""

    near: Coordinate = Field(description="Centre of the search, LAT,LON in decimal degrees")
    radius: Annotated[float, Field(gt=0, le=5000, description="Search radius in metres")] = 500
    modes: SharingModes = Field(
        default="bikeshare,carsharing",
        validate_default=True,
        description="Sharing modes to list: bikeshare, carsharing",
    )
    limit: Annotated[int, Field(ge=1, le=500, description="At most this many stations and this many vehicles")] = 100


class TypeCount(ApiModel):
    """Vehicles of one type at a station."""

    vehicle_type_id: str
    vehicle_type: str
    count: int


class StationOut(ApiModel):
    """A sharing station with its live counts."""

    provider: str
    operator: str
    mode: str
    station_id: str
    name: str
    lat: float
    lon: float
    distance_meters: float
    vehicles_available: int | None = Field(description="None when the operator does not publish the count")
    docks_available: int | None = Field(description="None when the operator does not publish the count")
    vehicles_by_type: list[TypeCount]
    is_renting: bool
    is_returning: bool
    region: str | None = Field(default=None, description="The operator's region of the station (GBFS system_regions)")


class VehicleOut(ApiModel):
    """A free-floating vehicle that can be rented now."""

    provider: str
    operator: str
    mode: str
    vehicle_id: str
    vehicle_type_id: str
    vehicle_type: str
    lat: float
    lon: float
    distance_meters: float
    range_meters: float | None


class ProviderState(ApiModel):
    """How fresh one provider's data is."""

    provider: str
    as_of: datetime
    stale: bool = Field(description="True when the operator's feed could not be refreshed in time")


class VehicleList(ApiModel):
    """Stations and vehicles, nearest first; warnings name providers that did not answer."""

    stations: list[StationOut]
    vehicles: list[VehicleOut]
    providers: list[ProviderState]
    warnings: list[WarningOut]
