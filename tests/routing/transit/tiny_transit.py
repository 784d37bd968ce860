"""Tiny inline timetables for transit feature tests (OTP's module-test style).

Trips are written one per line::

    t1 1 WD: A 08:00, B 08:10/08:11, C 08:20

(trip id, route, service id, then stops with arrival[/departure]). Stops A..F exist by
default; ``D`` is not wheelchair accessible.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from routing.transit.compile import compile_timetable
from routing.transit.gtfs_load import load_gtfs
from routing.transit.queries import TransitRouter

STOPS = (
    "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station,wheelchair_boarding\n"
    "A,Alpha,51.30,9.40,0,,1\nB,Bravo,51.31,9.41,0,,1\nC,Charlie,51.32,9.42,0,,1\n"
    "D,Delta,51.33,9.43,0,,2\nE,Echo,51.34,9.44,0,,1\nF,Foxtrot,51.35,9.45,0,,1\n"
)
CALENDAR = (
    "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
    "WD,1,1,1,1,1,0,0,20260101,20261231\nALL,1,1,1,1,1,1,1,20260101,20261231\n"
)


def tiny_router(
    folder: Path,
    trips: str,
    *,
    first_day: date,
    days: int = 3,
    wheelchair_trips: frozenset[str] = frozenset(),
    **files: str,
) -> TransitRouter:
    """Compile the trips (plus any extra GTFS files by name) and return a router without streets."""
    folder.mkdir(parents=True, exist_ok=True)
    trip_rows = ["route_id,service_id,trip_id,wheelchair_accessible"]
    time_rows = ["trip_id,arrival_time,departure_time,stop_id,stop_sequence"]
    routes = set()
    for line in trips.strip().splitlines():
        head, _, calls = line.partition(":")
        trip_id, route, service = head.split()
        routes.add(route)
        accessible = 1 if not wheelchair_trips or trip_id in wheelchair_trips else 2
        trip_rows.append(f"{route},{service},{trip_id},{accessible}")
        for sequence, call in enumerate(calls.split(","), start=1):
            stop, times = call.split()
            arrival, _, departure = times.partition("/")
            departure = departure or arrival
            time_rows.append(f"{trip_id},{arrival}:00,{departure}:00,{stop},{sequence}")
    contents = {
        "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\nkvg,KVG,https://example.invalid,Europe/Berlin\n",
        "stops.txt": STOPS,
        "routes.txt": "route_id,agency_id,route_short_name,route_type\n"
        + "".join(f"{r},kvg,{r},3\n" for r in sorted(routes)),
        "trips.txt": "\n".join(trip_rows) + "\n",
        "stop_times.txt": "\n".join(time_rows) + "\n",
        "calendar.txt": CALENDAR,
        **{name.replace("_txt", ".txt"): content for name, content in files.items()},
    }
    for name, content in contents.items():
        (folder / name).write_text(content, encoding="utf-8")
    timetable = compile_timetable([load_gtfs(folder, name="kvg")], first_day=first_day, days=days)
    return TransitRouter(timetable, "Europe/Berlin")
