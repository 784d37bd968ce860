"""A* landmarks (ALT): exact stored distances, bounds never above the truth, exact searches with less work."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra

import routing.street.router as router_module
from routing.region.region import Region
from routing.street.compile import ProfileGraph, load_street_network
from routing.street.landmarks import LANDMARK_COUNT, Landmarks
from routing.street.router import StreetRouter, cycling_speeds, walking_speeds

PROFILES = ("walk", "bike", "wheelchair")


def base_length_matrix(graph: ProfileGraph) -> NDArray[np.float64]:
    """All-pairs base length (length x cost factor) by scipy's Dijkstra, parallel edges reduced to the cheapest."""
    tails = np.asarray(graph.tails(), dtype=np.int64)
    heads = np.asarray(graph.targets, dtype=np.int64)
    weight = np.asarray(graph.length_m, dtype=np.float64) * np.asarray(graph.cost_factor, dtype=np.float64)
    order = np.lexsort((weight, heads, tails))
    tails, heads, weight = tails[order], heads[order], weight[order]
    first = np.ones(tails.size, dtype=bool)
    first[1:] = (tails[1:] != tails[:-1]) | (heads[1:] != heads[:-1])
    nodes = graph.offsets.shape[0] - 1
    # scipy drops explicit zeros as "no edge"; a zero-length edge becomes the smallest positive weight
    positive = np.maximum(weight[first], np.finfo(np.float64).tiny)
    matrix = coo_matrix((positive, (tails[first], heads[first])), shape=(nodes, nodes)).tocsr()
    distances: NDArray[np.float64] = dijkstra(matrix, directed=True)
    return distances


@pytest.fixture(scope="module")
def truths(demo_region: Region) -> dict[str, NDArray[np.float64]]:
    return {name: base_length_matrix(demo_region.street.profiles[name]) for name in PROFILES}


@pytest.mark.parametrize("profile", PROFILES)
def test_stored_distances_are_the_shortest_base_lengths(
    demo_region: Region, truths: dict[str, NDArray[np.float64]], profile: str
) -> None:
    landmarks = demo_region.street.profiles[profile].landmarks
    assert landmarks is not None and landmarks.count == LANDMARK_COUNT
    truth = truths[profile]
    forward, backward = np.asarray(landmarks.forward), np.asarray(landmarks.backward)
    for i in range(landmarks.count):
        landmark = int(np.flatnonzero(forward[:, i] == 0)[0])
        np.testing.assert_allclose(forward[:, i], truth[landmark, :].astype(np.float32), rtol=1e-6)
        np.testing.assert_allclose(backward[:, i], truth[:, landmark].astype(np.float32), rtol=1e-6)
    chosen = {int(np.flatnonzero(forward[:, i] == 0)[0]) for i in range(landmarks.count)}
    assert len(chosen) == landmarks.count, "a landmark was chosen twice"


@pytest.mark.parametrize("profile", PROFILES)
def test_bounds_never_exceed_the_true_base_length(
    demo_region: Region, truths: dict[str, NDArray[np.float64]], profile: str
) -> None:
    landmarks = demo_region.street.profiles[profile].landmarks
    assert landmarks is not None
    truth = truths[profile]
    forward = np.asarray(landmarks.forward, dtype=np.float64)
    backward = np.asarray(landmarks.backward, dtype=np.float64)
    rng = np.random.default_rng(3)
    v, t = rng.integers(0, truth.shape[0], 5000), rng.integers(0, truth.shape[0], 5000)
    with np.errstate(invalid="ignore"):
        ahead = forward[t, :] - forward[v, :]
        behind = backward[v, :] - backward[t, :]
    bound = np.nanmax(np.concatenate([ahead, behind, np.zeros((v.size, 1))], axis=1), axis=1)
    reachable = np.isfinite(truth[v, t])
    assert (bound[reachable] <= truth[v, t][reachable] * (1 + 1e-6) + 1e-3).all()
    assert (bound[reachable] > 0).mean() > 0.5, "the landmarks bound almost nothing"


def _settled_counts(router: StreetRouter, pairs: list[tuple[float, float, float, float]], bike: bool) -> list[int]:
    settled: list[int] = []
    kernel = router_module.shortest_path

    def counting(*arguments: object) -> tuple[float, int, NDArray[np.int64], int]:
        result = kernel(*arguments)
        settled.append(int(result[3]))
        return result  # type: ignore[no-any-return]

    speeds = cycling_speeds() if bike else walking_speeds()
    router_module.shortest_path = counting  # type: ignore[assignment]
    try:
        for a_lat, a_lon, b_lat, b_lon in pairs:
            router.route(router.snap(a_lat, a_lon), router.snap(b_lat, b_lon), speeds=speeds)
    finally:
        router_module.shortest_path = kernel
    return settled


@pytest.mark.parametrize("profile", ["walk", "bike"])
def test_routes_are_the_same_with_and_without_landmarks_and_settle_fewer_nodes(
    demo_region: Region, profile: str
) -> None:
    street = demo_region.street
    with_landmarks = StreetRouter(street, profile)
    without = StreetRouter(street, profile)
    without._landmarks = Landmarks.none(street.node_count)
    west, south, east, north = demo_region.manifest.bbox
    rng = np.random.default_rng(11)
    pairs = [
        (
            float(south + rng.uniform(0.05, 0.95) * (north - south)),
            float(west + rng.uniform(0.05, 0.95) * (east - west)),
            float(south + rng.uniform(0.05, 0.95) * (north - south)),
            float(west + rng.uniform(0.05, 0.95) * (east - west)),
        )
        for _ in range(40)
    ]
    speeds = cycling_speeds() if profile == "bike" else walking_speeds()
    for a_lat, a_lon, b_lat, b_lon in pairs:
        a, b = with_landmarks.snap(a_lat, a_lon), with_landmarks.snap(b_lat, b_lon)
        ours, plain = with_landmarks.route(a, b, speeds=speeds), without.route(a, b, speeds=speeds)
        assert ours.cost == pytest.approx(plain.cost, rel=1e-9, abs=1e-9)
        assert ours.distance_m == pytest.approx(plain.distance_m, rel=1e-6, abs=1e-6)
    fewer = _settled_counts(with_landmarks, pairs, profile == "bike")
    more = _settled_counts(without, pairs, profile == "bike")
    assert sum(fewer) < sum(more)


def test_a_region_without_landmark_files_loads_and_routes_the_same(demo_region: Region, tmp_path: Path) -> None:
    copy = tmp_path / "region"
    shutil.copytree(demo_region.path, copy)
    for stored in (copy / "street").glob("*/landmarks.*.npy"):
        stored.unlink()
    older = load_street_network(copy)
    assert all(graph.landmarks is None for graph in older.profiles.values())
    router, reference = StreetRouter(older, "walk"), StreetRouter(demo_region.street, "walk")
    west, south, east, north = demo_region.manifest.bbox
    a = (south + 0.2 * (north - south), west + 0.2 * (east - west))
    b = (south + 0.8 * (north - south), west + 0.7 * (east - west))
    route = router.route(router.snap(*a), router.snap(*b), speeds=walking_speeds())
    expected = reference.route(reference.snap(*a), reference.snap(*b), speeds=walking_speeds())
    assert route.cost == pytest.approx(expected.cost, rel=1e-9)
