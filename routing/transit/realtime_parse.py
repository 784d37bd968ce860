"""Parsing GTFS-Realtime TripUpdates, VehiclePositions and ServiceAlerts into a :class:`RealtimeOverlay`.

Stop time updates are matched by ``stop_sequence`` (or ``stop_id`` when the sequence is
missing or names another stop) and applied in trip order, whatever order the feed lists
them in. Explicit arrival and departure times are taken as given; as the GTFS-Realtime
spec says, a delay propagates downstream only to stops without a prediction (``NO_DATA``
stops keep their schedule), and those derived times are fitted between their neighbours
so times never decrease along the trip.
"""

from __future__ import annotations

import itertools
import logging
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import numpy as np
from google.protobuf.message import DecodeError
from google.transit import gtfs_realtime_pb2
from numpy.typing import NDArray

from routing.transit.alerts import parse_alerts
from routing.transit.realtime import (
    MAX_REPORTED_PROBLEMS,
    AddedTrip,
    RealtimeFeedError,
    RealtimeOverlay,
    TripLocator,
    TripRealtime,
    TripShape,
    VehicleState,
)
from routing.transit.service_time import service_day_reference

logger = logging.getLogger(__name__)


SKIPPED = gtfs_realtime_pb2.TripUpdate.StopTimeUpdate.SKIPPED


NO_DATA = gtfs_realtime_pb2.TripUpdate.StopTimeUpdate.NO_DATA


CANCELED = gtfs_realtime_pb2.TripDescriptor.CANCELED


SCHEDULED = gtfs_realtime_pb2.TripDescriptor.SCHEDULED


ADDED = frozenset(
    value.number
    for value in gtfs_realtime_pb2.TripDescriptor.ScheduleRelationship.DESCRIPTOR.values
    if value.name in ("ADDED", "NEW")
)


def _decode(data: bytes, source: str) -> gtfs_realtime_pb2.FeedMessage:
    message = gtfs_realtime_pb2.FeedMessage()
    try:
        message.ParseFromString(data)
    except DecodeError as exc:
        msg = f"{source}: not a GTFS-Realtime protobuf ({exc})"
        raise RealtimeFeedError(msg) from exc
    if not message.HasField("header"):
        msg = f"{source}: GTFS-Realtime message without header"
        raise RealtimeFeedError(msg)
    return message


def _service_day(
    locator: TripLocator, trip: int, descriptor: gtfs_realtime_pb2.TripDescriptor, zone: ZoneInfo, feed_time: datetime
) -> date | None:
    """The trip's service day: ``start_date``, or the running day whose run is nearest the feed time."""
    timetable = locator.timetable
    if descriptor.start_date:
        text = descriptor.start_date
        try:
            return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
        except ValueError:
            return None
    days = int(timetable.trip_days[trip])
    candidates = [timetable.day0 + timedelta(days=d) for d in range(timetable.day_count) if days >> d & 1]
    if not candidates:
        return None
    first_departure = int(timetable.departure[locator.shape(trip).base])
    return min(
        candidates,
        key=lambda day: abs(
            (service_day_reference(day, zone) + timedelta(seconds=first_departure) - feed_time).total_seconds()
        ),
    )


def _event_seconds(
    update: gtfs_realtime_pb2.TripUpdate.StopTimeUpdate, name: str, scheduled: int, reference: int
) -> int | None:
    """The predicted time of ``update``'s arrival or departure (``time`` wins over ``delay``), or None."""
    if not update.HasField(name):
        return None
    event = getattr(update, name)
    if event.HasField("time"):
        return int(event.time) - reference
    if event.HasField("delay"):
        return scheduled + int(event.delay)
    return None


def _match_updates(
    shape: TripShape,
    updates: list[gtfs_realtime_pb2.TripUpdate.StopTimeUpdate],
    stop_ids: list[str],
    feed: str,
) -> dict[int, gtfs_realtime_pb2.TripUpdate.StopTimeUpdate] | str:
    """Each update's position in the trip, by ``stop_sequence`` or else by ``stop_id``, in trip order.

    Feeds may list updates in any order; a stop named twice keeps the later update.
    Returns a problem text when an update matches no stop of the trip.
    """
    by_sequence = {int(s): i for i, s in enumerate(shape.sequence.tolist())}
    trip_stops = [stop_ids[int(s)] for s in shape.stops.tolist()]
    matched: dict[int, gtfs_realtime_pb2.TripUpdate.StopTimeUpdate] = {}
    last = -1
    for update in updates:
        found = by_sequence.get(int(update.stop_sequence), -1) if update.HasField("stop_sequence") else -1
        wanted = f"{feed}:{update.stop_id}" if update.stop_id else None
        if wanted is not None and (found < 0 or trip_stops[found] != wanted):
            # No such stop_sequence, or one naming another stop: the stop_id decides when the trip calls there.
            visits = [i for i, stop in enumerate(trip_stops) if stop == wanted]
            if visits:
                found = next((i for i in visits if i > last), visits[0])
        if found < 0:
            where = f"stop_sequence {update.stop_sequence}" if update.HasField("stop_sequence") else ""
            where = f"{where} stop_id {update.stop_id!r}".strip()
            return f"stop_time_update ({where or 'no stop given'}) matches no stop of the trip"
        matched[found] = update
        last = found
    return dict(sorted(matched.items()))


