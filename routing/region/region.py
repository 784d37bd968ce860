"""A loaded region: manifest, street network, timetable and zones, all read-only."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from routing.errors import InputDataError, RegionError
from routing.fares.config import FareConfig, load_region_fares
from routing.fares.zones import ZoneIndex, load_zones
from routing.flex.model import FlexNetwork
from routing.flex.store import load_flex_network
from routing.geocode.store import GeocodeArrays, load_geocode
from routing.region.manifest import Manifest
from routing.street.compile import StreetNetwork, load_street_network
from routing.transit.footpaths import Footpaths, load_footpaths
from routing.transit.timetable import Timetable, load_timetable


@dataclass(frozen=True)
class Region:
    """Everything the planner needs about one area, memory-mapped from a build directory."""

    path: Path
    manifest: Manifest
    street: StreetNetwork
    timetable: Timetable
    footpaths: dict[str, Footpaths]
    zones: ZoneIndex | None
    fares: FareConfig | None = None
    flex: FlexNetwork | None = None
    """GTFS-Flex trips (on-demand zones, AST), when a feed has any."""
    geocode: GeocodeArrays | None = None
    """Address, place and stop search index (regions built before the geocoder have none)."""


def load_region(path: Path) -> Region:
    """Load the region at ``path`` (a build directory or the link to one).

    The link is resolved first, so a concurrent switch to a newer build cannot mix two
    builds in one :class:`Region`.

    Raises
    ------
    RegionError
        When ``path`` is not a complete region of this format version.
    """
    directory = path.resolve()
    manifest = Manifest.load(directory)
    try:
        return Region(
            path=directory,
            manifest=manifest,
            street=load_street_network(directory),
            timetable=load_timetable(directory),
            footpaths=load_footpaths(directory),
            zones=load_zones(directory),
            fares=load_region_fares(directory),
            flex=load_flex_network(directory),
            geocode=load_geocode(directory),
        )
    except (OSError, ValueError, InputDataError) as exc:
        msg = f"{directory}: region is incomplete or damaged ({exc}); rebuild it with 'mobility region build'"
        raise RegionError(msg) from exc
