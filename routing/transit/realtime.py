"""GTFS-Realtime: TripUpdates, VehiclePositions and ServiceAlerts as an overlay on the compiled timetable.

Parsing turns a feed into a :class:`RealtimeOverlay`: per (trip, service day) the
updated arrival and departure times (seconds after that day's reference), skipped stops,
or a cancellation; trips the schedule lacks (``ADDED``/``NEW``, with a known route and
absolute times); per trip the live vehicle and its occupancy; the service alerts
(:mod:`routing.transit.alerts`). Stop time updates are matched by ``stop_sequence`` (or
``stop_id`` when the sequence is missing or names another stop) and applied in trip
order, whatever order the feed lists them in. Explicit arrival and departure times are
taken as given; as the GTFS-Realtime spec says, a delay propagates downstream only to
stops without a prediction (``NO_DATA`` stops keep their schedule), and those derived
times are fitted between their neighbours so times never decrease along the trip.
Nothing is rebuilt: :mod:`routing.transit.network` applies an overlay by masking the
replaced trip-days and adding each updated or added run as its own pattern.

:class:`RealtimeFeed` holds the newest good overlay of one feed URL: a broken or
unreadable feed is logged and ignored, and an overlay older than its TTL is dropped, so
real-time problems never break planning. :class:`RealtimePoller` polls every configured
source (of any kind) with the same rules and applies the merged overlay.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import numpy as np
from google.protobuf.message import DecodeError
from google.transit import gtfs_realtime_pb2
from numpy.typing import NDArray

from routing.errors import RoutingError
from routing.shared_fetch import SharedDocument, SharedFetch
from routing.transit.alerts import ServiceAlert, parse_alerts
from routing.transit.service_time import service_day_reference
from routing.transit.timetable import Timetable

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
MAX_REPORTED_PROBLEMS = 50


class RealtimeFeedError(RoutingError, ValueError):
    """A GTFS-Realtime feed cannot be decoded."""


@dataclass(frozen=True)
class TripRealtime:
    """Real-time state of one trip on one service day."""

    trip: int
    day: date
    cancelled: bool
    arrival: NDArray[np.int32] | None = None
    departure: NDArray[np.int32] | None = None
    skipped: NDArray[np.bool_] | None = None


@dataclass(frozen=True)
class AddedTrip:
    """A trip the schedule does not have (``ADDED``/``NEW``), run as its own single-trip pattern."""

    trip_id: str
    """Namespaced ``<feed>:<trip_id>``."""
    day: date
    route: int
    stops: NDArray[np.int32]
    arrival: NDArray[np.int32]
    """Seconds after ``day``'s reference, like the timetable."""
    departure: NDArray[np.int32]
    headsign: str = ""


@dataclass(frozen=True)
class VehicleState:
    """Where a transit vehicle is, from a VehiclePositions feed."""

    trip_id: str
    """Namespaced ``<feed>:<trip_id>`` of the trip it serves."""
    vehicle_id: str
    label: str
    lat: float
    lon: float
    bearing: float | None
    speed_mps: float | None
    stop: int | None
    """The stop it is at or heading for (timetable index), when the feed says."""
    status: str | None
    """``incoming_at``, ``stopped_at`` or ``in_transit_to``."""
    occupancy: str | None
    timestamp: datetime | None


@dataclass(frozen=True)
class RealtimeOverlay:
    """Everything one feed says, matched to the timetable."""

    trips: dict[tuple[int, date], TripRealtime] = field(default_factory=dict)
    occupancy: dict[int, str] = field(default_factory=dict)
    feed_time: datetime | None = None
    problems: list[str] = field(default_factory=list)
    added: dict[tuple[str, date], AddedTrip] = field(default_factory=dict)
    vehicles: dict[str, VehicleState] = field(default_factory=dict)
    """Live vehicle per namespaced trip id."""
    alerts: tuple[ServiceAlert, ...] = ()


@dataclass(frozen=True)
class _TripShape:
    pattern: int
    base: int
    stops: NDArray[np.int32]
    sequence: NDArray[np.int32]


