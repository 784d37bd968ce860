"""Travel times from every origin to every destination category, with our street and transit engines.

Per origin and mode, one street search reaches every destination at once
(:meth:`StreetRouter.walks` over all destinations as targets). Transit modes add one more
search to every stop (the access walks) and then range RAPTOR: one RAPTOR run per
departure minute of a window, from the latest to the earliest, keeping the labels between
runs (an earlier departure can always wait for a later one, so the kept labels stay
valid bounds). After each run the earliest arrival at every stop by a ride is joined
with the egress walks from stops to destinations (computed once per mode, one reverse
search per destination), and the quicker of that and walking the whole way is the
minute's door-to-door time to each destination. Minutes from which the same runs are the
first catchable share one RAPTOR run (the one at the moment the next of them can be
caught), so sparse service costs fewer runs than minutes.

Units: seconds internally, minutes in results. Times are of least-cost street walks
(connectors included) plus waiting and riding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from routing.accessibility.config import STREET_ONLY_WINDOW, AccessibilityConfig, Mode, TimeWindow
from routing.accessibility.places import Destination, Origin
from routing.errors import InputDataError, PointNotRoutable
from routing.planner.access import StreetAccess
from routing.region.region import Region
from routing.street.router import EdgePosition, Snap, StreetRouter, StreetTargets, cycling_speeds, walking_speeds
from routing.transit._raptor import INF
from routing.transit.options import TransitOptions
from routing.transit.queries import TransitRouter

__all__ = ["AccessibilityEngine", "OriginTimes", "window_days"]

PERCENTILES = (50.0, 10.0, 90.0)
"""Order of the three statistics per origin: median, 10th and 90th percentile (inverted CDF)."""


@dataclass(frozen=True)
class OriginTimes:
    """One origin's results for one mode and window.

    ``nearest_min``: ``[categories, 3]`` median, p10, p90 over departure minutes of the time
    to the nearest destination (inf: none within the cutoff); ``counts``: ``[categories,
    len(count_limits)]`` median over departure minutes of destinations reached within each
    limit; ``minutes``: ``[departures, categories]`` the per-minute nearest times (for checks).
    """

    nearest_min: NDArray[np.float64]
    counts: NDArray[np.float64]
    minutes: NDArray[np.float64]


def window_days(windows: Sequence[TimeWindow], first_day: date, last_day: date | None) -> dict[str, date]:
    """Per window, the first day from ``first_day`` on with the window's weekday.

    Raises
    ------
    InputDataError
        When that day lies after ``last_day`` (the timetable has no such day).
    """
    days = {}
    for window in windows:
        day = first_day + timedelta(days=(window.weekday - first_day.weekday()) % 7)
        if last_day is not None and day > last_day:
            raise InputDataError(
                "timetable",
                f"window {window.key}: the timetable ends {last_day} before its weekday {window.weekday} "
                f"(0 = Monday) comes; build the region for at least a week or give another --date",
            )
        days[window.key] = day
    return days


def _speeds_of(mode: Mode) -> object:
    return cycling_speeds(mode.speed_kmh) if mode.profile == "bike" else walking_speeds(mode.speed_kmh)


def _statistics(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """Median, p10, p90 along axis 0 as order statistics (inverted CDF: no interpolation, inf stays inf)."""
    return np.moveaxis(np.percentile(values, PERCENTILES, axis=0, method="inverted_cdf"), 0, -1)


class AccessibilityEngine:
    """Travel times from origins to categorised destinations on one region (built once, queried per origin)."""

    def __init__(
        self,
        region: Region,
        destinations: Sequence[Destination],
        config: AccessibilityConfig,
        *,
        router: TransitRouter | None = None,
    ) -> None:
        self.region = region
        self.config = config
        self.transit = router or TransitRouter(region.timetable, region.manifest.timezone, region.footpaths)
        self.access = StreetAccess(region.street, region.footpaths, self.transit)
        self.zone = ZoneInfo(region.manifest.timezone)
        keys = [c.key for c in config.categories]
        self.destinations = [d for d in destinations if d.category in keys]
        self.category_of = np.array([keys.index(d.category) for d in self.destinations], dtype=np.int64)
        self.cutoff_s = config.cutoff_min * 60.0
        self.limits_s = np.array(config.count_limits_min, dtype=np.float64) * 60.0
        self._routers: dict[str, StreetRouter] = {}
        self._targets: dict[str, StreetTargets] = {}
        self._egress: dict[str, tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]] = {}
        self._stops: dict[str, StreetTargets] = {}
        self._boardings: dict[tuple[int, date, bool], NDArray[np.int64]] = {}
        first = region.manifest.valid_from or region.timetable.day0
        self.days = window_days(config.windows, config.day or first, region.manifest.valid_until)

    # Street ---------------------------------------------------------------------

    def router(self, profile: str) -> StreetRouter:
        """The street router of ``profile`` (shared with the transit router's)."""
        if profile not in self._routers:
            self._routers[profile] = self.access.street(profile)
        return self._routers[profile]

    def destination_targets(self, profile: str) -> StreetTargets:
        """Every destination snapped on ``profile`` (off-network ones are never reached)."""
        if profile not in self._targets:
            router = self.router(profile)
            snaps: list[Snap | None] = []
            for destination in self.destinations:
                try:
                    snaps.append(router.snap(destination.lat, destination.lon))
                except PointNotRoutable:
                    snaps.append(None)
            self._targets[profile] = StreetTargets.of(snaps)
        return self._targets[profile]

    def snap(self, origin: Origin, profile: str) -> Snap | None:
        """``origin`` on the ``profile`` network (None when farther than the snapping limit)."""
        try:
            return self.router(profile).snap(origin.lat, origin.lon)
        except PointNotRoutable:
            return None

    def street_budget_s(self, profile: str) -> float:
        """The search budget (generalised cost) that finds every street trip of ``profile`` within the cutoff.

        Cost is time times the edge's cost factor, so a trip of at most the cutoff costs at
        most the cutoff times the graph's largest factor.
        """
        factors = np.asarray(self.router(profile).graph.cost_factor)
        return self.cutoff_s * max(1.0, float(factors.max()) if factors.size else 1.0)

    def street_seconds(self, snap: Snap, mode: Mode, budget_s: float | None = None) -> NDArray[np.float64]:
        """Per destination, seconds of the least-cost street trip from ``snap`` (inf beyond the budget of cost)."""
        walks = self.router(mode.profile).walks(
            snap,
            self.destination_targets(mode.profile),
            speeds=_speeds_of(mode),  # type: ignore[arg-type]
            budget_s=self.street_budget_s(mode.profile) if budget_s is None else budget_s,
        )
        seconds = np.full(len(self.destinations), np.inf)
        seconds[walks.target] = walks.duration_s
        return seconds

    # Transit --------------------------------------------------------------------

    def stop_targets(self, profile: str) -> StreetTargets:
        """The transit router's stop places on ``profile``, with each stop's point (a walk from there takes nothing)."""
        if profile not in self._stops:
            places = self.access.stop_targets(profile)
            timetable = self.transit.timetable
            point = np.column_stack([np.asarray(timetable.stop_lat), np.asarray(timetable.stop_lon)]).astype(np.float64)
            self._stops[profile] = StreetTargets(
                target=places.target,
                edge=places.edge,
                offset_m=places.offset_m,
                count=places.count,
                connector_m=places.connector_m,
                point=point,
            )
        return self._stops[profile]

    def options(self, mode: Mode) -> TransitOptions:
        """The RAPTOR options of a transit mode."""
        return TransitOptions(
            max_transfers=self.config.max_transfers,
            walk_speed_kmh=mode.speed_kmh,
            wheelchair=mode.profile == "wheelchair",
            max_walk_s=self.config.max_access_walk_s,
        )

    def egress(self, mode: Mode) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
        """Walks from stops to destinations within the access budget: (destination, stop, seconds), by destination.

        One reverse search per destination over every stop; seconds rounded as the
        planner's egress walks are.
        """
        key = f"{mode.profile}:{mode.speed_kmh}"
        if key not in self._egress:
            router = self.router(mode.profile)
            stops = self.stop_targets(mode.profile)
            speeds = walking_speeds(mode.speed_kmh)
            targets = self.destination_targets(mode.profile)
            rows: list[NDArray[np.int64]] = []
            cols: list[NDArray[np.int64]] = []
            secs: list[NDArray[np.int64]] = []
            for index in range(len(self.destinations)):
                snap = self._target_snap(targets, index)
                if snap is None:
                    continue
                walks = router.walks(snap, stops, speeds=speeds, budget_s=self.config.max_access_walk_s, reverse=True)
                rows.append(np.full(walks.target.size, index, dtype=np.int64))
                cols.append(walks.target.astype(np.int64))
                secs.append(np.round(walks.duration_s).astype(np.int64))
            empty = np.zeros(0, dtype=np.int64)
            self._egress[key] = (
                np.concatenate(rows) if rows else empty,
                np.concatenate(cols) if cols else empty,
                np.concatenate(secs) if secs else empty,
            )
        return self._egress[key]

    def _target_snap(self, targets: StreetTargets, index: int) -> Snap | None:
        rows = np.flatnonzero(targets.target == index)
        if rows.size == 0:
            return None
        lat, lon = (float(v) for v in targets.point[index])
        positions = tuple(EdgePosition(int(targets.edge[r]), float(targets.offset_m[r])) for r in rows.tolist())
        return Snap(lat, lon, lat, lon, float(targets.connector_m[index]), positions)

    def departures(self, window: TimeWindow) -> tuple[date, list[int]]:
        """The service day of ``window`` and its departure times (seconds after that day's reference), latest first."""
        day = self.days[window.key]
        start = datetime.combine(day, window.start, tzinfo=self.zone)
        service_day, first = self.transit.service_day_of(start)
        step = int(window.step.total_seconds())
        return service_day, [first + k * step for k in range(window.minutes - 1, -1, -1)]

    def boarding_times(self, stop: int, day: date, *, wheelchair: bool) -> NDArray[np.int64]:
        """Sorted times (seconds after ``day``'s reference) at which some run takes passengers on at ``stop``."""
        key = (stop, day, wheelchair)
        found = self._boardings.get(key)
        if found is None:
            runs = [run.times for run in self.transit.boardings(stop, day, wheelchair=wheelchair)]
            found = np.unique(np.concatenate(runs).astype(np.int64)) if runs else np.zeros(0, dtype=np.int64)
            self._boardings[key] = found
        return found

    def _runs_for(
        self, day: date, leaves: list[int], access_stops: list[int], access_s: list[int], *, wheelchair: bool
    ) -> NDArray[np.int64]:
        """Per departure minute, the departure RAPTOR runs at for it (-1: no ride can be caught in time).

        Nothing can be boarded between a minute and the next moment a run leaves an access
        stop just as one arrives there (its departure minus the walk), so the earliest
        arrivals of that moment are the minute's: one RAPTOR run serves every minute in
        between. With frequent service this is every minute; with sparse service, far fewer.
        """
        first, last = min(leaves), max(leaves) + int(self.cutoff_s)
        moments = []
        for stop, walk in zip(access_stops, access_s, strict=True):
            times = self.boarding_times(stop, day, wheelchair=wheelchair) - walk
            moments.append(times[(times >= first) & (times <= last)])
        candidates = np.unique(np.concatenate(moments)) if moments else np.zeros(0, dtype=np.int64)
        minutes = np.array(leaves, dtype=np.int64)
        index = np.searchsorted(candidates, minutes, side="left")
        runs = np.full(minutes.size, -1, dtype=np.int64)
        caught = index < candidates.size
        runs[caught] = candidates[index[caught]]
        runs[runs - minutes > int(self.cutoff_s)] = -1
        return runs

    def transit_minutes(
        self, snap: Snap, mode: Mode, window: TimeWindow, direct_s: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        """Per departure (earliest first) and destination, door-to-door seconds by walk + transit (range RAPTOR)."""
        day, leaves = self.departures(window)
        options = self.options(mode)
        router = self.router(mode.profile)
        access = router.walks(
            snap,
            self.stop_targets(mode.profile),
            speeds=walking_speeds(mode.speed_kmh),
            budget_s=options.max_walk_s,
        )
        access_stops = access.target.tolist()
        access_s = np.round(access.duration_s).astype(np.int64).tolist()
        result = np.empty((len(leaves), len(self.destinations)))
        result[:] = direct_s
        dest, stop, egress_s = self.egress(mode)
        if not access_stops or dest.size == 0:
            return result
        runs = self._runs_for(day, leaves, access_stops, access_s, wheelchair=options.wheelchair)
        bounds = np.flatnonzero(np.r_[True, dest[1:] != dest[:-1]])
        labels = self.transit.new_labels(options)
        for moment in sorted(set(runs[runs >= 0].tolist()), reverse=True):  # latest first: labels are kept
            sources = {s: moment + w for s, w in zip(access_stops, access_s, strict=True)}
            self.transit.run(
                day, sources, {}, options=options, labels=labels, direct_arrival=moment + int(self.cutoff_s)
            )
            by_ride = np.asarray(labels.arrays.arrival_trip).min(axis=0).astype(np.int64)
            at_stop = by_ride[stop]
            arrival = np.where(at_stop < INF, at_stop + egress_s, INF)
            best = np.full(len(self.destinations), np.inf)
            best[dest[bounds]] = np.minimum.reduceat(arrival, bounds).astype(np.float64)
            best[best >= INF] = np.inf
            for row in np.flatnonzero(runs == moment).tolist():
                result[len(leaves) - 1 - row] = np.minimum(direct_s, best - leaves[row])
        return result

    # Per origin -------------------------------------------------------------------

    def summarise(self, seconds: NDArray[np.float64]) -> OriginTimes:
        """Nearest time per category and counts within the limits, per minute, then their statistics."""
        categories = len(self.config.categories)
        seconds = np.where(seconds <= self.cutoff_s, seconds, np.inf)
        minutes = seconds.shape[0]
        nearest = np.full((minutes, categories), np.inf)
        counts = np.zeros((minutes, categories, self.limits_s.size))
        for c in range(categories):
            columns = seconds[:, self.category_of == c]
            if columns.shape[1]:
                nearest[:, c] = columns.min(axis=1)
                counts[:, c, :] = (columns[:, :, None] <= self.limits_s[None, None, :]).sum(axis=1)
        nearest_min = nearest / 60.0
        stats = _statistics(nearest_min)
        median_counts = np.percentile(counts, 50.0, axis=0, method="inverted_cdf")
        return OriginTimes(nearest_min=stats, counts=median_counts, minutes=nearest_min)

    def origin(self, origin: Origin) -> dict[tuple[str, str], OriginTimes] | None:
        """All modes and windows for ``origin``; None when it is off the walking network."""
        results: dict[tuple[str, str], OriginTimes] = {}
        snaps: dict[str, Snap | None] = {}
        streets: dict[tuple[str, float], NDArray[np.float64]] = {}  # walk and walk + transit share a search
        for mode in self.config.modes:
            if mode.profile not in snaps:
                snaps[mode.profile] = self.snap(origin, mode.profile)
            snap = snaps[mode.profile]
            if snap is None:
                if mode.profile == "walk":
                    return None
                empty = np.full((1, len(self.destinations)), np.inf)
                keys = [w.key for w in self.config.windows] if mode.transit else [STREET_ONLY_WINDOW]
                for key in keys:
                    results[mode.key, key] = self.summarise(empty)
                continue
            speed_key = (mode.profile, mode.speed_kmh)
            if speed_key not in streets:
                streets[speed_key] = self.street_seconds(snap, mode)
            direct = streets[speed_key]
            if not mode.transit:
                results[mode.key, STREET_ONLY_WINDOW] = self.summarise(direct[None, :])
                continue
            for window in self.config.windows:
                results[mode.key, window.key] = self.summarise(self.transit_minutes(snap, mode, window, direct))
        return results
