"""Route assembly: the compiled kernel gives exactly what the plain definition gives.

The reference below builds a route from its pieces the straightforward way (NumPy on each
piece, a Python loop over the steps, the connectors added afterwards), as the router did
before the kernel. Each route the router answers on seeded pairs of the demo city and of
Porto Alegre (vertex to vertex, points beside the streets, two points on one edge) is
rebuilt from its edges and snaps by the reference and must be equal in every field:
distance, duration, coordinates, steps and edges exactly, cost as Dijkstra's.
"""

from __future__ import annotations

import math
import random
from dataclasses import replace

import numpy as np
import pytest
from numpy.typing import NDArray

from routing.bench.street import sample_pairs
from routing.errors import NoRoute, PointNotRoutable
from routing.region.region import Region
from routing.street.reference import reference_cost
from routing.street.router import (
    SAME_PLACE_M,
    Snap,
    StreetRoute,
    StreetRouter,
    TravelSpeeds,
    cycling_speeds,
    walking_speeds,
)
from routing.street.steps import NOTICES, Step, turn_modifier

SPEEDS = {"walk": walking_speeds(), "wheelchair": walking_speeds(), "bike": cycling_speeds()}
PAIRS = 40


def _partial(router: StreetRouter, edge: int, start_m: float, end_m: float) -> tuple[NDArray[np.float64], ...]:
    """Coordinates of ``edge`` from ``start_m`` to ``end_m``: interpolated ends, the points between."""
    graph = router.graph
    g0, g1 = int(graph.geometry_offsets[edge]), int(graph.geometry_offsets[edge + 1])
    nodes = np.asarray(graph.geometry_nodes[g0:g1])
    lengths = np.asarray(graph.grid.seg_length_m[g0 - edge : g1 - edge - 1]).astype(np.float64)
    position = np.concatenate(([0.0], np.cumsum(lengths)))
    lon, lat = np.asarray(router.network.lon)[nodes], np.asarray(router.network.lat)[nodes]
    inside = (position > start_m) & (position < end_m)
    at = np.concatenate(([start_m], position[inside], [end_m]))
    return np.interp(at, position, lon), np.interp(at, position, lat)


def _bearings(lon: NDArray[np.float64], lat: NDArray[np.float64], tail: NDArray[np.int64]) -> NDArray[np.float64]:
    lon1, lat1, lon2, lat2 = (np.radians(values) for values in (lon[tail], lat[tail], lon[tail + 1], lat[tail + 1]))
    y = np.sin(lon2 - lon1) * np.cos(lat2)
    x = np.cos(lat1) * np.sin(lat2) - np.sin(lat1) * np.cos(lat2) * np.cos(lon2 - lon1)
    return np.asarray((np.degrees(np.arctan2(y, x)) + 360.0) % 360.0, dtype=np.float64)


def _headings(
    lon: NDArray[np.float64], lat: NDArray[np.float64], index: NDArray[np.int64], *, forward: bool
) -> list[float]:
    """Heading leaving (``forward``) or arriving at each coordinate, skipping repeated points (NaN: none)."""
    changes = np.flatnonzero((lon[1:] != lon[:-1]) | (lat[1:] != lat[:-1]))
    position = np.searchsorted(changes, index, side="left") - (0 if forward else 1)
    valid = (position >= 0) & (position < changes.size)
    result = np.full(position.size, np.nan)
    result[valid] = _bearings(lon, lat, changes[position[valid]])
    return result.tolist()


