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
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
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
    """Write the GTFS files of ``plan`` into ``folder``, valid from a week before ``first_day``.

    Stops, stations and transfers are held in memory (a few per intersection); trips and
    stop times are streamed to disk as they are generated, so memory does not grow with
    the timetable.
    """
    folder.mkdir(parents=True, exist_ok=True)
    lines = all_lines(plan)
    stops = place_stops(plan, lines)
    stations, transfers = add_stations(plan, stops)
    _write(folder / "stops.txt", STOP_COLUMNS, [*stations, *stops.rows.values()])
    _write(folder / "transfers.txt", ["from_stop_id", "to_stop_id", "transfer_type", "min_transfer_time"], transfers)
    _write_agencies_and_routes(plan, folder, lines)
    _write_calendar(folder, first_day)
    _write_trips(folder, lines, stops)
    write_flex(plan, folder, services=(WEEKDAY, WEEKEND))


STOP_COLUMNS = (
    "stop_id",
    "stop_name",
    "stop_lat",
    "stop_lon",
    "location_type",
    "parent_station",
    "wheelchair_boarding",
    "platform_code",
)
TRIP_COLUMNS = (
    "route_id",
    "service_id",
    "trip_id",
    "trip_headsign",
    "direction_id",
    "wheelchair_accessible",
    "bikes_allowed",
)
STOP_TIME_COLUMNS = ("trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence")
FREQUENCY_COLUMNS = ("trip_id", "start_time", "end_time", "headway_secs", "exact_times")


@dataclass
class DemoStops:
    """The stops of every line: stops.txt rows by id, each line's stop ids, the stops at each intersection."""

    rows: dict[str, list[object]] = field(default_factory=dict)
    line_stops: dict[str, list[str]] = field(default_factory=dict)
    at_position: dict[tuple[int, int], list[str]] = field(default_factory=dict)


def all_lines(plan: CityPlan) -> list[Line]:
    """The plan's trams and buses, plus the frequency-based regional bus R1 and the regional train."""
    return [
        *plan.lines,
        Line("R1", 3, "col", 0, 15, 6 * 60, 20 * 60, 1, "nvv"),
        Line(EXPRESS, 2, "row", 0, 20, 5 * 60 + 5, 23 * 60, 1, "nvv"),
    ]


def place_stops(plan: CityPlan, lines: list[Line]) -> DemoStops:
    """Stops at every second intersection along each line (the express: its two ends)."""
    stops = DemoStops()
    for line in lines:
        street = _street(plan, line.axis, line.index)
        ids = []
        for pos in express_stops(plan) if line.short_name == EXPRESS else range(0, plan.size, 2):
            row, col = (line.index, pos) if line.axis == "row" else (pos, line.index)
            stop_id = f"{line.axis[0]}{line.index}_{pos}"
            if stop_id not in stops.rows:
                cross = _street(plan, "col" if line.axis == "row" else "row", pos)
                point = plan.position(row, col)
                wheelchair = 2 if line.wheelchair == 2 and pos % 4 == 2 else 1
                stops.rows[stop_id] = [
                    stop_id,
                    f"{street.name} / {cross.name}",
                    point.lat,
                    point.lon,
                    0,
                    "",
                    wheelchair,
                    "",
                ]
                stops.at_position.setdefault((row, col), []).append(stop_id)
            ids.append(stop_id)
        stops.line_stops[line.short_name] = ids
    return stops


def add_stations(plan: CityPlan, stops: DemoStops) -> tuple[list[list[object]], list[list[object]]]:
    """A parent station where lines cross, with transfers between its platforms; returns (stations, transfers).

    The platforms take the station's name, parent id and a platform code. The station
    nearest the centre is the "Demo-Hauptbahnhof"; at the first crossing (south-west)
    changing is forbidden (transfer_type 3), elsewhere it takes at least 120 s.
    """
    crossings = [(key, ids) for key, ids in stops.at_position.items() if len(ids) > 1]
    # Ties go to the first crossing placed (line order), as they always have.
    central = min((key for key, _ in crossings), key=lambda rc: abs(rc[0] - plan.middle) + abs(rc[1] - plan.middle))
    crossings.sort()
    forbidden_at = crossings[0][0]
    stations: list[list[object]] = []
    transfers: list[list[object]] = []
    for (row, col), ids in crossings:
        station_id = f"x{row}_{col}"
        point = plan.position(row, col)
        name = "Demo-Hauptbahnhof" if (row, col) == central else str(stops.rows[ids[0]][1])
        stations.append([station_id, name, point.lat, point.lon, 1, "", 1, ""])
        for platform, stop_id in enumerate(ids, start=1):
            stops.rows[stop_id][1] = name
            stops.rows[stop_id][5] = station_id
            stops.rows[stop_id][7] = str(platform)
        kind, minimum = (3, "") if (row, col) == forbidden_at else (2, 120)
        transfers.extend([a, b, kind, minimum] for a in ids for b in ids if a != b)
    return stations, transfers


