"""Coordinate-to-coordinate transit queries, for benchmarks, open-data checks and tests.

The planner snaps its points once per request and profile and makes the street ends
itself; a one-off query between two coordinates does the same here: the ends come from
:meth:`routing.planner.access.StreetAccess.point_ends`, then one transit entry point runs.
Every method raises :class:`~routing.planner.errors.PointNotOnNetwork` for a point off
the walking network.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from routing.planner.access import StreetAccess
from routing.planner.region_data import RegionData
from routing.transit.ends import AccessEgress
from routing.transit.journeys import Journey
from routing.transit.options import TransitOptions
from routing.transit.queries import ARRIVE_BY_WINDOW, TransitRouter
from routing.transit.service_time import moment_at

Point = tuple[float, float]


class PointQueries:
    """The transit entry points between coordinates on one region."""

    def __init__(self, transit: TransitRouter, access: StreetAccess) -> None:
        self.transit = transit
        self.access = access

    @classmethod
    def of(cls, region: RegionData, transit: TransitRouter | None = None) -> PointQueries:
        """Queries on ``region`` (with its own transit router unless one is given)."""
        transit = transit or TransitRouter(region.timetable, region.manifest.timezone, region.footpaths)
        return cls(transit, StreetAccess(region.street, region.footpaths, transit))

    def ends(self, origin: Point, destination: Point, departure: datetime, options: TransitOptions) -> AccessEgress:
        """The street ends of a query leaving at ``departure``."""
        return self.access.point_ends(origin, destination, departure, options)

    def earliest(
        self, origin: Point, destination: Point, departure: datetime, options: TransitOptions | None = None
    ) -> list[Journey]:
        """RAPTOR journeys (arrival x trips); raises NoRoute when nothing connects the points."""
        options = options or TransitOptions()
        return self.transit.earliest(self.ends(origin, destination, departure, options), options)

    def earliest_arrival(
        self, origin: Point, destination: Point, departure: datetime, options: TransitOptions | None = None
    ) -> datetime | None:
        """Only the earliest arrival (any number of trips up to the limit, or walking); None if unreachable."""
        options = options or TransitOptions()
        ends = self.ends(origin, destination, departure, options)
        arrival = self.transit.earliest_arrival(ends, options)
        return None if arrival is None else moment_at(ends.day, arrival, self.transit.zone)

    def pareto(
        self, origin: Point, destination: Point, departure: datetime, options: TransitOptions | None = None
    ) -> list[Journey]:
        """McRAPTOR journeys (arrival x walking x transfers); raises NoRoute when nothing connects the points."""
        options = options or TransitOptions()
        return self.transit.pareto(self.ends(origin, destination, departure, options), options)

    def range_departures(
        self,
        origin: Point,
        destination: Point,
        earliest: datetime,
        latest: datetime,
        options: TransitOptions | None = None,
    ) -> list[Journey]:
        """Range RAPTOR over departures between ``earliest`` and ``latest``."""
        options = options or TransitOptions()
        return self.transit.range_departures(self.ends(origin, destination, earliest, options), latest, options)

    def arrive_by(
        self,
        origin: Point,
        destination: Point,
        arrival: datetime,
        options: TransitOptions | None = None,
        *,
        window: timedelta = ARRIVE_BY_WINDOW,
    ) -> list[Journey]:
        """Journeys arriving by ``arrival`` that leave as late as possible; raises NoRoute when none does."""
        options = options or TransitOptions()
        points = self.access.points(origin, destination)
        origin_snap, destination_snap = points.origin(options.profile), points.destination(options.profile)

        def ends_at(moment: datetime) -> AccessEgress:
            return self.access.ends(origin_snap, destination_snap, moment, options)

        return self.transit.arrive_by(ends_at, arrival, options, window=window)
