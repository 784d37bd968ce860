"""Compile GTFS feeds into flat, integer-indexed timetable arrays for RAPTOR.

Units: times are int32 seconds after the *service day's* reference ("noon minus 12 h" in
the region's time zone, as GTFS defines it), so a 25:10:00 departure stays 90600 on its
service day. Days are bits: bit ``d`` of ``trip_days`` says the trip runs on service day
``day0 + d``. The window starts one day before the requested first day so that trips of
the evening before, running past midnight, are present.

Arrays (below ``transit/`` of a region)::

    stops.*                 id, name (StringTable); lat, lon float64; parent int32 (-1);
                            location_type int8; wheelchair int8 (0 unknown, 1 yes, 2 no)
    routes.*                id, short_name, long_name, agency (StringTable); type int16
    patterns.stop_offsets   int32 [P+1] stops of pattern p: pattern_stops[o[p]:o[p+1]]
    patterns.stops          int32       stop index per pattern position
    patterns.flags          uint8       bit 0: boarding allowed, bit 1: alighting allowed
    patterns.trip_offsets   int32 [P+1] trips of pattern p: trips o[p]..o[p+1]-1, sorted by
                            departure and never overtaking (FIFO)
    patterns.time_offsets   int64 [P+1] start of pattern p's block in the time arrays
    patterns.route          int32 [P]
    times.arrival           int32       trip-major per pattern: block[t * n_stops + i]
    times.departure         int32
    times.stop_sequence     int32       GTFS stop_sequence of each stop time (real-time matching)
    trips.*                 id, headsign (StringTable); days uint32; wheelchair int8;
                            bikes int8; frequency int8 (0 none, 1 exact_times=1, 2 headway)
    transfers.*             from_stop, to_stop int32; type int8; min_seconds int32
    stop_platform           StringTable: GTFS platform_code, else the platform a DELFI-style
                            stop name ends with ("... Bstg A"); "" none (optional: older
                            regions have none and derive it from the names when loaded)
    route_agency_id         StringTable: namespaced agency_id of each route (optional)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from routing.errors import RegionError
from routing.strings import StringTable
from routing.transit.platforms import platform_from_name

TRANSIT_DIR = "transit"
MAX_WINDOW_DAYS = 31
BOARD = 1
ALIGHT = 2


@dataclass
class Timetable:
    """The compiled timetable of a region (arrays may be memory-mapped)."""

    day0: date
    day_count: int
    stop_id: StringTable
    stop_name: StringTable
    stop_lat: NDArray[np.float64]
    stop_lon: NDArray[np.float64]
    stop_parent: NDArray[np.int32]
    stop_location_type: NDArray[np.int8]
    stop_wheelchair: NDArray[np.int8]
    route_id: StringTable
    route_short_name: StringTable
    route_long_name: StringTable
    route_agency: StringTable
    route_type: NDArray[np.int16]
    pattern_stop_offsets: NDArray[np.int32]
    pattern_stops: NDArray[np.int32]
    pattern_flags: NDArray[np.uint8]
    pattern_trip_offsets: NDArray[np.int32]
    pattern_time_offsets: NDArray[np.int64]
    pattern_route: NDArray[np.int32]
    arrival: NDArray[np.int32]
    departure: NDArray[np.int32]
    stop_sequence: NDArray[np.int32]
    trip_id: StringTable
    trip_headsign: StringTable
    trip_days: NDArray[np.uint32]
    trip_wheelchair: NDArray[np.int8]
    trip_bikes: NDArray[np.int8]
    trip_frequency: NDArray[np.int8]
    transfer_from: NDArray[np.int32]
    transfer_to: NDArray[np.int32]
    transfer_type: NDArray[np.int8]
    transfer_min_seconds: NDArray[np.int32]
    warnings: list[str] = field(default_factory=list)
    stop_platform: StringTable | None = None
    route_agency_id: StringTable | None = None

    def platform(self, stop: int) -> str | None:
        """The platform of ``stop`` (``platform_code``, or the one its name ends with), or None."""
        if self.stop_platform is None:
            self.stop_platform = StringTable.from_strings(platform_from_name(name) or "" for name in self.stop_name)
        return self.stop_platform[stop] or None

    def trip_layout(self, trip: int) -> tuple[int, int, int]:
        """Where ``trip`` lies: its pattern, the index of its first stop time, and its number of stops."""
        offsets = np.asarray(self.pattern_trip_offsets)
        pattern = int(np.searchsorted(offsets, trip, side="right") - 1)
        stop_count = int(self.pattern_stop_offsets[pattern + 1]) - int(self.pattern_stop_offsets[pattern])
        return (
            pattern,
            int(self.pattern_time_offsets[pattern]) + (trip - int(offsets[pattern])) * stop_count,
            stop_count,
        )

    @property
    def counts(self) -> dict[str, int]:
        """Sizes for the manifest and the build summary."""
        return {
            "stops": len(self.stop_id),
            "routes": len(self.route_id),
            "patterns": int(self.pattern_route.shape[0]),
            "trips": len(self.trip_id),
            "stop_times": int(self.arrival.shape[0]),
            "transfers": int(self.transfer_from.shape[0]),
        }


_STRING_FIELDS = (
    "stop_id",
    "stop_name",
    "route_id",
    "route_short_name",
    "route_long_name",
    "route_agency",
    "trip_id",
    "trip_headsign",
)
_OPTIONAL_STRING_FIELDS = ("stop_platform", "route_agency_id")
_ARRAY_FIELDS = (
    "stop_lat",
    "stop_lon",
    "stop_parent",
    "stop_location_type",
    "stop_wheelchair",
    "route_type",
    "pattern_stop_offsets",
    "pattern_stops",
    "pattern_flags",
    "pattern_trip_offsets",
    "pattern_time_offsets",
    "pattern_route",
    "arrival",
    "departure",
    "stop_sequence",
    "trip_days",
    "trip_wheelchair",
    "trip_bikes",
    "trip_frequency",
    "transfer_from",
    "transfer_to",
    "transfer_type",
    "transfer_min_seconds",
)


def save_timetable(timetable: Timetable, region_dir: Path) -> None:
    """Write ``timetable`` below ``region_dir/transit``."""
    base = region_dir / TRANSIT_DIR
    base.mkdir(parents=True, exist_ok=True)
    for name in _STRING_FIELDS + _OPTIONAL_STRING_FIELDS:
        if getattr(timetable, name) is not None:
            getattr(timetable, name).save(base, name)
    for name in _ARRAY_FIELDS:
        np.save(base / f"{name}.npy", getattr(timetable, name))
    (base / "window.txt").write_text(f"{timetable.day0.isoformat()} {timetable.day_count}\n", encoding="utf-8")


def load_timetable(region_dir: Path) -> Timetable:
    """Memory-map the timetable of a region."""
    base = region_dir / TRANSIT_DIR
    if not (base / "window.txt").is_file():
        msg = f"{region_dir}: region has no timetable"
        raise RegionError(msg)
    day0_text, count_text = (base / "window.txt").read_text(encoding="utf-8").split()
    fields: dict[str, Any] = {name: StringTable.load(base, name) for name in _STRING_FIELDS}
    for name in _OPTIONAL_STRING_FIELDS:
        try:
            fields[name] = StringTable.load(base, name)
        except FileNotFoundError:
            continue
    fields.update({name: np.load(base / f"{name}.npy", mmap_mode="r") for name in _ARRAY_FIELDS})
    return Timetable(day0=date.fromisoformat(day0_text), day_count=int(count_text), **fields)
