"""Which flex rides serve a pair of places at a time: windows, booking deadlines, wheelchair flags.

Data in, data out: the caller says which zones, groups and stops the pickup and drop-off
points belong to and how long the car takes between them on the streets; this module
applies the trips' windows and booking rules exactly, relative to the booking moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from routing.flex.model import BookingRule, BookingType, FlexNetwork, FlexStopTime, FlexTrip, PickupDropOff
from routing.flex.timing import BookingWindow, booking_window, mean_duration_s, safe_duration_s
from routing.transit.service_time import moment_at


class BookingMethod(StrEnum):
    """How a ride is booked."""

    ONLINE = "online"
    PHONE = "phone"
    MESSAGE = "message"
    """Only the operator's instructions (no phone number or URL in the feed)."""


@dataclass(frozen=True)
class FlexRide:
    """One bookable flex ride: the trip, its rows, the pickup and the (mean, safe) arrivals."""

    trip: FlexTrip
    board: FlexStopTime
    alight: FlexStopTime
    service_day: date
    pickup: datetime
    arrival: datetime
    """Expected arrival (mean duration)."""
    latest_arrival: datetime
    """Safe arrival (safe duration): what a transfer must allow for."""
    pickup_window: tuple[datetime, datetime]
    booking_deadline: datetime | None
    method: BookingMethod
    phone: str
    url: str
    message: str
    car_s: float
    """The car's time on the streets the durations were estimated from."""
    drop_off_window: tuple[datetime, datetime]
    """When the alighting row sets down: the expected (mean) arrival lies in it."""


@dataclass(frozen=True)
class RideQuery:
    """Where and when: the refs the pickup and drop-off points lie in, the car time, the moments."""

    pickup_refs: frozenset[str]
    drop_off_refs: frozenset[str]
    car_s: float
    earliest_pickup: datetime
    booking_time: datetime
    wheelchair: bool = False
    latest_pickup: datetime | None = None
    """No pickup after this (None: any, up to the last service day); bounds the service days looked at."""


def _rows(trip: FlexTrip, query: RideQuery) -> list[tuple[FlexStopTime, FlexStopTime]]:
    rows = trip.stop_times
    pairs = []
    for i, board in enumerate(rows):
        if not board.picks_up or board.ref not in query.pickup_refs:
            continue
        for alight in rows[i + 1 :] if len(rows) > 1 else rows:
            if alight.drops_off and alight.ref in query.drop_off_refs:
                pairs.append((board, alight))
    return pairs


def _notice_floor(rules: list[BookingRule], booking_time: datetime) -> list[datetime]:
    """The earliest pickups the booking moment leaves (as OpenTripPlanner's ``earliestDepartureTime``).

    A real-time rule takes no pickup before the booking; a same-day rule none before its
    ``prior_notice_duration_min`` has passed. Prior-day rules close at a clock time instead.
    """
    floors = []
    for rule in rules:
        if rule.booking_type is BookingType.REAL_TIME:
            floors.append(booking_time)
        elif rule.booking_type is BookingType.SAME_DAY:
            floors.append(booking_time + timedelta(minutes=rule.prior_notice_min or 0))
    return floors


def _windows(rules: list[BookingRule], day: date, pickup: datetime, zone: ZoneInfo) -> list[BookingWindow]:
    return [booking_window(rule, day, pickup, zone) for rule in rules]


def _pickup(
    board: FlexStopTime, alight: FlexStopTime, day: date, query: RideQuery, rules: list[BookingRule], zone: ZoneInfo
) -> tuple[datetime, tuple[datetime, datetime], tuple[datetime, datetime]] | None:
    """The earliest pickup the windows, the query and the notices allow on ``day``, and both windows.

    None: the pickup window is over before the earliest pickup (or opens after the latest),
    or the expected (mean) arrival would miss the drop-off window.
    """
    opens, closes = moment_at(day, board.window_start_s, zone), moment_at(day, board.window_end_s, zone)
    latest = query.latest_pickup if query.latest_pickup is not None else closes
    if closes < query.earliest_pickup or opens > latest:
        return None
    mean = timedelta(seconds=mean_duration_s(board, query.car_s))
    drop_opens, drop_closes = moment_at(day, alight.window_start_s, zone), moment_at(day, alight.window_end_s, zone)
    pickup = max(query.earliest_pickup, opens, drop_opens - mean, *_notice_floor(rules, query.booking_time))
    if pickup > min(closes, latest) or pickup + mean > drop_closes:
        return None
    return pickup, (opens, closes), (drop_opens, drop_closes)


