"""Compiled route assembly: geometry, pieces and step groups of a path, in one pass over its arrays.

A route is made of *pieces*: the partial first edge (from the snapped origin to the edge's
head), the full edges of the path and the partial last edge (from its tail to the snapped
destination), or one piece along a single edge when origin and destination share it.
:func:`assemble_route` gathers their coordinates, lengths and durations and groups the
pieces into steps (consecutive pieces on the same street and with the same notice), so
the caller only turns the groups into :class:`routing.street.steps.Step` objects.

Every value is computed with the same floating-point operations, in the same order, as
the straightforward NumPy version (``np.cumsum``, ``np.interp``, element-wise division);
sums that NumPy computes pairwise (totals, per-step sums) are left to NumPy by the caller.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit
from numpy.typing import NDArray


class AssembledRoute(NamedTuple):
    """Arrays of one route, snapped end to snapped end (see :func:`assemble_route`)."""

    lon: NDArray[np.float64]
    """Every coordinate of every piece (a piece's first point repeats the previous piece's last)."""
    lat: NDArray[np.float64]
    line_lon: NDArray[np.float64]
    """The route's line: ``lon`` without immediate repeats."""
    line_lat: NDArray[np.float64]
    edges: NDArray[np.int64]
    """Edge of each piece."""
    length_m: NDArray[np.float64]
    duration_s: NDArray[np.float64]
    kept: NDArray[np.int64]
    """The pieces steps are made of: those of positive length (the only piece, when there is one)."""
    group_start: NDArray[np.int64]
    """Index into ``kept`` where each step's group of pieces starts."""
    name_ids: NDArray[np.int64]
    """Street name id of each group."""
    notices: NDArray[np.int64]
    """Notice code of each group (a key of :data:`routing.street.steps.NOTICES`, 0 for none)."""
    first: NDArray[np.int64]
    """Index into ``lon``/``lat`` of each group's first coordinate."""
    end: int
    """Index into ``lon``/``lat`` of the last group's last coordinate (-1 without groups)."""
    leaving_tail: NDArray[np.int64]
    """Per group, the coordinate its departing heading starts at (-1: no later point differs)."""
    arriving_tail: NDArray[np.int64]
    """Per group, the coordinate its arriving heading starts at (-1: no earlier point differs)."""
    bearing_y: NDArray[np.float64]
    """The two terms of ``arctan2`` for the bearing from each tail (leaving, then arriving) to the
    next coordinate (NaN for a tail of -1): :func:`routing.street.steps.bearings_of` finishes them."""
    bearing_x: NDArray[np.float64]


@njit(cache=True)
def _interp(x: float, xp: NDArray[np.float64], fp: NDArray[np.float64]) -> float:
    """``np.interp(x, xp, fp)`` for one ``x`` and non-decreasing ``xp``, with NumPy's operations."""
    n = xp.size
    if x < xp[0]:
        return float(fp[0])
    if x > xp[n - 1]:
        return float(fp[n - 1])
    lo, hi = 0, n
    while lo < hi:  # j: the last index with xp[j] <= x
        mid = (lo + hi) >> 1
        if x >= xp[mid]:
            lo = mid + 1
        else:
            hi = mid
    j = lo - 1
    if j == n - 1 or xp[j] == x:
        return float(fp[j])
    slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j])
    value = slope * (x - xp[j]) + fp[j]
    if math.isnan(value):
        value = slope * (x - xp[j + 1]) + fp[j + 1]
        if math.isnan(value) and fp[j] == fp[j + 1]:
            value = fp[j]
    return float(value)


