"""GTFS-Realtime: TripUpdates and VehiclePositions as an overlay on the compiled timetable.

Parsing turns a feed into a :class:`RealtimeOverlay`: per (trip, service day) the
updated arrival and departure times (seconds after that day's reference), skipped stops,
or a cancellation; per trip the occupancy from VehiclePositions. Delays propagate
downstream until the next update, as the GTFS-Realtime spec says; ``NO_DATA`` stops keep
their schedule. Times are made non-decreasing along the trip. Nothing is rebuilt:
:mod:`routing.transit.raptor` applies an overlay by masking the replaced trip-days and
adding each updated run as its own pattern.

:class:`RealtimeFeed` holds the newest good overlay of one feed URL: a broken or
unreadable feed is logged and ignored, and an overlay older than its TTL is dropped, so
real-time problems never break planning.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from google.protobuf.message import DecodeError
from google.transit import gtfs_realtime_pb2
from numpy.typing import NDArray

from routing.errors import RoutingError
from routing.transit.service_time import service_day_reference
from routing.transit.timetable import Timetable

logger = logging.getLogger(__name__)

SKIPPED = gtfs_realtime_pb2.TripUpdate.StopTimeUpdate.SKIPPED
NO_DATA = gtfs_realtime_pb2.TripUpdate.StopTimeUpdate.NO_DATA
CANCELED = gtfs_realtime_pb2.TripDescriptor.CANCELED
SCHEDULED = gtfs_realtime_pb2.TripDescriptor.SCHEDULED
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
class RealtimeOverlay:
    """Everything one feed says, matched to the timetable."""

    trips: dict[tuple[int, date], TripRealtime] = field(default_factory=dict)
    occupancy: dict[int, str] = field(default_factory=dict)
    feed_time: datetime | None = None
    problems: list[str] = field(default_factory=list)


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


def _apply_stop_updates(
    shape: _TripShape,
    scheduled_arrival: NDArray[np.int32],
    scheduled_departure: NDArray[np.int32],
    updates: list[gtfs_realtime_pb2.TripUpdate.StopTimeUpdate],
    reference: int,
    stop_ids: list[str],
    feed: str,
) -> tuple[NDArray[np.int32], NDArray[np.int32], NDArray[np.bool_], str | None]:
    n = shape.stops.size
    arrival = scheduled_arrival.astype(np.int64).copy()
    departure = scheduled_departure.astype(np.int64).copy()
    skipped = np.zeros(n, dtype=np.bool_)
    delay: int | None = None
    position = 0
    sequence = shape.sequence.tolist()
    for update in updates:
        found = -1
        if update.HasField("stop_sequence") and update.stop_sequence in sequence[position:]:
            found = sequence.index(update.stop_sequence, position)
        elif update.stop_id:
            wanted = f"{feed}:{update.stop_id}"
            for i in range(position, n):
                if stop_ids[int(shape.stops[i])] == wanted:
                    found = i
                    break
        if found < 0:
            return (
                arrival.astype(np.int32),
                departure.astype(np.int32),
                skipped,
                "stop_time_update matches no stop of the trip",
            )
        for i in range(position, found):  # propagate the last delay down to this update
            if delay is not None:
                arrival[i] = scheduled_arrival[i] + delay
                departure[i] = scheduled_departure[i] + delay
        if update.schedule_relationship == SKIPPED:
            skipped[found] = True
        elif update.schedule_relationship == NO_DATA:
            delay = None
        else:
            for event, target, scheduled in (
                (update.arrival, arrival, scheduled_arrival),
                (update.departure, departure, scheduled_departure),
            ):
                if event.HasField("time"):
                    target[found] = int(event.time) - reference
                    delay = int(target[found]) - int(scheduled[found])
                elif event.HasField("delay"):
                    target[found] = int(scheduled[found]) + int(event.delay)
                    delay = int(event.delay)
            if not update.HasField("arrival") and update.HasField("departure"):
                arrival[found] = departure[found]
            if not update.HasField("departure") and update.HasField("arrival"):
                departure[found] = max(int(scheduled_departure[found]) + (delay or 0), int(arrival[found]))
        position = found + 1
    for i in range(position, n):
        if delay is not None:
            arrival[i] = scheduled_arrival[i] + delay
            departure[i] = scheduled_departure[i] + delay
    for i in range(n):  # a vehicle never leaves before it arrives, nor arrives before it left the last stop
        if i > 0:
            arrival[i] = max(arrival[i], departure[i - 1])
        departure[i] = max(departure[i], arrival[i])
    return arrival.astype(np.int32), departure.astype(np.int32), skipped, None


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
    return RealtimeOverlay(trips=trips, feed_time=feed_time, problems=problems)


OCCUPANCY = {
    value.number: value.name.lower() for value in gtfs_realtime_pb2.VehiclePosition.OccupancyStatus.DESCRIPTOR.values
}


def parse_vehicle_positions(
    data: bytes, locator: TripLocator, *, feed: str, source: str = "vehicle positions"
) -> dict[int, str]:
    """Occupancy per trip from a VehiclePositions feed (trips without occupancy are left out)."""
    message = _decode(data, source)
    occupancy = {}
    for entity in message.entity:
        if entity.HasField("vehicle") and entity.vehicle.HasField("occupancy_status"):
            trip = locator.index.get(f"{feed}:{entity.vehicle.trip.trip_id}")
            if trip is not None:
                occupancy[trip] = OCCUPANCY.get(entity.vehicle.occupancy_status, "unknown")
    return occupancy


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

    def __init__(self, name: str, locator: TripLocator, zone: ZoneInfo, *, feed: str, ttl: timedelta) -> None:
        self.name = name
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
            overlay = parse_trip_updates(data, self._locator, self._zone, feed=self._feed, source=self.name)
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
    """One configured GTFS-Realtime TripUpdates URL."""

    name: str
    url: str
    feed: str
    """The GTFS feed namespace its trip ids belong to."""
    ttl: timedelta = timedelta(minutes=3)
    interval: timedelta = timedelta(seconds=30)
    timeout_s: float = 10.0


def merge_overlays(overlays: list[RealtimeOverlay]) -> RealtimeOverlay | None:
    """One overlay from several feeds (later feeds win on the same trip-day)."""
    if not overlays:
        return None
    trips: dict[tuple[int, date], TripRealtime] = {}
    occupancy: dict[int, str] = {}
    problems: list[str] = []
    for overlay in overlays:
        trips.update(overlay.trips)
        occupancy.update(overlay.occupancy)
        problems.extend(overlay.problems)
    times = [o.feed_time for o in overlays if o.feed_time is not None]
    return RealtimeOverlay(
        trips=trips,
        occupancy=occupancy,
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
    ) -> None:
        self._sources = sources
        self._feeds = {
            source.name: RealtimeFeed(source.name, locator, zone, feed=source.feed, ttl=source.ttl)
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
                self._feeds[source.name].refresh(url_fetcher(source.url, timeout_s=source.timeout_s), now)
                self._due[source.name] = now + source.interval
        fresh = [overlay for feed in self._feeds.values() if (overlay := feed.current(now)) is not None]
        merged = merge_overlays(fresh)
        self._apply(merged)
        return merged

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