def _ride(
    network: FlexNetwork, trip: FlexTrip, board: FlexStopTime, alight: FlexStopTime, day: date, query: RideQuery
) -> FlexRide | None:
    zone = ZoneInfo(network.timezone)
    rules = [network.rules[r] for r in (board.pickup_rule, alight.drop_off_rule) if r is not None]
    timing = _pickup(board, alight, day, query, rules, zone)
    if timing is None:
        return None
    pickup, pickup_window, drop_off_window = timing
    windows = _windows(rules, day, pickup, zone)
    if not all(window.admits(query.booking_time) for window in windows):
        return None
    phone = next((rule.phone_number for rule in rules if rule.phone_number), "")
    if not phone and PickupDropOff.PHONE_AGENCY in (board.pickup_type, alight.drop_off_type):
        phone = trip.agency_phone
    url = next((rule.booking_url for rule in rules if rule.booking_url), "")
    method = BookingMethod.ONLINE if url else BookingMethod.PHONE if phone else BookingMethod.MESSAGE
    return FlexRide(
        trip=trip,
        board=board,
        alight=alight,
        service_day=day,
        pickup=pickup,
        arrival=pickup + timedelta(seconds=mean_duration_s(board, query.car_s)),
        latest_arrival=pickup + timedelta(seconds=safe_duration_s(board, query.car_s)),
        pickup_window=pickup_window,
        booking_deadline=min((window.closes for window in windows), default=None),
        method=method,
        phone=phone,
        url=url,
        message=next((rule.message for rule in rules if rule.message), ""),
        car_s=query.car_s,
        drop_off_window=drop_off_window,
    )


def find_rides(network: FlexNetwork, query: RideQuery) -> list[FlexRide]:
    """The earliest ride of every trip and service day that serves ``query``, earliest arrival first.

    The pickup is the earliest moment at or after ``query.earliest_pickup`` that the windows
    and the booking moment allow (a same-day rule's notice pushes it to ``booking_time`` plus
    the notice, as OpenTripPlanner does). A ride is offered only when its pickup lies in the
    boarding row's window, its expected (mean) arrival in the alighting row's window, every
    booking rule it falls under still admits ``query.booking_time``, and (in wheelchair
    mode) the trip is marked accessible. With ``query.latest_pickup``, rides picked up after
    it are left out (and the service days whose window opens later are not looked at).
    """
    found: list[FlexRide] = []
    zone = ZoneInfo(network.timezone)
    for trip in network.trips:
        if query.wheelchair and trip.wheelchair_accessible != 1:
            continue
        pairs = _rows(trip, query)
        for day in _days_near(trip, pairs, query, zone) if pairs else ():
            for board, alight in pairs:
                ride = _ride(network, trip, board, alight, day, query)
                if ride is not None:
                    found.append(ride)
    return sorted(found, key=lambda ride: (ride.arrival, ride.pickup))


def _days_near(
    trip: FlexTrip, pairs: list[tuple[FlexStopTime, FlexStopTime]], query: RideQuery, zone: ZoneInfo
) -> list[date]:
    """The trip's service days whose pickup windows may contain a pickup the query allows (a day's margin).

    By the calendar alone, before any moment is computed: a day whose boarding windows all
    end a day or more before ``earliest_pickup`` (or, with ``latest_pickup``, all open a day
    or more after it) cannot give a ride; :func:`_ride` decides exactly for the others.
    """
    starts = [board.window_start_s for board, _ in pairs]
    ends = [board.window_end_s for board, _ in pairs]
    earliest = query.earliest_pickup.astimezone(zone).replace(tzinfo=None)
    first = (earliest - timedelta(seconds=max(ends))).date() - timedelta(days=1)
    if query.latest_pickup is None:
        return [day for day in trip.service_days if day >= first]
    latest = query.latest_pickup.astimezone(zone).replace(tzinfo=None)
    last = (latest - timedelta(seconds=min(starts))).date() + timedelta(days=1)
    return [day for day in trip.service_days if first <= day <= last]
