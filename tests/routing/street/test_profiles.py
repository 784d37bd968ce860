"""Tag rules of the walk, wheelchair, bike and car profiles, on tagged ways."""

from __future__ import annotations

import pytest

from routing.street.profiles import BikeProfile, CarProfile, SpeedClass, WalkProfile, WheelchairProfile

WALK, WHEELCHAIR, BIKE, CAR = WalkProfile(), WheelchairProfile(), BikeProfile(), CarProfile()


def usable(profile: object, tags: dict[str, str], *, forward: bool = True) -> bool:
    return profile.rule(tags, forward=forward) is not None  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"highway": "residential"}, True),
        ({"highway": "footway"}, True),
        ({"highway": "steps"}, True),
        ({"highway": "motorway"}, False),
        ({"highway": "cycleway"}, False),
        ({"highway": "cycleway", "foot": "yes"}, True),
        ({"highway": "cycleway", "foot": "designated"}, True),
        ({"highway": "residential", "access": "private"}, False),
        ({"highway": "residential", "access": "no", "foot": "yes"}, True),
        ({"highway": "footway", "foot": "no"}, False),
        ({"highway": "primary", "sidewalk": "separate"}, True),
        ({"highway": "primary", "foot": "use_sidepath"}, True),
        ({"highway": "trunk"}, True),
        ({"highway": "trunk", "motorroad": "yes"}, False),
        ({"highway": "construction"}, False),
        ({"highway": "service", "access": "destination"}, True),
    ],
)
def test_walk_access(tags: dict[str, str], expected: bool) -> None:
    assert usable(WALK, tags) is expected


def test_walkers_ignore_oneway_but_not_oneway_foot() -> None:
    assert usable(WALK, {"highway": "residential", "orig:oneway": "yes"}, forward=False)
    assert not usable(WALK, {"highway": "footway", "oneway:foot": "yes"}, forward=False)


def test_steps_are_slow_and_sidewalk_roads_cost_more() -> None:
    assert WALK.rule({"highway": "steps"}, forward=True).speed_class is SpeedClass.STEPS  # type: ignore[union-attr]
    plain = WALK.rule({"highway": "primary"}, forward=True)
    separate = WALK.rule({"highway": "primary", "sidewalk": "separate"}, forward=True)
    assert plain is not None and separate is not None
    assert separate.cost_factor > plain.cost_factor


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"highway": "footway"}, True),
        ({"highway": "steps"}, False),
        ({"highway": "steps", "ramp:wheelchair": "yes"}, True),
        ({"highway": "footway", "wheelchair": "no"}, False),
        ({"highway": "footway", "incline": "15%"}, False),
        ({"highway": "footway", "incline": "-8%"}, True),
        ({"highway": "path", "surface": "gravel"}, False),
        ({"highway": "path", "surface": "gravel", "wheelchair": "yes"}, True),
        ({"highway": "footway", "smoothness": "very_bad"}, False),
        ({"highway": "residential", "access": "private"}, False),
    ],
)
def test_wheelchair_access(tags: dict[str, str], expected: bool) -> None:
    assert usable(WHEELCHAIR, tags) is expected


def test_wheelchair_penalises_moderate_slopes() -> None:
    flat = WHEELCHAIR.rule({"highway": "footway"}, forward=True)
    slope = WHEELCHAIR.rule({"highway": "footway", "incline": "9%"}, forward=True)
    assert flat is not None and slope is not None
    assert slope.cost_factor > flat.cost_factor


@pytest.mark.parametrize(
    ("tags", "forward", "expected"),
    [
        ({"highway": "residential", "orig:oneway": "yes"}, True, True),
        ({"highway": "residential", "orig:oneway": "yes"}, False, False),
        ({"highway": "residential", "orig:oneway": "-1"}, True, False),
        ({"highway": "residential", "orig:oneway": "-1"}, False, True),
        ({"highway": "residential", "orig:oneway": "yes", "oneway:bicycle": "no"}, False, True),
        ({"highway": "residential", "orig:oneway": "yes", "cycleway": "opposite_lane"}, False, True),
        ({"highway": "residential", "junction": "roundabout"}, False, False),
        ({"highway": "residential", "orig:oneway": "no", "junction": "roundabout"}, False, True),
    ],
)
def test_bike_oneways(tags: dict[str, str], forward: bool, expected: bool) -> None:
    assert usable(BIKE, tags, forward=forward) is expected