def _steps(
    router: StreetRouter,
    edges: NDArray[np.int64],
    lengths: NDArray[np.float64],
    durations: NDArray[np.float64],
    first: NDArray[np.int64],
    last: NDArray[np.int64],
    lon: NDArray[np.float64],
    lat: NDArray[np.float64],
) -> list[Step]:
    """Consecutive pieces on one street with one notice make a step; an arrive step ends them."""
    names = router.network.names
    name_ids = np.asarray(router.graph.name_index)[edges]
    classes = np.asarray(router.graph.speed_class)[edges].astype(np.int64)
    keep = np.flatnonzero(lengths > 0) if edges.size != 1 else np.zeros(1, dtype=np.int64)
    if not keep.size:
        return []
    notice = [int(c) if int(c) in NOTICES else 0 for c in classes[keep]]
    ids = name_ids[keep].tolist()
    starts = [i for i in range(keep.size) if i == 0 or ids[i] != ids[i - 1] or notice[i] != notice[i - 1]]
    ends = [*(s - 1 for s in starts[1:]), keep.size - 1]
    distance = np.add.reduceat(lengths[keep], starts).tolist()
    duration = np.add.reduceat(durations[keep], starts).tolist()
    first_coordinate = first[keep[starts]]
    leaving = _headings(lon, lat, first_coordinate, forward=True)
    arriving_at = _headings(lon, lat, last[keep[ends]], forward=False)
    steps: list[Step] = []
    previous: float | None = None
    for number, start in enumerate(starts):
        heading = leaving[number] if not math.isnan(leaving[number]) else (previous or 0.0)
        modifier = "" if number == 0 else turn_modifier(previous if previous is not None else heading, heading)
        action = "depart" if number == 0 else ("continue" if modifier == "straight" else "turn")
        at = int(first_coordinate[number])
        steps.append(
            Step(
                action,
                modifier,
                names[ids[start]],
                distance[number],
                duration[number],
                (float(lon[at]), float(lat[at])),
                previous if previous is not None else 0.0,
                heading,
                NOTICES.get(notice[start], ""),
            )
        )
        previous = arriving_at[number] if not math.isnan(arriving_at[number]) else heading
    end = int(last[keep[-1]])
    location = (float(lon[end]), float(lat[end]))
    steps.append(Step("arrive", "", names[ids[-1]], 0.0, 0.0, location, previous or 0.0, 0.0))
    return steps


def reference_route(
    router: StreetRouter, origin: Snap, destination: Snap, edges: list[int], speeds: TravelSpeeds, cost: float
) -> StreetRoute:
    """The route through ``edges`` (first and last partial) from ``origin`` to ``destination``, by definition."""
    start_m = next(p.offset_m for p in origin.positions if p.edge == edges[0])
    end_m = next(p.offset_m for p in destination.positions if p.edge == edges[-1])
    length = np.asarray(router.graph.length_m)
    if len(edges) == 1:  # along one edge
        partials = [(edges[0], start_m, end_m)]
    else:
        partials = [(edges[0], start_m, float(length[edges[0]])), (edges[-1], 0.0, end_m)]
    first_lon, first_lat = _partial(router, *partials[0])
    lon_parts, lat_parts, counts = [first_lon], [first_lat], [first_lon.size]
    piece_lengths = [partials[0][2] - partials[0][1]]
    offsets, nodes = np.asarray(router.graph.geometry_offsets), np.asarray(router.graph.geometry_nodes)
    for edge in edges[1:-1]:
        inner = nodes[offsets[edge] + 1 : offsets[edge + 1]]
        lon_parts.append(np.asarray(router.network.lon)[inner])
        lat_parts.append(np.asarray(router.network.lat)[inner])
        counts.append(inner.size)
        piece_lengths.append(float(length[edge]))
    if len(edges) > 1:
        last_lon, last_lat = _partial(router, *partials[1])
        lon_parts.append(last_lon[1:])
        lat_parts.append(last_lat[1:])
        counts.append(last_lon.size - 1)
        piece_lengths.append(end_m)
    lon, lat = np.concatenate(lon_parts), np.concatenate(lat_parts)
    piece_edges = np.array(edges, dtype=np.int64)
    lengths = np.array(piece_lengths)
    durations = lengths / speeds.as_array()[np.asarray(router.graph.speed_class)[piece_edges]]
    last = np.cumsum(counts) - 1
    first = np.concatenate(([0], last[:-1]))
    line = [
        (x, y)
        for k, (x, y) in enumerate(zip(lon.tolist(), lat.tolist(), strict=True))
        if k == 0 or (x, y) != (lon[k - 1], lat[k - 1])
    ]
    if len(line) == 1:
        line.append(line[0])
    if origin.distance_m > SAME_PLACE_M:
        line.insert(0, (origin.lon, origin.lat))
    if destination.distance_m > SAME_PLACE_M:
        line.append((destination.lon, destination.lat))
    steps = _steps(router, piece_edges, lengths, durations, first, last, lon, lat)
    if steps:  # the departure walks the origin's connector, the last step before arriving the destination's
        for index, metres in ((0, origin.distance_m), (len(steps) - 2, destination.distance_m)):
            step = steps[index]
            steps[index] = replace(
                step, distance_m=step.distance_m + metres, duration_s=step.duration_s + metres / speeds.normal
            )
    connector_m = origin.distance_m + destination.distance_m
    connector_s = connector_m / speeds.normal
    return StreetRoute(
        distance_m=float(lengths.sum()) + connector_m,
        duration_s=float(durations.sum()) + connector_s,
        cost=cost,
        coordinates=line,
        steps=steps,
        edges=edges,
    )


