"""Street access and egress of transit queries: points snapped once, walks to and from every stop.

:class:`StreetAccess` holds what is shared per region (one street router per profile, every
stop's places on the street network as walk targets); :meth:`StreetAccess.points` gives a
request's :class:`RequestPoints`, which snap the origin and destination once per profile
and raise :class:`~routing.planner.errors.PointNotOnNetwork` (a planning error, 4xx) when
a point is off the network. :meth:`StreetAccess.ends` walks from the origin to every stop
and from every stop to the destination within the walking budget: the
:class:`~routing.transit.ends.AccessEgress` the transit queries take.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from routing.errors import NoRoute, PointNotRoutable
from routing.geo import haversine_m
from routing.planner.errors import PointNotOnNetwork
from routing.street.compile import StreetNetwork
from routing.street.router import EdgePosition, Snap, StreetRouter, StreetTargets, Walks, walking_speeds
from routing.transit.ends import AccessEgress
from routing.transit.footpaths import Footpaths
from routing.transit.options import TransitOptions
from routing.transit.queries import TransitRouter

_PARAMETER_LABEL = {"from": "origin", "to": "destination"}


class StreetAccess:
    """The street side of one region's transit queries (safe to share between threads)."""

    def __init__(self, street: StreetNetwork, footpaths: Mapping[str, Footpaths], transit: TransitRouter) -> None:
        self.network = street
        self.footpaths = footpaths
        self.transit = transit
        self._routers: dict[str, StreetRouter] = {}
        self._stop_targets: dict[str, StreetTargets] = {}
        self._lock = threading.Lock()

    def street(self, profile: str) -> StreetRouter:
        """The street router of ``profile`` (one per profile, shared)."""
        router = self._routers.get(profile)
        if router is None:
            with self._lock:
                router = self._routers.get(profile)
                if router is None:
                    router = StreetRouter(self.network, profile)
                    self._routers[profile] = router
        return router

    def stop_targets(self, profile: str) -> StreetTargets:
        """Every stop's places on the street network, as walk targets (built once per profile)."""
        with self._lock:
            cached = self._stop_targets.get(profile)
            if cached is None:
                footpaths = self.footpaths[profile]
                offsets = np.asarray(footpaths.stop_position_offsets)
                cached = StreetTargets(
                    target=np.repeat(np.arange(offsets.size - 1, dtype=np.int64), np.diff(offsets)),
                    edge=np.asarray(footpaths.position_edge).astype(np.int64),
                    offset_m=np.asarray(footpaths.position_offset_m).astype(np.float64),
                    count=offsets.size - 1,
                    connector_m=np.asarray(footpaths.connector_m).astype(np.float64),
                )
                self._stop_targets[profile] = cached
            return cached

    def stop_snap(self, stop: int, profile: str) -> Snap | None:
        """Where ``stop`` is on the ``profile`` network (None: not reachable on it)."""
        footpaths = self.footpaths.get(profile)
        if footpaths is None:
            return None
        first, last = int(footpaths.stop_position_offsets[stop]), int(footpaths.stop_position_offsets[stop + 1])
        if first == last:
            return None
        positions = tuple(
            EdgePosition(int(footpaths.position_edge[j]), float(footpaths.position_offset_m[j]))
            for j in range(first, last)
        )
        timetable = self.transit.timetable
        lat, lon = float(timetable.stop_lat[stop]), float(timetable.stop_lon[stop])
        return Snap(lat, lon, lat, lon, float(footpaths.connector_m[stop]), positions)

    def snap(self, point: tuple[float, float], profile: str, parameter: str) -> Snap:
        """``point`` on the ``profile`` network.

        Raises
        ------
        PointNotOnNetwork
            When the point is too far from any street usable by ``profile`` (``parameter`` names it).
        """
        try:
            return self.street(profile).snap(*point)
        except PointNotRoutable as exc:
            label = _PARAMETER_LABEL.get(parameter, parameter)
            msg = f"the {label} {point[0]:.6f},{point[1]:.6f} is not near a street usable by {profile}: {exc}"
            raise PointNotOnNetwork(msg, parameter=parameter) from exc

    def points(self, origin: tuple[float, float], destination: tuple[float, float]) -> RequestPoints:
        """The two points of one request, snapped on first use per profile."""
        return RequestPoints(self, origin, destination)

    def ends_by_moment(
        self, origin: Snap, destination: Snap, options: TransitOptions
    ) -> Callable[[datetime], AccessEgress]:
        """:meth:`ends` as a function of the departure, each moment's ends made once (a plan asks again)."""
        made: dict[datetime, AccessEgress] = {}

        def ends_at(moment: datetime) -> AccessEgress:
            if moment not in made:
                made[moment] = self.ends(origin, destination, moment, options)
            return made[moment]

        return ends_at

    def ends(self, origin: Snap, destination: Snap, departure: datetime, options: TransitOptions) -> AccessEgress:
        """Walks from ``origin`` to every stop and from every stop to ``destination``, within budget.

        Both are snaps on the options' walking profile. Every walk includes the connectors
        at both of its ends; walking the whole way is the direct arrival when its cost is
        within twice the budget.
        """
        profile = options.profile
        router = self.street(profile)
        speeds = walking_speeds(options.walk_speed_kmh)
        day, start = self.transit.service_day_of(departure)
        direct, direct_meters = None, 0.0
        straight = float(
            haversine_m(origin.snapped_lat, origin.snapped_lon, destination.snapped_lat, destination.snapped_lon)
        )
        if straight / speeds.normal <= options.max_walk_s * 2:  # a walk can only be longer than the straight line
            try:
                walk = router.route_totals(origin, destination, speeds=speeds)
                if walk.cost <= options.max_walk_s * 2:
                    direct, direct_meters = start + round(walk.duration_s), walk.distance_m
            except NoRoute:
                pass
        sources: dict[int, int] = {}
        targets: dict[int, int] = {}
        access_meters: dict[int, float] = {}
        egress_meters: dict[int, float] = {}
        if profile in self.footpaths:
            stops = self.stop_targets(profile)
            access = router.walks(origin, stops, speeds=speeds, budget_s=options.max_walk_s)
            egress = router.walks(destination, stops, speeds=speeds, budget_s=options.max_walk_s, reverse=True)
            sources, access_meters = _by_stop(access, start)
            targets, egress_meters = _by_stop(egress, 0)
        return AccessEgress(
            day=day,
            start=start,
            sources=sources,
            targets=targets,
            access_meters=access_meters,
            egress_meters=egress_meters,
            direct_arrival=direct,
            direct_meters=direct_meters,
        )

    def point_ends(
        self,
        origin: tuple[float, float],
        destination: tuple[float, float],
        departure: datetime,
        options: TransitOptions,
    ) -> AccessEgress:
        """:meth:`ends` between two coordinates (snapped here; for one-off queries: benchmarks, open data).

        Raises
        ------
        PointNotOnNetwork
            When a point is off the options' walking network.
        """
        points = self.points(origin, destination)
        return self.ends(points.origin(options.profile), points.destination(options.profile), departure, options)


