"""``mobility bench all``: every row of issue #19's table, with the peers, in one run.

Rows: the cold start (a fresh process on an empty kernel cache, then a restart on the
filled one), earliest arrival against ferrobus, McRAPTOR, range and arrive-by
(``routing.bench.transit``), ``/plan`` under load with gunicorn -w 2 and locust
(``app.loadtest.run``), and street walking against networkx (``routing.bench.street``).
OSRM runs only in a CPython 3.12 environment (``../shared/PEERS.md``): given its
interpreter (``osrm_python``), OSRM CH runs in the same run; otherwise its column says so.
Ratios are ours / peer from the same run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from routing.region.region import Region

__all__ = ["format_table", "measure_cold_start", "run_all"]

ROOT = Path(__file__).resolve().parents[2]
PLANS_AFTER_START = 10

_COLD_START = """
import json, sys, time
started = time.perf_counter()
from pathlib import Path

from app import create_app
from app.settings import Environment, LogLevel, Settings

instance, region, cache, query = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), json.loads(sys.argv[4])
app = create_app(Settings(
    env=Environment.TESTING, instance_path=instance, database_url=f"sqlite:///{instance / 'db.sqlite3'}",
    region_path=region, log_level=LogLevel.WARNING, region_reload_seconds=0, plan_budget_seconds=120,
    kernel_cache_path=cache,
))
app.extensions["mobility.kernels"].wait()
ready_s = time.perf_counter() - started
client = app.test_client()
plans = []
for _ in range(int(sys.argv[5])):
    t = time.perf_counter()
    status = client.get("/api/v1/plan", query_string=query).status_code
    plans.append([status, (time.perf_counter() - t) * 1000])
