"""Turn-by-turn steps from the pieces of a route (one piece per edge or partial edge)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Coordinate = tuple[float, float]
"""(lon, lat) in degrees, GeoJSON order."""


@dataclass(frozen=True)
class RoutePieces:
    """The pieces of a route as arrays.

    Piece ``i`` covers route coordinates ``first[i] .. last[i]`` (inclusive) of ``lon``/``lat``.
    """

    name_ids: NDArray[np.int32]
    names: Sequence[str]
    """Street names, indexed by ``name_ids``."""
    length_m: NDArray[np.float64]
    duration_s: NDArray[np.float64]
    first: NDArray[np.int64]
    last: NDArray[np.int64]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    speed_class: NDArray[np.int64] | None = None
    """Per piece, how it is travelled (:class:`routing.street.profiles.SpeedClass`): steps and
    pushing the bike start a step of their own with a notice."""


NOTICES = {1: "push", 2: "steps"}
"""Speed class -> notice: ``push`` (walk beside the bike), ``steps`` (use the steps)."""


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


def bearing(a: Coordinate, b: Coordinate) -> float:
    """Initial bearing from ``a`` to ``b`` in degrees (0 = north, clockwise)."""
    lon1, lat1, lon2, lat2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    y = math.sin(lon2 - lon1) * math.cos(lat2)
    x = math.cos(lat1) * math.sin(lat2) - math.sin(lat1) * math.cos(lat2) * math.cos(lon2 - lon1)
    return (math.degrees(math.atan2(y, x)) + 360.0) % 360.0


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


def _heading_from(pieces: RoutePieces, index: int, *, forward: bool) -> float | None:
    """Bearing leaving coordinate ``index`` forwards (or arriving at it, backwards)."""
    lon, lat = pieces.lon, pieces.lat
    here = (float(lon[index]), float(lat[index]))
    other = index
    while True:
        other = other + 1 if forward else other - 1
        if not 0 <= other < lon.size:
            return None
        point = (float(lon[other]), float(lat[other]))
        if point != here:
            return bearing(here, point) if forward else bearing(point, here)


def build_steps(pieces: RoutePieces) -> list[Step]:
    """Group consecutive pieces on the same street into steps, with a turn between them.

    A change between normal travel, steps and pushing the bike starts a new step (with its notice).
    """
    count = pieces.name_ids.size
    keep = [i for i in range(count) if pieces.length_m[i] > 0 or count == 1]
    if not keep:
        return []
    ids = pieces.name_ids.tolist()
    classes = pieces.speed_class.tolist() if pieces.speed_class is not None else [0] * count
    notices = [NOTICES.get(int(c), "") for c in classes]
    groups: list[list[int]] = [[keep[0]]]
    for i in keep[1:]:
        last = groups[-1][-1]
        if ids[i] == ids[last] and notices[i] == notices[last]:
            groups[-1].append(i)
        else:
            groups.append([i])
    steps: list[Step] = []
    previous_heading: float | None = None
    for number, group in enumerate(groups):
        first, last = int(pieces.first[group[0]]), int(pieces.last[group[-1]])
        heading = _heading_from(pieces, first, forward=True)
        heading = heading if heading is not None else (previous_heading or 0.0)
        if number == 0:
            action, modifier = "depart", ""
        else:
            modifier = turn_modifier(previous_heading if previous_heading is not None else heading, heading)
            action = "continue" if modifier == "straight" else "turn"
        steps.append(
            Step(
                action=action,
                modifier=modifier,
                name=pieces.names[ids[group[0]]],
                distance_m=float(pieces.length_m[group].sum()),
                duration_s=float(pieces.duration_s[group].sum()),
                location=(float(pieces.lon[first]), float(pieces.lat[first])),
                bearing_before=previous_heading if previous_heading is not None else 0.0,
                bearing_after=heading,
                notice=notices[group[0]],
            )
        )
        arriving = _heading_from(pieces, last, forward=False)
        previous_heading = arriving if arriving is not None else heading
    end = int(pieces.last[keep[-1]])
    steps.append(
        Step(
            action="arrive",
            modifier="",
            name=pieces.names[ids[keep[-1]]],
            distance_m=0.0,
            duration_s=0.0,
            location=(float(pieces.lon[end]), float(pieces.lat[end])),
            bearing_before=previous_heading or 0.0,
            bearing_after=0.0,
        )
    )
    return steps
