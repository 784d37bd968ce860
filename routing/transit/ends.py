"""The street ends of a transit query: :class:`AccessEgress` (who makes them: the planner's street access)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class AccessEgress:
    """The ends of a query, in seconds after ``day``'s reference: reachable stops and their walks.

    The planner makes them from coordinates (``routing.planner.access.StreetAccess``),
    feeder rides replace some (``source_walk``/``target_walk`` then count only the walked
    part), and tests make them from stops (:meth:`between_stops`).
    """

    day: date
    start: int
    sources: dict[int, int]
    """Stop -> arrival there on foot."""
    targets: dict[int, int]
    """Stop -> walking seconds from there to the destination."""
    access_meters: dict[int, float]
    egress_meters: dict[int, float]
    direct_arrival: int | None
    direct_meters: float
    source_walk: dict[int, int] | None = None
    """Stop -> seconds on foot in its access (None: all of the access is walked)."""
    target_walk: dict[int, int] | None = None
    """Stop -> seconds on foot in its egress (None: all of the egress is walked)."""

    def access_walk_s(self, stop: int) -> int:
        """Seconds on foot from the origin to ``stop``."""
        return self.sources[stop] - self.start if self.source_walk is None else self.source_walk[stop]

    def egress_walk_s(self, stop: int) -> int:
        """Seconds on foot from ``stop`` to the destination."""
        return self.targets[stop] if self.target_walk is None else self.target_walk[stop]

    @classmethod
    def between_stops(
        cls, day: date, start: int, origins: dict[int, int], destinations: dict[int, int]
    ) -> AccessEgress:
        """Ends at stops: ``origins`` stop -> seconds to reach it, ``destinations`` stop -> seconds on from it."""
        return cls(
            day=day,
            start=start,
            sources={stop: start + walk for stop, walk in origins.items()},
            targets=dict(destinations),
            access_meters=dict.fromkeys(origins, 0.0),
            egress_meters=dict.fromkeys(destinations, 0.0),
            direct_arrival=None,
            direct_meters=0.0,
        )
