"""The planner's street access: each point snapped once per profile, off-network points a planning error."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from routing.planner.errors import PlanningError, PointNotOnNetwork
from routing.planner.planner import Planner
from routing.planner.request import Mode, PlanRequest
from routing.region.region import Region
from routing.street.router import Snap, StreetRouter
from routing.transit.options import TransitOptions
from tests.conftest_d.regions import DEMO_FIRST_DAY

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY_8 = datetime.combine(DEMO_FIRST_DAY, datetime.min.time(), tzinfo=BERLIN) + timedelta(hours=8)
ORIGIN = (51.3057826, 9.4759130)
DESTINATION = (51.3252174, 9.5070870)
FAR_AWAY = (51.0, 9.0)


def test_each_point_is_snapped_once_per_profile(demo_region: Region, monkeypatch: pytest.MonkeyPatch) -> None:
    planner = Planner(demo_region)
    calls: Counter[tuple[str, tuple[float, float]]] = Counter()
    snap = StreetRouter.snap

    def counting(router: StreetRouter, lat: float, lon: float, **kwargs: float) -> Snap:
        if "max_distance_m" not in kwargs:  # not a fleet anchor (the own bike of bike+ride stands at the origin)
            calls[(router.profile, (lat, lon))] += 1
        return snap(router, lat, lon, **kwargs)

    monkeypatch.setattr(StreetRouter, "snap", counting)
    modes = frozenset({Mode.WALK, Mode.TRANSIT, Mode.BIKE})
    plan = planner.plan(PlanRequest(origin=ORIGIN, destination=DESTINATION, time=MONDAY_8, modes=modes))
    assert plan.itineraries
    # Walk+transit, walking the whole way and bike+ride all start from the walk snaps; the bike trip from the bike ones.
    assert calls[("walk", ORIGIN)] == 1 and calls[("walk", DESTINATION)] == 1
    assert calls[("bike", ORIGIN)] == 1 and calls[("bike", DESTINATION)] == 1


@pytest.mark.parametrize(
    ("origin", "destination", "parameter"), [(FAR_AWAY, DESTINATION, "from"), (ORIGIN, FAR_AWAY, "to")]
)
def test_a_point_off_the_network_is_a_planning_error(
    demo_region: Region, origin: tuple[float, float], destination: tuple[float, float], parameter: str
) -> None:
    planner = Planner(demo_region)
    with pytest.raises(PointNotOnNetwork) as caught:
        planner.plan(PlanRequest(origin=origin, destination=destination, time=MONDAY_8))
    assert isinstance(caught.value, PlanningError) and caught.value.parameter == parameter
    with pytest.raises(PointNotOnNetwork) as direct:  # the one-off coordinate ends too, not a raw PointNotRoutable
        planner.access.point_ends(origin, destination, MONDAY_8, TransitOptions())
    assert direct.value.parameter == parameter


def test_ends_reach_stops_from_both_points(demo_region: Region) -> None:
    planner = Planner(demo_region)
    points = planner.access.points(ORIGIN, DESTINATION)
    assert points.origin("walk") is points.origin("walk"), "a second use reads the first snap"
    ends = planner.access.ends(points.origin("walk"), points.destination("walk"), MONDAY_8, TransitOptions())
    assert ends.sources and ends.targets
    assert all(arrival >= ends.start for arrival in ends.sources.values())
    assert set(ends.access_meters) == set(ends.sources) and set(ends.egress_meters) == set(ends.targets)
    journeys = planner.transit.pareto(ends, TransitOptions())
    assert min(journey.arrival for journey in journeys) >= MONDAY_8