def _write_agencies_and_routes(plan: CityPlan, folder: Path, lines: list[Line]) -> None:
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


def _write_calendar(folder: Path, first_day: date) -> None:
    """Weekday and weekend services from a week before ``first_day`` for 67 days, and the holiday."""
    start, end = (first_day - timedelta(days=7)).strftime("%Y%m%d"), (first_day + timedelta(days=60)).strftime("%Y%m%d")
    days = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    _write(
        folder / "calendar.txt",
        ["service_id", *days, "start_date", "end_date"],
        [[WEEKDAY, 1, 1, 1, 1, 1, 0, 0, start, end], [WEEKEND, 0, 0, 0, 0, 0, 1, 1, start, end]],
    )
    holiday = demo_holiday(first_day).strftime("%Y%m%d")
    _write(
        folder / "calendar_dates.txt",
        ["service_id", "date", "exception_type"],
        [[WEEKDAY, holiday, 2], [WEEKEND, holiday, 1]],
    )


def _write_trips(folder: Path, lines: list[Line], stops: DemoStops) -> None:
    """trips.txt and stop_times.txt streamed trip by trip; frequencies.txt for R1."""
    frequencies: list[list[object]] = []
    with (
        (folder / "trips.txt").open("w", encoding="utf-8", newline="") as trips_file,
        (folder / "stop_times.txt").open("w", encoding="utf-8", newline="") as times_file,
    ):
        trips = csv.writer(trips_file, lineterminator="\n")
        stop_times = csv.writer(times_file, lineterminator="\n")
        trips.writerow(TRIP_COLUMNS)
        stop_times.writerow(STOP_TIME_COLUMNS)
        for line in lines:
            for trip, times in _line_trips(line, stops, frequencies):
                trips.writerow(trip)
                stop_times.writerows(times)
    _write(folder / "frequencies.txt", FREQUENCY_COLUMNS, frequencies)


def _line_trips(
    line: Line, stops: DemoStops, frequencies: list[list[object]]
) -> Iterator[tuple[list[object], Iterator[list[object]]]]:
    """Each trip of ``line`` (both directions, both services) with its stop times.

    R1's frequency windows are added to ``frequencies`` (its one trip per direction and service stands for them).
    """
    sequence_of_stops = stops.line_stops[line.short_name]
    for direction, sequence in enumerate((sequence_of_stops, sequence_of_stops[::-1])):
        headsign = str(stops.rows[sequence[-1]][1])
        for service, headway in ((WEEKDAY, line.headway_min), (WEEKEND, line.headway_min * 2)):
            if line.short_name == "R1":
                trip_id = f"R1-{direction}-{service}"
                start, end = _hms(line.first_departure_min * 60), _hms(line.last_departure_min * 60)
                frequencies.append([trip_id, start, end, headway * 60, 0])
                departures = [(trip_id, line.first_departure_min)]
            else:
                departures = [
                    (f"{line.short_name}-{direction}-{service}-{minute:04d}", minute)
                    for minute in range(line.first_departure_min, line.last_departure_min + 1, headway)
                ]
            for trip_id, minute in departures:
                bikes = 1 if line.route_type in (0, 2) else 2
                trip = [line.short_name, service, trip_id, headsign, direction, line.wheelchair, bikes]
                yield trip, _stop_times(trip_id, minute * 60, sequence, SECONDS_BETWEEN_STOPS[line.route_type])


def _stop_times(trip_id: str, start: int, sequence: list[str], hop: int) -> Iterator[list[object]]:
    """A run leaving at ``start`` (seconds): ``hop`` seconds between stops, dwelling at all but the ends."""
    time = start
    for number, stop_id in enumerate(sequence, start=1):
        departure = time if number in (1, len(sequence)) else time + DWELL_SECONDS
        yield [trip_id, _hms(time), _hms(departure), stop_id, number]
        time = departure + hop
