"""The on-demand surcharge of flex legs: per ride and zone from the fare data, paid by a pass only if it says so."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from routing.demo.city import plan_city
from routing.demo.write_fares import fares_document
from routing.fares.config import parse_fare_config
from routing.fares.engine import FareCalculator, HeldPass, Travellers
from routing.planner.itinerary import Itinerary
from routing.planner.planner import Planner
from routing.planner.request import Mode, PlanRequest
from routing.region.region import Region
from tests.conftest_d.regions import DEMO_FIRST_DAY

BERLIN = ZoneInfo("Europe/Berlin")
CITY = plan_city()
MONTH = HeldPass("mittendrin", DEMO_FIRST_DAY.replace(day=1), DEMO_FIRST_DAY.replace(day=30))


def _calculator(region: Region, **pass_changes: object) -> FareCalculator:
    config = parse_fare_config(fares_document())
    if pass_changes:
        product = replace(config.passes["mittendrin"], **pass_changes)  # type: ignore[arg-type]
        config = replace(config, passes={**config.passes, "mittendrin": product})
    assert region.zones is not None
    timetable = region.timetable
    points = np.column_stack([np.asarray(timetable.stop_lat), np.asarray(timetable.stop_lon)]).astype(np.float64)
    index = {stop: i for i, stop in enumerate(timetable.stop_id)}
    return FareCalculator(config, region.zones, index, "Europe/Berlin", stop_points=points)


@pytest.fixture(scope="module")
def zone_ride(demo_region: Region) -> Itinerary:
    start, end = CITY.position(10, 10), CITY.position(7, 8)
    evening = datetime.combine(DEMO_FIRST_DAY, datetime.min.time(), tzinfo=BERLIN) + timedelta(hours=20)
    request = PlanRequest(
        origin=(start.lat, start.lon),
        destination=(end.lat, end.lon),
        time=evening,
        modes=frozenset({Mode.FLEX}),
        booking_time=evening - timedelta(hours=2),
    )
    itinerary = Planner(demo_region).plan(request).itineraries[0]
    assert [leg.mode for leg in itinerary.legs] == [Mode.FLEX]
    return itinerary


def test_without_a_pass_the_ride_costs_a_ticket_and_the_surcharge(demo_region: Region, zone_ride: Itinerary) -> None:
    fare = _calculator(demo_region).price(zone_ride)
    leg = fare.legs[0]
    document = fares_document()
    ticket = document["tariff"]["adult"][fare.ticket_level]
    assert leg.surcharge_cents == document["on_demand"]["zone_cents"]["demo:ast-nordost"] == 150
    assert leg.cents == ticket + 150
    assert leg.surcharge_reason is not None and leg.surcharge_reason.code == "on_demand_surcharge"
    assert fare.total_cents == ticket + 150


def test_the_mittendrin_ticket_covers_the_ride_but_not_the_surcharge(demo_region: Region, zone_ride: Itinerary) -> None:
    fare = _calculator(demo_region).price(zone_ride, [MONTH])
    leg = fare.legs[0]
    assert leg.pass_id == "mittendrin"
    assert (leg.cents, leg.surcharge_cents) == (150, 150)
    assert leg.surcharge_reason is not None and leg.surcharge_reason.code == "on_demand_surcharge_not_covered"


def test_a_pass_whose_data_covers_the_surcharge_pays_it(demo_region: Region, zone_ride: Itinerary) -> None:
    fare = _calculator(demo_region, covers_on_demand_surcharge=True).price(zone_ride, [MONTH])
    leg = fare.legs[0]
    assert (leg.cents, leg.surcharge_cents) == (0, 0)
    assert leg.surcharge_reason is not None and leg.surcharge_reason.code == "on_demand_surcharge_covered"


SURCHARGE = fares_document()["on_demand"]["zone_cents"]["demo:ast-nordost"]


def test_companions_riding_free_on_the_pass_still_pay_the_surcharge_per_person(
    demo_region: Region, zone_ride: Itinerary
) -> None:
    fare = _calculator(demo_region).price(zone_ride, [MONTH], Travellers(adults=1, children=2))
    assert fare.companions_reason is not None and fare.companions_reason.code == "companions_free"
    assert fare.companions_cents == 0
    assert fare.companions_surcharge_cents == 3 * SURCHARGE  # one adult and two children, one ride
    reason = fare.companions_surcharge_reason
    assert reason is not None and reason.code == "companions_on_demand_surcharge"
    assert (reason.params["persons"], reason.params["rides"], reason.params["amount"]) == ("3", "1", "4.50")
    assert fare.total_cents == SURCHARGE + 3 * SURCHARGE


def test_companions_with_tickets_pay_the_surcharge_on_top(demo_region: Region, zone_ride: Itinerary) -> None:
    fare = _calculator(demo_region).price(zone_ride, travellers=Travellers(adults=1))
    document = fares_document()
    assert fare.ticket_level is not None
    ticket = document["tariff"]["adult"][fare.ticket_level]
    assert fare.companions_cents == ticket
    assert fare.companions_surcharge_cents == SURCHARGE
    assert fare.total_cents == (ticket + SURCHARGE) * 2


def test_a_pass_paying_the_surcharge_pays_it_for_the_companions_it_takes_free(
    demo_region: Region, zone_ride: Itinerary
) -> None:
    calculator = _calculator(demo_region, covers_on_demand_surcharge=True)
    free = calculator.price(zone_ride, [MONTH], Travellers(adults=1, children=1))
    assert free.companions_surcharge_cents == 0 and free.total_cents == 0
    assert free.companions_surcharge_reason is not None
    assert free.companions_surcharge_reason.code == "companions_on_demand_surcharge_covered"
    one_too_many = calculator.price(zone_ride, [MONTH], Travellers(adults=2))  # the rule takes one adult
    assert one_too_many.companions_cents > 0  # the second adult needs a ticket ...
    assert one_too_many.companions_surcharge_cents == SURCHARGE  # ... and pays the surcharge; the first rides free


def test_without_companions_there_is_no_companions_surcharge(demo_region: Region, zone_ride: Itinerary) -> None:
    fare = _calculator(demo_region).price(zone_ride, [MONTH])
    assert (fare.companions_surcharge_cents, fare.companions_surcharge_reason) == (0, None)


def test_a_bad_surcharge_names_the_field() -> None:
    document = fares_document()
    document["on_demand"]["surcharge_cents"] = -5
    with pytest.raises(ValueError, match=r"on_demand\.surcharge_cents"):
        parse_fare_config(document)