def _cases(router: StreetRouter, seed: int) -> list[tuple[Snap, Snap]]:
    """Vertex pairs, the same beside the streets, and pairs of points on one edge."""
    rng = random.Random(seed)
    cases: list[tuple[Snap, Snap]] = []
    for _, _, a, b in sample_pairs(router, PAIRS, seed):
        cases.append((a, b))
        try:
            near = [router.snap(s.lat + rng.uniform(-3e-4, 3e-4), s.lon + rng.uniform(-3e-4, 3e-4)) for s in (a, b)]
        except PointNotRoutable:
            continue
        cases.append((near[0], near[1]))
        cases.append((near[1], near[0]))
    lat, lon = np.asarray(router.network.lat), np.asarray(router.network.lon)
    grid = router.graph.grid
    for segment in rng.sample(range(grid.seg_a.size), PAIRS):
        tail, head = int(grid.seg_a[segment]), int(grid.seg_b[segment])
        points = [
            (lat[tail] + f * (lat[head] - lat[tail]), lon[tail] + f * (lon[head] - lon[tail])) for f in (0.2, 0.7)
        ]
        try:
            snaps = [router.snap(float(y), float(x)) for y, x in points]
        except PointNotRoutable:
            continue
        cases.extend([(snaps[0], snaps[1]), (snaps[1], snaps[0])])
    return cases


def _check(router: StreetRouter, profile: str, seed: int) -> int:
    speeds = SPEEDS[profile]
    along_one_edge = 0
    for origin, destination in _cases(router, seed):
        try:
            route = router.route(origin, destination, speeds=speeds)
        except NoRoute:
            continue
        assert route.cost == pytest.approx(reference_cost(router, origin, destination, speeds), rel=1e-6, abs=1e-6)
        if (origin.lat, origin.lon) == (destination.lat, destination.lon):
            continue
        along_one_edge += len(route.edges) == 1
        assert route == reference_route(router, origin, destination, route.edges, speeds, route.cost)
    return along_one_edge


@pytest.mark.parametrize("profile", ["walk", "wheelchair", "bike"])
def test_assembly_equals_the_definition_on_the_demo_city(demo_region: Region, profile: str) -> None:
    router = StreetRouter(demo_region.street, profile)
    assert _check(router, profile, seed=7) > 0, "some routes run along a single edge"


@pytest.mark.parametrize("profile", ["walk", "bike"])
def test_assembly_equals_the_definition_in_porto_alegre(porto_alegre: Region, profile: str) -> None:
    router = StreetRouter(porto_alegre.street, profile)
    assert _check(router, profile, seed=42) > 0, "some routes run along a single edge"
