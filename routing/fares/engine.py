"""What an itinerary's transit costs *this* traveller, leg by leg, with the reason.

For every ride the traveller's valid passes are tried: a pass covers a ride when all of
the ride's stops lie in its area, or in its extended area while one of its time windows
applies at boarding (the start of the ride decides, as in the tariff's "Fahrtantritt"
rule). Hessian public holidays come from the ``holidays`` package (Germany, HE). The
rides no pass covers are priced as one single ticket (transfers are included in a
ticket) whose level follows from the zones of their stops. Companions ride free under
the pass's companion rule while its extended validity applies to every ride, else they
need tickets of the same level.

An on-demand (flex) leg is a ride of the tariff like any other (its ends count by their
stops, or by the stop nearest to a point of a zone) and costs the fare data's on-demand
surcharge on top (per ride, or the amount of its zone): a pass covering the ride pays it
only when the pass data says so (``covers_on_demand_surcharge``; default: it does not).
The surcharge is per person: companions pay it on every on-demand ride too, also where
they ride free on the pass's companion rule (that rule frees them of transit tickets,
not of the surcharge), unless the pass covering the ride pays the surcharge and they ride
free under that pass.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import numpy as np
from numpy.typing import NDArray

from routing.fares.config import ALL_AREAS, FareConfig, PassProduct
from routing.fares.zones import ZoneIndex
from routing.planner.itinerary import Itinerary, Leg
from routing.planner.request import Mode


@dataclass(frozen=True)
class HeldPass:
    """A pass the traveller holds: which product, valid on which days (inclusive)."""

    product_id: str
    valid_from: date
    valid_until: date


@dataclass(frozen=True)
class Travellers:
    """Who travels along with the traveller."""

    adults: int = 0
    children: int = 0
    """Children under 18."""


@dataclass(frozen=True)
class FareReason:
    """Why a price is what it is: a stable code and the values its text needs."""

    code: str
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LegFare:
    """The price of one leg for the traveller."""

    leg_index: int
    cents: int
    """What the traveller pays for the leg (with its surcharge)."""
    reason: FareReason
    pass_id: str | None = None
    surcharge_cents: int = 0
    """The part of ``cents`` that is the on-demand surcharge."""
    surcharge_reason: FareReason | None = None
    """Why the on-demand surcharge is paid or not (flex legs of a region with a surcharge)."""


@dataclass(frozen=True)
class ItineraryFare:
    """The transit price of an itinerary for the traveller and companions."""

    currency: str
    total_cents: int
    legs: list[LegFare]
    ticket_level: str | None
    companions_cents: int = 0
    """What the companions' transit tickets cost (their on-demand surcharge apart)."""
    companions_reason: FareReason | None = None
    companions_surcharge_cents: int = 0
    """The on-demand surcharge the companions pay (per person and on-demand ride), in ``total_cents``."""
    companions_surcharge_reason: FareReason | None = None
    """Why (None: no companions, or no on-demand ride with a surcharge)."""


@dataclass(frozen=True)
class _Ride:
    index: int
    board: datetime
    stops: list[int]
    zones: tuple[str, ...] = ()
    """The flex zones of an on-demand ride (empty: a fixed-route ride)."""
    on_demand: bool = False


