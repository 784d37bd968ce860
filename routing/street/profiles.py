"""Travel profiles: which OSM ways a walker, a wheelchair user or a cyclist may use, and how.

Each profile turns the tags of one way, in one direction of travel, into an
:class:`EdgeRule` (or ``None`` when that direction is closed to the profile). The rules
are data-in/data-out so they are tested directly on tag dictionaries. What they get right
that osmnx's built-in filters do not (see ``docs/street-profiles.md``): cycleways with
``foot=yes`` are walkable, primaries with a separately mapped sidewalk stay walkable (at a
small penalty), ``highway=trunk`` is walkable only when not a motorroad, ``access=no``
closes a way unless the mode is explicitly allowed, footways with ``bicycle=yes`` are
rideable and ``oneway:bicycle=no`` opens a one-way street to contraflow cycling.

Speeds are not fixed here: an edge carries a *speed class* (ride or walk at the profile's
speed, push a bike, climb steps) and the query supplies the speeds, so ``slow`` walking
(3.5 km/h) and e-bikes (20 km/h) use the same compiled graph.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass

Tags = Mapping[str, str]

ORIGINAL_ONEWAY_TAG = "orig:oneway"
"""Import keeps the way's ``oneway`` value under this key (osmnx overwrites ``oneway``)."""


class SpeedClass(enum.IntEnum):
    """How an edge is travelled; a query maps each class to a speed."""

    NORMAL = 0
    """At the profile's own speed (walking, rolling, riding)."""
    PUSH = 1
    """A cyclist walks beside the bike (``bicycle=dismount``, footways without permission)."""
    STEPS = 2
    """Climbing or descending steps on foot."""
    ROAD_FAST = 3
    """Driving on motorways and trunk roads."""
    ROAD_MAIN = 4
    """Driving on primary and secondary roads."""
    ROAD_LOCAL = 5
    """Driving on tertiary, unclassified and residential streets."""
    ROAD_CRAWL = 6
    """Driving at walking pace or a little more: living streets, service roads, parking aisles."""


@dataclass(frozen=True)
class EdgeRule:
    """How one profile may travel one direction of a way.

    Attributes
    ----------
    speed_class
        Which of the query's speeds applies.
    cost_factor
        Preference multiplier (>= 1) on travel time; the route minimises time x factor.
    """

    speed_class: SpeedClass = SpeedClass.NORMAL
    cost_factor: float = 1.0


YES = frozenset({"yes", "designated", "permissive", "official"})
NO = frozenset({"no", "private", "agricultural", "forestry", "delivery", "military", "discouraged"})
_ONEWAY_FORWARD = frozenset({"yes", "true", "1"})
_ONEWAY_BACKWARD = frozenset({"-1", "reverse"})
_INCLINE = re.compile(r"^\s*(-?\d+(?:[.,]\d+)?)\s*%\s*$")

WALK_HIGHWAYS: dict[str, float] = {
    **dict.fromkeys(
        (
            "pedestrian",
            "footway",
            "living_street",
            "path",
            "steps",
            "corridor",
            "platform",
            "residential",
            "service",
            "track",
            "unclassified",
            "road",
        ),
        1.0,
    ),
    **dict.fromkeys(("tertiary", "tertiary_link", "secondary", "secondary_link"), 1.05),
    **dict.fromkeys(("primary", "primary_link"), 1.1),
    **dict.fromkeys(("trunk", "trunk_link"), 1.3),
}
"""Walkable highway values; walkers want the short way, busy roads cost a little more."""

WALK_IF_ALLOWED = frozenset({"cycleway", "bridleway", "motorway", "motorway_link"})
"""Walkable only with an explicit ``foot=yes|designated|permissive``."""

BIKE_HIGHWAYS: dict[str, float] = {
    "cycleway": 1.0,
    "residential": 1.15,
    "living_street": 1.2,
    "service": 1.25,
    "track": 1.25,
    "unclassified": 1.25,
    "road": 1.3,
    "path": 1.2,
    "tertiary": 1.4,
    "tertiary_link": 1.4,
    "secondary": 1.8,
    "secondary_link": 1.8,
    "primary": 2.4,
    "primary_link": 2.4,
}
"""Rideable highway values; busier roads cost more unless they have cycle infrastructure."""

