"""Street routing benchmark: our router side by side with its peers, in one run.

For each profile (walk, bike) the same origin/destination pairs (random network vertices,
seeded) are routed by

- **ours**: ``StreetRouter.route`` coordinate to coordinate, including snapping, geometry
  and turn-by-turn steps;
- **networkx**: ``networkx.shortest_path`` on the osmnx graph of the same OSM file (weight
  ``length``), node to node, as osmnx users route;
- **networkx on our graph**: ``networkx.shortest_path_length`` on our compiled profile
  graph with our weights: an independent exactness check (costs must agree);
- **Valhalla** (optional): its ``/route`` HTTP API on the same OSM file, when a server URL
  is given (pyvalhalla only ships CPython 3.12 wheels; see ``docs/benchmarks.md``);
- **OSRM** (optional): contraction hierarchies in-process in a CPython 3.12 interpreter
  with osrm-bindings (:mod:`routing.bench.osrm_peer`), full geometry and steps, when that
  interpreter is given.

Import time and peak memory of the OSM file are measured in a fresh process so the
benchmark's own memory does not count.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import requests

from routing.bench.osrm_peer import OsrmUnavailable, run_osrm
from routing.errors import NoRoute, PointNotRoutable
from routing.region.region import Region
from routing.street.router import Snap, StreetRoute, StreetRouter, TravelSpeeds, cycling_speeds, walking_speeds

PROFILES: dict[str, tuple[TravelSpeeds, str]] = {
    "walk": (walking_speeds(), "pedestrian"),
    "bike": (cycling_speeds(), "bicycle"),
}


@dataclass
class Latency:
    """Latency summary in milliseconds."""

    p50_ms: float
    p95_ms: float
    count: int

    @classmethod
    def of(cls, seconds: list[float]) -> Latency:
        """Summarise a list of durations in seconds."""
        values = np.array(seconds) * 1000
        return cls(float(np.percentile(values, 50)), float(np.percentile(values, 95)), len(values))


@dataclass
class ProfileResult:
    """Results for one profile."""

    profile: str
    pairs: int
    ours: Latency
    networkx: Latency | None = None
    valhalla: Latency | None = None
    osrm: Latency | None = None
    networkx_exact_mismatches: int | None = None
    length_ratio_networkx: dict[str, float] = field(default_factory=dict)
    length_ratio_valhalla: dict[str, float] = field(default_factory=dict)
    length_ratio_osrm: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _ratio_summary(ratios: list[float]) -> dict[str, float]:
    if not ratios:
        return {}
    values = np.array(ratios)
    return {
        "median": float(np.median(values)),
        "within_1pct": float(np.mean(np.abs(values - 1) <= 0.01)),
        "within_5pct": float(np.mean(np.abs(values - 1) <= 0.05)),
    }


def sample_pairs(router: StreetRouter, count: int, seed: int) -> list[tuple[int, int, Snap, Snap]]:
    """Random pairs of routable vertices (as node indexes and snaps at their exact position)."""
    rng = np.random.default_rng(seed)
    offsets = np.asarray(router.graph.offsets)
    vertices = np.flatnonzero(np.diff(offsets) > 0)
    lat, lon = router.network.lat, router.network.lon
    pairs: list[tuple[int, int, Snap, Snap]] = []
    attempts = 0
    while len(pairs) < count and attempts < count * 50:
        attempts += 1
        a, b = (int(v) for v in rng.choice(vertices, 2, replace=False))
        try:
            snaps = (
                router.snap(float(lat[a]), float(lon[a]), max_distance_m=5),
                router.snap(float(lat[b]), float(lon[b]), max_distance_m=5),
            )
        except PointNotRoutable:
            continue  # vertex on an island that snapping leaves out
        pairs.append((a, b, *snaps))
    return pairs


def _our_graph_as_networkx(router: StreetRouter, speeds: TravelSpeeds) -> nx.DiGraph:
    graph = router.graph
    speed_array = speeds.as_array()
    weight = (
        np.asarray(graph.length_m, dtype=np.float64)
        * np.asarray(graph.cost_factor)
        / speed_array[np.asarray(graph.speed_class)]
    )
    digraph = nx.DiGraph()
    for tail, head, w in zip(graph.tails().tolist(), np.asarray(graph.targets).tolist(), weight.tolist(), strict=True):
        if not digraph.has_edge(tail, head) or digraph[tail][head]["weight"] > w:
            digraph.add_edge(tail, head, weight=w)
    return digraph


def _valhalla_route(url: str, costing: str, a: Snap, b: Snap) -> tuple[float, float]:
    body: dict[str, Any] = {
        "locations": [{"lat": a.lat, "lon": a.lon}, {"lat": b.lat, "lon": b.lon}],
        "costing": costing,
        "directions_options": {"units": "kilometers"},
    }
    started = time.perf_counter()
    response = requests.post(f"{url.rstrip('/')}/route", json=body, timeout=30)
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    return elapsed, float(response.json()["trip"]["summary"]["length"]) * 1000


@dataclass(frozen=True)
class OsrmPeer:
    """How to run OSRM beside us: its interpreter, the OSM file and where its prepared files stay."""

    python: Path
    osm_file: Path
    cache: Path


def _measure_osrm(
    peer: OsrmPeer, profile: str, sample: list[tuple[int, int, Snap, Snap]], routes: list[StreetRoute | None]
) -> tuple[Latency | None, dict[str, float], str]:
    """OSRM's latency and length agreement on ``sample``, with a note on what was measured."""
    try:
        run = run_osrm(
            peer.python,
            peer.osm_file,
            profile,
            [((a.lat, a.lon), (b.lat, b.lon)) for *_, a, b in sample],
            cache=peer.cache,
        )
    except OsrmUnavailable as exc:
        return None, {}, f"OSRM not measured: {exc}"
    times = [seconds for seconds in run.seconds if seconds is not None]
    ratios = [
        found.distance_m / length
        for found, length in zip(routes, run.distances_m, strict=True)
        if found is not None and length
    ]
    note = f"OSRM CH in-process (steps, full geometry); prepared in {run.prepared_s:.1f} s"
    return (Latency.of(times) if times else None), _ratio_summary(ratios), note


