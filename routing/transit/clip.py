"""Clip a large GTFS feed (DELFI: all of Germany) to a region before gtfs-kit reads it.

``--clip`` takes a polygon (a GeoJSON file of Polygon/MultiPolygon features), a bounding
box (``WEST,SOUTH,EAST,NORTH`` in degrees) or agency ids (``agency:ID[,ID...]``).
:func:`clip_feed` writes a smaller feed folder with the same files:

- ``stop_times.txt`` is streamed twice in chunks of :data:`CHUNK_ROWS` rows (pandas'
  C reader, every value kept as the exact text): the first pass finds, per trip, its
  first and last stop inside the area; the second keeps each trip from that first to
  that last stop, whole in between (a trip that leaves the area and comes back keeps
  the stops outside it, so it can still be ridden through). Stops after the last one in
  the area are cut; a trip with fewer than two stops left is dropped.
- With agency ids, the trips of those agencies' routes are kept whole.
- ``trips``, ``routes``, ``agency``, ``stops`` (with their parent stations),
  ``calendar``, ``calendar_dates``, ``frequencies``, ``transfers``, ``pathways`` and
  ``shapes`` (streamed, too) keep the rows the kept trips use; other files are copied.

Memory holds the small tables (stops, trips, routes) and one chunk, never all stop
times. Stop times without a ``stop_id`` (GTFS-Flex locations) count as inside.
"""

from __future__ import annotations

import csv
import json
import shutil
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import box, shape
from shapely.geometry.base import BaseGeometry

from routing.errors import InputDataError

__all__ = ["CHUNK_ROWS", "ClipReport", "GtfsClip", "clip_feed", "parse_clip"]

CHUNK_ROWS = 500_000
"""Rows of ``stop_times.txt`` (and ``shapes.txt``) held at once."""
AGENCY_PREFIX = "agency:"


@dataclass(frozen=True)
class GtfsClip:
    """What to keep of a feed: stops inside ``area``, or the trips of ``agency_ids``."""

    description: str
    area: BaseGeometry | None = None
    agency_ids: frozenset[str] | None = None
    polygon_file: Path | None = None
    """The GeoJSON file the area was read from (recorded in the region's manifest)."""


@dataclass(frozen=True)
class ClipReport:
    """What :func:`clip_feed` kept of one feed (the build prints it)."""

    feed: str
    clip: str
    stops: tuple[int, int]
    trips: tuple[int, int]
    shortened_trips: int
    stop_times: tuple[int, int]
    routes: tuple[int, int]

    def summary(self) -> str:
        """One line for the build's output."""

        def part(label: str, counts: tuple[int, int]) -> str:
            return f"{counts[0]} of {counts[1]} {label}"

        return (
            f"clipped {self.feed} to {self.clip}: kept {part('trips', self.trips)} "
            f"({self.shortened_trips} shortened), {part('stop times', self.stop_times)}, "
            f"{part('stops', self.stops)}, {part('routes', self.routes)}"
        )


def _area_from_geojson(path: Path) -> BaseGeometry:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputDataError(str(path), f"cannot read the clip polygon: {exc}") from exc
    if not isinstance(data, dict):
        raise InputDataError(str(path), "a clip polygon must be a GeoJSON object")
    items = data.get("features") if data.get("type") == "FeatureCollection" else [data]
    if not isinstance(items, list):
        raise InputDataError(str(path), "features must be a list")
    polygons = []
    for number, item in enumerate(items):
        geometry = item.get("geometry") if isinstance(item, dict) and item.get("type") == "Feature" else item
        if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            raise InputDataError(str(path), f"feature {number}: the clip needs Polygon or MultiPolygon geometries")
        try:
            polygon = shape(geometry)
        except (ValueError, TypeError, AttributeError, IndexError) as exc:
            raise InputDataError(str(path), f"feature {number}: bad coordinates ({exc})") from exc
        if not polygon.is_valid or polygon.is_empty:
            raise InputDataError(str(path), f"feature {number}: the polygon is empty or invalid")
        polygons.append(polygon)
    if not polygons:
        raise InputDataError(str(path), "no polygon to clip to")
    return shapely.union_all(polygons)