class TripLocator:
    """Finds a trip's pattern, stops and stop sequences by its namespaced id."""

    def __init__(self, timetable: Timetable) -> None:
        self.timetable = timetable
        self.index = {trip_id: i for i, trip_id in enumerate(timetable.trip_id.to_list())}
        self.stop_index = {stop_id: i for i, stop_id in enumerate(timetable.stop_id.to_list())}
        self.route_index = {route_id: i for i, route_id in enumerate(timetable.route_id.to_list())}

    def shape(self, trip: int) -> _TripShape:
        """Pattern, position of its first stop time, stops and GTFS stop sequences of ``trip``."""
        timetable = self.timetable
        pattern, base, n = timetable.trip_layout(trip)
        start = int(timetable.pattern_stop_offsets[pattern])
        return _TripShape(
            pattern=pattern,
            base=base,
            stops=np.asarray(timetable.pattern_stops[start : start + n]),
            sequence=np.asarray(timetable.stop_sequence[base : base + n]),
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
    shape: _TripShape,
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
    shape: _TripShape,
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


def url_fetcher(url: str, *, timeout_s: float = 10.0) -> Callable[[], bytes]:
    """A fetch function for :meth:`RealtimeFeed.refresh` reading ``url`` with requests."""
    import requests

    def fetch() -> bytes:
        response = requests.get(url, timeout=timeout_s)
        response.raise_for_status()
        return response.content

    return fetch


class RealtimeFeed:
    """The newest good overlay of one feed, dropped after ``ttl``.

    ``refresh`` is called by a poller with a function that fetches the feed's bytes;
    failures are logged and the previous overlay stays until it expires.
    """

    def __init__(
        self,
        name: str,
        locator: TripLocator,
        zone: ZoneInfo,
        *,
        feed: str,
        ttl: timedelta,
        kind: FeedKind = "trip_updates",
    ) -> None:
        self.name = name
        self.kind: FeedKind = kind
        self._locator = locator
        self._zone = zone
        self._feed = feed
        self.ttl = ttl
        self._overlay: RealtimeOverlay | None = None
        self._received_at: datetime | None = None

    def refresh(self, fetch: Callable[[], bytes], now: datetime) -> bool:
        """Fetch and parse once; returns whether a new overlay was taken."""
        try:
            data = fetch()
            overlay = parse_feed(self.kind, data, self._locator, self._zone, feed=self._feed, source=self.name)
        except (RealtimeFeedError, OSError) as exc:
            logger.warning(
                "real-time feed unusable; keeping the previous data until it expires",
                extra={"feed": self.name, "error": str(exc)},
            )
            return False
        except Exception as exc:
            logger.warning("real-time feed fetch failed", extra={"feed": self.name, "error": repr(exc)})
            return False
        self._overlay, self._received_at = overlay, now
        if overlay.problems:
            logger.info("real-time feed partly unmatched", extra={"feed": self.name, "problems": overlay.problems[:10]})
        return True

    def current(self, now: datetime) -> RealtimeOverlay | None:
        """The overlay, or None when there is none or it is older than the TTL."""
        if self._overlay is None or self._received_at is None:
            return None
        if now - self._received_at > self.ttl:
            logger.warning(
                "real-time data is stale and ignored",
                extra={"feed": self.name, "received_at": self._received_at.isoformat()},
            )
            return None
        return self._overlay


@dataclass(frozen=True)
class RealtimeSource:
    """One configured GTFS-Realtime URL (TripUpdates, VehiclePositions or ServiceAlerts)."""

    name: str
    url: str
    feed: str
    """The GTFS feed namespace its trip ids belong to."""
    ttl: timedelta = timedelta(minutes=3)
    interval: timedelta = timedelta(seconds=30)
    timeout_s: float = 10.0
    kind: FeedKind = "trip_updates"


def merge_overlays(overlays: list[RealtimeOverlay]) -> RealtimeOverlay | None:
    """One overlay from several feeds (later feeds win on the same trip-day or vehicle)."""
    if not overlays:
        return None
    trips: dict[tuple[int, date], TripRealtime] = {}
    added: dict[tuple[str, date], AddedTrip] = {}
    occupancy: dict[int, str] = {}
    vehicles: dict[str, VehicleState] = {}
    alerts: dict[str, ServiceAlert] = {}
    problems: list[str] = []
    for overlay in overlays:
        trips.update(overlay.trips)
        added.update(overlay.added)
        occupancy.update(overlay.occupancy)
        vehicles.update(overlay.vehicles)
        alerts.update((alert.id, alert) for alert in overlay.alerts)
        problems.extend(overlay.problems)
    times = [o.feed_time for o in overlays if o.feed_time is not None]
    return RealtimeOverlay(
        trips=trips,
        added=added,
        occupancy=occupancy,
        vehicles=vehicles,
        alerts=tuple(alerts.values()),
        feed_time=min(times) if times else None,
        problems=problems[:MAX_REPORTED_PROBLEMS],
    )


class RealtimePoller:
    """Polls configured sources and hands the merged, fresh overlay to ``apply``.

    ``poll_once`` does one round (used by tests and by ``run`` on a background thread);
    a source that fails or goes stale simply drops out of the merged overlay.
    """

    def __init__(
        self,
        sources: list[RealtimeSource],
        locator: TripLocator,
        zone: ZoneInfo,
        apply: Callable[[RealtimeOverlay | None], None],
        *,
        shared: SharedFetch | None = None,
    ) -> None:
        self._sources = sources
        self._shared = shared
        self._feeds = {
            source.name: RealtimeFeed(source.name, locator, zone, feed=source.feed, ttl=source.ttl, kind=source.kind)
            for source in sources
        }
        self._apply = apply
        self._due: dict[str, datetime] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def poll_once(self, now: datetime) -> RealtimeOverlay | None:
        """Refresh every source that is due, then apply the merged overlay of the fresh ones."""
        for source in self._sources:
            if self._due.get(source.name, now) <= now:
                self._feeds[source.name].refresh(self._fetcher(source), now)
                self._due[source.name] = now + source.interval
        fresh = [overlay for feed in self._feeds.values() if (overlay := feed.current(now)) is not None]
        merged = merge_overlays(fresh)
        self._apply(merged)
        return merged

    def _fetcher(self, source: RealtimeSource) -> Callable[[], bytes]:
        """Fetches ``source``'s bytes: itself, or through the shared store once per interval for every worker."""
        fetch = url_fetcher(source.url, timeout_s=source.timeout_s)
        shared = self._shared
        if shared is None:
            return fetch

        def fetch_document() -> SharedDocument:
            return SharedDocument(body=fetch(), fetched_at=time.time(), ttl_s=source.interval.total_seconds())

        return lambda: shared.fetch_once(f"gtfs-rt:{source.url}", fetch_document).body

    def start(self) -> None:
        """Poll on a daemon thread until :meth:`stop`."""
        if self._thread is not None or not self._sources:
            return
        period = min(source.interval for source in self._sources).total_seconds()

        def loop() -> None:
            while not self._stop.is_set():
                self.poll_once(datetime.now(UTC))
                self._stop.wait(period)

        self._thread = threading.Thread(target=loop, name="gtfs-realtime-poller", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop polling (waits for the current round)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
