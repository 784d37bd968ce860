"""Transit queries: earliest arrival from stops or coordinates, as journeys with legs.

``TransitRouter.route_from_stops`` is the core (stops in, journeys out), used by the
feature tests with tiny timetables; ``TransitRouter.plan`` adds the street: every stop
within the walking budget of the origin is a candidate (not only the nearest), and so is
every stop from which the destination can be walked to.

Options are passed per query (:class:`TransitOptions`): up to ``max_transfers`` changes
(default 4), a change slack (default 60 s) on top of walking, the walking speed, and
wheelchair mode (accessible trips and stops only, footpaths on the wheelchair graph).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from routing.errors import NoRoute
from routing.geo import haversine_m
from routing.pareto import non_dominated
from routing.region.region import Region
from routing.street.router import Snap, StreetRouter, StreetTargets, Walks, walking_speeds
from routing.transit._mcraptor import mc_raptor
from routing.transit._raptor import INF, latest_ride, raptor
from routing.transit.footpaths import REFERENCE_WALK_KMH, Footpaths
from routing.transit.realtime import AddedTrip, RealtimeOverlay
from routing.transit.service_time import day_shift_seconds, elapsed_seconds, moment_at, seconds_since_reference
from routing.transit.timetable import ALIGHT, BOARD, Timetable
from routing.transit.transfer_pairs import transfer_pairs

logger = logging.getLogger(__name__)

DEFAULT_MAX_TRANSFERS = 4
DEFAULT_CHANGE_SLACK_S = 60
DEFAULT_MAX_WALK_S = 900.0
FORBIDDEN = -1


@dataclass(frozen=True)
class TransitOptions:
    """Per-query options."""

    max_transfers: int = DEFAULT_MAX_TRANSFERS
    change_slack_s: int = DEFAULT_CHANGE_SLACK_S
    walk_speed_kmh: float = REFERENCE_WALK_KMH
    wheelchair: bool = False
    max_walk_s: float = DEFAULT_MAX_WALK_S
    """Budget of each walk to or from transit (generalised cost, seconds)."""
    ride_price_cents: Mapping[str, int] | None = field(default=None, compare=False)
    """Price of one ride per route id (namespaced): a search criterion of Pareto plans (fares fill it)."""
    extra_criterion: Callable[[Journey], float] | None = field(default=None, compare=False)
    """One more criterion for the final Pareto filter, for prices that are not a sum over rides."""


@dataclass(frozen=True)
class TransitLeg:
    """A ride on one trip (times are aware datetimes in the region's time zone)."""

    trip: int
    trip_id: str
    route_short_name: str
    route_long_name: str
    route_type: int
    agency: str
    headsign: str
    from_stop: int
    to_stop: int
    departure: datetime
    arrival: datetime
    intermediate_stops: list[int]
    service_day: date
    realtime: bool = False
    """True when the times come from GTFS-Realtime (else scheduled)."""
    scheduled_departure: datetime | None = None
    scheduled_arrival: datetime | None = None
    occupancy: str | None = None
    """GTFS-Realtime occupancy status (e.g. ``many_seats_available``), when known."""
    route_id: str = ""
    """Region-wide route id (``<feed>:<GTFS route_id>``)."""


@dataclass(frozen=True)
class WalkLeg:
    """A walk: access (``from_stop`` None), transfer, or egress (``to_stop`` None)."""

    from_stop: int | None
    to_stop: int | None
    departure: datetime
    arrival: datetime
    meters: float


@dataclass(frozen=True)
class Journey:
    """One Pareto-optimal way: arrival time versus number of trips."""

    departure: datetime
    arrival: datetime
    legs: list[TransitLeg | WalkLeg]
    transfers: int
    walking_seconds: float
    price_cents: int | None = None
    """Sum of the ride prices a Pareto plan was given (None without prices)."""

    @property
    def duration_s(self) -> float:
        """Door-to-door time in seconds."""
        return elapsed_seconds(self.departure, self.arrival)

    def describe(self, timetable: Timetable) -> str:
        """A readable one-line summary (used by tests and logs)."""
        parts = []
        for leg in self.legs:
            if isinstance(leg, TransitLeg):
                parts.append(
                    f"{leg.route_short_name} {timetable.stop_id[leg.from_stop]} {leg.departure:%H:%M}"
                    f" ~ {timetable.stop_id[leg.to_stop]} {leg.arrival:%H:%M}"
                )
            elif leg.from_stop is not None and leg.to_stop is not None:
                parts.append(f"walk {timetable.stop_id[leg.from_stop]} ~ {timetable.stop_id[leg.to_stop]}")
        return " | ".join(parts)


class Boardings(NamedTuple):
    """Trips of one pattern and service day that can be boarded at one stop."""

    position: int
    """The stop's position in the pattern."""
    stop_count: int
    """Stops of the pattern (boarding at the last one leads nowhere)."""
    day_index: int
    """0: the day before the query's day, 1: that day, 2: the day after."""
    trips: NDArray[np.int64]
    times: NDArray[np.int64]
    """Departure times, seconds after the query day's reference."""


@dataclass(frozen=True)
class AccessEgress:
    """The street ends of a coordinate query, in seconds after ``day``'s reference."""

    day: date
    start: int
    sources: dict[int, int]
    """Stop -> arrival there on foot."""
    targets: dict[int, int]
    """Stop -> walking seconds from there to the destination."""
    access_meters: dict[int, float]
    egress_meters: dict[int, float]
    direct_arrival: int | None
    direct_meters: float
    source_walk: dict[int, int] | None = None
    """Stop -> seconds on foot in its access (None: all of the access is walked)."""
    target_walk: dict[int, int] | None = None
    """Stop -> seconds on foot in its egress (None: all of the egress is walked)."""

    def access_walk_s(self, stop: int) -> int:
        """Seconds on foot from the origin to ``stop``."""
        return self.sources[stop] - self.start if self.source_walk is None else self.source_walk[stop]

    def egress_walk_s(self, stop: int) -> int:
        """Seconds on foot from ``stop`` to the destination."""
        return self.targets[stop] if self.target_walk is None else self.target_walk[stop]


@dataclass
class _Transfers:
    """Transfer rules of a region for one street profile."""

    change_seconds: NDArray[np.int64]
    offsets: NDArray[np.int64]
    to_stop: NDArray[np.int32]
    walk_seconds: NDArray[np.float64]
    meters: NDArray[np.float64]
    min_seconds: NDArray[np.int64]
    forbidden: NDArray[np.bool_]
    _cache: dict[tuple[float, int, float], NDArray[np.int64]] = field(default_factory=dict)
    _floor_cache: dict[tuple[float, int, float], NDArray[np.int64]] = field(default_factory=dict)

    def seconds(self, speed_factor: float, slack: int, max_walk_s: float = np.inf) -> NDArray[np.int64]:
        """Transfer durations for a walking speed factor and change slack.

        A footpath walked longer than ``max_walk_s`` (the request's walking bound, at its
        speed) is not a transfer of this query (INF).
        """
        key = (speed_factor, slack, max_walk_s)
        if key not in self._cache:
            walked = self.walk_seconds * speed_factor
            walk = np.ceil(walked).astype(np.int64) + slack
            seconds = np.maximum(walk, self.min_seconds)
            self._cache[key] = np.where(self.forbidden | (walked > max_walk_s), INF, seconds)
        return self._cache[key]

    def floor(self, speed_factor: float, slack: int, max_walk_s: float = np.inf) -> NDArray[np.int64]:
        """Per stop, its shortest transfer duration (INF without transfers)."""
        key = (speed_factor, slack, max_walk_s)
        if key not in self._floor_cache:
            seconds = self.seconds(speed_factor, slack, max_walk_s)
            floor = np.full(self.offsets.size - 1, INF, dtype=np.int64)
            has = np.diff(self.offsets) > 0
            if has.any():
                floor[has] = np.minimum.reduceat(seconds, self.offsets[:-1][has])
            self._floor_cache[key] = floor
        return self._floor_cache[key]


def _stop_pattern_index(
    pattern_stop_offsets: NDArray[np.int32], pattern_stops: NDArray[np.int32], stop_count: int
) -> tuple[NDArray[np.int64], NDArray[np.int32], NDArray[np.int32]]:
    offsets = np.asarray(pattern_stop_offsets)
    stops = np.asarray(pattern_stops)
    counts = np.diff(offsets)
    patterns = np.repeat(np.arange(counts.size, dtype=np.int32), counts)
    positions = (np.arange(stops.size) - np.repeat(offsets[:-1], counts)).astype(np.int32)
    order = np.lexsort((positions, patterns, stops))
    stop_offsets = np.zeros(stop_count + 1, dtype=np.int64)
    np.cumsum(np.bincount(stops, minlength=stop_count), out=stop_offsets[1:])
    return stop_offsets, patterns[order], positions[order]


_KERNEL_ARRAYS = (
    "pattern_stop_offsets",
    "pattern_stops",
    "pattern_flags",
    "pattern_trip_offsets",
    "pattern_time_offsets",
    "arrival",
    "departure",
    "trip_days",
    "trip_wheelchair",
)


@dataclass(frozen=True)
class _Network:
    """The arrays RAPTOR runs on: the timetable, or the timetable with a real-time overlay.

    Updated runs become single-trip patterns appended after the static ones (so patterns
    stay overtaking-free); the trip-days they replace, and cancelled ones, are masked.
    ``trip_origin`` maps every trip index here to the timetable's trip (-1 for an added
    trip, whose own data is in ``added``).
    """

    arrays: dict[str, NDArray[np.generic]]
    pattern_route: NDArray[np.int32]
    stop_offsets: NDArray[np.int64]
    stop_patterns: NDArray[np.int32]
    stop_positions: NDArray[np.int32]
    trip_origin: NDArray[np.int64]
    realtime: NDArray[np.bool_]
    overlay: RealtimeOverlay | None
    added: Mapping[int, AddedTrip] = field(default_factory=dict)
    """Trips the schedule does not have (``trip_origin`` -1), by trip index here."""

    def kernel_arrays(self) -> tuple[NDArray[np.generic], ...]:
        """The timetable arrays in the kernel's argument order."""
        return tuple(self.arrays[name] for name in _KERNEL_ARRAYS)

    @classmethod
    def static(cls, timetable: Timetable) -> _Network:
        """The timetable as compiled."""
        arrays = {name: np.asarray(getattr(timetable, name)).view(np.ndarray) for name in _KERNEL_ARRAYS}
        trips = len(timetable.trip_id)
        return cls(
            arrays=arrays,
            pattern_route=np.asarray(timetable.pattern_route),
            **dict(
                zip(
                    ("stop_offsets", "stop_patterns", "stop_positions"),
                    _stop_pattern_index(
                        arrays["pattern_stop_offsets"], arrays["pattern_stops"], len(timetable.stop_id)
                    ),
                    strict=True,
                )
            ),
            trip_origin=np.arange(trips, dtype=np.int64),
            realtime=np.zeros(trips, dtype=np.bool_),
            overlay=None,
        )

    @classmethod
    def with_overlay(cls, timetable: Timetable, overlay: RealtimeOverlay) -> _Network:
        """The timetable with ``overlay`` applied."""
        base = cls.static(timetable)
        a = {name: np.array(value) for name, value in base.arrays.items()}
        trip_offsets = a["pattern_trip_offsets"]
        days = a["trip_days"]
        new_stops, new_flags, new_arrival, new_departure, new_days, new_wheelchair, new_route, origin = (
            [] for _ in range(8)
        )
        for (trip, day), state in sorted(overlay.trips.items(), key=lambda item: (item[0][0], item[0][1])):
            bit = (day - timetable.day0).days
            days[trip] &= np.uint32(~(1 << bit) & 0xFFFFFFFF)
            if state.cancelled or state.arrival is None or state.departure is None:
                continue
            pattern = int(np.searchsorted(trip_offsets, trip, side="right") - 1)
            start, end = int(a["pattern_stop_offsets"][pattern]), int(a["pattern_stop_offsets"][pattern + 1])
            flags = a["pattern_flags"][start:end].copy()
            if state.skipped is not None:
                flags[state.skipped] = 0
            new_stops.append(a["pattern_stops"][start:end])
            new_flags.append(flags)
            new_arrival.append(state.arrival)
            new_departure.append(state.departure)
            new_days.append(1 << bit)
            new_wheelchair.append(a["trip_wheelchair"][trip])
            new_route.append(int(base.pattern_route[pattern]))
            origin.append(trip)
        added: dict[int, AddedTrip] = {}
        first_added = len(timetable.trip_id) + len(origin)
        for (_, day), trip_state in sorted(overlay.added.items()):
            added[first_added + len(added)] = trip_state
            new_stops.append(trip_state.stops)
            new_flags.append(np.full(trip_state.stops.size, BOARD | ALIGHT, dtype=np.uint8))
            new_arrival.append(trip_state.arrival)
            new_departure.append(trip_state.departure)
            new_days.append(1 << (day - timetable.day0).days)
            new_wheelchair.append(0)
            new_route.append(trip_state.route)
            origin.append(-1)
        if not origin:
            return cls(**{**base.__dict__, "arrays": a, "overlay": overlay})
        sizes = np.array([stops.size for stops in new_stops], dtype=np.int64)
        last_stop, last_trip, last_time = (
            int(a[name][-1]) for name in ("pattern_stop_offsets", "pattern_trip_offsets", "pattern_time_offsets")
        )
        a["pattern_stop_offsets"] = np.concatenate([a["pattern_stop_offsets"], last_stop + np.cumsum(sizes)]).astype(
            np.int32
        )
        a["pattern_trip_offsets"] = np.concatenate(
            [a["pattern_trip_offsets"], last_trip + np.arange(1, sizes.size + 1)]
        ).astype(np.int32)
        a["pattern_time_offsets"] = np.concatenate([a["pattern_time_offsets"], last_time + np.cumsum(sizes)]).astype(
            np.int64
        )
        a["pattern_stops"] = np.concatenate([a["pattern_stops"], *new_stops]).astype(np.int32)
        a["pattern_flags"] = np.concatenate([a["pattern_flags"], *new_flags]).astype(np.uint8)
        a["arrival"] = np.concatenate([a["arrival"], *new_arrival]).astype(np.int32)
        a["departure"] = np.concatenate([a["departure"], *new_departure]).astype(np.int32)
        a["trip_days"] = np.concatenate([days, np.array(new_days, dtype=np.uint32)])
        a["trip_wheelchair"] = np.concatenate([a["trip_wheelchair"], np.array(new_wheelchair, dtype=np.int8)])
        index = _stop_pattern_index(a["pattern_stop_offsets"], a["pattern_stops"], len(timetable.stop_id))
        return cls(
            arrays=a,
            pattern_route=np.concatenate([base.pattern_route, np.array(new_route, dtype=np.int32)]),
            stop_offsets=index[0],
            stop_patterns=index[1],
            stop_positions=index[2],
            trip_origin=np.concatenate([base.trip_origin, np.array(origin, dtype=np.int64)]),
            realtime=np.concatenate([base.realtime, np.ones(len(origin), dtype=np.bool_)]),
            overlay=overlay,
            added=added,
        )


def _accessible_stops(timetable: Timetable) -> NDArray[np.bool_]:
    """GTFS wheelchair_boarding; an unknown (0) platform inherits from its parent station."""
    own = np.asarray(timetable.stop_wheelchair)
    parent = np.asarray(timetable.stop_parent)
    inherited = np.where((own == 0) & (parent >= 0), own[np.maximum(parent, 0)], own)
    return np.asarray(inherited == 1)


def _children(timetable: Timetable) -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for stop, parent in enumerate(np.asarray(timetable.stop_parent).tolist()):
        if parent >= 0:
            children.setdefault(parent, []).append(stop)
    return children


def _pair_rules(timetable: Timetable) -> dict[tuple[int, int], int]:
    """transfers.txt as (from stop, to stop) -> rule (FORBIDDEN, or minimum seconds); stations apply to platforms."""
    children = _children(timetable)
    pair_rules: dict[tuple[int, int], int] = {}
    for a, b, kind, minimum in zip(
        np.asarray(timetable.transfer_from).tolist(),
        np.asarray(timetable.transfer_to).tolist(),
        np.asarray(timetable.transfer_type).tolist(),
        np.asarray(timetable.transfer_min_seconds).tolist(),
        strict=True,
    ):
        rule = FORBIDDEN if kind == 3 else (minimum if kind == 2 else 0)
        for x in children.get(a, [a]):
            for y in children.get(b, [b]):
                pair_rules[(x, y)] = rule
    return pair_rules


def build_transfers(timetable: Timetable, footpaths: Footpaths | None) -> _Transfers:
    """Merge the street footpaths with transfers.txt (station rules apply to their platforms)."""
    stop_count = len(timetable.stop_id)
    pair_rules = _pair_rules(timetable)
    change = np.zeros(stop_count, dtype=np.int64)
    for (x, y), rule in pair_rules.items():
        if x == y:
            change[x] = FORBIDDEN if rule == FORBIDDEN else max(change[x], rule)
    pairs = transfer_pairs(stop_count, pair_rules, footpaths, forbidden=FORBIDDEN)
    return _Transfers(
        change_seconds=change,
        offsets=pairs.offsets,
        to_stop=pairs.to_stop,
        walk_seconds=pairs.walk_seconds,
        meters=pairs.meters,
        min_seconds=pairs.min_seconds,
        forbidden=pairs.forbidden,
    )


class TransitRouter:
    """RAPTOR queries over a region's timetable (stateless between queries)."""

    def __init__(
        self,
        region: Region | None = None,
        *,
        timetable: Timetable | None = None,
        timezone: str | None = None,
        footpaths: dict[str, Footpaths] | None = None,
    ) -> None:
        if region is not None:
            timetable, timezone, footpaths = region.timetable, region.manifest.timezone, region.footpaths
        if timetable is None or timezone is None:
            msg = "give a region, or a timetable and its time zone"
            raise ValueError(msg)
        self.region = region
        self.timetable = timetable
        self.zone = ZoneInfo(timezone)
        self.footpaths = footpaths or {}
        self._network = _Network.static(timetable)
        self._accessible = _accessible_stops(timetable)
        self._transfers = {
            profile: build_transfers(timetable, self.footpaths.get(profile)) for profile in ("walk", "wheelchair")
        }
        self._street_routers: dict[str, StreetRouter] = {}
        self._stop_target_cache: dict[str, StreetTargets] = {}
        self._change_cache: dict[tuple[int, int], NDArray[np.int64]] = {}
        self._day_cache: dict[date, tuple[NDArray[np.int64], NDArray[np.int64]]] = {}
        self._route_texts: dict[int, tuple[str, str, str, str]] = {}
        self._trip_texts: dict[int, tuple[str, str]] = {}
        self._lock = threading.Lock()

    # What the reference check reads -------------------------------------------------

    @property
    def network_arrays(self) -> dict[str, NDArray[np.generic]]:
        """The timetable arrays queries run on now (with any real-time overlay)."""
        return self._network.arrays

    @property
    def accessible_stops(self) -> NDArray[np.bool_]:
        """Stops a wheelchair user can board and alight at."""
        return self._accessible

    def transfer_rules(
        self, options: TransitOptions
    ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int32], NDArray[np.int64]]:
        """Change time per stop (-1 forbidden), and transfer CSR (offsets, to stop, seconds) for ``options``."""
        transfers = self._transfers[self._profile(options)]
        seconds = transfers.seconds(
            REFERENCE_WALK_KMH / options.walk_speed_kmh, options.change_slack_s, options.max_walk_s
        )
        return self._change_seconds(transfers, options.change_slack_s), transfers.offsets, transfers.to_stop, seconds

    def days(self, day: date) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Day bits and shifts (seconds) of the service days before, of and after ``day``."""
        return self._days(day)

    # Real time ------------------------------------------------------------------

    @property
    def network(self) -> _Network:
        """The arrays queries run on now (the timetable, with the real-time overlay when one is applied)."""
        return self._network

    def apply_realtime(self, overlay: RealtimeOverlay | None) -> None:
        """Route on ``overlay`` from now on (None: the plain timetable). Queries under way keep theirs."""
        self._network = (
            _Network.static(self.timetable) if overlay is None else _Network.with_overlay(self.timetable, overlay)
        )

    # Days ---------------------------------------------------------------------

    def _days(self, day: date) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Day-window bits and shifts (seconds) of the day before, the day and the day after."""
        cached = self._day_cache.get(day)
        if cached is not None:
            return cached
        bits = np.full(3, -1, dtype=np.int64)
        shifts = np.zeros(3, dtype=np.int64)
        for i, offset in enumerate((-1, 0, 1)):
            index = (day - self.timetable.day0).days + offset
            if 0 <= index < self.timetable.day_count:
                bits[i] = index
            shifts[i] = day_shift_seconds(day, offset, self.zone)
        bits.flags.writeable = False
        shifts.flags.writeable = False
        self._day_cache[day] = (bits, shifts)
        return bits, shifts

    def service_day_of(self, moment: datetime) -> tuple[date, int]:
        """The service day a query at ``moment`` counts from, and seconds since its reference."""
        day = moment.astimezone(self.zone).date()
        return day, seconds_since_reference(moment, day, self.zone)

    # Core ---------------------------------------------------------------------

    def _profile(self, options: TransitOptions) -> str:
        return "wheelchair" if options.wheelchair else "walk"

    def route_from_stops(
        self,
        day: date,
        sources: dict[int, int],
        targets: dict[int, int],
        *,
        options: TransitOptions,
        direct_arrival: int | None = None,
    ) -> tuple[list[tuple[int, int]], dict[str, NDArray[np.generic]]]:
        """Run RAPTOR from stops (seconds after ``day``'s reference) to stops (extra seconds).

        Returns the Pareto front ``[(trips, arrival)]`` (only improving rounds) and the
        raw labels for journey reconstruction.
        """
        labels = self.new_labels(options)
        front = self.run(day, sources, targets, options=options, labels=labels, direct_arrival=direct_arrival)
        return front, labels

    def new_labels(self, options: TransitOptions) -> dict[str, NDArray[np.generic]]:
        """Fresh label arrays for one query (or one range query)."""
        shape = (options.max_transfers + 2, len(self.timetable.stop_id))
        return {
            "arrival_trip": np.full(shape, INF, dtype=np.int32),
            "arrival_walk": np.full(shape, INF, dtype=np.int32),
            "trip_of": np.full(shape, -1, dtype=np.int32),
            "trip_day": np.zeros(shape, dtype=np.int8),
            "board_stop": np.full(shape, -1, dtype=np.int32),
            "board_time": np.zeros(shape, dtype=np.int32),
            "walk_from": np.full(shape, -1, dtype=np.int32),
            "best_trip": np.full(shape[1], INF, dtype=np.int32),
            "best_walk": np.full(shape[1], INF, dtype=np.int32),
        }

    def _change_seconds(self, transfers: _Transfers, slack: int) -> NDArray[np.int64]:
        key = (id(transfers), slack)
        cached = self._change_cache.get(key)
        if cached is None:
            cached = np.where(
                transfers.change_seconds == FORBIDDEN, FORBIDDEN, np.maximum(transfers.change_seconds, slack)
            )
            self._change_cache[key] = cached
        return cached

    def run(
        self,
        day: date,
        sources: dict[int, int],
        targets: dict[int, int],
        *,
        options: TransitOptions,
        labels: dict[str, NDArray[np.generic]],
        direct_arrival: int | None = None,
    ) -> list[tuple[int, int]]:
        """One RAPTOR run on ``labels`` (which later runs with earlier departures may reuse).

        Returns the Pareto front ``[(trips, arrival)]`` of this run (improving rounds only).
        """
        transfers = self._transfers[self._profile(options)]
        speed_factor = REFERENCE_WALK_KMH / options.walk_speed_kmh
        bits, shifts = self._days(day)
        network = labels.get("network", self._network)  # the network a range query started on
        labels["network"] = network
        labels["best_trip"].fill(INF)
        labels["best_walk"].fill(INF)
        labels["speed_factor"] = np.array([speed_factor])
        destination = raptor(
            *network.kernel_arrays(),
            network.stop_offsets,
            network.stop_patterns,
            network.stop_positions,
            self._accessible,
            self._change_seconds(transfers, options.change_slack_s),
            transfers.offsets,
            transfers.to_stop,
            transfers.seconds(speed_factor, options.change_slack_s, options.max_walk_s),
            transfers.floor(speed_factor, options.change_slack_s, options.max_walk_s),
            bits,
            shifts,
            np.fromiter(sources, dtype=np.int64, count=len(sources)),
            np.fromiter(sources.values(), dtype=np.int64, count=len(sources)),
            np.fromiter(targets, dtype=np.int64, count=len(targets)),
            np.fromiter(targets.values(), dtype=np.int64, count=len(targets)),
            INF if direct_arrival is None else direct_arrival,
            options.wheelchair,
            labels["arrival_trip"],
            labels["arrival_walk"],
            labels["trip_of"],
            labels["trip_day"],
            labels["board_stop"],
            labels["board_time"],
            labels["walk_from"],
            labels["best_trip"],
            labels["best_walk"],
        )
        front = []
        previous = INF if direct_arrival is None else direct_arrival + 1
        for trips, arrival in enumerate(destination.tolist()):
            if arrival < previous:
                front.append((trips, arrival))
                previous = arrival
        return front

    def _trip_leg(
        self,
        network: _Network,
        trip: int,
        day_offset: int,
        board: int,
        alight: int,
        board_time: int,
        alight_time: int,
        day: date,
    ) -> TransitLeg:
        timetable = self.timetable
        arrays = network.arrays
        pattern = int(np.searchsorted(arrays["pattern_trip_offsets"], trip, side="right") - 1)
        start, end = int(arrays["pattern_stop_offsets"][pattern]), int(arrays["pattern_stop_offsets"][pattern + 1])
        stops = arrays["pattern_stops"][start:end].tolist()
        board_at = stops.index(board)
        alight_at = stops.index(alight, board_at + 1)
        route = int(network.pattern_route[pattern])
        static_trip = int(network.trip_origin[trip])
        realtime = bool(network.realtime[trip])
        scheduled_board, scheduled_alight = board_time, alight_time
        added = network.added.get(trip)
        if added is not None:
            trip_id, headsign = added.trip_id, added.headsign
        else:
            trip_id, headsign = self._trip_text(static_trip)
        if realtime and added is None:
            _, base, _ = timetable.trip_layout(static_trip)
            shift = board_time - int(arrays["departure"][int(arrays["pattern_time_offsets"][pattern]) + board_at])
            scheduled_board = int(timetable.departure[base + board_at]) + shift
            scheduled_alight = int(timetable.arrival[base + alight_at]) + shift
        occupancy = network.overlay.occupancy.get(static_trip) if network.overlay and added is None else None
        if occupancy is None and network.overlay is not None and trip_id in network.overlay.vehicles:
            occupancy = network.overlay.vehicles[trip_id].occupancy
        short_name, long_name, agency, route_id = self._route_text(route)
        return TransitLeg(
            trip=static_trip,
            trip_id=trip_id,
            route_short_name=short_name,
            route_long_name=long_name,
            route_type=int(timetable.route_type[route]),
            agency=agency,
            headsign=headsign,
            from_stop=board,
            to_stop=alight,
            departure=moment_at(day, board_time, self.zone),
            arrival=moment_at(day, alight_time, self.zone),
            intermediate_stops=stops[board_at + 1 : alight_at],
            service_day=day + timedelta(days=day_offset - 1),
            realtime=realtime,
            scheduled_departure=moment_at(day, scheduled_board, self.zone),
            scheduled_arrival=moment_at(day, scheduled_alight, self.zone),
            occupancy=occupancy,
            route_id=route_id,
        )

    def _route_text(self, route: int) -> tuple[str, str, str, str]:
        """Short name, long name, agency and id of ``route``, read from the string tables once."""
        texts = self._route_texts.get(route)
        if texts is None:
            timetable = self.timetable
            texts = (
                timetable.route_short_name[route],
                timetable.route_long_name[route],
                timetable.route_agency[route],
                timetable.route_id[route],
            )
            self._route_texts[route] = texts
        return texts

    def _trip_text(self, trip: int) -> tuple[str, str]:
        """Id and headsign of the static ``trip``, read from the string tables once."""
        texts = self._trip_texts.get(trip)
        if texts is None:
            texts = (self.timetable.trip_id[trip], self.timetable.trip_headsign[trip])
            self._trip_texts[trip] = texts
        return texts

    def rebuild(
        self,
        labels: dict[str, NDArray[np.int64]],
        trips: int,
        end_stop: int,
        end_kind: str,
        day: date,
        access: dict[int, tuple[int, float]],
    ) -> list[TransitLeg | WalkLeg]:
        """Follow the back-pointers from ``(trips, end_stop, end_kind)`` to an access stop."""
        legs: list[TransitLeg | WalkLeg] = []
        k, stop, kind = trips, end_stop, end_kind
        transfers = self._transfers["walk"]
        while True:
            if kind == "walk":
                origin = int(labels["walk_from"][k, stop])
                arrival = int(labels["arrival_walk"][k, stop])
                if origin < 0:
                    start_time, meters = access[stop]
                    if meters > 0 or arrival > start_time:
                        legs.append(
                            WalkLeg(
                                None,
                                stop,
                                moment_at(day, start_time, self.zone),
                                moment_at(day, arrival, self.zone),
                                meters,
                            )
                        )
                    break
                leaving = int(labels["arrival_trip"][k, origin])
                seconds, meters = self._footpath(transfers, origin, stop)
                walked = min(arrival, leaving + round(seconds * float(labels["speed_factor"][0])))
                legs.append(
                    WalkLeg(origin, stop, moment_at(day, leaving, self.zone), moment_at(day, walked, self.zone), meters)
                )
                stop, kind = origin, "trip"
                continue
            trip = int(labels["trip_of"][k, stop])
            board = int(labels["board_stop"][k, stop])
            board_time = int(labels["board_time"][k, stop])
            legs.append(
                self._trip_leg(
                    labels["network"],
                    trip,
                    int(labels["trip_day"][k, stop]),
                    board,
                    stop,
                    board_time,
                    int(labels["arrival_trip"][k, stop]),
                    day,
                )
            )
            k -= 1
            stop = board
            walk_ready = int(labels["arrival_walk"][k, stop])
            kind = "walk" if walk_ready <= board_time else "trip"
        legs.reverse()
        return legs

    @staticmethod
    def _footpath(transfers: _Transfers, origin: int, stop: int) -> tuple[float, float]:
        """Walking seconds (at the reference speed) and metres of the footpath ``origin`` -> ``stop``."""
        for j in range(int(transfers.offsets[origin]), int(transfers.offsets[origin + 1])):
            if int(transfers.to_stop[j]) == stop:
                return float(transfers.walk_seconds[j]), float(transfers.meters[j])
        return 0.0, 0.0

    def journeys_between_stops(
        self, departure: datetime, origins: list[int], destinations: list[int], *, options: TransitOptions | None = None
    ) -> list[Journey]:
        """Pareto journeys from stops to stops departing at ``departure`` (used by tests)."""
        options = options or TransitOptions()
        day, start = self.service_day_of(departure)
        front, labels = self.route_from_stops(
            day, dict.fromkeys(origins, start), dict.fromkeys(destinations, 0), options=options
        )
        access = {stop: (start, 0.0) for stop in origins}
        return [
            self._journey(labels, trips, arrival, day, start, {s: 0 for s in destinations}, access, None)
            for trips, arrival in front
            if trips > 0
        ]

    def _journey(
        self,
        labels: dict[str, NDArray[np.int64]],
        trips: int,
        arrival: int,
        day: date,
        start: int,
        targets: dict[int, int],
        access: dict[int, tuple[int, float]],
        egress: dict[int, float] | None,
    ) -> Journey:
        # A journey ends where a trip is left: no egress follows a footpath (one walk per end).
        end_stop, end_kind, best = -1, "trip", INF
        for stop, extra in targets.items():
            value = int(labels["arrival_trip"][trips, stop])
            if value < INF and value + extra == arrival and value + extra < best:
                end_stop, best = stop, value + extra
        if end_stop < 0:  # reached in an earlier round; the label sits there
            for k in range(trips, -1, -1):
                for stop, extra in targets.items():
                    value = int(labels["arrival_trip"][k, stop])
                    if value < INF and value + extra == arrival:
                        end_stop, trips = stop, k
                        break
                if end_stop >= 0:
                    break
        legs = self.rebuild(labels, trips, end_stop, end_kind, day, access)
        if egress is not None:
            stop_arrival = arrival - targets[end_stop]
            legs.append(
                WalkLeg(
                    end_stop,
                    None,
                    moment_at(day, stop_arrival, self.zone),
                    moment_at(day, arrival, self.zone),
                    egress[end_stop],
                )
            )
        rides = sum(isinstance(leg, TransitLeg) for leg in legs)
        walking = sum(elapsed_seconds(leg.departure, leg.arrival) for leg in legs if isinstance(leg, WalkLeg))
        return Journey(
            departure=legs[0].departure if legs else moment_at(day, start, self.zone),
            arrival=moment_at(day, arrival, self.zone),
            legs=legs,
            transfers=max(rides - 1, 0),
            walking_seconds=walking,
        )

    # Coordinates --------------------------------------------------------------

    def street(self, profile: str) -> StreetRouter:
        """The street router of ``profile`` on this region (one per profile, shared)."""
        if profile not in self._street_routers:
            if self.region is None:
                msg = "coordinate queries need a region with a street network"
                raise ValueError(msg)
            self._street_routers[profile] = StreetRouter(self.region.street, profile)
        return self._street_routers[profile]

    def stop_targets(self, profile: str) -> StreetTargets:
        """Every stop's places on the street network, as walk targets (built once per profile)."""
        with self._lock:
            cached = self._stop_target_cache.get(profile)
            if cached is None:
                footpaths = self.footpaths[profile]
                offsets = np.asarray(footpaths.stop_position_offsets)
                cached = StreetTargets(
                    target=np.repeat(np.arange(offsets.size - 1, dtype=np.int64), np.diff(offsets)),
                    edge=np.asarray(footpaths.position_edge).astype(np.int64),
                    offset_m=np.asarray(footpaths.position_offset_m).astype(np.float64),
                    count=offsets.size - 1,
                    connector_m=np.asarray(footpaths.connector_m).astype(np.float64),
                )
                self._stop_target_cache[profile] = cached
            return cached

    @staticmethod
    def _by_stop(walks: Walks) -> dict[int, tuple[float, float]]:
        return dict(
            zip(
                walks.target.tolist(),
                zip(walks.duration_s.tolist(), walks.distance_m.tolist(), strict=True),
                strict=True,
            )
        )

    def access_egress(
        self,
        origin: tuple[float, float] | Snap,
        destination: tuple[float, float] | Snap,
        departure: datetime,
        options: TransitOptions,
    ) -> AccessEgress:
        """Walks from the origin to every stop and from every stop to the destination, within budget.

        ``origin`` and ``destination`` are coordinates (snapped here) or snaps on the
        options' walking profile (the planner snaps once per point and profile). Every walk
        includes the connectors at both of its ends.

        Raises
        ------
        PointNotRoutable
            When a coordinate is off the walking network.
        """
        profile = self._profile(options)
        footpaths = self.footpaths.get(profile)
        router = self.street(profile)
        speeds = walking_speeds(options.walk_speed_kmh)
        origin_snap = origin if isinstance(origin, Snap) else router.snap(*origin)
        destination_snap = destination if isinstance(destination, Snap) else router.snap(*destination)
        day, start = self.service_day_of(departure)
        direct, direct_meters = None, 0.0
        straight = float(
            haversine_m(
                origin_snap.snapped_lat,
                origin_snap.snapped_lon,
                destination_snap.snapped_lat,
                destination_snap.snapped_lon,
            )
        )
        if straight / speeds.normal <= options.max_walk_s * 2:  # a walk can only be longer than the straight line
            try:
                walk = router.route(origin_snap, destination_snap, speeds=speeds)
                if walk.cost <= options.max_walk_s * 2:
                    direct, direct_meters = start + round(walk.duration_s), walk.distance_m
            except NoRoute:
                pass
        access: dict[int, tuple[float, float]] = {}
        egress: dict[int, tuple[float, float]] = {}
        if footpaths is not None:
            stops = self.stop_targets(profile)
            access = self._by_stop(router.walks(origin_snap, stops, speeds=speeds, budget_s=options.max_walk_s))
            egress = self._by_stop(
                router.walks(destination_snap, stops, speeds=speeds, budget_s=options.max_walk_s, reverse=True)
            )
        return AccessEgress(
            day=day,
            start=start,
            sources={stop: start + round(seconds) for stop, (seconds, _) in access.items()},
            targets={stop: round(seconds) for stop, (seconds, _) in egress.items()},
            access_meters={stop: meters for stop, (_, meters) in access.items()},
            egress_meters={stop: meters for stop, (_, meters) in egress.items()},
            direct_arrival=direct,
            direct_meters=direct_meters,
        )

    def earliest_arrival(
        self,
        origin: tuple[float, float],
        destination: tuple[float, float],
        departure: datetime,
        *,
        options: TransitOptions | None = None,
    ) -> datetime | None:
        """Only the earliest arrival (any number of trips up to the limit, or walking); None if unreachable."""
        options = options or TransitOptions()
        ends = self.access_egress(origin, destination, departure, options)
        front, _ = self.route_from_stops(
            ends.day, ends.sources, ends.targets, options=options, direct_arrival=ends.direct_arrival
        )
        # Round 0 "walks through" a stop that is both source and target; its two rounded walks can come out a second
        # shorter than the direct walk, which is the one walk-only answer (as in plan and pareto_plan).
        rides = [arrival for trips, arrival in front if trips > 0]
        best = min([*rides, INF if ends.direct_arrival is None else ends.direct_arrival])
        return moment_at(ends.day, best, self.zone) if best < INF else None

    def plan(
        self,
        origin: tuple[float, float],
        destination: tuple[float, float],
        departure: datetime,
        *,
        options: TransitOptions | None = None,
    ) -> list[Journey]:
        """Pareto journeys (arrival versus transfers) between two coordinates.

        A walk-only journey is included when walking there is within twice the walking
        budget and no transit journey arrives earlier.

        Raises
        ------
        PointNotRoutable
            When a point is off the walking network.
        NoRoute
            When nothing (transit or walking) connects the points.
        """
        options = options or TransitOptions()
        ends = self.access_egress(origin, destination, departure, options)
        day, start, direct = ends.day, ends.start, ends.direct_arrival
        front, labels = self.route_from_stops(day, ends.sources, ends.targets, options=options, direct_arrival=direct)
        access = {stop: (start, meters) for stop, meters in ends.access_meters.items()}
        journeys = []
        for trips, arrival in front:
            if trips == 0 or arrival >= INF or (direct is not None and arrival >= direct):
                continue
            journeys.append(self._journey(labels, trips, arrival, day, start, ends.targets, access, ends.egress_meters))
        if direct is not None:
            walk_seconds = float(direct - start)
            journeys.insert(
                0,
                Journey(
                    departure=moment_at(day, start, self.zone),
                    arrival=moment_at(day, direct, self.zone),
                    legs=[
                        WalkLeg(
                            None,
                            None,
                            moment_at(day, start, self.zone),
                            moment_at(day, direct, self.zone),
                            ends.direct_meters,
                        )
                    ],
                    transfers=0,
                    walking_seconds=walk_seconds,
                ),
            )
        if not journeys:
            raise NoRoute("transit", "no trip connects the points within the walking limits")
        return journeys

    # Leaving as late as possible ---------------------------------------------------

    def leave_late(self, journey: Journey, options: TransitOptions | None = None) -> Journey:
        """``journey`` with the same connections, leaving the origin as late as they allow.

        A reverse pass over the rides, last to first: each ride is replaced by the latest
        trip from the same boarding stop to the same alighting stop that still makes the
        next (already moved) ride under the change rules of ``options`` (the last ride:
        one that arrives no later); the walks after a ride follow its arrival, and the
        access walk is moved to reach the first stop just in time for boarding. Arrival
        never gets later and every change keeps the time the search requires, so the
        journey stays feasible; its departure is the latest from the door for these
        connections (as range RAPTOR's reverse pass would find).
        """
        options = options or TransitOptions()
        rides = [i for i, leg in enumerate(journey.legs) if isinstance(leg, TransitLeg)]
        if not rides:
            return journey
        legs: list[TransitLeg | WalkLeg] = list(journey.legs)
        day, _ = self.service_day_of(journey.departure)
        following: TransitLeg | None = None  # the next ride, original and as replaced
        replaced: TransitLeg | None = None
        for i in reversed(rides):
            ride = legs[i]
            assert isinstance(ride, TransitLeg)
            if following is None or replaced is None:
                deadline = ride.arrival
            else:
                change = self._change_s(ride.to_stop, following.from_stop, options)
                gap = following.departure - ride.arrival if change is None else timedelta(seconds=change)
                deadline = replaced.departure - gap
            later = self._latest_ride(ride, deadline, day, wheelchair=options.wheelchair)
            following, replaced = ride, later or ride
            legs[i] = replaced
            shift = replaced.arrival - ride.arrival
            j = i + 1
            while j < len(legs) and isinstance(legs[j], WalkLeg):  # walks after the ride start on arrival
                walk = legs[j]
                assert isinstance(walk, WalkLeg)
                legs[j] = replace(walk, departure=walk.departure + shift, arrival=walk.arrival + shift)
                j += 1
        first = legs[rides[0]]
        assert isinstance(first, TransitLeg)
        for j in range(rides[0] - 1, -1, -1):  # walks before the first ride end at its departure
            walk = legs[j]
            assert isinstance(walk, WalkLeg)
            end = first.departure if j == rides[0] - 1 else legs[j + 1].departure
            legs[j] = replace(walk, departure=end - (walk.arrival - walk.departure), arrival=end)
        walking = sum(elapsed_seconds(leg.departure, leg.arrival) for leg in legs if isinstance(leg, WalkLeg))
        return replace(
            journey,
            departure=legs[0].departure,
            arrival=legs[-1].arrival,
            legs=legs,
            walking_seconds=walking,
        )

    def _change_s(self, alight: int, board: int, options: TransitOptions) -> int | None:
        """Seconds a change from ``alight`` to ``board`` needs under ``options`` (None: no rule allows it)."""
        change, offsets, to_stop, seconds = self.transfer_rules(options)
        if alight == board:
            return int(change[alight]) if change[alight] >= 0 else None
        for j in range(int(offsets[alight]), int(offsets[alight + 1])):
            if int(to_stop[j]) == board:
                return int(seconds[j]) if seconds[j] < INF else None
        return None

    def _latest_ride(self, ride: TransitLeg, deadline: datetime, day: date, *, wheelchair: bool) -> TransitLeg | None:
        """The trip leaving ``ride.from_stop`` latest (after ``ride``) that reaches ``ride.to_stop`` by ``deadline``."""
        network = self._network
        arrays = network.arrays
        bits, shifts = self._days(day)
        leave, reach, trip, d = latest_ride(  # the compiled scan (no Python in the loop over trips)
            network.stop_offsets,
            network.stop_patterns,
            network.stop_positions,
            arrays["pattern_stop_offsets"],
            arrays["pattern_stops"],
            arrays["pattern_flags"],
            arrays["pattern_trip_offsets"],
            arrays["pattern_time_offsets"],
            arrays["departure"],
            arrays["arrival"],
            arrays["trip_days"],
            arrays["trip_wheelchair"],
            bits,
            shifts,
            ride.from_stop,
            ride.to_stop,
            seconds_since_reference(ride.departure, day, self.zone),
            seconds_since_reference(deadline, day, self.zone),
            wheelchair,
        )
        if trip < 0:
            return None
        board = ride.from_stop
        return self._trip_leg(network, trip, d, board, ride.to_stop, leave, reach, day)

    # Departure windows and arrive-by -------------------------------------------

    def boardings(self, stop: int, day: date, *, wheelchair: bool = False) -> Iterator[Boardings]:
        """The runs that take passengers on at ``stop`` on the day before, of and after ``day``.

        One :class:`Boardings` per pattern through the stop and service day in the window,
        with running trips only (and wheelchair-accessible ones with ``wheelchair``).
        """
        network = self._network
        arrays = network.arrays
        bits, shifts = self._days(day)
        stop_offsets, trip_offsets = arrays["pattern_stop_offsets"], arrays["pattern_trip_offsets"]
        for j in range(int(network.stop_offsets[stop]), int(network.stop_offsets[stop + 1])):
            pattern, position = int(network.stop_patterns[j]), int(network.stop_positions[j])
            if not arrays["pattern_flags"][stop_offsets[pattern] + position] & 1:
                continue
            n = int(stop_offsets[pattern + 1] - stop_offsets[pattern])
            first, last = int(trip_offsets[pattern]), int(trip_offsets[pattern + 1])
            base = int(arrays["pattern_time_offsets"][pattern]) + position
            times = arrays["departure"][base : base + (last - first) * n : n].astype(np.int64)
            trips = np.arange(first, last, dtype=np.int64)
            for d in range(3):
                if bits[d] < 0:
                    continue
                running = (arrays["trip_days"][first:last] >> np.uint32(bits[d])) & 1 == 1
                if wheelchair:
                    running &= arrays["trip_wheelchair"][first:last] == 1
                yield Boardings(
                    position=position, stop_count=n, day_index=d, trips=trips[running], times=times[running] + shifts[d]
                )

    def _departure_candidates(
        self, day: date, ends: AccessEgress, start: int, end: int, options: TransitOptions
    ) -> list[int]:
        """Every origin departure time in [start, end] that catches some trip at an access stop."""
        candidates: set[int] = set()
        for stop, arrival in ends.sources.items():
            walk = arrival - ends.start
            for run in self.boardings(stop, day, wheelchair=options.wheelchair):
                leave = run.times - walk
                candidates.update(leave[(leave >= start) & (leave <= end)].tolist())
        return sorted(candidates, reverse=True)

    def range_plan(
        self,
        origin: tuple[float, float],
        destination: tuple[float, float],
        earliest: datetime,
        latest: datetime,
        *,
        options: TransitOptions | None = None,
    ) -> list[Journey]:
        """Every Pareto-optimal journey leaving between ``earliest`` and ``latest``.

        Pareto over departure (later is better), arrival (earlier is better) and number of
        trips: range RAPTOR, one run per departure that catches a trip, from the latest
        to the earliest, keeping labels between runs.
        """
        options = options or TransitOptions()
        if latest < earliest:
            msg = "the window ends before it starts"
            raise ValueError(msg)
        return self.range_from_ends(
            self.access_egress(origin, destination, earliest, options), earliest, latest, options
        )

    def range_from_ends(
        self, ends: AccessEgress, earliest: datetime, latest: datetime, options: TransitOptions
    ) -> list[Journey]:
        """Range RAPTOR from prepared street ends (``ends.start`` is ``earliest``); see :meth:`range_plan`."""
        day = ends.day
        start = ends.start
        end = start + round(elapsed_seconds(earliest, latest))
        labels = self.new_labels(options)
        best_by_trips = np.full(options.max_transfers + 2, INF, dtype=np.int64)
        journeys: list[Journey] = []
        access = {stop: arrival - ends.start for stop, arrival in ends.sources.items()}
        for leave in self._departure_candidates(day, ends, start, end, options):
            sources = {stop: leave + walk for stop, walk in access.items()}
            front = self.run(day, sources, ends.targets, options=options, labels=labels)
            for trips, arrival in front:
                if trips == 0 or arrival >= best_by_trips[trips]:
                    continue
                if ends.direct_arrival is not None and arrival - leave >= ends.direct_arrival - ends.start:
                    continue  # walking the whole way is as fast
                best_by_trips[trips:] = np.minimum(best_by_trips[trips:], arrival)
                access_legs = {stop: (leave, ends.access_meters[stop]) for stop in sources}
                journey = self._journey(
                    labels, trips, arrival, day, leave, ends.targets, access_legs, ends.egress_meters
                )
                journeys.append(journey)
        journeys.sort(key=lambda j: (j.departure, j.arrival, j.transfers))
        return journeys

    def arrive_by(
        self,
        origin: tuple[float, float],
        destination: tuple[float, float],
        arrival: datetime,
        *,
        options: TransitOptions | None = None,
        window: timedelta = timedelta(hours=3),
    ) -> list[Journey]:
        """Journeys arriving by ``arrival`` that leave as late as possible (Pareto with trips).

        Searches the ``window`` before ``arrival`` (then three times as far once).

        Raises
        ------
        NoRoute
            When nothing arrives in time.
        """
        options = options or TransitOptions()
        return self.arrive_by_from(
            lambda earliest: self.access_egress(origin, destination, earliest, options), arrival, options, window=window
        )

    def arrive_by_from(
        self,
        ends_at: Callable[[datetime], AccessEgress],
        arrival: datetime,
        options: TransitOptions,
        *,
        window: timedelta = timedelta(hours=3),
    ) -> list[Journey]:
        """:meth:`arrive_by` with street ends made by ``ends_at(earliest departure)`` (feeder rides, say).

        Raises
        ------
        NoRoute
            When nothing arrives in time.
        """
        for span in (window, window * 3):
            earliest = arrival - span
            found = [
                j for j in self.range_from_ends(ends_at(earliest), earliest, arrival, options) if j.arrival <= arrival
            ]
            pareto = []
            for journey in sorted(found, key=lambda j: (-j.departure.timestamp(), j.transfers)):
                if all(journey.transfers < kept.transfers for kept in pareto):
                    pareto.append(journey)
            if pareto:
                return sorted(pareto, key=lambda j: j.transfers)
        raise NoRoute("transit", f"nothing arrives by {arrival:%Y-%m-%d %H:%M}")

    # Multi-criteria ---------------------------------------------------------------

    def pareto_plan(
        self,
        origin: tuple[float, float],
        destination: tuple[float, float],
        departure: datetime,
        *,
        options: TransitOptions | None = None,
    ) -> list[Journey]:
        """Journeys Pareto-optimal in arrival, walking time and transfers (McRAPTOR).

        With ``options.extra_criterion`` (for example a price), that value is a fourth
        criterion of the final Pareto filter.

        Raises
        ------
        NoRoute
            When nothing connects the points.
        """
        options = options or TransitOptions()
        return self.pareto_from_ends(self.access_egress(origin, destination, departure, options), options)

    def _pattern_prices(self, network: _Network, options: TransitOptions) -> NDArray[np.int32]:
        prices = np.zeros(network.pattern_route.size, dtype=np.int32)
        if options.ride_price_cents:
            route_ids = self.timetable.route_id.to_list()
            per_route = np.array([options.ride_price_cents.get(route_id, 0) for route_id in route_ids], dtype=np.int32)
            prices = per_route[network.pattern_route]
        return prices

    def pareto_between_stops(
        self,
        departure: datetime,
        origins: dict[int, int],
        destinations: dict[int, int],
        *,
        options: TransitOptions | None = None,
    ) -> list[Journey]:
        """McRAPTOR between stops, each with the walking seconds to reach it / to go on from it."""
        options = options or TransitOptions()
        day, start = self.service_day_of(departure)
        ends = AccessEgress(
            day=day,
            start=start,
            sources={stop: start + walk for stop, walk in origins.items()},
            targets=dict(destinations),
            access_meters=dict.fromkeys(origins, 0.0),
            egress_meters=dict.fromkeys(destinations, 0.0),
            direct_arrival=None,
            direct_meters=0.0,
        )
        return self.pareto_from_ends(ends, options)

    def pareto_from_ends(self, ends: AccessEgress, options: TransitOptions) -> list[Journey]:
        """McRAPTOR from prepared street ends (access may be more than a walk: see ``source_walk``)."""
        transfers = self._transfers[self._profile(options)]
        speed_factor = REFERENCE_WALK_KMH / options.walk_speed_kmh
        bits, shifts = self._days(ends.day)
        network = self._network
        walk_parts = np.ceil(transfers.walk_seconds * speed_factor).astype(np.int64)
        sources = np.fromiter(ends.sources, dtype=np.int64, count=len(ends.sources))
        times = np.fromiter(ends.sources.values(), dtype=np.int64, count=len(ends.sources))
        source_walk = np.fromiter(
            (ends.access_walk_s(stop) for stop in ends.sources), dtype=np.int64, count=len(ends.sources)
        )
        targets = np.fromiter(ends.targets, dtype=np.int64, count=len(ends.targets))
        extra = np.fromiter(ends.targets.values(), dtype=np.int64, count=len(ends.targets))
        target_walk = np.fromiter(
            (ends.egress_walk_s(stop) for stop in ends.targets), dtype=np.int64, count=len(ends.targets)
        )
        trip_labels, trip_counts, walk_labels, walk_counts, found, count, overflow = mc_raptor(
            *network.kernel_arrays(),
            network.stop_offsets,
            network.stop_patterns,
            network.stop_positions,
            self._accessible,
            self._change_seconds(transfers, options.change_slack_s),
            transfers.offsets,
            transfers.to_stop,
            transfers.seconds(speed_factor, options.change_slack_s, options.max_walk_s),
            walk_parts,
            self._pattern_prices(network, options),
            bits,
            shifts,
            sources,
            times,
            source_walk,
            targets,
            extra,
            target_walk,
            options.max_transfers + 2,
            options.wheelchair,
        )
        if overflow:
            logger.info(
                "multi-criteria bags overflowed; some Pareto points may be missing", extra={"overflow": overflow}
            )
        labels = _Bags(trip_labels, trip_counts, walk_labels, walk_counts, network)
        journeys = []
        for arrival, walk, price, trips, kind, stop in found[:count].tolist():
            legs = self._rebuild_from_bags(
                labels,
                trips,
                "trip" if kind == 1 else "walk",
                stop,
                arrival - ends.targets[stop],
                walk - ends.egress_walk_s(stop),
                price,
                ends,
                transfers,
            )
            if legs is None:
                logger.warning("a multi-criteria journey could not be rebuilt and is left out", extra={"stop": stop})
                continue
            legs.append(
                WalkLeg(
                    stop,
                    None,
                    moment_at(ends.day, arrival - ends.targets[stop], self.zone),
                    moment_at(ends.day, arrival, self.zone),
                    ends.egress_meters[stop],
                )
            )
            rides = sum(isinstance(leg, TransitLeg) for leg in legs)
            journeys.append(
                Journey(
                    departure=moment_at(ends.day, ends.start, self.zone),
                    arrival=moment_at(ends.day, arrival, self.zone),
                    legs=legs,
                    transfers=max(rides - 1, 0),
                    walking_seconds=float(walk),
                    price_cents=int(price) if options.ride_price_cents is not None else None,
                )
            )
        if ends.direct_arrival is not None:
            leave, reach = (
                moment_at(ends.day, ends.start, self.zone),
                moment_at(ends.day, ends.direct_arrival, self.zone),
            )
            journeys.append(
                Journey(
                    departure=leave,
                    arrival=reach,
                    legs=[WalkLeg(None, None, leave, reach, ends.direct_meters)],
                    transfers=0,
                    walking_seconds=float(ends.direct_arrival - ends.start),
                )
            )
        journeys = pareto_filter(journeys, options.extra_criterion)
        if not journeys:
            raise NoRoute("transit", "no trip connects the points within the walking limits")
        return sorted(journeys, key=lambda j: (j.arrival, j.transfers, j.walking_seconds))

    def _rebuild_from_bags(
        self,
        bags: _Bags,
        k: int,
        kind: str,
        stop: int,
        arrival: int,
        walk: int,
        price: int,
        ends: AccessEgress,
        transfers: _Transfers,
    ) -> list[TransitLeg | WalkLeg] | None:
        """Follow a destination label's back-pointers through the bags to the access walk (None: lost)."""
        day = ends.day
        legs: list[TransitLeg | WalkLeg] = []
        index = next(
            (
                i
                for i in range(int((bags.trip_counts if kind == "trip" else bags.walk_counts)[k, stop]))
                if int((bags.trip_labels if kind == "trip" else bags.walk_labels)[k, stop, i, 0]) == arrival
                and int((bags.trip_labels if kind == "trip" else bags.walk_labels)[k, stop, i, 1]) == walk
                and int((bags.trip_labels if kind == "trip" else bags.walk_labels)[k, stop, i, 2]) == price
            ),
            -1,
        )
        if index < 0:
            return None
        while True:
            if kind == "walk":
                row = bags.walk_labels[k, stop, index]
                origin = int(row[3])
                if origin < 0:
                    if int(row[0]) > ends.start:
                        legs.append(
                            WalkLeg(
                                None,
                                stop,
                                moment_at(day, ends.start, self.zone),
                                moment_at(day, int(row[0]), self.zone),
                                ends.access_meters.get(stop, 0.0),
                            )
                        )
                    break
                parent = bags.trip_labels[k, origin, int(row[4])]
                walked = int(parent[0]) + int(row[1]) - int(parent[1])
                legs.append(
                    WalkLeg(
                        origin,
                        stop,
                        moment_at(day, int(parent[0]), self.zone),
                        moment_at(day, walked, self.zone),
                        self._footpath(transfers, origin, stop)[1],  # the query's profile (wheelchair too)
                    )
                )
                stop, kind, index = origin, "trip", int(row[4])
                continue
            row = bags.trip_labels[k, stop, index]
            trip, trip_day, board, board_time = int(row[3]), int(row[4]), int(row[5]), int(row[6])
            legs.append(self._trip_leg(bags.network, trip, trip_day, board, stop, board_time, int(row[0]), day))
            k -= 1
            stop, kind, index = board, ("walk" if int(row[7]) == 0 else "trip"), int(row[8])
        legs.reverse()
        return legs


@dataclass(frozen=True)
class _Bags:
    trip_labels: NDArray[np.int32]
    trip_counts: NDArray[np.int32]
    walk_labels: NDArray[np.int32]
    walk_counts: NDArray[np.int32]
    network: _Network


def pareto_filter(journeys: list[Journey], extra: Callable[[Journey], float] | None = None) -> list[Journey]:
    """Keep the journeys no other journey beats in arrival, walking, transfers (and ``extra``)."""

    def key(journey: Journey) -> tuple[float, ...]:
        values = (
            journey.arrival.timestamp(),
            journey.walking_seconds,
            float(journey.transfers),
            float(journey.price_cents or 0),
        )
        return (*values, extra(journey)) if extra else values

    kept: dict[tuple[float, ...], Journey] = {}
    for journey in non_dominated(journeys, key):
        kept.setdefault(key(journey), journey)  # an identical journey is kept once
    return list(kept.values())