BIKE_PUSH_HIGHWAYS = frozenset({"footway", "pedestrian", "platform", "corridor"})
"""Ridden only with ``bicycle=yes``; otherwise the bike is pushed."""

BIKE_IF_ALLOWED = frozenset({"trunk", "trunk_link", "bridleway"})
"""Rideable only with an explicit ``bicycle=yes|designated|permissive``."""

CAR_HIGHWAYS: dict[str, SpeedClass] = {
    **dict.fromkeys(("motorway", "motorway_link", "trunk", "trunk_link"), SpeedClass.ROAD_FAST),
    **dict.fromkeys(("primary", "primary_link", "secondary", "secondary_link"), SpeedClass.ROAD_MAIN),
    **dict.fromkeys(("tertiary", "tertiary_link", "unclassified", "residential", "road"), SpeedClass.ROAD_LOCAL),
    **dict.fromkeys(("living_street", "service"), SpeedClass.ROAD_CRAWL),
}
"""Drivable highway values and how fast each is driven (the query supplies the speeds)."""

CAR_IF_ALLOWED = frozenset({"track", "pedestrian"})
"""Drivable only with an explicit ``motor_vehicle``/``motorcar=yes|designated|permissive``."""

CAR_SERVICE_CLOSED = frozenset({"emergency_access", "bus"})
"""``service=*`` values closed to private cars."""

CYCLE_INFRASTRUCTURE = frozenset({"lane", "track", "shared_lane", "share_busway", "separate"})
QUIET_BIKE_FACTOR = 1.0

ROUTABLE_HIGHWAYS = (
    frozenset(WALK_HIGHWAYS) | WALK_IF_ALLOWED | frozenset(BIKE_HIGHWAYS) | BIKE_PUSH_HIGHWAYS | frozenset(CAR_HIGHWAYS)
)
"""Every highway value any profile may use: the import keeps only these ways."""

WAY_TAGS = (
    "highway",
    "name",
    "ref",
    "access",
    "foot",
    "bicycle",
    "wheelchair",
    "motorroad",
    "oneway",
    ORIGINAL_ONEWAY_TAG,
    "oneway:bicycle",
    "oneway:foot",
    "junction",
    "cycleway",
    "cycleway:left",
    "cycleway:right",
    "cycleway:both",
    "bicycle_road",
    "cyclestreet",
    "sidewalk",
    "surface",
    "smoothness",
    "incline",
    "ramp:wheelchair",
    "ramp:bicycle",
    "area",
    "motor_vehicle",
    "motorcar",
    "vehicle",
    "service",
)
"""Way tags the import keeps: what the profiles read, plus ``name`` and ``ref`` for steps."""


def _first(value: object) -> str | None:
    """OSM values may hold several entries separated by ';'; the first one decides.

    Non-string values (osmnx stores its own ``oneway`` flag as a bool) count as absent.
    """
    if not isinstance(value, str):
        return None
    return value.split(";", 1)[0].strip()


def _access_for(tags: Tags, mode: str) -> bool | None:
    """Return True/False when the mode-specific or general access tags decide, else None."""
    specific = _first(tags.get(mode))
    if specific in YES:
        return True
    if specific in NO or (specific == "use_sidepath" and mode == "bicycle"):
        return False
    general = _first(tags.get("access"))
    if general in NO:
        return False
    if general in YES or general == "destination":
        return True
    return None


def _oneway_direction(tags: Tags) -> int:
    """Return +1 (one-way along the node order), -1 (against it) or 0 (both ways)."""
    value = _first(tags.get(ORIGINAL_ONEWAY_TAG, tags.get("oneway")))
    if value in _ONEWAY_FORWARD:
        return 1
    if value in _ONEWAY_BACKWARD:
        return -1
    if value == "no":
        return 0
    if tags.get("junction") in ("roundabout", "circular"):
        return 1
    return 0


