"""Transit routing benchmark: our RAPTOR side by side with ferrobus, in one run.

Both engines answer the same seeded coordinate-to-coordinate earliest-arrival queries on
the same GTFS, OSM and service day:

- **ours**: ``TransitRouter.earliest`` on the street ends of ``StreetAccess`` (walk access to
  every stop within budget, RAPTOR, egress from every stop, journeys with legs; Pareto over
  arrival and transfers);
- **ferrobus** (bench extra): ``create_transit_point`` for both ends plus ``find_route``.

Every disagreement is classified (ours earlier, ferrobus earlier, one side finds nothing)
and checked against our connection-scan reference, so a "ferrobus earlier" case shows
whether our answer was exact for our rules. Builds are measured in fresh processes.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import osmium
import pandas as pd

from routing.bench.points import PointQueries
from routing.bench.street import Latency
from routing.errors import NoRoute
from routing.planner.errors import PointNotOnNetwork
from routing.region.region import Region
from routing.transit._raptor import INF
from routing.transit.compile import interpolate_times
from routing.transit.gtfs_load import parse_gtfs_times
from routing.transit.options import TransitOptions
from routing.transit.reference import earliest_arrival_csa
from routing.transit.service_time import moment_at

AGREE_SECONDS = 60


@dataclass
class Comparison:
    """How the two engines' earliest arrivals relate, pair by pair."""

    equal_within_60s: int = 0
    ours_earlier: int = 0
    ferrobus_earlier: int = 0
    only_ours: int = 0
    only_ferrobus: int = 0
    neither: int = 0
    ours_answered: int = 0
    ours_exact_against_reference: int = 0
    ours_earlier_median_s: float = 0.0
    ferrobus_earlier_median_s: float = 0.0
    examples: list[str] = field(default_factory=list)


def _fill_empty_times(folder: Path) -> int:
    """Interpolate empty stop times in place, as our compiler does (ferrobus rejects them)."""
    path = folder / "stop_times.txt"
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    empty = (table["arrival_time"].str.strip() == "") | (table["departure_time"].str.strip() == "")
    if not empty.any():
        return 0
    table["_sequence"] = pd.to_numeric(table["stop_sequence"])
    table = table.sort_values(["trip_id", "_sequence"], kind="stable").reset_index(drop=True)
    trip = pd.factorize(table["trip_id"])[0].astype(np.int64)
    for column in ("arrival_time", "departure_time"):
        seconds = parse_gtfs_times(table[column].replace("", pd.NA), file=str(path), column=column)
        filled = interpolate_times(seconds, trip)
        table[column] = [
            f"{t // 3600:02d}:{t % 3600 // 60:02d}:{t % 60:02d}" if t >= 0 else "" for t in filled.tolist()
        ]
    table.drop(columns="_sequence").to_csv(path, index=False)
    return int(empty.sum())


def _gtfs_folders(region: Region, workdir: Path) -> tuple[list[Path], int]:
    """Unzipped copies of the region's feeds for ferrobus, and how many times were filled in."""
    folders, filled = [], 0
    for item in region.manifest.inputs:
        if not item.kind.startswith("gtfs:"):
            continue
        path = Path(item.path)
        target = workdir / item.kind.removeprefix("gtfs:")
        if path.is_dir():
            shutil.copytree(path, target)
        else:
            with zipfile.ZipFile(path) as archive:
                archive.extractall(target)
        filled += _fill_empty_times(target)
        folders.append(target)
    return folders, filled


def sample_queries(
    region: Region, count: int, seed: int, day: date
) -> list[tuple[tuple[float, float], tuple[float, float], datetime]]:
    """Seeded origin/destination points near stops and departure times between 6:00 and 21:00."""
    rng = np.random.default_rng(seed)
    zone = ZoneInfo(region.manifest.timezone)
    stops = np.flatnonzero(np.diff(np.asarray(region.footpaths["walk"].stop_position_offsets)) > 0)
    lat, lon = np.asarray(region.timetable.stop_lat), np.asarray(region.timetable.stop_lon)
    queries = []
    for _ in range(count):
        a, b = rng.choice(stops, 2, replace=False)
        origin = (float(lat[a] + rng.normal(0, 0.002)), float(lon[a] + rng.normal(0, 0.002)))
        destination = (float(lat[b] + rng.normal(0, 0.002)), float(lon[b] + rng.normal(0, 0.002)))
        departure = datetime(day.year, day.month, day.day, tzinfo=zone) + timedelta(
            seconds=int(rng.integers(6 * 3600, 21 * 3600))
        )
        queries.append((origin, destination, departure))
    return queries