@njit(cache=True)
def _partial(
    edge: int,
    start_m: float,
    end_m: float,
    geometry_offsets: NDArray[np.int64],
    geometry_nodes: NDArray[np.int32],
    segment_length_m: NDArray[np.float32],
    lon: NDArray[np.float64],
    lat: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Coordinates (lon, lat) of ``edge`` between two offsets (metres from its tail).

    The ends are interpolated at the offsets; the edge's own points strictly between them are kept.
    """
    g0, g1 = geometry_offsets[edge], geometry_offsets[edge + 1]
    count = g1 - g0
    position = np.empty(count)
    node_lon = np.empty(count)
    node_lat = np.empty(count)
    position[0] = 0.0
    total = 0.0
    for k in range(count):
        node = geometry_nodes[g0 + k]
        node_lon[k] = lon[node]
        node_lat[k] = lat[node]
        if k > 0:
            total = total + np.float64(segment_length_m[g0 - edge + k - 1])
            position[k] = total
    inside = 0
    for k in range(count):
        if start_m < position[k] < end_m:
            inside += 1
    out_lon = np.empty(inside + 2)
    out_lat = np.empty(inside + 2)
    out_lon[0] = _interp(start_m, position, node_lon)
    out_lat[0] = _interp(start_m, position, node_lat)
    at = 1
    for k in range(count):
        if start_m < position[k] < end_m:
            out_lon[at] = node_lon[k]
            out_lat[at] = node_lat[k]
            at += 1
    out_lon[at] = _interp(end_m, position, node_lon)
    out_lat[at] = _interp(end_m, position, node_lat)
    return out_lon, out_lat


@njit(cache=True)
def _bearing_terms(
    lon: NDArray[np.float64], lat: NDArray[np.float64], tails: NDArray[np.int64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``y`` and ``x`` of the initial bearing from coordinate ``tails[i]`` to the next (NaN for -1).

    ``y = sin(dlon) cos(lat2)``, ``x = cos(lat1) sin(lat2) - sin(lat1) cos(lat2) cos(dlon)``, in the
    order the NumPy version evaluated them (NumPy's float64 sin and cos give libm's results, as
    numba's do; only arctan2, whose NumPy SIMD version differs from libm's, is left to NumPy).
    """
    y = np.full(tails.size, np.nan)
    x = np.full(tails.size, np.nan)
    for i in range(tails.size):
        tail = tails[i]
        if tail < 0:
            continue
        lon1, lat1 = math.radians(lon[tail]), math.radians(lat[tail])
        lon2, lat2 = math.radians(lon[tail + 1]), math.radians(lat[tail + 1])
        y[i] = math.sin(lon2 - lon1) * math.cos(lat2)
        x[i] = math.cos(lat1) * math.sin(lat2) - math.sin(lat1) * math.cos(lat2) * math.cos(lon2 - lon1)
    return y, x


@njit(cache=True)
def _first_change_at_or_after(changes: NDArray[np.int64], index: int) -> int:
    """Position in ``changes`` of the first entry >= ``index`` (``np.searchsorted(..., side="left")``)."""
    lo, hi = 0, changes.size
    while lo < hi:
        mid = (lo + hi) >> 1
        if changes[mid] < index:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True)
def _pieces(
    geometry_offsets: NDArray[np.int64],
    geometry_nodes: NDArray[np.int32],
    segment_length_m: NDArray[np.float32],
    lon: NDArray[np.float64],
    lat: NDArray[np.float64],
    length_m: NDArray[np.float32],
    start_edge: int,
    start_m: float,
    path: NDArray[np.int64],
    end_edge: int,
    end_m: float,
    direct: bool,
) -> tuple[
    NDArray[np.float64],
    NDArray[np.float64],
    NDArray[np.int64],
    NDArray[np.float64],
    NDArray[np.int64],
    NDArray[np.int64],
]:
    """Coordinates of the route, then per piece its edge, length and first and last coordinate."""
    first_end_m = end_m if direct else np.float64(length_m[start_edge])
    first_lon, first_lat = _partial(
        start_edge, start_m, first_end_m, geometry_offsets, geometry_nodes, segment_length_m, lon, lat
    )
    last_lon, last_lat = np.empty(0), np.empty(0)
    if not direct:
        last_lon, last_lat = _partial(
            end_edge, 0.0, end_m, geometry_offsets, geometry_nodes, segment_length_m, lon, lat
        )
    pieces = 1 + path.size + (0 if direct else 1)
    edges = np.empty(pieces, dtype=np.int64)
    lengths = np.empty(pieces)
    first_of = np.empty(pieces, dtype=np.int64)
    last_of = np.empty(pieces, dtype=np.int64)
    points = first_lon.size + max(last_lon.size - 1, 0)
    for k in range(path.size):
        points += geometry_offsets[path[k] + 1] - geometry_offsets[path[k]] - 1
    route_lon, route_lat = np.empty(points), np.empty(points)
    route_lon[: first_lon.size] = first_lon
    route_lat[: first_lon.size] = first_lat
    at = first_lon.size
    edges[0] = start_edge
    lengths[0] = first_end_m - start_m
    first_of[0], last_of[0] = 0, at - 1
    for k in range(path.size):
        edge = path[k]
        for g in range(geometry_offsets[edge] + 1, geometry_offsets[edge + 1]):
            route_lon[at] = lon[geometry_nodes[g]]
            route_lat[at] = lat[geometry_nodes[g]]
            at += 1
        edges[k + 1] = edge
        lengths[k + 1] = np.float64(length_m[edge])
        first_of[k + 1], last_of[k + 1] = last_of[k], at - 1
    if not direct:
        route_lon[at:] = last_lon[1:]
        route_lat[at:] = last_lat[1:]
        edges[pieces - 1] = end_edge
        lengths[pieces - 1] = end_m
        first_of[pieces - 1], last_of[pieces - 1] = last_of[pieces - 2], points - 1
    return route_lon, route_lat, edges, lengths, first_of, last_of


