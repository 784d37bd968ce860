"""The places of an accessibility run: districts, origins (homes) and destinations.

Districts come from a GeoJSON file (``id``, ``name``, optional ``population``) or from the
OSM extract's ``boundary=administrative`` areas at one ``admin_level``; destinations from
OSM tags by category (:class:`~routing.accessibility.config.Category`) plus an optional
GeoJSON file of points; origins are residential buildings of the OSM extract (their
centroid, weighted by floor area). Everything is read with pyosmium and shapely.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import osmium
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from routing.accessibility.config import Category
from routing.errors import InputDataError

__all__ = [
    "RESIDENTIAL_BUILDINGS",
    "Destination",
    "District",
    "Origin",
    "OsmPlaces",
    "assign_districts",
    "destinations_from_geojson",
    "districts_from_geojson",
    "places_from_osm",
]

RESIDENTIAL_BUILDINGS: Mapping[str, float] = {
    "residential": 2.0,
    "house": 1.5,
    "detached": 1.5,
    "semidetached_house": 1.5,
    "bungalow": 1.0,
    "terrace": 2.0,
    "apartments": 4.0,
    "dormitory": 3.0,
    "farm": 1.5,
}
"""``building=*`` values that are homes, with the storeys assumed when ``building:levels`` is absent."""

UNSPECIFIED_BUILDING = "yes"
UNSPECIFIED_LEVELS = 2.0
"""``building=yes`` counts as a home inside ``landuse=residential`` (with 2 storeys unless tagged)."""

EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class District:
    """A district: its id, name, polygon (WGS84, lon/lat) and optional population."""

    district_id: str
    name: str
    geometry: BaseGeometry
    population: float | None
    source: str
    """``file``, ``osm:admin_level=N``, ``osm:boundary=KIND`` or ``synthetic``."""


@dataclass(frozen=True)
class Origin:
    """Where people live: a point and its weight (floor area in m², or residents once scaled)."""

    origin_id: str
    lat: float
    lon: float
    weight: float


@dataclass(frozen=True)
class Destination:
    """A place people need to reach, of one category."""

    destination_id: str
    category: str
    name: str
    lat: float
    lon: float


@dataclass(frozen=True)
class OsmPlaces:
    """What one pass over an OSM file found."""

    districts: list[District]
    destinations: list[Destination]
    origins: list[Origin]


def _read_geojson(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputDataError(str(path), f"cannot read GeoJSON: {exc}") from exc
    if (
        not isinstance(data, dict)
        or data.get("type") != "FeatureCollection"
        or not isinstance(data.get("features"), list)
    ):
        raise InputDataError(str(path), "expected a GeoJSON FeatureCollection with a 'features' list")
    features: list[dict[str, Any]] = data["features"]
    return features


def _text(value: object) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | str):
        text = str(value).strip()
        return text or None
    return None


def districts_from_geojson(path: Path) -> list[District]:
    """Districts of a GeoJSON file: Polygon or MultiPolygon features with ``id`` and ``name`` properties.

    ``population`` (a non-negative number) is optional.

    Raises
    ------
    InputDataError
        Naming the file, the feature (by its position) and the field at fault.
    """
    districts: list[District] = []
    seen: set[str] = set()
    for index, feature in enumerate(_read_geojson(path)):
        where = f"{path}: feature {index}"
        properties = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(properties, dict):
            raise InputDataError(where, "has no 'properties' object")
        district_id = _text(properties.get("id"))
        if district_id is None:
            raise InputDataError(where, "property 'id' is missing or empty")
        if district_id in seen:
            raise InputDataError(where, f"property 'id' repeats {district_id!r}")
        seen.add(district_id)
        name = _text(properties.get("name"))
        if name is None:
            raise InputDataError(where, "property 'name' is missing or empty")
        population = properties.get("population")
        if population is not None and (
            isinstance(population, bool) or not isinstance(population, int | float) or not population >= 0
        ):
            raise InputDataError(where, f"property 'population' must be a number >= 0, not {population!r}")
        try:
            geometry = shapely.geometry.shape(feature.get("geometry"))
        except (AttributeError, KeyError, IndexError, TypeError, ValueError, shapely.errors.GEOSException) as exc:
            raise InputDataError(where, f"field 'geometry' is not a GeoJSON geometry ({exc})") from exc
        if geometry.geom_type not in ("Polygon", "MultiPolygon") or geometry.is_empty:
            raise InputDataError(where, f"field 'geometry' must be a Polygon or MultiPolygon, not {geometry.geom_type}")
        if not geometry.is_valid:
            geometry = shapely.make_valid(geometry)
        districts.append(
            District(district_id, name, geometry, None if population is None else float(population), "file")
        )
    if not districts:
        raise InputDataError(str(path), "has no district features")
    return districts


def destinations_from_geojson(path: Path, categories: Sequence[Category]) -> list[Destination]:
    """Destinations of a GeoJSON file: Point features with a ``category`` property (a configured key).

    ``name`` and ``id`` are optional.

    Raises
    ------
    InputDataError
        Naming the file, the feature and the field at fault (an unknown category included).
    """
    keys = {c.key for c in categories}
    destinations: list[Destination] = []
    for index, feature in enumerate(_read_geojson(path)):
        where = f"{path}: feature {index}"
        properties = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(properties, dict):
            raise InputDataError(where, "has no 'properties' object")
        category = _text(properties.get("category"))
        if category not in keys:
            known = ", ".join(sorted(keys))
            raise InputDataError(where, f"property 'category' must be one of {known}, not {category!r}")
        geometry = feature.get("geometry")
        coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
        if (
            not isinstance(geometry, dict)
            or geometry.get("type") != "Point"
            or not isinstance(coordinates, list)
            or len(coordinates) < 2
            or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in coordinates[:2])
        ):
            raise InputDataError(where, "field 'geometry' must be a Point with [lon, lat] coordinates")
        lon, lat = float(coordinates[0]), float(coordinates[1])
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise InputDataError(where, f"field 'geometry' has coordinates out of range: {lon}, {lat}")
        destinations.append(
            Destination(
                _text(properties.get("id")) or f"file:{index}",
                category,
                _text(properties.get("name")) or "",
                lat,
                lon,
            )
        )
    return destinations


def _area_m2(geometry: BaseGeometry) -> float:
    """Area of a small lon/lat polygon in m² (equirectangular around its centroid)."""
    centre = geometry.centroid
    scale_x = math.radians(1) * EARTH_RADIUS_M * math.cos(math.radians(centre.y))
    scale_y = math.radians(1) * EARTH_RADIUS_M
    projected = shapely.transform(geometry, lambda xy: xy * np.array([scale_x, scale_y]))
    return float(projected.area)


def _levels(tags: osmium.osm.TagList, building: str) -> float:
    default = RESIDENTIAL_BUILDINGS.get(building, UNSPECIFIED_LEVELS)
    raw = tags.get("building:levels")
    if raw is not None:
        try:
            value = float(raw.replace(",", "."))
        except ValueError:
            value = 0.0
        if 0 < value < 200:
            return value
    return default


def places_from_osm(
    path: Path,
    categories: Sequence[Category],
    *,
    admin_level: int,
    all_buildings: bool = False,
    boundary: str = "administrative",
) -> OsmPlaces:
    """Districts (``boundary=administrative`` areas at ``admin_level``), destinations and homes of an OSM file.

    Another ``boundary`` (``postal_code``, say) takes every area with that tag as a
    district, named by its ``name`` or ``postal_code``; ``admin_level`` only applies to
    administrative boundaries.

    Areas come from closed ways and multipolygon/boundary relations (pyosmium's area
    assembler); relations whose member ways are missing from the extract do not assemble
    and are left out. A destination mapped as an area stands at a point inside it. Homes
    are buildings tagged as one (:data:`RESIDENTIAL_BUILDINGS`), and ``building=yes``
    inside a ``landuse=residential`` area; each weighs its floor area (footprint times
    ``building:levels`` or the storeys assumed for its type). With ``all_buildings``
    every ``building=yes`` is a home (for extracts that map neither building types nor
    residential land, such as Monaco's).

    Raises
    ------
    InputDataError
        When the file cannot be read as OSM data.
    """
    reader = _PlaceReader(categories, boundary=boundary, admin_level=admin_level)
    try:
        for obj in osmium.FileProcessor(str(path)).with_locations().with_areas():
            reader.add(obj)
    except RuntimeError as exc:
        raise InputDataError(str(path), f"cannot read OSM data: {exc}") from exc
    return reader.places(all_buildings=all_buildings)


@dataclass(frozen=True)
class _AreaRoles:
    """What an OSM area is to an accessibility run (any of them, or nothing)."""

    matched: list[Category]
    """The destination categories it belongs to."""
    building: str | None
    is_district: bool
    is_land: bool
    """``landuse=residential``: ``building=yes`` inside it is a home."""
    is_home: bool

    @property
    def wanted(self) -> bool:
        """Whether the area's geometry is needed at all."""
        return bool(self.matched) or self.is_home or self.is_district or self.is_land


class _PlaceReader:
    """Districts, destinations and homes collected from the nodes and areas of one pass over an OSM file."""

    def __init__(self, categories: Sequence[Category], *, boundary: str, admin_level: int) -> None:
        self.categories = categories
        self.boundary = boundary
        self.admin_level = admin_level
        self.factory = osmium.geom.WKBFactory()
        self.districts: list[District] = []
        self.destinations: list[Destination] = []
        self.origins: list[Origin] = []
        self.unspecified: list[Origin] = []
        """``building=yes``: homes only inside residential land (or with ``all_buildings``)."""
        self.residential_land: list[BaseGeometry] = []

    def add(self, obj: object) -> None:
        """Take a node (a destination) or an assembled area (district, destination, home, residential land)."""
        if isinstance(obj, osmium.osm.Node):
            self._add_node(obj)
        elif isinstance(obj, osmium.osm.Area):
            self._add_area(obj)

    def _add_node(self, node: osmium.osm.Node) -> None:
        if not node.location.valid():
            return
        tags = node.tags
        for category in self.categories:
            if category.matches(tags):
                self.destinations.append(
                    Destination(
                        f"node/{node.id}", category.key, (tags.get("name") or ""), node.location.lat, node.location.lon
                    )
                )

    def _roles(self, tags: osmium.osm.TagList) -> _AreaRoles:
        building = tags.get("building")
        return _AreaRoles(
            matched=[c for c in self.categories if c.matches(tags)],
            building=building,
            is_district=tags.get("boundary") == self.boundary
            and (self.boundary != "administrative" or tags.get("admin_level") == str(self.admin_level)),
            is_land=tags.get("landuse") == "residential",
            is_home=building in RESIDENTIAL_BUILDINGS or building == UNSPECIFIED_BUILDING,
        )

    def _geometry(self, area: osmium.osm.Area) -> BaseGeometry | None:
        """The area as a valid shapely geometry (None: osmium could not build it, or it is empty)."""
        try:
            geometry = shapely.from_wkb(self.factory.create_multipolygon(area))
        except RuntimeError:
            return None  # an area osmium could not build (broken rings)
        if geometry.is_empty:
            return None
        return geometry if geometry.is_valid else shapely.make_valid(geometry)

    def _add_area(self, area: osmium.osm.Area) -> None:
        tags = area.tags
        osm_id = f"{'way' if area.from_way() else 'relation'}/{area.orig_id()}"
        roles = self._roles(tags)
        if not roles.wanted:
            return
        geometry = self._geometry(area)
        if geometry is None:
            return
        if roles.is_district:
            self.districts.append(self._district(tags, osm_id, geometry))
        if roles.is_land:
            self.residential_land.append(geometry)
        if not (roles.matched or roles.is_home):
            return
        centre = geometry.representative_point()
        for category in roles.matched:
            self.destinations.append(Destination(osm_id, category.key, (tags.get("name") or ""), centre.y, centre.x))
        if roles.is_home and roles.building is not None:
            weight = _area_m2(geometry) * _levels(tags, roles.building)
            if weight > 0:
                home = Origin(osm_id, centre.y, centre.x, weight)
                (self.origins if roles.building in RESIDENTIAL_BUILDINGS else self.unspecified).append(home)

    def _district(self, tags: osmium.osm.TagList, osm_id: str, geometry: BaseGeometry) -> District:
        population = tags.get("population")
        try:
            people = float(population) if population is not None else None
        except ValueError:
            people = None
        label = tags.get("name") or tags.get("postal_code") or osm_id
        boundary = self.boundary
        source = f"osm:admin_level={self.admin_level}" if boundary == "administrative" else f"osm:boundary={boundary}"
        return District(osm_id, label, geometry, people, source)

    def places(self, *, all_buildings: bool) -> OsmPlaces:
        """What was read; unspecified buildings are homes with ``all_buildings``, else inside residential land."""
        origins = list(self.origins)
        unspecified = self.unspecified
        if all_buildings:
            origins.extend(unspecified)
        elif unspecified and self.residential_land:
            tree = shapely.STRtree(self.residential_land)
            points = shapely.points(np.array([(o.lon, o.lat) for o in unspecified], dtype=np.float64))
            inside = np.unique(tree.query(points, predicate="intersects")[0])
            origins.extend(unspecified[i] for i in inside.tolist())
        return OsmPlaces(districts=self.districts, destinations=self.destinations, origins=origins)


def assign_districts(origins: Sequence[Origin], districts: Sequence[District]) -> NDArray[np.int64]:
    """Per origin, the index of the district containing it (-1: none; the first one where districts overlap)."""
    result = np.full(len(origins), -1, dtype=np.int64)
    if not origins or not districts:
        return result
    tree = shapely.STRtree([d.geometry for d in districts])
    points = shapely.points(np.array([(o.lon, o.lat) for o in origins], dtype=np.float64))
    origin_index, district_index = tree.query(points, predicate="intersects")
    order = np.lexsort((district_index, origin_index))
    origin_index, district_index = origin_index[order], district_index[order]
    first = np.ones(origin_index.size, dtype=bool)
    first[1:] = origin_index[1:] != origin_index[:-1]
    result[origin_index[first]] = district_index[first]
    return result
