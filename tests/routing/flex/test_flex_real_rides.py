"""Rides on the real flex feeds, checked against an independent reading of the GTFS-Flex spec.

For random trips, pickup moments, car times and booking moments, every ride
``find_rides`` offers and every ride it leaves out is re-derived here from the spec's
rules (written for this test, not shared with the code): the pickup lies in the boarding
window, the expected (mean) arrival in the drop-off window, and the booking moment is no later than
the deadline of each booking rule (prior notice in minutes before the pickup, or the last
day's clock time) and no earlier than its opening; a same-day notice moves the earliest
pickup to the booking moment plus the notice.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from routing.flex.load import load_flex
from routing.flex.model import BookingRule, FlexNetwork, FlexStopTime, FlexTrip
from routing.flex.rides import RideQuery, find_rides

FEEDS = [
    ("aspen-flex-on-demand.gtfs", "America/Denver", date(2021, 5, 3)),
    ("lincoln-county-flex.gtfs", "America/Los_Angeles", date(2021, 5, 3)),
    ("midnight-flex.gtfs", "Europe/Rome", date(2026, 3, 27)),  # spans the DST change of 29 March
    ("mobilitydata-gtfs-flex/FlexExample--various.zip", "America/New_York", date(2022, 5, 3)),
]


def _reference(day: date, seconds: int, zone: ZoneInfo) -> datetime:
    noon = datetime(day.year, day.month, day.day, 12, tzinfo=zone)
    return (noon.astimezone(ZoneInfo("UTC")) - timedelta(hours=12) + timedelta(seconds=seconds)).astimezone(zone)


def _admits(rule: BookingRule, day: date, pickup: datetime, booked: datetime, zone: ZoneInfo) -> bool:
    kind = int(rule.booking_type)
    if kind == 0:
        return booked <= pickup
    if kind == 1:
        latest = pickup - timedelta(minutes=rule.prior_notice_min or 0)
        earliest = None if rule.prior_notice_max is None else pickup - timedelta(minutes=rule.prior_notice_max)
        return booked <= latest and (earliest is None or earliest <= booked)
    last = day - timedelta(days=rule.last_day or 0)
    latest = datetime(last.year, last.month, last.day, tzinfo=zone) + timedelta(seconds=rule.last_time_s or 0)
    if rule.start_day is not None:
        first = day - timedelta(days=rule.start_day)
        start = datetime(first.year, first.month, first.day, tzinfo=zone) + timedelta(seconds=rule.start_time_s or 0)
        if booked < start:
            return False
    return booked <= latest


def _expected(
    network: FlexNetwork, trip: FlexTrip, board: FlexStopTime, alight: FlexStopTime, day: date, query: RideQuery
) -> datetime | None:
    """The pickup the spec allows for this trip, rows and day (None: no ride)."""
    zone = ZoneInfo(network.timezone)
    mean = board.mean_factor * query.car_s + board.mean_offset_s
    rules = [network.rules[rule_id] for rule_id in (board.pickup_rule, alight.drop_off_rule) if rule_id is not None]
    # prior_notice_duration_min: "minimum number of minutes before travel to make the request"; a booking
    # made now can only be for travel that late or later (real time: from now on)
    notice = [
        query.booking_time + timedelta(minutes=(rule.prior_notice_min or 0) if int(rule.booking_type) == 1 else 0)
        for rule in rules
        if int(rule.booking_type) in (0, 1)
    ]
    pickup = max(
        query.earliest_pickup,
        _reference(day, board.window_start_s, zone),
        _reference(day, alight.window_start_s, zone) - timedelta(seconds=mean),
        *notice,
    )
    if pickup > _reference(day, board.window_end_s, zone):
        return None
    if pickup + timedelta(seconds=mean) > _reference(day, alight.window_end_s, zone):
        return None
    for rule in rules:
        if not _admits(rule, day, pickup, query.booking_time, zone):
            return None
    return pickup


@pytest.mark.parametrize(("feed", "zone_name", "day"), FEEDS)
def test_rides_match_the_spec_rules(shared_data: Path, feed: str, zone_name: str, day: date) -> None:
    network = load_flex(shared_data / "flex" / feed, name="f", timezone=zone_name, first_day=day, days=7).network
    zone = ZoneInfo(zone_name)
    trips = [trip for trip in network.trips if trip.service_days]
    assert trips
    generator = random.Random(20)
    checked = 0
    for _ in range(150):
        trip = generator.choice(trips)
        rows = trip.stop_times
        board = generator.choice([row for row in rows if row.picks_up])
        alight = generator.choice([row for row in rows if row.drops_off])
        start = datetime(day.year, day.month, day.day, tzinfo=zone) + timedelta(
            minutes=generator.randrange(0, 4 * 1440)
        )
        query = RideQuery(
            pickup_refs=frozenset({board.ref}),
            drop_off_refs=frozenset({alight.ref}),
            car_s=float(generator.randrange(60, 3600)),
            earliest_pickup=start,
            booking_time=start - timedelta(minutes=generator.randrange(0, 3 * 1440)),
        )
        offered = {
            (ride.trip.trip_id, ride.board, ride.alight, ride.service_day): ride.pickup
            for ride in find_rides(network, query)
            if ride.trip.trip_id == trip.trip_id
        }
        expected = {}
        for i, row_a in enumerate(rows):
            later = rows[i + 1 :] if len(rows) > 1 else rows
            for row_b in later:
                if not (row_a.picks_up and row_a.ref == board.ref and row_b.drops_off and row_b.ref == alight.ref):
                    continue
                for service_day in trip.service_days:
                    pickup = _expected(network, trip, row_a, row_b, service_day, query)
                    if pickup is not None:
                        expected[(trip.trip_id, row_a, row_b, service_day)] = pickup
        assert offered == expected
        checked += len(expected)
    assert checked > 0
