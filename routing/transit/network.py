"""The network RAPTOR runs on: the compiled timetable, or the timetable with a real-time overlay.

Updated runs become single-trip patterns appended after the static ones (so patterns stay
overtaking-free); the trip-days they replace, and cancelled ones, are masked. Nothing is
rebuilt: the overlay costs the updated trips, not the timetable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from routing.transit._raptor import KernelArrays
from routing.transit.bounds import ReverseGraph, ride_floors
from routing.transit.realtime import AddedTrip, RealtimeOverlay
from routing.transit.timetable import ALIGHT, BOARD, Timetable

_TIMETABLE_ARRAYS = (
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


def stop_pattern_index(
    pattern_stop_offsets: NDArray[np.int32], pattern_stops: NDArray[np.int32], stop_count: int
) -> tuple[NDArray[np.int64], NDArray[np.int32], NDArray[np.int32]]:
    """Per stop, the (pattern, position) pairs through it: CSR offsets, patterns, positions."""
    offsets = np.asarray(pattern_stop_offsets)
    stops = np.asarray(pattern_stops)
    counts = np.diff(offsets)
    patterns = np.repeat(np.arange(counts.size, dtype=np.int32), counts)
    positions = (np.arange(stops.size) - np.repeat(offsets[:-1], counts)).astype(np.int32)
    order = np.lexsort((positions, patterns, stops))
    stop_offsets = np.zeros(stop_count + 1, dtype=np.int64)
    np.cumsum(np.bincount(stops, minlength=stop_count), out=stop_offsets[1:])
    return stop_offsets, patterns[order], positions[order]


def accessible_stops(timetable: Timetable) -> NDArray[np.bool_]:
    """GTFS wheelchair_boarding; an unknown (0) platform inherits from its parent station."""
    own = np.asarray(timetable.stop_wheelchair)
    parent = np.asarray(timetable.stop_parent)
    inherited = np.where((own == 0) & (parent >= 0), own[np.maximum(parent, 0)], own)
    return np.asarray(inherited == 1)


def _bundle(arrays: Mapping[str, NDArray[np.generic]], stop_count: int, accessible: NDArray[np.bool_]) -> KernelArrays:
    index = stop_pattern_index(
        arrays["pattern_stop_offsets"],  # type: ignore[arg-type]
        arrays["pattern_stops"],  # type: ignore[arg-type]
        stop_count,
    )
    timetable_arrays = {name: arrays[name] for name in _TIMETABLE_ARRAYS}
    return KernelArrays(
        **timetable_arrays,  # type: ignore[arg-type]
        stop_pattern_offsets=index[0],
        stop_patterns=index[1],
        stop_pattern_positions=index[2],
        stop_accessible=accessible,
    )


@dataclass(frozen=True)
class Network:
    """The arrays queries run on (``kernel``, the bundle both kernels take) and what legs read back.

    ``trip_origin`` maps every trip index here to the timetable's trip (-1 for an added
    trip, whose own data is in ``added``); ``realtime`` marks the trips of the overlay.
    """

    kernel: KernelArrays
    pattern_route: NDArray[np.int32]
    trip_origin: NDArray[np.int64]
    realtime: NDArray[np.bool_]
    overlay: RealtimeOverlay | None
    added: Mapping[int, AddedTrip] = field(default_factory=dict)
    """Trips the schedule does not have (``trip_origin`` -1), by trip index here."""

    @cached_property
    def ride_floors(self) -> ReverseGraph:
        """The shortest ride of every pattern hop as a reverse graph (lower bounds, :mod:`routing.transit.bounds`)."""
        return ride_floors(self.kernel)

    def pattern_of(self, trip: int) -> int:
        """The pattern ``trip`` runs in."""
        return int(np.searchsorted(self.kernel.pattern_trip_offsets, trip, side="right") - 1)

    def pattern_stop_list(self, pattern: int) -> list[int]:
        """The stops of ``pattern`` in order."""
        offsets = self.kernel.pattern_stop_offsets
        return [int(stop) for stop in self.kernel.pattern_stops[int(offsets[pattern]) : int(offsets[pattern + 1])]]

    @classmethod
    def static(cls, timetable: Timetable, accessible: NDArray[np.bool_] | None = None) -> Network:
        """The timetable as compiled."""
        arrays = {name: np.asarray(getattr(timetable, name)).view(np.ndarray) for name in _TIMETABLE_ARRAYS}
        trips = len(timetable.trip_id)
        return cls(
            kernel=_bundle(
                arrays, len(timetable.stop_id), accessible_stops(timetable) if accessible is None else accessible
            ),
            pattern_route=np.asarray(timetable.pattern_route),
            trip_origin=np.arange(trips, dtype=np.int64),
            realtime=np.zeros(trips, dtype=np.bool_),
            overlay=None,
        )

    @classmethod
    def with_overlay(cls, timetable: Timetable, overlay: RealtimeOverlay, base: Network | None = None) -> Network:
        """The timetable with ``overlay`` applied (``base``: the static network, when already built)."""
        base = base or cls.static(timetable)
        a: dict[str, NDArray[np.generic]] = {name: np.array(getattr(base.kernel, name)) for name in _TIMETABLE_ARRAYS}
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
        accessible = base.kernel.stop_accessible
        stop_count = len(timetable.stop_id)
        if not origin:
            return cls(
                kernel=_bundle(a, stop_count, accessible),
                pattern_route=base.pattern_route,
                trip_origin=base.trip_origin,
                realtime=base.realtime,
                overlay=overlay,
            )
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
        return cls(
            kernel=_bundle(a, stop_count, accessible),
            pattern_route=np.concatenate([base.pattern_route, np.array(new_route, dtype=np.int32)]),
            trip_origin=np.concatenate([base.trip_origin, np.array(origin, dtype=np.int64)]),
            realtime=np.concatenate([base.realtime, np.ones(len(origin), dtype=np.bool_)]),
            overlay=overlay,
            added=added,
        )