print(json.dumps({"ready_s": ready_s, "plans_ms": plans}))
"""


def measure_cold_start(region: Region, cache: Path, query: dict[str, str]) -> dict[str, Any]:
    """A fresh process on the kernel cache ``cache``: seconds until warm, and its first and tenth ``/plan``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("MOBILITY_", "NUMBA_"))}
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as tmp:
        arguments = [tmp, str(region.path), str(cache), json.dumps(query), str(PLANS_AFTER_START)]
        done = subprocess.run(
            [sys.executable, "-c", _COLD_START, *arguments],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    times = [ms for _, ms in report["plans_ms"]]
    report["statuses"] = sorted({status for status, _ in report["plans_ms"]})
    report["first_ms"], report["tenth_ms"] = times[0], times[-1]
    return report


def run_all(
    region: Region,
    *,
    pairs: int,
    users: int,
    seconds: int,
    seed: int = 42,
    osrm_python: Path | None = None,
    progress: Callable[[str], None] = lambda stage: None,
) -> dict[str, Any]:
    """Run every benchmark of the table on ``region``; plain data for :func:`format_table` or JSON.

    ``progress`` is told each stage as it starts (with the seconds taken so far).
    """
    from app.kernels import use_kernel_cache
    from app.loadtest.run import plan_queries, run_load_test
    from routing.bench.street import run_street_benchmark
    from routing.bench.transit import run_transit_benchmark

    started = time.perf_counter()

    def stage(name: str) -> None:
        progress(f"{time.perf_counter() - started:6.1f} s  {name}")

    query = plan_queries(region, 1, seed)[0]
    with tempfile.TemporaryDirectory(prefix="bench-kernels-") as cache_dir:
        cache = Path(cache_dir)
        stage("cold start: a fresh process on an empty kernel cache")
        cold = measure_cold_start(region, cache, query)
        stage("restart: a fresh process on the filled cache")
        restart = measure_cold_start(region, cache, query)
        stage(f"/plan load test: gunicorn -w 2, {users} users, {seconds} s")
        load = run_load_test(region, users=users, seconds=seconds, seed=seed, kernel_cache=cache, profile=False)
        use_kernel_cache(cache)  # this process loads the kernels the cold start compiled
        stage(f"transit: ours and ferrobus, {pairs} pairs")
        transit = run_transit_benchmark(region, pairs=pairs, seed=seed)
        stage(f"street: ours, networkx{' and OSRM' if osrm_python else ''}, {pairs} pairs")
        street = run_street_benchmark(region, pairs=pairs, seed=seed, import_measurement=False, osrm_python=osrm_python)
    stage("done")
    return {
        "region": region.manifest.name,
        "pairs": pairs,
        "cold_start": cold,
        "restart": restart,
        "transit": transit,
        "load": load,
        "street": street,
    }


def _ms(value: float) -> str:
    return f"{value:.2f} ms" if value < 100 else f"{value:.0f} ms"


def _start_row(label: str, start: dict[str, Any]) -> list[str]:
    if "error" in start:
        return [label, f"not measured: {start['error']}", "", ""]
    ratio = start["first_ms"] / start["tenth_ms"] if start["tenth_ms"] else float("nan")
    return [
        label,
        f"ready after {start['ready_s']:.1f} s (no request before); first /plan {_ms(start['first_ms'])}",
        f"tenth /plan {_ms(start['tenth_ms'])}",
        f"first/tenth {ratio:.2f}x (< 1 s, <= 3x)",
    ]


def _street_row(walk: dict[str, Any]) -> list[str]:
    """The street row: ours, networkx and OSRM CH (each ratio ours / peer)."""
    ours = walk["ours"]["p50_ms"]
    networkx, osrm = walk.get("networkx"), walk.get("osrm")
    peers = [f"networkx {_ms(networkx['p50_ms'])}" if networkx else "networkx not measured (no OSM input)"]
    ratios = [f"ours {ours / networkx['p50_ms']:.3f}x networkx" if networkx else ""]
    if osrm:
        peers.append(f"OSRM CH {_ms(osrm['p50_ms'])}")
        ratios.append(f"{ours / osrm['p50_ms']:.2f}x OSRM (<= 1x)")
    else:
        peers.append("OSRM not measured (--osrm-python: CPython 3.12 venv, PEERS.md)")
    return ["street walk p50", _ms(ours), "; ".join(peers), ", ".join(r for r in ratios if r) + " (<= 0.5 ms)"]


def format_table(report: dict[str, Any]) -> str:
    """The issue's table with today's figures: what, ours, peer, ratio (and target)."""
    transit, load, street = report["transit"], report["load"], report["street"]
    peer = transit["ferrobus"]
    ours = transit["ours"]
    rows = [["what", "ours", "peer", "ratio / target"]]
    rows.append(_start_row("first /plan, fresh install", report["cold_start"]))
    rows.append(_start_row("first /plan, restart", report["restart"]))
    if "error" in peer:
        rows.append(["earliest arrival p50", _ms(ours["p50_ms"]), f"ferrobus: {peer['error']}", ""])
    else:
        rows.append(
            [
                "earliest arrival p50",
                _ms(ours["p50_ms"]),
                f"ferrobus {_ms(peer['p50_ms'])}",
                f"{ours['p50_ms'] / peer['p50_ms']:.2f}x (<= 1.2x)",
            ]
        )
    pareto, hour, arrive_by = transit["ours_pareto"], transit["ours_range_1h"], transit["ours_arrive_by"]
    rows.append(["McRAPTOR p50 / p95", f"{_ms(pareto['p50_ms'])} / {_ms(pareto['p95_ms'])}", "-", "(<= 15 / 30 ms)"])
    rows.append(["range over 1 h p95", _ms(hour["p95_ms"]), "-", "(<= 50 ms)"])
    rows.append(
        ["arrive-by p50 / p95", f"{_ms(arrive_by['p50_ms'])} / {_ms(arrive_by['p95_ms'])}", "-", "(<= 30 / 100 ms)"]
    )
    rows.append(
        [
            f"/plan gunicorn -w 2, {load['users']} users p50 / p95",
            f"{_ms(load['p50_ms'])} / {_ms(load['p95_ms'])} ({load['requests_per_second']} req/s, "
            f"{load['failures']} failures)",
            "-",
            "(<= 50 / 100 ms)",
        ]
    )
    walk = next(profile for profile in street["profiles"] if profile["profile"] == "walk")
    rows.append(_street_row(walk))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [f"bench all: {report['region']}, {report['pairs']} pairs, one run"]
    for n, row in enumerate(rows):
        lines.append("| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) + " |")
        if n == 0:
            lines.append("|" + "|".join("-" * (width + 2) for width in widths) + "|")
    comparison = transit.get("comparison")
    if comparison:
        lines.append(
            f"transit answers equal to the connection-scan reference: {comparison['ours_exact_against_reference']}; "
            f"street cost mismatches against Dijkstra (networkx on our graph): {walk['networkx_exact_mismatches']}"
        )
    return "\n".join(lines)
