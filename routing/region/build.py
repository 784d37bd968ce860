"""Build a region from input files: the one path for real data and the demo city alike.

``build_region`` reads OSM (file or, online, a place name), one or more GTFS feeds and an
optional zones file, compiles the street network, the timetable and the zone index, and
writes them with a manifest into a fresh build directory that replaces the current
region atomically (see :mod:`routing.region.store`). A failed build leaves the current
region untouched.
"""

from __future__ import annotations

import resource
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import NDArray

from routing.errors import InputDataError
from routing.fares.config import load_fare_config, save_fare_config
from routing.fares.zones import compile_zones, save_zones
from routing.flex.model import FlexNetwork
from routing.flex.region_build import split_feeds
from routing.flex.store import save_flex
from routing.geocode.build import StopPoint, build_geocoder
from routing.geocode.store import save_geocode
from routing.region.allocation import returning_freed_memory
from routing.region.coverage import coverage_warnings
from routing.region.manifest import FORMAT_VERSION, InputFile, Manifest, code_version, input_file
from routing.region.store import new_build_directory
from routing.street.compile import EdgeTable, compile_edge_table, edge_table_from_graph, save_street_network
from routing.street.osm_stream import streets_from_osm_file
from routing.transit.clip import GtfsClip, clip_feed
from routing.transit.compile import compile_timetable
from routing.transit.empty import empty_footpaths, has_transit, street_only_transit
from routing.transit.footpaths import FOOTPATH_PROFILES, compute_footpaths, save_footpaths
from routing.transit.gtfs_load import GtfsFeed, load_gtfs
from routing.transit.timetable import Timetable, save_timetable

if TYPE_CHECKING:
    import networkx as nx

DEFAULT_WINDOW_DAYS = 15
Progress = Callable[[str], None]
OsmReader = Literal["stream", "osmnx"]


@dataclass(frozen=True)
class GtfsInput:
    """One GTFS feed to include, with the namespace of its ids."""

    name: str
    path: Path


@dataclass(frozen=True)
class RegionInputs:
    """Everything a region is built from."""

    name: str
    gtfs: list[GtfsInput]
    osm_file: Path | None = None
    osm_place: str | None = None
    osm_bbox: tuple[float, float, float, float] | None = None
    """west, south, east, north in degrees (online, via Overpass)."""
    zones_file: Path | None = None
    fares_file: Path | None = None
    """Tariff levels and pass products (JSON, :mod:`routing.fares.config`); needs ``zones_file``."""
    first_day: date = field(default_factory=lambda: datetime.now(UTC).date())
    days: int = DEFAULT_WINDOW_DAYS
    synthetic: bool = False
    timezone: str | None = None
    """IANA time zone of the region; required without GTFS, else it must match agency_timezone."""
    clip: GtfsClip | None = None
    """Keep only this area (or these agencies) of every GTFS feed, cut while streaming stop_times."""
    osm_reader: OsmReader = "stream"
    """How an OSM *file* is read: ``stream`` (pyosmium into arrays) or ``osmnx`` (via a graph); same region."""