@dataclass
class RequestPoints:
    """The origin and destination of one request, each snapped at most once per street profile."""

    access: StreetAccess
    origin_point: tuple[float, float]
    destination_point: tuple[float, float]
    _snaps: dict[tuple[str, str], Snap] = field(default_factory=dict)

    def origin(self, profile: str) -> Snap:
        """The origin on the ``profile`` network (raises PointNotOnNetwork for parameter ``from``)."""
        return self._snap("from", profile)

    def destination(self, profile: str) -> Snap:
        """The destination on the ``profile`` network (raises PointNotOnNetwork for parameter ``to``)."""
        return self._snap("to", profile)

    def _snap(self, parameter: str, profile: str) -> Snap:
        key = (parameter, profile)
        snap = self._snaps.get(key)
        if snap is None:
            point = self.origin_point if parameter == "from" else self.destination_point
            snap = self.access.snap(point, profile, parameter)
            self._snaps[key] = snap
        return snap


def _by_stop(walks: Walks, start: int) -> tuple[dict[int, int], dict[int, float]]:
    """Stop -> ``start`` plus the walk's whole seconds (rounded half to even, as ``round``), and stop -> metres."""
    stops = walks.target.tolist()
    seconds = (np.rint(walks.duration_s).astype(np.int64) + start).tolist()
    return dict(zip(stops, seconds, strict=True)), dict(zip(stops, walks.distance_m.tolist(), strict=True))
