"""Where stops meet the street network: stop snapping and stop-to-stop footpaths.

Computed at region build for the ``walk`` and ``wheelchair`` profiles on the street
graph (not straight lines). Per profile, below ``transit/footpaths/<profile>/``:

    stop_position_offsets int64 [S+1]  positions of stop s: [o[s], o[s+1])
    position_edge         int32        edge of the street profile the stop lies on
    position_offset_m     float32      metres from that edge's tail
    connector_m           float32 [S]  straight metres from the stop to its street position (0 without one)
    offsets               int64 [S+1]  footpaths from stop s: [o[s], o[s+1])
    to_stop               int32        destination stop
    seconds               float32      walking time at the reference speed (4.8 km/h)
    meters                float32      walked length

Footpaths include both stops' connectors. Times scale linearly with the walking speed a query asks for (steps and all).
A stop farther than :data:`MAX_STOP_SNAP_M` from a usable street has no positions (it is
reachable only by transit); it still transfers to itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

from routing.errors import PointNotRoutable
from routing.street.compile import StreetNetwork
from routing.street.router import Snap, StreetRouter, StreetTargets, walking_speeds
from routing.transit.timetable import TRANSIT_DIR, Timetable

_Number = TypeVar("_Number", np.int32, np.float32)

logger = logging.getLogger(__name__)

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
    connector_m: NDArray[np.float32] = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    """Per stop, its connector to the street (zeros for regions built before connectors were stored)."""

    def __post_init__(self) -> None:
        stops = self.stop_position_offsets.size - 1
        if self.connector_m.size != stops:
            object.__setattr__(self, "connector_m", np.zeros(stops, dtype=np.float32))


def compute_footpaths(timetable: Timetable, street: StreetNetwork, profile: str) -> Footpaths:
    """Snap every boardable stop to ``profile``'s graph and walk between nearby stops."""
    router = StreetRouter(street, profile)
    speeds = walking_speeds(REFERENCE_WALK_KMH)
    stop_count = len(timetable.stop_id)
    boardable = np.asarray(timetable.stop_location_type) == 0
    snaps: list[Snap | None] = [None] * stop_count
    for stop in np.flatnonzero(boardable).tolist():
        try:
            snaps[stop] = router.snap(
                float(timetable.stop_lat[stop]), float(timetable.stop_lon[stop]), max_distance_m=MAX_STOP_SNAP_M
            )
        except PointNotRoutable:
            continue
    targets = StreetTargets.of(snaps)
    stop_position_offsets = np.zeros(stop_count + 1, dtype=np.int64)
    np.cumsum(np.bincount(targets.target, minlength=stop_count), out=stop_position_offsets[1:])
    footpath_counts = np.zeros(stop_count, dtype=np.int64)
    to_stop, seconds, meters = [], [], []
    for stop, snap in enumerate(snaps):
        if snap is None:
            continue
        walks = router.walks(snap, targets, speeds=speeds, budget_s=FOOTPATH_BUDGET_S)
        others = walks.target != stop
        to_stop.append(walks.target[others])
        seconds.append(walks.duration_s[others])
        meters.append(walks.distance_m[others])
        footpath_counts[stop] = int(others.sum())
    offsets = np.zeros(stop_count + 1, dtype=np.int64)
    np.cumsum(footpath_counts, out=offsets[1:])

    def joined(parts: list[NDArray[np.generic]], dtype: type[_Number]) -> NDArray[_Number]:
        return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)

    return Footpaths(
        profile=profile,
        stop_position_offsets=stop_position_offsets,
        position_edge=targets.edge.astype(np.int32),
        position_offset_m=targets.offset_m.astype(np.float32),
        offsets=offsets,
        to_stop=joined(to_stop, np.int32),
        seconds=joined(seconds, np.float32),
        meters=joined(meters, np.float32),
        connector_m=targets.connector_m.astype(np.float32),
    )


def save_footpaths(footpaths: Footpaths, region_dir: Path) -> None:
    """Write ``footpaths`` below ``region_dir/transit/footpaths/<profile>``."""
    folder = region_dir / TRANSIT_DIR / "footpaths" / footpaths.profile
    folder.mkdir(parents=True, exist_ok=True)
    for name in (*_ARRAYS, "connector_m"):
        np.save(folder / f"{name}.npy", getattr(footpaths, name))


def load_footpaths(region_dir: Path) -> dict[str, Footpaths]:
    """Memory-map every profile's footpaths of a region."""
    base = region_dir / TRANSIT_DIR / "footpaths"
    result = {}
    for profile in FOOTPATH_PROFILES:
        folder = base / profile
        if folder.is_dir():
            arrays = {name: np.load(folder / f"{name}.npy", mmap_mode="r") for name in _ARRAYS}
            connectors = folder / "connector_m.npy"
            if connectors.is_file():
                arrays["connector_m"] = np.load(connectors, mmap_mode="r")
            else:
                logger.warning(
                    "region built without stop connectors; walks to stops leave them out until it is rebuilt",
                    extra={"folder": str(folder)},
                )
            result[profile] = Footpaths(profile=profile, **arrays)
    return result
