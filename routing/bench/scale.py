"""Region builds at scale: time and peak memory of a build, worker start and ``/plan`` latency.

``mobility bench scale`` builds a region from the given OSM file and GTFS feeds (none: a
street-only region) in a child process and then, each in a fresh process:

- **region build**: ``build_region`` on the inputs; wall time and the child's peak
  resident set (``VmHWM``: ``ru_maxrss`` survives ``exec`` and would report a larger
  parent's peak), with the floor the imports alone reach in that process;
- **worker start**: what a new gunicorn worker does before its first request: load the
  region (memory maps), build the planner and one street router per profile; time and
  peak RSS after the imports;
- **plan**: ``/plan`` p50/p95 over seeded queries, answered by a command the caller gives
  (the CLI runs the Flask app's test client in a child, :mod:`app.loadtest.plan_latency`);
  without one, :class:`routing.planner.planner.Planner` answers the same queries directly.

Bytes per routable node and per stop_time divide the build's peak (whole, and above the
import floor) by the manifest's ``street_nodes`` and ``stop_times`` (compiled stop times:
frequency-based trips count once per run). The child processes run one at a time: the
numbers of a shared machine are its own, never the sum of several builds.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

MIB = 1024 * 1024
TIMEOUT_SECONDS = 4 * 3600
NEAR_DEGREES = 0.027
"""Street-only requests: destination within this many degrees of latitude (3 km) of the origin."""

_PEAK = """
def peak_mib():
    # VmHWM: this process's own high-water mark (ru_maxrss survives exec and would report
    # the parent's peak when that was larger)
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
"""

_BUILD_SCRIPT = (
    _PEAK
    + """
import json, sys, time
from datetime import date
from pathlib import Path
from routing.region.build import GtfsInput, RegionInputs, build_region
floor = peak_mib()
spec = json.loads(sys.argv[1])
started = time.perf_counter()
manifest = build_region(
    RegionInputs(
        name=spec["name"],
        gtfs=[GtfsInput(name=f"g{i}", path=Path(p)) for i, p in enumerate(spec["gtfs"])],
        osm_file=Path(spec["osm"]),
        zones_file=Path(spec["zones"]) if spec["zones"] else None,
        first_day=date.fromisoformat(spec["first_day"]),
        days=spec["days"],
        timezone=spec["timezone"],
    ),
    Path(spec["out"]),
)
seconds = time.perf_counter() - started
peak = peak_mib()
print(json.dumps({"seconds": seconds, "peak_mib": peak, "floor_mib": floor, "counts": manifest.counts}))
"""
)

_DEMO_SCRIPT = (
    _PEAK
    + """
import json, sys, time
from datetime import date
from pathlib import Path
from routing.demo.generate import generate_demo_inputs
floor = peak_mib()
started = time.perf_counter()
generate_demo_inputs(Path(sys.argv[1]), first_day=date.fromisoformat(sys.argv[2]), scale=float(sys.argv[3]),
                     shape_nodes=int(sys.argv[4]))
seconds = time.perf_counter() - started
peak = peak_mib()
print(json.dumps({"seconds": seconds, "peak_mib": peak, "floor_mib": floor}))
"""
)

_WORKER_SCRIPT = (
    _PEAK
    + """
import json, sys, time
from pathlib import Path
from routing.planner.planner import Planner
from routing.region.region import load_region
from routing.street.router import StreetRouter
floor = peak_mib()
started = time.perf_counter()
region = load_region(Path(sys.argv[1]))
planner = Planner(region)
routers = [StreetRouter(region.street, profile) for profile in region.street.profiles]
seconds = time.perf_counter() - started
peak = peak_mib()
print(json.dumps({"seconds": seconds, "peak_mib": peak, "floor_mib": floor, "profiles": len(routers)}))
"""
)

_PLANNER_SCRIPT = """
import json, sys, time
from pathlib import Path
import numpy as np
from routing.bench.scale import plan_requests
from routing.planner.planner import Planner
from routing.region.region import load_region
region = load_region(Path(sys.argv[1]))
planner = Planner(region)
requests = plan_requests(region, int(sys.argv[2]) + 1, int(sys.argv[3]))
def answer(request):
    try:
        planner.plan(request)
        return "ok"
    except Exception as exc:  # a benchmark counts failures by kind, as /plan would answer them
        return type(exc).__name__
