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

_NOTICE_OF_CLASS = np.zeros(256, dtype=np.int64)
_NOTICE_OF_CLASS[list(NOTICES)] = list(NOTICES)
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


class _Headings:
    """Headings leaving (or arriving at) route coordinates, skipping repeated points.

    Coordinate ``k``'s forward heading points at the first later coordinate that differs from
    it; its backward heading comes from the last earlier one that differs (None at the ends).
    """

    def __init__(self, lon: NDArray[np.float64], lat: NDArray[np.float64]) -> None:
        self.lon, self.lat = lon, lat
        # Coordinate j is followed by a different one: runs of equal points end there.
        self.changes = np.flatnonzero((lon[1:] != lon[:-1]) | (lat[1:] != lat[:-1]))

    def forward(self, index: NDArray[np.int64]) -> NDArray[np.float64]:
        """Bearing leaving each coordinate of ``index`` (NaN where no later point differs)."""
        position = np.searchsorted(self.changes, index, side="left")
        return self._from_change(position)

    def backward(self, index: NDArray[np.int64]) -> NDArray[np.float64]:
        """Bearing arriving at each coordinate of ``index`` (NaN where no earlier point differs)."""
        position = np.searchsorted(self.changes, index, side="left") - 1
        return self._from_change(position)

    def _from_change(self, position: NDArray[np.int64]) -> NDArray[np.float64]:
        valid = (position >= 0) & (position < self.changes.size)
        tail = self.changes[position[valid]]
        result = np.full(position.size, np.nan)
        result[valid] = _bearings(self.lon, self.lat, tail, tail + 1)
        return result


def _optional(value: float) -> float | None:
    return None if math.isnan(value) else value


def build_steps(pieces: RoutePieces) -> list[Step]:
    """Group consecutive pieces on the same street into steps, with a turn between them.

    A change between normal travel, steps and pushing the bike starts a new step (with its notice).
    """
    count = pieces.name_ids.size
    keep = np.flatnonzero(pieces.length_m > 0) if count != 1 else np.zeros(1, dtype=np.int64)
    if not keep.size:
        return []
    classes = pieces.speed_class if pieces.speed_class is not None else np.zeros(count, dtype=np.int64)
    notice_codes = _NOTICE_OF_CLASS[classes[keep]]
    ids = pieces.name_ids[keep]
    opens = np.ones(keep.size, dtype=np.bool_)
    opens[1:] = (ids[1:] != ids[:-1]) | (notice_codes[1:] != notice_codes[:-1])
    group_start = np.flatnonzero(opens)
    group_end = np.append(group_start[1:], keep.size) - 1
    distance = np.add.reduceat(pieces.length_m[keep], group_start)
    duration = np.add.reduceat(pieces.duration_s[keep], group_start)
    first_coordinate = pieces.first[keep[group_start]]
    last_coordinate = pieces.last[keep[group_end]]
    headings = _Headings(pieces.lon, pieces.lat)
    leaving = headings.forward(first_coordinate).tolist()
    arriving_at = headings.backward(last_coordinate).tolist()
    group_ids = ids[group_start].tolist()
    group_notices = notice_codes[group_start].tolist()
    distances, durations = distance.tolist(), duration.tolist()
    starts = list(zip(pieces.lon[first_coordinate].tolist(), pieces.lat[first_coordinate].tolist(), strict=True))
    steps: list[Step] = []
    previous_heading: float | None = None
    for number in range(group_start.size):
        found = _optional(leaving[number])
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
                name=pieces.names[group_ids[number]],
                distance_m=distances[number],
                duration_s=durations[number],
                location=starts[number],
                bearing_before=previous_heading if previous_heading is not None else 0.0,
                bearing_after=heading,
                notice=NOTICES.get(group_notices[number], ""),
            )
        )
        arriving = _optional(arriving_at[number])
        previous_heading = arriving if arriving is not None else heading
    end = int(pieces.last[keep[-1]])
    steps.append(
        Step(
            action="arrive",
            modifier="",
            name=pieces.names[int(ids[-1])],
            distance_m=0.0,
            duration_s=0.0,
            location=(float(pieces.lon[end]), float(pieces.lat[end])),
            bearing_before=previous_heading or 0.0,
            bearing_after=0.0,
        )
    )
    return steps