def bench_profile(
    router: StreetRouter,
    profile: str,
    *,
    pairs: int,
    seed: int,
    osmnx_graph: nx.MultiDiGraph | None,
    valhalla_url: str | None,
    osrm: OsrmPeer | None = None,
) -> ProfileResult:
    """Measure one profile on ``pairs`` seeded pairs."""
    speeds, costing = PROFILES[profile]
    sample = sample_pairs(router, pairs + 1, seed)
    router.route(sample[0][2], sample[0][3], speeds=speeds)  # compile and warm up
    sample = sample[1:]
    ours: list[float] = []
    routes: list[StreetRoute | None] = []
    for _, _, snap_a, snap_b in sample:
        started = time.perf_counter()
        try:
            route = router.route(snap_a, snap_b, speeds=speeds)
        except NoRoute:
            routes.append(None)
            continue
        ours.append(time.perf_counter() - started)
        routes.append(route)
    result = ProfileResult(profile=profile, pairs=len(sample), ours=Latency.of(ours))

    exact = _our_graph_as_networkx(router, speeds)
    mismatches = 0
    for (a, b, _, _), found in zip(sample, routes, strict=True):
        try:
            expected = nx.shortest_path_length(exact, a, b, weight="weight")
        except nx.NetworkXNoPath:
            expected = float("inf")
        got = found.cost if found is not None else float("inf")
        if not (got == expected or abs(got - expected) <= 1e-6 * max(expected, 1.0)):
            mismatches += 1
    result.networkx_exact_mismatches = mismatches

    if osmnx_graph is not None:
        osm_id = np.asarray(router.network.osm_id)
        times, ratios = [], []
        for (a, b, _, _), found in zip(sample, routes, strict=True):
            started = time.perf_counter()
            try:
                path = nx.shortest_path(osmnx_graph, int(osm_id[a]), int(osm_id[b]), weight="length")
            except (nx.NetworkXNoPath, nx.NodeNotFound):
                continue
            times.append(time.perf_counter() - started)
            length = sum(min(d["length"] for d in osmnx_graph[u][v].values()) for u, v in itertools.pairwise(path))
            if found is not None and length > 0:
                ratios.append(found.distance_m / length)
        result.networkx = Latency.of(times) if times else None
        result.length_ratio_networkx = _ratio_summary(ratios)
        result.notes.append("networkx routes by length on the unfiltered osmnx graph; ours by the profile's cost")

    if valhalla_url:
        times, ratios = [], []
        for (_, _, snap_a, snap_b), found in zip(sample, routes, strict=True):
            try:
                elapsed, length = _valhalla_route(valhalla_url, costing, snap_a, snap_b)
            except (requests.RequestException, KeyError, ValueError):
                continue
            times.append(elapsed)
            if found is not None and length > 0:
                ratios.append(found.distance_m / length)
        result.valhalla = Latency.of(times) if times else None
        result.length_ratio_valhalla = _ratio_summary(ratios)

    if osrm is not None:
        result.osrm, result.length_ratio_osrm, note = _measure_osrm(osrm, profile, sample, routes)
        result.notes.append(note)
    return result


