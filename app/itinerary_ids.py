"""Itinerary ids: a signed, compact record of what was planned, for the booking API.

The id carries every leg's mode, times, ends, ride (trip, route, service day), shared
vehicle with its quoted price and on-demand (flex) ride with its booking facts, signed
with the app's secret key (itsdangerous, HMAC).
Booking reads prices from here, never from the client; a changed id fails the signature.
Ids expire (``max_age_s`` when read), so an old quote cannot be booked.

The record is typed (:class:`ItineraryRecord` of :class:`LegRecord`): written here from the
planner's :class:`Itinerary`, read back by the booking saga, the receipts and the fare check
through attributes. Its JSON form (camelCase keys) is what the id signs and what a booking
stores, so records stored by earlier versions still read.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from routing.planner.itinerary import FlexDetails, Itinerary, Leg, Place, RideDetails
from routing.planner.request import Mode

SALT = "kassel-mobility.itinerary.v1"
DEFAULT_MAX_AGE_S = 30 * 60


class InvalidItineraryId(ValueError):
    """The id is malformed, was altered, or has expired (the message says which)."""


class _Record(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True, extra="ignore")


class PlaceRecord(_Record):
    """An end of a leg: a point, or a stop (with its station and name)."""

    lat: float
    lon: float
    stop: str | None = None
    station: str | None = None
    name: str = ""

    def place(self) -> Place:
        """The planner's place for this end (enough to price: coordinates and stop ids)."""
        return Place(
            name=self.name,
            lat=self.lat,
            lon=self.lon,
            kind="stop" if self.stop else "point",
            stop_id=self.stop,
            station_id=self.station,
        )


class RideRecord(_Record):
    """The transit trip a leg rides."""

    trip: str
    route: str
    day: date
    agency: str = ""
    stops: list[str | None] = Field(default_factory=list)


class SharingRecord(_Record):
    """The shared vehicle a leg rides, with the price quoted when it was planned."""

    provider: str
    operator: str | None = None
    vehicle_type: str
    vehicle: str | None = None
    pickup: str | None = None
    dropoff: str | None = None
    quote_cents: int | None = None
    bookable: bool = False
    quote_estimated: bool = True
    currency: str = "EUR"
    round_trip: bool = False


class FlexRecord(_Record):
    """The on-demand ride a flex leg books: trip, pickup window, deadline, how to book, its zones."""

    trip: str
    route: str
    route_name: str = ""
    agency: str = ""
    day: date
    window_start: AwareDatetime
    window_end: AwareDatetime
    latest_arrival: AwareDatetime
    deadline: AwareDatetime | None = None
    method: str = "message"
    phone: str = ""
    url: str = ""
    zones: list[str] = Field(default_factory=list)
    wheelchair: bool = False
    provider: str | None = None
    """The provider instance that books the ride online (None: the rider books it as the instructions say)."""
    wheelchair_place: bool = False

    def details(self) -> FlexDetails:
        """The planner's flex details (enough to price and book)."""
        return FlexDetails(
            trip_id=self.trip,
            route_id=self.route,
            route_name=self.route_name,
            agency=self.agency,
            service_day=self.day,
            pickup_window_start=self.window_start,
            pickup_window_end=self.window_end,
            latest_arrival=self.latest_arrival,
            booking_deadline=self.deadline,
            booking_method=self.method,
            phone=self.phone,
            booking_url=self.url,
            wheelchair_accessible=self.wheelchair,
            zone_ids=tuple(self.zones),
            provider=self.provider,
            wheelchair_place=self.wheelchair_place,
        )


class LegRecord(_Record):
    """One leg as planned: mode, aware times, ends, distance, and its ride or shared vehicle."""

    mode: Mode
    start: AwareDatetime
    end: AwareDatetime
    origin: PlaceRecord = Field(alias="from")
    destination: PlaceRecord = Field(alias="to")
    meters: float = 0.0
    ride: RideRecord | None = None
    sharing: SharingRecord | None = None
    flex: FlexRecord | None = None

    @property
    def minutes(self) -> float:
        """How long the leg takes as planned."""
        return (self.end - self.start).total_seconds() / 60

    @property
    def km(self) -> float:
        """The leg's length in kilometres."""
        return self.meters / 1000

    def leg(self) -> Leg:
        """The planner's leg (enough to price: stops, times, modes; no geometry or names)."""
        ride = None
        if self.ride is not None:
            ride = RideDetails(
                trip_id=self.ride.trip,
                route_id=self.ride.route,
                route_short_name="",
                route_long_name="",
                route_type=3,
                agency=self.ride.agency,
                headsign="",
                service_day=self.ride.day,
                intermediate_stops=[
                    Place(name="", lat=0.0, lon=0.0, kind="stop", stop_id=stop) for stop in self.ride.stops
                ],
                realtime=False,
                scheduled_start=self.start,
                scheduled_end=self.end,
            )
        return Leg(
            mode=self.mode,
            origin=self.origin.place(),
            destination=self.destination.place(),
            start=self.start,
            end=self.end,
            distance_m=self.meters,
            geometry=[],
            ride=ride,
            flex=None if self.flex is None else self.flex.details(),
        )


