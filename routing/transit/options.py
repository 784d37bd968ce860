"""Per-query options of the transit queries (:mod:`routing.transit.queries`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from routing.transit.footpaths import REFERENCE_WALK_KMH

if TYPE_CHECKING:
    from routing.transit.journeys import Journey

DEFAULT_MAX_TRANSFERS = 4
DEFAULT_CHANGE_SLACK_S = 60
DEFAULT_MAX_WALK_S = 900.0


@dataclass(frozen=True)
class TransitOptions:
    """Per-query options.

    Up to ``max_transfers`` changes, a change slack on top of walking, the walking speed,
    and wheelchair mode (accessible trips and stops only, footpaths on the wheelchair graph).
    """

    max_transfers: int = DEFAULT_MAX_TRANSFERS
    change_slack_s: int = DEFAULT_CHANGE_SLACK_S
    walk_speed_kmh: float = REFERENCE_WALK_KMH
    wheelchair: bool = False
    max_walk_s: float = DEFAULT_MAX_WALK_S
    """Budget of each walk to or from transit (generalised cost, seconds)."""
    ride_price_cents: Mapping[str, int] | None = field(default=None, compare=False)
    """Price of one ride per route id (namespaced): a search criterion of Pareto plans (fares fill it)."""
    extra_criterion: Callable[[Journey], float] | None = field(default=None, compare=False)
    """One more criterion for the final Pareto filter, for prices that are not a sum over rides."""

    @property
    def profile(self) -> str:
        """The street profile walks of this query use (``wheelchair`` or ``walk``)."""
        return "wheelchair" if self.wheelchair else "walk"

    @property
    def speed_factor(self) -> float:
        """Walking seconds at this speed per second at the reference speed the footpaths were walked at."""
        return REFERENCE_WALK_KMH / self.walk_speed_kmh
