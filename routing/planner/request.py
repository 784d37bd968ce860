"""What a door-to-door plan is asked for: points, time, modes and the traveller's needs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from routing.transit.options import TransitOptions


class Mode(StrEnum):
    """A way of moving that a request can allow."""

    WALK = "walk"
    BIKE = "bike"
    """The traveller's own bike."""
    TRANSIT = "transit"
    BIKESHARE = "bikeshare"
    CARSHARING = "carsharing"
    FLEX = "flex"
    """On-demand transit (GTFS-Flex: AST, on-demand shuttles) booked ahead."""


class WalkSpeed(StrEnum):
    """Walking speed classes (km/h below); ``slow`` suits elderly people and many wheelchair users."""

    NORMAL = "normal"
    SLOW = "slow"


WALK_KMH = {WalkSpeed.NORMAL: 4.8, WalkSpeed.SLOW: 3.0}
BIKE_KMH = 15.0
DEFAULT_MAX_WALK_M = 1200.0
DEFAULT_MAX_WAIT_S = 2 * 3600.0
"""Longest wait (before leaving or between legs) of an itinerary shown beside others without one."""
ARRIVE_BY_SEARCH = timedelta(hours=3)
"""How far before the requested arrival an arrive-by search looks for departures."""


@dataclass(frozen=True)
class PlanRequest:
    """One planning question.

    ``time`` is aware; with ``arrive_by`` it is the latest arrival, else the earliest
    departure. ``max_walk_m`` bounds each walk to, from or between vehicles (a walk-only
    trip may be longer when it is the only way). Itineraries waiting longer than
    ``max_wait_s`` (from the requested time to leaving, or between legs) are shown only
    when nothing else gets there, flagged ``long_wait``.
    """

    origin: tuple[float, float]
    destination: tuple[float, float]
    time: datetime
    modes: frozenset[Mode] = frozenset({Mode.WALK, Mode.TRANSIT})
    arrive_by: bool = False
    wheelchair: bool = False
    walk_speed: WalkSpeed = WalkSpeed.NORMAL
    max_walk_m: float = DEFAULT_MAX_WALK_M
    max_transfers: int = 4
    max_wait_s: float = DEFAULT_MAX_WAIT_S
    booking_time: datetime | None = None
    """When the rides would be booked (aware; None: the moment of planning), as OpenTripPlanner's ``bookingTime``:
    a flex ride whose booking deadline has passed by then, or whose booking opens later, is not offered."""

    @property
    def walk_kmh(self) -> float:
        """Walking speed in km/h."""
        return WALK_KMH[self.walk_speed]

    @property
    def max_walk_s(self) -> float:
        """``max_walk_m`` as seconds at this request's walking speed."""
        return self.max_walk_m / (self.walk_kmh / 3.6)

    @property
    def walk_profile(self) -> str:
        """The street profile of this traveller's walks: ``wheelchair`` or ``walk``."""
        return "wheelchair" if self.wheelchair else "walk"

    def transit_options(self) -> TransitOptions:
        """The transit search's options for this traveller."""
        return TransitOptions(
            max_transfers=self.max_transfers,
            walk_speed_kmh=self.walk_kmh,
            wheelchair=self.wheelchair,
            max_walk_s=self.max_walk_s,
        )
