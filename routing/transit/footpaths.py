"""Where stops meet the street network: stop snapping and stop-to-stop footpaths.

Computed at region build for the ``walk`` and ``wheelchair`` profiles on the street
graph (not straight lines). Per profile, below ``transit/footpaths/<profile>/``:

    stop_position_offsets int64 [S+1]  positions of stop s: [o[s], o[s+1])
    position_edge         int32        edge of the street profile the stop lies on
    position_offset_m     float32      metres from that edge's tail
    offsets               int64 [S+1]  footpaths from stop s: [o[s], o[s+1])
    to_stop               int32        destination stop
    seconds               float32      walking time at the reference speed (4.8 km/h)
    meters                float32      walked length

Times scale linearly with the walking speed a query asks for (steps and all).
A stop farther than :data:`MAX_STOP_SNAP_M` from a usable street has no positions (it is
reachable only by transit); it still transfers to itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from routing.errors import PointNotRoutable
from routing.street.compile import StreetNetwork
from routing.street.router import Snap, StreetRouter, walking_speeds
from routing.transit.timetable import TRANSIT_DIR, Timetable

REFERENCE_WALK_KMH = 4.8
MAX_STOP_SNAP_M = 150.0
FOOTPATH_BUDGET_S = 600.0
"""Footpaths between stops up to 10 minutes apart at the reference speed (~800 m)."""
FOOTPATH_PROFILES = ("walk", "wheelchair")
_ARRAYS = ("stop_position_offsets", "position_edge", "position_offset_m", "offsets", "to_stop", "seconds", "meters")


@dataclass(frozen=True)
class Footpaths:
    """Stop positions on one street profile and the footpaths between stops."""

    profile: str
    stop_position_offsets: NDArray[np.int64]
    position_edge: NDArray[np.int32]
    position_offset_m: NDArray[np.float32]
    offsets: NDArray[np.int64]
    to_stop: NDArray[np.int32]
    seconds: NDArray[np.float32]
    meters: NDArray[np.float32]

    def snap_of(self, stop: int) -> list[tuple[int, float]]:
        """The (edge, offset) positions of ``stop`` on the street profile."""
        start, end = int(self.stop_position_offsets[stop]), int(self.stop_position_offsets[stop + 1])
        return [(int(self.position_edge[k]), float(self.position_offset_m[k])) for k in range(start, end)]


def compute_footpaths(timetable: Timetable, street: StreetNetwork, profile: str) -> Footpaths:
    """Snap every boardable stop to ``profile``'s graph and walk between nearby stops."""
    router = StreetRouter(street, profile)
    speeds = walking_speeds(REFERENCE_WALK_KMH)
    stop_count = len(timetable.stop_id)
    boardable = np.asarray(timetable.stop_location_type) == 0
    snaps: dict[int, Snap] = {}
    for stop in np.flatnonzero(boardable).tolist():
        try:
            snaps[stop] = router.snap(
                float(timetable.stop_lat[stop]), float(timetable.stop_lon[stop]), max_distance_m=MAX_STOP_SNAP_M
            )
        except PointNotRoutable:
            continue
    position_counts = np.zeros(stop_count, dtype=np.int64)
    position_edge, position_offset = [], []
    for stop in range(stop_count):
        snap = snaps.get(stop)
        if snap is not None:
            position_counts[stop] = len(snap.positions)
            position_edge.extend(p.edge for p in snap.positions)
            position_offset.extend(p.offset_m for p in snap.positions)
    stop_position_offsets = np.zeros(stop_count + 1, dtype=np.int64)
    np.cumsum(position_counts, out=stop_position_offsets[1:])

    # Reverse index: for each street node, the stops reachable by walking onto one of
    # their edges from that node (tail of the edge), with the extra partial-edge walk.
    tails = router.graph.tails()
    factor = np.asarray(router.graph.cost_factor, dtype=np.float64)
    speed_array = speeds.as_array()
    klass = np.asarray(router.graph.speed_class)
    entry_node, entry_stop, entry_cost, entry_time, entry_length = [], [], [], [], []
    for stop, snap in snaps.items():
        for position in snap.positions:
            speed = speed_array[klass[position.edge]]
            entry_node.append(int(tails[position.edge]))
            entry_stop.append(stop)
            entry_cost.append(position.offset_m * factor[position.edge] / speed)
            entry_time.append(position.offset_m / speed)
            entry_length.append(position.offset_m)
    entry_node_array = np.array(entry_node, dtype=np.int64)
    order = np.argsort(entry_node_array, kind="stable")
    entry_node_array = entry_node_array[order]
    entry_stop_array = np.array(entry_stop, dtype=np.int64)[order]
    entry_cost_array = np.array(entry_cost)[order]
    entry_time_array = np.array(entry_time)[order]
    entry_length_array = np.array(entry_length)[order]

    stops_on_edge: dict[int, list[tuple[int, float]]] = {}
    for stop, snap in snaps.items():
        for position in snap.positions:
            stops_on_edge.setdefault(position.edge, []).append((stop, position.offset_m))

    footpath_counts = np.zeros(stop_count, dtype=np.int64)
    to_stop, seconds, meters = [], [], []
    for stop in range(stop_count):
        snap = snaps.get(stop)
        if snap is None:
            continue
        found = router.reach(snap, speeds=speeds, budget_s=FOOTPATH_BUDGET_S)
        best: dict[int, tuple[float, float, float]] = {}
        if found.nodes.size and entry_node_array.size:
            lo = np.searchsorted(entry_node_array, found.nodes, side="left")
            hi = np.searchsorted(entry_node_array, found.nodes, side="right")
            for i in np.flatnonzero(hi > lo).tolist():
                for k in range(int(lo[i]), int(hi[i])):
                    cost = float(found.cost[i]) + float(entry_cost_array[k])
                    if cost > FOOTPATH_BUDGET_S:
                        continue
                    other = int(entry_stop_array[k])
                    if other not in best or cost < best[other][0]:
                        best[other] = (
                            cost,
                            float(found.duration_s[i]) + float(entry_time_array[k]),
                            float(found.distance_m[i]) + float(entry_length_array[k]),
                        )
        for start in snap.positions:  # stops further along the same edge: walk straight there
            speed = speed_array[klass[start.edge]]
            for other, offset in stops_on_edge.get(start.edge, []):
                stretch = offset - start.offset_m
                if stretch < 0:
                    continue
                cost = stretch * factor[start.edge] / speed
                if cost <= FOOTPATH_BUDGET_S and (other not in best or cost < best[other][0]):
                    best[other] = (cost, stretch / speed, stretch)
        for other, (_, walk_seconds, walk_meters) in sorted(best.items()):
            if other != stop:
                to_stop.append(other)
                seconds.append(walk_seconds)
                meters.append(walk_meters)
                footpath_counts[stop] += 1
    offsets = np.zeros(stop_count + 1, dtype=np.int64)
    np.cumsum(footpath_counts, out=offsets[1:])
    return Footpaths(
        profile=profile,
        stop_position_offsets=stop_position_offsets,
        position_edge=np.array(position_edge, dtype=np.int32),
        position_offset_m=np.array(position_offset, dtype=np.float32),
        offsets=offsets,
        to_stop=np.array(to_stop, dtype=np.int32),
        seconds=np.array(seconds, dtype=np.float32),
        meters=np.array(meters, dtype=np.float32),
    )


def save_footpaths(footpaths: Footpaths, region_dir: Path) -> None:
    """Write ``footpaths`` below ``region_dir/transit/footpaths/<profile>``."""
    folder = region_dir / TRANSIT_DIR / "footpaths" / footpaths.profile
    folder.mkdir(parents=True, exist_ok=True)
    for name in _ARRAYS:
        np.save(folder / f"{name}.npy", getattr(footpaths, name))


def load_footpaths(region_dir: Path) -> dict[str, Footpaths]:
    """Memory-map every profile's footpaths of a region."""
    base = region_dir / TRANSIT_DIR / "footpaths"
    result = {}
    for profile in FOOTPATH_PROFILES:
        folder = base / profile
        if folder.is_dir():
            arrays = {name: np.load(folder / f"{name}.npy", mmap_mode="r") for name in _ARRAYS}
            result[profile] = Footpaths(profile=profile, **arrays)
    return result