def _incline_percent(tags: Tags) -> float | None:
    match = _INCLINE.match(tags.get("incline", ""))
    return abs(float(match.group(1).replace(",", "."))) if match else None


class WalkProfile:
    """Walking: every way a pedestrian may legally use, in both directions."""

    name = "walk"

    def rule(self, tags: Tags, *, forward: bool) -> EdgeRule | None:
        """Return how a pedestrian travels this way in the given direction."""
        highway = _first(tags.get("highway")) or ""
        if tags.get("area") == "yes" and highway not in ("pedestrian", "footway", "platform"):
            return None
        if _first(tags.get("oneway:foot")) == "yes" and not forward:
            return None
        access = _access_for(tags, "foot")
        if access is False:
            return None
        if highway in WALK_HIGHWAYS:
            if highway.startswith("trunk") and tags.get("motorroad") == "yes" and access is not True:
                return None
            factor = WALK_HIGHWAYS[highway]
            if _first(tags.get("foot")) == "use_sidepath" or tags.get("sidewalk") == "separate":
                factor *= 1.2
            speed = SpeedClass.STEPS if highway == "steps" else SpeedClass.NORMAL
            return EdgeRule(speed_class=speed, cost_factor=factor)
        if highway in WALK_IF_ALLOWED and access is True:
            return EdgeRule(cost_factor=1.0 if highway != "motorway" else 2.0)
        return None


class WheelchairProfile:
    """Step-free travel: the walking network without steps, rough surfaces or steep slopes."""

    name = "wheelchair"
    max_incline_percent = 12.0
    rough_surfaces = frozenset(
        {
            "gravel",
            "fine_gravel",
            "unpaved",
            "sand",
            "grass",
            "mud",
            "dirt",
            "ground",
            "earth",
            "pebblestone",
            "rock",
            "stepping_stones",
            "woodchips",
            "grass_paver",
        }
    )
    bad_smoothness = frozenset({"very_bad", "horrible", "very_horrible", "impassable"})

    def __init__(self) -> None:
        self._walk = WalkProfile()

    def rule(self, tags: Tags, *, forward: bool) -> EdgeRule | None:
        """Return how a wheelchair user travels this way in the given direction."""
        wheelchair = _first(tags.get("wheelchair"))
        if wheelchair == "no":
            return None
        highway = _first(tags.get("highway"))
        if highway == "steps" and _first(tags.get("ramp:wheelchair")) != "yes":
            return None
        walk = self._walk.rule(tags, forward=forward)
        if walk is None:
            return None
        factor = walk.cost_factor
        if wheelchair not in ("yes", "designated"):
            if tags.get("surface") in self.rough_surfaces or tags.get("smoothness") in self.bad_smoothness:
                return None
            if highway in ("path", "track") and "surface" not in tags:
                factor *= 1.5
            if wheelchair == "limited":
                factor *= 1.3
        incline = _incline_percent(tags)
        if incline is not None:
            if incline > self.max_incline_percent:
                return None
            if incline > 6:  # DIN 18040 ramp limit
                factor *= 1.0 + (incline - 6) / 3
        elif tags.get("incline") in ("up", "down", "yes"):
            factor *= 1.2
        return EdgeRule(speed_class=SpeedClass.NORMAL, cost_factor=factor)