def parse_clip(value: str) -> GtfsClip:
    """Read a ``--clip`` value: a GeoJSON polygon file, ``WEST,SOUTH,EAST,NORTH`` or ``agency:ID[,ID...]``.

    Raises
    ------
    InputDataError
        Naming ``clip`` (or the file) and what is wrong with the value.
    """
    text = value.strip()
    if text.startswith(AGENCY_PREFIX):
        ids = frozenset(part.strip() for part in text[len(AGENCY_PREFIX) :].split(",") if part.strip())
        if not ids:
            raise InputDataError("clip", "agency: needs at least one agency_id, e.g. agency:NVV")
        return GtfsClip(description=f"agencies {', '.join(sorted(ids))}", agency_ids=ids)
    parts = text.split(",")
    if len(parts) == 4:
        try:
            west, south, east, north = (float(part) for part in parts)
        except ValueError as exc:
            raise InputDataError(
                "clip", f"{text[:80]!r}: a bounding box is four numbers WEST,SOUTH,EAST,NORTH"
            ) from exc
        if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
            raise InputDataError(
                "clip", f"{text[:80]!r}: need -180 <= WEST < EAST <= 180 and -90 <= SOUTH < NORTH <= 90"
            )
        return GtfsClip(description=f"bbox {west},{south},{east},{north}", area=box(west, south, east, north))
    path = Path(text)
    if not path.is_file():
        raise InputDataError(
            "clip", f"{text[:80]!r} is neither a GeoJSON file, WEST,SOUTH,EAST,NORTH nor agency:ID[,ID...]"
        )
    return GtfsClip(description=path.name, area=_area_from_geojson(path), polygon_file=path)


