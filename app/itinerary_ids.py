"""Itinerary ids: a signed, compact record of what was planned, for the booking API.

The id carries every leg's mode, times, ends, ride (trip, route, service day) and shared
vehicle with its quoted price, signed with the app's secret key (itsdangerous, HMAC).
Booking reads prices from here, never from the client; a changed id fails the signature.
Ids expire (``max_age_s`` when read), so an old quote cannot be booked.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from routing.planner.itinerary import Itinerary, Leg, Place, RideDetails
from routing.planner.request import Mode

SALT = "kassel-mobility.itinerary.v1"
DEFAULT_MAX_AGE_S = 30 * 60


class InvalidItineraryId(ValueError):
    """The id is malformed, was altered, or has expired (the message says which)."""


def _place(place: Place) -> dict[str, Any]:
    record: dict[str, Any] = {"lat": round(place.lat, 6), "lon": round(place.lon, 6)}
    if place.stop_id or place.station_id:
        record |= {"stop": place.stop_id, "station": place.station_id, "name": place.name}
    return record


def _moment(moment: datetime, what: str) -> str:
    """An itinerary time with its offset: a booking stores the instant, so a naive time is a bug upstream."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        msg = f"the leg's {what} time {moment.isoformat()} has no zone; itinerary times must be aware"
        raise InvalidItineraryId(msg)
    return moment.isoformat()


def _leg(leg: Leg) -> dict[str, Any]:
    record: dict[str, Any] = {
        "mode": leg.mode.value,
        "start": _moment(leg.start, "start"),
        "end": _moment(leg.end, "end"),
        "from": _place(leg.origin),
        "to": _place(leg.destination),
        "meters": round(leg.distance_m, 1),
    }
    if leg.ride is not None:
        record["ride"] = {
            "trip": leg.ride.trip_id,
            "route": leg.ride.route_id,
            "day": leg.ride.service_day.isoformat(),
            "agency": leg.ride.agency,
            "stops": [place.stop_id for place in leg.ride.intermediate_stops],
        }
    if leg.sharing is not None:
        sharing = leg.sharing
        record["sharing"] = {
            "provider": sharing.provider,
            "operator": sharing.operator,
            "vehicleType": sharing.vehicle_type_id,
            "vehicle": sharing.vehicle_id,
            "pickup": sharing.pickup_station_id,
            "dropoff": sharing.dropoff_station_id,
            "quoteCents": sharing.quote.amount_cents if sharing.quote else None,
            "bookable": sharing.bookable,
            "quoteEstimated": sharing.quote.estimated if sharing.quote else True,
            "currency": sharing.quote.currency if sharing.quote else "EUR",
            "roundTrip": sharing.round_trip,
        }
    return record


def itinerary_record(itinerary: Itinerary, *, region: str) -> dict[str, Any]:
    """The facts an itinerary id carries."""
    return {"region": region, "legs": [_leg(leg) for leg in itinerary.legs]}


def sign_itinerary(itinerary: Itinerary, *, region: str, secret_key: str) -> str:
    """The itinerary's id."""
    return str(URLSafeTimedSerializer(secret_key, salt=SALT).dumps(itinerary_record(itinerary, region=region)))


def read_itinerary_id(token: str, *, secret_key: str, max_age_s: int = DEFAULT_MAX_AGE_S) -> dict[str, Any]:
    """The record behind an id.

    Raises
    ------
    InvalidItineraryId
        When the id was altered, is not one of ours, or is older than ``max_age_s``.
    """
    serializer = URLSafeTimedSerializer(secret_key, salt=SALT)
    try:
        record = serializer.loads(token, max_age=max_age_s)
    except SignatureExpired as exc:
        msg = f"the itinerary id has expired (older than {max_age_s} s); plan again"
        raise InvalidItineraryId(msg) from exc
    except BadSignature as exc:
        msg = "the itinerary id is not valid (altered or not issued by this server)"
        raise InvalidItineraryId(msg) from exc
    if not isinstance(record, dict):
        msg = "the itinerary id does not hold an itinerary"
        raise InvalidItineraryId(msg)
    return record


def itinerary_from_record(record: dict[str, Any]) -> Itinerary:
    """The legs of a record as an :class:`Itinerary` good enough to price (stops, times, modes).

    Raises
    ------
    InvalidItineraryId
        When the record does not hold legs of the expected shape.
    """
    try:
        legs = []
        for raw in record["legs"]:
            start, end = datetime.fromisoformat(raw["start"]), datetime.fromisoformat(raw["end"])
            _moment(start, "start")
            _moment(end, "end")
            origin, destination = _record_place(raw["from"]), _record_place(raw["to"])
            ride = None
            if "ride" in raw:
                stops = [
                    Place(name="", lat=0.0, lon=0.0, kind="stop", stop_id=stop) for stop in raw["ride"].get("stops", [])
                ]
                ride = RideDetails(
                    trip_id=raw["ride"]["trip"],
                    route_id=raw["ride"]["route"],
                    route_short_name="",
                    route_long_name="",
                    route_type=3,
                    agency=raw["ride"]["agency"],
                    headsign="",
                    service_day=date.fromisoformat(raw["ride"]["day"]),
                    intermediate_stops=stops,
                    realtime=False,
                    scheduled_start=start,
                    scheduled_end=end,
                )
            legs.append(
                Leg(
                    mode=Mode(raw["mode"]),
                    origin=origin,
                    destination=destination,
                    start=start,
                    end=end,
                    distance_m=float(raw.get("meters", 0)),
                    geometry=[],
                    ride=ride,
                )
            )
    except (KeyError, TypeError, ValueError) as exc:
        msg = f"the itinerary id holds no usable legs ({exc})"
        raise InvalidItineraryId(msg) from exc
    return Itinerary(legs=legs)


def _record_place(raw: dict[str, Any]) -> Place:
    stop = raw.get("stop")
    return Place(
        name=str(raw.get("name", "")),
        lat=float(raw["lat"]),
        lon=float(raw["lon"]),
        kind="stop" if stop else "point",
        stop_id=stop,
        station_id=raw.get("station"),
    )
