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
