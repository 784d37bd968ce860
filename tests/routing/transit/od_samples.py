"""Seeded origin/destination queries near stops of a region, for cross-checks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from routing.region.region import Region


def od_queries(
    region: Region, seed: int, *, first_hour: int = 4, hours: int = 19, days: int = 3
) -> Iterator[tuple[tuple[float, float], tuple[float, float], datetime]]:
    """Endless (origin, destination, departure) triples around stops that have street positions."""
    rng = np.random.default_rng(seed)
    zone = ZoneInfo(region.manifest.timezone)
    day0 = region.manifest.valid_from
    assert day0 is not None
    stops = np.flatnonzero(np.diff(np.asarray(region.footpaths["walk"].stop_position_offsets)) > 0)
    lat, lon = np.asarray(region.timetable.stop_lat), np.asarray(region.timetable.stop_lon)
    while True:
        a, b = rng.choice(stops, 2, replace=False)
        origin = (float(lat[a]) + rng.normal(0, 0.003), float(lon[a]) + rng.normal(0, 0.003))
        destination = (float(lat[b]) + rng.normal(0, 0.003), float(lon[b]) + rng.normal(0, 0.003))
        departure = datetime(day0.year, day0.month, day0.day, tzinfo=zone) + timedelta(
            days=int(rng.integers(0, days)), seconds=int(rng.integers(first_hour * 3600, (first_hour + hours) * 3600))
        )
        yield origin, destination, departure
