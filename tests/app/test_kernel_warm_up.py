"""No cold start: a fresh process compiles the kernels once into the instance folder, /ready waits for them.

Timing is never asserted; the first plan is compared with the tenth of the same process
(a ratio of the CPU time the plan's thread used, which other processes on a busy machine
do not inflate as they do wall time), and the second start with the first.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from tests.paths import ROOT

FIRST_TO_TENTH_MAX = 3.0

SCRIPT = """
import json, sys, time
from pathlib import Path

from app import create_app
from app.settings import Environment, LogLevel, Settings

instance, region, query = Path(sys.argv[1]), Path(sys.argv[2]), json.loads(sys.argv[3])
settings = Settings(
    env=Environment.TESTING,
    instance_path=instance,
    database_url=f"sqlite:///{instance / 'db.sqlite3'}",
    region_path=region,
    log_level=LogLevel.WARNING,
    region_reload_seconds=0,
    plan_budget_seconds=120,
)
started = time.perf_counter()
app = create_app(settings)

from app.database import upgrade_database
from app.extensions import db

with app.app_context():
    upgrade_database(db.engine)
client = app.test_client()
before = client.get("/ready")
app.extensions["mobility.kernels"].wait()
warm_s = time.perf_counter() - started
after = client.get("/ready")
plans = []
for _ in range(10):
    cpu = time.thread_time()
    response = client.get("/api/v1/plan", query_string=query)
    plans.append((response.status_code, time.thread_time() - cpu))