def _apply_stop_updates(
    shape: TripShape,
    scheduled_arrival: NDArray[np.int32],
    scheduled_departure: NDArray[np.int32],
    updates: list[gtfs_realtime_pb2.TripUpdate.StopTimeUpdate],
    reference: int,
    stop_ids: list[str],
    feed: str,
) -> tuple[NDArray[np.int32], NDArray[np.int32], NDArray[np.bool_], str | None]:
    """Updated times and skipped stops of one trip, following the GTFS-Realtime propagation rules.

    An explicit arrival or departure (``time``, else ``delay``) is taken as given. A stop
    without one gets the delay of the nearest earlier prediction (none: its schedule; a
    ``NO_DATA`` stop ends propagation). Propagated and scheduled times are then fitted
    between their neighbours so times never decrease along the trip; explicit times are
    never moved.
    """
    n = shape.stops.size
    arrival = scheduled_arrival.astype(np.int64).copy()
    departure = scheduled_departure.astype(np.int64).copy()
    skipped = np.zeros(n, dtype=np.bool_)
    explicit = np.zeros(2 * n, dtype=np.bool_)  # arrival i at 2i, departure i at 2i + 1
    matched = _match_updates(shape, updates, stop_ids, feed)
    if isinstance(matched, str):
        return arrival.astype(np.int32), departure.astype(np.int32), skipped, matched
    delay: int | None = None
    for i in range(n):
        update = matched.get(i)
        if update is not None and update.schedule_relationship == NO_DATA:
            delay = None
            continue
        if update is not None and update.schedule_relationship == SKIPPED:
            skipped[i] = True
            update = None
        given_arrival = (
            None if update is None else _event_seconds(update, "arrival", int(scheduled_arrival[i]), reference)
        )
        given_departure = (
            None if update is None else _event_seconds(update, "departure", int(scheduled_departure[i]), reference)
        )
        if given_arrival is not None:
            arrival[i], explicit[2 * i] = given_arrival, True
            delay = given_arrival - int(scheduled_arrival[i])
        elif delay is not None:
            arrival[i] = int(scheduled_arrival[i]) + delay
        if given_departure is not None:
            departure[i], explicit[2 * i + 1] = given_departure, True
            delay = given_departure - int(scheduled_departure[i])
        elif delay is not None:
            departure[i] = int(scheduled_departure[i]) + delay
    times = np.empty(2 * n, dtype=np.int64)
    times[0::2], times[1::2] = arrival, departure
    problem = _fit_between_explicit(times, explicit)
    return times[0::2].astype(np.int32), times[1::2].astype(np.int32), skipped, problem


def _fit_between_explicit(times: NDArray[np.int64], explicit: NDArray[np.bool_]) -> str | None:
    """Make ``times`` non-decreasing in place, moving only the values not marked ``explicit``.

    A derived time is raised to the time before it and lowered to the next explicit time
    after it. Explicit times that themselves go backwards are a feed error (returned as a
    problem text).
    """
    upper = np.full(times.size, np.iinfo(np.int64).max, dtype=np.int64)
    following = np.iinfo(np.int64).max
    for k in range(times.size - 1, -1, -1):
        upper[k] = following
        if explicit[k]:
            following = int(times[k])
    previous = np.iinfo(np.int64).min
    for k in range(times.size):
        if explicit[k]:
            if times[k] < previous:
                return f"predicted times go backwards at stop {k // 2 + 1} of the trip"
        else:
            times[k] = max(min(int(times[k]), int(upper[k])), previous)
        previous = int(times[k])
    return None


