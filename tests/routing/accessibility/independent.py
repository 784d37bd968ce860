"""An independent per-origin accessibility check, written from the GTFS reference and the definition of a walk.

Nothing here calls the accessibility engine, RAPTOR or the street router's searches:

- streets: scipy's Dijkstra on the compiled CSR graph (least generalised cost, with
  predecessors; the time is summed along the least-cost path), with a walk from a point
  being its connector, the partial edge to an edge end, whole edges, the partial edge to
  the other point's position and that point's connector;
- transit: a connection scan over connections expanded from the GTFS text files
  themselves (calendar.txt and calendar_dates.txt for the running days, stop_times.txt,
  frequencies.txt expanded from start_time in steps of headway_secs before end_time,
  wheelchair_accessible/wheelchair_boarding with platforms inheriting their station's),
  with transfers.txt rules (type 2 minimum, type 3 forbidden, station rules on their
  platforms), a change slack at a stop, and footpaths walked on the street between stops
  within 10 minutes at the reference walking speed;
- for each departure minute: the best of walking the whole way and any access walk, rides
  and an egress walk; then the nearest destination per category and its median, p10 and
  p90 over the minutes as order statistics.
"""

from __future__ import annotations

import bisect
import csv
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from routing.accessibility.config import Mode
from routing.accessibility.engine import AccessibilityEngine
from routing.errors import PointNotRoutable
from routing.street.router import Snap, StreetRouter, TravelSpeeds, walking_speeds

SLACK_S = 60
FOOTPATH_BUDGET_S = 600.0
REFERENCE_KMH = 4.8
TOLERANCE_MIN = 2 / 60


