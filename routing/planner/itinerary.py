"""Door-to-door itineraries: the planner's answer, and what booking and fares build on.

Plain data (no Flask): every leg says how, from where to where, when, how far, along
which line, and, per mode, the ride or the shared vehicle. Times are aware datetimes in
the region's time zone; geometry is GeoJSON order (lon, lat).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from routing.planner.request import Mode
from routing.street.steps import Step

Coordinates = list[tuple[float, float]]


@dataclass(frozen=True)
class Place:
    """Where a leg starts or ends: the traveller's own point, a stop, or a sharing station."""

    name: str
    lat: float
    lon: float
    kind: str = "point"
    """``origin``, ``destination``, ``stop``, ``station`` (sharing), ``vehicle`` (a free-floating vehicle) or
    ``parking`` (where a free-floating ride ends)."""
    stop_id: str | None = None
    station_id: str | None = None
    """Parent station of a stop, or the sharing station's id."""


@dataclass(frozen=True)
class RideDetails:
    """The trip a transit leg rides."""

    trip_id: str
    route_id: str
    route_short_name: str
    route_long_name: str
    route_type: int
    agency: str
    headsign: str
    service_day: date
    intermediate_stops: list[Place]
    realtime: bool
    """True when the times come from GTFS-Realtime, else they are scheduled."""
    scheduled_start: datetime
    scheduled_end: datetime
    occupancy: str | None = None


@dataclass(frozen=True)
class PriceQuote:
    """A price in integer cents, with the source that quoted it."""

    amount_cents: int
    currency: str = "EUR"
    source: str = ""
    """Who quoted it: the provider instance, or the tariff table."""
    estimated: bool = False
    """True when the final amount depends on the actual ride (per-minute prices)."""


@dataclass(frozen=True)
class SharingDetails:
    """The shared vehicle a bikeshare or carsharing leg uses."""

    provider: str
    """Registered provider instance (what the booking layer calls)."""
    operator: str
    vehicle_type_id: str
    vehicle_type: str
    """Readable vehicle type, e.g. ``bicycle``, ``electric bicycle``, ``car``."""
    vehicle_id: str | None
    pickup_station_id: str | None
    dropoff_station_id: str | None
    quote: PriceQuote | None
    bookable: bool
    deep_link: str | None = None
    round_trip: bool = False
    """Station-based carsharing: the vehicle goes back to ``pickup_station_id`` at the end of the rental."""


@dataclass(frozen=True)
class FlexDetails:
    """The on-demand ride of a flex leg (GTFS-Flex): its trip, pickup window and how to book it."""

    trip_id: str
    route_id: str
    route_name: str
    agency: str
    service_day: date
    pickup_window_start: datetime
    pickup_window_end: datetime
    latest_arrival: datetime
    """Arrival by the feed's safe (upper) duration estimate; the leg's ``end`` is the mean estimate."""
    booking_deadline: datetime | None
    """The last moment the ride can be booked (None: up to the pickup)."""
    booking_method: str
    """``online``, ``phone`` or ``message`` (only the operator's instructions)."""
    phone: str = ""
    booking_url: str = ""
    message: str = ""
    wheelchair_accessible: bool = False
    booking_time: datetime | None = None
    """The booking moment the ride was planned for (the request's ``bookingTime``)."""
    zone_ids: tuple[str, ...] = ()
    """The flex zones (``locations.geojson`` ids) the pickup and drop-off lie in, for surcharges."""
    provider: str | None = None
    """The registered provider instance that books the ride online (set by the app; None: book as instructed)."""
    wheelchair_place: bool = False
    """The rider planned in wheelchair mode: the booking asks for a wheelchair place."""


@dataclass(frozen=True)
class Leg:
    """One part of an itinerary done one way."""

    mode: Mode
    origin: Place
    destination: Place
    start: datetime
    end: datetime
    distance_m: float
    geometry: Coordinates
    ride: RideDetails | None = None
    sharing: SharingDetails | None = None
    flex: FlexDetails | None = None
    steps: tuple[Step, ...] = ()
    """Turn-by-turn directions of a walk, bike or shared-vehicle leg on the streets (empty otherwise)."""

    @property
    def duration_s(self) -> int:
        """Seconds from start to end."""
        return round((self.end - self.start).total_seconds())


@dataclass(frozen=True)
class Itinerary:
    """A way from door to door.

    ``labels`` says why it is in the answer (``fastest``, ``fewest_transfers``,
    ``least_walking``, ``cheapest``).
    """

    legs: list[Leg]
    labels: list[str] = field(default_factory=list)
    long_wait: bool = False
    """True when it waits longer than the request allows and is shown only because nothing else gets there."""

    @property
    def start(self) -> datetime:
        """Departure from the origin."""
        return self.legs[0].start

    @property
    def end(self) -> datetime:
        """Arrival at the destination."""
        return self.legs[-1].end

    @property
    def duration_s(self) -> int:
        """Door-to-door seconds."""
        return round((self.end - self.start).total_seconds())

    @property
    def transfers(self) -> int:
        """Changes between vehicles (transit rides and shared vehicles)."""
        return max(sum(1 for leg in self.legs if leg.mode is not Mode.WALK) - 1, 0)

    @property
    def walk_distance_m(self) -> float:
        """Metres on foot."""
        return sum(leg.distance_m for leg in self.legs if leg.mode is Mode.WALK)

    @property
    def walk_seconds(self) -> int:
        """Seconds on foot."""
        return sum(leg.duration_s for leg in self.legs if leg.mode is Mode.WALK)

    @property
    def distance_m(self) -> float:
        """Metres in all."""
        return sum(leg.distance_m for leg in self.legs)

    @property
    def modes(self) -> list[Mode]:
        """The modes used, in order of first use."""
        seen: list[Mode] = []
        for leg in self.legs:
            if leg.mode not in seen:
                seen.append(leg.mode)
        return seen

    @property
    def realtime(self) -> bool:
        """True when some ride's times come from real-time data."""
        return any(leg.ride is not None and leg.ride.realtime for leg in self.legs)

    def signature(self) -> tuple[object, ...]:
        """What makes two itineraries the same trip (for de-duplication)."""
        return tuple(
            (
                leg.mode,
                leg.ride.trip_id if leg.ride else None,
                leg.sharing.vehicle_id if leg.sharing else leg.flex.trip_id if leg.flex else None,
                leg.origin.stop_id or leg.origin.station_id,
                leg.destination.stop_id or leg.destination.station_id,
                leg.start,
                leg.end,
            )
            for leg in self.legs
        )


@dataclass(frozen=True)
class PlanResult:
    """Itineraries (best first) and warnings about what could not be considered."""

    itineraries: list[Itinerary]
    warnings: list[str] = field(default_factory=list)
