"""The region's districts: polygons read from a GeoJSON file and a point-in-polygon index.

The file is the ``districts.geojson`` the accessibility run writes
(``<out>/accessibility/districts.geojson``) or any FeatureCollection of Polygon/MultiPolygon
features with a ``district_id`` (or ``id``) and a ``name`` property, in WGS84.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree

from app.open_data.errors import DistrictsFileError

OUTSIDE = "outside"
"""The category of places in no district (trips leaving the city, places removed from deleted accounts)."""

__all__ = ["OUTSIDE", "District", "DistrictIndex", "load_districts"]


@dataclass(frozen=True)
class District:
    """One district: its id, name and polygon (WGS84, lon/lat)."""

    district_id: str
    name: str
    geometry: BaseGeometry = field(repr=False, compare=False)
    synthetic: bool = False


@dataclass(frozen=True)
class DistrictIndex:
    """Districts with a spatial index; :meth:`locate` answers which district holds a point."""

    districts: tuple[District, ...]
    source: str
    """Where the districts came from (the file's path), for the metadata."""
    _tree: STRtree = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_tree", STRtree([d.geometry for d in self.districts]))

    @property
    def ids(self) -> tuple[str, ...]:
        """The district ids in file order."""
        return tuple(d.district_id for d in self.districts)

    @property
    def synthetic(self) -> bool:
        """Whether any district is invented (the demo city's)."""
        return any(d.synthetic for d in self.districts)

    def locate(self, lat: float, lon: float) -> str:
        """The id of the district containing the point, or :data:`OUTSIDE`.

        A point on a shared border goes to the district listed first in the file.
        """
        hits = self._tree.query(Point(lon, lat), predicate="intersects")
        if len(hits) == 0:
            return OUTSIDE
        return self.districts[int(min(hits))].district_id

    def feature_collection(self, properties: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
        """A GeoJSON FeatureCollection of the districts with extra ``properties`` per district id."""
        return {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "id": d.district_id,
                    "geometry": shapely.geometry.mapping(d.geometry),
                    "properties": {
                        "district_id": d.district_id,
                        "name": d.name,
                        "synthetic": d.synthetic,
                        **properties.get(d.district_id, {}),
                    },
                }
                for d in self.districts
            ],
        }


def _property(path: str, index: int, props: Mapping[str, Any], names: Sequence[str]) -> str:
    for name in names:
        value = props.get(name)
        if value is not None and str(value).strip():
            return str(value).strip()
    raise DistrictsFileError(path, "missing or empty", feature=index, field=names[0])


def load_districts(path: Path) -> DistrictIndex:
    """Read a districts GeoJSON file.

    Parameters
    ----------
    path
        A FeatureCollection of Polygon or MultiPolygon features in WGS84 with a
        ``district_id`` (or ``id``) and a ``name`` property each; ``synthetic: true`` marks
        invented districts.

    Returns
    -------
    DistrictIndex
        The districts in file order.

    Raises
    ------
    DistrictsFileError
        Naming the file, feature and field when the file cannot be read or a feature is unusable.
    """
    where = str(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise DistrictsFileError(where, f"cannot be read: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise DistrictsFileError(where, f"not JSON: {exc.msg} at line {exc.lineno}") from exc
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise DistrictsFileError(where, "not a GeoJSON FeatureCollection", field="type")
    features = document.get("features")
    if not isinstance(features, list) or not features:
        raise DistrictsFileError(where, "has no features", field="features")
    districts: list[District] = []
    seen: set[str] = set()
    for index, feature in enumerate(features):
        if not isinstance(feature, dict):
            raise DistrictsFileError(where, "not a GeoJSON Feature", feature=index)
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            raise DistrictsFileError(where, "not an object", feature=index, field="properties")
        if "district_id" not in props and feature.get("id") is not None:
            props = {**props, "district_id": feature["id"]}
        district_id = _property(where, index, props, ("district_id", "id"))
        if district_id == OUTSIDE or district_id in seen:
            problem = "reserved id" if district_id == OUTSIDE else "duplicate id"
            raise DistrictsFileError(where, f"{problem} {district_id!r}", feature=index, field="district_id")
        seen.add(district_id)
        name = _property(where, index, props, ("name",))
        try:
            geometry = shape(feature.get("geometry"))
        except (AttributeError, TypeError, ValueError, shapely.errors.GEOSException) as exc:
            raise DistrictsFileError(where, f"not a geometry: {exc}", feature=index, field="geometry") from exc
        if geometry.geom_type not in ("Polygon", "MultiPolygon") or geometry.is_empty:
            problem = f"expected a Polygon or MultiPolygon, got {geometry.geom_type}"
            raise DistrictsFileError(where, problem, feature=index, field="geometry")
        minx, miny, maxx, maxy = geometry.bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise DistrictsFileError(where, "coordinates are not WGS84 lon/lat", feature=index, field="geometry")
        if not geometry.is_valid:
            geometry = shapely.make_valid(geometry)
        districts.append(
            District(district_id=district_id, name=name, geometry=geometry, synthetic=props.get("synthetic") is True)
        )
    return DistrictIndex(districts=tuple(districts), source=where)
