"""Seeded random timetables on the tiny stops (:mod:`tests.routing.tiny_transit`), for exactness checks."""

from __future__ import annotations

import numpy as np

STOPS = "ABCDEF"
TRANSFERS = (
    "from_stop_id,to_stop_id,transfer_type,min_transfer_time\n"
    "A,B,2,240\nB,A,2,240\nC,D,2,180\nD,C,2,180\nE,F,2,300\nF,E,2,300\nB,B,2,120\nE,E,3,\n"
)
"""Footpaths A-B, C-D, E-F (their minimum times), a change time at B, no change at E."""


def random_trips(rng: np.random.Generator, routes: int, trips_per_route: int, *, first_hour: int = 7) -> str:
    """Trip lines for :func:`tests.routing.tiny_transit.tiny_router`: random stop sequences, headways, ride times."""
    lines = []
    for route in range(routes):
        stops = rng.choice(list(STOPS), size=int(rng.integers(2, 6)), replace=False)
        rides = rng.integers(2, 15, size=stops.size - 1)
        first = first_hour * 60 + int(rng.integers(0, 40))
        headway = int(rng.integers(5, 25))
        for trip in range(trips_per_route):
            minute = first + trip * headway + int(rng.integers(0, 3))
            calls = []
            for i, stop in enumerate(stops):
                calls.append(f"{stop} {minute // 60:02d}:{minute % 60:02d}")
                if i < rides.size:
                    minute += int(rides[i])
            lines.append(f"r{route}t{trip} {route} WD: " + ", ".join(calls))
    return "\n".join(lines)