class StreetDijkstra:
    """Least-cost walks on one profile's graph, reporting their durations."""

    def __init__(self, router: StreetRouter, speeds: TravelSpeeds) -> None:
        graph = router.graph
        self.speeds = speeds
        self.n = router.network.node_count
        self.length = np.asarray(graph.length_m, dtype=np.float64)
        per_metre = 1.0 / speeds.as_array()[np.asarray(graph.speed_class)]
        self.time_rate = per_metre
        self.cost_rate = per_metre * np.asarray(graph.cost_factor, dtype=np.float64)
        self.tails = np.asarray(graph.tails(), dtype=np.int64)
        self.heads = np.asarray(graph.targets, dtype=np.int64)

    def _search(self, start: Snap, *, reverse: bool) -> tuple[np.ndarray, np.ndarray]:
        """Cost and time of the least-cost walk from ``start`` to every node (to ``start`` when ``reverse``)."""
        src, dst = (self.heads, self.tails) if reverse else (self.tails, self.heads)
        cost = self.length * self.cost_rate
        time = self.length * self.time_rate
        source = self.n
        start_s = start.distance_m / self.speeds.normal
        rows, cols, costs, times = [src], [dst], [cost], [time]
        for p in start.positions:
            e = p.edge
            node, stretch = (self.tails[e], p.offset_m) if reverse else (self.heads[e], self.length[e] - p.offset_m)
            rows.append(np.array([source]))
            cols.append(np.array([node]))
            costs.append(np.array([start_s + stretch * self.cost_rate[e]]))
            times.append(np.array([start_s + stretch * self.time_rate[e]]))
        row, col = np.concatenate(rows), np.concatenate(cols)
        c, t = np.maximum(np.concatenate(costs), 1e-9), np.concatenate(times)
        order = np.lexsort((c, col, row))  # the cheapest of parallel edges
        row, col, c, t = row[order], col[order], c[order], t[order]
        keep = np.ones(row.size, dtype=bool)
        keep[1:] = (row[1:] != row[:-1]) | (col[1:] != col[:-1])
        row, col, c, t = row[keep], col[keep], c[keep], t[keep]
        size = self.n + 1
        matrix = csr_matrix((c, (row, col)), shape=(size, size))
        edge_time = {(int(a), int(b)): float(x) for a, b, x in zip(row, col, t, strict=True)}
        dist, pred = dijkstra(matrix, directed=True, indices=source, return_predecessors=True)
        seconds = np.full(size, np.inf)
        seconds[source] = 0.0
        for v in np.argsort(dist, kind="stable").tolist():
            if v == source or not np.isfinite(dist[v]):
                continue
            seconds[v] = seconds[int(pred[v])] + edge_time[(int(pred[v]), v)]
        return dist, seconds

    def walks(self, start: Snap, targets: list[Snap | None], *, reverse: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Per target: cost and seconds of the least-cost walk from ``start`` (to it when ``reverse``)."""
        dist, seconds = self._search(start, reverse=reverse)
        start_s = start.distance_m / self.speeds.normal
        cost_out = np.full(len(targets), np.inf)
        time_out = np.full(len(targets), np.inf)
        for i, snap in enumerate(targets):
            if snap is None:
                continue
            if (snap.lat, snap.lon) == (start.lat, start.lon):
                cost_out[i] = time_out[i] = 0.0
                continue
            end_s = snap.distance_m / self.speeds.normal
            best = (np.inf, np.inf)
            for p in snap.positions:
                e = p.edge
                node, stretch = (self.heads[e], self.length[e] - p.offset_m) if reverse else (self.tails[e], p.offset_m)
                best = min(
                    best, (dist[node] + stretch * self.cost_rate[e], seconds[node] + stretch * self.time_rate[e])
                )
                for own in start.positions:
                    if own.edge == e and ((p.offset_m <= own.offset_m) if reverse else (p.offset_m >= own.offset_m)):
                        along = abs(p.offset_m - own.offset_m)
                        best = min(best, (start_s + along * self.cost_rate[e], start_s + along * self.time_rate[e]))
            cost_out[i], time_out[i] = best[0] + end_s, best[1] + end_s
        return cost_out, time_out


def _rows(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _seconds(text: str) -> int:
    h, m, s = (int(x) for x in text.strip().split(":"))
    return h * 3600 + m * 60 + s


@dataclass
class GtfsNetwork:
    """The GTFS feed as the connection scan reads it."""

    stop_ids: list[str]
    stop_lat: list[float]
    stop_lon: list[float]
    boardable: list[bool]
    accessible: list[bool]
    parent: list[int]
    trips: dict[str, tuple[str, bool]]
    stop_times: dict[str, list[tuple[int, int, int]]]
    frequencies: dict[str, list[tuple[int, int, int]]]
    calendar: dict[str, dict[str, str]]
    exceptions: dict[tuple[str, str], str]
    transfers: list[tuple[int, int, int, int]]

    @classmethod
    def read(cls, folder: Path) -> GtfsNetwork:
        stops = _rows(folder / "stops.txt")
        index = {row["stop_id"]: i for i, row in enumerate(stops)}
        parent = [index.get(row.get("parent_station", "") or "", -1) for row in stops]
        own = [row.get("wheelchair_boarding", "") or "0" for row in stops]
        accessible = [
            (own[i] == "1") or (own[i] == "0" and parent[i] >= 0 and own[parent[i]] == "1") for i in range(len(stops))
        ]
        trips = {
            row["trip_id"]: (row["service_id"], (row.get("wheelchair_accessible") or "0") == "1")
            for row in _rows(folder / "trips.txt")
        }
        stop_times: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
        rows = _rows(folder / "stop_times.txt")
        # GTFS-Flex: a row with a location (zone or group) instead of a stop, or with a pickup/drop-off
        # window, makes its trip an on-demand one; a fixed-schedule connection scan rides none of them.
        flex_trips = {
            row["trip_id"]
            for row in rows
            if not row.get("stop_id") or row.get("start_pickup_drop_off_window") or row.get("location_id")
        }
        for row in rows:
            if row["trip_id"] in flex_trips:
                continue
            stop_times[row["trip_id"]].append(
                (
                    int(row["stop_sequence"]),
                    index[row["stop_id"]],
                    _seconds(row["arrival_time"]) * 100000 + _seconds(row["departure_time"]),
                )
            )
        frequencies: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
        for row in _rows(folder / "frequencies.txt"):
            frequencies[row["trip_id"]].append(
                (_seconds(row["start_time"]), _seconds(row["end_time"]), int(row["headway_secs"]))
            )
        transfers = [
            (
                index[row["from_stop_id"]],
                index[row["to_stop_id"]],
                int(row.get("transfer_type") or 0),
                int(row.get("min_transfer_time") or 0),
            )
            for row in _rows(folder / "transfers.txt")
        ]
        return cls(
            stop_ids=[row["stop_id"] for row in stops],
            stop_lat=[float(row["stop_lat"]) for row in stops],
            stop_lon=[float(row["stop_lon"]) for row in stops],
            boardable=[(row.get("location_type") or "0") == "0" for row in stops],
            accessible=accessible,
            parent=parent,
            trips=trips,
            stop_times=dict(stop_times),
            frequencies=dict(frequencies),
            calendar={row["service_id"]: row for row in _rows(folder / "calendar.txt")},
            exceptions={
                (r["service_id"], r["date"]): r["exception_type"] for r in _rows(folder / "calendar_dates.txt")
            },
            transfers=transfers,
        )

    def runs_on(self, service: str, day: date) -> bool:
        """GTFS: calendar_dates exception 1 adds, 2 removes; otherwise calendar.txt weekday and date range."""
        exception = self.exceptions.get((service, day.strftime("%Y%m%d")))
        if exception is not None:
            return exception == "1"
        row = self.calendar.get(service)
        if row is None:
            return False
        weekday = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")[day.weekday()]
        return row[weekday] == "1" and row["start_date"] <= day.strftime("%Y%m%d") <= row["end_date"]

    def connections(self, day: date, *, wheelchair: bool) -> list[tuple[int, int, int, int, int]]:
        """(departure, arrival, run, from stop, to stop) of the runs on ``day`` and the day before, by departure."""
        result: list[tuple[int, int, int, int, int]] = []
        run = 0
        for shift, service_day in ((0, day), (-86400, day - timedelta(days=1))):
            for trip_id, (service, accessible_trip) in self.trips.items():
                if wheelchair and not accessible_trip:
                    continue
                if not self.runs_on(service, service_day) or trip_id not in self.stop_times:
                    continue
                calls = sorted(self.stop_times[trip_id])
                times = [(t // 100000, t % 100000) for _, _, t in calls]
                stops = [s for _, s, _ in calls]
                offsets = [0]
                if trip_id in self.frequencies:
                    first = times[0][1]
                    offsets = [
                        start - first
                        for begin, end, headway in self.frequencies[trip_id]
                        for start in range(begin, end, headway)
                    ]
                for offset in offsets:
                    for i in range(len(calls) - 1):
                        departure = times[i][1] + offset + shift
                        arrival = times[i + 1][0] + offset + shift
                        result.append((departure, arrival, run, stops[i], stops[i + 1]))
                    run += 1
        result.sort()
        return result

    def transfer_rules(self) -> tuple[dict[int, int], dict[tuple[int, int], int]]:
        """Per stop its own change rule, and per stop pair theirs (-1 forbidden), station rules on their platforms."""
        children: dict[int, list[int]] = defaultdict(list)
        for stop, parent in enumerate(self.parent):
            if parent >= 0:
                children[parent].append(stop)
        pairs: dict[tuple[int, int], int] = {}
        for a, b, kind, minimum in self.transfers:
            rule = -1 if kind == 3 else (minimum if kind == 2 else 0)
            for x in children.get(a, [a]):
                for y in children.get(b, [b]):
                    pairs[x, y] = rule
        own: dict[int, int] = {}
        for (x, y), rule in pairs.items():
            if x == y:
                own[x] = -1 if rule == -1 else max(own.get(x, 0), rule)
        return own, pairs


def earliest_arrivals(
    connections: list[tuple[int, int, int, int, int]],
    stop_count: int,
    sources: dict[int, int],
    *,
    change: list[int],
    footpaths: dict[int, list[tuple[int, int]]],
    usable: list[bool],
    until: int,
) -> np.ndarray:
    """Connection scan: per stop, the earliest arrival by a ride (inf when none before ``until``).

    ``usable``: stops where one may board and alight (platforms; accessible ones for wheelchairs).
    """
    walk = np.full(stop_count, np.inf)
    ride = np.full(stop_count, np.inf)
    for stop, t in sources.items():
        walk[stop] = min(walk[stop], t)
    on_board: set[int] = set()
    if not sources:
        return ride
    start = min(sources.values())
    for departure, arrival, run, a, b in connections:
        if departure < start:
            continue
        if departure >= until:
            break
        if run not in on_board:
            if not usable[a]:
                continue
            ready = walk[a]
            if ride[a] < np.inf and change[a] >= 0:
                ready = min(ready, ride[a] + change[a])
            if ready > departure:
                continue
            on_board.add(run)
        if usable[b] and arrival < ride[b]:
            ride[b] = arrival
            for other, seconds in footpaths.get(b, []):
                walk[other] = min(walk[other], arrival + seconds)
    return ride


def agree(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Both unreachable, or both finite and within the tolerance."""
    finite = np.isfinite(a) & np.isfinite(b)
    diff = np.abs(np.where(finite, a, 0.0) - np.where(finite, b, 0.0))
    return (np.isinf(a) & np.isinf(b)) | (finite & (diff <= TOLERANCE_MIN))


class Reference:
    """The independent model of one mode on the demo region."""

    def __init__(self, gtfs: GtfsNetwork, engine: AccessibilityEngine, mode: Mode) -> None:
        self.gtfs = gtfs
        self.mode = mode
        self.max_walk_s = engine.config.max_access_walk_s
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
        self.change = [-1 if own.get(s, 0) == -1 else max(own.get(s, 0), SLACK_S) for s in range(len(gtfs.stop_ids))]
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
            if rule == -1 or seconds * factor > self.max_walk_s:
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
                found = {s: round(float(seconds[s])) for s in np.flatnonzero(cost <= self.max_walk_s).tolist()}
            self.egress.append(found)

    def minutes(
        self, snap: Snap, leaves: list[int], connections: list[tuple[int, int, int, int, int]], cutoff_s: float
    ) -> np.ndarray:
        """Per departure and destination, door-to-door seconds."""
        cost, seconds = self.streets.walks(snap, self.destination_snaps)
        direct = np.where(cost <= 2 * cutoff_s, seconds, np.inf)
        cost, seconds = self.streets.walks(snap, self.stop_snaps)
        access = {s: round(float(seconds[s])) for s in np.flatnonzero(cost <= self.max_walk_s).tolist()}
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
