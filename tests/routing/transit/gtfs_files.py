"""Write tiny GTFS feeds inline for tests (the OTP module-test style)."""

from __future__ import annotations

from pathlib import Path

BASE_FILES: dict[str, str] = {
    "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\nkvg,KVG,https://example.invalid,Europe/Berlin\n",
    "stops.txt": (
        "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station,wheelchair_boarding\n"
        "HBF,Hauptbahnhof,51.3180,9.4890,1,,1\n"
        "A,Hauptbahnhof Gleis 1,51.3181,9.4891,0,HBF,1\n"
        "B,Königsplatz,51.3160,9.4960,0,,1\n"
        "C,Rathaus,51.3140,9.5000,0,,2\n"
    ),
    "routes.txt": "route_id,agency_id,route_short_name,route_long_name,route_type\n1,kvg,1,Tram 1,0\n",
    "trips.txt": "route_id,service_id,trip_id,trip_headsign,wheelchair_accessible\n1,WD,t1,Rathaus,1\n",
    "stop_times.txt": (
        "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
        "t1,08:00:00,08:00:00,A,1\n"
        "t1,08:05:00,08:06:00,B,2\n"
        "t1,08:10:00,08:10:00,C,3\n"
    ),
    "calendar.txt": (
        "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
        "WD,1,1,1,1,1,0,0,20261101,20261231\n"
    ),
}


def write_feed(folder: Path, **overrides: str | None) -> Path:
    """Write the base feed with files replaced (``name_txt="..."``) or removed (``None``)."""
    folder.mkdir(parents=True, exist_ok=True)
    files = dict(BASE_FILES)
    for key, content in overrides.items():
        name = key.replace("_txt", ".txt")
        if content is None:
            files.pop(name, None)
        else:
            files[name] = content
    for name, content in files.items():
        (folder / name).write_text(content, encoding="utf-8")
    return folder
