"""transfer_pairs (array work at worker start) against the plain per-pair merge it replaced."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from routing.region.region import Region
from routing.transit.footpaths import Footpaths
from routing.transit.timetable import Timetable
from routing.transit.transfer_pairs import transfer_pairs
from routing.transit.transfers import FORBIDDEN, build_transfers


def reference_transfers(timetable: Timetable, footpaths: Footpaths | None) -> dict[str, np.ndarray]:
    """One dict entry per pair, as the first implementation merged them."""
    stop_count = len(timetable.stop_id)
    children: dict[int, list[int]] = {}
    for stop, parent in enumerate(np.asarray(timetable.stop_parent).tolist()):
        if parent >= 0:
            children.setdefault(parent, []).append(stop)
    pair_rules: dict[tuple[int, int], int] = {}
    for a, b, kind, minimum in zip(
        np.asarray(timetable.transfer_from).tolist(),
        np.asarray(timetable.transfer_to).tolist(),
        np.asarray(timetable.transfer_type).tolist(),
        np.asarray(timetable.transfer_min_seconds).tolist(),
        strict=True,
    ):
        rule = FORBIDDEN if kind == 3 else (minimum if kind == 2 else 0)
        for x in children.get(a, [a]):
            for y in children.get(b, [b]):
                pair_rules[(x, y)] = rule
    change = np.zeros(stop_count, dtype=np.int64)
    for (x, y), rule in pair_rules.items():
        if x == y:
            change[x] = FORBIDDEN if rule == FORBIDDEN else max(change[x], rule)
    edges: dict[tuple[int, int], tuple[float, float]] = {}
    if footpaths is not None:
        offsets = np.asarray(footpaths.offsets)
        for a in range(stop_count):
            for j in range(int(offsets[a]), int(offsets[a + 1])):
                edges[(a, int(footpaths.to_stop[j]))] = (float(footpaths.seconds[j]), float(footpaths.meters[j]))
    for pair, rule in pair_rules.items():
        if pair[0] != pair[1] and pair not in edges and rule != FORBIDDEN:
            edges[pair] = (0.0, 0.0)
    ordered = sorted(edges)
    counts = np.bincount(np.array([a for a, _ in ordered], dtype=np.int64), minlength=stop_count)
    rules = [pair_rules.get(pair, 0) for pair in ordered]
    return {
        "change_seconds": change,
        "offsets": np.concatenate(([0], np.cumsum(counts))).astype(np.int64),
        "to_stop": np.array([b for _, b in ordered], dtype=np.int32),
        "walk_seconds": np.array([edges[pair][0] for pair in ordered], dtype=np.float64),
        "meters": np.array([edges[pair][1] for pair in ordered], dtype=np.float64),
        "min_seconds": np.array([max(rule, 0) for rule in rules], dtype=np.int64),
        "forbidden": np.array([rule == FORBIDDEN for rule in rules], dtype=np.bool_),
    }


def assert_same(timetable: Timetable, footpaths: Footpaths | None) -> None:
    built = build_transfers(timetable, footpaths)
    for name, expected in reference_transfers(timetable, footpaths).items():
        value = getattr(built, name)
        assert value.dtype == expected.dtype and np.array_equal(value, expected), name


def test_pairs_without_rules_or_footpaths() -> None:
    empty = transfer_pairs(3, {}, None, forbidden=FORBIDDEN)
    assert empty.offsets.tolist() == [0, 0, 0, 0] and empty.to_stop.shape == (0,)
    declared = transfer_pairs(3, {(2, 0): 90, (0, 1): FORBIDDEN, (1, 1): 60}, None, forbidden=FORBIDDEN)
    # Only the allowed change between two stops becomes a pair (walk 0 s, its minimum applies).
    assert declared.offsets.tolist() == [0, 0, 0, 1]
    assert declared.to_stop.tolist() == [0] and declared.min_seconds.tolist() == [90]
    assert declared.walk_seconds.tolist() == [0.0] and not declared.forbidden.any()


@pytest.mark.parametrize("profile", ["walk", "wheelchair", None])
def test_demo_transfers_match_the_per_pair_merge(demo_region: Region, profile: str | None) -> None:
    timetable = demo_region.timetable
    assert 3 in set(np.asarray(timetable.transfer_type).tolist()), "the demo has a forbidden transfer"
    assert_same(timetable, demo_region.footpaths[profile] if profile else None)


def test_a_footpath_listed_twice_keeps_its_last_entry(demo_region: Region) -> None:
    walk = demo_region.footpaths["walk"]
    offsets = np.asarray(walk.offsets)
    stop = int(np.flatnonzero(np.diff(offsets) > 0)[0])
    start = int(offsets[stop])
    # The stop's first footpath again, right after itself, with other numbers.
    to_stop = np.insert(np.asarray(walk.to_stop), start + 1, walk.to_stop[start])
    seconds = np.insert(np.asarray(walk.seconds), start + 1, np.asarray(walk.seconds)[start] + 7)
    meters = np.insert(np.asarray(walk.meters), start + 1, np.asarray(walk.meters)[start] + 9)
    bumped = offsets.copy()
    bumped[stop + 1 :] += 1
    doubled = replace(walk, offsets=bumped, to_stop=to_stop, seconds=seconds, meters=meters)
    assert_same(demo_region.timetable, doubled)
    built = build_transfers(demo_region.timetable, doubled)
    row = slice(int(built.offsets[stop]), int(built.offsets[stop + 1]))
    at = int(np.flatnonzero(built.to_stop[row] == walk.to_stop[start])[0])
    assert built.walk_seconds[row][at] == float(np.asarray(walk.seconds)[start] + 7)
