"""Turn-by-turn steps from a route's pieces grouped by street (one piece per edge or partial edge)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Coordinate = tuple[float, float]
"""(lon, lat) in degrees, GeoJSON order."""


NOTICES = {1: "push", 2: "steps"}
"""Speed class -> notice: ``push`` (walk beside the bike), ``steps`` (use the steps)."""

NOTICE_OF_CLASS = np.zeros(256, dtype=np.int64)
NOTICE_OF_CLASS[list(NOTICES)] = list(NOTICES)
"""Speed class (0..255) -> itself where it has a notice, else 0: groups pieces by notice."""


@dataclass(frozen=True)
class Step:
    """One instruction: what to do at ``location`` and how far to go on ``name``.

    ``action`` is ``depart``, ``turn``, ``continue`` or ``arrive``; ``modifier`` is
    ``straight``, ``slight left``, ``left``, ``sharp left``, ``slight right``, ``right``,
    ``sharp right`` or ``uturn`` (empty for depart and arrive).
    """

    action: str
    modifier: str
    name: str
    distance_m: float
    duration_s: float
    location: Coordinate
    bearing_before: float
    bearing_after: float
    notice: str = ""
    """``steps`` (use the steps), ``push`` (push your bike) or empty."""


def turn_modifier(before: float, after: float) -> str:
    """Name the turn from heading ``before`` to heading ``after``."""
    delta = (after - before + 540.0) % 360.0 - 180.0
    size = abs(delta)
    if size < 20:
        return "straight"
    side = "right" if delta > 0 else "left"
    if size < 60:
        return f"slight {side}"
    if size < 120:
        return side
    if size < 170:
        return f"sharp {side}"
    return "uturn"


def _bearings(
    lon: NDArray[np.float64], lat: NDArray[np.float64], tail: NDArray[np.int64], head: NDArray[np.int64]
) -> NDArray[np.float64]:
    """Initial bearings (degrees, 0 = north, clockwise) from coordinate ``tail[i]`` to ``head[i]``."""
    lon1, lat1, lon2, lat2 = (np.radians(values) for values in (lon[tail], lat[tail], lon[head], lat[head]))
    y = np.sin(lon2 - lon1) * np.cos(lat2)
    x = np.cos(lat1) * np.sin(lat2) - np.sin(lat1) * np.cos(lat2) * np.cos(lon2 - lon1)
    return np.asarray((np.degrees(np.arctan2(y, x)) + 360.0) % 360.0, dtype=np.float64)


def _optional(value: float) -> float | None:
    return None if math.isnan(value) else value


def headings(lon: NDArray[np.float64], lat: NDArray[np.float64], tail: NDArray[np.int64]) -> NDArray[np.float64]:
    """Bearing from coordinate ``tail[i]`` to the next one (NaN where ``tail[i]`` is negative)."""
    valid = tail >= 0
    chosen = tail[valid]
    result = np.full(tail.size, np.nan)
    result[valid] = _bearings(lon, lat, chosen, chosen + 1)
    return result


@dataclass(frozen=True)
class StepGroups:
    """A route's pieces grouped into steps: consecutive pieces on one street with one notice.

    One entry per group; coordinates index the route's ``lon``/``lat``.
    """

    names: Sequence[str]
    """Street names, indexed by ``name_ids``."""
    name_ids: Sequence[int]
    notices: Sequence[int]
    """Notice code per group (a key of :data:`NOTICES`, 0 for none)."""
    distance_m: Sequence[float]
    duration_s: Sequence[float]
    location: Sequence[Coordinate]
    """Where each group starts."""
    leaving: Sequence[float]
    """Heading leaving each group's first coordinate (NaN where no later point differs)."""
    arriving: Sequence[float]
    """Heading arriving at each group's last coordinate (NaN where no earlier point differs)."""
    end: Coordinate
    """Where the last group ends."""


def build_steps(groups: StepGroups) -> list[Step]:
    """One step per group, with the turn between them, and an ``arrive`` step at the end.

    A change between normal travel, steps and pushing the bike starts a new group (with its notice).
    """
    count = len(groups.name_ids)
    if not count:
        return []
    steps: list[Step] = []
    previous_heading: float | None = None
    for number in range(count):
        found = _optional(groups.leaving[number])
        heading = found if found is not None else (previous_heading or 0.0)
        if number == 0:
            action, modifier = "depart", ""
        else:
            modifier = turn_modifier(previous_heading if previous_heading is not None else heading, heading)
            action = "continue" if modifier == "straight" else "turn"
        steps.append(
            Step(
                action=action,
                modifier=modifier,
                name=groups.names[groups.name_ids[number]],
                distance_m=groups.distance_m[number],
                duration_s=groups.duration_s[number],
                location=groups.location[number],
                bearing_before=previous_heading if previous_heading is not None else 0.0,
                bearing_after=heading,
                notice=NOTICES.get(groups.notices[number], ""),
            )
        )
        arriving = _optional(groups.arriving[number])
        previous_heading = arriving if arriving is not None else heading
    steps.append(
        Step(
            action="arrive",
            modifier="",
            name=groups.names[groups.name_ids[-1]],
            distance_m=0.0,
            duration_s=0.0,
            location=groups.end,
            bearing_before=previous_heading or 0.0,
            bearing_after=0.0,
        )
    )
    return steps
