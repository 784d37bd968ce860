"""Choosing and labelling the answer, leaving late: one tiny case each (OTP's module-test style).

Timetables are inline (see ``tiny_transit``); itineraries for the selection cases are
written as short legs ``mode HH:MM-HH:MM`` (the day is the demo's Monday, a time before
the requested one being the next day's).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from routing.planner.itinerary import Itinerary, Leg, Place, PriceQuote, SharingDetails
from routing.planner.planner import longest_wait_s, select
from routing.planner.request import Mode
from routing.transit.journeys import Journey, WalkLeg
from routing.transit.options import TransitOptions
from routing.transit.queries import TransitRouter
from tests.routing.transit.point_queries import ALGORITHMS, between_stops
from tests.routing.transit.tiny_transit import tiny_router

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2026, 11, 23)
HOME = Place("origin", 51.30, 9.40, kind="origin")
WORK = Place("destination", 51.32, 9.42, kind="destination")


def at(clock: str, day: date = MONDAY) -> datetime:
    hours, minutes = (int(part) for part in clock.split(":"))
    return datetime(day.year, day.month, day.day, tzinfo=BERLIN) + timedelta(hours=hours, minutes=minutes)


def stops_of(router: TransitRouter, *names: str) -> list[int]:
    ids = router.timetable.stop_id.to_list()
    return [ids.index(f"kvg:{name}") for name in names]


def describe(router: TransitRouter, journey: Journey) -> str:
    return journey.describe(router.timetable).replace("kvg:", "")


def trip(*parts: str, after: str = "00:00", cents: int | None = None) -> Itinerary:
    """Legs like ``"bike 22:37-23:03"``; times before ``after`` are on the next day."""
    legs = []
    for part in parts:
        mode, span = part.split()
        start, end = (at(clock, MONDAY + timedelta(days=clock < after)) for clock in span.split("-"))
        sharing = None
        if mode in ("bikeshare", "carsharing"):
            quote = None if cents is None else PriceQuote(cents, source=mode)
            sharing = SharingDetails(mode, mode, mode, mode, f"{mode}-1", None, None, quote, bookable=True)
        legs.append(Leg(Mode(mode), HOME, WORK, start, end, 1000.0, [(9.40, 51.30), (9.42, 51.32)], sharing=sharing))
    return Itinerary(legs=legs)


def spans(itineraries: list[Itinerary]) -> list[str]:
    return [
        " ".join(f"{leg.mode.value} {leg.start:%H:%M}-{leg.end:%H:%M}" for leg in it.legs)
        + f" {sorted(it.labels)}"
        + (" longWait" if it.long_wait else "")
        for it in itineraries
    ]


# Leaving as late as possible ---------------------------------------------------------


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_c01_leave_late_takes_the_latest_first_vehicle_that_still_makes_the_change(
    tmp_path: Path, algorithm: str
) -> None:
    trips = """
        early 1 WD: A 08:00, B 08:10
        late 1 WD: A 08:05, B 08:12
        tooLate 1 WD: A 08:09, B 08:20
        on 2 WD: B 08:20, C 08:30
    """
    router = tiny_router(tmp_path, trips, first_day=MONDAY)
    [journey] = between_stops(router, at("07:55"), stops_of(router, "A"), stops_of(router, "C"), algorithm=algorithm)
    assert describe(router, journey) == "1 A 08:00 ~ B 08:10 | 2 B 08:20 ~ C 08:30"
    late = router.leave_late(journey)
    # 08:12 + 60 s change slack makes 08:20; 08:20 does not.
    assert describe(router, late) == "1 A 08:05 ~ B 08:12 | 2 B 08:20 ~ C 08:30"
    assert late.departure == at("08:05") and late.arrival == journey.arrival
    slow = router.leave_late(journey, TransitOptions(change_slack_s=600))
    assert describe(router, slow) == "1 A 08:00 ~ B 08:10 | 2 B 08:20 ~ C 08:30"


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_c02_leave_late_start_the_access_walk_ends_at_boarding(tmp_path: Path, algorithm: str) -> None:
    router = tiny_router(tmp_path, "first 1 WD: A 06:00, B 06:20", first_day=MONDAY)
    [ride] = between_stops(router, at("22:37"), stops_of(router, "A"), stops_of(router, "B"), algorithm=algorithm)
    access = WalkLeg(None, stops_of(router, "A")[0], at("22:37"), at("22:42"), 400.0)
    journey = Journey(
        departure=at("22:37"), arrival=ride.arrival, legs=[access, *ride.legs], transfers=0, walking_seconds=300.0
    )
    late = router.leave_late(journey)
    tuesday = MONDAY + timedelta(days=1)
    walk = late.legs[0]
    assert isinstance(walk, WalkLeg) and (walk.departure, walk.arrival) == (at("05:55", tuesday), at("06:00", tuesday))
    assert late.departure == at("05:55", tuesday) and late.arrival == at("06:20", tuesday)
    assert late.duration_s == 25 * 60  # the trip, not the night at the stop


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_c03_leave_late_a_later_last_ride_must_arrive_no_later(tmp_path: Path, algorithm: str) -> None:
    trips = """
        slow 1 WD: A 08:00, B 08:40
        express 2 WD: A 08:10, B 08:40
        later 2 WD: A 08:15, B 08:45
    """
    router = tiny_router(tmp_path, trips, first_day=MONDAY)
    stops = stops_of(router, "A", "B")
    [journey] = between_stops(router, at("07:55"), stops[:1], stops[1:], algorithm=algorithm)
    assert describe(router, router.leave_late(journey)) == "2 A 08:10 ~ B 08:40"  # 08:15 arrives later


# Long waits, and trips without transit -------------------------------------------------


def test_c04_long_wait_vs_bike_the_night_bus_goes_and_every_answer_is_labelled() -> None:
    bus = trip("walk 05:50-05:55", "transit 05:55-06:20", "walk 06:20-06:25", after="22:00")
    other_bus = trip("walk 05:40-05:45", "transit 05:45-06:30", after="22:00")
    bike = trip("bike 22:37-23:03", after="22:00")
    chosen = select([bus, other_bus, bike], arrive_by=False, requested=at("22:37"), max_wait_s=7200)
    assert spans(chosen) == ["bike 22:37-23:03 ['fastest', 'fewest_transfers', 'least_walking']"]


def test_c05_long_wait_goes_beside_a_slower_walk_that_needs_no_wait() -> None:
    night_bus = trip("walk 00:55-01:00", "transit 01:00-01:20", after="22:00")
    walk = trip("walk 22:37-01:37", after="22:00")
    chosen = select([night_bus, walk], arrive_by=False, requested=at("22:37"), max_wait_s=7200)
    assert spans(chosen) == ["walk 22:37-01:37 ['fastest', 'fewest_transfers', 'least_walking']"]
    assert longest_wait_s(night_bus, at("22:37"), arrive_by=False) == (2 * 60 + 18) * 60


def test_c06_long_wait_is_shown_and_flagged_when_nothing_else_gets_there() -> None:
    bus = trip("walk 05:50-05:55", "transit 05:55-06:20", after="22:00")
    chosen = select([bus], arrive_by=False, requested=at("22:37"), max_wait_s=7200)
    assert spans(chosen) == [
        "walk 05:50-05:55 transit 05:55-06:20 ['fastest', 'fewest_transfers', 'least_walking'] longWait"
    ]
    assert select([bus], arrive_by=False, requested=at("22:37"), max_wait_s=8 * 3600)[0].long_wait is False


def test_c07_a_transfer_wait_counts_as_a_wait() -> None:
    waiting = trip("transit 08:00-08:10", "transit 10:30-10:40")
    assert longest_wait_s(waiting, at("08:00"), arrive_by=False) == 140 * 60
    arrive_early = trip("walk 06:00-06:10")
    assert longest_wait_s(arrive_early, at("09:00"), arrive_by=True) == 170 * 60


def test_c08_transit_is_not_shown_beside_a_free_trip_that_arrives_earlier() -> None:
    bus = trip("walk 08:00-08:05", "transit 08:05-08:20", "walk 08:20-08:22")
    bike = trip("bike 08:00-08:18")
    chosen = select([bus, bike], arrive_by=False, requested=at("08:00"), max_wait_s=7200)
    assert spans(chosen) == ["bike 08:00-08:18 ['fastest', 'fewest_transfers', 'least_walking']"]
    slower_bike = trip("bike 08:00-08:25")
    kept = select([bus, slower_bike], arrive_by=False, requested=at("08:00"), max_wait_s=7200)
    assert len(kept) == 2


def test_c09_a_pareto_itinerary_best_at_nothing_is_left_out() -> None:
    fast = trip("walk 08:00-08:02", "transit 08:02-08:20", "walk 08:20-08:24", "transit 08:24-08:30")
    direct = trip("walk 08:00-08:05", "transit 08:05-08:40")
    little_walk = trip("transit 08:00-08:35", "transit 08:36-08:45")
    middle = trip("walk 08:00-08:01", "transit 08:01-08:22", "walk 08:22-08:24", "transit 08:25-08:32")
    chosen = select([fast, direct, little_walk, middle], arrive_by=False)
    assert all(it.labels for it in chosen)
    assert middle.signature() not in {it.signature() for it in chosen}  # Pareto-optimal, but best at nothing
    assert len(chosen) == 3


# Cheapest from the complete price --------------------------------------------------------


def test_c10_cheapest_with_sharing_uses_the_quotes() -> None:
    def price(itinerary: Itinerary) -> float:
        return sum(leg.sharing.quote.amount_cents for leg in itinerary.legs if leg.sharing and leg.sharing.quote)

    car = trip("walk 08:00-08:02", "carsharing 08:02-08:12", cents=400)
    bike = trip("walk 08:00-08:03", "bikeshare 08:03-08:20", cents=100)
    chosen = select([car, bike], arrive_by=False, price=price)
    assert spans(chosen) == [
        "walk 08:00-08:02 carsharing 08:02-08:12 ['fastest', 'fewest_transfers', 'least_walking']",
        "walk 08:00-08:03 bikeshare 08:03-08:20 ['cheapest']",
    ]
