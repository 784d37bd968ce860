"""Finding stops: by distance from a point."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from routing.geo import haversine_m
from routing.transit.timetable import Timetable

BOARDABLE = 0


@dataclass(frozen=True)
class NearbyStop:
    """A boardable stop and its straight-line distance from the query point."""

    index: int
    distance_m: float


def stops_near(timetable: Timetable, lat: float, lon: float, *, radius_m: float, limit: int) -> list[NearbyStop]:
    """Return boardable stops within ``radius_m`` of a point, nearest first, at most ``limit``."""
    distance = haversine_m(lat, lon, timetable.stop_lat, timetable.stop_lon)
    boardable = np.asarray(timetable.stop_location_type) == BOARDABLE
    candidates = np.flatnonzero(boardable & (distance <= radius_m))
    order = candidates[np.argsort(distance[candidates], kind="stable")][:limit]
    return [NearbyStop(index=int(i), distance_m=float(distance[i])) for i in order]
