"""The empty transit network of a street-only region (built without ``--gtfs``).

A region of streets (plus sharing and zones) still carries a :class:`Timetable`, with
zero stops, routes, patterns and trips, so that loading, RAPTOR, departure boards and
stop search work unchanged and simply find nothing. :func:`has_transit` is what the
planner and the API ask before they promise public transport.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from routing.errors import InputDataError
from routing.flex.model import FlexNetwork
from routing.strings import StringTable
from routing.time_zones import is_time_zone
from routing.transit.footpaths import FOOTPATH_PROFILES, Footpaths
from routing.transit.timetable import MAX_WINDOW_DAYS, Timetable

__all__ = ["empty_footpaths", "empty_timetable", "has_transit", "street_only_transit"]


def empty_timetable(*, first_day: date, days: int) -> Timetable:
    """A timetable with no stops and no trips for the window ``first_day - 1`` .. ``first_day + days - 1``.

    The window is kept (as :func:`routing.transit.compile.compile_timetable` would set it)
    so the manifest's validity and the service-day arithmetic stay the same as for a
    region with transit.

    Raises
    ------
    ValueError
        When ``days`` is outside 1 .. :data:`MAX_WINDOW_DAYS`.
    """
    if not 1 <= days <= MAX_WINDOW_DAYS:
        msg = f"days={days}: choose 1..{MAX_WINDOW_DAYS}"
        raise ValueError(msg)
    none = StringTable.from_strings(())
    zero_offsets = np.zeros(1, dtype=np.int32)
    return Timetable(
        day0=first_day - timedelta(days=1),
        day_count=days + 1,
        stop_id=none,
        stop_name=none,
        stop_lat=np.zeros(0, dtype=np.float64),
        stop_lon=np.zeros(0, dtype=np.float64),
        stop_parent=np.zeros(0, dtype=np.int32),
        stop_location_type=np.zeros(0, dtype=np.int8),
        stop_wheelchair=np.zeros(0, dtype=np.int8),
        route_id=none,
        route_short_name=none,
        route_long_name=none,
        route_agency=none,
        route_type=np.zeros(0, dtype=np.int16),
        pattern_stop_offsets=zero_offsets,
        pattern_stops=np.zeros(0, dtype=np.int32),
        pattern_flags=np.zeros(0, dtype=np.uint8),
        pattern_trip_offsets=zero_offsets.copy(),
        pattern_time_offsets=np.zeros(1, dtype=np.int64),
        pattern_route=np.zeros(0, dtype=np.int32),
        arrival=np.zeros(0, dtype=np.int32),
        departure=np.zeros(0, dtype=np.int32),
        stop_sequence=np.zeros(0, dtype=np.int32),
        trip_id=none,
        trip_headsign=none,
        trip_days=np.zeros(0, dtype=np.uint32),
        trip_wheelchair=np.zeros(0, dtype=np.int8),
        trip_bikes=np.zeros(0, dtype=np.int8),
        trip_frequency=np.zeros(0, dtype=np.int8),
        transfer_from=np.zeros(0, dtype=np.int32),
        transfer_to=np.zeros(0, dtype=np.int32),
        transfer_type=np.zeros(0, dtype=np.int8),
        transfer_min_seconds=np.zeros(0, dtype=np.int32),
        stop_platform=none,
        route_agency_id=none,
    )


def empty_footpaths() -> list[Footpaths]:
    """Footpaths of every profile for a timetable without stops."""
    return [
        Footpaths(
            profile=profile,
            stop_position_offsets=np.zeros(1, dtype=np.int64),
            position_edge=np.zeros(0, dtype=np.int32),
            position_offset_m=np.zeros(0, dtype=np.float32),
            offsets=np.zeros(1, dtype=np.int64),
            to_stop=np.zeros(0, dtype=np.int32),
            seconds=np.zeros(0, dtype=np.float32),
            meters=np.zeros(0, dtype=np.float32),
            connector_m=np.zeros(0, dtype=np.float32),
        )
        for profile in FOOTPATH_PROFILES
    ]


def has_transit(timetable: Timetable) -> bool:
    """Whether ``timetable`` has any trip to ride (False for a street-only region)."""
    return len(timetable.trip_id) > 0


def street_only_transit(*, timezone: str | None, first_day: date, days: int) -> tuple[Timetable, FlexNetwork, str]:
    """The transit part of a region built without GTFS: no trips, no flex, the given time zone.

    Raises
    ------
    InputDataError
        When ``timezone`` is missing (no feed gives an ``agency_timezone``) or not an IANA
        time zone, or ``days`` is outside the window the timetable allows.
    """
    if timezone is None:
        raise InputDataError("timezone", "a region without GTFS needs --timezone (an IANA name, e.g. Europe/Berlin)")
    if not is_time_zone(timezone):
        raise InputDataError("timezone", f"{timezone[:64]!r} is not an IANA time zone (e.g. Europe/Berlin)")
    try:
        timetable = empty_timetable(first_day=first_day, days=days)
    except ValueError as exc:
        raise InputDataError("days", str(exc)) from exc
    return timetable, FlexNetwork(timezone=timezone), timezone
