"""Helpers for transit tests: routers of regions, and queries between stops or coordinates.

The transit service has one entry point per query kind taking :class:`AccessEgress` ends;
these helpers make the ends from stops (as the feature tests with tiny timetables do) or
from coordinates (through the planner's street access, :class:`routing.bench.points.PointQueries`).
"""

from __future__ import annotations

from datetime import datetime

from routing.bench.points import PointQueries
from routing.errors import NoRoute
from routing.region.region import Region
from routing.transit.ends import AccessEgress
from routing.transit.journeys import Journey, TransitLeg
from routing.transit.options import TransitOptions
from routing.transit.queries import TransitRouter

ALGORITHMS = ("raptor", "mcraptor")
"""Feature tests run under both: RAPTOR (``earliest``) and McRAPTOR (``pareto``)."""


def router_of(region: Region) -> TransitRouter:
    """The transit router of ``region``."""
    return TransitRouter(region.timetable, region.manifest.timezone, region.footpaths)


def points_of(region: Region, router: TransitRouter | None = None) -> PointQueries:
    """Coordinate queries on ``region`` (on ``router`` when given)."""
    return PointQueries.of(region, router)


def stop_ends(
    router: TransitRouter, departure: datetime, origins: dict[int, int], destinations: dict[int, int]
) -> AccessEgress:
    """Ends at stops: origin stop -> seconds to reach it after ``departure``, destination stop -> seconds on."""
    day, start = router.service_day_of(departure)
    return AccessEgress.between_stops(day, start, origins, destinations)


def between_stops(
    router: TransitRouter,
    departure: datetime,
    origins: list[int],
    destinations: list[int],
    *,
    options: TransitOptions | None = None,
    algorithm: str = "raptor",
) -> list[Journey]:
    """Journeys with rides from stops to stops, Pareto in arrival and transfers, fewest transfers first.

    Under ``mcraptor`` the Pareto set of :meth:`TransitRouter.pareto` (which also weighs
    walking) is narrowed to arrival and transfers, so both algorithms answer the same question.
    """
    options = options or TransitOptions()
    ends = stop_ends(router, departure, dict.fromkeys(origins, 0), dict.fromkeys(destinations, 0))
    try:
        if algorithm == "raptor":
            return router.earliest(ends, options)
        found = router.pareto(ends, options)
    except NoRoute:
        return []
    rides = [journey for journey in found if any(isinstance(leg, TransitLeg) for leg in journey.legs)]
    kept = [
        journey
        for journey in rides
        if not any(
            (other.arrival, other.transfers) != (journey.arrival, journey.transfers)
            and other.arrival <= journey.arrival
            and other.transfers <= journey.transfers
            for other in rides
        )
    ]
    by_criteria: dict[tuple[int, datetime], Journey] = {}
    for journey in sorted(kept, key=lambda j: (j.transfers, j.arrival, j.walking_seconds)):
        by_criteria.setdefault((journey.transfers, journey.arrival), journey)
    return list(by_criteria.values())


def pareto_between_stops(
    router: TransitRouter,
    departure: datetime,
    origins: dict[int, int],
    destinations: dict[int, int],
    *,
    options: TransitOptions | None = None,
) -> list[Journey]:
    """McRAPTOR between stops, each with the walking seconds to reach it / to go on from it."""
    return router.pareto(stop_ends(router, departure, origins, destinations), options)
