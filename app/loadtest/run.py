"""Run the /plan load test: gunicorn -w 2 on a loopback port, locust headless against it.

Also profiles the same queries in this process (cProfile) to say where the time goes.
"""

from __future__ import annotations

import cProfile
import csv
import io
import json
import os
import pstats
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import create_engine

from app.database import upgrade_database
from routing.bench.transit import sample_queries
from routing.region.region import Region

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def plan_queries(region: Region, count: int, seed: int) -> list[dict[str, str]]:
    """Walk+transit /plan queries between points near random stops, 06:00-21:00 on the first day."""
    assert region.manifest.valid_from is not None
    return [
        {
            "from": f"{o[0]:.6f},{o[1]:.6f}",
            "to": f"{d[0]:.6f},{d[1]:.6f}",
            "time": t.isoformat(),
            "modes": "walk,transit",
        }
        for o, d, t in sample_queries(region, count, seed, region.manifest.valid_from)
    ]


def _wait(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            requests.get(url, timeout=5)
            return
        except requests.RequestException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def _locust_summary(stats_csv: Path) -> dict[str, Any]:
    with stats_csv.open(encoding="utf-8") as handle:
        rows = {row["Name"]: row for row in csv.DictReader(handle)}
    row = rows["Aggregated"]
    return {
        "requests": int(row["Request Count"]),
        "failures": int(row["Failure Count"]),
        "p50_ms": float(row["50%"]),
        "p95_ms": float(row["95%"]),
        "p99_ms": float(row["99%"]),
        "requests_per_second": round(float(row["Requests/s"]), 1),
    }


def profile_in_process(region_path: Path, queries: list[dict[str, str]], instance: Path) -> dict[str, Any]:
    """Where one worker spends its time on these queries: the functions with the most cumulative time."""
    from app import create_app
    from app.settings import LogLevel, Settings

    application = create_app(
        Settings(
            region_path=region_path,
            instance_path=instance,
            log_level=LogLevel.WARNING,
            database_url=f"sqlite:///{instance / 'profile.db'}",
            warm_up=False,  # the first request below warms up, outside the profile
        )
    )
    client = application.test_client()
    client.get("/api/v1/plan", query_string=queries[0])  # build the planner, load kernels
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for query in queries:
        client.get("/api/v1/plan", query_string=query)
    profiler.disable()
    elapsed = time.perf_counter() - started
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(r"(routing|app)/", 25)
    return {"queries": len(queries), "mean_ms": round(elapsed / len(queries) * 1000, 1), "top": out.getvalue()}


def run_load_test(
    region: Region,
    *,
    users: int,
    seconds: int,
    seed: int = 42,
    kernel_cache: Path | None = None,
    profile: bool = True,
) -> dict[str, Any]:
    """Serve ``region`` with gunicorn -w 2 and load it with ``users`` locust users for ``seconds``.

    ``kernel_cache`` is the workers' compiled-kernel folder (default: a new one, compiled
    before the workers accept requests); ``profile`` adds the in-process profile.
    """
    if shutil.which("locust") is None and not (Path(sys.executable).parent / "locust").exists():
        msg = "locust is not installed: pip install -e '.[bench]'"
        raise RuntimeError(msg)
    queries = plan_queries(region, 200, seed)
    with tempfile.TemporaryDirectory(prefix="plan-load-") as tmp:
        work = Path(tmp)
        (work / "queries.json").write_text(json.dumps(queries), encoding="utf-8")
        port = _free_port()
        env = {
            **os.environ,
            "MOBILITY_INSTANCE_PATH": str(work / "instance"),
            "MOBILITY_REGION_PATH": str(region.path),
            "MOBILITY_DATABASE_URL": f"sqlite:///{work / 'load.db'}",
            "MOBILITY_LOG_LEVEL": "WARNING",
            "PLAN_QUERIES": str(work / "queries.json"),
            "MOBILITY_KERNEL_CACHE_PATH": str(kernel_cache or work / "numba-cache"),
        }
        engine = create_engine(env["MOBILITY_DATABASE_URL"])
        upgrade_database(engine)
        engine.dispose()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "gunicorn.conf.py",
                "-w",
                "2",
                "-b",
                f"127.0.0.1:{port}",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            _wait(f"{url}/health", 900)  # workers accept requests once warm (a first compile takes a while)
            for query in queries[:20]:  # both workers build their planner and load the kernels
                requests.get(f"{url}/api/v1/plan", params=query, timeout=120)
            locust = Path(sys.executable).parent / "locust"
            subprocess.run(
                [
                    str(locust if locust.exists() else "locust"),
                    "-f",
                    str(Path(__file__).with_name("locustfile.py")),
                    "--headless",
                    "-u",
                    str(users),
                    "-r",
                    str(users),
                    "-t",
                    f"{seconds}s",
                    "--host",
                    url,
                    "--csv",
                    str(work / "load"),
                    "--only-summary",
                    "--loglevel",
                    "ERROR",
                ],
                cwd=ROOT,
                env=env,
                check=False,
                capture_output=True,
                timeout=seconds + 120,
            )  # locust exits 1 when any request failed; the failures are reported below
            summary = _locust_summary(work / "load_stats.csv")
            with (work / "load_failures.csv").open(encoding="utf-8") as handle:
                summary["failure_kinds"] = {row["Error"]: int(row["Occurrences"]) for row in csv.DictReader(handle)}
        finally:
            server.terminate()
            server.wait(timeout=30)
        profiled = profile_in_process(region.path, queries[:100], work / "instance") if profile else None
    return {
        "region": region.manifest.name,
        "workers": 2,
        "users": users,
        "seconds": seconds,
        **summary,
        "profile": profiled,
    }


def format_report(report: dict[str, Any]) -> str:
    """The report as text."""
    return "\n".join(
        [
            f"/plan load test: {report['region']}, gunicorn -w {report['workers']}, {report['users']} locust users, "
            f"{report['seconds']} s (load generator on the same 2 cores)",
            f"  requests {report['requests']}, failures {report['failures']} {report['failure_kinds'] or ''}, "
            f"{report['requests_per_second']} req/s",
            f"  latency p50 {report['p50_ms']:.0f} ms  p95 {report['p95_ms']:.0f} ms  p99 {report['p99_ms']:.0f} ms",
            f"  in-process profile: {report['profile']['mean_ms']} ms per request "
            f"over {report['profile']['queries']} queries",
            report["profile"]["top"],
        ]
    )
