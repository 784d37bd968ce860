"""The plan of the synthetic demo city: a street grid, transit lines and stations.

Everything here is SYNTHETIC DEMO DATA, placed over Kassel's centre so that maps open in
the right place; none of it is a real street, line or stop. The plan is deterministic:
the same ``scale`` and ``seed`` give the same city. ``scale`` multiplies the number of
intersections (and so nodes, stops and trips) roughly by itself: 10 and 100 give the
larger cities the benchmarks use.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

CENTER_LAT = 51.3155
CENTER_LON = 9.4915
SPACING_M = 250.0
BASE_GRID = 12
EARTH_RADIUS_M = 6_371_008.8
SYNTHETIC_LABEL = "SYNTHETIC DEMO DATA - not a real place, line or timetable"

STREET_NAMES = (
    "Lindenstraße",
    "Ahornweg",
    "Gartenstraße",
    "Schulstraße",
    "Mühlenweg",
    "Kirchgasse",
    "Bergstraße",
    "Rosenstraße",
    "Brüder-Grimm-Straße",
    "Fuldaufer",
    "Wiesenweg",
    "Am Weinberg",
    "Goethestraße",
    "Schillerstraße",
    "Friedrichsplatz",
    "Ständeweg",
    "Weserstraße",
    "Kölnische Straße",
)
AVENUE_NAMES = (
    "Königsallee",
    "Wilhelmshöher Allee",
    "Holländische Allee",
    "Leipziger Allee",
    "Frankfurter Allee",
    "Kurfürstenallee",
    "Auealle",
    "Tannenallee",
)
NAME_PREFIXES = ("", "Obere ", "Untere ", "Neue ", "Alte ", "Hintere ", "Vordere ", "Große ", "Kleine ")


@dataclass(frozen=True)
class Point:
    """A position in the city (WGS84)."""

    lat: float
    lon: float


@dataclass(frozen=True)
class Street:
    """A straight street along one grid row or column."""

    name: str
    highway: str
    axis: str  # "row" (west-east) or "col" (south-north)
    index: int
    extra_tags: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Line:
    """A transit line running along a street, stopping at every second intersection."""

    short_name: str
    route_type: int  # 0 tram, 3 bus
    axis: str
    index: int
    headway_min: int
    first_departure_min: int
    last_departure_min: int
    wheelchair: int  # 1 accessible, 2 not
    agency: str


@dataclass
class CityPlan:
    """The whole synthetic city."""

    size: int
    seed: int
    streets: list[Street] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    bike_stations: list[tuple[int, int]] = field(default_factory=list)
    car_stations: list[tuple[int, int]] = field(default_factory=list)

    def position(self, row: float, col: float) -> Point:
        """Return the coordinates of grid position (row = south-north, col = west-east)."""
        half = (self.size - 1) / 2
        north_m = (row - half) * SPACING_M
        east_m = (col - half) * SPACING_M
        lat = CENTER_LAT + math.degrees(north_m / EARTH_RADIUS_M)
        lon = CENTER_LON + math.degrees(east_m / (EARTH_RADIUS_M * math.cos(math.radians(CENTER_LAT))))
        return Point(round(lat, 7), round(lon, 7))

    @property
    def middle(self) -> int:
        """Index of the central row and column."""
        return self.size // 2


def _street_name(names: tuple[str, ...], number: int) -> str:
    base = names[number % len(names)]
    prefix = NAME_PREFIXES[(number // len(names)) % len(NAME_PREFIXES)]
    cycle = number // (len(names) * len(NAME_PREFIXES))
    return f"{prefix}{base}" + (f" {cycle + 1}" if cycle else "")


def first_bus_number(tram_count: int) -> int:
    """The first bus line number: 10, or the next power of ten above the tram numbers (1..``tram_count``).

    Trams are numbered from 1 and buses from here, so the two never share a line number
    (and with it a route id and trip ids): from scale 4 on there are ten trams or more.
    """
    return int(10 ** max(1, len(str(tram_count))))


def plan_city(scale: float = 1.0, seed: int = 2026) -> CityPlan:
    """Lay out the synthetic city for ``scale`` (1 = demo, 10 and 100 for benchmarks)."""
    if not 0.1 <= scale <= 400:
        msg = f"scale {scale} out of range 0.1..400"
        raise ValueError(msg)
    size = max(8, round(BASE_GRID * math.sqrt(scale)))
    plan = CityPlan(size=size, seed=seed)
    rng = random.Random(seed)
    avenue_count = street_count = 0
    for axis in ("row", "col"):
        for index in range(size):
            if index % 4 == 2:
                plan.streets.append(Street(_street_name(AVENUE_NAMES, avenue_count), "primary", axis, index))
                avenue_count += 1
                continue
            name = _street_name(STREET_NAMES, street_count)
            street_count += 1
            if index in (0, size - 1):
                plan.streets.append(Street(name, "tertiary", axis, index))
            elif axis == "row" and index % 8 == 1:
                tags = (("oneway", "yes"),) + ((("oneway:bicycle", "no"),) if index % 16 == 1 else ())
                plan.streets.append(Street(name, "residential", axis, index, tags))
            elif axis == "row" and index % 8 == 5:
                plan.streets.append(Street(name, "residential", axis, index, (("oneway", "-1"),)))
            else:
                plan.streets.append(Street(name, "residential", axis, index))
    tram_number = 1
    bus_number = first_bus_number(sum(street.highway == "primary" for street in plan.streets))
    for street in plan.streets:
        if street.highway == "primary":
            plan.lines.append(Line(str(tram_number), 0, street.axis, street.index, 10, 5 * 60, 24 * 60 + 10, 1, "kvg"))
            tram_number += 1
        elif street.index % 4 == 0 and street.highway != "tertiary":
            wheelchair = 1 if bus_number % 2 == 0 else 2
            plan.lines.append(
                Line(str(bus_number), 3, street.axis, street.index, 20, 5 * 60 + 30, 23 * 60, wheelchair, "kvg")
            )
            bus_number += 1
    for row in range(1, size - 1, 3):
        for col in range(1, size - 1, 3):
            plan.bike_stations.append((row, col))
    for row, col in rng.sample(
        [(r, c) for r in range(1, size - 1, 2) for c in range(1, size - 1, 2)],
        k=min(6 * max(1, round(scale)), ((size - 1) // 2) ** 2),
    ):
        plan.car_stations.append((row, col))
    plan.car_stations.sort()
    return plan