def parse_trip_updates(
    data: bytes,
    locator: TripLocator,
    zone: ZoneInfo,
    *,
    feed: str,
    source: str = "trip updates",
) -> RealtimeOverlay:
    """Match a TripUpdates feed to the timetable of ``locator`` (ids namespaced ``feed:``).

    Raises
    ------
    RealtimeFeedError
        When ``data`` is not a GTFS-Realtime message.
    """
    message = _decode(data, source)
    feed_time = datetime.fromtimestamp(message.header.timestamp, UTC) if message.header.timestamp else datetime.now(UTC)
    timetable = locator.timetable
    stop_ids = timetable.stop_id.to_list()
    trips: dict[tuple[int, date], TripRealtime] = {}
    added: dict[tuple[str, date], AddedTrip] = {}
    problems: list[str] = []

    def problem(text: str) -> None:
        if len(problems) < MAX_REPORTED_PROBLEMS:
            problems.append(text)

    for entity in message.entity:
        if not entity.HasField("trip_update"):
            continue
        update = entity.trip_update
        descriptor = update.trip
        relationship = descriptor.schedule_relationship
        if relationship in ADDED:
            added_trip = _added_trip(update, locator, zone, feed)
            if isinstance(added_trip, str):
                problem(f"entity {entity.id}: added trip {descriptor.trip_id!r}: {added_trip}; ignored")
            else:
                added[(added_trip.trip_id, added_trip.day)] = added_trip
            continue
        if relationship not in (SCHEDULED, CANCELED):
            problem(f"entity {entity.id}: trip schedule_relationship {relationship} is not supported; ignored")
            continue
        trip_id = f"{feed}:{descriptor.trip_id}"
        trip = locator.index.get(trip_id)
        if trip is None and descriptor.start_time:
            trip = locator.index.get(f"{trip_id}@{descriptor.start_time}")
        if trip is None:
            problem(f"entity {entity.id}: trip {descriptor.trip_id!r} is not in the timetable")
            continue
        day = _service_day(locator, trip, descriptor, zone, feed_time)
        if day is None or not 0 <= (day - timetable.day0).days < timetable.day_count:
            problem(f"entity {entity.id}: trip {descriptor.trip_id!r} has no service day in the timetable window")
            continue
        if relationship == CANCELED:
            trips[(trip, day)] = TripRealtime(trip=trip, day=day, cancelled=True)
            continue
        shape = locator.shape(trip)
        n = shape.stops.size
        reference = round(service_day_reference(day, zone).timestamp())
        arrival, departure, skipped, failure = _apply_stop_updates(
            shape,
            np.asarray(timetable.arrival[shape.base : shape.base + n]),
            np.asarray(timetable.departure[shape.base : shape.base + n]),
            list(update.stop_time_update),
            reference,
            stop_ids,
            feed,
        )
        if failure:
            problem(f"entity {entity.id}: trip {descriptor.trip_id!r}: {failure}; ignored")
            continue
        trips[(trip, day)] = TripRealtime(
            trip=trip, day=day, cancelled=False, arrival=arrival, departure=departure, skipped=skipped
        )
    return RealtimeOverlay(trips=trips, added=added, feed_time=feed_time, problems=problems)


def _added_trip(
    update: gtfs_realtime_pb2.TripUpdate,
    locator: TripLocator,
    zone: ZoneInfo,
    feed: str,
) -> AddedTrip | str:
    """An ``ADDED`` trip from its own stop_time_updates (absolute times), or a problem text."""
    descriptor = update.trip
    timetable = locator.timetable
    trip_id = f"{feed}:{descriptor.trip_id}"
    if not descriptor.trip_id:
        return "no trip_id"
    if trip_id in locator.index:
        return "its trip_id is already in the timetable"
    route = locator.route_index.get(f"{feed}:{descriptor.route_id}") if descriptor.route_id else None
    if route is None:
        return f"route_id {descriptor.route_id!r} is not in the timetable" if descriptor.route_id else "no route_id"
    updates = [u for u in update.stop_time_update if u.schedule_relationship != SKIPPED]
    if all(u.HasField("stop_sequence") for u in updates):
        updates.sort(key=lambda u: int(u.stop_sequence))
    stops: list[int] = []
    moments: list[tuple[int, int]] = []
    for stop_update in updates:
        stop = locator.stop_index.get(f"{feed}:{stop_update.stop_id}")
        if stop is None:
            return f"stop_id {stop_update.stop_id!r} is not in the timetable"
        arrival = int(stop_update.arrival.time) if stop_update.arrival.HasField("time") else None
        departure = int(stop_update.departure.time) if stop_update.departure.HasField("time") else None
        if arrival is None and departure is None:
            return f"stop {stop_update.stop_id!r} has no arrival or departure time"
        stops.append(stop)
        first = arrival if arrival is not None else departure
        last = departure if departure is not None else arrival
        assert first is not None and last is not None
        moments.append((first, last))
    if len(stops) < 2:
        return "fewer than two stops with times"
    if descriptor.start_date:
        text = descriptor.start_date
        try:
            day = date(int(text[:4]), int(text[4:6]), int(text[6:8]))
        except ValueError:
            return f"start_date {text!r} is not YYYYMMDD"
    else:
        day = datetime.fromtimestamp(moments[0][1], zone).date()
    if not 0 <= (day - timetable.day0).days < timetable.day_count:
        return f"service day {day.isoformat()} is outside the timetable window"
    reference = round(service_day_reference(day, zone).timestamp())
    flat = [t for pair in moments for t in pair]
    if any(later < earlier for earlier, later in itertools.pairwise(flat)):
        return "times go backwards along the trip"
    return AddedTrip(
        trip_id=trip_id,
        day=day,
        route=route,
        stops=np.array(stops, dtype=np.int32),
        arrival=np.array([a - reference for a, _ in moments], dtype=np.int32),
        departure=np.array([d - reference for _, d in moments], dtype=np.int32),
        headsign=timetable.stop_name[stops[-1]],
    )


