"""What the planner reads of a region, as a protocol (``routing.region.Region`` satisfies it structurally).

The planner sits below ``routing.region`` in the layers: it names the pieces it needs
instead of importing the loaded region bundle.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from routing.flex.model import FlexNetwork
from routing.street.compile import StreetNetwork
from routing.transit.footpaths import Footpaths
from routing.transit.timetable import Timetable


class RegionManifest(Protocol):
    """The manifest fields the planner reads."""

    @property
    def name(self) -> str:
        """The region's name."""
        ...

    @property
    def timezone(self) -> str:
        """The IANA time zone of the region's timetable."""
        ...


class RegionData(Protocol):
    """A loaded region as the planner uses it: streets, timetable, footpaths, flex network, manifest."""

    @property
    def manifest(self) -> RegionManifest:
        """Name and time zone."""
        ...

    @property
    def street(self) -> StreetNetwork:
        """The street graphs per profile (and bicycle parking)."""
        ...

    @property
    def timetable(self) -> Timetable:
        """The compiled timetable."""
        ...

    @property
    def footpaths(self) -> Mapping[str, Footpaths]:
        """Stops on the street graphs and footpaths between them, per walking profile."""
        ...

    @property
    def flex(self) -> FlexNetwork | None:
        """The GTFS-Flex network, when the feeds have one."""
        ...