class _Source:
    """The ``.txt`` members of a GTFS zip or folder."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip = zipfile.ZipFile(path) if path.is_file() else None
        names = self._zip.namelist() if self._zip is not None else [p.name for p in path.iterdir() if p.is_file()]
        self.files = {Path(name).name: name for name in names if not name.endswith("/")}

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def has(self, name: str) -> bool:
        return name in self.files

    @contextmanager
    def open(self, name: str) -> Iterator[IO[bytes]]:
        if self._zip is not None:
            with self._zip.open(self.files[name]) as handle:
                yield handle
        else:
            with (self.path / name).open("rb") as handle:
                yield handle

    def table(self, name: str) -> pd.DataFrame:
        with self.open(name) as handle:
            return _read(handle, name)

    def chunks(self, name: str) -> Iterator[pd.DataFrame]:
        with self.open(name) as handle:
            reader = pd.read_csv(
                handle,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                chunksize=CHUNK_ROWS,
                encoding="utf-8-sig",
                skipinitialspace=True,
            )
            for chunk in reader:
                chunk.columns = [str(column).strip() for column in chunk.columns]
                yield chunk


def _read(handle: IO[bytes], name: str) -> pd.DataFrame:
    try:
        frame = pd.read_csv(
            handle, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8-sig", skipinitialspace=True
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputDataError(name, f"cannot read: {exc}") from exc
    frame.columns = [str(column).strip() for column in frame.columns]
    return frame


def _require(frame: pd.DataFrame, file: str, *columns: str) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise InputDataError(file, f"required column(s) missing: {', '.join(missing)}")


def _write(frame: pd.DataFrame, path: Path, *, header: bool = True) -> None:
    frame.to_csv(path, mode="w" if header else "a", header=header, index=False, quoting=csv.QUOTE_MINIMAL)


def _stops_inside(stops: pd.DataFrame, clip: GtfsClip) -> pd.Series:
    """Per stop: inside the clip area (children without coordinates follow their parent station)."""
    _require(stops, "stops.txt", "stop_id")
    lat = pd.to_numeric(stops.get("stop_lat", pd.Series("", index=stops.index)), errors="coerce").to_numpy()
    lon = pd.to_numeric(stops.get("stop_lon", pd.Series("", index=stops.index)), errors="coerce").to_numpy()
    located = ~(np.isnan(lat) | np.isnan(lon))
    inside = np.zeros(len(stops), dtype=bool)
    if clip.area is not None:
        inside[located] = shapely.contains_xy(clip.area, lon[located], lat[located])
    result = pd.Series(inside, index=stops["stop_id"].to_numpy())
    if "parent_station" in stops.columns:
        parents = stops["parent_station"].to_numpy()
        follow = ~located & (parents != "")
        result.iloc[np.flatnonzero(follow)] = result.reindex(parents[follow]).fillna(value=False).to_numpy(dtype=bool)
    return result


def _trip_spans(source: _Source, inside_stops: set[str]) -> tuple[pd.DataFrame, pd.Series, int]:
    """Per trip with a stop inside: its first and last such stop_sequence; per trip its stop times; their count."""
    spans: list[pd.DataFrame] = []
    sizes: list[pd.Series] = []
    total = 0
    for chunk in source.chunks("stop_times.txt"):
        _require(chunk, "stop_times.txt", "trip_id", "stop_sequence")
        sequence = pd.to_numeric(chunk["stop_sequence"], errors="coerce")
        if sequence.isna().any():
            row = int(np.flatnonzero(sequence.isna().to_numpy())[0])
            raise InputDataError(
                "stop_times.txt",
                f"line {total + row + 2}: stop_sequence {chunk['stop_sequence'].iloc[row][:20]!r} is not a number",
            )
        total += len(chunk)
        stop_ids = chunk["stop_id"] if "stop_id" in chunk.columns else pd.Series("", index=chunk.index)
        inside = (stop_ids.isin(inside_stops) | (stop_ids == "")).to_numpy()
        picked = pd.DataFrame({"trip_id": chunk["trip_id"].to_numpy()[inside], "sequence": sequence.to_numpy()[inside]})
        spans.append(picked.groupby("trip_id", sort=False)["sequence"].agg(["min", "max"]))
        sizes.append(chunk["trip_id"].value_counts(sort=False))
    if not spans:
        return pd.DataFrame(columns=["min", "max"]), pd.Series(dtype=np.int64), total
    merged = pd.concat(spans).groupby(level=0, sort=False).agg({"min": "min", "max": "max"})
    return merged, pd.concat(sizes).groupby(level=0, sort=False).sum(), total


def _keep_rows(frame: pd.DataFrame, column: str, keep: set[str]) -> pd.DataFrame:
    return frame[frame[column].isin(keep)] if column in frame.columns else frame


def clip_feed(source_path: Path, clip: GtfsClip, destination: Path, *, name: str) -> ClipReport:
    """Write the part of the feed at ``source_path`` that ``clip`` keeps into the folder ``destination``.

    Raises
    ------
    InputDataError
        When a file the clip needs is missing or unreadable, naming file, line and field.
    """
    source = _Source(source_path)
    try:
        return _clip(source, clip, destination, name)
    except zipfile.BadZipFile as exc:
        raise InputDataError(str(source_path), f"cannot read GTFS: {exc}") from exc
    finally:
        source.close()


def _clip(source: _Source, clip: GtfsClip, destination: Path, name: str) -> ClipReport:
    for required in ("stops.txt", "trips.txt", "routes.txt", "stop_times.txt"):
        if not source.has(required):
            raise InputDataError(f"{source.path}/{required}", "required file is missing")
    destination.mkdir(parents=True, exist_ok=True)
    stops = source.table("stops.txt")
    trips = source.table("trips.txt")
    routes = source.table("routes.txt")
    _require(trips, "trips.txt", "trip_id", "route_id")
    _require(routes, "routes.txt", "route_id")

    spans: pd.DataFrame | None = None
    sizes = pd.Series(dtype=np.int64)
    if clip.agency_ids is not None:
        agency = routes.get("agency_id", pd.Series("", index=routes.index))
        if not clip.agency_ids & set(agency):
            raise InputDataError(
                f"{source.path}/routes.txt", f"no route of agency {', '.join(sorted(clip.agency_ids))} (agency_id)"
            )
        chosen_routes = set(routes["route_id"][agency.isin(clip.agency_ids)])
        candidates = set(trips["trip_id"][trips["route_id"].isin(chosen_routes)])
    else:
        inside = _stops_inside(stops, clip)
        spans, sizes, _ = _trip_spans(source, set(inside.index[inside.to_numpy()]))
        spans = spans[spans["min"] < spans["max"]]  # one stop in the area: nothing to ride there
        candidates = set(spans.index)

    kept_counts: dict[str, int] = {}
    stop_time_total = kept_stop_times = 0
    used_stops: set[str] = set()
    for number, chunk in enumerate(source.chunks("stop_times.txt")):
        stop_time_total += len(chunk)
        chunk = chunk[chunk["trip_id"].isin(candidates)]
        if spans is not None and len(chunk):
            sequence = pd.to_numeric(chunk["stop_sequence"], errors="coerce").to_numpy()
            span = spans.reindex(chunk["trip_id"].to_numpy())
            chunk = chunk[(sequence >= span["min"].to_numpy()) & (sequence <= span["max"].to_numpy())]
        for trip, count in chunk["trip_id"].value_counts(sort=False).items():
            kept_counts[str(trip)] = kept_counts.get(str(trip), 0) + int(count)
        kept_stop_times += len(chunk)
        if "stop_id" in chunk.columns:
            used_stops.update(chunk["stop_id"][chunk["stop_id"] != ""])
        _write(chunk, destination / "stop_times.txt", header=number == 0)
    rideable = set(kept_counts)
    shortened = sum(1 for trip, count in kept_counts.items() if count < int(sizes.get(trip, count)))

    kept_trips = trips[trips["trip_id"].isin(rideable)]
    kept_routes = routes[routes["route_id"].isin(set(kept_trips["route_id"]))]
    _write(kept_trips, destination / "trips.txt")
    _write(kept_routes, destination / "routes.txt")
    _write(_with_parents(stops, used_stops), destination / "stops.txt")
    kept_stop_ids = set(_with_parents(stops, used_stops)["stop_id"])
    services = set(kept_trips["service_id"]) if "service_id" in kept_trips.columns else set()
    shape_ids = set(kept_trips["shape_id"]) - {""} if "shape_id" in kept_trips.columns else set()
    _copy_rest(source, destination, kept_routes, rideable, kept_stop_ids, services, shape_ids)
    return ClipReport(
        feed=name,
        clip=clip.description,
        stops=(len(kept_stop_ids), len(stops)),
        trips=(len(kept_trips), len(trips)),
        shortened_trips=shortened,
        stop_times=(kept_stop_times, stop_time_total),
        routes=(len(kept_routes), len(routes)),
    )


def _with_parents(stops: pd.DataFrame, used: set[str]) -> pd.DataFrame:
    """The stops ``used`` and, transitively, their parent stations."""
    keep = set(used)
    if "parent_station" in stops.columns:
        parent_of = dict(zip(stops["stop_id"], stops["parent_station"], strict=True))
        frontier = set(keep)
        while frontier:
            parents = {parent_of.get(stop, "") for stop in frontier} - {""} - keep
            keep |= parents
            frontier = parents
    kept: pd.DataFrame = stops[stops["stop_id"].isin(keep)]
    return kept


def _copy_rest(
    source: _Source,
    destination: Path,
    routes: pd.DataFrame,
    trips: set[str],
    stops: set[str],
    services: set[str],
    shape_ids: set[str],
) -> None:
    done = {"stops.txt", "trips.txt", "routes.txt", "stop_times.txt"}
    agencies = set(routes["agency_id"]) if "agency_id" in routes.columns else None
    for member in sorted(set(source.files) - done):
        target = destination / member
        if member == "agency.txt" and agencies is not None and agencies != {""}:
            _write(_keep_rows(source.table(member), "agency_id", agencies), target)
        elif member in ("calendar.txt", "calendar_dates.txt"):
            _write(_keep_rows(source.table(member), "service_id", services), target)
        elif member == "frequencies.txt":
            _write(_keep_rows(source.table(member), "trip_id", trips), target)
        elif member == "transfers.txt":
            table = source.table(member)
            table = _keep_rows(_keep_rows(table, "from_stop_id", stops | {""}), "to_stop_id", stops | {""})
            table = _keep_rows(_keep_rows(table, "from_trip_id", trips | {""}), "to_trip_id", trips | {""})
            _write(table, target)
        elif member == "pathways.txt":
            _write(_keep_rows(_keep_rows(source.table(member), "from_stop_id", stops), "to_stop_id", stops), target)
        elif member == "shapes.txt":
            for number, chunk in enumerate(source.chunks(member)):
                _write(_keep_rows(chunk, "shape_id", shape_ids), target, header=number == 0)
        else:
            with source.open(member) as handle, target.open("wb") as out:
                shutil.copyfileobj(handle, out)
