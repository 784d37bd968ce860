"""Warming up a planner: a few tiny plans that compile (or load from the cache) every kernel a request runs.

It also reads one byte of every page of the region's memory-mapped arrays, so the first
requests do not pay for mapping them in.

numba compiles a kernel on its first call; with ``cache=True`` it writes the machine code
to its cache folder and later processes load it from there. :func:`warm_up` makes those
first calls before the first request does: walk + transit leaving at and arriving by a
time (McRAPTOR, range RAPTOR, the street searches to every stop, A* for the walk
geometry, snapping), on foot, step-free and by bike, between the two ends of the
region's busiest pattern.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, fields, is_dataclass
from datetime import datetime, timedelta
from datetime import time as clock

import numpy as np

from routing.planner.errors import PlanningError
from routing.planner.planner import Planner
from routing.planner.region_data import RegionData
from routing.planner.request import Mode, PlanRequest

__all__ = ["WarmUp", "warm_up", "warm_up_requests"]

PAGE_BYTES = 4096
TOUCH_DEPTH = 4

STREET_NODE_STEP = 64
"""In a street-only region the warm-up walks from the first street node to this one (close by, in Morton order)."""

WARM_UP_CLOCK = clock(8, 0)
"""Local time of the warm-up plans (on the timetable's first day)."""


@dataclass(frozen=True)
class WarmUp:
    """What a warm-up did."""

    plans: int
    """Plans run."""
    answered: int
    """Plans that found an itinerary (the others still ran every search)."""
    seconds: float
    """Wall time of the warm-up."""


def _busiest_pattern_ends(planner: Planner[RegionData]) -> tuple[tuple[float, float], tuple[float, float]]:
    """The first and last stop on the walk network of the busiest pattern with two such stops, as (lat, lon).

    Stops outside the street extract cannot be planned from, so they are skipped (a plan
    between them would run no search at all).
    """
    timetable = planner.timetable
    footpaths = planner.transit.footpaths.get("walk")
    on_network = (
        np.diff(np.asarray(footpaths.stop_position_offsets)) > 0
        if footpaths is not None
        else np.ones(len(timetable.stop_id), dtype=bool)
    )
    trips = np.diff(np.asarray(timetable.pattern_trip_offsets))
    stop_offsets = np.asarray(timetable.pattern_stop_offsets)
    pattern_stops = np.asarray(timetable.pattern_stops)
    for pattern in np.argsort(-trips, kind="stable").tolist():
        stops = pattern_stops[int(stop_offsets[pattern]) : int(stop_offsets[pattern + 1])]
        usable = [int(stop) for stop in stops if on_network[int(stop)]]
        if len(usable) >= 2 and usable[0] != usable[-1]:
            first, last = usable[0], usable[-1]
            return (
                (float(timetable.stop_lat[first]), float(timetable.stop_lon[first])),
                (float(timetable.stop_lat[last]), float(timetable.stop_lon[last])),
            )
    if len(timetable.stop_id) > 0:
        lat, lon = float(timetable.stop_lat[0]), float(timetable.stop_lon[0])
        return (lat, lon), (lat + 0.005, lon + 0.005)
    return _street_nodes(planner)


def _street_nodes(planner: Planner[RegionData]) -> tuple[tuple[float, float], tuple[float, float]]:
    """Two nearby street nodes (a street-only region has no stops): nodes are stored in Morton order."""
    street = planner.region.street
    other = min(STREET_NODE_STEP, street.node_count - 1)
    return (float(street.lat[0]), float(street.lon[0])), (float(street.lat[other]), float(street.lon[other]))


def warm_up_requests(planner: Planner[RegionData]) -> list[PlanRequest]:
    """The warm-up's plan requests on ``planner``'s region (see the module docstring)."""
    origin, destination = _busiest_pattern_ends(planner)
    first_day = planner.timetable.day0 + timedelta(days=1)  # day0: the day before, for after-midnight trips
    moment = datetime.combine(first_day, WARM_UP_CLOCK, tzinfo=planner.transit.zone)
    requests = [
        PlanRequest(origin=origin, destination=destination, time=moment),
        PlanRequest(origin=origin, destination=destination, time=moment + timedelta(hours=1), arrive_by=True),
        PlanRequest(origin=origin, destination=destination, time=moment, wheelchair=True),
    ]
    if "bike" in planner.region.street.profiles:
        requests.append(PlanRequest(origin=origin, destination=destination, time=moment, modes=frozenset({Mode.BIKE})))
    return requests


def _touch(value: object, depth: int = TOUCH_DEPTH) -> int:
    """Read one byte per page of every array under ``value``: the region's memory maps get mapped in now.

    The arrays are memory-mapped and shared through the page cache; a process still maps
    each page on its first read (a page fault), which would otherwise fall on the first
    requests. Returns the pages touched.
    """
    if isinstance(value, np.ndarray):
        if value.nbytes == 0:
            return 0
        flat = np.asarray(value).reshape(-1).view(np.uint8)
        return int(flat[::PAGE_BYTES].size) if int(flat[::PAGE_BYTES].sum(dtype=np.uint64)) >= 0 else 0
    if depth == 0:
        return 0
    if isinstance(value, dict):
        return sum(_touch(item, depth - 1) for item in value.values())
    if isinstance(value, list | tuple):
        return sum(_touch(item, depth - 1) for item in value if not isinstance(item, str))
    if is_dataclass(value):
        return sum(_touch(getattr(value, field.name), depth - 1) for field in fields(value))
    if hasattr(value, "__dict__"):  # StringTable and other array holders
        return sum(_touch(item, depth - 1) for item in vars(value).values())
    return 0


def warm_up(planner: Planner[RegionData]) -> WarmUp:
    """Run the warm-up plans on ``planner``; a plan without an itinerary still counts (its searches ran).

    Errors other than a plan the request cannot get (:class:`PlanningError`) propagate:
    a kernel that fails to compile must not be found by the first resident.
    """
    started = time.perf_counter()
    _touch(planner.region)
    requests = warm_up_requests(planner)
    answered = 0
    for request in requests:
        try:
            planner.plan(request)
        except PlanningError:
            continue
        answered += 1
    return WarmUp(plans=len(requests), answered=answered, seconds=time.perf_counter() - started)