answer(requests[0])  # kernels and indexes, outside the timing
times, outcomes = [], {}
for request in requests[1:]:
    started = time.perf_counter()
    outcome = answer(request)
    times.append((time.perf_counter() - started) * 1000)
    outcomes[outcome] = outcomes.get(outcome, 0) + 1
print(json.dumps({"queries": len(times), "p50_ms": float(np.percentile(times, 50)),
                  "p95_ms": float(np.percentile(times, 95)), "outcomes": outcomes, "by": "Planner.plan"}))
"""


@dataclass(frozen=True)
class ScaleCase:
    """One region to build and measure."""

    name: str
    osm_file: Path
    gtfs: list[Path] = field(default_factory=list)
    """GTFS feeds; none builds a street-only region (``timezone`` then required)."""
    first_day: date = field(default_factory=date.today)
    days: int = 15
    timezone: str | None = None
    zones_file: Path | None = None


def plan_requests(region: Any, count: int, seed: int) -> list[Any]:
    """Seeded door-to-door requests on ``region``: walk+transit near stops, or walk and bike without transit.

    Points near random stops (as ``mobility bench transit`` samples them) when the region
    has a timetable; otherwise between random street nodes, walking and cycling.
    """
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    import numpy as np

    from routing.bench.transit import sample_queries
    from routing.planner.request import Mode, PlanRequest
    from routing.transit.empty import has_transit

    day = region.manifest.valid_from
    if has_transit(region.timetable):
        return [
            PlanRequest(origin=o, destination=d, time=t, modes=frozenset({Mode.WALK, Mode.TRANSIT}))
            for o, d, t in sample_queries(region, count, seed, day)
        ]
    rng = np.random.default_rng(seed)
    lat, lon = np.asarray(region.street.lat), np.asarray(region.street.lon)
    zone = ZoneInfo(region.manifest.timezone)
    requests = []
    for index in range(count):
        a = int(rng.integers(lat.shape[0]))
        # A destination within about 3 km: an extract may span continents (apidb-test-data).
        near = np.flatnonzero((np.abs(lat - lat[a]) < NEAR_DEGREES) & (np.abs(lon - lon[a]) < 1.5 * NEAR_DEGREES))
        b = int(rng.choice(near))
        departure = datetime(day.year, day.month, day.day, tzinfo=zone) + timedelta(
            seconds=int(rng.integers(6 * 3600, 21 * 3600))
        )
        mode = Mode.WALK if index % 2 == 0 else Mode.BIKE
        requests.append(
            PlanRequest(
                origin=(float(lat[a]), float(lon[a])),
                destination=(float(lat[b]), float(lon[b])),
                time=departure,
                modes=frozenset({mode}),
            )
        )
    return requests


def _child(arguments: list[str]) -> dict[str, Any]:
    """Run one measuring child process; its last line of output is a JSON object."""
    completed = subprocess.run(arguments, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False)
    if completed.returncode != 0:
        lines = completed.stderr.strip().splitlines()
        return {"error": lines[-1] if lines else f"exit status {completed.returncode}"}
    return dict(json.loads(completed.stdout.strip().splitlines()[-1]))


def generate_demo_case(
    folder: Path, *, first_day: date, scale: float, shape_nodes: int
) -> tuple[ScaleCase, dict[str, Any]]:
    """Write the synthetic city's inputs into ``folder`` in a fresh process; the case and the generator's numbers."""
    generated = _child(
        [sys.executable, "-c", _DEMO_SCRIPT, str(folder), first_day.isoformat(), str(scale), str(shape_nodes)]
    )
    case = ScaleCase(
        name=f"demo --scale {scale:g} --shape-nodes {shape_nodes}",
        osm_file=folder / "demo-city.osm",
        gtfs=[folder / "gtfs"],
        first_day=first_day,
        zones_file=folder / "zones.geojson",
    )
    return case, generated


def measure_build(case: ScaleCase, out: Path) -> dict[str, Any]:
    """Build ``case`` into ``out`` in a fresh process: seconds, peak and import floor (MiB), manifest counts."""
    spec = {
        "name": case.name,
        "osm": str(case.osm_file),
        "gtfs": [str(path) for path in case.gtfs],
        "zones": str(case.zones_file) if case.zones_file else "",
        "first_day": case.first_day.isoformat(),
        "days": case.days,
        "timezone": case.timezone,
        "out": str(out),
    }
    return _child([sys.executable, "-c", _BUILD_SCRIPT, json.dumps(spec)])


def measure_worker_start(region_path: Path) -> dict[str, Any]:
    """Load the region, build the planner and a street router per profile in a fresh process (after imports)."""
    return _child([sys.executable, "-c", _WORKER_SCRIPT, str(region_path)])


def measure_plan(region_path: Path, *, queries: int, seed: int, plan_command: list[str] | None) -> dict[str, Any]:
    """``/plan`` latency in a fresh process: ``plan_command REGION QUERIES SEED``, or the planner directly."""
    command = plan_command or [sys.executable, "-c", _PLANNER_SCRIPT]
    return _child([*command, str(region_path), str(queries), str(seed)])


def scale_row(case: ScaleCase, build: dict[str, Any], worker: dict[str, Any], plan: dict[str, Any]) -> dict[str, Any]:
    """One row of the table: the three measurements and the bytes per routable node and per stop_time."""
    row: dict[str, Any] = {"name": case.name, "build": build, "worker": worker, "plan": plan}
    if "error" in build:
        return row
    counts = build["counts"]
    nodes, stop_times = int(counts.get("street_nodes", 0)), int(counts.get("stop_times", 0))
    whole, above = build["peak_mib"] * MIB, (build["peak_mib"] - build["floor_mib"]) * MIB
    row |= {
        "street_nodes": nodes,
        "stop_times": stop_times,
        "stops": int(counts.get("stops", 0)),
        "bytes_per_node": round(whole / nodes) if nodes else None,
        "bytes_per_node_above_floor": round(above / nodes) if nodes else None,
        "bytes_per_stop_time": round(whole / stop_times) if stop_times else None,
        "bytes_per_stop_time_above_floor": round(above / stop_times) if stop_times else None,
    }
    return row


def run_scale_benchmark(
    cases: list[ScaleCase],
    workdir: Path,
    *,
    queries: int = 100,
    seed: int = 42,
    plan_command: list[str] | None = None,
) -> dict[str, Any]:
    """Build and measure every case, one child process at a time; regions go below ``workdir``."""
    rows = []
    for number, case in enumerate(cases):
        out = workdir / f"region-{number}"
        build = measure_build(case, out)
        if "error" in build:
            rows.append(scale_row(case, build, {}, {}))
            continue
        worker = measure_worker_start(out)
        plan = measure_plan(out, queries=queries, seed=seed, plan_command=plan_command)
        rows.append(scale_row(case, build, worker, plan))
    return {"queries": queries, "seed": seed, "cases": rows}


def _value(value: Any, digits: int = 0) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def format_report(report: dict[str, Any]) -> str:
    """The table of ``run_scale_benchmark``'s report (Markdown)."""
    header = (
        "| region | routable nodes | stop_times | stops | build | peak (floor) | B/node whole (above floor) "
        "| B/stop_time whole (above floor) | worker start | worker peak | /plan p50 / p95 |"
    )
    lines = [header, "|" + "---|" * 11]
    for row in report["cases"]:
        build, worker, plan = row["build"], row["worker"], row["plan"]
        if "error" in build:
            lines.append(f"| {row['name']} | build failed: {build['error']} |" + " |" * 9)
            continue
        per_node = f"{_value(row['bytes_per_node'])} ({_value(row['bytes_per_node_above_floor'])})"
        per_stop_time = f"{_value(row['bytes_per_stop_time'])} ({_value(row['bytes_per_stop_time_above_floor'])})"
        start = f"{worker['seconds']:.2f} s" if "seconds" in worker else f"failed: {worker.get('error')}"
        worker_peak = f"{worker['peak_mib']:.0f} MB" if "peak_mib" in worker else "-"
        latency = (
            f"{plan['p50_ms']:.0f} / {plan['p95_ms']:.0f} ms" if "p95_ms" in plan else f"failed: {plan.get('error')}"
        )
        lines.append(
            f"| {row['name']} | {_value(row['street_nodes'])} | {_value(row['stop_times'])} | {_value(row['stops'])} "
            f"| {build['seconds']:.0f} s | {build['peak_mib']:.0f} MB ({build['floor_mib']:.0f}) | {per_node} "
            f"| {per_stop_time} | {start} | {worker_peak} | {latency} |"
        )
    lines.append(f"\n/plan: {report['queries']} seeded queries (seed {report['seed']}) after one warm-up query.")
    generator = report.get("demo_generator")
    if generator and "seconds" in generator:
        lines.append(
            f"Demo generator: {generator['seconds']:.0f} s, peak {generator['peak_mib']:.0f} MB "
            f"(imports alone {generator['floor_mib']:.0f} MB)."
        )
    return "\n".join(lines)
