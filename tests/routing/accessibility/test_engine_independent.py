"""The accessibility engine against an independent per-origin check on the demo city.

The check (``independent.py``) reads the demo's GTFS text files and walks the street graph
with scipy; the engine runs range RAPTOR on the compiled region. Every departure minute's
time to every destination (and so the nearest per category) must agree to within two
seconds (stop positions are stored as float32 in the region, so a walk's rounding to
whole seconds can differ by one), and so must the medians and percentiles.
"""

from __future__ import annotations

from datetime import time
from pathlib import Path

import numpy as np
import pytest

from routing.accessibility.config import AccessibilityConfig, Mode, TimeWindow
from routing.accessibility.engine import AccessibilityEngine
from routing.accessibility.run import inputs_for_region
from routing.region.region import Region
from tests.routing.accessibility.independent import GtfsNetwork, Reference, agree

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
    reference = Reference(gtfs, engine, mode)
    compared = reached = 0
    for window in WINDOWS:
        day, leaves_latest_first = engine.departures(window)
        leaves = leaves_latest_first[::-1]
        connections = gtfs.connections(day, wheelchair=mode.profile == "wheelchair")
        for origin in sample:
            snap = engine.snap(origin, mode.profile)
            assert snap is not None
            direct = engine.street_seconds(snap, mode)
            ours_s = engine.transit_minutes(snap, mode, window, direct)
            theirs_s = reference.minutes(snap, leaves, connections, engine.cutoff_s)
            cut = engine.cutoff_s
            every = agree(
                np.where(ours_s <= cut, ours_s, np.inf) / 60, np.where(theirs_s <= cut, theirs_s, np.inf) / 60
            )
            assert every.all(), f"{mode.key} {window.key} {origin.origin_id}: {ours_s[~every]} vs {theirs_s[~every]}"
            ours, theirs = engine.summarise(ours_s), engine.summarise(theirs_s)
            same = agree(ours.minutes, theirs.minutes)
            assert same.all(), (
                f"{mode.key} {window.key} {origin.origin_id}: engine {ours.minutes[~same]} "
                f"reference {theirs.minutes[~same]}"
            )
            assert agree(ours.nearest_min, theirs.nearest_min).all()
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
        direct = engine.street_seconds(snap, walk)
        walked = engine.summarise(direct[None, :]).nearest_min[:, 0]
        on_tuesday = engine.summarise(engine.transit_minutes(snap, transit, tuesday, direct))
        on_holiday = engine.summarise(engine.transit_minutes(snap, transit, holiday, direct))
        assert (on_tuesday.minutes <= walked[None, :] + 1e-9).all()
        slower_on_holiday += int((on_holiday.nearest_min[:, 0] > on_tuesday.nearest_min[:, 0] + 1e-9).sum())
    assert slower_on_holiday > 0  # half-frequency weekend service on the holiday shows in the medians
