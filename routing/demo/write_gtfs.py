"""Write the demo city's timetable as a GTFS folder (SYNTHETIC DEMO DATA).

Trams run every 10 minutes along the avenues (5:00 to a last departure at 24:10, so the
evening's last runs end after midnight), buses every 20 minutes along every fourth street,
both at half frequency at weekends. Where two lines cross, a parent station holds both
platforms, with transfers.txt giving a minimum change time (one pair is forbidden). A
regional bus is frequency-based (frequencies.txt, exact_times=0). calendar_dates.txt
makes one weekday a holiday that runs the weekend service. An evening AST zone (GTFS-Flex, ``write_flex.py``)
covers the north-east corner.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from pathlib import Path

from routing.demo.city import SYNTHETIC_LABEL, CityPlan, Line, Street
from routing.demo.write_flex import write_flex

AGENCIES = {
    "kvg": ("KVG Demo (synthetic)", "https://example.invalid/kvg-demo"),
    "nvv": ("NVV Demo (synthetic)", "https://example.invalid/nvv-demo"),
}
SECONDS_BETWEEN_STOPS = {0: 90, 3: 120, 2: 150}
EXPRESS = "RB5"
"""A regional train along the south edge, stopping only at its two ends (2.5 km apart, 60 km/h): the one line
faster than cycling, so that bike+ride can win (trams average ~16 km/h between stops, like a bike)."""
KIND_NAMES = {0: "Tram", 2: "Regionalbahn", 3: "Bus"}
ROUTE_COLORS = {0: "C8102E", 2: "1D6F42", 3: "00629B"}
DWELL_SECONDS = 20
WEEKDAY, WEEKEND = "werktags", "wochenende"


def _write(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _hms(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _street(plan: CityPlan, axis: str, index: int) -> Street:
    return next(s for s in plan.streets if s.axis == axis and s.index == index)


def demo_holiday(first_day: date) -> date:
    """The weekday on which the demo runs its weekend service (a synthetic holiday)."""
    day = first_day + timedelta(days=2)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def express_stops(plan: CityPlan) -> tuple[int, int]:
    """Columns of the regional train's two stations on the south edge (off every other line's stops)."""
    return 1, plan.size - 1


def write_gtfs(plan: CityPlan, folder: Path, *, first_day: date) -> None:
    """Write the GTFS files of ``plan`` into ``folder``, valid from a week before ``first_day``."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = [
        *plan.lines,
        Line("R1", 3, "col", 0, 15, 6 * 60, 20 * 60, 1, "nvv"),
        Line(EXPRESS, 2, "row", 0, 20, 5 * 60 + 5, 23 * 60, 1, "nvv"),
    ]

    # Stops: every second intersection along each line; a station where two lines cross.
    stop_rows: dict[str, list[object]] = {}
    line_stops: dict[str, list[str]] = {}
    at_position: dict[tuple[int, int], list[str]] = {}
    for line in lines:
        street = _street(plan, line.axis, line.index)
        ids = []
        for pos in express_stops(plan) if line.short_name == EXPRESS else range(0, plan.size, 2):
            row, col = (line.index, pos) if line.axis == "row" else (pos, line.index)
            cross = _street(plan, "col" if line.axis == "row" else "row", pos)
            stop_id = f"{line.axis[0]}{line.index}_{pos}"
            if stop_id not in stop_rows:
                point = plan.position(row, col)
                wheelchair = 2 if line.wheelchair == 2 and pos % 4 == 2 else 1
                stop_rows[stop_id] = [
                    stop_id,
                    f"{street.name} / {cross.name}",
                    point.lat,
                    point.lon,
                    0,
                    "",
                    wheelchair,
                    "",
                ]
                at_position.setdefault((row, col), []).append(stop_id)
            ids.append(stop_id)
        line_stops[line.short_name] = ids
    stations: list[list[object]] = []
    transfers: list[list[object]] = []
    central = min(
        (key for key, ids in at_position.items() if len(ids) > 1),
        key=lambda rc: abs(rc[0] - plan.middle) + abs(rc[1] - plan.middle),
    )
    forbidden_at = min(key for key, ids in at_position.items() if len(ids) > 1)
    for (row, col), ids in sorted(at_position.items()):
        if len(ids) < 2:
            continue
        station_id = f"x{row}_{col}"
        point = plan.position(row, col)
        name = "Demo-Hauptbahnhof" if (row, col) == central else str(stop_rows[ids[0]][1])
        stations.append([station_id, name, point.lat, point.lon, 1, "", 1, ""])
        for platform, stop_id in enumerate(ids, start=1):
            stop_rows[stop_id][1] = name
            stop_rows[stop_id][5] = station_id
            stop_rows[stop_id][7] = str(platform)
        for a in ids:
            for b in ids:
                if a != b:
                    kind, minimum = (3, "") if (row, col) == forbidden_at else (2, 120)
                    transfers.append([a, b, kind, minimum])
    _write(
        folder / "stops.txt",
        [
            "stop_id",
            "stop_name",
            "stop_lat",
            "stop_lon",
            "location_type",
            "parent_station",
            "wheelchair_boarding",
            "platform_code",
        ],
        [*stations, *stop_rows.values()],
    )
    _write(folder / "transfers.txt", ["from_stop_id", "to_stop_id", "transfer_type", "min_transfer_time"], transfers)
    _write(
        folder / "agency.txt",
        ["agency_id", "agency_name", "agency_url", "agency_timezone", "agency_lang"],
        [[key, name, url, "Europe/Berlin", "de"] for key, (name, url) in AGENCIES.items()],
    )
    _write(
        folder / "feed_info.txt",
        ["feed_publisher_name", "feed_publisher_url", "feed_lang", "feed_version"],
        [
            [
                f"kassel-mobility demo generator ({SYNTHETIC_LABEL})",
                "https://example.invalid/demo",
                "de",
                f"demo-{plan.seed}-{plan.size}",
            ]
        ],
    )
    _write(
        folder / "routes.txt",
        ["route_id", "agency_id", "route_short_name", "route_long_name", "route_type", "route_color"],
        [
            [
                line.short_name,
                line.agency,
                line.short_name,
                f"{KIND_NAMES[line.route_type]} {line.short_name} (synthetic)",
                line.route_type,
                ROUTE_COLORS[line.route_type],
            ]
            for line in lines
        ],
    )
    start, end = first_day - timedelta(days=7), first_day + timedelta(days=60)
    _write(
        folder / "calendar.txt",
        [
            "service_id",
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
            "start_date",
            "end_date",
        ],
        [
            [WEEKDAY, 1, 1, 1, 1, 1, 0, 0, start.strftime("%Y%m%d"), end.strftime("%Y%m%d")],
            [WEEKEND, 0, 0, 0, 0, 0, 1, 1, start.strftime("%Y%m%d"), end.strftime("%Y%m%d")],
        ],
    )
    holiday = demo_holiday(first_day).strftime("%Y%m%d")
    _write(
        folder / "calendar_dates.txt",
        ["service_id", "date", "exception_type"],
        [[WEEKDAY, holiday, 2], [WEEKEND, holiday, 1]],
    )

    trips: list[list[object]] = []
    stop_times: list[list[object]] = []
    frequencies: list[list[object]] = []
    for line in lines:
        stops = line_stops[line.short_name]
        hop = SECONDS_BETWEEN_STOPS[line.route_type]
        for direction, sequence in enumerate((stops, stops[::-1])):
            headsign = str(stop_rows[sequence[-1]][1])
            for service, headway in ((WEEKDAY, line.headway_min), (WEEKEND, line.headway_min * 2)):
                if line.short_name == "R1":
                    departures = [line.first_departure_min]
                    frequencies.append(
                        [
                            f"R1-{direction}-{service}",
                            _hms(line.first_departure_min * 60),
                            _hms(line.last_departure_min * 60),
                            headway * 60,
                            0,
                        ]
                    )
                else:
                    departures = list(range(line.first_departure_min, line.last_departure_min + 1, headway))
                for minute in departures:
                    trip_id = (
                        f"R1-{direction}-{service}"
                        if line.short_name == "R1"
                        else f"{line.short_name}-{direction}-{service}-{minute:04d}"
                    )
                    trips.append(
                        [
                            line.short_name,
                            service,
                            trip_id,
                            headsign,
                            direction,
                            line.wheelchair,
                            1 if line.route_type in (0, 2) else 2,
                        ]
                    )
                    time = minute * 60
                    for number, stop_id in enumerate(sequence, start=1):
                        arrival = time
                        departure = time if number in (1, len(sequence)) else time + DWELL_SECONDS
                        stop_times.append([trip_id, _hms(arrival), _hms(departure), stop_id, number])
                        time = departure + hop
    _write(
        folder / "trips.txt",
        [
            "route_id",
            "service_id",
            "trip_id",
            "trip_headsign",
            "direction_id",
            "wheelchair_accessible",
            "bikes_allowed",
        ],
        trips,
    )
    _write(
        folder / "stop_times.txt", ["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"], stop_times
    )
    _write(
        folder / "frequencies.txt", ["trip_id", "start_time", "end_time", "headway_secs", "exact_times"], frequencies
    )
    write_flex(plan, folder, services=(WEEKDAY, WEEKEND))
