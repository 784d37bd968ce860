"""The accessibility engine against an independent per-origin check on the demo city.

The check (``independent.py``) reads the demo's GTFS text files and walks the street graph
with scipy; the engine runs range RAPTOR on the compiled region. Every departure minute's
time to every destination (and so the nearest per category) must agree to within two seconds (stop positions are stored as
float32 in the region, so a walk's rounding to whole seconds can differ by one), and so
must the medians and percentiles.
"""

from __future__ import annotations

import bisect
import math
from datetime import time
from pathlib import Path

import numpy as np
import pytest

from routing.accessibility.config import AccessibilityConfig, Mode, TimeWindow
from routing.accessibility.engine import AccessibilityEngine
from routing.accessibility.run import inputs_for_region
from routing.errors import PointNotRoutable
from routing.region.region import Region
from routing.street.router import Snap, walking_speeds
from tests.routing.accessibility.independent import (
    FOOTPATH_BUDGET_S,
    REFERENCE_KMH,
    SLACK_S,
    GtfsNetwork,
    StreetDijkstra,
    earliest_arrivals,
)

WINDOWS = (
    TimeWindow("tuesday_07", 1, time(7, 0), time(7, 25)),
    TimeWindow("holiday_wednesday_07", 2, time(7, 0), time(7, 25)),  # calendar_dates: weekend service
    TimeWindow("tuesday_1950", 1, time(19, 50), time(20, 5)),  # the regional bus's last frequency run
    TimeWindow("sunday_2230", 6, time(22, 30), time(22, 50)),
)
MODES = (
    Mode("transit", "walk", 4.8, transit=True),
    Mode("wheelchair_transit", "wheelchair", 4.0, transit=True),
    Mode("slow_transit", "walk", 3.0, transit=True),
)
CONFIG = AccessibilityConfig(modes=MODES, windows=WINDOWS, cutoff_min=60.0)
TOLERANCE_MIN = 2 / 60