_IMPORT_SCRIPT = """
import json, resource, sys, time
from pathlib import Path
from routing.street.compile import compile_edge_table, edge_table_from_graph
from routing.street.osm_import import graph_from_osm_file
started = time.perf_counter()
graph = graph_from_osm_file(Path(sys.argv[1]))
table = edge_table_from_graph(graph)
del graph
network = compile_edge_table(table)
print(json.dumps({"seconds": time.perf_counter() - started,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "nodes": network.node_count}))
"""


def measure_import(osm_file: Path) -> dict[str, float]:
    """Import time and peak memory of ``osm_file``, measured in a fresh process."""
    completed = subprocess.run(
        [sys.executable, "-c", _IMPORT_SCRIPT, str(osm_file)], capture_output=True, text=True, check=True, timeout=3600
    )
    return dict(json.loads(completed.stdout.strip().splitlines()[-1]))


def osm_input(region: Region) -> Path | None:
    """The OSM file the region was built from, when it is still there."""
    for item in region.manifest.inputs:
        if item.kind == "osm" and Path(item.path).is_file():
            return Path(item.path)
    return None


def run_street_benchmark(
    region: Region,
    *,
    pairs: int = 300,
    seed: int = 42,
    osm_file: Path | None = None,
    valhalla_url: str | None = None,
    import_measurement: bool = True,
    import_file: Path | None = None,
    osrm_python: Path | None = None,
    osrm_cache: Path | None = None,
) -> dict[str, Any]:
    """Run the whole street benchmark and return its results as plain data.

    ``import_file`` measures the import of another OSM file (default: the region's own).
    ``osrm_python`` (a CPython 3.12 with osrm-bindings) adds OSRM CH on the same OSM file;
    its prepared files stay in ``osrm_cache`` (default: a folder in the temporary directory).
    """
    from routing.street.osm_import import graph_from_osm_file

    osm_file = osm_file or osm_input(region)
    osmnx_graph = graph_from_osm_file(osm_file) if osm_file else None
    osrm = (
        OsrmPeer(osrm_python, osm_file, osrm_cache or Path(tempfile.gettempdir()) / "kassel-mobility-osrm")
        if osrm_python is not None and osm_file is not None
        else None
    )
    results = [
        bench_profile(
            StreetRouter(region.street, profile),
            profile,
            pairs=pairs,
            seed=seed,
            osmnx_graph=osmnx_graph,
            valhalla_url=valhalla_url,
            osrm=osrm,
        )
        for profile in PROFILES
    ]
    report: dict[str, Any] = {
        "region": region.manifest.name,
        "street_nodes": region.street.node_count,
        "osm_file": str(osm_file) if osm_file else None,
        "profiles": [asdict(result) for result in results],
    }
    measured_file = import_file or osm_file
    if measured_file and import_measurement:
        report["import"] = {"file": str(measured_file), **measure_import(measured_file)}
    return report


def format_report(report: dict[str, Any]) -> str:
    """Human-readable table with ratios."""
    lines = [f"street benchmark: {report['region']} ({report['street_nodes']} nodes)"]
    for result in report["profiles"]:
        ours = result["ours"]
        lines.append(f"  {result['profile']}: {result['pairs']} pairs")
        lines.append(f"    ours        p50 {ours['p50_ms']:8.3f} ms   p95 {ours['p95_ms']:8.3f} ms")
        for peer in ("networkx", "valhalla", "osrm"):
            measured = result.get(peer)
            if measured:
                lines.append(
                    f"    {peer:<11} p50 {measured['p50_ms']:8.3f} ms   p95 {measured['p95_ms']:8.3f} ms   "
                    f"ours/{peer} {ours['p50_ms'] / measured['p50_ms']:.3g}x at p50, "
                    f"{ours['p95_ms'] / measured['p95_ms']:.3g}x at p95"
                )
                agreement = result[f"length_ratio_{peer}"]
                if agreement:
                    lines.append(
                        f"    length ours/{peer}: median {agreement['median']:.4f}, "
                        f"within 1 % {agreement['within_1pct']:.0%}, within 5 % {agreement['within_5pct']:.0%}"
                    )
            elif peer == "valhalla":
                lines.append(
                    "    valhalla    not measured (give --valhalla-url of a valhalla_service on this OSM file)"
                )
            elif peer == "osrm":
                lines.append("    osrm        not measured (give --osrm-python, a CPython 3.12 with osrm-bindings)")
        lines.append(
            f"    exactness: {result['networkx_exact_mismatches']} cost mismatches against networkx on our graph"
        )
    if "import" in report:
        imported = report["import"]
        lines.append(
            f"  import of {imported['file']} ({imported['nodes']:.0f} nodes): {imported['seconds']:.1f} s, "
            f"peak {imported['peak_mib']:.0f} MiB"
        )
    return "\n".join(lines)
