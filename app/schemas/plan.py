"""Schemas of the trip planner: the /plan query and the itineraries it answers with."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema

from app.i18n import FieldValueError
from app.place_refs import PlaceReference
from app.schemas.alerts import AlertOut
from app.schemas.common import ApiModel, QueryModel, RequestTime
from routing.planner.request import DEFAULT_MAX_WALK_M, Mode, WalkSpeed

KNOWN_MODES = ", ".join(mode.value for mode in Mode)
_ONE_MODE = "(?:" + "|".join(mode.value for mode in Mode) + ")"
MODES_PATTERN = f"^{_ONE_MODE}(?:,{_ONE_MODE})*$"


def _parse_modes(value: object) -> frozenset[Mode]:
    if isinstance(value, frozenset | set | list | tuple):
        parts = [str(part) for part in value]
    elif isinstance(value, str):
        parts = [part.strip() for part in value.split(",")]
    else:
        raise FieldValueError("field.modes_type", known=KNOWN_MODES)
    unknown = sorted({part for part in parts if part not in Mode.__members__.values()} - {""})
    if unknown:
        raise FieldValueError("field.modes_unknown", unknown=", ".join(unknown), known=KNOWN_MODES)
    modes = frozenset(Mode(part) for part in parts if part)
    if not modes:
        raise FieldValueError("field.modes_empty", known=KNOWN_MODES)
    return modes


Modes = Annotated[
    frozenset[Mode],
    BeforeValidator(_parse_modes),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": MODES_PATTERN,
            "examples": ["walk,transit", "bike"],
            "description": f"Comma-separated, any of: {KNOWN_MODES}",
        }
    ),
]


_PLACE_FORMS = "LAT,LON in decimal degrees, geo:<id> (a GET /geocode result), or place:<id> (a saved place; sign in)"


class PlanQuery(QueryModel):
    """A door-to-door planning request."""

    origin: PlaceReference = Field(
        alias="from",
        description=f"Start: {_PLACE_FORMS}",
    )
    destination: PlaceReference = Field(
        alias="to",
        description=f"End: {_PLACE_FORMS}",
    )
    time: RequestTime | None = Field(
        default=None,
        description="ISO 8601; without an offset it is local time of the region. Default: now. "
        "The earliest departure, or with arriveBy the latest arrival.",
    )
    arrive_by: bool = Field(default=False, description="Treat time as the latest arrival")
    modes: Modes = Field(default="walk,transit", validate_default=True, description=f"Allowed modes: {KNOWN_MODES}")
    wheelchair: bool = Field(default=False, description="Step-free walks, accessible stops and trips only")
    walk_speed: WalkSpeed = Field(default=WalkSpeed.NORMAL, description="normal (4.8 km/h) or slow (3 km/h)")
    max_walk_meters: Annotated[float, Field(gt=0, le=5000)] = Field(
        default=DEFAULT_MAX_WALK_M, description="Longest walk to, from or between vehicles"
    )
    adults: Annotated[int, Field(ge=0, le=9)] = Field(default=0, description="Adults travelling along")
    children: Annotated[int, Field(ge=0, le=9)] = Field(default=0, description="Children under 18 travelling along")
    passes: Annotated[str, Field(pattern=r"^[a-z0-9-]{1,60}(,[a-z0-9-]{1,60}){0,4}$")] | None = Field(
        default=None,
        description="Pass products held (ids from GET /passes), for prices without signing in; a "
        "signed-in user's bought passes count anyway",
    )
    booking_time: RequestTime | None = Field(
        default=None,
        description="When the rides would be booked (ISO 8601, as OpenTripPlanner's bookingTime). Default: now. "
        "On-demand (flex) rides whose booking deadline has passed by then, or that open for booking later, are "
        "not offered; a same-day notice moves the earliest pickup to bookingTime plus the notice.",
    )
    sort: Literal["time", "cheapest"] = Field(default="time", description="Order: by time, or cheapest first")


class PlaceOut(ApiModel):
    """Where a leg starts or ends."""

    name: str
    lat: float
    lon: float
    kind: str = Field(description="origin, destination, stop, station (sharing) or vehicle")
    stop_id: str | None = None
    station_id: str | None = None
    platform: str | None = Field(
        default=None, description="Stops: GTFS platform_code, else the platform the stop name ends with (Gleis 3)"
    )


class LineString(ApiModel):
    """A GeoJSON LineString (coordinates are lon, lat)."""

    type: str = "LineString"
    coordinates: list[tuple[float, float]]


class RideOut(ApiModel):
    """The trip a transit leg rides."""

    trip_id: str
    route_id: str
    route_short_name: str
    route_long_name: str
    route_type: int = Field(description="GTFS route_type (0 tram, 3 bus, 2 rail, ...)")
    agency: str
    headsign: str
    service_day: str
    intermediate_stops: list[PlaceOut]
    realtime: bool = Field(description="True: times from real-time data; false: scheduled")
    scheduled_start: datetime
    scheduled_end: datetime
    occupancy: str | None = Field(default=None, description="GTFS-Realtime occupancy status, when known")
    alerts: list[AlertOut] = Field(
        default_factory=list, description="GTFS-Realtime service alerts concerning this ride while it runs"
    )


class PriceOut(ApiModel):
    """A price in integer cents."""

    amount_cents: int
    currency: str
    source: str
    estimated: bool


class FareOut(ApiModel):
    """What a leg costs this traveller, and why."""

    amount_cents: int
    currency: str
    reason_code: str = Field(description="Stable code, e.g. pass_in_area, outside_area_before_window, single_ticket")
    reason: str = Field(description="The reason in the negotiated language")
    pass_id: str | None = None
    surcharge_cents: int | None = Field(
        default=None,
        description="Flex legs: the on-demand surcharge included in amountCents (0: a pass pays it); "
        "companions: their surcharge, per person and on-demand ride",
    )
    surcharge_reason_code: str | None = Field(
        default=None,
        description="on_demand_surcharge, on_demand_surcharge_not_covered or on_demand_surcharge_covered; "
        "companions: companions_on_demand_surcharge or companions_on_demand_surcharge_covered",
    )
    surcharge_reason: str | None = Field(default=None, description="The surcharge's reason in the negotiated language")


class SharingOut(ApiModel):
    """The shared vehicle of a bikeshare or carsharing leg."""

    provider: str
    operator: str
    vehicle_type_id: str
    vehicle_type: str
    vehicle_id: str | None
    pickup_station_id: str | None
    dropoff_station_id: str | None
    quote: PriceOut | None
    bookable: bool
    deep_link: str | None
    round_trip: bool = Field(
        default=False, description="Station-based carsharing: the car goes back to pickupStationId at the end"
    )


class StepOut(ApiModel):
    """One turn-by-turn instruction of a walk, bike or shared-vehicle leg."""

    action: Literal["depart", "turn", "continue", "arrive"]
    modifier: str = Field(
        description="straight, slight left, left, sharp left, slight right, right, sharp right or uturn "
        "(empty for depart and arrive)"
    )
    street_name: str = Field(description="The street to follow (empty when it has no name)")
    distance_meters: float = Field(description="How far to follow it")
    duration_seconds: float
    lat: float = Field(description="Where the instruction applies")
    lon: float
    bearing_before: float = Field(description="Heading arriving there, degrees clockwise from north")
    bearing_after: float = Field(description="Heading leaving there, degrees clockwise from north")
    notice: Literal["", "steps", "push"] = Field(
        description="steps: use the steps; push: push your bike (a stretch where riding is not allowed)"
    )
    instruction: str = Field(description="The step in the negotiated language, notice included")


class FlexOut(ApiModel):
    """The on-demand ride (GTFS-Flex: AST, Rufbus) of a flex leg: the pickup window and how to book it."""

    trip_id: str
    route_id: str
    route_name: str
    agency: str
    service_day: str
    pickup_window_start: datetime = Field(description="The vehicle picks up between this and pickupWindowEnd")
    pickup_window_end: datetime
    latest_arrival: datetime = Field(description="Arrival by the feed's safe (upper) estimate; end is the mean")
    booking_time: datetime | None = Field(description="The booking moment the ride was planned for")
    booking_deadline: datetime | None = Field(description="Book by then (null: up to the pickup)")
    booking_method: Literal["online", "phone", "message"]
    booking_phone: str | None = None
    booking_url: str | None = None
    booking_message: str | None = Field(default=None, description="The operator's booking message (feed language)")
    booking_instructions: str = Field(description="How and by when to book, in the negotiated language")
    pickup_window_text: str = Field(description="The pickup window, in the negotiated language")
    wheelchair_accessible: bool
    bookable: bool = Field(default=False, description="True: POST /bookings books the ride with its operator")
    provider: str | None = Field(default=None, description="The operator instance that books it here")


class ItineraryLegOut(ApiModel):
    """One part of an itinerary."""

    mode: Mode
    instruction: str = Field(description="A short instruction in the negotiated language")
    origin: PlaceOut = Field(alias="from")
    destination: PlaceOut = Field(alias="to")
    start: datetime
    end: datetime
    duration_seconds: int
    distance_meters: float
    geometry: LineString
    transit: RideOut | None = None
    sharing: SharingOut | None = None
    flex: FlexOut | None = Field(default=None, description="On-demand (flex) legs: pickup window and booking")
    fare: FareOut | None = Field(
        default=None, description="Transit: price for this user; sharing: the quote; flex: the surcharge due"
    )
    steps: list[StepOut] = Field(
        default_factory=list, description="Turn-by-turn directions of walk, bike and shared-vehicle legs"
    )


class ItineraryOut(ApiModel):
    """A way from door to door."""

    id: str = Field(description="Signed id the booking API accepts (prices and legs cannot be altered)")
    summary: str = Field(description="One line in the negotiated language")
    start: datetime
    end: datetime
    duration_seconds: int
    transfers: int
    walk_distance_meters: float
    walk_seconds: int
    distance_meters: float
    modes: list[Mode]
    labels: list[str] = Field(description="What it is best at: fastest, fewest_transfers, least_walking, cheapest")
    realtime: bool
    long_wait: bool = Field(
        default=False,
        description="Waits longer than the planner allows (before leaving or between legs); shown only because "
        "nothing else gets there at this time",
    )
    price: PriceOut | None = Field(default=None, description="Total price for this user, when known")
    companions: FareOut | None = Field(default=None, description="What the companions pay, and why")
    legs: list[ItineraryLegOut]


class WarningOut(ApiModel):
    """Something the plan could not consider."""

    code: str
    message: str
    provider: str | None = None
    """The provider instance concerned (``provider_unavailable``)."""


class PlanResponse(ApiModel):
    """Itineraries, best first."""

    itineraries: list[ItineraryOut]
    warnings: list[WarningOut]
    language: str = Field(description="Language of the texts (from Accept-Language): de or en")


FeatureCollection = dict[str, Any]


LegOut = ItineraryLegOut
"""The name callers import; published as ``ItineraryLegOut`` (one name per schema in the OpenAPI document)."""
