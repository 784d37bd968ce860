"""The warm-up plans run every search: their ends are on the street network and transit connects them."""

from __future__ import annotations

from routing.planner.planner import Planner
from routing.planner.request import Mode
from routing.planner.warmup import warm_up, warm_up_requests
from routing.region.region import Region


def _transit_found(region: Region) -> None:
    planner = Planner(region)
    requests = warm_up_requests(planner)
    assert {request.arrive_by for request in requests} == {False, True}
    assert any(request.wheelchair for request in requests)
    result = planner.plan(requests[0])
    assert any(leg.mode is Mode.TRANSIT for itinerary in result.itineraries for leg in itinerary.legs)
    report = warm_up(planner)
    assert report.plans == len(requests) and report.answered >= 2


def test_warm_up_on_real_data_with_stops_outside_the_extract(porto_alegre: Region) -> None:
    # 41 % of Porto Alegre's stops lie outside its OSM extract, the busiest pattern's ends among them
    _transit_found(porto_alegre)


def test_warm_up_on_the_demo_city(demo_region: Region) -> None:
    _transit_found(demo_region)
