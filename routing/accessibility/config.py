"""What an accessibility run measures: destination categories, modes, time windows and limits.

Everything here is configuration passed in as frozen values (nothing reads the environment).
:data:`DEFAULT_CATEGORIES` follows the BBSR accessibility indicators (GP, pharmacy,
supermarket) plus what Kassel's social planning asks for; a city replaces or extends it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Protocol

__all__ = [
    "DEFAULT_CATEGORIES",
    "DEFAULT_MODES",
    "DEFAULT_WINDOWS",
    "AccessibilityConfig",
    "Category",
    "Mode",
    "TimeWindow",
]


class Tags(Protocol):
    """What a category reads of an object's tags (a dict, or pyosmium's ``TagList``)."""

    def get(self, key: str, default: None = None, /) -> str | None:
        """The value of ``key``, None when absent."""


@dataclass(frozen=True)
class Category:
    """A kind of destination, matched by OSM tags.

    ``tags`` maps an OSM key to the values that make an object one of these (``"*"``: any
    value). An object matches when any of its tags matches.
    """

    key: str
    name_de: str
    name_en: str
    tags: Mapping[str, tuple[str, ...]]

    def matches(self, tags: Tags) -> bool:
        """Whether an object with ``tags`` is a destination of this category."""
        for key, values in self.tags.items():
            value = tags.get(key)
            if value is not None and ("*" in values or value in values):
                return True
        return False


DEFAULT_CATEGORIES: tuple[Category, ...] = (
    Category("doctor", "Hausarztpraxis", "General practitioner", {"amenity": ("doctors",), "healthcare": ("doctor",)}),
    Category("pharmacy", "Apotheke", "Pharmacy", {"amenity": ("pharmacy",), "healthcare": ("pharmacy",)}),
    Category("supermarket", "Supermarkt", "Supermarket", {"shop": ("supermarket",)}),
    Category("hospital", "Krankenhaus oder Klinik", "Hospital or clinic", {"amenity": ("hospital", "clinic")}),
    Category("community_centre", "Stadtteilzentrum", "Community centre", {"amenity": ("community_centre",)}),
    Category("townhall", "Rathaus oder Bürgerbüro", "Town hall or citizens' office", {"amenity": ("townhall",)}),
    Category("school", "Schule", "School", {"amenity": ("school",)}),
    Category(
        "station",
        "Bahnhof",
        "Railway station",
        {"railway": ("station", "halt"), "public_transport": ("station",)},
    ),
    Category("care_point", "Pflegestützpunkt", "Care advice centre", {"social_facility": ("outreach",)}),
)
"""The categories measured unless configured otherwise (``--destinations`` adds points of any of them)."""


@dataclass(frozen=True)
class Mode:
    """A way of travelling: a street profile at a speed, with or without transit.

    ``profile`` is the street graph (``walk``, ``wheelchair``, ``bike``); ``speed_kmh`` the
    speed on it; ``transit`` whether rides are taken (walking or rolling to and from stops
    on the profile, accessible trips and stops only with the wheelchair profile).
    """

    key: str
    profile: str
    speed_kmh: float
    transit: bool
    name_de: str = ""
    name_en: str = ""


DEFAULT_MODES: tuple[Mode, ...] = (
    Mode("transit", "walk", 4.8, True, "Zu Fuß und mit Bus und Bahn", "Walking and public transport"),
    Mode(
        "wheelchair_transit",
        "wheelchair",
        4.0,
        True,
        "Im Rollstuhl mit barrierefreien Bussen und Bahnen",
        "Wheelchair and accessible public transport",
    ),
    Mode("slow_transit", "walk", 3.0, True, "Langsam zu Fuß und mit Bus und Bahn", "Slow walking and public transport"),
    Mode("walk", "walk", 4.8, False, "Zu Fuß", "Walking"),
    Mode("slow_walk", "walk", 3.0, False, "Langsam zu Fuß", "Slow walking"),
    Mode("wheelchair", "wheelchair", 4.0, False, "Im Rollstuhl", "Wheelchair"),
    Mode("bike", "bike", 15.0, False, "Mit dem Fahrrad", "Cycling"),
)
"""Walk 4.8 km/h; slow walking 3.0 km/h (older people, with a walking aid); wheelchair 4.0 km/h; bike 15 km/h."""

STREET_ONLY_WINDOW = "any"
"""The window label of street-only modes: their times do not depend on the time of day."""


@dataclass(frozen=True)
class TimeWindow:
    """Departures every ``step`` from ``start`` up to and including ``end`` (local time) on a kind of day.

    ``weekday`` is 0 (Monday) .. 6 (Sunday): the run uses the first such day in the
    region's timetable that is not a holiday of the feed (or ``AccessibilityConfig.day``'s week).
    """

    key: str
    weekday: int
    start: time
    end: time
    step: timedelta = timedelta(minutes=1)
    name_de: str = ""
    name_en: str = ""

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            msg = f"window {self.key}: weekday must be 0 (Monday) .. 6 (Sunday), not {self.weekday}"
            raise ValueError(msg)
        if self.end < self.start:
            msg = f"window {self.key}: ends before it starts"
            raise ValueError(msg)
        if self.step <= timedelta(0):
            msg = f"window {self.key}: the step must be positive"
            raise ValueError(msg)

    @property
    def minutes(self) -> int:
        """Number of departure times in the window."""
        span = (self.end.hour * 60 + self.end.minute) - (self.start.hour * 60 + self.start.minute)
        return int(timedelta(minutes=span) // self.step) + 1


DEFAULT_WINDOWS: tuple[TimeWindow, ...] = (
    TimeWindow("weekday_07_09", 1, time(7, 0), time(9, 0), name_de="Werktag 7-9 Uhr", name_en="Weekday 7-9 am"),
    TimeWindow("weekday_19_21", 1, time(19, 0), time(21, 0), name_de="Werktag 19-21 Uhr", name_en="Weekday 7-9 pm"),
    TimeWindow(
        "sunday_10_12", 6, time(10, 0), time(12, 0), name_de="Sonntag 10-12 Uhr", name_en="Sunday 10 am-12 noon"
    ),
)
"""A Tuesday's morning and evening, a Sunday's late morning (every minute, both ends included)."""


@dataclass(frozen=True)
class AccessibilityConfig:
    """One accessibility run's settings.

    ``cutoff_min`` bounds every trip (slower is "not reachable"); ``threshold_min`` is the
    time a district's ``share_over_threshold`` counts against; ``max_access_walk_s`` bounds
    each walk to or from transit; ``admin_level`` picks OSM district boundaries; ``day``
    anchors the windows (default: the region's first valid day).
    """

    categories: tuple[Category, ...] = DEFAULT_CATEGORIES
    modes: tuple[Mode, ...] = DEFAULT_MODES
    windows: tuple[TimeWindow, ...] = DEFAULT_WINDOWS
    cutoff_min: float = 90.0
    threshold_min: float = 15.0
    count_limits_min: tuple[int, int, int] = (15, 30, 45)
    max_access_walk_s: float = 900.0
    max_transfers: int = 4
    admin_level: int = 10
    boundary: str = "administrative"
    """The OSM ``boundary=*`` whose areas are districts (``postal_code`` also works; levels apply to administrative)."""
    all_buildings: bool = False
    """Count every ``building=yes`` as a home, not only those inside ``landuse=residential``."""
    day: date | None = None
    max_origins: int | None = None
    """Keep about this many homes, evenly spaced within each district (for benchmarks and quick looks)."""

    def category(self, key: str) -> Category | None:
        """The configured category ``key`` (None when unknown)."""
        return next((c for c in self.categories if c.key == key), None)
