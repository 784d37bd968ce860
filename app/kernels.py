"""The routing kernels of a worker: where their compiled code is cached, and warming them up.

numba compiles each ``@njit(cache=True)`` kernel on its first call and keeps the machine
code in a cache folder. :func:`use_kernel_cache` points that folder at a subfolder of
``Settings.resolved_kernel_cache_path`` (``<instance>/numba-cache``) named after the
routing code's version (:func:`routing_code_fingerprint`), which survives
restarts and is shared by every worker of the instance (``mobility region build`` and
``mobility serve`` fill it). :class:`KernelWarmUp`
builds the region's services (``WARM_UP_SERVICES``), runs
:func:`routing.planner.warmup.warm_up` on the loaded region and one ``/plan`` request
through the app in-process, in a background thread
started by :func:`app.create_app`; ``/ready`` answers 503 until it has finished for the
region the worker serves, and gunicorn's ``post_worker_init`` hook waits for it, so a
worker accepts requests only warm.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import sys
import threading
from functools import cache
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

    from routing.planner.request import PlanRequest
    from routing.planner.warmup import WarmUp
    from routing.region.region import Region

__all__ = ["KernelWarmUp", "kernel_cache_folder", "routing_code_fingerprint", "use_kernel_cache"]

logger = logging.getLogger(__name__)


FINGERPRINT_PREFIX = "routing-"
"""Names of the per-code-version folders inside a kernel cache folder."""


def routing_code_fingerprint(package: Path | None = None) -> str:
    """A digest of every Python source of the routing core (``package``: its folder, default the installed one).

    numba checks a cached kernel only against the file that defines it: a kernel that
    calls one from another module (``_range.range_runs`` calls ``_raptor.raptor``) keeps
    its old machine code when only the callee's file changed. Caching per fingerprint of
    the whole core means new code never runs an old kernel.
    """
    if package is None:
        return _installed_routing_fingerprint()
    digest = hashlib.sha256()
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode())
        digest.update(b"\0")
        digest.update(source.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


@cache
def _installed_routing_fingerprint() -> str:
    spec = importlib.util.find_spec("routing")  # found, not imported: kernels must not be defined yet
    assert spec is not None and spec.submodule_search_locations
    return routing_code_fingerprint(Path(next(iter(spec.submodule_search_locations))))


def kernel_cache_folder(folder: Path) -> Path:
    """Where kernels of this code are cached under ``folder`` (a folder already made by this is kept as is)."""
    fingerprinted = FINGERPRINT_PREFIX + routing_code_fingerprint()
    return folder if folder.name == fingerprinted else folder / fingerprinted


def use_kernel_cache(folder: Path) -> None:
    """Make numba cache the compiled kernels under ``folder`` (this process and the processes it starts).

    The kernels go into :func:`kernel_cache_folder`: one subfolder per version of the
    routing code, so a cache filled by older code is never read.

    Called before the routing modules are imported, numba reads ``NUMBA_CACHE_DIR`` when
    it defines the kernels. Kernels defined already (a command that imported the routing
    core first) are pointed at ``folder`` too: numba's configuration is reloaded and each
    cached kernel of ``routing`` re-enables its cache, which then looks in ``folder``.
    """
    folder = kernel_cache_folder(folder)
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["NUMBA_CACHE_DIR"] = str(folder)
    if "numba" not in sys.modules:
        return
    from numba.core import config
    from numba.core.caching import FunctionCache
    from numba.core.dispatcher import Dispatcher

    config.reload_config()  # type: ignore[no-untyped-call]
    # dict.copy(), not list(items()): building the list allocates, so a garbage collection
    # (whose finalizers may warn or import) can change the dict in the middle of the loop.
    for name, module in sys.modules.copy().items():
        if not (name == "routing" or name.startswith("routing.")) or module is None:
            continue
        for value in vars(module).copy().values():
            if isinstance(value, Dispatcher) and isinstance(getattr(value, "_cache", None), FunctionCache):
                value.enable_caching()


class KernelWarmUp:
    """The warm-up of one worker's kernels, per loaded region (thread-safe).

    :meth:`start` runs the warm-up in a daemon thread for the region the app holds now;
    :meth:`warm_for` tells whether it has finished for a given region (and starts one
    for a newly switched-in region); :meth:`wait` blocks until the running one ends.
    """

    def __init__(self, app: Flask) -> None:
        self._app = app
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._done.set()
        self._warm: Region | None = None
        self._running: Region | None = None
        self._failed: tuple[Region, str] | None = None
        self.last: WarmUp | None = None
        """The last finished warm-up."""

    def start(self) -> None:
        """Warm up on the app's current region in the background (nothing without a region)."""
        region = self._current()
        if region is None:
            return
        with self._lock:
            failed = self._failed is not None and self._failed[0] is region
            if region is self._running or region is self._warm or failed:
                return
            self._running = region
            self._done.clear()
        thread = threading.Thread(target=self._run, args=(region,), name="kernel-warm-up", daemon=True)
        thread.start()

    def _current(self) -> Region | None:
        from app.region_holder import RegionHolder, RegionUnavailableError

        holder: RegionHolder = self._app.extensions["mobility.region"]
        try:
            return holder.get()
        except RegionUnavailableError:
            return None

    def _run(self, region: Region) -> None:
        from app.region_services import PLANNER, WARM_UP_SERVICES, region_service
        from routing.planner.warmup import warm_up, warm_up_requests

        error: str | None = None
        report: WarmUp | None = None
        try:
            with self._app.app_context():
                for service in WARM_UP_SERVICES:  # what a first request would otherwise build
                    region_service(service)
                planner = region_service(PLANNER)
                report = warm_up(planner)
            self._warm_request(warm_up_requests(planner)[0])
        except Exception as exc:  # reported by /ready and the log; a thread has no caller to raise to
            error = f"{exc.__class__.__name__}: {exc}"
            logger.exception("kernel warm-up failed", extra={"region": str(region.path)})
        with self._lock:
            self._running = None
            if error is None:
                self._warm, self._failed, self.last = region, None, report
            else:
                self._failed = (region, error)
            self._done.set()
        if report is not None:
            logger.info(
                "kernels warm",
                extra={"region": str(region.path), "seconds": round(report.seconds, 3), "plans": report.plans},
            )

    def _warm_request(self, request: PlanRequest) -> None:
        """One ``GET /api/v1/plan`` through the app in-process: the first use of the API's own code paths.

        Its answer is not needed; a failure (a database not migrated yet, say) is only logged.
        """
        query = {
            "from": f"{request.origin[0]},{request.origin[1]}",
            "to": f"{request.destination[0]},{request.destination[1]}",
            "time": request.time.isoformat(),
        }
        status = self._app.test_client().get("/api/v1/plan", query_string=query).status_code
        if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
            logger.warning("kernel warm-up request failed", extra={"status": status})

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the running warm-up (if any) ends; False when ``timeout`` ran out first."""
        return self._done.wait(timeout)

    def warm_for(self, region: Region) -> tuple[bool, str]:
        """Whether the kernels are warm for ``region``, and a detail for ``/ready``.

        A region not yet warmed (switched in since) gets its warm-up started.
        """
        with self._lock:
            if region is self._warm:
                return True, "kernels warm"
            failed, running = self._failed, self._running is region
        if failed is not None and failed[0] is region:
            return False, f"kernel warm-up failed: {failed[1]}"
        if not running:
            self.start()
        return False, "kernels warming up"
