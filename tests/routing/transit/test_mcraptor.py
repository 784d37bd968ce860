"""Multi-criteria journeys: Pareto over arrival, walking time and transfers."""

from __future__ import annotations

from datetime import date, datetime
from itertools import islice
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from routing.bench.points import PointQueries
from routing.planner.errors import PointNotOnNetwork
from routing.region.region import Region
from routing.transit.journeys import Journey, TransitLeg, pareto_filter
from routing.transit.options import TransitOptions
from routing.transit.queries import TransitRouter
from tests.routing.transit.od_samples import od_queries
from tests.routing.transit.point_queries import between_stops, pareto_between_stops, points_of
from tests.routing.transit.tiny_transit import tiny_router

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2026, 11, 23)


def stop(router: TransitRouter, name: str) -> int:
    return router.timetable.stop_id.to_list().index(f"kvg:{name}")


def test_less_walking_for_a_later_arrival_is_kept(tmp_path: Path) -> None:
    trips = """
        express 1 WD: B 08:10, E 08:20
        local 2 WD: A 08:05, C 08:20, E 08:40
    """
    router = tiny_router(tmp_path, trips, first_day=MONDAY)
    departure = datetime(2026, 11, 23, 8, 0, tzinfo=BERLIN)
    # A is next door; B is an 8-minute walk away.
    journeys = pareto_between_stops(
        router, departure, {stop(router, "A"): 0, stop(router, "B"): 480}, {stop(router, "E"): 0}
    )
    summary = [
        (j.arrival.strftime("%H:%M"), round(j.walking_seconds), j.describe(router.timetable).replace("kvg:", ""))
        for j in journeys
    ]
    assert summary == [("08:20", 480, "1 B 08:10 ~ E 08:20"), ("08:40", 0, "2 A 08:05 ~ E 08:40")]
    # Plain RAPTOR only sees the fastest.
    fastest = between_stops(router, departure, [stop(router, "A"), stop(router, "B")], [stop(router, "E")])
    assert [j.arrival for j in fastest] == [journeys[0].arrival]


def test_fewer_transfers_for_a_later_arrival_is_kept(tmp_path: Path) -> None:
    trips = """
        t1 1 WD: A 08:00, B 08:05, C 08:40
        t2 2 WD: B 08:07, C 08:20
    """
    router = tiny_router(tmp_path, trips, first_day=MONDAY)
    journeys = pareto_between_stops(
        router, datetime(2026, 11, 23, 7, 55, tzinfo=BERLIN), {stop(router, "A"): 0}, {stop(router, "C"): 0}
    )
    assert [(j.arrival.strftime("%H:%M"), j.transfers) for j in journeys] == [("08:20", 1), ("08:40", 0)]


def test_ride_prices_keep_the_cheaper_slower_journey(tmp_path: Path) -> None:
    trips = """
        express 1 WD: A 08:10, E 08:20
        local 2 WD: A 08:05, E 08:40
    """
    router = tiny_router(tmp_path, trips, first_day=MONDAY)
    departure = datetime(2026, 11, 23, 8, 0, tzinfo=BERLIN)
    origins, destinations = {stop(router, "A"): 0}, {stop(router, "E"): 0}
    plain = pareto_between_stops(router, departure, origins, destinations)
    assert [j.describe(router.timetable) for j in plain] == ["1 kvg:A 08:10 ~ kvg:E 08:20"]
    priced = pareto_between_stops(
        router, departure, origins, destinations, options=TransitOptions(ride_price_cents={"kvg:1": 420, "kvg:2": 320})
    )
    assert [(j.describe(router.timetable), j.price_cents) for j in priced] == [
        ("1 kvg:A 08:10 ~ kvg:E 08:20", 420),
        ("2 kvg:A 08:05 ~ kvg:E 08:40", 320),
    ]


def test_extra_criterion_filters_the_final_set(tmp_path: Path) -> None:
    trips = """
        express 1 WD: A 08:10, E 08:20
        local 2 WD: A 08:05, E 08:40
    """
    router = tiny_router(tmp_path, trips, first_day=MONDAY)
    departure = datetime(2026, 11, 23, 8, 0, tzinfo=BERLIN)
    priced = pareto_between_stops(
        router,
        departure,
        {stop(router, "A"): 0},
        {stop(router, "E"): 0},
        options=TransitOptions(ride_price_cents={"kvg:1": 420, "kvg:2": 320}),
    )

    def comfort(journey: Journey) -> float:  # a criterion that is no sum over rides
        return 0.0 if any(isinstance(leg, TransitLeg) and leg.route_short_name == "2" for leg in journey.legs) else 1.0

    assert len(pareto_filter(priced, comfort)) == 2
    assert pareto_filter(priced, lambda j: 0.0) == priced


def assert_pareto_properties(router: PointQueries, region: Region, pairs: int, seed: int) -> int:
    checked = 0
    for origin, destination, departure in islice(od_queries(region, seed, first_hour=7, hours=12, days=1), pairs * 3):
        if checked == pairs:
            break
        try:
            pareto = router.pareto(origin, destination, departure)
        except PointNotOnNetwork:
            continue
        fastest = router.earliest_arrival(origin, destination, departure)
        assert fastest is not None
        assert min(j.arrival for j in pareto) == fastest, "the Pareto set contains the earliest arrival"
        by_transfers = {}
        for journey in router.earliest(origin, destination, departure):
            by_transfers[journey.transfers] = journey.arrival
        for transfers, arrival in by_transfers.items():
            assert min(j.arrival for j in pareto if j.transfers <= transfers) <= arrival
        assert pareto_filter(pareto) == pareto, "no journey in the set dominates another"
        for journey in pareto:
            assert journey.legs[-1].arrival == journey.arrival
        checked += 1
    return checked


def test_demo_pareto_sets(demo_region: Region) -> None:
    assert assert_pareto_properties(points_of(demo_region), demo_region, 25, seed=4) == 25


@pytest.mark.realdata
def test_porto_alegre_pareto_sets(porto_alegre: Region) -> None:
    assert assert_pareto_properties(points_of(porto_alegre), porto_alegre, 25, seed=6) == 25
