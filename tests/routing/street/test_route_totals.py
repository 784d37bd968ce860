"""``StreetRouter.route_totals`` gives :meth:`StreetRouter.route`'s numbers without building the route.

Transit ends need only the direct walk's cost, time and length; they must be the very
floats ``route`` returns (same pieces, same sums), including on one edge, for the same
point and for points the route connects through many edges. Also: the stop targets'
at-the-point lookup (stops have no points; other targets do).
"""

from __future__ import annotations

import numpy as np
import pytest

from routing.errors import NoRoute
from routing.region.region import Region
from routing.street.router import StreetRouter, StreetTargets, cycling_speeds, walking_speeds


@pytest.fixture(scope="module")
def routers(demo_region: Region) -> dict[str, StreetRouter]:
    return {name: StreetRouter(demo_region.street, name) for name in ("walk", "wheelchair", "bike")}


@pytest.mark.parametrize("profile", ["walk", "wheelchair", "bike"])
def test_totals_equal_the_route(routers: dict[str, StreetRouter], demo_region: Region, profile: str) -> None:
    router = routers[profile]
    speeds = cycling_speeds() if profile == "bike" else walking_speeds(4.1)
    west, south, east, north = demo_region.manifest.bbox
    rng = np.random.default_rng(7)
    compared = 0
    for _ in range(40):
        points = [(south + rng.random() * (north - south), west + rng.random() * (east - west)) for _ in range(2)]
        origin, destination = (router.snap(*point) for point in points)
        if rng.random() < 0.2:
            destination = origin  # the same point
        for start, end in ((origin, destination), (origin, router.snap(origin.lat + 1e-5, origin.lon))):
            try:
                route = router.route(start, end, speeds=speeds)
            except NoRoute:
                with pytest.raises(NoRoute):
                    router.route_totals(start, end, speeds=speeds)
                continue
            totals = router.route_totals(start, end, speeds=speeds)
            assert (totals.cost, totals.duration_s, totals.distance_m) == (
                route.cost,
                route.duration_s,
                route.distance_m,
            )
            compared += 1
    assert compared > 40


def test_targets_at_a_point() -> None:
    unknown = StreetTargets(target=np.array([0, 1]), edge=np.array([3, 4]), offset_m=np.array([0.0, 1.0]), count=2)
    assert unknown.at_point(51.3, 9.5).size == 0
    known = StreetTargets(
        target=np.array([0, 1]),
        edge=np.array([3, 4]),
        offset_m=np.array([0.0, 1.0]),
        count=2,
        point=np.array([[51.3, 9.5], [np.nan, np.nan]]),
    )
    assert known.at_point(51.3, 9.5).tolist() == [0]
    assert known.at_point(51.3, 9.6).size == 0