@pytest.mark.parametrize(
    ("tags", "speed_class"),
    [
        ({"highway": "cycleway"}, SpeedClass.NORMAL),
        ({"highway": "footway", "bicycle": "yes"}, SpeedClass.NORMAL),
        ({"highway": "footway"}, SpeedClass.PUSH),
        ({"highway": "pedestrian"}, SpeedClass.PUSH),
        ({"highway": "residential", "bicycle": "dismount"}, SpeedClass.PUSH),
    ],
)
def test_bike_rides_or_pushes(tags: dict[str, str], speed_class: SpeedClass) -> None:
    rule = BIKE.rule(tags, forward=True)
    assert rule is not None
    assert rule.speed_class is speed_class


@pytest.mark.parametrize(
    "tags",
    [
        {"highway": "residential", "bicycle": "no"},
        {"highway": "motorway"},
        {"highway": "trunk"},
        {"highway": "steps"},
        {"highway": "primary", "bicycle": "use_sidepath"},
        {"highway": "residential", "access": "no"},
    ],
)
def test_bike_excluded(tags: dict[str, str]) -> None:
    assert not usable(BIKE, tags)


def test_bike_prefers_cycleways_and_quiet_streets_over_busy_primaries() -> None:
    def cost(tags: dict[str, str]) -> float:
        rule = BIKE.rule(tags, forward=True)
        assert rule is not None
        return rule.cost_factor

    cycleway = cost({"highway": "cycleway"})
    bicycle_road = cost({"highway": "residential", "bicycle_road": "yes"})
    residential = cost({"highway": "residential"})
    primary = cost({"highway": "primary"})
    primary_with_lane = cost({"highway": "primary", "cycleway:right": "lane"})
    assert cycleway == bicycle_road < residential < primary_with_lane < primary
    assert primary >= 2 * cycleway


def test_multiple_values_use_the_first() -> None:
    assert usable(WALK, {"highway": "footway;service"})
    assert not usable(BIKE, {"highway": "residential", "bicycle": "no;yes"})


@pytest.mark.parametrize(
    ("tags", "forward", "expected"),
    [
        ({"highway": "residential"}, True, SpeedClass.ROAD_LOCAL),
        ({"highway": "primary"}, True, SpeedClass.ROAD_MAIN),
        ({"highway": "motorway"}, True, SpeedClass.ROAD_FAST),
        ({"highway": "living_street"}, True, SpeedClass.ROAD_CRAWL),
        ({"highway": "service", "service": "parking_aisle"}, True, SpeedClass.ROAD_CRAWL),
        ({"highway": "service", "access": "destination"}, True, SpeedClass.ROAD_CRAWL),
        ({"highway": "residential", "oneway": "yes"}, False, None),
        ({"highway": "residential", "oneway": "-1"}, True, None),
        ({"highway": "primary", "junction": "roundabout"}, False, None),
        ({"highway": "residential", "oneway": "yes", "oneway:bicycle": "no"}, False, None),
        ({"highway": "residential", "motor_vehicle": "no"}, True, None),
        ({"highway": "residential", "access": "no", "motorcar": "yes"}, True, SpeedClass.ROAD_LOCAL),
        ({"highway": "residential", "vehicle": "private"}, True, None),
        ({"highway": "service", "service": "bus"}, True, None),
        ({"highway": "pedestrian"}, True, None),
        ({"highway": "pedestrian", "motor_vehicle": "yes"}, True, SpeedClass.ROAD_CRAWL),
        ({"highway": "footway"}, True, None),
        ({"highway": "cycleway"}, True, None),
        ({"highway": "track"}, True, None),
        ({"highway": "residential", "area": "yes"}, True, None),
    ],
)
def test_car_access_direction_and_road_class(tags: dict[str, str], forward: bool, expected: SpeedClass | None) -> None:
    rule = CAR.rule(tags, forward=forward)
    assert (None if rule is None else rule.speed_class) == expected