class FareCalculator:
    """Prices itineraries of one region with its fare configuration. Safe to share between threads."""

    def __init__(
        self,
        config: FareConfig,
        zones: ZoneIndex,
        stop_index: Mapping[str, int],
        timezone: str,
        stop_points: NDArray[np.float64] | None = None,
    ) -> None:
        self.config = config
        self.stop_points = stop_points
        """Per stop (lat, lon): the tariff counts a flex leg's end that is no stop by its nearest stop."""
        self.zones = zones
        self.stop_index = stop_index
        self.zone = ZoneInfo(timezone)
        self._column = {zone.id: number for number, zone in enumerate(zones.zones)}
        self._names = {zone.id: zone.name for zone in zones.zones}
        self._municipalities = [number for number, zone in enumerate(zones.zones) if zone.kind == "municipality"]
        self._holidays = holidays.country_holidays("DE", subdiv="HE")

    # Calendar ---------------------------------------------------------------------------------

    def operating_day(self, moment: datetime) -> date:
        """The operating day a moment belongs to (rides after midnight count to the evening before)."""
        start = self.config.operating_day_starts
        local = moment.astimezone(self.zone)
        return (local - timedelta(hours=start.hour, minutes=start.minute)).date()

    def day_kind(self, day: date) -> str:
        """``holiday`` (Hesse), ``sunday``, ``saturday`` (when Saturdays count as weekend) or ``weekday``."""
        if day in self._holidays:
            return "holiday"
        if day.weekday() == 6:
            return "sunday"
        if day.weekday() == 5 and self.config.saturday_is_weekend:
            return "saturday"
        return "weekday"

    def in_window(self, product: PassProduct, moment: datetime) -> str | None:
        """The day kind whose window of ``product`` applies at ``moment``, or None."""
        day = self.operating_day(moment)
        kind = self.day_kind(day)
        local = moment.astimezone(self.zone)
        for window in product.extended_windows:
            if kind not in window.days:
                continue
            if window.start <= self.config.operating_day_starts:  # "from 00:00": the whole operating day
                return kind
            if local >= datetime.combine(day, window.start, tzinfo=self.zone):
                return kind
        return None

    # Zones --------------------------------------------------------------------------------------

    def _all_in(self, zone_id: str, stops: Sequence[int]) -> bool:
        column = self._column.get(zone_id)
        if column is None:
            return False
        return bool(np.all(self.zones.stop_in_zone[np.asarray(stops), column]))

    def _area_name(self, zone_id: str) -> str:
        return self._names.get(zone_id, zone_id)

    def ticket_level(self, rides: Sequence[_Ride]) -> str:
        """The single-ticket level for the stops of ``rides``."""
        tariff = self.config.tariff
        stops = [stop for ride in rides for stop in ride.stops]
        if self._all_in(tariff.city_zone, stops):
            short = len(rides) == 1 and len(stops) - 1 <= tariff.short_trip_max_stops and "kurzstrecke" in tariff.adult
            return "kurzstrecke" if short else _level_named(tariff.adult, "stadt_kassel", tariff.city_zone)
        if self._all_in(tariff.plus_zone, stops):
            return _level_named(tariff.adult, "kasselplus", tariff.plus_zone)
        plus = self._column.get(tariff.plus_zone)
        levels = []
        for stop in stops:
            if plus is not None and self.zones.stop_in_zone[stop, plus]:
                continue
            inside = [self.zones.zones[m].id for m in self._municipalities if self.zones.stop_in_zone[stop, m]]
            levels += [tariff.zone_levels.get(zone, tariff.default_level) for zone in inside] or [tariff.default_level]
        return max(levels, key=tariff.level_order.index)

    # Prices --------------------------------------------------------------------------------------

    def _nearest_stop(self, lat: float, lon: float) -> int | None:
        if self.stop_points is None or self.stop_points.shape[0] == 0:
            return None
        scale = np.cos(np.radians(lat))
        points = np.asarray(self.stop_points)
        distance = (points[:, 0] - lat) ** 2 + ((points[:, 1] - lon) * scale) ** 2
        return int(np.argmin(distance))

    def _flex_stops(self, leg: Leg) -> list[int]:
        stops = []
        for place in (leg.origin, leg.destination):
            stop = self.stop_index.get(place.stop_id) if place.stop_id else None
            if stop is None:
                stop = self._nearest_stop(place.lat, place.lon)
            if stop is not None:
                stops.append(stop)
        return stops

    def _rides(self, itinerary: Itinerary) -> list[_Ride]:
        rides = []
        for index, leg in enumerate(itinerary.legs):
            if leg.mode is Mode.FLEX and leg.flex is not None:
                stops = self._flex_stops(leg)
                if stops:
                    rides.append(
                        _Ride(index=index, board=leg.start, stops=stops, zones=leg.flex.zone_ids, on_demand=True)
                    )
                continue
            if leg.mode is not Mode.TRANSIT or leg.ride is None:
                continue
            ids = [
                leg.origin.stop_id,
                *(place.stop_id for place in leg.ride.intermediate_stops),
                leg.destination.stop_id,
            ]
            stops = [self.stop_index[stop_id] for stop_id in ids if stop_id is not None and stop_id in self.stop_index]
            if stops:
                rides.append(_Ride(index=index, board=leg.start, stops=stops))
        return rides

    def _surcharge_cents(self, ride: _Ride) -> int | None:
        """The on-demand surcharge of ``ride`` per person: its zone's amount, else the per-ride one (None: none)."""
        surcharge = self.config.on_demand
        if surcharge is None or not ride.on_demand:
            return None
        amounts = [surcharge.zone_cents[zone] for zone in ride.zones if zone in surcharge.zone_cents]
        return max(amounts) if amounts else surcharge.cents

    def _surcharge(self, ride: _Ride, product: PassProduct | None) -> tuple[int, FareReason] | None:
        """The on-demand surcharge of ``ride`` when ``product`` covers its ticket (None: no surcharge here)."""
        surcharge = self.config.on_demand
        cents = self._surcharge_cents(ride)
        if surcharge is None or cents is None:
            return None
        params = {"name": surcharge.name, "amount": f"{cents / 100:.2f}"}
        if product is None:
            return cents, FareReason("on_demand_surcharge", params)
        params["pass"] = product.name
        if product.covers_on_demand_surcharge:
            return 0, FareReason("on_demand_surcharge_covered", params)
        return cents, FareReason("on_demand_surcharge_not_covered", params)

    def _coverage(self, ride: _Ride, held: Sequence[HeldPass]) -> tuple[PassProduct, FareReason, bool] | None:
        """The pass covering ``ride`` (area validity first), its reason, and whether its window applied."""
        day = self.operating_day(ride.board)
        found = None
        for holding in held:
            product = self.config.passes.get(holding.product_id)
            if product is None or not holding.valid_from <= day <= holding.valid_until:
                continue
            window = self.in_window(product, ride.board)
            if product.area == ALL_AREAS:
                return product, FareReason("pass_everywhere", {"pass": product.name}), window is not None
            if self._all_in(product.area, ride.stops):
                return (
                    product,
                    FareReason("pass_in_area", {"pass": product.name, "area": self._area_name(product.area)}),
                    window is not None,
                )
            if found is None and window and product.extended_area and self._all_in(product.extended_area, ride.stops):
                found = (
                    product,
                    FareReason(
                        "pass_network_window",
                        {
                            "pass": product.name,
                            "area": self._area_name(product.extended_area),
                            "day": window,
                            "from": _window_start(product, window) or "",
                        },
                    ),
                    True,
                )
        return found

    def _uncovered_reason(self, ride: _Ride, held: Sequence[HeldPass], level: str) -> FareReason:
        day = self.operating_day(ride.board)
        for holding in held:
            product = self.config.passes.get(holding.product_id)
            if product is None:
                continue
            if not holding.valid_from <= day <= holding.valid_until:
                return FareReason(
                    "pass_not_valid_then",
                    {"pass": product.name, "until": holding.valid_until.isoformat(), "level": level},
                )
            if product.area != ALL_AREAS and self._all_in(product.area, ride.stops[:1]):
                reason = {"pass": product.name, "area": self._area_name(product.area), "level": level}
                if product.extended_windows:
                    return FareReason(
                        "outside_area_before_window",
                        reason | {"from": _window_start(product, self.day_kind(day)) or ""},
                    )
                return FareReason("outside_area", reason)
        return FareReason("single_ticket", {"level": level})

    def price(
        self,
        itinerary: Itinerary,
        held: Sequence[HeldPass] = (),
        travellers: Travellers = Travellers(),
    ) -> ItineraryFare:
        """The transit price of ``itinerary`` for a traveller holding ``held``, with companions."""
        tariff = self.config.tariff
        rides = self._rides(itinerary)
        legs: list[LegFare] = []
        uncovered: list[_Ride] = []
        covering: list[tuple[PassProduct, bool]] = []
        covered_by: dict[int, PassProduct] = {}
        for ride in rides:
            coverage = self._coverage(ride, held)
            if coverage is None:
                uncovered.append(ride)
                continue
            product, reason, window = coverage
            covering.append((product, window))
            covered_by[ride.index] = product
            legs.append(LegFare(ride.index, 0, reason, product.id))
        level = self.ticket_level(uncovered) if uncovered else None
        for number, ride in enumerate(uncovered):
            assert level is not None
            if number == 0:
                legs.append(LegFare(ride.index, tariff.adult[level], self._uncovered_reason(ride, held, level)))
            else:
                legs.append(LegFare(ride.index, 0, FareReason("ticket_included", {"level": level})))
        surcharges = {ride.index: self._surcharge(ride, covered_by.get(ride.index)) for ride in rides}
        for position, fare in enumerate(legs):
            surcharge = surcharges.get(fare.leg_index)
            if surcharge is not None:
                cents, why = surcharge
                legs[position] = replace(fare, cents=fare.cents + cents, surcharge_cents=cents, surcharge_reason=why)
        legs.sort(key=lambda fare: fare.leg_index)
        companions_cents, companions_reason = 0, None
        companions_surcharge: tuple[int, FareReason | None] = (0, None)
        if rides and (travellers.adults or travellers.children):
            companions_cents, companions_reason = self._companions(rides, uncovered, covering, travellers)
            free = self._free_companions(uncovered, covering, travellers)
            companions_surcharge = self._companions_surcharge(rides, covered_by, travellers, free)
        total = sum(fare.cents for fare in legs) + companions_cents + companions_surcharge[0]
        return ItineraryFare(
            currency=self.config.currency,
            total_cents=total,
            legs=legs,
            ticket_level=level,
            companions_cents=companions_cents,
            companions_reason=companions_reason,
            companions_surcharge_cents=companions_surcharge[0],
            companions_surcharge_reason=companions_surcharge[1],
        )

    @staticmethod
    def _free_companions(
        uncovered: list[_Ride], covering: list[tuple[PassProduct, bool]], travellers: Travellers
    ) -> tuple[int, int]:
        """How many adults and children ride free on the pass's companion rule (all rides, one pass, its window)."""
        products = {product.id: product for product, _ in covering}
        if uncovered or len(products) != 1 or not all(window for _, window in covering):
            return 0, 0
        product = next(iter(products.values()))
        return min(travellers.adults, product.companions.adults), (
            travellers.children if product.companions.children_under else 0
        )

    def _companions_surcharge(
        self,
        rides: list[_Ride],
        covered_by: Mapping[int, PassProduct],
        travellers: Travellers,
        free: tuple[int, int],
    ) -> tuple[int, FareReason | None]:
        """The on-demand surcharge the companions pay: per person and on-demand ride.

        Companions riding free under the pass that covers a ride (``free``) have its surcharge
        paid only when that pass covers the surcharge; everyone else pays it.
        """
        surcharge = self.config.on_demand
        companions = travellers.adults + travellers.children
        cents = paying = ride_count = 0
        for ride in rides:
            amount = self._surcharge_cents(ride)
            if amount is None:
                continue
            ride_count += 1
            product = covered_by.get(ride.index)
            freed = sum(free) if product is not None and product.covers_on_demand_surcharge else 0
            cents += (companions - freed) * amount
            paying = max(paying, companions - freed)
        if surcharge is None or not ride_count:
            return 0, None
        params = {
            "name": surcharge.name,
            "persons": str(paying),
            "rides": str(ride_count),
            "amount": f"{cents / 100:.2f}",
        }
        if cents == 0:
            return 0, FareReason("companions_on_demand_surcharge_covered", params)
        return cents, FareReason("companions_on_demand_surcharge", params)

    def _companions(
        self,
        rides: list[_Ride],
        uncovered: list[_Ride],
        covering: list[tuple[PassProduct, bool]],
        travellers: Travellers,
    ) -> tuple[int, FareReason]:
        tariff = self.config.tariff
        products = {product.id: product for product, _ in covering}
        free_adults, free_children = self._free_companions(uncovered, covering, travellers)
        adults, children = travellers.adults - free_adults, travellers.children - free_children
        if not adults and not children:
            return 0, FareReason("companions_free", {"pass": next(iter(products.values())).name})
        level = self.ticket_level(rides)
        cents = adults * tariff.adult[level] + children * tariff.child.get(level, tariff.adult[level])
        return cents, FareReason(
            "companions_tickets",
            {
                "level": level,
                "adults": str(adults),
                "children": str(children),
                "free_adults": str(free_adults),
            },
        )


def _level_named(levels: Mapping[str, int], preferred: str, zone_id: str) -> str:
    """The level for a whole area: named like the area when the table has it."""
    for name in (preferred, zone_id):
        if name in levels:
            return name
    return max(levels, key=lambda name: levels[name])


def _window_start(product: PassProduct, day_kind: str) -> str | None:
    starts = [window.start for window in product.extended_windows if day_kind in window.days]
    return min(starts).strftime("%H:%M") if starts else None


def sharing_quotes_cents(itinerary: Itinerary) -> int:
    """What the providers quoted for the itinerary's sharing legs (legs without a quote count nothing)."""
    return sum(
        leg.sharing.quote.amount_cents
        for leg in itinerary.legs
        if leg.sharing is not None and leg.sharing.quote is not None
    )
