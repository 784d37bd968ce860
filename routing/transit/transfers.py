"""Transfer rules of a region per street profile: street footpaths merged with ``transfers.txt``.

A change at one stop needs the stop's change time (``transfers.txt`` type 2 to itself, at
least the query's slack; type 3 forbids it: :data:`FORBIDDEN`); a footpath between two
stops is walked on the street graph and takes at least its declared minimum. Station-level
rules apply to every platform of the station.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from routing.transit._raptor import INF
from routing.transit.bounds import ReverseGraph, reverse_footpaths
from routing.transit.footpaths import Footpaths
from routing.transit.options import TransitOptions
from routing.transit.timetable import Timetable
from routing.transit.transfer_pairs import transfer_pairs

FORBIDDEN = -1
"""Change time of a stop where changing is forbidden (``transfers.txt`` type 3)."""


@dataclass
class Transfers:
    """Transfer rules of a region for one street profile (footpath CSR from every stop)."""

    change_seconds: NDArray[np.int64]
    offsets: NDArray[np.int64]
    to_stop: NDArray[np.int32]
    walk_seconds: NDArray[np.float64]
    meters: NDArray[np.float64]
    min_seconds: NDArray[np.int64]
    forbidden: NDArray[np.bool_]
    _cache: dict[tuple[float, int, float], NDArray[np.int64]] = field(default_factory=dict)
    _floor_cache: dict[tuple[float, int, float], NDArray[np.int64]] = field(default_factory=dict)
    _change_cache: dict[int, NDArray[np.int64]] = field(default_factory=dict)
    _reverse: list[ReverseGraph] = field(default_factory=list)

    def reversed(self) -> ReverseGraph:
        """The footpaths by the stop they lead to (for lower bounds, :mod:`routing.transit.bounds`)."""
        if not self._reverse:
            self._reverse.append(reverse_footpaths(self.offsets, self.to_stop))
        return self._reverse[0]

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

    def change(self, slack: int) -> NDArray[np.int64]:
        """Change time per stop with a change slack of ``slack`` seconds (FORBIDDEN where no change is allowed)."""
        cached = self._change_cache.get(slack)
        if cached is None:
            cached = np.where(
                self.change_seconds == FORBIDDEN, FORBIDDEN, np.maximum(self.change_seconds, slack)
            ).astype(np.int64)
            self._change_cache[slack] = cached
        return cached

    def query_seconds(self, options: TransitOptions) -> NDArray[np.int64]:
        """Transfer durations of a query with ``options`` (its speed, slack and walking bound)."""
        return self.seconds(options.speed_factor, options.change_slack_s, options.max_walk_s)

    def footpath(self, origin: int, stop: int) -> tuple[float, float]:
        """Walking seconds (at the reference speed) and metres of the footpath ``origin`` -> ``stop`` (0, 0: none)."""
        for j in range(int(self.offsets[origin]), int(self.offsets[origin + 1])):
            if int(self.to_stop[j]) == stop:
                return float(self.walk_seconds[j]), float(self.meters[j])
        return 0.0, 0.0

    def change_s(self, alight: int, board: int, options: TransitOptions) -> int | None:
        """Seconds a change from ``alight`` to ``board`` needs under ``options`` (None: no rule allows it)."""
        if alight == board:
            change = self.change(options.change_slack_s)
            return int(change[alight]) if change[alight] >= 0 else None
        seconds = self.query_seconds(options)
        for j in range(int(self.offsets[alight]), int(self.offsets[alight + 1])):
            if int(self.to_stop[j]) == board:
                return int(seconds[j]) if seconds[j] < INF else None
        return None


def _children(timetable: Timetable) -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for stop, parent in enumerate(np.asarray(timetable.stop_parent).tolist()):
        if parent >= 0:
            children.setdefault(parent, []).append(stop)
    return children


def _pair_rules(timetable: Timetable) -> dict[tuple[int, int], int]:
    """``transfers.txt`` per stop pair, station rules expanded to their platforms (FORBIDDEN, or a minimum)."""
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


def build_transfers(timetable: Timetable, footpaths: Footpaths | None) -> Transfers:
    """Merge the street footpaths with transfers.txt; platform rules from their station; see :func:`transfer_pairs`."""
    stop_count = len(timetable.stop_id)
    pair_rules = _pair_rules(timetable)
    change = np.zeros(stop_count, dtype=np.int64)
    for (x, y), rule in pair_rules.items():
        if x == y:
            change[x] = FORBIDDEN if rule == FORBIDDEN else max(change[x], rule)
    pairs = transfer_pairs(stop_count, pair_rules, footpaths, forbidden=FORBIDDEN)
    return Transfers(
        change_seconds=change,
        offsets=pairs.offsets,
        to_stop=pairs.to_stop,
        walk_seconds=pairs.walk_seconds,
        meters=pairs.meters,
        min_seconds=pairs.min_seconds,
        forbidden=pairs.forbidden,
    )
