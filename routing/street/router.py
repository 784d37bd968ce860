"""Street queries on one profile: snap a point, route between two points, reach from a point.

A point is snapped to the nearest usable *edge* (not node): the edge is split at the
projected point, so a route starts and ends exactly where the person is, walking the
partial edge to its ends. Speeds are query parameters (:class:`TravelSpeeds`).

The *connector* (the straight walk, ride or drive between the point and its snapped
position, :attr:`Snap.distance_m`) is part of every search seeded from a snap: ``route``,
``reach``, ``reach_to``, ``walks`` and ``many_to_many`` add it to cost, time and length
(at the profile's normal speed), and ``route`` draws it. Callers never add it themselves.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace

import numpy as np
from numpy.typing import NDArray

from routing.errors import NoRoute, PointNotRoutable
from routing.street._assembly import AssembledRoute, assemble_route
from routing.street._search import Workspace, collect_targets, reach, shortest_path
from routing.street.compile import ProfileGraph, StreetNetwork
from routing.street.landmarks import CsrGraph, Landmarks
from routing.street.profiles import SpeedClass
from routing.street.spatial_index import SegmentGrid, nearest_segments
from routing.street.steps import NOTICE_OF_CLASS, Coordinate, Step, StepGroups, bearings_of, build_steps

DEFAULT_SNAP_DISTANCE_M = 500.0
SAME_PLACE_M = 0.05
KMH = 1 / 3.6
STEPS_SLOWDOWN = 0.6


@dataclass(frozen=True)
class TravelSpeeds:
    """Speeds in m/s per :class:`SpeedClass`."""

    normal: float
    push: float
    steps: float
    road: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    """Driving speeds on fast, main, local and crawl roads (zero unless driving)."""

    def as_array(self) -> NDArray[np.float64]:
        """Speeds indexed by speed class."""
        speeds = np.zeros(len(SpeedClass))
        speeds[SpeedClass.NORMAL] = self.normal
        speeds[SpeedClass.PUSH] = self.push
        speeds[SpeedClass.STEPS] = self.steps
        speeds[SpeedClass.ROAD_FAST : SpeedClass.ROAD_CRAWL + 1] = self.road
        return speeds


def walking_speeds(kmh: float = 4.8) -> TravelSpeeds:
    """Speeds for walking (or rolling) at ``kmh``; steps at 60 % of it."""
    return TravelSpeeds(normal=kmh * KMH, push=kmh * KMH, steps=kmh * KMH * STEPS_SLOWDOWN)


def cycling_speeds(kmh: float = 15.0, *, walking_kmh: float = 4.8) -> TravelSpeeds:
    """Speeds for cycling at ``kmh``, pushing the bike at ``walking_kmh``."""
    return TravelSpeeds(normal=kmh * KMH, push=walking_kmh * KMH, steps=walking_kmh * KMH * STEPS_SLOWDOWN)


URBAN_DRIVING_KMH = (70.0, 40.0, 27.0, 12.0)
"""Average driving speeds in a German city on fast, main, local and crawl roads (with junctions)."""


def driving_speeds(kmh: tuple[float, float, float, float] = URBAN_DRIVING_KMH) -> TravelSpeeds:
    """Speeds for driving a car, per road class (fast, main, local, crawl) in km/h."""
    fast, main, local, crawl = (value * KMH for value in kmh)
    return TravelSpeeds(normal=local, push=crawl, steps=crawl, road=(fast, main, local, crawl))


@dataclass(frozen=True)
class EdgePosition:
    """A point on a directed edge, ``offset_m`` metres after its tail."""

    edge: int
    offset_m: float


@dataclass(frozen=True)
class Snap:
    """A coordinate placed on the street network."""

    lat: float
    lon: float
    snapped_lat: float
    snapped_lon: float
    distance_m: float
    """Length of the connector between the point and its snapped street position."""
    positions: tuple[EdgePosition, ...]

    def connector_s(self, speeds: TravelSpeeds) -> float:
        """Seconds (and generalised cost) of the connector at the profile's normal speed."""
        return self.distance_m / speeds.normal


