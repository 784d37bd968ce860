"""The region a worker serves, loaded once and swapped when ``region build`` switches the link."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, TypeVar, cast

from routing.errors import RegionError
from routing.region.region import Region, load_region

logger = logging.getLogger(__name__)
T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class RegionServiceKey(Protocol[T_co]):
    """What the holder needs of a service key (``app.region_services.RegionService``)."""

    @property
    def build(self) -> Callable[[Region], T_co]:
        """Builds the service's object from a region."""
        ...


class RegionUnavailableError(RuntimeError):
    """No region is loaded; the message says why."""


class RegionHolder:
    """Holds the loaded :class:`Region` and notices when its link points at a new build.

    Every ``reload_seconds`` (at most) :meth:`get` compares the resolved region path with
    the loaded one and loads the new build; requests already holding the old region keep
    using it. A broken new build is logged and the old region kept.
    """

    def __init__(self, path: Path, *, reload_seconds: float, loader: Callable[[Path], Region] = load_region) -> None:
        self._path = path
        self._reload_seconds = reload_seconds
        self._loader = loader
        self._lock = threading.RLock()
        self._region: Region | None = None
        self._error: str | None = None
        self._checked_at = 0.0
        self._services: dict[int, tuple[Region, object]] = {}
        self._load()

    def _load(self) -> None:
        try:
            self._region = self._loader(self._path)
            self._error = None
            self._services = {}
            logger.info(
                "region loaded", extra={"region": str(self._region.path), "region_name": self._region.manifest.name}
            )
        except (RegionError, OSError, ValueError) as exc:
            self._error = str(exc)
            logger.error("region not loaded", extra={"region": str(self._path), "error": self._error})
        self._checked_at = time.monotonic()

    def _maybe_reload(self) -> None:
        if self._reload_seconds <= 0 or time.monotonic() - self._checked_at < self._reload_seconds:
            return
        with self._lock:
            if time.monotonic() - self._checked_at < self._reload_seconds:
                return
            current = self._region.path if self._region else None
            try:
                target = self._path.resolve(strict=True)
            except OSError:
                target = None
            if target is not None and target != current:
                previous, previous_error = self._region, self._error
                self._load()
                if self._region is None and previous is not None:
                    self._region, self._error = previous, previous_error
            self._checked_at = time.monotonic()

    def get(self) -> Region:
        """Return the current region.

        Raises
        ------
        RegionUnavailableError
            When no region could be loaded.
        """
        self._maybe_reload()
        if self._region is None:
            raise RegionUnavailableError(self._error or f"no region at {self._path}")
        return self._region

    def service(self, key: RegionServiceKey[T]) -> T:
        """The object ``key`` builds from the current region (a router, say), built once per loaded region.

        Builds run under the holder's re-entrant lock, so a service may read other services
        and two threads never build the same one twice.

        Raises
        ------
        RegionUnavailableError
            When no region could be loaded.
        """
        region = self.get()
        with self._lock:
            cached = self._services.get(id(key))
            if cached is None or cached[0] is not region:
                cached = (region, key.build(region))
                self._services[id(key)] = cached
            return cast(T, cached[1])

    @property
    def error(self) -> str | None:
        """Why no region is loaded, or None."""
        return None if self._region is not None else self._error