def peak_memory_mib() -> float:
    """Return this process's peak resident memory in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def feeds_timezone(feeds: list[GtfsFeed]) -> str:
    """The one time zone all agencies of all feeds share (GTFS agency_timezone).

    Raises
    ------
    InputDataError
        When agencies disagree: service-day times would be ambiguous.
    """
    zones: dict[str, str] = {}
    for feed in feeds:
        agency = feed.feed.agency
        if "agency_timezone" not in agency:
            raise InputDataError(f"{feed.source}/agency.txt", "agency_timezone is missing")
        for value in agency["agency_timezone"].dropna().astype(str):
            zones.setdefault(value, feed.name)
    if len(zones) != 1:
        listed = ", ".join(f"{zone} ({name})" for zone, name in zones.items()) or "none"
        raise InputDataError("gtfs", f"agencies must share one agency_timezone; found {listed}")
    return next(iter(zones))


def station_points(timetable: Timetable) -> list[StopPoint]:
    """Stations, and stops without a station: the stops people search for by name."""
    parents = np.asarray(timetable.stop_parent)
    location_type = np.asarray(timetable.stop_location_type)
    entries = np.flatnonzero((location_type == 1) | ((location_type == 0) & (parents < 0)))
    return [
        StopPoint(
            stop_id=str(timetable.stop_id[i]),
            name=str(timetable.stop_name[i]),
            lat=float(timetable.stop_lat[i]),
            lon=float(timetable.stop_lon[i]),
        )
        for i in entries.tolist()
    ]


def _load_graph(inputs: RegionInputs) -> nx.MultiDiGraph:
    # osmnx and networkx only on this path (--osm-reader osmnx, --place, --bbox): the streamed build never imports them
    from routing.street.osm_import import graph_from_bbox, graph_from_osm_file, graph_from_place

    if inputs.osm_file is not None:
        return graph_from_osm_file(inputs.osm_file)
    if inputs.osm_place is not None:  # pragma: no cover - needs Overpass (online)
        return graph_from_place(inputs.osm_place)
    if inputs.osm_bbox is not None:  # pragma: no cover - needs Overpass (online)
        return graph_from_bbox(*inputs.osm_bbox)
    raise InputDataError("osm", "give an OSM file, a place name or a bounding box")


def _street_edges(inputs: RegionInputs, progress: Progress) -> tuple[EdgeTable, NDArray[np.float64] | None]:
    """The canonical edge table and, for a file, its bicycle parking (streamed, or through osmnx)."""
    if inputs.osm_file is not None and inputs.osm_reader == "stream":
        streamed = streets_from_osm_file(inputs.osm_file)
        progress("compiling street network")
        return streamed.edges, streamed.bike_parking
    from routing.street.osm_import import bike_parking_from_osm_file

    graph = _load_graph(inputs)
    progress("compiling street network")
    edges = edge_table_from_graph(graph)
    del graph  # the osmnx graph is the largest object of a build; free it before compiling
    return edges, bike_parking_from_osm_file(inputs.osm_file) if inputs.osm_file is not None else None


def _compile_transit(inputs: RegionInputs, progress: Progress) -> tuple[Timetable, FlexNetwork, str]:
    with tempfile.TemporaryDirectory(prefix="mobility-clip-") as scratch:
        if inputs.clip is None:
            return _compile_feeds(inputs, inputs.gtfs, progress)
        clipped = []
        for feed in inputs.gtfs:  # streamed in chunks before gtfs-kit reads anything (routing.transit.clip)
            progress(f"clipping {feed.name}")
            target = Path(scratch) / f"{feed.name}-clipped"
            report = clip_feed(feed.path, inputs.clip, target, name=feed.name)
            progress(f"note: {report.summary()}")
            clipped.append(replace(feed, path=target))
        return _compile_feeds(inputs, clipped, progress)


def _compile_feeds(
    inputs: RegionInputs, gtfs: list[GtfsInput], progress: Progress
) -> tuple[Timetable, FlexNetwork, str]:
    progress("reading GTFS")
    splits, flex = split_feeds([(feed.name, feed.path) for feed in gtfs], first_day=inputs.first_day, days=inputs.days)
    feeds = [
        load_gtfs(split.path, name=split.name, drop_trips=split.flex_trip_ids)
        for split in splits
        if split.has_fixed_trips or not split.flex_trip_ids
    ]
    if not feeds:
        raise InputDataError("gtfs", "every feed is GTFS-Flex only; give at least one feed with fixed-schedule trips")
    timezone = feeds_timezone(feeds)
    if inputs.timezone is not None and inputs.timezone != timezone:
        raise InputDataError(
            "timezone", f"--timezone {inputs.timezone} differs from the feeds' agency_timezone {timezone}"
        )
    progress("compiling timetable")
    timetable = compile_timetable(feeds, first_day=inputs.first_day, days=inputs.days, release_stop_times=True)
    return timetable, flex, timezone


def build_region(inputs: RegionInputs, out: Path, *, progress: Progress = lambda _: None) -> Manifest:
    """Build a region from ``inputs`` and make it the current region at ``out``.

    Memory a phase frees goes back to the system before the next phase
    (:mod:`routing.region.allocation`), so the phases' peaks do not stack.

    Returns
    -------
    Manifest
        The manifest written with the region (counts, validity, timings).
    """
    with returning_freed_memory():
        return _build_region(inputs, out, progress)


def _build_region(inputs: RegionInputs, out: Path, progress: Progress) -> Manifest:
    if sum(source is not None for source in (inputs.osm_file, inputs.osm_place, inputs.osm_bbox)) > 1:
        raise InputDataError("osm", "give one OSM source (a file, a place name or a bounding box), not several")
    names = [feed.name for feed in inputs.gtfs]
    if len(set(names)) != len(names):
        raise InputDataError("gtfs", f"feed names repeat: {names}")
    started = time.perf_counter()
    street_only = (
        None
        if inputs.gtfs
        else street_only_transit(timezone=inputs.timezone, first_day=inputs.first_day, days=inputs.days)
    )
    # Streets first, then the timetable: each phase frees its temporaries before the next
    # (routing.region.allocation), and what the street phase keeps (memory-mapped profiles,
    # node coordinates) is far smaller than what the GTFS phase keeps (the timetable and the
    # pages its reading touched), so the larger street peak no longer stacks on the timetable.
    progress("reading OSM")
    edges, bike_parking = _street_edges(inputs, progress)
    # The build directory is opened here so that the street profiles can be written (and
    # freed) as they are compiled; any error below removes it and keeps the current region.
    with new_build_directory(out) as directory:
        street = compile_edge_table(edges, region_dir=directory)  # profiles written and memory-mapped one by one
        del edges
        if bike_parking is not None:
            street = replace(street, bike_parking=bike_parking)
        timetable, flex, timezone = street_only if street_only is not None else _compile_transit(inputs, progress)
        progress("indexing addresses, places and stops")
        geocode = build_geocoder(inputs.osm_file, station_points(timetable))
        progress("computing footpaths")
        footpaths = (
            [compute_footpaths(timetable, street, profile) for profile in FOOTPATH_PROFILES]
            if has_transit(timetable)
            else empty_footpaths()
        )
        overlap = coverage_warnings(
            np.asarray(timetable.stop_lat),
            np.asarray(timetable.stop_lon),
            np.asarray(street.lat),
            np.asarray(street.lon),
            footpaths={f.profile: int(f.to_stop.shape[0]) for f in footpaths},
        )
        for warning in overlap:
            progress(f"warning: {warning}")
        fares = None
        if inputs.fares_file is not None:
            if inputs.zones_file is None:
                raise InputDataError("fares", "fares need a zones file (--zones): passes and levels name its zones")
            fares = load_fare_config(inputs.fares_file)
        zones = None
        if inputs.zones_file is not None:
            progress("compiling zones")
            zones = compile_zones(inputs.zones_file, np.asarray(timetable.stop_lat), np.asarray(timetable.stop_lon))

        recorded: list[InputFile] = [input_file(f"gtfs:{feed.name}", feed.path) for feed in inputs.gtfs]
        if inputs.osm_file is not None:
            recorded.append(input_file("osm", inputs.osm_file))
        if inputs.zones_file is not None:
            recorded.append(input_file("zones", inputs.zones_file))
        if inputs.clip is not None and inputs.clip.polygon_file is not None:
            recorded.append(input_file("clip", inputs.clip.polygon_file))
        if inputs.fares_file is not None:
            recorded.append(input_file("fares", inputs.fares_file))
        counts = {
            **timetable.counts,
            "street_nodes": street.node_count,
            "bike_parking": int(street.bike_parking.shape[0]),
            **{f"street_edges_{name}": graph.edge_count for name, graph in street.profiles.items()},
            **{f"footpaths_{f.profile}": int(f.to_stop.shape[0]) for f in footpaths},
            "zones": len(zones.zones) if zones else 0,
            **flex.counts,
            **{f"geocode_{name}": value for name, value in geocode.counts.items()},
        }
        lat, lon = street.lat, street.lon
        manifest = Manifest(
            name=inputs.name,
            format_version=FORMAT_VERSION,
            built_at=datetime.now(UTC).isoformat(timespec="seconds"),
            code_version=code_version(),
            timezone=timezone,
            valid_from=inputs.first_day,
            valid_until=date.fromordinal(inputs.first_day.toordinal() + inputs.days - 1),
            synthetic=inputs.synthetic,
            inputs=recorded,
            counts=counts,
            bbox=(float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())),
            build_seconds=0.0,
            peak_memory_mib=0.0,
            warnings=[*overlap, *timetable.warnings, *flex.warnings][:200],
        )
        progress("writing region")
        save_timetable(timetable, directory)
        save_street_network(street, directory, profiles=False)
        for profile_footpaths in footpaths:
            save_footpaths(profile_footpaths, directory)
        save_geocode(geocode, directory)
        if zones is not None:
            save_zones(zones, directory)
        if flex.trips:
            save_flex(flex, directory)
        if fares is not None and inputs.fares_file is not None:
            save_fare_config(inputs.fares_file, zones, directory)
        manifest = Manifest(
            **{
                **manifest.__dict__,
                "build_seconds": round(time.perf_counter() - started, 2),
                "peak_memory_mib": round(peak_memory_mib(), 1),
            }
        )
        manifest.save(directory)
    return manifest
