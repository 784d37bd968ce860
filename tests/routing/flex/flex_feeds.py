"""Tiny inline GTFS-Flex feeds for tests: one zone, one group, booking rules, windows."""

from __future__ import annotations

import json
from pathlib import Path

LAT, LON = 51.30, 9.40
"""Centre of the test zone."""
HALF = 0.01
"""Half the zone's side in degrees."""


def square(lat: float = LAT, lon: float = LON, half: float = HALF) -> list[list[list[float]]]:
    """A GeoJSON polygon (lon, lat) around a point."""
    return [
        [
            [lon - half, lat - half],
            [lon + half, lat - half],
            [lon + half, lat + half],
            [lon - half, lat + half],
            [lon - half, lat - half],
        ]
    ]


FILES: dict[str, str] = {
    "agency.txt": (
        "agency_id,agency_name,agency_url,agency_timezone,agency_phone\n"
        "nvv,NVV,https://example.invalid,Europe/Berlin,+49 561 123456\n"
    ),
    "stops.txt": (
        "stop_id,stop_name,stop_lat,stop_lon\n"
        f"S1,Dorfplatz,{LAT + 0.002},{LON + 0.002}\n"
        f"S2,Kirche,{LAT - 0.003},{LON - 0.001}\n"
        f"S3,Bahnhof,{LAT + 0.03},{LON + 0.03}\n"
    ),
    "routes.txt": (
        "route_id,agency_id,route_short_name,route_long_name,route_type\nAST1,nvv,AST 1,Anruf-Sammel-Taxi,715\n"
    ),
    "trips.txt": "route_id,service_id,trip_id,wheelchair_accessible\nAST1,ALL,zone,1\nAST1,ALL,to_group,2\n",
    "calendar.txt": (
        "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
        "ALL,1,1,1,1,1,1,1,20260101,20261231\n"
    ),
    "booking_rules.txt": (
        "booking_rule_id,booking_type,prior_notice_duration_min,prior_notice_last_day,prior_notice_last_time,"
        "message,phone_number,booking_url\n"
        "notice60,1,60,,,Bitte 60 Minuten vorher anrufen,+49 561 999,\n"
        "daybefore,2,,1,17:00:00,Am Vortag bis 17 Uhr,,https://example.invalid/book\n"
    ),
    "location_groups.txt": "location_group_id,location_group_name\nG1,Haltestellen im Dorf\n",
    "location_group_stops.txt": "location_group_id,stop_id\nG1,S1\nG1,S2\n",
    "stop_times.txt": (
        "trip_id,stop_id,location_group_id,location_id,stop_sequence,arrival_time,departure_time,"
        "start_pickup_drop_off_window,end_pickup_drop_off_window,pickup_type,drop_off_type,"
        "pickup_booking_rule_id,drop_off_booking_rule_id,mean_duration_factor,mean_duration_offset,"
        "safe_duration_factor,safe_duration_offset\n"
        "zone,,,Z1,1,,,18:00:00,23:00:00,2,1,notice60,,1.2,2,1.5,5\n"
        "zone,,,Z1,2,,,18:00:00,23:30:00,1,2,,notice60,1.2,2,1.5,5\n"
        "to_group,,,Z1,1,,,06:00:00,10:00:00,2,1,daybefore,,1,0,1,0\n"
        "to_group,,G1,,2,,,06:00:00,10:30:00,1,2,,daybefore,1,0,1,0\n"
    ),
}


def locations(*features: tuple[str, list[list[list[float]]]]) -> str:
    """``locations.geojson`` with the given (id, polygon) features."""
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "id": fid,
                    "type": "Feature",
                    "properties": {"stop_name": fid},
                    "geometry": {"type": "Polygon", "coordinates": poly},
                }
                for fid, poly in features
            ],
        }
    )


def write_flex_feed(folder: Path, **overrides: str | None) -> Path:
    """Write the flex feed with files replaced (``stop_times_txt="..."``) or removed (``None``)."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {**FILES, "locations.geojson": locations(("Z1", square()))}
    for key, content in overrides.items():
        name = key.replace("_txt", ".txt").replace("_geojson", ".geojson")
        if content is None:
            files.pop(name, None)
        else:
            files[name] = content
    for name, content in files.items():
        (folder / name).write_text(content, encoding="utf-8")
    return folder