class BikeProfile:
    """Cycling: legal riding directions, pushing where riding is not allowed, quiet ways preferred."""

    name = "bike"

    def rule(self, tags: Tags, *, forward: bool) -> EdgeRule | None:
        """Return how a cyclist travels this way in the given direction."""
        highway = _first(tags.get("highway")) or ""
        if tags.get("area") == "yes":
            return None
        bicycle = _first(tags.get("bicycle"))
        access = _access_for(tags, "bicycle")
        if bicycle == "dismount":
            return self._push(tags, forward=forward)
        if access is False:
            return None
        if not self._direction_allowed(tags, forward=forward):
            return None
        if highway in BIKE_HIGHWAYS:
            return EdgeRule(cost_factor=self._cost_factor(tags, highway))
        if highway in BIKE_PUSH_HIGHWAYS:
            if access is True:
                return EdgeRule(cost_factor=1.1)
            return self._push(tags, forward=forward)
        if highway in BIKE_IF_ALLOWED and access is True:
            return EdgeRule(cost_factor=1.5)
        if highway == "steps" and _first(tags.get("ramp:bicycle")) == "yes":
            return EdgeRule(speed_class=SpeedClass.PUSH, cost_factor=3.0)
        return None

    def _push(self, tags: Tags, *, forward: bool) -> EdgeRule | None:
        """Pushing the bike follows the pedestrian rules."""
        walk = WalkProfile().rule(tags, forward=forward)
        if walk is None or walk.speed_class is SpeedClass.STEPS:
            return None
        return EdgeRule(speed_class=SpeedClass.PUSH, cost_factor=1.5)

    @staticmethod
    def _direction_allowed(tags: Tags, *, forward: bool) -> bool:
        direction = _oneway_direction(tags)
        if direction == 0 or (direction == 1) == forward:
            return True
        if _first(tags.get("oneway:bicycle")) == "no":
            return True
        contraflow = (tags.get("cycleway"), tags.get("cycleway:left"), tags.get("cycleway:right"))
        return any(value is not None and value.startswith("opposite") for value in contraflow)

    @staticmethod
    def _cost_factor(tags: Tags, highway: str) -> float:
        if tags.get("bicycle_road") == "yes" or tags.get("cyclestreet") == "yes":
            return QUIET_BIKE_FACTOR
        if highway == "path" and _first(tags.get("bicycle")) == "designated":
            return QUIET_BIKE_FACTOR
        factor = BIKE_HIGHWAYS[highway]
        lanes = {tags.get(key) for key in ("cycleway", "cycleway:left", "cycleway:right", "cycleway:both")}
        if lanes & CYCLE_INFRASTRUCTURE:
            factor = 1.0 + (factor - 1.0) / 3
        if tags.get("surface") in WheelchairProfile.rough_surfaces:
            factor *= 1.3
        return factor


class CarProfile:
    """Driving a (shared) car: public roads in their legal direction, by road class.

    ``access=destination`` is allowed (a shared car may end its trip there); ways that
    only buses or emergency vehicles may use are closed. Optional: an extract without
    drivable roads compiles without a car graph, and carsharing is then unavailable.
    """

    name = "car"
    required = False

    def rule(self, tags: Tags, *, forward: bool) -> EdgeRule | None:
        """Return how a car travels this way in the given direction."""
        highway = _first(tags.get("highway")) or ""
        if tags.get("area") == "yes":
            return None
        access = self._access(tags)
        if access is False:
            return None
        if _first(tags.get("service")) in CAR_SERVICE_CLOSED and access is not True:
            return None
        speed = CAR_HIGHWAYS.get(highway)
        if speed is None:
            if highway not in CAR_IF_ALLOWED or access is not True:
                return None
            speed = SpeedClass.ROAD_CRAWL
        direction = _oneway_direction(tags)
        if direction != 0 and (direction == 1) != forward:
            return None
        return EdgeRule(speed_class=speed, cost_factor=1.0)

    @staticmethod
    def _access(tags: Tags) -> bool | None:
        """The most specific of ``motorcar``, ``motor_vehicle``, ``vehicle`` and ``access`` decides."""
        for key in ("motorcar", "motor_vehicle", "vehicle"):
            value = _first(tags.get(key))
            if value in YES or value == "destination":
                return True
            if value in NO:
                return False
        return _access_for(tags, "motorcar")


PROFILES = (WalkProfile(), WheelchairProfile(), BikeProfile(), CarProfile())
"""The profiles every region compiles, in this order (a profile with ``required = False``
is left out when no way of the extract is usable for it)."""
