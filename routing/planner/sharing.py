"""Shared vehicles as the planner sees them: plain data handed in for one request.

The routing core never talks to operators. The app turns the provider layer's live
availability into a :class:`SharingSupply` (vehicles that can be picked up now, stations
that can take one back now, parking rules) and passes it to
:meth:`routing.planner.planner.Planner.plan`; prices are asked for through the
``quoter`` it supplies, only for the legs of the itineraries that are answered.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from routing.planner.itinerary import Leg, PriceQuote
from routing.planner.request import Mode


@dataclass(frozen=True)
class VehicleKind:
    """A vehicle type of a system, as the planner needs it."""

    name: str
    """Readable, e.g. ``bicycle``, ``electric bicycle``, ``car``."""
    electric: bool = False
    """Electric assistance (an e-bike rides faster)."""


@dataclass(frozen=True)
class VehicleOffer:
    """Where a vehicle can be picked up now: a station with vehicles of a type, or one free-floating vehicle."""

    lat: float
    lon: float
    name: str
    vehicle_type_id: str
    station_id: str | None = None
    vehicle_id: str | None = None
    """Set for a free-floating vehicle (the rider takes exactly this one)."""
    count: int = 1
    """Vehicles of this type available there."""


@dataclass(frozen=True)
class ReturnStation:
    """A station that takes vehicles back now."""

    lat: float
    lon: float
    name: str
    station_id: str
    free_docks: int | None
    """None when the operator does not publish dock counts (virtual stations)."""


class ParkingRules(Protocol):
    """Where a ride may end and which ways it may ride through (from geofencing zones)."""

    def may_end_at(self, lat: float, lon: float) -> bool:
        """True when a ride may end at this point outside a station."""
        ...

    def may_pass(self, path: Sequence[tuple[float, float]]) -> bool:
        """True when a ride may follow ``path`` ((lon, lat) points)."""
        ...


@dataclass(frozen=True)
class SharingSystem:
    """One provider instance's fleet of one mode, as available at request time."""

    provider: str
    """Registered provider instance (what booking calls)."""
    operator: str
    mode: Mode
    vehicle_types: Mapping[str, VehicleKind]
    offers: tuple[VehicleOffer, ...]
    stations: tuple[ReturnStation, ...]
    """Stations that take a vehicle back now (full or non-returning stations are left out)."""
    free_floating: bool
    """Rides may end outside stations, where ``rules`` allow."""
    round_trip: bool = False
    """Station-based carsharing: the vehicle goes back to the station it came from."""
    rules: ParkingRules | None = None
    bookable: bool = False


@dataclass(frozen=True)
class LegPrice:
    """What the provider layer says a planned sharing leg costs, and how to open it in the operator's app."""

    quote: PriceQuote | None
    deep_link: str | None = None


LegQuoter = Callable[[Leg], LegPrice]
"""Prices one planned sharing leg (its ``sharing`` names the provider, vehicle and stations)."""


@dataclass(frozen=True)
class SharingSupply:
    """Every sharing system the request may use, and how to price their legs."""

    systems: tuple[SharingSystem, ...] = ()
    quoter: LegQuoter | None = None
    unavailable: tuple[str, ...] = field(default=())
    """Provider instances that could not say what they have now (their modes are planned without them)."""

    def of_mode(self, mode: Mode) -> list[SharingSystem]:
        """The systems serving ``mode``."""
        return [system for system in self.systems if system.mode is mode]
