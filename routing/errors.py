"""Errors of the routing core. Every one inherits :class:`RoutingError` and a builtin."""

from __future__ import annotations


class RoutingError(Exception):
    """Base of every error raised by ``routing``."""


class InputDataError(RoutingError, ValueError):
    """An input file (OSM, GTFS, zones) cannot be used; the message names file and field."""

    def __init__(self, source: str, problem: str) -> None:
        self.source = source
        self.problem = problem
        super().__init__(f"{source}: {problem}")


class RegionError(RoutingError, RuntimeError):
    """A region directory is missing, incomplete or was built by an incompatible version."""


class RegionBuildError(RoutingError, RuntimeError):
    """A region could not be built; the current region was left untouched."""


class PointNotRoutable(RoutingError, ValueError):
    """A coordinate lies farther than the allowed distance from any usable street."""

    def __init__(self, lat: float, lon: float, *, profile: str, max_distance_m: float) -> None:
        self.lat = lat
        self.lon = lon
        self.profile = profile
        self.max_distance_m = max_distance_m
        super().__init__(
            f"point {lat:.6f},{lon:.6f} is more than {max_distance_m:.0f} m from any street usable for {profile}"
        )


class NoRoute(RoutingError, LookupError):
    """Both points are on the network, but no path connects them for this profile."""

    def __init__(self, profile: str, detail: str = "") -> None:
        self.profile = profile
        super().__init__(f"no {profile} route connects the two points" + (f": {detail}" if detail else ""))