@njit(cache=True)
def _line(
    lon: NDArray[np.float64], lat: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
    """The points without immediate repeats, and the coordinates the next one differs from."""
    changes = np.empty(max(lon.size - 1, 0), dtype=np.int64)
    count = 0
    for k in range(1, lon.size):
        if lon[k] != lon[k - 1] or lat[k] != lat[k - 1]:
            changes[count] = k - 1
            count += 1
    changes = changes[:count]
    line_lon, line_lat = np.empty(count + 1), np.empty(count + 1)
    line_lon[0], line_lat[0] = lon[0], lat[0]
    for k in range(count):
        line_lon[k + 1], line_lat[k + 1] = lon[changes[k] + 1], lat[changes[k] + 1]
    return line_lon, line_lat, changes


@njit(cache=True)
def _group_starts(
    lengths: NDArray[np.float64],
    names: NDArray[np.int64],
    notices: NDArray[np.int64],
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The kept pieces (positive length; the only one when there is one) and where their groups start."""
    pieces = lengths.size
    kept = np.empty(pieces, dtype=np.int64)
    count = 0
    for k in range(pieces):
        if pieces == 1 or lengths[k] > 0:
            kept[count] = k
            count += 1
    kept = kept[:count]
    starts = np.empty(count, dtype=np.int64)
    groups = 0
    for i in range(count):
        if i == 0 or names[kept[i]] != names[kept[i - 1]] or notices[kept[i]] != notices[kept[i - 1]]:
            starts[groups] = i
            groups += 1
    return kept, starts[:groups]


@njit(cache=True)
def assemble_route(
    geometry_offsets: NDArray[np.int64],
    geometry_nodes: NDArray[np.int32],
    segment_length_m: NDArray[np.float32],
    lon: NDArray[np.float64],
    lat: NDArray[np.float64],
    length_m: NDArray[np.float32],
    speed_class: NDArray[np.uint8],
    name_index: NDArray[np.int32],
    notice_of_class: NDArray[np.int64],
    speeds: NDArray[np.float64],
    start_edge: int,
    start_m: float,
    path: NDArray[np.int64],
    end_edge: int,
    end_m: float,
    direct: bool,
) -> tuple[
    NDArray[np.float64],
    NDArray[np.float64],
    NDArray[np.float64],
    NDArray[np.float64],
    NDArray[np.int64],
    NDArray[np.float64],
    NDArray[np.float64],
    NDArray[np.int64],
    NDArray[np.int64],
    NDArray[np.int64],
    NDArray[np.int64],
    NDArray[np.int64],
    int,
    NDArray[np.int64],
    NDArray[np.int64],
    NDArray[np.float64],
    NDArray[np.float64],
]:
    """Pieces, line and step groups of a route (the fields of :class:`AssembledRoute`, in order).

    The route starts ``start_m`` into ``start_edge``; when ``direct`` it ends ``end_m`` into
    that same edge (``path`` empty, ``end_edge`` ignored), otherwise it leaves ``start_edge``
    at its head, follows the edges of ``path`` and ends ``end_m`` into ``end_edge``.
    ``notice_of_class`` maps a speed class to its notice code
    (:data:`routing.street.steps.NOTICE_OF_CLASS`).
    """
    route_lon, route_lat, edges, lengths, first_of, last_of = _pieces(
        geometry_offsets,
        geometry_nodes,
        segment_length_m,
        lon,
        lat,
        length_m,
        start_edge,
        start_m,
        path,
        end_edge,
        end_m,
        direct,
    )
    pieces = edges.size
    durations = np.empty(pieces)
    piece_names = np.empty(pieces, dtype=np.int64)
    piece_notices = np.empty(pieces, dtype=np.int64)
    for k in range(pieces):
        durations[k] = lengths[k] / speeds[speed_class[edges[k]]]
        piece_names[k] = name_index[edges[k]]
        piece_notices[k] = notice_of_class[speed_class[edges[k]]]
    line_lon, line_lat, changes = _line(route_lon, route_lat)
    kept, group_start = _group_starts(lengths, piece_names, piece_notices)
    groups = group_start.size
    name_ids = np.empty(groups, dtype=np.int64)
    notices = np.empty(groups, dtype=np.int64)
    first = np.empty(groups, dtype=np.int64)
    leaving_tail = np.empty(groups, dtype=np.int64)
    arriving_tail = np.empty(groups, dtype=np.int64)
    for g in range(groups):
        piece = kept[group_start[g]]
        last_piece = kept[group_start[g + 1] - 1] if g + 1 < groups else kept[kept.size - 1]
        name_ids[g] = piece_names[piece]
        notices[g] = piece_notices[piece]
        first[g] = first_of[piece]
        position = _first_change_at_or_after(changes, first_of[piece])
        leaving_tail[g] = changes[position] if position < changes.size else -1
        position = _first_change_at_or_after(changes, last_of[last_piece]) - 1
        arriving_tail[g] = changes[position] if position >= 0 else -1
    end = last_of[kept[kept.size - 1]] if kept.size else -1
    bearing_y, bearing_x = _bearing_terms(route_lon, route_lat, np.concatenate((leaving_tail, arriving_tail)))
    return (
        route_lon,
        route_lat,
        line_lon,
        line_lat,
        edges,
        lengths,
        durations,
        kept,
        group_start,
        name_ids,
        notices,
        first,
        end,
        leaving_tail,
        arriving_tail,
        bearing_y,
        bearing_x,
    )
