"""Turn-by-turn steps from a route's pieces grouped by street (one piece per edge or partial edge)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numba import njit
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


def bearings_of(y: NDArray[np.float64], x: NDArray[np.float64]) -> NDArray[np.float64]:
    """Initial bearings (degrees, 0 = north, clockwise) from the two terms of their arctan2 (NaN stays NaN).

    ``y`` and ``x`` come from :func:`routing.street._assembly.assemble_route`.
    """
    return np.asarray((np.degrees(np.arctan2(y, x)) + 360.0) % 360.0, dtype=np.float64)


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
    leaving: NDArray[np.float64]
    """Heading leaving each group's first coordinate (NaN where no later point differs)."""
    arriving: NDArray[np.float64]
    """Heading arriving at each group's last coordinate (NaN where no earlier point differs)."""
    end: Coordinate
    """Where the last group ends."""


MODIFIERS = ("straight", "slight left", "left", "sharp left", "slight right", "right", "sharp right", "uturn")
"""Turn modifiers by the codes :func:`_turn_code` gives (the names :func:`turn_modifier` returns)."""


@njit(cache=True)
def _turn_code(before: float, after: float) -> int:
    """:func:`turn_modifier` as an index into :data:`MODIFIERS`."""
    delta = (after - before + 540.0) % 360.0 - 180.0
    size = abs(delta)
    if size < 20:
        return 0
    right = delta > 0
    if size < 60:
        return 4 if right else 1
    if size < 120:
        return 5 if right else 2
    if size < 170:
        return 6 if right else 3
    return 7


@njit(cache=True)
def _turns(
    leaving: NDArray[np.float64], arriving: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64], float]:
    """Per step its bearing before and after and its turn code (-1 for the first); the bearing before arriving.

    Codes index :data:`MODIFIERS`. A step heads where its group leaves (else on as before); the
    next turn is measured from where the group arrives (else from its own heading).
    """
    count = leaving.size
    before, after = np.empty(count), np.empty(count)
    codes = np.full(count, -1, dtype=np.int64)
    previous = 0.0
    for k in range(count):
        heading = leaving[k] if not math.isnan(leaving[k]) else previous
        if k > 0:
            codes[k] = _turn_code(previous, heading)
        before[k] = previous
        after[k] = heading
        previous = arriving[k] if not math.isnan(arriving[k]) else heading
    return before, after, codes, previous


def build_steps(groups: StepGroups) -> list[Step]:
    """One step per group, with the turn between them, and an ``arrive`` step at the end.

    A change between normal travel, steps and pushing the bike starts a new group (with its notice).
    """
    count = len(groups.name_ids)
    if not count:
        return []
    before, after, codes, arrive_before = _turns(groups.leaving, groups.arriving)
    names, name_ids, notices = groups.names, groups.name_ids, groups.notices
    steps = [
        Step(
            action="depart" if code < 0 else ("continue" if code == 0 else "turn"),
            modifier="" if code < 0 else MODIFIERS[code],
            name=names[name_ids[number]],
            distance_m=distance,
            duration_s=duration,
            location=location,
            bearing_before=bearing_before,
            bearing_after=bearing_after,
            notice=NOTICES.get(notices[number], ""),
        )
        for number, (code, distance, duration, location, bearing_before, bearing_after) in enumerate(
            zip(
                codes.tolist(),
                groups.distance_m,
                groups.duration_s,
                groups.location,
                before.tolist(),
                after.tolist(),
                strict=True,
            )
        )
    ]
    steps.append(
        Step(
            action="arrive",
            modifier="",
            name=groups.names[groups.name_ids[-1]],
            distance_m=0.0,
            duration_s=0.0,
            location=groups.end,
            bearing_before=arrive_before,
            bearing_after=0.0,
        )
    )
    return steps
