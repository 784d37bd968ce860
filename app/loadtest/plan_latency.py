"""``/plan`` latency of one fresh worker: ``python -m app.loadtest.plan_latency REGION QUERIES SEED``.

The child process of ``mobility bench scale`` (:mod:`routing.bench.scale`): the Flask app
over REGION answers seeded requests (:func:`routing.bench.scale.plan_requests`) through
its test client, one after another after one warm-up request; the last line printed is a
JSON object with p50/p95 in milliseconds and the count of each status code.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from routing.bench.scale import plan_requests
from routing.planner.request import PlanRequest
from routing.region.region import load_region


def query_string(request: PlanRequest) -> dict[str, str]:
    """The ``/api/v1/plan`` query of ``request``."""
    return {
        "from": f"{request.origin[0]:.6f},{request.origin[1]:.6f}",
        "to": f"{request.destination[0]:.6f},{request.destination[1]:.6f}",
        "time": request.time.isoformat(),
        "modes": ",".join(sorted(mode.value for mode in request.modes)),
    }


def measure(region_path: Path, queries: int, seed: int) -> dict[str, Any]:
    """Answer ``queries`` seeded requests through the app; p50/p95 and status counts."""
    from app import create_app
    from app.database import upgrade_database
    from app.settings import LogLevel, Settings

    requests = [query_string(r) for r in plan_requests(load_region(region_path), queries + 1, seed)]
    with tempfile.TemporaryDirectory(prefix="plan-latency-") as tmp:
        instance = Path(tmp)
        settings = Settings(
            region_path=region_path,
            instance_path=instance,
            log_level=LogLevel.WARNING,
            database_url=f"sqlite:///{instance / 'plan.db'}",
            warm_up=False,  # the first request below warms up, outside the timing
        )
        from sqlalchemy import create_engine

        upgrade_database(create_engine(settings.resolved_database_url))
        client = create_app(settings).test_client()
        client.get("/api/v1/plan", query_string=requests[0])
        times: list[float] = []
        statuses: dict[str, int] = {}
        for query in requests[1:]:
            started = time.perf_counter()
            response = client.get("/api/v1/plan", query_string=query)
            times.append((time.perf_counter() - started) * 1000)
            statuses[str(response.status_code)] = statuses.get(str(response.status_code), 0) + 1
    return {
        "queries": len(times),
        "p50_ms": float(np.percentile(times, 50)),
        "p95_ms": float(np.percentile(times, 95)),
        "outcomes": statuses,
        "by": "/api/v1/plan",
    }


if __name__ == "__main__":
    print(json.dumps(measure(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))))
