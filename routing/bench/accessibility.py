"""Accessibility benchmark: the engine (one-to-many searches + range RAPTOR) against a plain per-query loop.

Both compute, for the same sampled origins and departure minutes of one window, the walk +
transit time to the nearest destination of every category. The plain loop asks the
router one point-to-point question per origin, minute and destination
(:meth:`routing.bench.points.PointQueries.earliest_arrival`, as an app would); the engine does one access
search per origin and one RAPTOR run per minute. Throughput is origins x minutes per second.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from routing.accessibility.config import AccessibilityConfig, Mode, TimeWindow
from routing.accessibility.engine import AccessibilityEngine
from routing.accessibility.run import AccessibilityInputs
from routing.bench.points import PointQueries
from routing.planner.errors import PointNotOnNetwork
from routing.region.region import Region

__all__ = ["AccessibilityBenchmark", "format_report", "run_accessibility_benchmark"]


@dataclass(frozen=True)
class AccessibilityBenchmark:
    """Figures of one run (the same origins, minutes and destinations for both)."""

    origins: int
    minutes: int
    destinations: int
    engine_seconds: float
    loop_seconds: float
    compared: int
    agreeing: int
    """Origin x minute x category cells where both give the same minute (within 1 s) or both none."""

    @property
    def engine_rate(self) -> float:
        """Origins x minutes per second, engine."""
        return self.origins * self.minutes / self.engine_seconds

    @property
    def loop_rate(self) -> float:
        """Origins x minutes per second, plain loop."""
        return self.origins * self.minutes / self.loop_seconds


def run_accessibility_benchmark(
    region: Region,
    inputs: AccessibilityInputs,
    config: AccessibilityConfig,
    *,
    origins: int = 10,
    minutes: int = 10,
    window: TimeWindow | None = None,
) -> AccessibilityBenchmark:
    """Time both ways over ``origins`` evenly sampled homes and the first ``minutes`` of ``window``."""
    base = window or config.windows[0]
    start = datetime.combine(datetime.min.date(), base.start)
    short = TimeWindow(base.key, base.weekday, base.start, (start + timedelta(minutes=minutes - 1)).time())
    mode = Mode("transit", "walk", 4.8, transit=True)
    config = AccessibilityConfig(
        categories=config.categories,
        modes=(mode,),
        windows=(short,),
        cutoff_min=config.cutoff_min,
        max_access_walk_s=config.max_access_walk_s,
        max_transfers=config.max_transfers,
        day=config.day,
    )
    engine = AccessibilityEngine(region, inputs.destinations, config)
    points = PointQueries(engine.transit, engine.access)
    step = max(1, len(inputs.origins) // origins)
    sample = [o for o in inputs.origins[::step] if engine.snap(o, "walk") is not None][:origins]
    engine.egress(mode)  # per-region preparation, done once per run, not per origin
    engine.destination_targets("walk")
    began = time.perf_counter()
    fast = []
    for origin in sample:
        snap = engine.snap(origin, "walk")
        assert snap is not None
        direct = engine.street_seconds(snap, mode)
        fast.append(engine.summarise(engine.transit_minutes(snap, mode, short, direct)).minutes)
    engine_seconds = time.perf_counter() - began

    day = engine.days[short.key]
    began = time.perf_counter()
    slow = []
    options = engine.options(mode)
    for origin in sample:
        per_minute = np.full((short.minutes, len(config.categories)), np.inf)
        for m in range(short.minutes):
            leave = datetime.combine(day, base.start, tzinfo=engine.zone) + timedelta(minutes=m)
            for d, destination in enumerate(engine.destinations):
                try:
                    arrival = points.earliest_arrival(
                        (origin.lat, origin.lon), (destination.lat, destination.lon), leave, options
                    )
                except PointNotOnNetwork:
                    continue
                if arrival is None:
                    continue
                seconds = (arrival - leave).total_seconds()
                if seconds <= engine.cutoff_s:
                    c = int(engine.category_of[d])
                    per_minute[m, c] = min(per_minute[m, c], seconds / 60.0)
        slow.append(per_minute)
    loop_seconds = time.perf_counter() - began
    compared = agreeing = 0
    for a, b in zip(fast, slow, strict=True):
        compared += a.size
        finite = np.isfinite(a) & np.isfinite(b)
        close = np.abs(np.where(finite, a, 0.0) - np.where(finite, b, 0.0)) <= 1 / 60 + 1e-9
        same = (np.isinf(a) & np.isinf(b)) | (finite & close)
        agreeing += int(same.sum())
    return AccessibilityBenchmark(
        origins=len(sample),
        minutes=short.minutes,
        destinations=len(engine.destinations),
        engine_seconds=engine_seconds,
        loop_seconds=loop_seconds,
        compared=compared,
        agreeing=agreeing,
    )


def format_report(report: AccessibilityBenchmark) -> str:
    """A few lines for the terminal."""
    ratio = report.engine_rate / report.loop_rate if report.loop_rate else math.inf
    return "\n".join(
        [
            f"sample      {report.origins} origins x {report.minutes} departure minutes, "
            f"{report.destinations} destinations",
            f"engine      {report.engine_seconds:.2f} s  {report.engine_rate:,.1f} origin-minutes/s",
            f"plain loop  {report.loop_seconds:.2f} s  {report.loop_rate:,.2f} origin-minutes/s",
            f"ratio       {ratio:,.0f}x",
            f"agreement   {report.agreeing}/{report.compared} cells (nearest time per category, within 1 s)",
        ]
    )
