"""The objects each loaded region serves requests with, named by typed keys.

A :class:`RegionService` pairs a name with the function that builds its object from a
:class:`Region`; :func:`region_service` returns that object for the region this worker
serves, built once per loaded region (``RegionHolder.service``) and rebuilt when a new
build is switched in. Every per-region service is declared here, so one page lists what a
region costs a worker; new ones (a geocoder, flex zones, districts) are added the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import numpy as np
from flask import current_app

from app.errors import ServiceUnavailable
from app.realtime import TripInfo, realtime_sources
from app.region_holder import RegionHolder, RegionUnavailableError
from app.settings import Settings
from routing.fares.engine import FareCalculator
from routing.geocode.build import build_geocoder
from routing.geocode.geocoder import Geocoder
from routing.planner.planner import Planner
from routing.region.build import station_points
from routing.region.region import Region
from routing.transit.realtime import TripLocator
from routing.transit.realtime_poll import RealtimePoller
from routing.transit.stop_search import StopNameIndex

T = TypeVar("T")


@dataclass(frozen=True, eq=False)
class RegionService(Generic[T]):
    """A typed key for an object built once per loaded region (compared by identity)."""

    name: str
    build: Callable[[Region], T]


def current_holder() -> RegionHolder:
    """The worker's region holder."""
    holder: RegionHolder = current_app.extensions["mobility.region"]
    return holder


def current_region() -> Region:
    """The region this request routes in.

    Raises
    ------
    ServiceUnavailable
        When no region is loaded (503, so clients retry rather than give up).
    """
    try:
        return current_holder().get()
    except RegionUnavailableError as exc:
        raise ServiceUnavailable(f"no region loaded: {exc}") from exc


def region_service(service: RegionService[T]) -> T:
    """The object ``service`` builds for the loaded region (503 without a region).

    Raises
    ------
    ServiceUnavailable
        When no region is loaded.
    """
    try:
        return current_holder().service(service)
    except RegionUnavailableError as exc:
        raise ServiceUnavailable(f"no region loaded: {exc}") from exc


def _planner(region: Region) -> Planner[Region]:
    """The region's planner, with a real-time poller when sources are configured (one per worker)."""
    settings: Settings = current_app.extensions["mobility.settings"]
    pollers: dict[str, RealtimePoller] = current_app.extensions.setdefault("mobility.realtime", {})
    planner = Planner(region)
    previous = pollers.pop("current", None)
    if previous is not None:
        previous.stop()
    sources = realtime_sources(settings)
    if sources:
        poller = RealtimePoller(
            sources,
            TripLocator(region.timetable),
            planner.transit.zone,
            planner.transit.apply_realtime,
            shared=current_app.extensions.get("mobility.shared_fetch"),
        )
        poller.start()
        pollers["current"] = poller
    return planner


def _index(names: list[str]) -> dict[str, int]:
    return {name: i for i, name in enumerate(names)}


def _fares(region: Region) -> FareCalculator | None:
    if region.fares is None or region.zones is None:
        return None
    stop_index = region_service(STOP_INDEX)
    timetable = region.timetable
    points = np.column_stack([np.asarray(timetable.stop_lat, dtype=np.float64), np.asarray(timetable.stop_lon)])
    return FareCalculator(region.fares, region.zones, stop_index, region.manifest.timezone, stop_points=points)


def _geocoder(region: Region) -> Geocoder:
    """The region's geocoder; a region built before the geocoder gets one of its stations only."""
    if region.geocode is not None:
        return Geocoder(region.geocode)
    return Geocoder(build_geocoder(None, station_points(region.timetable)))


PLANNER: RegionService[Planner[Region]] = RegionService("planner", _planner)
"""Street and transit routers of the region, with its real-time overlay."""

STOP_INDEX: RegionService[dict[str, int]] = RegionService(
    "stop-index", lambda region: _index(region.timetable.stop_id.to_list())
)
"""Stop id -> row of the timetable's stop arrays (one index, for the API and fares)."""

TRIP_INDEX: RegionService[dict[str, int]] = RegionService(
    "trip-index", lambda region: _index(region.timetable.trip_id.to_list())
)
"""Trip id -> row of the timetable's trip arrays."""

STOP_NAMES: RegionService[StopNameIndex] = RegionService("stop-names", lambda region: StopNameIndex(region.timetable))
"""Stop-name search (German spellings, prefixes, typos)."""

TRIP_INFO: RegionService[TripInfo] = RegionService(
    "trip-info", lambda region: TripInfo(region_service(PLANNER).transit)
)
"""Vehicles and alerts of the region's trips, read from the planner's real-time overlay."""

FARES: RegionService[FareCalculator | None] = RegionService("fares", _fares)
"""The region's fare calculator (None without fares or zones)."""

GEOCODER: RegionService[Geocoder] = RegionService("geocoder", _geocoder)
"""Address, street, place, POI and stop search and reverse geocoding (memory-mapped index)."""

WARM_UP_SERVICES: tuple[RegionService[Any], ...] = (
    PLANNER,
    STOP_INDEX,
    TRIP_INDEX,
    STOP_NAMES,
    TRIP_INFO,
    FARES,
    GEOCODER,
)
"""Built by the kernel warm-up (``app/kernels.py``) before a worker reports ready, so no request builds one."""