OCCUPANCY = {
    value.number: value.name.lower() for value in gtfs_realtime_pb2.VehiclePosition.OccupancyStatus.DESCRIPTOR.values
}


VEHICLE_STATUS = {
    value.number: value.name.lower() for value in gtfs_realtime_pb2.VehiclePosition.VehicleStopStatus.DESCRIPTOR.values
}


def parse_vehicle_feed(
    data: bytes, locator: TripLocator, *, feed: str, source: str = "vehicle positions"
) -> RealtimeOverlay:
    """Live positions (per namespaced trip id) and occupancy (per timetable trip) from a VehiclePositions feed.

    Vehicles without a trip or a position are left out; trips the timetable does not know
    keep their position (an added trip may be running) but no occupancy.

    Raises
    ------
    RealtimeFeedError
        When ``data`` is not a GTFS-Realtime message.
    """
    message = _decode(data, source)
    feed_time = datetime.fromtimestamp(message.header.timestamp, UTC) if message.header.timestamp else None
    occupancy: dict[int, str] = {}
    vehicles: dict[str, VehicleState] = {}
    problems: list[str] = []
    for entity in message.entity:
        if not entity.HasField("vehicle"):
            continue
        vehicle = entity.vehicle
        if not vehicle.trip.trip_id:
            continue
        trip_id = f"{feed}:{vehicle.trip.trip_id}"
        trip = locator.index.get(trip_id)
        status = OCCUPANCY.get(vehicle.occupancy_status, "unknown") if vehicle.HasField("occupancy_status") else None
        if trip is not None and status is not None:
            occupancy[trip] = status
        if not vehicle.HasField("position"):
            continue
        position = vehicle.position
        if not (-90 <= position.latitude <= 90 and -180 <= position.longitude <= 180):
            if len(problems) < MAX_REPORTED_PROBLEMS:
                problems.append(
                    f"entity {entity.id}: position {position.latitude},{position.longitude} is not a coordinate"
                )
            continue
        vehicles[trip_id] = VehicleState(
            trip_id=trip_id,
            vehicle_id=vehicle.vehicle.id or entity.id,
            label=vehicle.vehicle.label,
            lat=float(position.latitude),
            lon=float(position.longitude),
            bearing=float(position.bearing) if position.HasField("bearing") else None,
            speed_mps=float(position.speed) if position.HasField("speed") else None,
            stop=locator.stop_index.get(f"{feed}:{vehicle.stop_id}") if vehicle.stop_id else None,
            status=VEHICLE_STATUS.get(vehicle.current_status) if vehicle.HasField("current_status") else None,
            occupancy=status,
            timestamp=datetime.fromtimestamp(vehicle.timestamp, UTC) if vehicle.timestamp else feed_time,
        )
    return RealtimeOverlay(occupancy=occupancy, vehicles=vehicles, feed_time=feed_time, problems=problems)


def parse_vehicle_positions(
    data: bytes, locator: TripLocator, *, feed: str, source: str = "vehicle positions"
) -> dict[int, str]:
    """Occupancy per trip from a VehiclePositions feed (trips without occupancy are left out)."""
    return parse_vehicle_feed(data, locator, feed=feed, source=source).occupancy


FeedKind = Literal["trip_updates", "vehicle_positions", "alerts"]


def parse_feed(
    kind: FeedKind, data: bytes, locator: TripLocator, zone: ZoneInfo, *, feed: str, source: str
) -> RealtimeOverlay:
    """Parse one feed of ``kind`` into an overlay (the parts the other kinds fill stay empty).

    Raises
    ------
    RealtimeFeedError
        When ``data`` is not a GTFS-Realtime message.
    """
    if kind == "vehicle_positions":
        return parse_vehicle_feed(data, locator, feed=feed, source=source)
    if kind == "alerts":
        message = _decode(data, source)
        alerts, problems = parse_alerts(message, feed=feed)
        feed_time = datetime.fromtimestamp(message.header.timestamp, UTC) if message.header.timestamp else None
        return RealtimeOverlay(alerts=tuple(alerts), feed_time=feed_time, problems=problems)
    return parse_trip_updates(data, locator, zone, feed=feed, source=source)
