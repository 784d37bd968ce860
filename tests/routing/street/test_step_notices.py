"""Step notices: "use the steps" on highway=steps, "push your bike" where riding is not allowed.

Which ways are steps and which a bike may not be ridden on is read from the demo city's
OSM file (highway=steps; footway/pedestrian without bicycle=yes/designated) and the
routes' steps are checked against it, on many random routes.
"""

from __future__ import annotations

import random
from pathlib import Path

import osmium
import pytest

from routing.region.region import Region
from routing.street.router import StreetRouter, cycling_speeds, walking_speeds


def _way_names(region: Region) -> tuple[set[str], set[str], set[str]]:
    (osm,) = [item for item in region.manifest.inputs if item.kind == "osm"]
    steps, no_riding, riding = set(), set(), set()
    for way in osmium.FileProcessor(str(Path(osm.path)), osmium.osm.WAY):
        name, highway = way.tags.get("name"), way.tags.get("highway")
        if not name or not highway:
            continue
        if highway == "steps":
            steps.add(name)
        elif highway in ("footway", "pedestrian") and way.tags.get("bicycle") not in ("yes", "designated"):
            no_riding.add(name)
        else:
            riding.add(name)
    return steps, no_riding - riding, riding - no_riding - steps


@pytest.fixture(scope="module")
def ways(demo_region: Region) -> tuple[set[str], set[str], set[str]]:
    return _way_names(demo_region)


def _random_routes(region: Region, profile: str, count: int, seed: int):  # type: ignore[no-untyped-def]
    router = StreetRouter(region.street, profile)
    speeds = cycling_speeds(16.0) if profile == "bike" else walking_speeds()
    west, south, east, north = region.manifest.bbox
    rng = random.Random(seed)
    for _ in range(count):
        a = router.snap(rng.uniform(south, north), rng.uniform(west, east))
        b = router.snap(rng.uniform(south, north), rng.uniform(west, east))
        yield router.route(a, b, speeds=speeds)


def test_walks_say_use_the_steps_on_steps_only(demo_region: Region, ways: tuple[set[str], set[str], set[str]]) -> None:
    steps, _, _ = ways
    assert steps == {"Treppenweg"}
    for route in _random_routes(demo_region, "walk", 150, 1):
        for step in route.steps:
            if step.action == "arrive":
                continue
            assert (step.notice == "steps") == (step.name in steps), step
            assert step.notice != "push"
    # Along the park's stairs (positions read from the OSM): a quarter of the way up to three quarters.
    (osm,) = [item for item in demo_region.manifest.inputs if item.kind == "osm"]
    ends = {}
    for way in osmium.FileProcessor(osm.path, osmium.osm.NODE | osmium.osm.WAY).with_locations():
        if isinstance(way, osmium.osm.Way) and way.tags.get("name") in ("Parkweg", "Treppenweg"):
            ends[way.tags["name"]] = [(n.lat, n.lon) for n in way.nodes]
    router = StreetRouter(demo_region.street, "walk")
    (lat0, lon0), (lat1, lon1) = ends["Treppenweg"][0], ends["Treppenweg"][-1]
    a = (lat0 + 0.25 * (lat1 - lat0), lon0 + 0.25 * (lon1 - lon0))
    b = (lat0 + 0.75 * (lat1 - lat0), lon0 + 0.75 * (lon1 - lon0))
    park = router.route(router.snap(*a), router.snap(*b), speeds=walking_speeds())
    stairs = [step for step in park.steps if step.notice == "steps"]
    assert [step.name for step in stairs] == ["Treppenweg"], [(s.name, s.notice) for s in park.steps]
    assert stairs[0].distance_m > 0


def test_bikes_are_pushed_where_riding_is_not_allowed(
    demo_region: Region, ways: tuple[set[str], set[str], set[str]]
) -> None:
    _, no_riding, riding = ways
    pushed = 0
    for route in _random_routes(demo_region, "bike", 150, 2):
        for step in route.steps:
            if step.action == "arrive":
                continue
            if step.name in no_riding:
                assert step.notice == "push", step
                pushed += 1
            elif step.name in riding:
                assert step.notice == "", step
    assert pushed, "some random bike routes cross the pedestrian zone or the park"