def _ours(router: PointQueries, query: Any, options: TransitOptions) -> tuple[float, float, int | None]:
    """One query: earliest-arrival time (and answer), then the full Pareto plan with legs."""
    origin, destination, departure = query
    started = time.perf_counter()
    try:
        found = router.earliest_arrival(origin, destination, departure, options)
        arrival: int | None = round(found.timestamp()) if found else None
    except PointNotOnNetwork:
        arrival = None
    earliest = time.perf_counter() - started
    started = time.perf_counter()
    try:
        router.earliest(origin, destination, departure, options)
    except (NoRoute, PointNotOnNetwork):
        pass
    return earliest, time.perf_counter() - started, arrival


@dataclass
class _Ferrobus:
    """ferrobus' model of the same GTFS + OSM and day."""

    module: Any
    model: Any
    build_seconds: float
    filled_stop_times: int


def _ferrobus_model(region: Region, day: date, workdir: Path) -> _Ferrobus | str:
    """The peer's model, or why it cannot be built."""
    try:
        import ferrobus  # optional peer (bench extra), imported only when benchmarking
    except ImportError:
        return "ferrobus not installed: pip install -e '.[bench]'"
    osm = next((Path(i.path) for i in region.manifest.inputs if i.kind == "osm"), None)
    if osm is None or not osm.is_file():
        return "the region's OSM input file is not available"
    folders, filled = _gtfs_folders(region, workdir)
    if not osm.name.endswith(".pbf"):  # ferrobus reads PBF only
        converted = workdir / "streets.osm.pbf"
        with osmium.SimpleWriter(str(converted)) as writer:
            for obj in osmium.FileProcessor(str(osm)):
                writer.add(obj)
        osm = converted
    started = time.perf_counter()
    try:
        model = ferrobus.create_transit_model(str(osm), [str(p) for p in folders], day)
    except RuntimeError as exc:
        return f"ferrobus could not build its model: {exc}"
    return _Ferrobus(ferrobus, model, time.perf_counter() - started, filled)


def _ferrobus_query(peer: _Ferrobus, query: Any, max_transfers: int) -> tuple[float, float, float, int | None]:
    """One query: points + find_route, find_route alone, points + detailed_journey, and the arrival."""
    ferrobus, model = peer.module, peer.model
    origin, destination, departure = query
    seconds_of_day = (departure - departure.replace(hour=0, minute=0, second=0)).seconds
    started = time.perf_counter()
    try:
        start = ferrobus.create_transit_point(origin[0], origin[1], model)
        end = ferrobus.create_transit_point(destination[0], destination[1], model)
        routed = time.perf_counter()
        result = ferrobus.find_route(model, start, end, seconds_of_day, max_transfers)
    except (ValueError, RuntimeError):
        result, routed = None, time.perf_counter()
    done = time.perf_counter()
    arrival = round(departure.timestamp()) + int(result["travel_time_seconds"]) if result else None
    started_journey = time.perf_counter()
    try:
        start = ferrobus.create_transit_point(origin[0], origin[1], model)
        end = ferrobus.create_transit_point(destination[0], destination[1], model)
        ferrobus.detailed_journey(model, start, end, seconds_of_day, max_transfers)
    except (ValueError, RuntimeError):
        pass
    return done - started, done - routed, time.perf_counter() - started_journey, arrival


