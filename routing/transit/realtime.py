"""GTFS-Realtime as an overlay on the compiled timetable: what a feed says, per trip and service day.

A :class:`RealtimeOverlay` holds per (trip, service day) the updated arrival and
departure times (seconds after that day's reference), skipped stops, or a cancellation;
trips the schedule lacks (``ADDED``/``NEW``, with a known route and absolute times); per
trip the live vehicle and its occupancy; the service alerts (:mod:`routing.transit.alerts`).
Nothing is rebuilt: :mod:`routing.transit.network` applies an overlay by masking the
replaced trip-days and adding each updated or added run as its own pattern.
:mod:`routing.transit.realtime_parse` makes overlays from feeds,
:mod:`routing.transit.realtime_poll` keeps them fresh.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
from numpy.typing import NDArray

from routing.errors import RoutingError
from routing.transit.alerts import ServiceAlert
from routing.transit.timetable import Timetable

logger = logging.getLogger(__name__)


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
class TripShape:
    """Where a trip's times lie in the timetable: its pattern, first stop-time row, stops and stop sequences."""

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

    def shape(self, trip: int) -> TripShape:
        """Pattern, position of its first stop time, stops and GTFS stop sequences of ``trip``."""
        timetable = self.timetable
        pattern, base, n = timetable.trip_layout(trip)
        start = int(timetable.pattern_stop_offsets[pattern])
        return TripShape(
            pattern=pattern,
            base=base,
            stops=np.asarray(timetable.pattern_stops[start : start + n]),
            sequence=np.asarray(timetable.stop_sequence[base : base + n]),
        )


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
