"""Tariff areas and municipalities: polygons from a GeoJSON file, compiled to stop membership.

Input: a GeoJSON FeatureCollection whose features carry ``properties.id``,
``properties.name`` and ``properties.kind`` (``tariff_area`` or ``municipality``) and a
Polygon or MultiPolygon geometry. Output (below ``zones/``): the zone list as JSON and a
bool matrix ``stop_in_zone[stop, zone]`` so fares can ask "is this stop in KasselPlus"
without geometry at query time.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray

from routing.errors import InputDataError, RegionError

ZONES_DIR = "zones"
ZONE_KINDS = frozenset({"tariff_area", "municipality"})


@dataclass(frozen=True)
class Zone:
    """One tariff area or municipality."""

    id: str
    name: str
    kind: str


@dataclass(frozen=True)
class ZoneIndex:
    """Zones and, per stop, the zones it lies in."""

    zones: list[Zone]
    stop_in_zone: NDArray[np.bool_]

    def zones_of_stop(self, stop: int) -> list[Zone]:
        """Return every zone containing ``stop``."""
        return [self.zones[z] for z in np.flatnonzero(self.stop_in_zone[stop])]


def read_zones(path: Path) -> tuple[list[Zone], list[shapely.Geometry]]:
    """Read and validate a zones GeoJSON file."""
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputDataError(str(path), f"cannot read zones GeoJSON: {exc}") from exc
    if data.get("type") != "FeatureCollection":
        raise InputDataError(str(path), "zones file must be a GeoJSON FeatureCollection")
    zones, shapes = [], []
    for number, feature in enumerate(data.get("features", [])):
        props = feature.get("properties") or {}
        missing = [key for key in ("id", "name", "kind") if not props.get(key)]
        if missing:
            raise InputDataError(str(path), f"feature {number}: properties {', '.join(missing)} missing")
        if props["kind"] not in ZONE_KINDS:
            raise InputDataError(str(path), f"feature {number}: kind {props['kind']!r} not in {sorted(ZONE_KINDS)}")
        try:
            shape = shapely.geometry.shape(feature["geometry"])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InputDataError(str(path), f"feature {number} ({props['id']}): invalid geometry: {exc}") from exc
        if shape.geom_type not in ("Polygon", "MultiPolygon") or not shape.is_valid:
            raise InputDataError(
                str(path), f"feature {number} ({props['id']}): geometry must be a valid (Multi)Polygon"
            )
        zones.append(Zone(id=str(props["id"]), name=str(props["name"]), kind=str(props["kind"])))
        shapes.append(shape)
    if len({zone.id for zone in zones}) != len(zones):
        raise InputDataError(str(path), "zone ids repeat")
    return zones, shapes


def compile_zones(path: Path, stop_lat: NDArray[np.float64], stop_lon: NDArray[np.float64]) -> ZoneIndex:
    """Compute which stops lie in which zone."""
    zones, shapes = read_zones(path)
    points = shapely.points(stop_lon, stop_lat)
    matrix = np.zeros((stop_lat.shape[0], len(zones)), dtype=np.bool_)
    for column, shape in enumerate(shapes):
        shapely.prepare(shape)
        matrix[:, column] = shapely.covers(shape, points)
    return ZoneIndex(zones=zones, stop_in_zone=matrix)


def save_zones(index: ZoneIndex, region_dir: Path) -> None:
    """Write the zone index below ``region_dir/zones``."""
    base = region_dir / ZONES_DIR
    base.mkdir(parents=True, exist_ok=True)
    (base / "zones.json").write_text(json.dumps([asdict(z) for z in index.zones], ensure_ascii=False), "utf-8")
    np.save(base / "stop_in_zone.npy", index.stop_in_zone)


def load_zones(region_dir: Path) -> ZoneIndex | None:
    """Load the zone index of a region, or None when it was built without zones."""
    base = region_dir / ZONES_DIR
    if not base.is_dir():
        return None
    try:
        zones = [Zone(**item) for item in json.loads((base / "zones.json").read_text("utf-8"))]
    except (OSError, TypeError, json.JSONDecodeError) as exc:
        msg = f"{region_dir}: zones are unreadable ({exc})"
        raise RegionError(msg) from exc
    return ZoneIndex(zones=zones, stop_in_zone=np.load(base / "stop_in_zone.npy", mmap_mode="r"))
