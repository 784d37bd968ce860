"""Street queries: snapping onto edges, exact shortest paths, profiles' rules, steps, reach."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing.errors import NoRoute, PointNotRoutable
from routing.geo import haversine_m
from routing.region.region import Region
from routing.street.compile import StreetNetwork, compile_street_network
from routing.street.osm_import import graph_from_osm_file
from routing.street.reference import reference_cost
from routing.street.router import StreetRouter, cycling_speeds, walking_speeds

TOLERANCE = 1e-3  # 0.1 %, the bound; in practice the costs agree to 1e-9


@pytest.fixture(scope="module")
def routers(demo_region: Region) -> dict[str, StreetRouter]:
    return {name: StreetRouter(demo_region.street, name) for name in ("walk", "wheelchair", "bike")}


def names_on(route) -> set[str]:  # type: ignore[no-untyped-def]
    return {step.name for step in route.steps}


def demo_point(demo_region: Region, fx: float, fy: float) -> tuple[float, float]:
    west, south, east, north = demo_region.manifest.bbox
    return south + fy * (north - south), west + fx * (east - west)


def test_routes_equal_scipy_dijkstra_on_the_same_graph(routers: dict[str, StreetRouter], demo_region: Region) -> None:
    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(
        profile=st.sampled_from(["walk", "wheelchair", "bike"]),
        a=st.tuples(st.floats(0.02, 0.98), st.floats(0.02, 0.98)),
        b=st.tuples(st.floats(0.02, 0.98), st.floats(0.02, 0.98)),
    )
    def check(profile: str, a: tuple[float, float], b: tuple[float, float]) -> None:
        router = routers[profile]
        speeds = cycling_speeds() if profile == "bike" else walking_speeds()
        origin = router.snap(*demo_point(demo_region, *a))
        destination = router.snap(*demo_point(demo_region, *b))
        route = router.route(origin, destination, speeds=speeds)
        expected = reference_cost(router, origin, destination, speeds)
        assert route.cost == pytest.approx(expected, rel=TOLERANCE, abs=1e-6)
        assert route.distance_m == pytest.approx(sum(step.distance_m for step in route.steps), rel=1e-9, abs=1e-6)
        # The line starts and ends at the points themselves: the connectors are drawn (and counted).
        assert route.coordinates[0] == pytest.approx((origin.lon, origin.lat), abs=1e-7)
        assert route.coordinates[-1] == pytest.approx((destination.lon, destination.lat), abs=1e-7)
        moved = (origin.lat, origin.lon) != (destination.lat, destination.lon)
        if moved and origin.distance_m > 0.05:
            assert route.coordinates[1] == pytest.approx((origin.snapped_lon, origin.snapped_lat), abs=1e-7)
        if moved and destination.distance_m > 0.05:
            assert route.coordinates[-2] == pytest.approx((destination.snapped_lon, destination.snapped_lat), abs=1e-7)
        straight = float(
            haversine_m(origin.snapped_lat, origin.snapped_lon, destination.snapped_lat, destination.snapped_lon)
        )
        assert route.distance_m >= straight * 0.999 - 0.5

    check()


def test_snap_splits_the_edge_at_the_projected_point(routers: dict[str, StreetRouter], demo_region: Region) -> None:
    router = routers["walk"]
    # Halfway between two intersections of row 4, 20 m north of the street.
    row_lat, mid_lon = demo_point(demo_region, 4.5 / 11, 4 / 11)
    snap = router.snap(row_lat + 20 / 111_195, mid_lon)
    assert snap.distance_m == pytest.approx(20, abs=0.5)
    assert snap.snapped_lat == pytest.approx(row_lat, abs=1e-6)
    assert snap.snapped_lon == pytest.approx(mid_lon, abs=1e-6)
    assert len(snap.positions) == 2, "both directions of the street"
    for position in snap.positions:
        length = float(router.graph.length_m[position.edge])
        assert 0 < position.offset_m < length
    nodes_m = haversine_m(snap.snapped_lat, snap.snapped_lon, demo_region.street.lat, demo_region.street.lon)
    assert float(np.min(nodes_m)) > 100, "snapped onto a node instead of the edge"


def test_far_points_are_not_routable(routers: dict[str, StreetRouter]) -> None:
    with pytest.raises(PointNotRoutable) as caught:
        routers["walk"].snap(51.40, 9.30)
    assert "51.400000,9.300000" in str(caught.value)
    assert "500 m" in str(caught.value)
    assert routers["walk"].snap(51.40, 9.30, max_distance_m=20_000).distance_m > 500


def test_bikes_respect_one_ways_walkers_do_not(routers: dict[str, StreetRouter], demo_region: Region) -> None:
    def along_row(profile: str, row: int, from_col: float, to_col: float):  # type: ignore[no-untyped-def]
        router = routers[profile]
        lat = demo_point(demo_region, 0, row / 11)[0]
        a = router.snap(lat, demo_point(demo_region, from_col / 11, 0)[1])
        b = router.snap(lat, demo_point(demo_region, to_col / 11, 0)[1])
        return router.route(a, b, speeds=cycling_speeds() if profile == "bike" else walking_speeds())

    # Row 9 is oneway=yes (eastwards); row 1 too, but with oneway:bicycle=no.
    west_walk, west_bike = along_row("walk", 9, 8.5, 2.5), along_row("bike", 9, 8.5, 2.5)
    street = west_walk.steps[0].name
    assert names_on(west_walk) == {street}, "walkers go straight along the one-way street"
    assert west_bike.distance_m > west_walk.distance_m + 100, "cyclists detour around the one-way street"
    assert names_on(along_row("bike", 9, 2.5, 8.5)) == {street}, "riding with the one-way direction is direct"
    contraflow_walk, contraflow_bike = along_row("walk", 1, 8.5, 2.5), along_row("bike", 1, 8.5, 2.5)
    assert contraflow_bike.distance_m == pytest.approx(contraflow_walk.distance_m)


def test_wheelchair_avoids_steps_and_steep_ramps(routers: dict[str, StreetRouter], demo_region: Region) -> None:
    lat0, lon0 = demo_point(demo_region, 6 / 11, 6 / 11)
    lat1, lon1 = demo_point(demo_region, 7 / 11, 7 / 11)
    walk = routers["walk"].route(
        routers["walk"].snap(lat0, lon0), routers["walk"].snap(lat1, lon1), speeds=walking_speeds()
    )
    wheelchair = routers["wheelchair"].route(
        routers["wheelchair"].snap(lat0, lon0), routers["wheelchair"].snap(lat1, lon1), speeds=walking_speeds(3.5)
    )
    assert names_on(walk) & {"Treppenweg", "Rampe", "Parkweg"}, "walkers cut through the park"
    assert not names_on(wheelchair) & {"Treppenweg", "Rampe"}
    assert wheelchair.distance_m > walk.distance_m


def test_bikes_prefer_the_cycleway_to_the_parallel_primary(
    routers: dict[str, StreetRouter], demo_region: Region
) -> None:
    avenue_lat = demo_point(demo_region, 0, 2 / 11)[0]
    west = routers["bike"].snap(avenue_lat, demo_point(demo_region, 0.05, 0)[1])
    east = routers["bike"].snap(avenue_lat, demo_point(demo_region, 0.95, 0)[1])
    route = routers["bike"].route(west, east, speeds=cycling_speeds())
    on_cycleway = sum(step.distance_m for step in route.steps if step.name.startswith("Radweg"))
    assert on_cycleway > 0.8 * route.distance_m


def test_slow_walking_takes_longer_on_the_same_path(routers: dict[str, StreetRouter], demo_region: Region) -> None:
    a, b = (
        routers["walk"].snap(*demo_point(demo_region, 0.1, 0.1)),
        routers["walk"].snap(*demo_point(demo_region, 0.9, 0.8)),
    )
    normal = routers["walk"].route(a, b, speeds=walking_speeds(4.8))
    slow = routers["walk"].route(a, b, speeds=walking_speeds(3.5))
    assert slow.edges == normal.edges
    assert slow.duration_s == pytest.approx(normal.duration_s * 4.8 / 3.5, rel=1e-9)
    assert normal.duration_s == pytest.approx(normal.distance_m / (4.8 / 3.6), rel=0.05)


def test_steps_name_streets_and_turns(routers: dict[str, StreetRouter], demo_region: Region) -> None:
    route = routers["walk"].route(
        routers["walk"].snap(*demo_point(demo_region, 0.1, 0.12)),
        routers["walk"].snap(*demo_point(demo_region, 0.85, 0.9)),
        speeds=walking_speeds(),
    )
    assert route.steps[0].action == "depart"
    assert route.steps[-1].action == "arrive"
    assert all(step.action in ("turn", "continue") for step in route.steps[1:-1])
    assert all(step.modifier for step in route.steps[1:-1])
    across = routers["walk"].route(
        routers["walk"].snap(*demo_point(demo_region, 0.0, 6 / 11)),
        routers["walk"].snap(*demo_point(demo_region, 1.0, 6 / 11)),
        speeds=walking_speeds(),
    )
    assert any("ö" in name or "ß" in name or "ä" in name for name in names_on(across)), names_on(across)
    assert sum(step.distance_m for step in route.steps) == pytest.approx(route.distance_m)


def test_origin_and_destination_on_one_edge(routers: dict[str, StreetRouter], demo_region: Region) -> None:
    lat = demo_point(demo_region, 0, 4 / 11)[0]
    a = routers["walk"].snap(lat, demo_point(demo_region, 0.40, 0)[1])
    b = routers["walk"].snap(lat, demo_point(demo_region, 0.43, 0)[1])
    route = routers["walk"].route(a, b, speeds=walking_speeds())
    expected = float(haversine_m(a.snapped_lat, a.snapped_lon, b.snapped_lat, b.snapped_lon))
    assert route.distance_m == pytest.approx(expected, rel=0.01)
    assert len(route.steps) == 2


def test_reach_within_a_budget(routers: dict[str, StreetRouter], demo_region: Region) -> None:
    router = routers["walk"]
    origin = router.snap(*demo_point(demo_region, 0.5, 0.5))
    found = router.reach(origin, speeds=walking_speeds(), budget_s=600)
    assert found.nodes.size > 10
    assert (found.cost <= 600).all()
    assert (np.diff(found.cost) >= 0).all()
    farthest = int(found.nodes[-1])
    target = router.snap(float(demo_region.street.lat[farthest]), float(demo_region.street.lon[farthest]))
    assert router.route(origin, target, speeds=walking_speeds()).cost == pytest.approx(
        float(found.cost[-1]), rel=1e-6, abs=1e-6
    )


@pytest.fixture(scope="module")
def porto_alegre_streets(shared_data: Path) -> StreetNetwork:
    return compile_street_network(graph_from_osm_file(shared_data / "porto-alegre" / "poa_osm.pbf"))


@pytest.mark.realdata
@pytest.mark.parametrize("profile", ["walk", "bike", "wheelchair"])
def test_exact_on_real_streets(porto_alegre_streets: StreetNetwork, profile: str) -> None:
    network = porto_alegre_streets
    router = StreetRouter(network, profile)
    speeds = cycling_speeds() if profile == "bike" else walking_speeds()
    rng = np.random.default_rng(20261121)
    vertices = np.flatnonzero(np.diff(np.asarray(router.graph.offsets)) > 0)
    checked = 0
    while checked < 40:
        a, b = rng.choice(vertices, 2)
        try:
            origin = router.snap(
                float(network.lat[a]) + rng.normal(0, 3e-4), float(network.lon[a]) + rng.normal(0, 3e-4)
            )
            destination = router.snap(
                float(network.lat[b]) + rng.normal(0, 3e-4), float(network.lon[b]) + rng.normal(0, 3e-4)
            )
        except PointNotRoutable:
            continue
        expected = reference_cost(router, origin, destination, speeds)
        try:
            route = router.route(origin, destination, speeds=speeds)
        except NoRoute:
            assert not np.isfinite(expected)
            continue
        assert route.cost == pytest.approx(expected, rel=TOLERANCE)
        checked += 1


def test_many_to_many_matches_single_routes(routers: dict[str, StreetRouter], demo_region: Region) -> None:
    router = routers["walk"]
    points = [
        router.snap(*demo_point(demo_region, fx, fy)) for fx, fy in ((0.2, 0.2), (0.3, 0.25), (0.5, 0.5), (0.9, 0.9))
    ]
    cost, duration, length = router.many_to_many(points, points, speeds=walking_speeds(), budget_s=900)
    for i, origin in enumerate(points):
        for j, destination in enumerate(points):
            route = router.route(origin, destination, speeds=walking_speeds())
            if route.cost <= 900:
                assert cost[i, j] == pytest.approx(route.cost, rel=1e-6, abs=1e-6)
                assert duration[i, j] == pytest.approx(route.duration_s, rel=1e-6, abs=1e-6)
                assert length[i, j] == pytest.approx(route.distance_m, rel=1e-6, abs=1e-6)
            else:
                assert cost[i, j] == np.inf
    assert (np.diag(cost) == 0).all()


@pytest.mark.realdata
@pytest.mark.parametrize(
    "extract", ["osm-perf/monaco.osm.pbf", "heidelberg/heidelberg.test.pbf", "herrenberg/herrenberg-minimal.osm.pbf"]
)
def test_exact_on_more_real_extracts(shared_data: Path, extract: str) -> None:
    network = compile_street_network(graph_from_osm_file(shared_data / extract))
    rng = np.random.default_rng(7)
    for profile, speeds in (("walk", walking_speeds()), ("bike", cycling_speeds())):
        router = StreetRouter(network, profile)
        vertices = np.flatnonzero(np.diff(np.asarray(router.graph.offsets)) > 0)
        checked = 0
        for _ in range(400):
            if checked == 12:
                break
            a, b = rng.choice(vertices, 2)
            try:
                origin = router.snap(float(network.lat[a]), float(network.lon[a]), max_distance_m=50)
                destination = router.snap(float(network.lat[b]), float(network.lon[b]), max_distance_m=50)
            except PointNotRoutable:
                continue
            expected = reference_cost(router, origin, destination, speeds)
            if not np.isfinite(expected):
                with pytest.raises(NoRoute):
                    router.route(origin, destination, speeds=speeds)
                continue
            route = router.route(origin, destination, speeds=speeds)
            assert route.cost == pytest.approx(expected, rel=TOLERANCE)
            geometry = route.geojson()
            assert geometry["type"] == "LineString"
            checked += 1
        assert checked == 12


def test_walks_reach_targets_on_the_start_edge_both_ways(routers: dict[str, StreetRouter], demo_region: Region) -> None:
    from routing.street.router import StreetTargets

    router = routers["walk"]
    lat = demo_point(demo_region, 0, 4 / 11)[0]
    start = router.snap(lat, demo_point(demo_region, 0.40, 0)[1])
    ahead = router.snap(lat, demo_point(demo_region, 0.43, 0)[1])
    behind = router.snap(lat, demo_point(demo_region, 0.37, 0)[1])
    targets = StreetTargets.of([ahead, behind])
    there = router.walks(start, targets, speeds=walking_speeds(), budget_s=600)
    back = router.walks(start, targets, speeds=walking_speeds(), budget_s=600, reverse=True)
    for walks, forward in ((there, True), (back, False)):
        assert walks.target.tolist() == [0, 1]
        for target, cost in zip(walks.target.tolist(), walks.cost.tolist(), strict=True):
            other = (ahead, behind)[target]
            route = (
                router.route(start, other, speeds=walking_speeds())
                if forward
                else router.route(other, start, speeds=walking_speeds())
            )
            assert cost == pytest.approx(route.cost, rel=1e-6)
            assert len(route.steps) == 2, "straight along the shared street"