class ItineraryRecord(_Record):
    """The facts an itinerary id carries: the region and the legs."""

    region: str = ""
    legs: list[LegRecord]

    def to_json(self) -> dict[str, Any]:
        """The JSON form the id signs and a booking stores."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)

    @classmethod
    def from_json(cls, data: object) -> ItineraryRecord:
        """A record from its JSON form.

        Raises
        ------
        InvalidItineraryId
            When the data is not a record of legs (the message names the first field at fault),
            or a leg's time has no zone.
        """
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            if first["type"] == "timezone_aware":
                msg = f"the leg time {where} has no zone; itinerary times must be aware"
            else:
                msg = f"the itinerary id holds no usable legs ({where}: {first['msg']})"
            raise InvalidItineraryId(msg) from exc

    def itinerary(self) -> Itinerary:
        """The legs as an :class:`Itinerary` good enough to price."""
        return Itinerary(legs=[leg.leg() for leg in self.legs])


def _place(place: Place) -> PlaceRecord:
    if place.stop_id or place.station_id:
        return PlaceRecord(
            lat=round(place.lat, 6),
            lon=round(place.lon, 6),
            stop=place.stop_id,
            station=place.station_id,
            name=place.name,
        )
    return PlaceRecord(lat=round(place.lat, 6), lon=round(place.lon, 6))


def _moment(moment: datetime, what: str) -> datetime:
    """An itinerary time with its offset: a booking stores the instant, so a naive time is a bug upstream."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        msg = f"the leg's {what} time {moment.isoformat()} has no zone; itinerary times must be aware"
        raise InvalidItineraryId(msg)
    return moment


def _leg(leg: Leg) -> LegRecord:
    ride = None
    if leg.ride is not None:
        ride = RideRecord(
            trip=leg.ride.trip_id,
            route=leg.ride.route_id,
            day=leg.ride.service_day,
            agency=leg.ride.agency,
            stops=[place.stop_id for place in leg.ride.intermediate_stops],
        )
    sharing = None
    if leg.sharing is not None:
        details = leg.sharing
        sharing = SharingRecord(
            provider=details.provider,
            operator=details.operator,
            vehicle_type=details.vehicle_type_id,
            vehicle=details.vehicle_id,
            pickup=details.pickup_station_id,
            dropoff=details.dropoff_station_id,
            quote_cents=details.quote.amount_cents if details.quote else None,
            bookable=details.bookable,
            quote_estimated=details.quote.estimated if details.quote else True,
            currency=details.quote.currency if details.quote else "EUR",
            round_trip=details.round_trip,
        )
    flex = None
    if leg.flex is not None:
        info = leg.flex
        flex = FlexRecord(
            trip=info.trip_id,
            route=info.route_id,
            route_name=info.route_name,
            agency=info.agency,
            day=info.service_day,
            window_start=_moment(info.pickup_window_start, "pickup window start"),
            window_end=_moment(info.pickup_window_end, "pickup window end"),
            latest_arrival=_moment(info.latest_arrival, "latest arrival"),
            deadline=info.booking_deadline,
            method=info.booking_method,
            phone=info.phone,
            url=info.booking_url,
            zones=list(info.zone_ids),
            wheelchair=info.wheelchair_accessible,
            provider=info.provider,
            wheelchair_place=info.wheelchair_place,
        )
    return LegRecord(
        mode=leg.mode,
        start=_moment(leg.start, "start"),
        end=_moment(leg.end, "end"),
        origin=_place(leg.origin),
        destination=_place(leg.destination),
        meters=round(leg.distance_m, 1),
        ride=ride,
        sharing=sharing,
        flex=flex,
    )


def itinerary_record(itinerary: Itinerary, *, region: str) -> ItineraryRecord:
    """The facts an itinerary id carries."""
    return ItineraryRecord(region=region, legs=[_leg(leg) for leg in itinerary.legs])


def sign_record(record: ItineraryRecord, *, secret_key: str) -> str:
    """The id of a record."""
    return str(URLSafeTimedSerializer(secret_key, salt=SALT).dumps(record.to_json()))


def sign_itinerary(itinerary: Itinerary, *, region: str, secret_key: str) -> str:
    """The itinerary's id."""
    return sign_record(itinerary_record(itinerary, region=region), secret_key=secret_key)


def read_itinerary_id(token: str, *, secret_key: str, max_age_s: int = DEFAULT_MAX_AGE_S) -> ItineraryRecord:
    """The record behind an id.

    Raises
    ------
    InvalidItineraryId
        When the id was altered, is not one of ours, is older than ``max_age_s``, or does not
        hold a record of legs.
    """
    serializer = URLSafeTimedSerializer(secret_key, salt=SALT)
    try:
        data = serializer.loads(token, max_age=max_age_s)
    except SignatureExpired as exc:
        msg = f"the itinerary id has expired (older than {max_age_s} s); plan again"
        raise InvalidItineraryId(msg) from exc
    except BadSignature as exc:
        msg = "the itinerary id is not valid (altered or not issued by this server)"
        raise InvalidItineraryId(msg) from exc
    return ItineraryRecord.from_json(data)


def stored_record(itinerary: str | None) -> ItineraryRecord | None:
    """The record a booking stored (None when it is missing, redacted to nothing, or unreadable)."""
    try:
        return ItineraryRecord.from_json(json.loads(itinerary or "null"))
    except (ValueError, InvalidItineraryId):
        return None
