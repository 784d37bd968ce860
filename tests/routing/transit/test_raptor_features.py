"""RAPTOR behaviours, one tiny timetable each; expected journeys as readable strings."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from routing.transit.options import TransitOptions
from routing.transit.queries import TransitRouter
from routing.transit.service_time import elapsed_seconds
from tests.routing.transit.point_queries import ALGORITHMS, between_stops
from tests.routing.transit.tiny_transit import tiny_router

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2026, 11, 23)


def at(day: date, clock: str) -> datetime:
    hours, minutes = (int(part) for part in clock.split(":"))
    return datetime(day.year, day.month, day.day, tzinfo=BERLIN) + timedelta(hours=hours, minutes=minutes)


@pytest.fixture(params=ALGORITHMS)
def algorithm(request: pytest.FixtureRequest) -> str:
    """Every feature holds under RAPTOR and under McRAPTOR."""
    return str(request.param)


def plans(
    router: TransitRouter, algorithm: str, departure: datetime, origin: str, destination: str, **options: object
) -> list[str]:
    stops = router.timetable.stop_id.to_list()
    journeys = between_stops(
        router,
        departure,
        [stops.index(f"kvg:{origin}")],
        [stops.index(f"kvg:{destination}")],
        options=TransitOptions(**options),  # type: ignore[arg-type]
        algorithm=algorithm,
    )
    return [journey.describe(router.timetable).replace("kvg:", "") for journey in journeys]


def test_a01_single_trip(tmp_path: Path, algorithm: str) -> None:
    router = tiny_router(tmp_path, "t1 1 WD: A 08:00, B 08:10, C 08:20", first_day=MONDAY)
    assert plans(router, algorithm, at(MONDAY, "07:50"), "A", "C") == ["1 A 08:00 ~ C 08:20"]


def test_a02_transfer_with_change_time(tmp_path: Path, algorithm: str) -> None:
    trips = """
        t1 1 WD: A 08:00, B 08:10
        t2 2 WD: B 08:10, C 08:20
        t3 2 WD: B 08:11, C 08:21
        t4 2 WD: B 08:12, C 08:22
    """
    router = tiny_router(tmp_path, trips, first_day=MONDAY)
    # The 60 s change slack misses 08:10 and catches 08:11.
    assert plans(router, algorithm, at(MONDAY, "07:55"), "A", "C") == ["1 A 08:00 ~ B 08:10 | 2 B 08:11 ~ C 08:21"]
    assert plans(router, algorithm, at(MONDAY, "07:55"), "A", "C", change_slack_s=120) == [
        "1 A 08:00 ~ B 08:10 | 2 B 08:12 ~ C 08:22"
    ]


def test_a03_no_transfer_when_direct_is_as_fast(tmp_path: Path, algorithm: str) -> None:
    trips = """
        t1 1 WD: A 08:00, B 08:10, C 08:30
        t2 2 WD: B 08:12, C 08:30
    """
    router = tiny_router(tmp_path, trips, first_day=MONDAY)
    assert plans(router, algorithm, at(MONDAY, "07:55"), "A", "C") == ["1 A 08:00 ~ C 08:30"]


def test_a04_pareto_fewer_transfers_or_earlier(tmp_path: Path, algorithm: str) -> None:
    trips = """
        t1 1 WD: A 08:00, B 08:05, C 08:40
        t2 2 WD: B 08:07, C 08:20
    """
    router = tiny_router(tmp_path, trips, first_day=MONDAY)
    assert plans(router, algorithm, at(MONDAY, "07:55"), "A", "C") == [
        "1 A 08:00 ~ C 08:40",
        "1 A 08:00 ~ B 08:05 | 2 B 08:07 ~ C 08:20",
    ]
    assert plans(router, algorithm, at(MONDAY, "07:55"), "A", "C", max_transfers=0) == ["1 A 08:00 ~ C 08:40"]


def test_a05_overtaking_trip(tmp_path: Path, algorithm: str) -> None:
    trips = """
        slow 1 WD: A 08:00, B 08:50
        fast 1 WD: A 08:10, B 08:30
    """
    router = tiny_router(tmp_path, trips, first_day=MONDAY)
    assert plans(router, algorithm, at(MONDAY, "07:55"), "A", "B") == ["1 A 08:10 ~ B 08:30"]


def test_b01_calendar_exception_removes_a_day(tmp_path: Path, algorithm: str) -> None:
    trips = """
        t1 1 WD: A 08:00, B 08:10
        t2 1 ALL: A 09:00, B 09:10
    """
    router = tiny_router(
        tmp_path, trips, first_day=MONDAY, calendar_dates_txt="service_id,date,exception_type\nWD,20261123,2\n"
    )
    assert plans(router, algorithm, at(MONDAY, "07:55"), "A", "B") == ["1 A 09:00 ~ B 09:10"]
    assert plans(router, algorithm, at(MONDAY + timedelta(days=1), "07:55"), "A", "B") == ["1 A 08:00 ~ B 08:10"]


def test_b02_after_midnight_trip_of_the_previous_service_day(tmp_path: Path, algorithm: str) -> None:
    router = tiny_router(tmp_path, "night 1 WD: A 24:30, B 25:05", first_day=MONDAY)
    tuesday = MONDAY + timedelta(days=1)
    journeys = plans(router, algorithm, at(tuesday, "00:10"), "A", "B")
    assert journeys == ["1 A 00:30 ~ B 01:05"]
    stops = router.timetable.stop_id.to_list()
    leg = between_stops(
        router, at(tuesday, "00:10"), [stops.index("kvg:A")], [stops.index("kvg:B")], algorithm=algorithm
    )[0].legs[0]
    assert leg.service_day == MONDAY
    assert leg.departure == at(tuesday, "00:30")


def test_b03_next_day_rollover(tmp_path: Path, algorithm: str) -> None:
    router = tiny_router(tmp_path, "morning 1 WD: A 05:30, B 05:50", first_day=MONDAY)
    journeys = plans(router, algorithm, at(MONDAY, "23:30"), "A", "B")
    assert journeys == ["1 A 05:30 ~ B 05:50"]
    stops = router.timetable.stop_id.to_list()
    leg = between_stops(
        router, at(MONDAY, "23:30"), [stops.index("kvg:A")], [stops.index("kvg:B")], algorithm=algorithm
    )[0].legs[0]
    assert leg.departure == at(MONDAY + timedelta(days=1), "05:30")


def test_b04_dst_change_day(tmp_path: Path, algorithm: str) -> None:
    # On 2026-03-29 clocks jump from 02:00 CET to 03:00 CEST. GTFS times count from
    # "noon minus 12 h" = 23:00 CET the evening before, so 01:30:00 is 00:30 CET and
    # 03:30:00 is 03:30 CEST: two real hours apart.
    sunday = date(2026, 3, 29)
    router = tiny_router(tmp_path, "t1 1 ALL: A 01:30, B 03:30", first_day=sunday)
    stops = router.timetable.stop_id.to_list()
    journey = between_stops(
        router,
        datetime(2026, 3, 29, 0, 0, tzinfo=BERLIN),
        [stops.index("kvg:A")],
        [stops.index("kvg:B")],
        algorithm=algorithm,
    )[0]
    leg = journey.legs[0]
    assert leg.departure.isoformat() == "2026-03-29T00:30:00+01:00"
    assert leg.arrival.isoformat() == "2026-03-29T03:30:00+02:00"
    assert elapsed_seconds(leg.departure, leg.arrival) == 2 * 3600
    assert journey.duration_s == 2 * 3600
    autumn = date(2026, 10, 25)  # 03:00 CEST back to 02:00 CET: the reference is 01:00 CEST
    router = tiny_router(tmp_path / "autumn", "t1 1 ALL: A 01:30, B 03:30", first_day=autumn)
    leg = between_stops(
        router,
        datetime(2026, 10, 25, 0, 0, tzinfo=BERLIN),
        [stops.index("kvg:A")],
        [stops.index("kvg:B")],
        algorithm=algorithm,
    )[0].legs[0]
    assert leg.departure.isoformat() == "2026-10-25T02:30:00+02:00"
    assert leg.arrival.isoformat() == "2026-10-25T03:30:00+01:00"
    assert elapsed_seconds(leg.departure, leg.arrival) == 2 * 3600


def test_b05_frequencies(tmp_path: Path, algorithm: str) -> None:
    frequencies = "trip_id,start_time,end_time,headway_secs,exact_times\nf1,06:00:00,07:00:00,600,0\n"
    router = tiny_router(tmp_path, "f1 1 WD: A 06:00, B 06:07", first_day=MONDAY, frequencies_txt=frequencies)
    assert plans(router, algorithm, at(MONDAY, "06:05"), "A", "B") == ["1 A 06:10 ~ B 06:17"]
    stops = router.timetable.stop_id.to_list()
    after_last = between_stops(
        router, at(MONDAY, "06:55"), [stops.index("kvg:A")], [stops.index("kvg:B")], algorithm=algorithm
    )
    assert after_last[0].legs[0].departure == at(MONDAY + timedelta(days=1), "06:00"), "last run 06:50: next morning"


def test_c01_forbidden_transfer(tmp_path: Path, algorithm: str) -> None:
    trips = """
        t1 1 WD: A 08:00, B 08:10, D 08:15
        t2 2 WD: B 08:20, C 08:30
        t3 3 WD: D 08:25, C 08:40
    """
    transfers = "from_stop_id,to_stop_id,transfer_type,min_transfer_time\nB,B,3,\n"
    router = tiny_router(tmp_path, trips, first_day=MONDAY, transfers_txt=transfers)
    assert plans(router, algorithm, at(MONDAY, "07:55"), "A", "C") == ["1 A 08:00 ~ D 08:15 | 3 D 08:25 ~ C 08:40"]


def test_c02_minimum_transfer_time(tmp_path: Path, algorithm: str) -> None:
    trips = """
        t1 1 WD: A 08:00, B 08:10
        t2 2 WD: B 08:15, C 08:25
        t3 2 WD: B 08:25, C 08:35
    """
    transfers = "from_stop_id,to_stop_id,transfer_type,min_transfer_time\nB,B,2,600\n"
    router = tiny_router(tmp_path, trips, first_day=MONDAY, transfers_txt=transfers)
    assert plans(router, algorithm, at(MONDAY, "07:55"), "A", "C") == ["1 A 08:00 ~ B 08:10 | 2 B 08:25 ~ C 08:35"]


def test_c03_declared_transfer_between_stops(tmp_path: Path, algorithm: str) -> None:
    trips = """
        t1 1 WD: A 08:00, B 08:10
        t2 2 WD: E 08:20, F 08:30
    """
    transfers = "from_stop_id,to_stop_id,transfer_type,min_transfer_time\nB,E,2,300\n"
    router = tiny_router(tmp_path, trips, first_day=MONDAY, transfers_txt=transfers)
    assert plans(router, algorithm, at(MONDAY, "07:55"), "A", "F") == [
        "1 A 08:00 ~ B 08:10 | walk B ~ E | 2 E 08:20 ~ F 08:30"
    ]


def test_d01_wheelchair_needs_accessible_trips_and_stops(tmp_path: Path, algorithm: str) -> None:
    trips = """
        t1 1 WD: A 08:00, C 08:10
        t2 1 WD: A 08:30, C 08:40
        t3 2 WD: A 08:00, D 08:10
    """
    router = tiny_router(tmp_path, trips, first_day=MONDAY, wheelchair_trips=frozenset({"t2", "t3"}))
    assert plans(router, algorithm, at(MONDAY, "07:55"), "A", "C") == ["1 A 08:00 ~ C 08:10"]
    assert plans(router, algorithm, at(MONDAY, "07:55"), "A", "C", wheelchair=True) == ["1 A 08:30 ~ C 08:40"]
    assert plans(router, algorithm, at(MONDAY, "07:55"), "A", "D", wheelchair=True) == [], "D has wheelchair_boarding=2"


@pytest.mark.parametrize("max_transfers", [0, 1, 2])
def test_d02_round_limit(tmp_path: Path, algorithm: str, max_transfers: int) -> None:
    trips = """
        t1 1 WD: A 08:00, B 08:10
        t2 2 WD: B 08:15, C 08:25
        t3 3 WD: C 08:30, E 08:40
    """
    router = tiny_router(tmp_path, trips, first_day=MONDAY)
    found = plans(router, algorithm, at(MONDAY, "07:55"), "A", "E", max_transfers=max_transfers)
    assert found == ([] if max_transfers < 2 else ["1 A 08:00 ~ B 08:10 | 2 B 08:15 ~ C 08:25 | 3 C 08:30 ~ E 08:40"])
