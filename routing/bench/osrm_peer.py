"""OSRM (contraction hierarchies) as a street routing peer, run in its own Python.

osrm-bindings publishes wheels for CPython 3.12 only (``../shared/PEERS.md``), so the peer
runs in a separate interpreter given by its path (``--osrm-python``, or the environment
variable ``MOBILITY_OSRM_PYTHON``). A child process of that interpreter prepares the OSM
file once per profile (``osrm-extract`` with the wheel's own ``foot.lua``/``bicycle.lua``,
then ``osrm-contract``; kept in a cache folder keyed by the file's SHA-256), loads the
engine in-process and times ``Route`` for every pair, with full geometry and steps as our
router returns them. Only the numbers come back, as JSON on stdout.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

OSRM_PROFILES = {"walk": "foot.lua", "bike": "bicycle.lua"}
"""Our profile -> the OSRM profile script shipped in the wheel (``osrm/share/profiles``)."""

PYTHON_VARIABLE = "MOBILITY_OSRM_PYTHON"
"""Environment variable naming the CPython 3.12 interpreter that has osrm-bindings."""

_CHILD = r"""
import json, os, subprocess, sys, time
from pathlib import Path
import osrm

job = json.load(sys.stdin)
package = Path(osrm.__file__).parent
work = Path(job["work"])
work.mkdir(parents=True, exist_ok=True)
source = work / ("input" + job["suffix"])
if not source.exists():
    os.symlink(job["osm"], source)
base = work / "input.osrm"
started = time.perf_counter()
if not (work / "input.osrm.hsgr").exists():
    profile = package / "share" / "profiles" / job["profile"]
    for tool, argument in (("osrm-extract", ["-p", str(profile), str(source)]), ("osrm-contract", [str(base)])):
        done = subprocess.run([str(package / "bin" / tool), *argument], capture_output=True, text=True)
        if done.returncode:
            sys.exit(f"{tool} failed: {done.stderr[-2000:] or done.stdout[-2000:]}")
prepared_s = time.perf_counter() - started
engine = osrm.OSRM(storage_config=str(base), algorithm="CH", use_shared_memory=False)
seconds, distances = [], []
for (lat_a, lon_a), (lat_b, lon_b) in job["pairs"]:
    query = osrm.RouteParameters(
        coordinates=[(lon_a, lat_a), (lon_b, lat_b)], steps=True, overview="full", geometries="geojson"
    )
    began = time.perf_counter()
    try:
        answer = engine.Route(query)
    except RuntimeError:
        seconds.append(None)
        distances.append(None)
        continue
    seconds.append(time.perf_counter() - began)
    distances.append(float(answer["routes"][0]["distance"]))
print(json.dumps({"prepared_s": prepared_s, "seconds": seconds, "distances": distances}))
"""


class OsrmUnavailable(RuntimeError):
    """The OSRM peer cannot run here (no interpreter with osrm-bindings, or its tools failed)."""


@dataclass(frozen=True)
class OsrmRun:
    """What the OSRM child measured, pair by pair (None where OSRM found no route)."""

    seconds: list[float | None]
    distances_m: list[float | None]
    prepared_s: float
    """Time to extract and contract (0 when the cache had it)."""


def osrm_python(explicit: Path | None = None) -> Path | None:
    """The interpreter to run OSRM with: ``explicit``, else ``$MOBILITY_OSRM_PYTHON``, else None."""
    if explicit is not None:
        return explicit
    named = os.environ.get(PYTHON_VARIABLE)
    return Path(named) if named else None


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def run_osrm(
    python: Path,
    osm_file: Path,
    profile: str,
    pairs: Sequence[tuple[tuple[float, float], tuple[float, float]]],
    *,
    cache: Path,
    timeout_s: float = 3600,
) -> OsrmRun:
    """Route ``pairs`` ((lat, lon) to (lat, lon)) with OSRM CH on ``osm_file`` for our ``profile``.

    Raises
    ------
    OsrmUnavailable
        When the interpreter is missing, lacks osrm-bindings, or OSRM's preparation fails.
    """
    if profile not in OSRM_PROFILES:
        msg = f"no OSRM profile for {profile!r}; choose one of {sorted(OSRM_PROFILES)}"
        raise OsrmUnavailable(msg)
    if not python.is_file():
        msg = f"{python}: no such interpreter (create a CPython 3.12 venv with osrm-bindings, PEERS.md)"
        raise OsrmUnavailable(msg)
    work = cache / f"{osm_file.stem}-{_file_digest(osm_file)}-{profile}"
    job = {
        "osm": str(osm_file.resolve()),
        "suffix": "".join(osm_file.suffixes[-2:]) or ".osm",
        "profile": OSRM_PROFILES[profile],
        "work": str(work),
        "pairs": [list(pair) for pair in pairs],
    }
    try:
        done = subprocess.run(
            [str(python), "-c", _CHILD], input=json.dumps(job), capture_output=True, text=True, timeout=timeout_s
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise OsrmUnavailable(f"{python}: {exc}") from exc
    if done.returncode:
        raise OsrmUnavailable(f"OSRM peer failed: {(done.stderr or done.stdout).strip()[-2000:]}")
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    return OsrmRun(seconds=answer["seconds"], distances_m=answer["distances"], prepared_s=float(answer["prepared_s"]))
