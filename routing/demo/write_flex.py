"""The demo city's AST zone as GTFS-Flex v2 files in the demo feed (SYNTHETIC DEMO DATA).

An Anruf-Sammel-Taxi zone over the city's north-east corner (the outer area, a square of
five by five blocks) runs every evening from 18:00 to midnight, on weekdays and weekends:
the rider is picked up anywhere in the zone and set down anywhere in it (or at a stop in
it, to change to a tram or bus). Booking closes 60 minutes before the pickup
(``booking_type`` 1, ``prior_notice_duration_min`` 60). The duration factors say the
ride takes 1.3 times the car's direct time plus 3 minutes on average, at most 1.6 times
plus 6 minutes. None of it is a real AST line, operator, phone number or timetable.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from routing.demo.city import SYNTHETIC_LABEL, CityPlan

ZONE_ID = "ast-nordost"
ROUTE_ID = "AST90"
TRIP_ID = "AST90-abend"
RULE_ID = "ast-60min"
ZONE_BLOCKS = 5
"""The zone's side in grid blocks, from the north-east corner."""
FLEX_COLUMNS = (
    "location_id",
    "start_pickup_drop_off_window",
    "end_pickup_drop_off_window",
    "pickup_type",
    "drop_off_type",
    "pickup_booking_rule_id",
    "drop_off_booking_rule_id",
    "mean_duration_factor",
    "mean_duration_offset",
    "safe_duration_factor",
    "safe_duration_offset",
)


def zone_ring(plan: CityPlan) -> list[list[float]]:
    """The zone's outline (lon, lat), closed: half a block beyond the last streets on the north and east."""
    low, high = plan.size - ZONE_BLOCKS - 0.5, plan.size - 0.5
    corners = [(low, low), (low, high), (high, high), (high, low), (low, low)]
    points = [plan.position(row, col) for row, col in corners]
    return [[point.lon, point.lat] for point in points]


def _append(path: Path, header: list[str], rows: list[list[object]]) -> None:
    """Add ``rows`` to a GTFS file, widening its header with the columns it lacks (streamed row by row)."""
    widened = path.with_name(path.name + ".widening")
    with path.open(newline="", encoding="utf-8") as source, widened.open("w", newline="", encoding="utf-8") as target:
        old = csv.DictReader(source)
        fields = list(old.fieldnames or [])
        fields += [column for column in header if column not in fields]
        writer = csv.DictWriter(target, fieldnames=fields)
        writer.writeheader()
        writer.writerows(old)
        writer.writerows(dict(zip(header, map(str, row), strict=True)) for row in rows)
    widened.replace(path)


def write_flex(plan: CityPlan, folder: Path, *, services: tuple[str, ...]) -> None:
    """Add the AST zone to the GTFS feed in ``folder`` (written by ``write_gtfs``) for ``services``."""
    feature = {
        "type": "Feature",
        "id": ZONE_ID,
        "properties": {"stop_name": "AST-Zone Nordost (synthetic)", "stop_desc": SYNTHETIC_LABEL},
        "geometry": {"type": "Polygon", "coordinates": [zone_ring(plan)]},
    }
    (folder / "locations.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": [feature]}, indent=1), encoding="utf-8"
    )
    with (folder / "booking_rules.txt").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["booking_rule_id", "booking_type", "prior_notice_duration_min", "message", "phone_number", "booking_url"]
        )
        writer.writerow(
            [
                RULE_ID,
                1,
                60,
                "AST: bis 60 Minuten vor der Abholung buchen (synthetisch) / book up to 60 minutes before pickup",
                "+49 561 0000000",
                "https://example.invalid/demo-ast/book",
            ]
        )
    _append(
        folder / "routes.txt",
        ["route_id", "agency_id", "route_short_name", "route_long_name", "route_type", "route_color"],
        [[ROUTE_ID, "nvv", "AST 90", "Anruf-Sammel-Taxi Nordost (synthetic)", 3, "F5A300"]],
    )
    _append(
        folder / "trips.txt",
        ["route_id", "service_id", "trip_id", "trip_headsign", "direction_id", "wheelchair_accessible"],
        [[ROUTE_ID, service, f"{TRIP_ID}-{service}", "AST-Zone Nordost", 0, 1] for service in services],
    )
    rows: list[list[object]] = []
    for service in services:
        for sequence, (pickup, drop_off) in enumerate(((2, 1), (1, 2)), start=1):
            rows.append(
                [
                    f"{TRIP_ID}-{service}",
                    sequence,
                    ZONE_ID,
                    "18:00:00",
                    "24:00:00",
                    pickup,
                    drop_off,
                    RULE_ID if pickup != 1 else "",
                    RULE_ID if drop_off != 1 else "",
                    1.3,
                    3,
                    1.6,
                    6,
                ]
            )
    _append(folder / "stop_times.txt", ["trip_id", "stop_sequence", *FLEX_COLUMNS], rows)