print(json.dumps({
    "before": [before.status_code, before.get_json()["checks"]],
    "after": [after.status_code, after.get_json()["checks"]],
    "warm_s": warm_s,
    "plans": plans,
    "modes": sorted({leg["mode"] for it in response.get_json()["itineraries"] for leg in it["legs"]}),
}))
"""


def _start(instance: Path, region: Path, query: dict[str, str]) -> dict:  # type: ignore[type-arg]
    env = {key: value for key, value in os.environ.items() if not key.startswith(("MOBILITY_", "NUMBA_"))}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(instance), str(region), json.dumps(query)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report: dict = json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[type-arg]
    return report


def _first_to_tenth(plans: list[list[float]]) -> float:
    """The first plan's CPU time over the tenth's, the tenth taken as the median of the 2nd..10th.

    Wall time on a loaded machine swung by 2-4x between plans (the figures of two failed
    runs: 62 ms first, then 27, 51, 25, 32, 40 ... 14 ms tenth; 15, 14, 5, 4.6, 4.2 ms), so
    the plans are timed by their thread's CPU time; a cold first plan is 100x.
    """
    later = sorted(seconds for _, seconds in plans[1:10])
    return plans[0][1] / later[len(later) // 2]


def _region_check(checks: list[dict]) -> dict:  # type: ignore[type-arg]
    return next(check for check in checks if check["name"] == "region")


def test_fresh_process_is_warm_before_ready_and_its_first_plan_is_not_cold(
    tmp_path: Path, demo_region_path: Path
) -> None:
    query = {"from": "51.3058,9.4759", "to": "51.3252,9.5071", "time": "2026-11-24T08:03:00+01:00"}
    first = _start(tmp_path / "instance", demo_region_path, query)

    status, checks = first["before"]
    assert status == 503  # an empty kernel cache: compiling takes far longer than migrating
    assert not _region_check(checks)["ok"] and "kernels warming up" in _region_check(checks)["detail"]
    status, checks = first["after"]
    assert status == 200 and "kernels warm" in _region_check(checks)["detail"]

    assert [code for code, _ in first["plans"]] == [200] * 10
    assert "transit" in first["modes"]
    assert _first_to_tenth(first["plans"]) <= FIRST_TO_TENTH_MAX, first["plans"]

    cache = tmp_path / "instance" / "numba-cache"
    assert any(cache.rglob("*.nbi")), "the kernels were not cached in the instance folder"

    again = _start(tmp_path / "instance", demo_region_path, query)  # a restart loads the cache
    assert again["after"][0] == 200
    assert again["warm_s"] < first["warm_s"] / 3, (again["warm_s"], first["warm_s"])
    assert _first_to_tenth(again["plans"]) <= FIRST_TO_TENTH_MAX, again["plans"]


def test_ready_reports_warm_kernels_once_the_warm_up_ran(make_app) -> None:  # type: ignore[no-untyped-def]
    application = make_app(warm_up=True)
    warming = application.extensions["mobility.kernels"]
    assert warming.wait(timeout=600)
    client: FlaskClient = application.test_client()
    response = client.get("/ready")
    assert response.status_code == 200
    region = _region_check(response.get_json()["checks"])
    assert region["ok"] and region["detail"].endswith("kernels warm")
    assert warming.last is not None and warming.last.answered == warming.last.plans


def test_without_warm_up_ready_does_not_wait_for_kernels(client: FlaskClient) -> None:
    region = _region_check(client.get("/ready").get_json()["checks"])
    assert region["ok"] and "kernels" not in region["detail"]


class _ModulesChangingWhileRead(dict):  # type: ignore[type-arg]
    """``sys.modules`` as a garbage collection mid-loop leaves it: an entry appears while its items are read."""

    def items(self):  # type: ignore[no-untyped-def, override]
        for item in super().items():  # the live view, as list(items()) reads it
            self.setdefault("tests.imported_by_a_finalizer", None)
            yield item


def test_pointing_kernels_at_a_cache_survives_modules_changing_meanwhile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # CI: "dictionary changed size during iteration" from use_kernel_cache while a finalizer ran.
    import routing.street._search as search
    from app.kernels import use_kernel_cache

    previous = os.environ.get("NUMBA_CACHE_DIR")
    monkeypatch.setattr(sys, "modules", _ModulesChangingWhileRead(sys.modules))
    try:
        use_kernel_cache(tmp_path / "kernels")
        cache_path = search.shortest_path._cache._cache_path
    finally:
        monkeypatch.undo()
        if previous is not None:  # the other tests' kernels keep their cache
            use_kernel_cache(Path(previous))
    assert cache_path.startswith(str(tmp_path / "kernels"))  # the kernels were pointed there


def test_the_kernel_cache_folder_changes_with_any_routing_source(tmp_path: Path) -> None:
    # numba checks a cached kernel only against its own file: _range.range_runs kept the
    # machine code of an old _raptor.raptor after only _raptor.py changed.
    from app.kernels import routing_code_fingerprint

    package = tmp_path / "routing"
    (package / "transit").mkdir(parents=True)
    (package / "__init__.py").write_text('"""core"""\n')
    (package / "transit" / "_raptor.py").write_text("LIMIT = 1\n")
    (package / "transit" / "_range.py").write_text("from routing.transit._raptor import LIMIT\n")
    first = routing_code_fingerprint(package)
    assert routing_code_fingerprint(package) == first  # stable
    (package / "transit" / "_raptor.py").write_text("LIMIT = 2\n")  # only the callee's file changes
    second = routing_code_fingerprint(package)
    assert second != first
    (package / "transit" / "_raptor.py").rename(package / "transit" / "_raptor2.py")  # a moved module too
    assert routing_code_fingerprint(package) not in (first, second)


def test_kernels_are_cached_per_version_of_the_routing_code(tmp_path: Path) -> None:
    import routing.street._search as search
    from app.kernels import kernel_cache_folder, routing_code_fingerprint, use_kernel_cache

    previous = os.environ.get("NUMBA_CACHE_DIR")
    try:
        use_kernel_cache(tmp_path / "kernels")
        cache_path = Path(search.shortest_path._cache._cache_path)
    finally:
        if previous is not None:
            use_kernel_cache(Path(previous))
    version = tmp_path / "kernels" / f"routing-{routing_code_fingerprint()}"
    assert cache_path.is_relative_to(version)
    assert kernel_cache_folder(version) == version  # pointing at it again does not nest
    assert os.environ.get("NUMBA_CACHE_DIR") == previous