def _compare(
    router: PointQueries, queries: list[Any], ours: list[int | None], theirs: list[int | None], options: TransitOptions
) -> Comparison:
    comparison = Comparison()
    ours_ahead, theirs_ahead = [], []
    for (origin, destination, departure), mine, other in zip(queries, ours, theirs, strict=True):
        if mine is None and other is None:
            comparison.neither += 1
        elif other is None:
            comparison.only_ours += 1
        elif mine is None:
            comparison.only_ferrobus += 1
            comparison.examples.append(f"only ferrobus: {origin} -> {destination} at {departure:%H:%M}")
        elif abs(mine - other) <= AGREE_SECONDS:
            comparison.equal_within_60s += 1
        elif mine < other:
            comparison.ours_earlier += 1
            ours_ahead.append(other - mine)
        else:
            comparison.ferrobus_earlier += 1
            theirs_ahead.append(mine - other)
            if len(comparison.examples) < 5:
                comparison.examples.append(
                    f"ferrobus {mine - other} s earlier: {origin} -> {destination} at {departure:%H:%M}"
                )
        if mine is not None:  # the reference: >= 1 trip (connection scan) or walking the whole way
            comparison.ours_answered += 1
            ends = router.ends(origin, destination, departure, options)
            expected = earliest_arrival_csa(router.transit, ends.day, ends.sources, ends.targets, options=options)
            if ends.direct_arrival is not None:
                expected = min(expected, ends.direct_arrival)
            if expected < INF and round(moment_at(ends.day, expected, router.transit.zone).timestamp()) == mine:
                comparison.ours_exact_against_reference += 1
    comparison.ours_earlier_median_s = float(np.median(ours_ahead)) if ours_ahead else 0.0
    comparison.ferrobus_earlier_median_s = float(np.median(theirs_ahead)) if theirs_ahead else 0.0
    return comparison


_BUILD_SCRIPT = """
import json, resource, sys, time
from datetime import date
from pathlib import Path
from routing.transit.compile import compile_timetable
from routing.transit.gtfs_load import load_gtfs
started = time.perf_counter()
feed = load_gtfs(Path(sys.argv[1]), name="feed")
timetable = compile_timetable([feed], first_day=date.fromisoformat(sys.argv[2]), days=15)
peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": time.perf_counter() - started, "peak_mib": peak_mib, **timetable.counts}))
"""


