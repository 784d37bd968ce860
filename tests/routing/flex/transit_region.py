"""A tiny inline region for flex with fixed trips (SYNTHETIC): two bus lines and an AST zone between them.

West to east along one latitude, on a synthetic street grid::

    O  A ==L1==> B  [ zone Z: B ... P ... Q ... C ]  C ==L2==> D  X

- ``L1`` runs A -> B every 30 minutes (hh:00, hh:30, 17:00-22:30), 6 minutes;
- ``L2`` runs C -> D every 5 minutes (17:00-23:30), 6 minutes;
- the flex trip ``ast`` serves the zone Z (B, C and the points P, Q lie in it): pickups
  18:00-23:00, drop-offs 18:00-22:00, same-day booking 30 minutes ahead; in-vehicle time
  mean 1.5 x car + 2 min, safe 2.0 x car + 12 min (the safe estimate is always more than
  one L2 headway later than the mean one).

B and C are 2 km apart (no footpath between them), A and D far from the zone: from O to
X the only way is L1, the AST from B to C, then L2.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from routing.region.build import GtfsInput, RegionInputs, build_region
from routing.region.region import Region, load_region
from tests.conftest_d.regions import built_once
from tests.routing.flex.street_grid import write_grid

BERLIN = ZoneInfo("Europe/Berlin")
FEED_NAME = "kx"
"""The feed's namespace: stop ``B`` is ``kx:B``, the AST route ``kx:AST``."""
DAY = date(2026, 11, 23)
"""A Monday."""
LAT = 51.30
LON = {"O": 9.2990, "A": 9.3000, "B": 9.3300, "P": 9.3400, "Q": 9.3500, "C": 9.3600, "D": 9.3900, "X": 9.3910}
ZONE = (9.3250, 51.2960, 9.3650, 51.3040)
"""Zone Z: west, south, east, north."""
L1_MINUTES = [17 * 60 + 30 * i for i in range(12)]
"""Departures of L1 from A, minutes after midnight (arrival at B six minutes later)."""
L2_MINUTES = [17 * 60 + 5 * i for i in range(79)]
"""Departures of L2 from C, minutes after midnight (arrival at D six minutes later)."""
RIDE_MINUTES = 6
PICKUP_WINDOW = (18 * 3600, 23 * 3600)
DROP_OFF_WINDOW = (18 * 3600, 22 * 3600)
NOTICE_MIN = 30
MEAN = (1.5, 120.0)
SAFE = (2.0, 720.0)
"""(factor, offset seconds) of the mean and safe in-vehicle time."""


def point(name: str) -> tuple[float, float]:
    """(lat, lon) of a named place of the sketch."""
    return LAT, LON[name]


def at(hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A moment of ``DAY`` in Berlin."""
    return datetime(DAY.year, DAY.month, DAY.day, tzinfo=BERLIN) + timedelta(hours=hour, minutes=minute, seconds=second)


def _hms(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}:00"


def _seconds(value: float) -> str:
    return f"{int(value) // 3600:02d}:{int(value) % 3600 // 60:02d}:{int(value) % 60:02d}"


def feed_files() -> dict[str, str]:
    """The GTFS feed (fixed lines and the flex trip) as file name -> text."""
    stop_times = [
        "trip_id,arrival_time,departure_time,stop_id,location_id,stop_sequence,"
        "start_pickup_drop_off_window,end_pickup_drop_off_window,pickup_type,drop_off_type,"
        "pickup_booking_rule_id,drop_off_booking_rule_id,mean_duration_factor,mean_duration_offset,"
        "safe_duration_factor,safe_duration_offset"
    ]
    trips = ["route_id,service_id,trip_id,wheelchair_accessible"]
    for line, stops, minutes in (("L1", ("A", "B"), L1_MINUTES), ("L2", ("C", "D"), L2_MINUTES)):
        for number, start in enumerate(minutes):
            trip = f"{line}-{number}"
            trips.append(f"{line},ALL,{trip},1")
            stop_times.append(f"{trip},{_hms(start)},{_hms(start)},{stops[0]},,1,,,0,0,,,,,,")
            end = start + RIDE_MINUTES
            stop_times.append(f"{trip},{_hms(end)},{_hms(end)},{stops[1]},,2,,,0,0,,,,,,")
    trips.append("AST,ALL,ast,1")
    mean = f"{MEAN[0]},{MEAN[1] / 60:g}"
    safe = f"{SAFE[0]},{SAFE[1] / 60:g}"
    pickup = f"{_seconds(PICKUP_WINDOW[0])},{_seconds(PICKUP_WINDOW[1])}"
    drop_off = f"{_seconds(DROP_OFF_WINDOW[0])},{_seconds(DROP_OFF_WINDOW[1])}"
    stop_times.append(f"ast,,,,Z,1,{pickup},2,1,notice,,{mean},{safe}")
    stop_times.append(f"ast,,,,Z,2,{drop_off},1,2,,notice,{mean},{safe}")
    west, south, east, north = ZONE
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    locations = {
        "type": "FeatureCollection",
        "features": [
            {
                "id": "Z",
                "type": "Feature",
                "properties": {"stop_name": "AST-Zone Mitte (synthetic)"},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        ],
    }
    return {
        "agency.txt": (
            "agency_id,agency_name,agency_url,agency_timezone,agency_phone\n"
            "kx,Testverkehr (synthetic),https://example.invalid,Europe/Berlin,+49 561 111\n"
        ),
        "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\n"
        + "".join(f"{name},Halt {name},{LAT},{LON[name]}\n" for name in "ABCD"),
        "routes.txt": (
            "route_id,agency_id,route_short_name,route_long_name,route_type\n"
            "L1,kx,L1,West,3\nL2,kx,L2,Ost,3\nAST,kx,AST 7,Anruf-Sammel-Taxi,715\n"
        ),
        "trips.txt": "\n".join(trips) + "\n",
        "calendar.txt": (
            "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
            "ALL,1,1,1,1,1,1,1,20260101,20261231\n"
        ),
        "booking_rules.txt": (
            "booking_rule_id,booking_type,prior_notice_duration_min,message,phone_number,booking_url\n"
            f"notice,1,{NOTICE_MIN},{NOTICE_MIN} Minuten vorher buchen,+49 561 222,https://example.invalid/ast\n"
        ),
        "stop_times.txt": "\n".join(stop_times) + "\n",
        "locations.geojson": json.dumps(locations),
    }


def write_flex_transit_region(base: Path) -> Path:
    """Write the feed and a street grid under ``base``, build the region there (two days from ``DAY``): its folder."""
    feed = base / "feed"
    feed.mkdir(parents=True, exist_ok=True)
    for name, content in feed_files().items():
        (feed / name).write_text(content, encoding="utf-8")
    west, east = min(LON.values()) - 0.002, max(LON.values()) + 0.002
    grid = write_grid(base / "grid.osm", south=LAT - 0.006, west=west, north=LAT + 0.006, east=east)
    inputs = RegionInputs(
        name="flex between fixed trips (synthetic)",
        gtfs=[GtfsInput(FEED_NAME, feed)],
        osm_file=grid,
        first_day=DAY,
        days=2,
        synthetic=True,
    )
    build_region(inputs, base / "region")
    return base / "region"


def flex_transit_region_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The region built once per test run (all xdist workers share it)."""
    return built_once(tmp_path_factory, "flex-transit", write_flex_transit_region)


def load_flex_transit_region(tmp_path_factory: pytest.TempPathFactory) -> Region:
    """The loaded region (built once per test run)."""
    return load_region(flex_transit_region_path(tmp_path_factory))
