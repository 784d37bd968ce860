"""Errors of the planner: requests it cannot answer as asked (the API answers 4xx, never 500)."""

from __future__ import annotations

from routing.errors import RoutingError


class PlanningError(RoutingError):
    """A request the planner cannot answer as asked (the API answers 4xx)."""

    def __init__(self, message: str, *, parameter: str) -> None:
        super().__init__(message)
        self.parameter = parameter
        """The request parameter at fault."""


class PointNotOnNetwork(PlanningError):
    """The origin or destination is too far from any usable street."""


class TimeOutsideTimetable(PlanningError):
    """The requested time is outside the days the region's timetable covers."""


class NoItinerary(PlanningError):
    """No itinerary with the allowed modes connects the two points."""


class NoTransitInRegion(PlanningError):
    """Only transit was asked for, and the region was built without GTFS (streets only)."""