@dataclass(frozen=True)
class StreetRoute:
    """A street route: totals, GeoJSON coordinates (lon, lat) and steps."""

    distance_m: float
    duration_s: float
    cost: float
    coordinates: list[Coordinate]
    steps: list[Step]
    edges: list[int]

    def geojson(self) -> dict[str, object]:
        """The route's geometry as a GeoJSON LineString."""
        return {"type": "LineString", "coordinates": [list(point) for point in self.coordinates]}


@dataclass(frozen=True)
class RouteTotals:
    """A street route's totals only (:meth:`StreetRouter.route_totals`)."""

    distance_m: float
    duration_s: float
    cost: float


@dataclass(frozen=True)
class Reach:
    """Nodes reachable from a point within a budget, in order of cost."""

    nodes: NDArray[np.int64]
    cost: NDArray[np.float64]
    duration_s: NDArray[np.float64]
    distance_m: NDArray[np.float64]


class StreetRouter:
    """Queries on one profile's graph. Safe to share between threads."""

    def __init__(self, network: StreetNetwork, profile: str) -> None:
        if profile not in network.profiles:
            msg = f"unknown street profile {profile!r}; known: {', '.join(sorted(network.profiles))}"
            raise ValueError(msg)
        self.network = network
        self.profile = profile
        self.graph: ProfileGraph = network.profiles[profile]
        projection = self.graph.grid.projection
        self._lat = np.asarray(network.lat).view(np.ndarray)
        self._lon = np.asarray(network.lon).view(np.ndarray)
        self._x = projection.x(self._lon)
        self._y = projection.y(self._lat)
        self.tails = self.graph.tails()
        """Tail node of every edge."""
        graph = self.graph
        self._geometry_offsets = np.asarray(graph.geometry_offsets).view(np.ndarray)
        self._geometry_nodes = np.asarray(graph.geometry_nodes).view(np.ndarray)
        self._segment_lengths = np.asarray(graph.grid.seg_length_m).view(np.ndarray)
        self._length = np.asarray(graph.length_m).view(np.ndarray)
        self._speed_class = np.asarray(graph.speed_class).view(np.ndarray)
        self._name_index = np.asarray(graph.name_index).view(np.ndarray)
        self._offsets = np.asarray(graph.offsets).view(np.ndarray)
        self._targets = np.asarray(graph.targets).view(np.ndarray)
        self._cost_factor = np.asarray(graph.cost_factor).view(np.ndarray)
        self._xyz = np.asarray(network.xyz).view(np.ndarray)
        self._grid = _in_memory(graph.grid)
        self._csr: CsrGraph = (self._offsets, self._targets, self._length, self._cost_factor, self._speed_class)
        landmarks = graph.landmarks or Landmarks.none(network.node_count)
        self._landmarks = Landmarks(
            forward=np.asarray(landmarks.forward).view(np.ndarray),
            backward=np.asarray(landmarks.backward).view(np.ndarray),
        )
        self._local = threading.local()
        self._reverse: CsrGraph | None = None
        self._reverse_lock = threading.Lock()

    def _workspace(self) -> Workspace:
        workspace: Workspace | None = getattr(self._local, "workspace", None)
        if workspace is None:
            workspace = Workspace(self.network.node_count)
            self._local.workspace = workspace
        return workspace

    # Snapping -----------------------------------------------------------------

    def snap(self, lat: float, lon: float, *, max_distance_m: float = DEFAULT_SNAP_DISTANCE_M) -> Snap:
        """Place a coordinate on the nearest usable edge(s).

        Raises
        ------
        PointNotRoutable
            When no usable edge lies within ``max_distance_m``.
        """
        grid = self._grid
        projection = grid.projection
        hits = nearest_segments(
            grid, self._x, self._y, float(projection.x(lon)), float(projection.y(lat)), max_distance_m=max_distance_m
        )
        if not hits:
            raise PointNotRoutable(lat, lon, profile=self.profile, max_distance_m=max_distance_m)
        positions = []
        seen = set()
        nearest = hits[0]
        # Several segments may be equally near; keep those meeting at the same place
        # (both directions of a street, or the edges at a junction).
        same_place = [hit for hit in hits if abs(hit.x - nearest.x) + abs(hit.y - nearest.y) < SAME_PLACE_M]
        for hit in same_place:
            edge = int(grid.seg_edge[hit.segment])
            offset = float(grid.seg_start_m[hit.segment]) + hit.fraction * float(grid.seg_length_m[hit.segment])
            offset = min(max(offset, 0.0), float(self._length[edge]))
            if edge not in seen:
                seen.add(edge)
                positions.append(EdgePosition(edge, offset))
        first = nearest
        a, b = int(grid.seg_a[first.segment]), int(grid.seg_b[first.segment])
        snapped_lat = float(self._lat[a]) + first.fraction * float(self._lat[b] - self._lat[a])
        snapped_lon = float(self._lon[a]) + first.fraction * float(self._lon[b] - self._lon[a])
        return Snap(lat, lon, snapped_lat, snapped_lon, first.distance_m, tuple(positions))

    # Edge helpers -------------------------------------------------------------

    def _edge_rate(self, edge: int, speeds: NDArray[np.float64]) -> tuple[float, float]:
        """Cost and time per metre on ``edge``."""
        speed = float(speeds[int(self._speed_class[edge])])
        return float(self._cost_factor[edge]) / speed, 1.0 / speed

    # Routing ------------------------------------------------------------------

    def route(self, origin: Snap, destination: Snap, *, speeds: TravelSpeeds) -> StreetRoute:
        """Return the cheapest route from ``origin`` to ``destination``.

        Raises
        ------
        NoRoute
            When no path connects the two points on this profile.
        """
        if (origin.lat, origin.lon) == (destination.lat, destination.lon):  # already there
            here = (origin.lon, origin.lat)
            return StreetRoute(distance_m=0.0, duration_s=0.0, cost=0.0, coordinates=[here, here], steps=[], edges=[])
        start, end, direct, path, cost = self._cheapest(origin, destination, speeds)
        return self._assemble(start, end, direct, path, origin, destination, speeds, speeds.as_array(), cost)

    def route_totals(self, origin: Snap, destination: Snap, *, speeds: TravelSpeeds) -> RouteTotals:
        """The totals of :meth:`route` (the same numbers), without its geometry and steps.

        Raises
        ------
        NoRoute
            When no path connects the two points on this profile.
        """
        if (origin.lat, origin.lon) == (destination.lat, destination.lon):  # already there
            return RouteTotals(distance_m=0.0, duration_s=0.0, cost=0.0)
        start, end, direct, path, cost = self._cheapest(origin, destination, speeds)
        parts = self._parts(start, end, direct, path, speeds.as_array())
        connector_m = origin.distance_m + destination.distance_m
        connector_s = connector_m / speeds.normal
        return RouteTotals(
            distance_m=float(parts.length_m.sum()) + connector_m,
            duration_s=float(parts.duration_s.sum()) + connector_s,
            cost=cost + connector_s,
        )

    def _cheapest(
        self, origin: Snap, destination: Snap, speeds: TravelSpeeds
    ) -> tuple[EdgePosition, EdgePosition, bool, NDArray[np.int64], float]:
        """The cheapest way between two snaps: (start, end, along one edge only, edges between, cost).

        Raises
        ------
        NoRoute
            When no path connects the two points on this profile.
        """
        speed_array = speeds.as_array()
        source_nodes, source_costs = [], []
        for position in origin.positions:
            per_metre_cost, _ = self._edge_rate(position.edge, speed_array)
            source_nodes.append(int(self._targets[position.edge]))
            source_costs.append((float(self._length[position.edge]) - position.offset_m) * per_metre_cost)
        target_nodes, target_costs = [], []
        for position in destination.positions:
            per_metre_cost, _ = self._edge_rate(position.edge, speed_array)
            target_nodes.append(int(self.tails[position.edge]))
            target_costs.append(position.offset_m * per_metre_cost)
        direct_cost, direct = np.inf, None
        for start in origin.positions:
            for end in destination.positions:
                if start.edge == end.edge and start.offset_m <= end.offset_m:
                    cost = (end.offset_m - start.offset_m) * self._edge_rate(start.edge, speed_array)[0]
                    if cost < direct_cost:
                        direct_cost, direct = cost, (start, end)
        workspace = self._workspace()
        target_xyz = _unit_vector(destination.snapped_lat, destination.snapped_lon)
        best, target_index, path, _ = shortest_path(
            self._offsets,
            self._targets,
            self._length,
            self._cost_factor,
            self._speed_class,
            speed_array,
            self._xyz,
            np.array(source_nodes, dtype=np.int64),
            np.array(source_costs),
            np.array(target_nodes, dtype=np.int64),
            np.array(target_costs),
            target_xyz,
            self._landmarks.forward,
            self._landmarks.backward,
            direct_cost,
            workspace.cost,
            workspace.pred_edge,
            workspace.pred_node,
            workspace.closed,
            workspace.touched,
        )
        if not np.isfinite(best):
            raise NoRoute(self.profile)
        if target_index < 0:
            assert direct is not None
            return direct[0], direct[1], True, path, float(best)
        first_node = int(self.tails[int(path[0])]) if path.size else target_nodes[target_index]
        chosen = -1
        for index, node in enumerate(source_nodes):
            if node == first_node and (chosen < 0 or source_costs[index] < source_costs[chosen]):
                chosen = index
        return origin.positions[chosen], destination.positions[target_index], False, path, float(best)

    def _parts(
        self,
        start: EdgePosition,
        end: EdgePosition,
        direct: bool,
        path: NDArray[np.int64],
        speed_array: NDArray[np.float64],
    ) -> AssembledRoute:
        """The pieces of the route from ``start`` along ``path`` to ``end`` (see :func:`assemble_route`)."""
        return AssembledRoute(
            *assemble_route(
                self._geometry_offsets,
                self._geometry_nodes,
                self._segment_lengths,
                self._lon,
                self._lat,
                self._length,
                self._speed_class,
                self._name_index,
                NOTICE_OF_CLASS,
                speed_array,
                start.edge,
                start.offset_m,
                path,
                end.edge,
                end.offset_m,
                direct,
            )
        )

    def _assemble(
        self,
        start: EdgePosition,
        end: EdgePosition,
        direct: bool,
        path: NDArray[np.int64],
        origin: Snap,
        destination: Snap,
        speeds: TravelSpeeds,
        speed_array: NDArray[np.float64],
        cost: float,
    ) -> StreetRoute:
        """The route from ``start`` along ``path`` to ``end`` (along ``start``'s edge alone when ``direct``).

        Geometry, totals and steps come from the partial first edge, the full edges and
        the partial last edge, extended by both connectors: the line starts and ends at
        the points themselves, the departure walks the origin's connector and the last
        step before arriving the destination's.
        """
        parts = self._parts(start, end, direct, path, speed_array)
        coordinates = list(zip(parts.line_lon.tolist(), parts.line_lat.tolist(), strict=True))
        if len(coordinates) == 1:
            coordinates.append(coordinates[0])
        if origin.distance_m > SAME_PLACE_M:
            coordinates.insert(0, (origin.lon, origin.lat))
        if destination.distance_m > SAME_PLACE_M:
            coordinates.append((destination.lon, destination.lat))
        connector_m = origin.distance_m + destination.distance_m
        connector_s = connector_m / speeds.normal
        return StreetRoute(
            distance_m=float(parts.length_m.sum()) + connector_m,
            duration_s=float(parts.duration_s.sum()) + connector_s,
            cost=cost + connector_s,
            coordinates=coordinates,
            steps=self._steps(parts, origin.distance_m, destination.distance_m, speeds),
            edges=parts.edges.tolist(),
        )

    def _steps(self, parts: AssembledRoute, depart_m: float, arrive_m: float, speeds: TravelSpeeds) -> list[Step]:
        """The steps of an assembled route, the connectors added to the first and the last before arriving."""
        if not parts.group_start.size:
            return []
        distance = np.add.reduceat(parts.length_m[parts.kept], parts.group_start).tolist()
        duration = np.add.reduceat(parts.duration_s[parts.kept], parts.group_start).tolist()
        for index, metres in ((0, depart_m), (len(distance) - 1, arrive_m)):
            distance[index] = distance[index] + metres
            duration[index] = duration[index] + metres / speeds.normal
        lon, lat, first = parts.lon, parts.lat, parts.first
        groups = len(distance)
        bearings = bearings_of(parts.bearing_y, parts.bearing_x)
        return build_steps(
            StepGroups(
                names=self.network.names,
                name_ids=parts.name_ids.tolist(),
                notices=parts.notices.tolist(),
                distance_m=distance,
                duration_s=duration,
                location=list(zip(lon[first].tolist(), lat[first].tolist(), strict=True)),
                leaving=bearings[:groups],
                arriving=bearings[groups:],
                end=(float(lon[parts.end]), float(lat[parts.end])),
            )
        )

    def reach(self, origin: Snap, *, speeds: TravelSpeeds, budget_s: float) -> Reach:
        """Every node reachable from ``origin`` (connector included) within ``budget_s`` of generalised cost."""
        return self._reach_from(origin, speeds=speeds, budget_s=budget_s, connector_m=origin.distance_m)

    def _reach_from(self, origin: Snap, *, speeds: TravelSpeeds, budget_s: float, connector_m: float) -> Reach:
        seeds = [
            (int(self._targets[p.edge]), p.edge, float(self._length[p.edge]) - p.offset_m) for p in origin.positions
        ]
        return self._budgeted_search(self._csr, seeds, speeds, budget_s, connector_m)

    def _budgeted_search(
        self,
        arrays: CsrGraph,
        seeds: list[tuple[int, int, float]],
        speeds: TravelSpeeds,
        budget_s: float,
        connector_m: float,
    ) -> Reach:
        """Dijkstra on ``arrays`` (a CSR graph) from seeds ``(node, edge, metres walked on the edge to it)``.

        Every seed starts ``connector_m`` (the snap's connector, at the normal speed) into the walk.
        """
        speed_array = speeds.as_array()
        connector_s = connector_m / speeds.normal
        nodes, costs, times, lengths = [], [], [], []
        for node, edge, metres in seeds:
            per_metre_cost, per_metre_time = self._edge_rate(edge, speed_array)
            nodes.append(node)
            costs.append(connector_s + metres * per_metre_cost)
            times.append(connector_s + metres * per_metre_time)
            lengths.append(connector_m + metres)
        workspace = self._workspace()
        found = reach(
            *arrays,
            speed_array,
            np.array(nodes, dtype=np.int64),
            np.array(costs),
            np.array(times),
            np.array(lengths),
            budget_s,
            workspace.cost,
            workspace.time,
            workspace.length,
            workspace.closed,
            workspace.touched,
        )
        return Reach(nodes=found[0], cost=found[1], duration_s=found[2], distance_m=found[3])

    def _reversed_graph(self) -> CsrGraph:
        """The reversed graph (offsets, targets, length, cost factor, speed class), built once."""
        with self._reverse_lock:
            if self._reverse is None:
                self._reverse = self.graph.reversed_csr()
            return self._reverse

    def reach_to(self, destination: Snap, *, speeds: TravelSpeeds, budget_s: float) -> Reach:
        """Every node from which ``destination`` is reachable within ``budget_s`` (reverse search).

        ``cost[i]`` is the cost of walking from ``nodes[i]`` to the destination (connector included).
        """
        return self._reach_to(destination, speeds=speeds, budget_s=budget_s, connector_m=destination.distance_m)

    def _reach_to(self, destination: Snap, *, speeds: TravelSpeeds, budget_s: float, connector_m: float) -> Reach:
        seeds = [(int(self.tails[p.edge]), p.edge, p.offset_m) for p in destination.positions]
        return self._budgeted_search(self._reversed_graph(), seeds, speeds, budget_s, connector_m)

    def walks(
        self, start: Snap, targets: StreetTargets, *, speeds: TravelSpeeds, budget_s: float, reverse: bool = False
    ) -> Walks:
        """The cheapest walk from ``start`` to each target (``reverse``: from each target to ``start``).

        One budgeted search, then every target position is entered from its edge's tail
        (left towards its head when ``reverse``); a target on one of ``start``'s edges is
        also reached straight along that edge. Both connectors (``start``'s and the
        target's) are part of each walk. Targets beyond ``budget_s`` of cost are left out.
        """
        speed_array = speeds.as_array()
        start_s = start.connector_s(speeds)
        street_budget = budget_s - start_s
        if street_budget < 0:
            empty = np.zeros(0)
            return Walks(target=np.zeros(0, dtype=np.int64), cost=empty, duration_s=empty, distance_m=empty)
        search = self._reach_to if reverse else self._reach_from
        found = search(start, speeds=speeds, budget_s=street_budget, connector_m=0.0)
        entries = targets.entries(self, reverse=reverse)
        seed_rows, stretches, cost_rates, time_rates = [], [], [], []
        for position in start.positions:  # both on one edge: straight along it
            per_metre_cost, per_metre_time = self._edge_rate(position.edge, speed_array)
            for row in targets.rows_on_edge(position.edge).tolist():
                offset = float(targets.offset_m[row])
                if (offset <= position.offset_m) if reverse else (offset >= position.offset_m):
                    seed_rows.append(row)
                    stretches.append(abs(offset - position.offset_m))
                    cost_rates.append(per_metre_cost)
                    time_rates.append(per_metre_time)
        target, cost, duration, distance = collect_targets(
            found.nodes,
            found.cost,
            found.duration_s,
            found.distance_m,
            entries.offsets,
            entries.rows,
            targets.target,
            entries.walked_m,
            entries.cost_factor,
            entries.speed_class,
            speed_array,
            np.array(seed_rows, dtype=np.int64),
            np.array(stretches, dtype=np.float64),
            np.array(cost_rates, dtype=np.float64),
            np.array(time_rates, dtype=np.float64),
            targets.count,
            street_budget,
        )
        connector_m = start.distance_m + targets.connector_m[target]
        connector_s = connector_m / speeds.normal
        cost, duration, distance = cost + connector_s, duration + connector_s, distance + connector_m
        within = cost <= budget_s
        target, cost, duration, distance = target[within], cost[within], duration[within], distance[within]
        here = targets.at_point(start.lat, start.lon)
        if here.size:  # already there: no walk to the street and back
            merged = {
                int(t): (float(c), float(d), float(m))
                for t, c, d, m in zip(target, cost, duration, distance, strict=True)
            }
            merged.update(dict.fromkeys(here.tolist(), (0.0, 0.0, 0.0)))
            order = sorted(merged)
            values = np.array([merged[t] for t in order], dtype=np.float64).reshape(len(order), 3)
            target = np.array(order, dtype=np.int64)
            cost, duration, distance = values[:, 0].copy(), values[:, 1].copy(), values[:, 2].copy()
        return Walks(target=target, cost=cost, duration_s=duration, distance_m=distance)

    def many_to_many(
        self, origins: list[Snap], destinations: list[Snap], *, speeds: TravelSpeeds, budget_s: float
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """Cost, travel time and length from every origin to every destination within ``budget_s``.

        Returns three ``[len(origins), len(destinations)]`` arrays; pairs beyond the
        budget hold ``inf``. One bounded search per origin (the budget keeps each small).
        """
        targets = StreetTargets.of(destinations)
        shape = (len(origins), len(destinations))
        cost, time, length = np.full(shape, np.inf), np.full(shape, np.inf), np.full(shape, np.inf)
        for row, origin in enumerate(origins):
            walks = self.walks(origin, targets, speeds=speeds, budget_s=budget_s)
            cost[row, walks.target] = walks.cost
            time[row, walks.target] = walks.duration_s
            length[row, walks.target] = walks.distance_m
        return cost, time, length


@dataclass(frozen=True)
class TargetEntries:
    """How a search enters target rows: a CSR from street node to rows, with the walk along each row's edge."""

    offsets: NDArray[np.int64]
    rows: NDArray[np.int64]
    walked_m: NDArray[np.float64]
    cost_factor: NDArray[np.float32]
    speed_class: NDArray[np.uint8]


@dataclass(frozen=True)
class StreetTargets:
    """Places walked to (or from) again and again: one row per edge position of each target.

    ``count`` is the number of targets (rows number them 0..count-1). The entry indexes a
    search needs are built on first use per router and direction, then reused.
    """

    target: NDArray[np.int64]
    edge: NDArray[np.int64]
    offset_m: NDArray[np.float64]
    count: int
    connector_m: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    """Per target, the connector between the target's point and its street positions (zeros when empty)."""
    point: NDArray[np.float64] = field(default_factory=lambda: np.zeros((0, 2)))
    """Per target, its point (lat, lon; NaN when unknown): a walk from that very point takes nothing."""
    _entries: dict[tuple[int, bool], TargetEntries] = field(default_factory=dict, compare=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)
    _edge_order: NDArray[np.int64] = field(init=False, compare=False, repr=False)
    _edges_sorted: NDArray[np.int64] = field(init=False, compare=False, repr=False)
    _has_points: bool = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.connector_m.size != self.count:
            if self.connector_m.size:
                msg = f"connector_m has {self.connector_m.size} values for {self.count} targets"
                raise ValueError(msg)
            object.__setattr__(self, "connector_m", np.zeros(self.count))
        if self.point.shape[0] != self.count:
            object.__setattr__(self, "point", np.full((self.count, 2), np.nan))
        order = np.argsort(self.edge, kind="stable")
        object.__setattr__(self, "_has_points", bool(np.isfinite(self.point).any()))
        object.__setattr__(self, "_edge_order", order)
        object.__setattr__(self, "_edges_sorted", self.edge[order])

    @classmethod
    def of(cls, snaps: Sequence[Snap | None]) -> StreetTargets:
        """Targets numbered by their place in ``snaps`` (None: not on the network, never reached)."""
        rows = [(i, p.edge, p.offset_m) for i, snap in enumerate(snaps) if snap is not None for p in snap.positions]
        return cls(
            target=np.array([r[0] for r in rows], dtype=np.int64),
            edge=np.array([r[1] for r in rows], dtype=np.int64),
            offset_m=np.array([r[2] for r in rows], dtype=np.float64),
            count=len(snaps),
            connector_m=np.array([0.0 if snap is None else snap.distance_m for snap in snaps], dtype=np.float64),
            point=np.array(
                [(np.nan, np.nan) if snap is None else (snap.lat, snap.lon) for snap in snaps], dtype=np.float64
            ).reshape(len(snaps), 2),
        )

    def at_point(self, lat: float, lon: float) -> NDArray[np.int64]:
        """The targets whose point is exactly (``lat``, ``lon``)."""
        if not self._has_points:  # no target has a known point (stops: their walks always start on the street)
            return np.zeros(0, dtype=np.int64)
        return np.flatnonzero((self.point[:, 0] == lat) & (self.point[:, 1] == lon))

    def rows_on_edge(self, edge: int) -> NDArray[np.int64]:
        """The rows placed on ``edge``."""
        lo, hi = np.searchsorted(self._edges_sorted, [edge, edge + 1])
        return self._edge_order[lo:hi]

    def entries(self, router: StreetRouter, *, reverse: bool) -> TargetEntries:
        """Rows by the node a search enters them from: the edge's tail (forward) or head (``reverse``)."""
        key = (id(router.graph), reverse)
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                graph = router.graph
                lengths = np.asarray(graph.length_m)[self.edge].astype(np.float64)
                node = np.asarray(graph.targets)[self.edge].astype(np.int64) if reverse else router.tails[self.edge]
                rows = np.argsort(node, kind="stable")
                offsets = np.zeros(router.network.node_count + 1, dtype=np.int64)
                np.cumsum(np.bincount(node, minlength=router.network.node_count), out=offsets[1:])
                found = TargetEntries(
                    offsets=offsets,
                    rows=rows.astype(np.int64),
                    walked_m=lengths - self.offset_m if reverse else self.offset_m.copy(),
                    cost_factor=np.asarray(graph.cost_factor)[self.edge].astype(np.float32),
                    speed_class=np.asarray(graph.speed_class)[self.edge].astype(np.uint8),
                )
                self._entries[key] = found
            return found


@dataclass(frozen=True)
class Walks:
    """The cheapest walk to each reached target (targets in increasing order)."""

    target: NDArray[np.int64]
    cost: NDArray[np.float64]
    duration_s: NDArray[np.float64]
    distance_m: NDArray[np.float64]


def _in_memory(grid: SegmentGrid) -> SegmentGrid:
    """``grid`` with plain ndarray views of its (memory-mapped) arrays: cheaper to index and to pass to kernels."""
    views = {f.name: np.asarray(getattr(grid, f.name)).view(np.ndarray) for f in fields(grid)}
    return replace(grid, **views)


def _unit_vector(lat: float, lon: float) -> NDArray[np.float64]:
    """The point's unit vector, as :func:`routing.street.compile.unit_sphere` gives it (same operations)."""
    phi, lam = math.radians(lat), math.radians(lon)
    return np.array([math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi)])