def _agree(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Both unreachable, or both finite and within the tolerance."""
    finite = np.isfinite(a) & np.isfinite(b)
    diff = np.abs(np.where(finite, a, 0.0) - np.where(finite, b, 0.0))
    return (np.isinf(a) & np.isinf(b)) | (finite & (diff <= TOLERANCE_MIN))


class Reference:
    """The independent model of one mode on the demo region."""

    def __init__(self, region: Region, gtfs: GtfsNetwork, engine: AccessibilityEngine, mode: Mode) -> None:
        self.gtfs = gtfs
        self.mode = mode
        router = engine.router(mode.profile)
        self.router = router
        self.streets = StreetDijkstra(router, walking_speeds(mode.speed_kmh))
        stop_snaps: list[Snap | None] = []
        for i, boardable in enumerate(gtfs.boardable):
            snap = None
            if boardable:
                try:
                    snap = router.snap(gtfs.stop_lat[i], gtfs.stop_lon[i], max_distance_m=150.0)
                except PointNotRoutable:
                    snap = None
            stop_snaps.append(snap)
        self.stop_snaps = stop_snaps
        wheelchair = mode.profile == "wheelchair"
        self.usable = [b and (a or not wheelchair) for b, a in zip(gtfs.boardable, gtfs.accessible, strict=True)]
        own, pairs = gtfs.transfer_rules()
        self.change = [
            -1 if own.get(s, 0) == -1 else max(own.get(s, 0), SLACK_S) for s in range(len(gtfs.stop_ids))
        ]
        reference_walk = StreetDijkstra(router, walking_speeds(REFERENCE_KMH))
        factor = REFERENCE_KMH / mode.speed_kmh
        footpaths: dict[int, list[tuple[int, int]]] = {}
        walked: dict[tuple[int, int], float] = {}
        for a, snap in enumerate(stop_snaps):
            if snap is None:
                continue
            cost, seconds = reference_walk.walks(snap, stop_snaps)
            for b in np.flatnonzero(cost <= FOOTPATH_BUDGET_S).tolist():
                if b != a:
                    walked[a, b] = float(seconds[b])
        for (a, b), rule in pairs.items():
            if a != b and (a, b) not in walked and rule != -1:
                walked[a, b] = 0.0
        for (a, b), seconds in walked.items():
            rule = pairs.get((a, b), 0)
            if rule == -1 or seconds * factor > CONFIG.max_access_walk_s:
                continue
            footpaths.setdefault(a, []).append((b, max(math.ceil(seconds * factor) + SLACK_S, rule)))
        self.footpaths = footpaths
        self.destination_snaps: list[Snap | None] = []
        for d in engine.destinations:
            try:
                self.destination_snaps.append(router.snap(d.lat, d.lon))
            except PointNotRoutable:
                self.destination_snaps.append(None)
        self.egress: list[dict[int, int]] = []
        for snap in self.destination_snaps:
            found: dict[int, int] = {}
            if snap is not None:
                cost, seconds = self.streets.walks(snap, stop_snaps, reverse=True)
                found = {s: round(float(seconds[s])) for s in np.flatnonzero(cost <= CONFIG.max_access_walk_s).tolist()}
            self.egress.append(found)

    def minutes(
        self, snap: Snap, leaves: list[int], connections: list[tuple[int, int, int, int, int]], cutoff_s: float
    ) -> np.ndarray:
        """Per departure and destination, door-to-door seconds."""
        cost, seconds = self.streets.walks(snap, self.destination_snaps)
        direct = np.where(cost <= 2 * cutoff_s, seconds, np.inf)
        cost, seconds = self.streets.walks(snap, self.stop_snaps)
        access = {s: round(float(seconds[s])) for s in np.flatnonzero(cost <= CONFIG.max_access_walk_s).tolist()}
        departures = [c[0] for c in connections]
        result = np.empty((len(leaves), len(self.egress)))
        for row, leave in enumerate(leaves):
            first = bisect.bisect_left(departures, leave)
            ride = earliest_arrivals(
                connections[first:],
                len(self.gtfs.stop_ids),
                {s: leave + w for s, w in access.items()},
                change=self.change,
                footpaths=self.footpaths,
                usable=self.usable,
                until=leave + int(cutoff_s),
            )
            for d, egress in enumerate(self.egress):
                best = min((ride[s] + w for s, w in egress.items() if np.isfinite(ride[s])), default=np.inf)
                result[row, d] = min(direct[d], best - leave)
        return result


@pytest.fixture(scope="module")
def setup(demo_region: Region, demo_region_path: Path) -> tuple[AccessibilityEngine, GtfsNetwork, list]:
    gtfs = GtfsNetwork.read(Path(demo_region_path).parent / "inputs" / "gtfs")
    inputs = inputs_for_region(demo_region, CONFIG)
    engine = AccessibilityEngine(demo_region, inputs.destinations, CONFIG)
    sample = inputs.origins[::13]  # 12 of the 144 synthetic homes, spread over the city
    return engine, gtfs, sample


@pytest.mark.parametrize("mode", MODES, ids=[m.key for m in MODES])
def test_every_departure_minute_agrees_with_connection_scan_and_dijkstra(setup, demo_region: Region, mode: Mode):
    engine, gtfs, sample = setup
    reference = Reference(demo_region, gtfs, engine, mode)
    compared = reached = 0
    for window in WINDOWS:
        day, leaves_latest_first = engine.departures(window)
        leaves = leaves_latest_first[::-1]
        connections = gtfs.connections(day, wheelchair=mode.profile == "wheelchair")
        for origin in sample:
            snap = engine.snap(origin, mode.profile)
            assert snap is not None
            direct = engine.street_seconds(snap, mode, budget_s=engine.cutoff_s * 2)
            ours_s = engine.transit_minutes(snap, mode, window, direct)
            theirs_s = reference.minutes(snap, leaves, connections, engine.cutoff_s)
            cut = engine.cutoff_s
            every = _agree(np.where(ours_s <= cut, ours_s, np.inf) / 60, np.where(theirs_s <= cut, theirs_s, np.inf) / 60)
            assert every.all(), f"{mode.key} {window.key} {origin.origin_id}: {ours_s[~every]} vs {theirs_s[~every]}"
            ours, theirs = engine.summarise(ours_s), engine.summarise(theirs_s)
            same = _agree(ours.minutes, theirs.minutes)
            assert same.all(), (
                f"{mode.key} {window.key} {origin.origin_id}: engine {ours.minutes[~same]} "
                f"reference {theirs.minutes[~same]}"
            )
            assert _agree(ours.nearest_min, theirs.nearest_min).all()
            assert (ours.counts == theirs.counts).all()
            compared += ours.minutes.size
            reached += int(np.isfinite(ours.minutes).sum())
    assert reached > compared / 2  # most cells are real times, not both "none"


def test_transit_is_never_slower_than_walking_and_the_holiday_runs_weekend_service(setup):
    engine, _, sample = setup
    walk = Mode("walk", "walk", 4.8, transit=False)
    transit = MODES[0]
    tuesday, holiday = WINDOWS[0], WINDOWS[1]
    slower_on_holiday = 0
    for origin in sample:
        snap = engine.snap(origin, "walk")
        assert snap is not None
        direct = engine.street_seconds(snap, walk, budget_s=engine.cutoff_s * 2)
        walked = engine.summarise(direct[None, :]).nearest_min[:, 0]
        on_tuesday = engine.summarise(engine.transit_minutes(snap, transit, tuesday, direct))
        on_holiday = engine.summarise(engine.transit_minutes(snap, transit, holiday, direct))
        assert (on_tuesday.minutes <= walked[None, :] + 1e-9).all()
        slower_on_holiday += int((on_holiday.nearest_min[:, 0] > on_tuesday.nearest_min[:, 0] + 1e-9).sum())
    assert slower_on_holiday > 0  # half-frequency weekend service on the holiday shows in the medians