def measure_feed_build(gtfs: Path, first_day: date) -> dict[str, Any]:
    """Time and peak memory of loading and compiling one feed (15 days), in a fresh process."""
    completed = subprocess.run(
        [sys.executable, "-c", _BUILD_SCRIPT, str(gtfs), first_day.isoformat()],
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    if completed.returncode != 0:
        return {"error": completed.stderr.strip().splitlines()[-1] if completed.stderr else "failed"}
    return dict(json.loads(completed.stdout.strip().splitlines()[-1]))


def run_transit_benchmark(
    region: Region,
    *,
    pairs: int = 300,
    seed: int = 42,
    day: date | None = None,
    max_transfers: int = 4,
) -> dict[str, Any]:
    """Run the side-by-side transit benchmark on ``region``."""
    day = day or region.manifest.valid_from
    assert day is not None
    router = PointQueries.of(region)
    options = TransitOptions(max_transfers=max_transfers)
    queries = sample_queries(region, pairs + 1, seed, day)
    workdir = tempfile.TemporaryDirectory(prefix="bench-transit-")  # the peer's GTFS copies, until the end
    peer = _ferrobus_model(region, day, Path(workdir.name))
    _ours(router, queries[0], options)  # compile kernels, build indexes
    try:
        router.pareto(*queries[0], options)
    except (NoRoute, PointNotOnNetwork):
        pass
    try:  # the reverse kernel too
        origin, destination, departure = queries[0]
        router.arrive_by(origin, destination, departure + timedelta(hours=1), options)
    except (NoRoute, PointNotOnNetwork):
        pass
    if isinstance(peer, _Ferrobus):
        _ferrobus_query(peer, queries[0], max_transfers)  # the first call builds ferrobus' caches
    queries = queries[1:]
    # Interleaved query by query, so load on this shared machine hits both engines alike.
    our_times, plan_times, our_arrivals, peer_times, peer_route_times, peer_journey_times, peer_arrivals = (
        [],
        [],
        [],
        [],
        [],
        [],
        [],
    )
    for query in queries:
        earliest, planned, arrival = _ours(router, query, options)
        our_times.append(earliest)
        plan_times.append(planned)
        our_arrivals.append(arrival)
        if isinstance(peer, _Ferrobus):
            total, routed, journey, theirs = _ferrobus_query(peer, query, max_transfers)
            peer_times.append(total)
            peer_route_times.append(routed)
            peer_journey_times.append(journey)
            peer_arrivals.append(theirs)
    range_times, arrive_by_times, pareto_times = [], [], []
    for origin, destination, departure in queries:
        started = time.perf_counter()
        try:
            router.pareto(origin, destination, departure, options)
        except (NoRoute, PointNotOnNetwork):
            pass
        pareto_times.append(time.perf_counter() - started)
    for origin, destination, departure in queries[: max(10, len(queries) // 5)]:
        started = time.perf_counter()
        try:
            router.range_departures(origin, destination, departure, departure + timedelta(hours=1), options)
        except (NoRoute, PointNotOnNetwork):
            pass
        range_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        try:
            router.arrive_by(origin, destination, departure + timedelta(hours=1), options)
        except (NoRoute, PointNotOnNetwork):
            pass
        arrive_by_times.append(time.perf_counter() - started)
    report: dict[str, Any] = {
        "region": region.manifest.name,
        "day": day.isoformat(),
        "pairs": len(queries),
        "ours": asdict(Latency.of(our_times)),
        "ours_plan": asdict(Latency.of(plan_times)),
        "ours_range_1h": asdict(Latency.of(range_times)),
        "ours_arrive_by": asdict(Latency.of(arrive_by_times)),
        "ours_pareto": asdict(Latency.of(pareto_times)),
    }
    if isinstance(peer, str):
        report["ferrobus"] = {"error": peer}
    else:
        report["ferrobus"] = {
            "build_seconds": peer.build_seconds,
            "filled_stop_times": peer.filled_stop_times,
            **asdict(Latency.of(peer_times)),
            "find_route_only": asdict(Latency.of(peer_route_times)),
            "detailed_journey": asdict(Latency.of(peer_journey_times)),
        }
        report["comparison"] = asdict(_compare(router, queries, our_arrivals, peer_arrivals, options))
    workdir.cleanup()
    return report


def format_report(report: dict[str, Any]) -> str:
    """Human-readable table with ratios."""
    ours, plan = report["ours"], report["ours_plan"]
    pareto, hour, arrive_by = report["ours_pareto"], report["ours_range_1h"], report["ours_arrive_by"]

    def row(label: str, who: str, figures: dict[str, Any], note: str = "") -> str:
        text = f"  {label:<17} {who} p50 {figures['p50_ms']:7.2f} ms  p95 {figures['p95_ms']:7.2f} ms"
        return f"{text}  ({note})" if note else text

    lines = [
        f"transit benchmark: {report['region']} on {report['day']}, {report['pairs']} coordinate pairs",
        row("earliest arrival", "ours", ours),
        row("Pareto with legs", "ours", plan, "arrival x transfers, RAPTOR"),
        row("multi-criteria", "ours", pareto, "arrival x walking x transfers, McRAPTOR"),
        row("range, 1 hour", "ours", hour, f"{hour['count']} pairs"),
        row("arrive-by", "ours", arrive_by),
    ]
    peer = report["ferrobus"]
    if "error" in peer:
        lines.append(f"  ferrobus    not measured: {peer['error']}")
    else:
        journey = peer["detailed_journey"]
        lines.append(
            row(
                "earliest arrival",
                "ferrobus",
                peer,
                f"points + find_route; find_route alone p50 {peer['find_route_only']['p50_ms']:.3f} ms; "
                f"model build {peer['build_seconds']:.1f} s",
            )
        )
        lines.append(row("with legs", "ferrobus", journey, "points + detailed_journey"))
        lines.append(
            f"  ratio ours/ferrobus p50: earliest arrival {ours['p50_ms'] / peer['p50_ms']:.2f}, "
            f"with legs {plan['p50_ms'] / journey['p50_ms']:.2f} (ferrobus: one journey; ours: the Pareto set)"
        )
        if peer["filled_stop_times"]:
            lines.append(
                f"  (ferrobus cannot read empty stop times: it got {peer['filled_stop_times']} of them "
                "interpolated as ours)"
            )
        c = report["comparison"]
        lines.append(
            f"  arrivals: equal (±60 s) {c['equal_within_60s']}, "
            f"ours earlier {c['ours_earlier']} (median {c['ours_earlier_median_s']:.0f} s), "
            f"ferrobus earlier {c['ferrobus_earlier']} (median {c['ferrobus_earlier_median_s']:.0f} s), "
            f"only ours {c['only_ours']}, only ferrobus {c['only_ferrobus']}, neither {c['neither']}"
        )
        lines.append(
            f"  ours equal to the connection-scan reference: {c['ours_exact_against_reference']} "
            f"of the {c['ours_answered']} pairs we answered"
        )
        lines.extend(f"    {example}" for example in c["examples"])
    for name, build in report.get("builds", {}).items():
        lines.append(f"  build {name}: {build}")
    return "\n".join(lines)
